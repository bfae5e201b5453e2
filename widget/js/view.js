// @ts-check
// The check page's elements and how they show a run: one step at a time, each check's status in
// words and symbol, the live readings, the verdict or the failure, and the one polite live
// region. Elements are found by id; the attributes the tests use are theirs alone. No network.

import { setText } from "./i18n.js";
import { createBrightnessReading, createMicMeter } from "./meters.js";
import { CHECKS, allChecks } from "./results.js";

/** @typedef {import("./i18n.js").I18n} I18n */
/** @typedef {import("./results.js").CheckName} CheckName */
/** @typedef {import("./results.js").Outcome} Outcome */
/** @typedef {import("./results.js").Outcomes} Outcomes */
/** @typedef {import("./results.js").Overall} Overall */
/** @typedef {"welcome" | "permission" | "check" | "result" | "done"} Step */
/** @typedef {ReturnType<typeof findElements>} Elements */

/** A framed page waits this long at most for its host to fit the frame to it before scrolling. */
const FIT_WAIT_MS = 500;
/** For this long after it appears, a section that grows is scrolled into sight again. */
const SETTLE_MS = 1000;

/**
 * @param {Document} root
 * @param {I18n} i18n
 * @param {object} [options]
 * @param {boolean} [options.framed] the page is in a frame: what needs the candidate may be
 *   outside the host page's viewport
 * @param {(name: CheckName, status: Outcome["status"]) => void} [options.onStatus] told each
 *   check's status as it is shown
 */
export function createView(root, i18n, { framed = false, onStatus = () => {} } = {}) {
  const { t, has } = i18n;
  const ui = findElements(root);
  const micMeter = createMicMeter(ui.micMeter);
  const brightness = createBrightnessReading(ui.brightness, t);
  const win = /** @type {Window} */ (root.defaultView);
  // Below the two-column layout (check.css), the step the candidate must act on can be far down.
  const narrow = win.matchMedia("(max-width: 47.99rem)");
  const still = win.matchMedia("(prefers-reduced-motion: reduce)");
  /** Cancels the last scroll still waiting for the frame to fit (see afterFit). */
  let cancelScroll = () => {};

  ui.preview.addEventListener("playing", () => (ui.placeholder.hidden = true));

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
    const section = ui.steps.find((step) => step.dataset.step === name);
    const heading = /** @type {HTMLElement | null | undefined} */ (section?.querySelector("h1"));
    if (focus && section && heading) reveal(section, heading, "start");
  }

  /**
   * Focuses `target`, and, framed or on a small screen, scrolls `section` into sight: the part
   * of the page that needs the candidate (a step's heading and its fixes, the speakers' buttons).
   * @param {HTMLElement} section
   * @param {HTMLElement} target
   * @param {ScrollLogicalPosition} [block] "nearest" keeps as much as possible of what is above
   */
  function reveal(section, target, block = "nearest") {
    if (!framed && !narrow.matches) return target.focus();
    target.focus({ preventScroll: true });
    cancelScroll();
    const behavior = still.matches ? "auto" : "smooth";
    const scroll = () => section.scrollIntoView({ block, behavior });
    let cancelFit = afterFit(scroll);
    if (block !== "nearest") return void (cancelScroll = cancelFit);
    // What fills in just after (the list of speakers, the voice line) must not push the end of
    // the section out of sight again. Growing below a section's start never hides its start.
    let height = section.offsetHeight;
    const grown = new ResizeObserver(() => {
      if (section.offsetHeight <= height) return;
      height = section.offsetHeight;
      cancelFit();
      cancelFit = afterFit(scroll);
    });
    grown.observe(section);
    const settled = win.setTimeout(() => grown.disconnect(), SETTLE_MS);
    cancelScroll = () => {
      cancelFit();
      grown.disconnect();
      win.clearTimeout(settled);
    };
  }

  /**
   * Runs `callback` once the frame shows the whole page, or after FIT_WAIT_MS: framed, the host
   * resizes the frame to the page, and a scroll made before would be undone when it grows.
   * Unframed, at the next animation frame.
   * @param {() => void} callback
   * @returns {() => void} cancels it
   */
  function afterFit(callback) {
    const height = () => Math.ceil(root.documentElement.getBoundingClientRect().height);
    const check = () => (!framed || win.innerHeight >= height()) && finish();
    const finish = () => {
      cancel();
      callback();
    };
    const frame = win.requestAnimationFrame(check);
    const timer = win.setTimeout(finish, FIT_WAIT_MS);
    const cancel = () => {
      win.cancelAnimationFrame(frame);
      win.clearTimeout(timer);
      win.removeEventListener("resize", check);
    };
    win.addEventListener("resize", check);
    return cancel;
  }

  /**
   * @param {CheckName} name
   * @param {Outcome} outcome
   */
  function setStatus(name, { status, reasons }) {
    onStatus(name, status);
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
   * "Camera: Looks good", one line per check.
   * @param {Partial<Outcomes>} outcomes
   * @param {readonly CheckName[]} [names]
   */
  function resultLines(outcomes, names = CHECKS) {
    return names.flatMap((name) => {
      const outcome = outcomes[name];
      if (!outcome) return [];
      return [t("announce.result", { check: t(`check.${name}`), status: t(`status.${outcome.status}`) })];
    });
  }

  /**
   * Shows the permission step, filled with what to do.
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
    showStep("permission");
  }

  /** Puts the check step back to its start: every check running, nothing decided yet. */
  function resetCheck() {
    renderOutcomes(allChecks("running", []));
    ui.asking.hidden = true;
    ui.message.hidden = true;
    ui.prompt.hidden = true;
    ui.itAdvice.hidden = true;
    ui.resultNote.hidden = true;
    ui.fixes.replaceChildren();
    ui.placeholder.hidden = false;
  }

  /**
   * @param {string | null} key the message, or null to hide it
   * @param {Record<string, string | number>} [params]
   */
  function showMessage(key, params) {
    ui.message.hidden = !key;
    if (key) setText(ui.message, t, key, params);
  }

  /** @param {string | null} key what to ask the candidate to do, or null for nothing */
  function showPrompt(key) {
    ui.prompt.hidden = !key;
    if (key) setText(ui.prompt, t, key);
  }

  /**
   * The preview, or its placeholder.
   * @param {MediaStream | null} stream
   */
  function showPreview(stream) {
    ui.preview.srcObject = stream;
    if (!stream) {
      ui.placeholder.hidden = false;
      return;
    }
    // autoplay normally starts it; play() covers browsers that wait. A rejection changes nothing.
    ui.preview.play().catch(() => {});
  }

  /**
   * The live readings from the server's metrics; null where there is none (yet).
   * @param {number | null} dbfs
   * @param {number | null} luma
   */
  function showReadings(dbfs, luma) {
    micMeter.update(dbfs);
    brightness.update(luma);
  }

  /**
   * @param {{overall: Overall, checks: Outcomes}} result
   * @param {string[]} servers what IT must let through, shown when the network was blocked
   */
  function showVerdict(result, servers) {
    renderOutcomes(result.checks);
    renderFixes(result.checks);
    renderOverall(result.overall);
    const blocked = result.checks.network.reasons.includes("network.blocked");
    ui.itAdvice.hidden = !blocked;
    if (blocked) setText(ui.itServers, t, "it.servers", { servers: servers.join(", ") });
    ui.finish.hidden = false;
    ui.checkAgain.hidden = result.overall === "ready";
    showStep("result");
  }

  /**
   * The run ended as not ready, with a plain message and per-check advice.
   * @param {string} messageKey
   * @param {Outcomes} outcomes
   * @param {{retry: boolean, focus: boolean}} options
   */
  function showFailure(messageKey, outcomes, { retry, focus }) {
    renderOutcomes(outcomes);
    renderFixes(outcomes);
    renderOverall("not_ready", false);
    showResultNote(messageKey);
    ui.checkAgain.hidden = !retry;
    showStep("result", { focus });
  }

  /** @param {string} key a note under the result: why it is what it is */
  function showResultNote(key) {
    ui.resultNote.hidden = false;
    setText(ui.resultNote, t, key);
  }

  /**
   * @param {Overall} overall
   * @param {boolean} [finished] false: the check could not finish, whatever it found
   */
  function renderOverall(overall, finished = true) {
    ui.overall.dataset.overall = overall;
    setText(ui.overall, t, finished ? `overall.${overall}` : "overall.incomplete");
    ui.canContinue.hidden = overall !== "not_ready";
  }

  /**
   * The check's details could not be loaded: only the heading and why stay.
   * @param {string} key
   * @param {boolean} canReload
   */
  function showLoadError(key, canReload) {
    for (const element of ui.welcome.children) {
      /** @type {HTMLElement} */ (element).hidden = element.tagName !== "H1";
    }
    ui.loadError.hidden = false;
    setText(ui.loadErrorText, t, key);
    ui.reload.hidden = !canReload;
  }

  return {
    ui,
    showStep,
    reveal,
    setStatus,
    renderOutcomes,
    announce,
    resultLines,
    showGuidance,
    resetCheck,
    showAsking: (/** @type {boolean} */ shown) => void (ui.asking.hidden = !shown),
    showMessage,
    showPrompt,
    showPreview,
    showReadings,
    showVerdict,
    showFailure,
    showResultNote,
    showLoadError,
  };
}

/** @param {Document} root */
function findElements(root) {
  /**
   * @template {HTMLElement} T
   * @param {string} id
   * @returns {T}
   */
  const byId = (id) => {
    const element = /** @type {T | null} */ (root.getElementById(id));
    if (!element) throw new Error(`check.html has no #${id}`);
    return element;
  };
  /**
   * @template {HTMLElement} T
   * @param {(name: CheckName) => string} id
   * @returns {Record<CheckName, T>}
   */
  const perCheck = (id) =>
    /** @type {Record<CheckName, T>} */ (
      Object.fromEntries(CHECKS.map((name) => [name, byId(id(name))]))
    );
  const status = perCheck((name) => `status-${name}`);
  return {
    main: /** @type {HTMLElement} */ (root.querySelector("main")),
    language: /** @type {HTMLSelectElement} */ (byId("language")),
    steps: /** @type {HTMLElement[]} */ ([...root.querySelectorAll("section[data-step]")]),
    welcome: /** @type {HTMLElement} */ (root.querySelector('section[data-step="welcome"]')),
    loadError: byId("load-error"),
    loadErrorText: byId("load-error-text"),
    reload: byId("reload"),
    greeting: byId("greeting"),
    interview: byId("interview"),
    interviewTitle: byId("interview-title"),
    whenRow: byId("when-row"),
    interviewWhen: byId("interview-when"),
    interviewZone: byId("interview-zone"),
    durationRow: byId("duration-row"),
    interviewDuration: byId("interview-duration"),
    interviewersRow: byId("interviewers-row"),
    interviewers: byId("interviewers"),
    agendaBlock: byId("agenda-block"),
    agenda: byId("agenda"),
    start: /** @type {HTMLButtonElement} */ (byId("start-check")),
    message: byId("message"),
    asking: byId("asking"),
    permissionHeading: byId("permission-heading"),
    guidance: byId("guidance"),
    guidanceLead: byId("guidance-lead"),
    guidanceSteps: byId("guidance-steps"),
    openInTab: byId("open-in-tab"),
    openInTabLink: /** @type {HTMLAnchorElement} */ (byId("open-in-tab-link")),
    tryAgain: byId("try-again"),
    continueAnyway: byId("continue-anyway"),
    preview: /** @type {HTMLVideoElement} */ (byId("preview")),
    placeholder: byId("placeholder"),
    micMeter: byId("mic-meter"),
    brightness: byId("brightness"),
    prompt: byId("prompt"),
    devices: byId("devices"),
    cameraPicker: /** @type {HTMLSelectElement} */ (byId("camera-device")),
    microphonePicker: /** @type {HTMLSelectElement} */ (byId("microphone-device")),
    speakersStep: byId("speakers-step"),
    speakersHeading: byId("speakers-heading"),
    speakersPrompt: byId("speakers-prompt"),
    speakersActions: byId("speakers-actions"),
    confirmSpeakers: byId("confirm-speakers"),
    playChime: byId("play-chime"),
    notHeard: byId("not-heard"),
    outputField: byId("output-field"),
    outputDevice: /** @type {HTMLSelectElement} */ (byId("output-device")),
    chime: /** @type {HTMLAudioElement} */ (byId("chime")),
    loopbackSink: /** @type {HTMLAudioElement} */ (byId("loopback-sink")),
    overall: byId("overall-heading"),
    resultNote: byId("result-note"),
    fixes: byId("fixes"),
    canContinue: byId("can-continue"),
    itAdvice: byId("it-advice"),
    itServers: byId("it-servers"),
    finish: /** @type {HTMLButtonElement} */ (byId("finish")),
    checkAgain: /** @type {HTMLButtonElement} */ (byId("check-again")),
    checks: byId("checks"),
    status,
    statusText: /** @type {Record<CheckName, HTMLElement>} */ (
      Object.fromEntries(CHECKS.map((name) => [name, status[name].querySelector(".status-text")]))
    ),
    reasons: perCheck((name) => `reasons-${name}`),
    feedback: /** @type {HTMLFormElement} */ (byId("feedback")),
    feedbackComment: /** @type {HTMLTextAreaElement} */ (byId("feedback-comment")),
    feedbackError: byId("feedback-error"),
    sendFeedback: /** @type {HTMLButtonElement} */ (byId("send-feedback")),
    feedbackThanks: byId("feedback-thanks"),
    quiet: byId("quiet"),
    countdown: byId("countdown"),
    joinNote: byId("join-note"),
    join: /** @type {HTMLAnchorElement} */ (byId("join")),
    announcer: byId("announcer"),
  };
}
