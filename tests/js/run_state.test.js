// The check run's state machine: which clicks and messages move the page on, and that a run the
// candidate has left behind (a new Start, another camera, Finish) can no longer act.
import assert from "node:assert/strict";
import test from "node:test";

import {
  TRANSITIONS,
  classifyLoss,
  createRunMachine,
  isBusy,
  nextState,
} from "../../widget/js/run_state.js";

/** Timers the test fires by hand. */
function fakeTimers() {
  /** @type {Map<number, () => void>} */
  const pending = new Map();
  let next = 1;
  return {
    pending,
    setTimeout: (/** @type {() => void} */ callback, /** @type {number} */ _ms) => {
      pending.set(next, callback);
      return next++;
    },
    clearTimeout: (/** @type {number} */ id) => void pending.delete(id),
    fireAll() {
      const due = [...pending.values()];
      pending.clear();
      for (const callback of due) callback();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** @param {import("../../widget/js/run_state.js").RunEvent[]} events */
function walk(...events) {
  const machine = createRunMachine({ timers: fakeTimers() });
  /** @type {import("../../widget/js/run_state.js").Run | null} */
  let run = null;
  for (const event of events) {
    if (event === "start" || event === "restart") run = machine.begin(event) ?? run;
    else if (event === "end" || event === "unsupported") machine.send(event);
    else run?.send(event);
  }
  return machine.state;
}

test("a check goes from Start through the speakers step to the verdict", () => {
  assert.equal(walk("start"), "running");
  assert.equal(walk("start", "measured"), "speakers");
  assert.equal(walk("start", "measured", "verdict"), "verdict");
  assert.equal(walk("start", "measured", "verdict", "end"), "finished");
});

test("a blocked camera, a blocked network and a lost connection each lead where they should", () => {
  assert.equal(walk("start", "denied"), "blocked");
  assert.equal(walk("start", "denied", "start"), "running", "Try again starts anew");
  assert.equal(walk("start", "unreachable"), "local");
  assert.equal(walk("start", "measured", "unreachable", "verdict"), "verdict");
  assert.equal(walk("start", "unreachable", "fallback_failed"), "failed");
  assert.equal(walk("start", "lost"), "failed");
  assert.equal(walk("start", "lost", "start"), "running", "Check again starts anew");
});

test("what cannot happen in a state is ignored", () => {
  assert.equal(nextState("running", "start"), null, "Start while checking does nothing");
  assert.equal(nextState("speakers", "measured"), null);
  assert.equal(nextState("local", "unreachable"), null);
  assert.equal(nextState("local", "lost"), null, "the connection is closed by then");
  assert.equal(nextState("blocked", "verdict"), null);
  assert.equal(nextState("idle", "restart"), null, "no device switch before a run");
  assert.equal(nextState("verdict", "restart"), null, "a device switch after the verdict waits");
  for (const event of Object.keys(TRANSITIONS.running)) {
    assert.equal(nextState("finished", /** @type {any} */ (event)), null, event);
  }
});

test("after the verdict a lost connection keeps the verdict", () => {
  assert.equal(nextState("verdict", "lost"), "verdict");
  assert.equal(nextState("verdict", "unreachable"), "verdict");
});

test("busy while checking, so Finish waits and Start is not doubled", () => {
  assert.deepEqual(
    Object.keys(TRANSITIONS).filter((state) => isBusy(/** @type {any} */ (state))),
    ["running", "speakers", "local"],
  );
});

test("every state a table entry names exists", () => {
  for (const [state, events] of Object.entries(TRANSITIONS)) {
    for (const [event, to] of Object.entries(events)) {
      assert.ok(to in TRANSITIONS, `${state} --${event}--> ${to}`);
    }
  }
});

test("a lost connection is checked in the browser alone, or said plainly", () => {
  assert.deepEqual(classifyLoss({ noRoute: true, status: 0 }), { event: "unreachable", why: "blocked" });
  assert.deepEqual(classifyLoss({ noRoute: false, status: 503 }), { event: "unreachable", why: "busy" });
  assert.deepEqual(classifyLoss({ noRoute: false, status: 429 }), { event: "unreachable", why: "busy" });
  assert.deepEqual(classifyLoss({ noRoute: false, status: 404 }), {
    event: "lost",
    message: "message.link_invalid",
    networkBlocked: false,
    retry: false,
  });
  assert.deepEqual(classifyLoss({ noRoute: false, status: 500 }), {
    event: "lost",
    message: "message.server",
    networkBlocked: true,
    retry: true,
  });
  assert.deepEqual(classifyLoss({ noRoute: false, status: 0 }), {
    event: "lost",
    message: "message.connection",
    networkBlocked: true,
    retry: true,
  });
});

test("Start while a check runs begins no second run", () => {
  const machine = createRunMachine({ timers: fakeTimers() });
  assert.ok(machine.begin("start"));
  assert.equal(machine.begin("start"), null);
  assert.equal(machine.state, "running");
});

test("a new run releases what the last one held, and silences it", () => {
  const timers = fakeTimers();
  const machine = createRunMachine({ timers });
  const first = /** @type {import("../../widget/js/run_state.js").Run} */ (machine.begin("start"));
  /** @type {string[]} */
  const released = [];
  const stream = first.own({ name: "stream" }, () => released.push("stream"));
  first.own({ name: "connection" }, () => released.push("connection"));
  first.defer(() => released.push("preview"));
  let timedOut = false;
  first.deadline(45_000, () => (timedOut = true));
  const onMessage = first.guard((/** @type {string} */ text) => text.toUpperCase());
  assert.equal(onMessage("metrics"), "METRICS");
  assert.equal(stream.name, "stream");

  const second = machine.begin("restart");
  assert.ok(second);
  assert.deepEqual(released, ["preview", "connection", "stream"], "latest first, each once");
  assert.equal(timers.pending.size, 0, "the old deadline is cleared");
  assert.equal(first.alive(), false);
  assert.equal(second.alive(), true);
  assert.equal(onMessage("verdict"), undefined, "the old run's callbacks do nothing");
  assert.equal(first.send("verdict"), null, "nor can it move the page");
  assert.equal(machine.state, "running");
  second.release();
  timers.fireAll();
  assert.equal(timedOut, false);
  assert.deepEqual(released, ["preview", "connection", "stream"]);
});

test("a stream that arrives after its run ended is stopped, and nothing goes on", async () => {
  const machine = createRunMachine({ timers: fakeTimers() });
  const run = /** @type {import("../../widget/js/run_state.js").Run} */ (machine.begin("start"));
  /** @type {(value: string) => void} */
  let grant = () => {};
  const capture = new Promise((resolve) => (grant = resolve));
  /** @type {string[]} */
  const stopped = [];
  let continued = false;
  void run.until(capture, (stream) => stopped.push(String(stream))).then(() => (continued = true));
  machine.send("end");
  grant("camera");
  await tick();
  assert.deepEqual(stopped, ["camera"]);
  assert.equal(continued, false);
  assert.equal(machine.state, "finished");
  // A late resource taken by an ended run is released at once.
  run.own("late", (name) => stopped.push(name));
  assert.deepEqual(stopped, ["camera", "late"]);
});

test("a current run's awaits go on, failures included", async () => {
  const machine = createRunMachine({ timers: fakeTimers() });
  const run = /** @type {import("../../widget/js/run_state.js").Run} */ (machine.begin("start"));
  assert.equal(await run.until(Promise.resolve(7)), 7);
  await assert.rejects(run.until(Promise.reject(new Error("NotAllowedError"))), /NotAllowedError/);
});

test("a failure ends the run: the camera is released before the result shows", () => {
  const machine = createRunMachine({ timers: fakeTimers() });
  const run = /** @type {import("../../widget/js/run_state.js").Run} */ (machine.begin("start"));
  let stopped = false;
  run.own("stream", () => (stopped = true));
  assert.equal(run.send("lost"), "failed");
  assert.equal(stopped, true);
  assert.equal(run.alive(), false);
});

test("the verdict keeps the run, and its preview, until the candidate goes on", () => {
  const timers = fakeTimers();
  const machine = createRunMachine({ timers });
  const run = /** @type {import("../../widget/js/run_state.js").Run} */ (machine.begin("start"));
  let stopped = false;
  run.own("stream", () => (stopped = true));
  let asked = 0;
  run.after(400, () => (asked += 1));
  assert.equal(run.send("verdict"), "verdict");
  assert.equal(stopped, false, "the preview still plays after the verdict");
  assert.equal(run.alive(), true);
  timers.fireAll();
  assert.equal(asked, 1, "a timer of the current run fires");
  machine.send("end");
  assert.equal(stopped, true);
});

test("a new deadline replaces the last", () => {
  const timers = fakeTimers();
  const machine = createRunMachine({ timers });
  const run = /** @type {import("../../widget/js/run_state.js").Run} */ (machine.begin("start"));
  /** @type {string[]} */
  const fired = [];
  run.deadline(45_000, () => fired.push("measure"));
  run.deadline(75_000, () => fired.push("speakers"));
  assert.equal(timers.pending.size, 1);
  timers.fireAll();
  assert.deepEqual(fired, ["speakers"]);
  run.deadline(45_000, () => fired.push("again"));
  run.deadline(null);
  timers.fireAll();
  assert.deepEqual(fired, ["speakers"]);
});

test("a resource handed over is not released with the run", () => {
  const machine = createRunMachine({ timers: fakeTimers() });
  const run = /** @type {import("../../widget/js/run_state.js").Run} */ (machine.begin("start"));
  let stopped = false;
  const recorder = run.own({}, () => (stopped = true));
  run.disown(recorder);
  machine.send("end");
  assert.equal(stopped, false);
});

test("listeners hear each move with what caused it", () => {
  /** @type {string[]} */
  const moves = [];
  const machine = createRunMachine({
    timers: fakeTimers(),
    onChange: (to, from, event) => moves.push(`${from} -${event}-> ${to}`),
  });
  machine.begin("start")?.send("denied");
  machine.send("end");
  assert.deepEqual(moves, ["idle -start-> running", "running -denied-> blocked", "blocked -end-> finished"]);
});
