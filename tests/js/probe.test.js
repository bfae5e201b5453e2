// The upload probe as the page runs it: which requests it honours, and how the burst grows on a
// channel that keeps up and stops on one that does not.
import assert from "node:assert/strict";
import test from "node:test";

import { FIRST_STEP_BYTES, readProbeRequest, sendBurst } from "../../widget/js/probe.js";

/** A data channel that sends `bytesPerMs` of its queue each millisecond. */
class FakeChannel extends EventTarget {
  /** @param {number} bytesPerMs */
  constructor(bytesPerMs) {
    super();
    this.readyState = "open";
    this.bufferedAmount = 0;
    this.bufferedAmountLowThreshold = 0;
    /** @type {number[]} */
    this.sizes = [];
    this.timer = setInterval(() => this.drain(bytesPerMs), 1);
  }

  /** @param {Uint8Array} data */
  send(data) {
    this.sizes.push(data.byteLength);
    this.bufferedAmount += data.byteLength;
  }

  /** @param {number} bytes */
  drain(bytes) {
    if (this.bufferedAmount === 0) return;
    this.bufferedAmount = Math.max(0, this.bufferedAmount - bytes);
    if (this.bufferedAmount <= this.bufferedAmountLowThreshold) this.dispatchEvent(new Event("bufferedamountlow"));
  }

  stop() {
    clearInterval(this.timer);
  }
}

const REQUEST = { type: "probe", bytes: 240 * 1024, seconds: 1.5, chunk_bytes: 1024 };

/**
 * @param {number} bytesPerMs
 * @param {Partial<import("../../widget/js/probe.js").ProbeRequest>} [changes]
 */
async function burstOn(bytesPerMs, changes = {}) {
  const channel = new FakeChannel(bytesPerMs);
  try {
    const request = /** @type {import("../../widget/js/probe.js").ProbeRequest} */ (readProbeRequest(REQUEST));
    return { sent: await sendBurst(channel, { ...request, ...changes }), channel };
  } finally {
    channel.stop();
  }
}

test("the server's request is honoured only within bounds", () => {
  assert.deepEqual(readProbeRequest(REQUEST), { bytes: 245760, seconds: 1.5, chunk_bytes: 1024 });
  for (const bad of [
    { ...REQUEST, bytes: 2 * 1024 * 1024 },
    { ...REQUEST, bytes: "1000" },
    { ...REQUEST, bytes: 1.5 },
    { ...REQUEST, seconds: 60 },
    { ...REQUEST, seconds: 0 },
    { ...REQUEST, chunk_bytes: 65536 },
    { type: "probe" },
  ]) {
    assert.equal(readProbeRequest(bad), null, JSON.stringify(bad));
  }
});

test("a channel that keeps up gets the whole burst, in messages of the size asked for", async () => {
  // A megabyte a second: every doubling step drains well within its time.
  const { sent, channel } = await burstOn(1000);
  assert.equal(sent, REQUEST.bytes);
  assert.equal(channel.sizes.reduce((a, b) => a + b, 0), REQUEST.bytes);
  assert.ok(channel.sizes.every((size) => size === REQUEST.chunk_bytes));
});

test("a slow channel gets the first step only: a slow path is filled briefly, then left alone", async () => {
  // 12.5 kB/s, 100 kbit/s: the first step would take more than a second to drain.
  const { sent } = await burstOn(12.5);
  assert.equal(sent, FIRST_STEP_BYTES);
});

test("the burst ends when its time is up", async () => {
  const started = performance.now();
  const { sent } = await burstOn(40, { seconds: 0.1 });
  assert.ok(performance.now() - started < 400, "it does not wait past its time");
  assert.equal(sent, FIRST_STEP_BYTES);
});

test("a closed channel ends the burst", async () => {
  const channel = new FakeChannel(0);
  channel.readyState = "closed";
  channel.stop();
  assert.equal(await sendBurst(channel, { bytes: 1024, seconds: 1, chunk_bytes: 512 }), 0);
});
