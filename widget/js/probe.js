// @ts-check
// The upload probe (docs/protocol.md): asked by the server, the page sends a burst on a channel of
// its own, so that the server counts what the path carries, not what the encoder chose to send.

export const PROBE_CHANNEL_LABEL = "greenroom-probe";
/** Unordered, and a message queued longer than this is dropped: on a slow path the burst must
 * not hold up the check's own messages, nor leave seconds of data behind. */
const CHANNEL_OPTIONS = { ordered: false, maxPacketLifeTime: 500 };
/** The burst goes out in steps, each twice the one before, and stops at the first step the
 * channel has not drained within STEP_MS: a slow path is filled briefly, then left alone. */
export const FIRST_STEP_BYTES = 16 * 1024;
export const STEP_MS = 250;

/** @typedef {{bytes: number, seconds: number, chunk_bytes: number}} ProbeRequest */

/**
 * The server's request, or null when it is not one the page will honour.
 * @param {Record<string, unknown>} message
 * @returns {ProbeRequest | null}
 */
export function readProbeRequest({ bytes, seconds, chunk_bytes }) {
  const within = (/** @type {unknown} */ n, /** @type {number} */ max) =>
    typeof n === "number" && n > 0 && n <= max;
  if (!within(bytes, 1 << 20) || !within(chunk_bytes, 1 << 14) || !within(seconds, 5)) return null;
  if (!Number.isInteger(bytes) || !Number.isInteger(chunk_bytes)) return null;
  return /** @type {ProbeRequest} */ ({ bytes, seconds, chunk_bytes });
}

/**
 * Opens the probe channel on `pc`, sends the burst, and closes it.
 * @param {RTCPeerConnection} pc
 * @param {ProbeRequest} request
 */
export async function runProbe(pc, request) {
  const channel = pc.createDataChannel(PROBE_CHANNEL_LABEL, CHANNEL_OPTIONS);
  try {
    if (channel.readyState !== "open") {
      await new Promise((resolve) => {
        setTimeout(resolve, request.seconds * 1000);
        channel.addEventListener("open", resolve);
      });
    }
    return await sendBurst(channel, request);
  } finally {
    channel.close();
  }
}

/** @typedef {Pick<RTCDataChannel, "bufferedAmount" | "bufferedAmountLowThreshold" | "readyState" | "send" | "addEventListener" | "removeEventListener">} BurstChannel */

/**
 * Sends up to `request.bytes` in doubling steps, until all are sent, a step has not drained in
 * time, `request.seconds` have passed or the channel closes.
 * @param {BurstChannel} channel
 * @param {ProbeRequest} request
 * @param {() => number} [now] milliseconds
 * @returns {Promise<number>} the bytes handed to the channel
 */
export async function sendBurst(channel, request, now = () => performance.now()) {
  const end = now() + request.seconds * 1000;
  const chunk = new Uint8Array(request.chunk_bytes);
  channel.bufferedAmountLowThreshold = 0;
  let sent = 0;
  for (let step = FIRST_STEP_BYTES; sent < request.bytes && now() < end; step *= 2) {
    const target = Math.min(request.bytes, sent + step);
    for (; sent < target && channel.readyState === "open"; sent += chunk.length) {
      channel.send(target - sent < chunk.length ? chunk.subarray(0, target - sent) : chunk);
    }
    sent = Math.min(sent, target);
    if (!(await drained(channel, Math.min(STEP_MS, end - now())))) break;
  }
  return sent;
}

/**
 * Whether the channel's queue empties within `ms` (false when it closes meanwhile).
 * @param {BurstChannel} channel
 * @param {number} ms
 * @returns {Promise<boolean>}
 */
function drained(channel, ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      channel.removeEventListener("bufferedamountlow", done);
      channel.removeEventListener("close", done);
      resolve(channel.readyState === "open" && channel.bufferedAmount === 0);
    };
    const timer = setTimeout(done, Math.max(0, ms));
    channel.addEventListener("bufferedamountlow", done);
    channel.addEventListener("close", done);
    if (channel.bufferedAmount === 0) done();
  });
}
