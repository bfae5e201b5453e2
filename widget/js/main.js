// The check page: loads the check's info and language, then runs one check when Start is clicked
// and shows the server's verdict. Owns every resource of the run (stream, connection, timer).

import { ApiError, checkEndpoints, fetchCheckInfo, postFallback, postOfferPatiently } from "./api.js";
import { applyTranslations, loadTranslator, resolveLocale, setText } from "./i18n.js";
import { measureLocally } from "./local.js";
import {
  CheckConnection,
  NoRouteError,
  detectUnsupported,
  openCameraAndMicrophone,
  reasonsForMediaError,
  stopStream,
} from "./media.js";
import { createBrightnessReading, createMicMeter } from "./meters.js";
import { CHECKS, allChecks, outcomesFor, readOutcomes, readResult } from "./results.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").Translate} Translate */
/** @typedef {import("./results.js").CheckName} CheckName */
/** @typedef {import("./results.js").Outcomes} Outcomes */

/** From Start to the server's first step; and from the speakers step to the verdict. */
const MEASURE_TIMEOUT_MS = 45_000;
const SPEAKERS_TIMEOUT_MS = 75_000;
const INFO_TIMEOUT_MS = 5000;
const FALLBACK_TIMEOUT_MS = 15_000;
/** @type {readonly CheckName[]} */
const MEASURED = Object.freeze(["camera", "lighting", "microphone"]);
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
  mountCheckPage({ root: document, ...i18n, endpoints, info, infoError });
}

/**
 * @param {object} page
 * @param {Document} page.root
 * @param {string} page.locale
 * @param {Translate} page.t
 * @param {(key: string) => boolean} page.has
 * @param {{info: string, offer: string, fallback: string}} page.endpoints
 * @param {CheckInfo | null} page.info
 * @param {unknown} page.infoError
 */
function mountCheckPage({ root, locale, t, has, endpoints, info, infoError }) {
  const ui = findElements(root);
  const micMeter = createMicMeter(ui.micMeter);
  const brightness = createBrightnessReading(ui.brightness, t);

  /** @type {"idle" | "running" | "speakers" | "local" | "verdict" | "failed" | "finished"} */
  let phase = "idle";
  let connected = false;
  /** @type {RTCIceServer[]} */
  let iceServers = info?.iceServers ?? [];
  /** @type {MediaStream | null} */
  let stream = null;
  /** @type {CheckConnection | null} */
  let connection = null;
  let verdictTimer = 0;

  ui.start.addEventListener("click", () => void runCheck());
  ui.confirmSpeakers.addEventListener("click", () => answerSpeakers(true));
  ui.notHeard.addEventListener("click", () => answerSpeakers(false));
  ui.playChime.addEventListener("click", () => playChime());
  ui.outputDevice.addEventListener("change", () => {
    /** @type {any} */ (ui.chime).setSinkId?.(ui.outputDevice.value).catch(() => {});
  });
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
    // TURN credentials are short-lived: the page may have been open for a while.
    const current = withTimeout(fetchCheckInfo(endpoints.info), INFO_TIMEOUT_MS).catch(() => info);
    unlockChime();
    ui.start.disabled = true;
    ui.start.hidden = true;
    renderOutcomes(allChecks("running", []), false);
    announce([t("announce.started")]);
    const asked = performance.now();
    try {
      stream = await capture;
    } catch (error) {
      if (phase === "running") fail("message.devices", outcomesFor(reasonsForMediaError(error)));
      return;
    }
    const mediaMs = performance.now() - asked;
    iceServers = ((await current) ?? info).iceServers;
    if (phase !== "running") return release();
    showPrompt("prompt.say_name");

    verdictTimer = window.setTimeout(() => lose(null), MEASURE_TIMEOUT_MS);
    try {
      connection = new CheckConnection({
        stream,
        iceServers,
        mediaMs,
        sendOffer: (offer, signal) =>
          postOfferPatiently(endpoints.offer, offer, signal, (waitMs) =>
            showMessage("message.waiting", { seconds: Math.ceil(waitMs / 1000) }),
          ),
        onVideo: showPreview,
        onMessage,
        // Lost before any media came back: nothing got through, whatever the browser calls it.
        onLost: () => lose(connected ? null : new NoRouteError()),
      });
      await connection.connect();
      ui.message.hidden = true;
    } catch (error) {
      lose(error);
    }
  }

  /** @param {Record<string, any>} message */
  function onMessage(message) {
    if (message.type === "metrics") {
      connected = true;
      micMeter.update(finite(message.audio?.rms_dbfs));
      brightness.update(finite(message.video?.mean_luma));
    } else if (message.type === "step" && message.step === "speakers" && phase === "running") {
      startSpeakers(readOutcomes(message.checks, MEASURED));
    } else if (message.type === "speakers" && message.heard_by_server === true) {
      speakersPassed("announce.speakers_heard");
    } else if (message.type === "verdict" && (phase === "running" || phase === "speakers")) {
      showVerdict(readResult(message.result));
    }
  }

  /** @param {Partial<Outcomes>} measured camera, lighting and microphone, judged */
  function startSpeakers(measured) {
    phase = "speakers";
    window.clearTimeout(verdictTimer);
    verdictTimer = window.setTimeout(() => lose(null), SPEAKERS_TIMEOUT_MS);
    ui.prompt.hidden = true;
    renderOutcomes({ ...allChecks("running", []), ...measured }, false);
    ui.speakersStep.hidden = false;
    ui.speakersActions.hidden = false;
    setText(ui.speakersPrompt, t, "speakers.prompt");
    void listOutputDevices();
    ui.speakersHeading.focus();
    announce([t("announce.speakers")]);
    playChime();
  }

  /**
   * Plays the chime once, muted, inside the Start click: browsers that allow sound only after a
   * gesture (Safari) then let the page play it again later, when the speakers step comes.
   */
  function unlockChime() {
    ui.chime.muted = true;
    ui.chime
      .play()
      .then(() => ui.chime.pause())
      .catch(() => {})
      .finally(() => {
        ui.chime.muted = false;
      });
  }

  function playChime() {
    if (phase !== "speakers") return;
    ui.chime.currentTime = 0;
    ui.chime.muted = false;
    ui.chime.play().catch(() => {
      // Still refused: the candidate starts it with a click on "Play again".
      if (phase !== "speakers") return;
      setText(ui.speakersPrompt, t, "speakers.press_play");
      ui.playChime.focus();
    });
  }

  /** @param {boolean} heard */
  function answerSpeakers(heard) {
    if (phase !== "speakers") return;
    connection?.send({ type: "speakers", heard });
    if (heard) speakersPassed("announce.speakers_confirmed");
    else {
      ui.chime.pause();
      ui.speakersActions.hidden = true;
      setText(ui.speakersPrompt, t, "speakers.waiting");
      ui.speakersPrompt.focus();
      announce([t("speakers.waiting")]);
    }
  }

  /** @param {string} announcement */
  function speakersPassed(announcement) {
    if (phase !== "speakers") return;
    ui.chime.pause();
    // The focused button disappears: focus goes to the words that replace it.
    ui.speakersActions.hidden = true;
    setText(ui.speakersPrompt, t, announcement);
    ui.speakersPrompt.focus();
    setStatus("speakers", { status: "pass", reasons: [] });
    announce([t(announcement)]);
  }

  async function listOutputDevices() {
    if (!("setSinkId" in HTMLMediaElement.prototype)) return;
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const outputs = devices.filter((device) => device.kind === "audiooutput" && device.deviceId);
    if (outputs.length < 2) return;
    ui.outputDevice.replaceChildren(
      ...outputs.map((device, index) => {
        const option = root.createElement("option");
        option.value = device.deviceId;
        option.textContent = device.label || t("speakers.output_unnamed", { number: index + 1 });
        return option;
      }),
    );
    ui.outputField.hidden = false;
  }

  /** @param {{overall: string, checks: Outcomes}} result */
  function showVerdict(result) {
    phase = "verdict";
    window.clearTimeout(verdictTimer);
    ui.speakersStep.hidden = true;
    ui.prompt.hidden = true;
    ui.message.hidden = true;
    renderOutcomes(result.checks, true);
    renderOverall(result.overall);
    const blocked = result.checks.network.reasons.includes("network.blocked");
    ui.itAdvice.hidden = !blocked;
    if (blocked) {
      const relays = iceServers.flatMap((server) => [server.urls ?? []].flat());
      setText(ui.itServers, t, "it.servers", { servers: [location.host, ...relays].join(", ") });
    }
    ui.finish.hidden = false;
    ui.finish.disabled = false;
    ui.retry.hidden = result.overall === "ready";
    ui.overall.focus();
  }

  /**
   * WebRTC could not carry the check: measure in the browser alone, store that, show it.
   * @param {"blocked" | "busy"} why
   */
  async function checkLocally(why) {
    const local = stream;
    if (!local) return;
    phase = "local";
    window.clearTimeout(verdictTimer);
    connection?.close();
    connection = null;
    showMessage(why === "busy" ? "message.busy_local" : "message.blocked_local");
    ui.preview.srcObject = local;
    ui.preview.play().catch(() => {});
    showPrompt("prompt.say_name");
    try {
      const measured = await measureLocally(local, ui.preview);
      if (phase !== "local") return;
      const result = await withTimeout(
        postFallback(endpoints.fallback, { why, ...measured }),
        FALLBACK_TIMEOUT_MS,
      );
      if (phase !== "local") return;
      releaseMedia();
      showVerdict(readResult(result));
      showMessage(why === "busy" ? "message.busy_local" : "message.blocked_local");
    } catch {
      if (phase === "local") fail("message.server", allChecks("fail", []));
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
    if (phase !== "running" && phase !== "speakers") return;
    const status = error instanceof ApiError ? error.status : 0;
    if (error instanceof NoRouteError) {
      void checkLocally("blocked");
    } else if (status === 503) {
      void checkLocally("busy");
    } else if (status === 404) {
      fail("message.link_invalid", allChecks("fail", []), { retry: false });
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
    ui.chime.pause();
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
    for (const name of CHECKS) setStatus(name, outcomes[name]);
    if (announceResults) {
      announce(
        CHECKS.map((name) =>
          t("announce.result", { check: t(`check.${name}`), status: t(`status.${outcomes[name].status}`) }),
        ),
      );
    }
  }

  /**
   * @param {CheckName} name
   * @param {import("./results.js").Outcome} outcome
   */
  function setStatus(name, { status, reasons }) {
    ui.status[name].dataset.status = status;
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

  /** @param {string} key */
  function showPrompt(key) {
    ui.prompt.hidden = false;
    setText(ui.prompt, t, key);
  }

  /** @param {string} overall */
  function renderOverall(overall) {
    ui.outcome.hidden = false;
    ui.overall.hidden = false;
    ui.overall.dataset.overall = overall;
    setText(ui.overall, t, `overall.${overall}`);
  }

  /**
   * @param {string} key
   * @param {Record<string, string | number>} [params]
   */
  function showMessage(key, params) {
    ui.outcome.hidden = false;
    ui.message.hidden = false;
    setText(ui.message, t, key, params);
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
 * Settles like `promise`, or rejects after `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms) {
  /** @type {number} */
  let timer = 0;
  const timeout = new Promise((_, reject) => {
    timer = window.setTimeout(() => reject(new DOMException("Timed out.", "TimeoutError")), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() =>
    window.clearTimeout(timer),
  );
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
    prompt: one('[data-ref="prompt"]'),
    speakersStep: one('[data-ref="speakers-step"]'),
    speakersHeading: one("#speakers-heading"),
    speakersPrompt: one('[data-ref="speakers-prompt"]'),
    speakersActions: one('[data-ref="speakers-actions"]'),
    confirmSpeakers: one('[data-testid="confirm-speakers"]'),
    playChime: one('[data-ref="play-chime"]'),
    notHeard: one('[data-ref="not-heard"]'),
    outputField: one('[data-ref="output-field"]'),
    outputDevice: /** @type {HTMLSelectElement} */ (one('[data-ref="output-device"]')),
    chime: /** @type {HTMLAudioElement} */ (one('[data-ref="chime"]')),
    itAdvice: one('[data-testid="it-advice"]'),
    itServers: one('[data-ref="it-servers"]'),
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
