// @ts-check
// The check run's states and the only ways between them, in one table. A run (Start, Try again,
// Check again, a device switched) is a token: it owns what it opened (stream, connection,
// recorder, timers) and releases all of it when a newer run begins or the page leaves the run's
// states; from then on every callback it handed out does nothing, so a stale run cannot act.
// Pure: no DOM, timers injected.

/**
 * @typedef {"idle" | "blocked" | "running" | "speakers" | "local" | "verdict" | "failed"
 *   | "finished"} State
 */
/**
 * start: Start, Try again or Check again was pressed; restart: another camera or microphone
 * (chosen, or the one in use unplugged); denied: the camera and microphone could not be opened;
 * measured: the server judged camera, lighting and microphone and asks about the speakers;
 * verdict: a result came (from the server, or stored after a check in the browser alone);
 * unreachable: WebRTC cannot carry the check (no route, server busy); lost: the connection
 * broke, was refused, or no verdict came in time; fallback_failed: the browser's own check could
 * not be stored; unsupported: this browser cannot run the check; end: the candidate went on, or
 * the page is going away.
 * @typedef {"start" | "restart" | "denied" | "measured" | "verdict" | "unreachable" | "lost"
 *   | "fallback_failed" | "unsupported" | "end"} RunEvent
 */

/** @type {Readonly<Record<State, Readonly<Partial<Record<RunEvent, State>>>>>} */
export const TRANSITIONS = Object.freeze({
  idle: { start: "running", unsupported: "failed", end: "finished" },
  blocked: { start: "running", end: "finished" },
  running: {
    restart: "running",
    denied: "blocked",
    measured: "speakers",
    verdict: "verdict",
    unreachable: "local",
    lost: "failed",
    end: "finished",
  },
  speakers: {
    restart: "running",
    verdict: "verdict",
    unreachable: "local",
    lost: "failed",
    end: "finished",
  },
  local: { restart: "running", verdict: "verdict", fallback_failed: "failed", end: "finished" },
  // The verdict stands whatever happens to the connection afterwards; only the preview ends.
  verdict: { start: "running", lost: "verdict", unreachable: "verdict", end: "finished" },
  failed: { start: "running", end: "finished" },
  finished: {},
});

/** @type {readonly RunEvent[]} the events that begin a new run */
const BEGINS = Object.freeze(["start", "restart"]);
/** @type {readonly State[]} the states a run lives in; entering any other ends it */
const LIVES_IN = Object.freeze(["running", "speakers", "local", "verdict"]);
/** @type {readonly State[]} */
const BUSY = Object.freeze(["running", "speakers", "local"]);

/**
 * @param {State} state
 * @param {RunEvent} event
 * @returns {State | null} null: the event means nothing in this state and is ignored
 */
export function nextState(state, event) {
  return TRANSITIONS[state][event] ?? null;
}

/**
 * Whether a check is under way: the candidate cannot leave it for the next step, and Start does
 * not begin another.
 * @param {State} state
 */
export function isBusy(state) {
  return BUSY.includes(state);
}

/**
 * @typedef {{event: "unreachable", why: "blocked" | "busy"}
 *   | {event: "lost", message: string, networkBlocked: boolean, retry: boolean}} Loss
 */

/**
 * What a lost connection means for the candidate.
 * @param {{noRoute: boolean, status: number}} loss noRoute: nothing could ever reach the server
 *   (no ICE candidate, or lost before any media came back); status: the HTTP status the server
 *   refused the offer with, 0 for none
 * @returns {Loss}
 */
export function classifyLoss({ noRoute, status }) {
  if (noRoute) return { event: "unreachable", why: "blocked" };
  // 429: this link started too many checks lately; asking again at once would be refused too.
  if (status === 503 || status === 429) return { event: "unreachable", why: "busy" };
  if (status === 404) {
    return { event: "lost", message: "message.link_invalid", networkBlocked: false, retry: false };
  }
  const message = status ? "message.server" : "message.connection";
  return { event: "lost", message, networkBlocked: true, retry: true };
}

/**
 * @typedef {object} Timers
 * @property {(callback: () => void, ms: number) => unknown} setTimeout
 * @property {(handle: any) => void} clearTimeout
 */

/**
 * @typedef {object} Run
 * @property {() => boolean} alive whether this is still the current run
 * @property {(event: RunEvent) => State | null} send moves the machine, if this run is current;
 *   returns the state entered, or null when nothing happened
 * @property {<A extends unknown[], R>(callback: (...args: A) => R)
 *   => (...args: A) => R | undefined} guard the callback, made a no-op once the run has ended
 * @property {<T>(promise: Promise<T>, dispose?: (value: T) => void) => Promise<T>} until settles
 *   like `promise` while the run is current, and never once it has ended (a value that arrives
 *   too late is disposed of)
 * @property {<T>(resource: T, dispose: (resource: T) => void) => T} own the run releases it;
 *   a resource arriving after the run ended is released at once
 * @property {(cleanup: () => void) => void} defer runs `cleanup` when the run is released
 * @property {(resource: unknown) => void} dispose releases one resource now
 * @property {(resource: unknown) => void} disown hands a resource over, unreleased
 * @property {(ms: number, callback: () => void) => object} after a timer the run owns
 * @property {(ms: number | null, callback?: () => void) => void} deadline the run's one
 *   deadline: a new one replaces the last; null clears it
 * @property {() => void} release releases everything the run owns, latest first; the run stays
 *   current (a verdict still shows)
 */

/**
 * @param {(event: RunEvent) => State | null} move
 * @param {Timers} timers
 * @returns {{run: Run, end: () => void}}
 */
function createRun(move, timers) {
  let alive = true;
  /** @type {Map<unknown, () => void>} in the order taken */
  const owned = new Map();
  /** @type {object | null} */
  let deadline = null;

  /**
   * @template {unknown[]} A
   * @template R
   * @param {(...args: A) => R} callback
   * @returns {(...args: A) => R | undefined}
   */
  function guard(callback) {
    return (...args) => (alive ? callback(...args) : undefined);
  }
  /**
   * @template T
   * @param {Promise<T>} promise
   * @param {(value: T) => void} [disposeLate]
   * @returns {Promise<T>}
   */
  function until(promise, disposeLate) {
    return new Promise((resolve, reject) => {
      promise.then(
        (value) => (alive ? resolve(value) : disposeLate?.(value)),
        (error) => alive && reject(error),
      );
    });
  }
  /** @type {Run["own"]} */
  const own = (resource, dispose) => {
    if (!alive) {
      dispose(resource);
      return resource;
    }
    owned.set(resource, () => dispose(resource));
    return resource;
  };
  /** @type {Run["dispose"]} */
  const dispose = (resource) => {
    const cleanup = owned.get(resource);
    owned.delete(resource);
    cleanup?.();
  };
  /** @type {Run["after"]} */
  const after = (ms, callback) => {
    const handle = {};
    const id = timers.setTimeout(() => {
      owned.delete(handle);
      if (alive) callback();
    }, ms);
    own(handle, () => timers.clearTimeout(id));
    return handle;
  };
  const release = () => {
    const cleanups = [...owned.values()].reverse();
    owned.clear();
    deadline = null;
    for (const cleanup of cleanups) cleanup();
  };

  /** @type {Run} */
  const run = Object.freeze({
    alive: () => alive,
    send: (event) => (alive ? move(event) : null),
    guard,
    until,
    own,
    defer: (cleanup) => void own({}, cleanup),
    dispose,
    disown: (resource) => void owned.delete(resource),
    after,
    deadline(ms, callback) {
      if (deadline) dispose(deadline);
      deadline = ms === null || !callback ? null : after(ms, callback);
    },
    release,
  });
  return {
    run,
    end() {
      alive = false;
      release();
    },
  };
}

/**
 * The page's one check machine: which state it is in, and which run is current.
 * @param {object} [options]
 * @param {Timers} [options.timers] the browser's by default
 * @param {(to: State, from: State, event: RunEvent) => void} [options.onChange]
 */
export function createRunMachine({ timers = globalThis, onChange } = {}) {
  /** @type {State} */
  let state = "idle";
  /** @type {{run: Run, end: () => void} | null} */
  let current = null;

  /**
   * @param {RunEvent} event
   * @returns {State | null}
   */
  function move(event) {
    const to = nextState(state, event);
    if (!to) return null;
    const from = state;
    state = to;
    // A new run supersedes the last; a state no run lives in ends it.
    if (BEGINS.includes(event) || !LIVES_IN.includes(to)) {
      const ended = current;
      current = null;
      ended?.end();
    }
    onChange?.(to, from, event);
    return to;
  }

  return {
    /** @returns {State} */
    get state() {
      return state;
    },
    /**
     * Begins a new run, ending the last (everything it owned is released first).
     * @param {"start" | "restart"} event
     * @returns {Run | null} null when the event means nothing now (a check is under way)
     */
    begin(event) {
      if (!move(event)) return null;
      current = createRun(move, timers);
      return current.run;
    },
    /**
     * An event from outside any run: the page is left, or the browser cannot run the check.
     * @param {"end" | "unsupported"} event
     */
    send: (event) => move(event),
  };
}
