// The verdict as the page reads it: whatever the server (or a broken proxy) sends, the page shows
// a status and reasons for every check, and never an attempt id it could not send back.
import assert from "node:assert/strict";
import test from "node:test";

import { CHECKS, allChecks, outcomesFor, readOutcomes, readResult } from "../../widget/js/results.js";

const ATTEMPT = "0123456789abcdef0123456789abcdef";
const CHECK = "fedcba9876543210fedcba9876543210";

test("a well-formed result is read as it is", () => {
  const result = readResult({
    overall: "warnings",
    attempt_id: ATTEMPT,
    check_id: CHECK,
    checks: {
      camera: { status: "pass", reasons: [] },
      lighting: { status: "warn", reasons: ["lighting.backlit"] },
      microphone: { status: "pass", reasons: [] },
      speakers: { status: "pass", reasons: [] },
      network: { status: "fail", reasons: ["network.blocked", "network.relay"] },
    },
  });
  assert.equal(result.overall, "warnings");
  assert.equal(result.attemptId, ATTEMPT);
  assert.equal(result.checkId, CHECK);
  assert.deepEqual(result.checks.lighting, { status: "warn", reasons: ["lighting.backlit"] });
  assert.deepEqual(result.checks.network.reasons, ["network.blocked", "network.relay"]);
  assert.deepEqual(Object.keys(result.checks), [...CHECKS]);
});

test("nothing, or not an object, reads as not ready with every check skipped", () => {
  for (const malformed of [null, undefined, "ready", 42, [], { checks: "all good" }]) {
    const result = readResult(malformed);
    assert.equal(result.overall, "not_ready", JSON.stringify(malformed));
    assert.equal(result.attemptId, null);
    assert.deepEqual(result.checks, allChecks("skipped", []));
  }
});

test("an unknown overall is not ready; an unknown status is skipped", () => {
  const result = readResult({
    overall: "READY",
    checks: { camera: { status: "ok" }, lighting: { status: "running" }, microphone: "pass" },
  });
  assert.equal(result.overall, "not_ready");
  assert.equal(result.checks.camera.status, "skipped");
  assert.equal(result.checks.lighting.status, "skipped", "a verdict decides: never still running");
  assert.equal(result.checks.microphone.status, "skipped");
});

test("reasons that are not strings are dropped, and reasons not a list are none", () => {
  const checks = readOutcomes(
    {
      camera: { status: "fail", reasons: ["camera.frozen", 7, null, { code: "x" }] },
      lighting: { status: "pass", reasons: "lighting.too_dark" },
    },
    ["camera", "lighting"],
  );
  assert.deepEqual(checks, {
    camera: { status: "fail", reasons: ["camera.frozen"] },
    lighting: { status: "pass", reasons: [] },
  });
});

test("a step message fills only the checks it names", () => {
  const measured = readOutcomes({ camera: { status: "pass", reasons: [] } }, ["camera", "lighting", "microphone"]);
  assert.deepEqual(Object.keys(measured), ["camera", "lighting", "microphone"]);
  assert.equal(measured.lighting.status, "skipped");
  assert.equal("speakers" in measured, false);
});

test("an attempt or check id of any other shape is neither sent back nor told to the host", () => {
  for (const id of [ATTEMPT.toUpperCase(), `${ATTEMPT}0`, "1234", 12, null, "../../etc/passwd"]) {
    assert.equal(readResult({ overall: "ready", attempt_id: id }).attemptId, null, String(id));
    assert.equal(readResult({ overall: "ready", check_id: id }).checkId, null, String(id));
  }
});

test("a failure found in the browser: each reason to its check, the others skipped", () => {
  assert.deepEqual(outcomesFor(["network.blocked"]), {
    camera: { status: "skipped", reasons: [] },
    lighting: { status: "skipped", reasons: [] },
    microphone: { status: "skipped", reasons: [] },
    speakers: { status: "skipped", reasons: [] },
    network: { status: "fail", reasons: ["network.blocked"] },
  });
  const denied = outcomesFor(["camera.denied", "microphone.denied"]);
  assert.equal(denied.camera.status, "fail");
  assert.equal(denied.microphone.status, "fail");
  assert.equal(denied.lighting.status, "skipped");
});

test("a browser-wide reason stops every check", () => {
  const outcomes = outcomesFor(["browser.unsupported"]);
  for (const name of CHECKS) {
    assert.deepEqual(outcomes[name], { status: "fail", reasons: ["browser.unsupported"] }, name);
  }
});

test("the same outcome for every check, each with its own list", () => {
  const running = allChecks("running", ["x"]);
  running.camera.reasons.push("y");
  assert.deepEqual(running.lighting.reasons, ["x"]);
});
