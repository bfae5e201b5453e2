// @ts-check
// The checks this page shows and their outcomes, from the server's verdict or from a
// failure found in the browser. Pure data; no DOM.

/** @typedef {"camera" | "lighting" | "microphone" | "speakers" | "network"} CheckName */
/** @typedef {"idle" | "running" | "pass" | "warn" | "fail" | "skipped"} Status */
/** @typedef {{status: Status, reasons: string[]}} Outcome */
/** @typedef {Record<CheckName, Outcome>} Outcomes */
/** @typedef {"ready" | "warnings" | "not_ready"} Overall */

/** @type {readonly CheckName[]} */
export const CHECKS = Object.freeze(["camera", "lighting", "microphone", "speakers", "network"]);

const RESULT_STATUSES = ["pass", "warn", "fail", "skipped"];
const OVERALLS = ["ready", "warnings", "not_ready"];

/**
 * The same outcome for every check.
 * @param {Status} status
 * @param {string[]} reasons
 * @returns {Outcomes}
 */
export function allChecks(status, reasons) {
  return /** @type {Outcomes} */ (
    Object.fromEntries(CHECKS.map((name) => [name, { status, reasons: [...reasons] }]))
  );
}

/**
 * Outcomes for a failure found in the browser: a reason belongs to the check its code starts
 * with; other reasons (browser.*) stop them all. A check left without a reason could not run,
 * so it is skipped.
 * @param {string[]} reasons
 * @returns {Outcomes}
 */
export function outcomesFor(reasons) {
  const owner = (/** @type {string} */ code) => CHECKS.find((name) => code.startsWith(`${name}.`));
  /** @type {Partial<Outcomes>} */
  const outcomes = {};
  for (const name of CHECKS) {
    const own = reasons.filter((code) => owner(code) === name || owner(code) === undefined);
    outcomes[name] = { status: own.length ? "fail" : "skipped", reasons: own };
  }
  return /** @type {Outcomes} */ (outcomes);
}

/**
 * The parts of a server Result (docs/result.md) this page shows or tells its host, with anything
 * malformed made safe: an unknown overall reads not_ready, a missing or unknown check status reads
 * skipped, an attempt or check id of any other shape than the server's reads null.
 * @param {any} result
 * @returns {{overall: Overall, checks: Outcomes, attemptId: string | null, checkId: string | null}}
 */
export function readResult(result) {
  const overall = OVERALLS.includes(result?.overall) ? result.overall : "not_ready";
  return {
    overall,
    checks: readOutcomes(result?.checks, CHECKS),
    attemptId: serverId(result?.attempt_id),
    checkId: serverId(result?.check_id),
  };
}

/**
 * @param {unknown} id
 * @returns {string | null}
 */
function serverId(id) {
  return typeof id === "string" && /^[0-9a-f]{32}$/.test(id) ? id : null;
}

/**
 * Outcomes for the named checks from a `checks` object of a Result (or of a step message).
 * @param {any} checks
 * @param {readonly CheckName[]} names
 * @returns {Outcomes} only `names` are filled
 */
export function readOutcomes(checks, names) {
  /** @type {Partial<Outcomes>} */
  const outcomes = {};
  for (const name of names) {
    const check = checks?.[name];
    const status = RESULT_STATUSES.includes(check?.status) ? check.status : "skipped";
    const reasons = Array.isArray(check?.reasons)
      ? check.reasons.filter((/** @type {unknown} */ code) => typeof code === "string")
      : [];
    outcomes[name] = { status, reasons };
  }
  return /** @type {Outcomes} */ (outcomes);
}
