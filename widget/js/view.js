// The check page's elements and how they show a run: one step at a time, each check's status in
// words and symbol, the verdict, and the one polite live region. No network, no media.

import { setText } from "./i18n.js";
import { CHECKS } from "./results.js";

/** @typedef {import("./i18n.js").I18n} I18n */
/** @typedef {import("./results.js").CheckName} CheckName */
/** @typedef {import("./results.js").Outcome} Outcome */
/** @typedef {import("./results.js").Outcomes} Outcomes */
/** @typedef {"welcome" | "permission" | "check" | "result" | "done"} Step */

/**
 * @param {Document} root
 * @param {I18n} i18n
 */
export function createView(root, i18n) {
  const { t, has } = i18n;
  const ui = findElements(root);

  /**
   * Shows one step and hides the others; focus goes to its heading, so keyboard and screen
   * reader users start reading where the page changed.
   * @param {Step} name
   * @param {{focus?: boolean}} [options]
   */
  function showStep(name, { focus = true } = {}) {
    for (const step of ui.steps) step.hidden = step.dataset.step !== name;
    // The quiet window (countdown, Join button) belongs to the welcome and to the end.
    root.querySelector(`[data-quiet-slot="${name}"]`)?.append(ui.quiet);
    ui.checks.hidden = name !== "check" && name !== "result";
    const heading = /** @type {HTMLElement | null} */ (
      root.querySelector(`section[data-step="${name}"] h1`)
    );
    if (focus) heading?.focus();
  }

  /**
   * @param {CheckName} name
   * @param {Outcome} outcome
   */
  function setStatus(name, { status, reasons }) {
    ui.status[name].dataset.status = status;
    setText(ui.statusText[name], t, `status.${status}`);
    ui.reasons[name].replaceChildren(
      ...reasons.map((code) => {
        const item = root.createElement("li");
        item.dataset.reason = code;
        setText(item, t, reasonKey(code));
        return item;
      }),
    );
  }

  /** @param {Outcomes} outcomes */
  function renderOutcomes(outcomes) {
    for (const name of CHECKS) setStatus(name, outcomes[name]);
  }

  /**
   * The one fix of each check that failed, then of each that could be better: what to do comes
   * before any detail.
   * @param {Outcomes} outcomes
   */
  function renderFixes(outcomes) {
    const shown = new Set();
    const ranked = ["fail", "warn"].flatMap((status) =>
      CHECKS.filter((name) => {
        const [first] = outcomes[name].status === status ? outcomes[name].reasons : [];
        // A browser-wide reason stops every check: say it once.
        if (!first || shown.has(first)) return false;
        shown.add(first);
        return true;
      }),
    );
    ui.fixes.replaceChildren(
      ...ranked.map((name) => {
        const { status, reasons } = outcomes[name];
        const item = root.createElement("li");
        item.dataset.check = name;
        item.dataset.status = status;
        const icon = root.createElement("span");
        icon.className = "status-icon";
        icon.setAttribute("aria-hidden", "true");
        const check = root.createElement("strong");
        setText(check, t, `check.${name}`);
        const word = root.createElement("span");
        word.className = "fix-status";
        setText(word, t, `status.${status}`);
        const fix = root.createElement("span");
        fix.className = "fix-text";
        fix.dataset.reason = reasons[0];
        setText(fix, t, reasonKey(reasons[0]));
        item.append(icon, check, " ", word, fix);
        return item;
      }),
    );
  }

  /** @param {string} code a reason code */
  function reasonKey(code) {
    return has(`reason.${code}`) ? `reason.${code}` : "reason.unknown";
  }

  /** @param {string[]} lines one per announcement, e.g. one per check */
  function announce(lines) {
    ui.announcer.replaceChildren(
      ...lines.map((line) => {
        const p = root.createElement("p");
        p.textContent = line;
        return p;
      }),
    );
  }

  /**
   * Fills the permission step with what to do.
   * @param {import("./guidance.js").Guidance} guidance
   * @param {{browser: string, os: string}} platform
   */
  function showGuidance(guidance, platform) {
    setText(ui.permissionHeading, t, guidance.heading);
    Object.assign(ui.guidance.dataset, {
      problem: guidance.problem,
      browser: platform.browser,
      os: platform.os,
      reasons: guidance.reasons.join(" "),
    });
    ui.guidanceLead.hidden = !guidance.lead;
    if (guidance.lead) setText(ui.guidanceLead, t, guidance.lead);
    ui.guidanceSteps.replaceChildren(
      ...guidance.steps.map((key) => {
        const item = root.createElement("li");
        item.dataset.key = key;
        setText(item, t, key);
        return item;
      }),
    );
    // In a frame without the camera allowed, trying again cannot help; a tab of its own does.
    ui.openInTab.hidden = !guidance.steps.includes("guide.iframe");
    ui.tryAgain.hidden = guidance.problem === "iframe";
    ui.openInTabLink.href = location.href;
  }

  return { ui, showStep, setStatus, renderOutcomes, renderFixes, reasonKey, announce, showGuidance };
}

/** @param {Document} root */
function findElements(root) {
  /**
   * @template {HTMLElement} T
   * @param {string} selector
   * @returns {T}
   */
  const one = (selector) => {
    const element = root.querySelector(selector);
    if (!element) throw new Error(`check.html has no ${selector}`);
    return /** @type {T} */ (element);
  };
  /** @param {string} name */
  const ref = (name) => one(`[data-ref="${name}"]`);
  /** @param {string} name */
  const testid = (name) => one(`[data-testid="${name}"]`);
  /**
   * @template {HTMLElement} T
   * @param {(name: CheckName) => string} selector
   * @returns {Record<CheckName, T>}
   */
  const perCheck = (selector) =>
    /** @type {Record<CheckName, T>} */ (
      Object.fromEntries(CHECKS.map((name) => [name, one(selector(name))]))
    );
  return {
    main: one("main"),
    language: /** @type {HTMLSelectElement} */ (ref("language")),
    steps: /** @type {HTMLElement[]} */ ([...root.querySelectorAll("[data-step]")]),
    loadError: ref("load-error"),
    loadErrorText: ref("load-error-text"),
    reload: ref("reload"),
    start: /** @type {HTMLButtonElement} */ (testid("start-check")),
    message: testid("message"),
    asking: ref("asking"),
    permissionHeading: ref("permission-heading"),
    guidance: ref("guidance"),
    guidanceLead: ref("guidance-lead"),
    guidanceSteps: ref("guidance-steps"),
    openInTab: ref("open-in-tab"),
    openInTabLink: /** @type {HTMLAnchorElement} */ (ref("open-in-tab-link")),
    tryAgain: testid("try-again"),
    continueAnyway: testid("continue-anyway"),
    preview: /** @type {HTMLVideoElement} */ (ref("preview")),
    placeholder: ref("placeholder"),
    micMeter: testid("mic-meter"),
    brightness: testid("brightness"),
    prompt: ref("prompt"),
    devices: ref("devices"),
    cameraPicker: /** @type {HTMLSelectElement} */ (testid("camera-picker")),
    microphonePicker: /** @type {HTMLSelectElement} */ (testid("microphone-picker")),
    speakersStep: ref("speakers-step"),
    speakersHeading: one("#speakers-heading"),
    speakersPrompt: ref("speakers-prompt"),
    speakersActions: ref("speakers-actions"),
    confirmSpeakers: testid("confirm-speakers"),
    playChime: ref("play-chime"),
    notHeard: ref("not-heard"),
    outputField: ref("output-field"),
    outputDevice: /** @type {HTMLSelectElement} */ (ref("output-device")),
    chime: /** @type {HTMLAudioElement} */ (ref("chime")),
    loopbackSink: /** @type {HTMLAudioElement} */ (ref("loopback-sink")),
    overall: testid("overall"),
    resultNote: ref("result-note"),
    fixes: ref("fixes"),
    canContinue: ref("can-continue"),
    itAdvice: testid("it-advice"),
    itServers: ref("it-servers"),
    finish: /** @type {HTMLButtonElement} */ (testid("finish")),
    checkAgain: /** @type {HTMLButtonElement} */ (testid("check-again")),
    checks: ref("checks"),
    status: perCheck((name) => `[data-testid="status-${name}"]`),
    statusText: perCheck((name) => `[data-testid="status-${name}"] .status-text`),
    reasons: perCheck((name) => `[data-reasons-for="${name}"]`),
    done: testid("done"),
    feedback: /** @type {HTMLFormElement} */ (ref("feedback")),
    feedbackComment: /** @type {HTMLTextAreaElement} */ (testid("feedback-comment")),
    feedbackError: ref("feedback-error"),
    sendFeedback: /** @type {HTMLButtonElement} */ (testid("send-feedback")),
    feedbackThanks: ref("feedback-thanks"),
    quiet: ref("quiet"),
    countdown: ref("countdown"),
    joinNote: ref("join-note"),
    join: /** @type {HTMLAnchorElement} */ (ref("join")),
    announcer: ref("announcer"),
  };
}
