// The check page: loads the check's info and language, then runs one check when Start is clicked
// and shows the server's verdict. Owns every resource of the run (stream, connection, timer).

import { ApiError, checkEndpoints, fetchCheckInfo, postOffer } from "./api.js";
import { applyTranslations, loadTranslator, resolveLocale, setText } from "./i18n.js";
import {
  CheckConnection,
  detectUnsupported,
  openCameraAndMicrophone,
  reasonsForMediaError,
  stopStream,
} from "./media.js";
import { createBrightnessReading, createMicMeter } from "./meters.js";
import { CHECKS, allChecks, outcomesFor, readResult } from "./results.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").Translate} Translate */
/** @typedef {import("./results.js").CheckName} CheckName */
/** @typedef {import("./results.js").Outcomes} Outcomes */

const VERDICT_TIMEOUT_MS = 30_000;
/** Shown next to each status word, so colour is never the only signal. */
const STATUS_ICONS = { idle: "○", running: "…", pass: "✓", warn: "!", fail: "✕", skipped: "–" };

boot().catch((error) => {
  console.error("Greenroom check page failed to start", error);
  document.querySelector("main")?.removeAttribute("aria-busy");
});

async function boot() {
  const endpoints = checkEndpoints(location.pathname);
  /** @type {CheckInfo | null} */
  let info = null;
  /** @type {unknown} */
  let infoError = null;
  try {
    info = await fetchCheckInfo(endpoints.info);
  } catch (error) {
    infoError = error;
  }
  const i18n = await loadTranslator(resolveLocale(info?.locale, navigator.language));
  document.documentElement.lang = i18n.locale;
  applyTranslations(document, i18n.t);
  mountCheckPage({ root: document, ...i18n, offerUrl: endpoints.offer, info, infoError });
}

/**
 * @param {object} page
 * @param {Document} page.root
 * @param {string} page.locale
 * @param {Translate} page.t
 * @param {(key: string) => boolean} page.has
 * @param {string} page.offerUrl
 * @param {CheckInfo | null} page.info
 * @param {unknown} page.infoError
 */
function mountCheckPage({ root, locale, t, has, offerUrl, info, infoError }) {
  const ui = findElements(root);
  const micMeter = createMicMeter(ui.micMeter);
  const brightness = createBrightnessReading(ui.brightness, t);

  /** @type {"idle" | "running" | "verdict" | "failed" | "finished"} */
  let phase = "idle";
  /** @type {MediaStream | null} */
  let stream = null;
  /** @type {CheckConnection | null} */
  let connection = null;
  let verdictTimer = 0;

  ui.start.addEventListener("click", () => void runCheck());
  ui.finish.addEventListener("click", finish);
  ui.retry.addEventListener("click", () => location.reload());
  ui.preview.addEventListener("playing", () => (ui.placeholder.hidden = true));
  window.addEventListener("pagehide", release);
  window.addEventListener("pageshow", (event) => event.persisted && location.reload());
  ui.main.removeAttribute("aria-busy");

  if (!info) {
    showLoadError(infoError);
    return;
  }
  showInterview(info);
  const unsupported = detectUnsupported();
  if (unsupported) {
    fail("message.browser", outcomesFor([unsupported]), { retry: false, focus: false });
    return;
  }
  ui.start.disabled = false;

  async function runCheck() {
    if (phase !== "idle" || !info) return;
    phase = "running";
    // getUserMedia first, while the click still counts as a user gesture.
    const capture = openCameraAndMicrophone();
    ui.start.disabled = true;
    ui.start.hidden = true;
    renderOutcomes(allChecks("running", []), false);
    announce([t("announce.started")]);
    try {
      stream = await capture;
    } catch (error) {
      if (phase === "running") fail("message.devices", outcomesFor(reasonsForMediaError(error)));
      return;
    }
    if (phase !== "running") return release();

    verdictTimer = window.setTimeout(() => lose(null), VERDICT_TIMEOUT_MS);
    try {
      connection = new CheckConnection({
        stream,
        iceServers: info.iceServers,
        sendOffer: (offer, signal) => postOffer(offerUrl, offer, signal),
        onVideo: showPreview,
        onMessage,
        onLost: () => lose(null),
      });
      await connection.connect();
    } catch (error) {
      lose(error);
    }
  }

  /** @param {Record<string, any>} message */
  function onMessage(message) {
    if (message.type === "metrics") {
      micMeter.update(finite(message.audio?.rms_dbfs));
      brightness.update(finite(message.video?.mean_luma));
    } else if (message.type === "verdict" && phase === "running") {
      phase = "verdict";
      window.clearTimeout(verdictTimer);
      const result = readResult(message.result);
      renderOutcomes(result.checks, true);
      renderOverall(result.overall);
      ui.finish.hidden = false;
      ui.finish.disabled = false;
      ui.overall.focus();
    }
  }

  /**
   * The connection failed, was refused, or no verdict came in time.
   * @param {unknown} error
   */
  function lose(error) {
    if (phase === "verdict") {
      // The verdict stands; only the live preview ends.
      releaseMedia();
      return;
    }
    if (phase !== "running") return;
    const status = error instanceof ApiError ? error.status : 0;
    if (status === 404) {
      fail("message.link_invalid", allChecks("fail", []), { retry: false });
    } else if (status === 503) {
      fail("message.busy", allChecks("fail", []));
    } else {
      fail(status ? "message.server" : "message.connection", allChecks("fail", ["network.blocked"]));
    }
  }

  /**
   * Ends the run as not ready, with a plain message and per-check advice.
   * @param {string} messageKey
   * @param {Outcomes} outcomes
   * @param {{retry?: boolean, focus?: boolean}} [options]
   */
  function fail(messageKey, outcomes, { retry = true, focus = true } = {}) {
    phase = "failed";
    release();
    ui.start.hidden = true;
    // Announce only what follows a click; a failure found on load is simply there to read.
    renderOutcomes(outcomes, focus);
    renderOverall("not_ready");
    showMessage(messageKey);
    ui.retry.hidden = !retry;
    if (focus) ui.overall.focus();
  }

  function finish() {
    if (phase !== "verdict") return;
    phase = "finished";
    release();
    ui.finish.disabled = true;
    ui.finish.hidden = true;
    ui.live.hidden = true;
    ui.done.hidden = false;
    ui.done.focus();
  }

  /** Stops everything the run holds. Safe to call at any time, more than once. */
  function release() {
    window.clearTimeout(verdictTimer);
    releaseMedia();
  }

  function releaseMedia() {
    connection?.close();
    connection = null;
    stopStream(stream);
    stream = null;
    ui.preview.srcObject = null;
    ui.placeholder.hidden = false;
    micMeter.update(null);
    brightness.update(null);
  }

  /** @param {MediaStreamTrack} track the looped-back video */
  function showPreview(track) {
    ui.preview.srcObject = new MediaStream([track]);
    // autoplay normally starts it; play() covers browsers that wait. A rejection changes nothing.
    ui.preview.play().catch(() => {});
  }

  /**
   * @param {Outcomes} outcomes
   * @param {boolean} announceResults
   */
  function renderOutcomes(outcomes, announceResults) {
    for (const name of CHECKS) {
      const { status, reasons } = outcomes[name];
      const element = ui.status[name];
      element.dataset.status = status;
      ui.statusIcon[name].textContent = STATUS_ICONS[status];
      setText(ui.statusText[name], t, `status.${status}`);
      ui.reasons[name].replaceChildren(
        ...reasons.map((code) => {
          const item = root.createElement("li");
          item.dataset.reason = code;
          setText(item, t, has(`reason.${code}`) ? `reason.${code}` : "reason.unknown");
          return item;
        }),
      );
    }
    if (announceResults) {
      announce(
        CHECKS.map((name) =>
          t("announce.result", { check: t(`check.${name}`), status: t(`status.${outcomes[name].status}`) }),
        ),
      );
    }
  }

  /** @param {string} overall */
  function renderOverall(overall) {
    ui.outcome.hidden = false;
    ui.overall.hidden = false;
    ui.overall.dataset.overall = overall;
    setText(ui.overall, t, `overall.${overall}`);
  }

  /** @param {string} key */
  function showMessage(key) {
    ui.outcome.hidden = false;
    ui.message.hidden = false;
    setText(ui.message, t, key);
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

  /** @param {CheckInfo} checkInfo */
  function showInterview(checkInfo) {
    ui.interviewTitle.textContent = checkInfo.title;
    ui.interviewTitle.hidden = !checkInfo.title;
    const parts = [];
    const startsAt = new Date(checkInfo.startsAt);
    if (checkInfo.startsAt && !Number.isNaN(startsAt.getTime())) {
      const when = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" });
      parts.push(t("interview.starts", { when: when.format(startsAt) }));
    }
    if (checkInfo.durationMinutes > 0) {
      parts.push(t("interview.duration", { minutes: checkInfo.durationMinutes }));
    }
    ui.interviewWhen.textContent = parts.join(" · ");
    ui.interview.hidden = !checkInfo.title && parts.length === 0;
  }

  /** @param {unknown} error why the check info could not be loaded */
  function showLoadError(error) {
    phase = "failed";
    ui.start.hidden = true;
    ui.how.hidden = true;
    ui.live.hidden = true;
    ui.checks.hidden = true;
    if (error instanceof ApiError && error.status === 404) {
      showMessage("message.link_invalid");
    } else {
      showMessage(error instanceof ApiError ? "message.server" : "message.unreachable");
      ui.retry.hidden = false;
    }
  }
}

/**
 * @param {unknown} value
 * @returns {number | null}
 */
function finite(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
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
    how: one('[data-ref="how"]'),
    interview: one('[data-ref="interview"]'),
    interviewTitle: one('[data-ref="interview-title"]'),
    interviewWhen: one('[data-ref="interview-when"]'),
    start: /** @type {HTMLButtonElement} */ (one('[data-testid="start-check"]')),
    live: one('[data-ref="live"]'),
    preview: /** @type {HTMLVideoElement} */ (one('[data-ref="preview"]')),
    placeholder: one('[data-ref="placeholder"]'),
    micMeter: one('[data-testid="mic-meter"]'),
    brightness: one('[data-testid="brightness"]'),
    checks: one('[data-ref="checks"]'),
    status: perCheck((name) => `[data-testid="status-${name}"]`),
    statusIcon: perCheck((name) => `[data-testid="status-${name}"] .status-icon`),
    statusText: perCheck((name) => `[data-testid="status-${name}"] .status-text`),
    reasons: perCheck((name) => `[data-reasons-for="${name}"]`),
    outcome: one('[data-ref="outcome"]'),
    overall: one('[data-testid="overall"]'),
    message: one('[data-testid="message"]'),
    finish: /** @type {HTMLButtonElement} */ (one('[data-testid="finish"]')),
    retry: one('[data-ref="retry"]'),
    done: one('[data-testid="done"]'),
    announcer: one('[data-ref="announcer"]'),
  };
}
