// @ts-check
// The browser's media side of a check: camera + microphone capture and the WebRTC connection
// to the Greenroom server (non-trickle offer, one data channel). No DOM access here.

import { readProbeRequest, runProbe } from "./probe.js";

/** aiortc does not trickle ICE, so the offer waits for gathering, but never longer than this. */
export const ICE_GATHERING_TIMEOUT_MS = 2000;
/** From the server's answer to a working connection; after this the network counts as blocked. */
export const CONNECT_TIMEOUT_MS = 10_000;
const STATS_INTERVAL_MS = 1000;

const DATA_CHANNEL_LABEL = "greenroom";

/**
 * Why this browser cannot run the check, as a reason code, or null when it can.
 * @param {typeof globalThis} [env]
 * @returns {"browser.insecure_context" | "browser.unsupported" | null}
 */
export function detectUnsupported(env = globalThis) {
  // Checked first: browsers hide navigator.mediaDevices outside a secure context.
  if (env.isSecureContext === false) return "browser.insecure_context";
  const getUserMedia = env.navigator?.mediaDevices?.getUserMedia;
  if (typeof getUserMedia !== "function" || typeof env.RTCPeerConnection !== "function") {
    return "browser.unsupported";
  }
  return null;
}

/**
 * Asks for the camera and the microphone. Call it straight from a click (a user gesture).
 * @param {MediaStreamConstraints} constraints see devices.js
 * @returns {Promise<MediaStream>} rejects with the getUserMedia error; see guidance.js
 */
export function openCameraAndMicrophone(constraints) {
  return navigator.mediaDevices.getUserMedia(constraints);
}

/**
 * Whether the page runs in a frame, and whether the frame's permissions policy lets it use the
 * camera and microphone (null when the browser cannot tell: Firefox, Safari).
 * @param {typeof globalThis} [env]
 * @returns {{framed: boolean, policyAllows: boolean | null}}
 */
export function frameContext(env = globalThis) {
  let framed = false;
  try {
    framed = env.self !== env.top;
  } catch {
    framed = true;
  }
  const doc = /** @type {any} */ (env.document);
  const policy = doc?.permissionsPolicy ?? doc?.featurePolicy;
  const policyAllows =
    typeof policy?.allowsFeature === "function"
      ? Boolean(policy.allowsFeature("camera") && policy.allowsFeature("microphone"))
      : null;
  return { framed, policyAllows };
}

/** @returns {Promise<string | null>} the camera permission's state, where the browser tells */
export async function cameraPermission() {
  try {
    const status = await navigator.permissions.query(/** @type {any} */ ({ name: "camera" }));
    return status.state;
  } catch {
    return null;
  }
}

/**
 * Stops every track of a stream (turns the camera light off).
 * @param {MediaStream | null | undefined} stream
 */
export function stopStream(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/**
 * @typedef {object} CheckConnectionOptions
 * @property {MediaStream} stream the local camera + microphone; the caller owns and stops it
 * @property {RTCIceServer[]} iceServers
 * @property {(offer: RTCSessionDescriptionInit, signal: AbortSignal) => Promise<{sdp: string, sessionId: string}>} sendOffer
 *   posts the complete offer and resolves with the server's answer
 * @property {(track: MediaStreamTrack) => void} onVideo the looped-back video track arrived
 * @property {(track: MediaStreamTrack) => void} onAudio the looped-back audio track arrived
 * @property {(message: Record<string, any>) => void} onMessage a JSON object from the data channel
 * @property {(why: "failed" | "channel_closed" | "timeout") => void} onLost the connection broke
 *   (or never came up in time) before close()
 * @property {number} mediaMs how long getUserMedia took, reported to the server with the stats
 */

/** No ICE candidate could be gathered: nothing could ever reach the server. */
export class NoRouteError extends Error {
  constructor() {
    super("no ICE candidates could be gathered");
    this.name = "NoRouteError";
  }
}

/**
 * One WebRTC session with the server: sends camera + microphone, receives the loopback, and
 * carries JSON messages on one data channel. Construct, then `await connect()`; `close()` at
 * any time (also while connecting) releases the peer connection.
 */
export class CheckConnection {
  /** @param {CheckConnectionOptions} options */
  constructor(options) {
    this.options = options;
    this.closed = false;
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers });
    /** @type {RTCDataChannel | null} */
    this.channel = null;
    this.abort = new AbortController();
    /** @type {Record<string, number>} milliseconds per phase, as this browser saw them */
    this.timings = { media: Math.round(options.mediaMs) };
    this.connectTimer = 0;
    this.statsTimer = 0;
    /** @type {{at: number, bytes: number} | null} */
    this.lastInbound = null;
  }

  /**
   * Negotiates with the server.
   * @returns {Promise<string>} the server's session id
   */
  async connect() {
    const { pc, options } = this;
    pc.addEventListener("track", (event) => {
      if (this.closed) return;
      // The looped-back audio is never attached to an element: it is only ever recorded.
      if (event.track.kind === "video") options.onVideo(event.track);
      else if (event.track.kind === "audio") options.onAudio(event.track);
    });
    pc.addEventListener("connectionstatechange", () => this.checkState(pc.connectionState));
    pc.addEventListener("iceconnectionstatechange", () => this.checkState(pc.iceConnectionState));

    const [video] = options.stream.getVideoTracks();
    const [audio] = options.stream.getAudioTracks();
    if (video) {
      const transceiver = pc.addTransceiver(video, { direction: "sendrecv" });
      await preferResolution(transceiver.sender);
    }
    if (audio) pc.addTransceiver(audio, { direction: "sendrecv" });
    // The channel must exist before createOffer so that the offer negotiates SCTP.
    this.channel = this.openChannel();

    let started = performance.now();
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc, ICE_GATHERING_TIMEOUT_MS);
    this.throwIfClosed();
    this.timings.gathering = Math.round(performance.now() - started);
    const local = /** @type {RTCSessionDescription} */ (pc.localDescription);
    // Without a single candidate (UDP blocked and no relay) there is nothing to try.
    if (!/^a=candidate:/m.test(local.sdp)) throw new NoRouteError();
    started = performance.now();
    const answer = await options.sendOffer({ sdp: local.sdp, type: local.type }, this.abort.signal);
    this.throwIfClosed();
    this.timings.signalling = Math.round(performance.now() - started);
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    const answered = performance.now();
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected" && this.timings.connected === undefined) {
        this.timings.connected = Math.round(performance.now() - answered);
        window.clearTimeout(this.connectTimer);
      }
    });
    this.connectTimer = window.setTimeout(() => {
      if (!this.closed && pc.connectionState !== "connected") this.options.onLost("timeout");
    }, CONNECT_TIMEOUT_MS);
    return answer.sessionId;
  }

  /** Says goodbye to the server, then closes the channel and the peer connection. Idempotent. */
  close() {
    if (this.closed) return;
    this.closed = true;
    window.clearTimeout(this.connectTimer);
    window.clearInterval(this.statsTimer);
    this.abort.abort();
    if (this.channel?.readyState === "open") this.channel.send(JSON.stringify({ type: "bye" }));
    this.channel?.close();
    this.pc.close();
  }

  /**
   * Sends a JSON message to the server, if the channel is open.
   * @param {Record<string, unknown>} message
   */
  send(message) {
    if (!this.closed && this.channel?.readyState === "open") this.channel.send(JSON.stringify(message));
  }

  /** Tells the server what only the browser can see: download rate, relay protocol, timings. */
  async reportStats() {
    const report = await this.pc.getStats();
    let bytes = 0;
    /** @type {string | null} */
    let relayProtocol = null;
    /** @type {Map<string, any>} */
    const byId = new Map();
    report.forEach((stat) => byId.set(stat.id, stat));
    for (const stat of byId.values()) {
      if (stat.type === "inbound-rtp") bytes += stat.bytesReceived ?? 0;
      if (stat.type === "transport" && stat.selectedCandidatePairId) {
        const pair = byId.get(stat.selectedCandidatePairId);
        const candidate = pair && byId.get(pair.localCandidateId);
        if (candidate?.candidateType === "relay") relayProtocol = candidate.relayProtocol ?? null;
      }
    }
    const now = performance.now();
    const previous = this.lastInbound;
    this.lastInbound = { at: now, bytes };
    const downloadKbps = previous ? ((bytes - previous.bytes) * 8) / (now - previous.at) : null;
    this.send({
      type: "stats",
      download_kbps: downloadKbps,
      relay_protocol: relayProtocol,
      timings_ms: this.timings,
    });
  }

  /** @returns {RTCDataChannel} */
  openChannel() {
    const channel = this.pc.createDataChannel(DATA_CHANNEL_LABEL);
    channel.addEventListener("open", () => {
      if (this.closed) return;
      channel.send(JSON.stringify({ type: "hello" }));
      this.statsTimer = window.setInterval(() => {
        this.reportStats().catch(() => {});
      }, STATS_INTERVAL_MS);
    });
    channel.addEventListener("message", (event) => {
      if (this.closed || typeof event.data !== "string") return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof message !== "object" || message === null || typeof message.type !== "string") return;
      if (message.type === "ping") {
        // Answered here, at once: the server times the round trip.
        this.send({ type: "pong", seq: message.seq });
      } else if (message.type === "probe") {
        const request = readProbeRequest(message);
        if (request) runProbe(this.pc, request).catch(() => {});
      } else {
        this.options.onMessage(message);
      }
    });
    channel.addEventListener("close", () => {
      if (!this.closed) this.options.onLost("channel_closed");
    });
    return channel;
  }

  /** @param {string} state a connectionState or iceConnectionState */
  checkState(state) {
    if (state === "failed" && !this.closed) this.options.onLost("failed");
  }

  throwIfClosed() {
    if (this.closed) throw new DOMException("The check connection was closed.", "AbortError");
  }
}

/**
 * Asks the encoder to drop frames rather than resolution when bandwidth is short, so the server
 * judges the picture the candidate's camera really gives. Optional: failure changes nothing.
 * @param {RTCRtpSender} sender
 */
async function preferResolution(sender) {
  try {
    const parameters = sender.getParameters();
    /** @type {any} */ (parameters).degradationPreference = "maintain-resolution";
    await sender.setParameters(parameters);
  } catch {
    // Not supported before negotiation or at all in this browser.
  }
}

/**
 * Resolves when ICE gathering is complete, or after `timeoutMs` with what was gathered so far.
 * @param {RTCPeerConnection} pc
 * @param {number} timeoutMs
 * @returns {Promise<void>}
 */
function waitForIceGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", onChange);
      resolve();
    };
    const onChange = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener("icegatheringstatechange", onChange);
  });
}
