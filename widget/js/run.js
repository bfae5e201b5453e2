// One check run, from the Start click to the verdict: the camera and microphone, the connection to
// the server and its messages, the speakers step, the local fallback, and the result. Owns every
// resource of a run (stream, connection, recording, timers); a newer run makes everything an
// older one still does a no-op.

import { ApiError, fetchCheckInfo, postFallback, postOfferPatiently, withTimeout } from "./api.js";
import { createDevicePickers, openChosenDevices } from "./devices.js";
import { classifyMediaError, detectPlatform, guidanceFor } from "./guidance.js";
import { setText } from "./i18n.js";
import { measureLocally } from "./local.js";
import {
  CheckConnection,
  NoRouteError,
  cameraPermission,
  frameContext,
  openCameraAndMicrophone,
  stopStream,
} from "./media.js";
import { createBrightnessReading, createMicMeter } from "./meters.js";
import { CHECKS, allChecks, outcomesFor, readOutcomes, readResult } from "./results.js";
import { createSpeakersStep } from "./speakers.js";
import { recordVoice } from "./voice.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").I18n} I18n */
/** @typedef {import("./results.js").CheckName} CheckName */
/** @typedef {import("./results.js").Outcomes} Outcomes */

/** From Start to the server's first step; and from the speakers step to the verdict. */
const MEASURE_TIMEOUT_MS = 45_000;
const SPEAKERS_TIMEOUT_MS = 75_000;
const INFO_TIMEOUT_MS = 5000;
const FALLBACK_TIMEOUT_MS = 15_000;
/** A browser that already has permission answers at once: no need to explain a prompt then. */
const ASKING_DELAY_MS = 400;
/** @type {readonly CheckName[]} */
const MEASURED = Object.freeze(["camera", "lighting", "microphone"]);

/**
 * @param {object} page
 * @param {Document} page.root
 * @param {ReturnType<import("./view.js").createView>} page.view
 * @param {I18n} page.i18n
 * @param {ReturnType<import("./api.js").checkEndpoints>} page.endpoints
 * @param {CheckInfo} page.info
 */
export function createCheckRun({ root, view, i18n, endpoints, info }) {
  const { t } = i18n;
  const { ui, showStep, renderOutcomes, announce } = view;
  const micMeter = createMicMeter(ui.micMeter);
  const brightness = createBrightnessReading(ui.brightness, t);

  /** @type {"idle" | "blocked" | "running" | "speakers" | "local" | "verdict" | "failed" | "finished"} */
  let phase = "idle";
  /** Which run is current; callbacks of an older one see a different number and stop. */
  let run = 0;
  let connected = false;
  /** @type {RTCIceServer[]} */
  let iceServers = info.iceServers;
  /** @type {MediaStream | null} */
  let stream = null;
  /** @type {CheckConnection | null} */
  let connection = null;
  let verdictTimer = 0;
  /** @type {string | null} the stored attempt of the last verdict, for the feedback */
  let attemptId = null;
  /** @type {MediaStreamTrack | null} the looped-back microphone */
  let remoteAudio = null;
  /** @type {ReturnType<typeof recordVoice>} */
  let voiceRecorder = null;
  const speakers = createSpeakersStep({
    root,
    view,
    i18n,
    send: (message) => connection?.send(message),
  });
  const pickers = createDevicePickers(
    { container: ui.devices, camera: ui.cameraPicker, microphone: ui.microphonePicker },
    i18n,
    () => restartCheck(),
    (present) => {
      // The device in use was unplugged: start again with what is left.
      const inUse = stream?.getTracks().map((track) => track.getSettings().deviceId ?? "") ?? [];
      if (inUse.some((id) => id && !present.has(id))) restartCheck();
    },
  );

  ui.preview.addEventListener("playing", () => (ui.placeholder.hidden = true));

  /**
   * @param {{restart?: boolean}} [options] restart: the candidate switched devices, keep focus
   *   where it is (on the picker)
   */
  async function runCheck({ restart = false } = {}) {
    if (phase === "running" || phase === "speakers" || phase === "local") return;
    const current = ++run;
    release();
    const frame = frameContext();
    // Framed without allow="camera; microphone": asking would only fail, and confuse.
    if (frame.framed && frame.policyAllows === false) return showProblem("iframe");
    phase = "running";
    connected = false;
    attemptId = null;
    // getUserMedia first, while the click still counts as a user gesture.
    const capture = openChosenDevices(openCameraAndMicrophone);
    // TURN credentials are short-lived: the page may have been open for a while.
    const fresh = withTimeout(fetchCheckInfo(endpoints.info), INFO_TIMEOUT_MS).catch(() => info);
    const permitted = cameraPermission();
    resetRun();
    speakers.unlock();
    showStep("check", { focus: !restart });
    announce([t("announce.started")]);
    const asked = performance.now();
    let answered = false;
    // A camera may take a moment to start: explain a prompt only when there may be one.
    const asking = window.setTimeout(async () => {
      if ((await permitted) === "granted" || answered || current !== run) return;
      ui.asking.hidden = false;
      announce([t("permission.asking")]);
    }, ASKING_DELAY_MS);
    /** @type {MediaStream | null} */
    let captured = null;
    /** @type {unknown} */
    let failure = null;
    try {
      captured = await capture;
    } catch (error) {
      failure = error;
    }
    answered = true;
    window.clearTimeout(asking);
    ui.asking.hidden = true;
    if (!captured) {
      const permission = await cameraPermission();
      const problem = classifyMediaError(failure, { ...frame, permission });
      if (current === run) showProblem(problem, frame.framed && frame.policyAllows === null);
      return;
    }
    if (current !== run) return stopStream(captured);
    stream = captured;
    void pickers.show(stream);
    const mediaMs = performance.now() - asked;
    iceServers = ((await fresh) ?? info).iceServers;
    if (current !== run) return;
    showPrompt("prompt.say_name");

    verdictTimer = window.setTimeout(() => lose(current, null), MEASURE_TIMEOUT_MS);
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
        onAudio: (track) => {
          if (current === run) remoteAudio = track;
        },
        onMessage: (message) => current === run && onMessage(message),
        // Lost before any media came back: nothing got through, whatever the browser calls it.
        onLost: () => lose(current, connected ? null : new NoRouteError()),
      });
      await connection.connect();
      if (current === run) ui.message.hidden = true;
    } catch (error) {
      lose(current, error);
    }
  }

  /** The candidate chose another camera or microphone, or the one in use went away. */
  function restartCheck() {
    if (phase !== "running" && phase !== "speakers" && phase !== "local") return;
    run += 1;
    release();
    phase = "idle";
    void runCheck({ restart: true });
  }

  /**
   * The camera or microphone could not be opened: say what to do, for this browser and system.
   * @param {import("./guidance.js").Problem} problem
   * @param {boolean} [framed] framed, by a policy the browser cannot tell (see guidanceFor)
   */
  function showProblem(problem, framed = false) {
    phase = "blocked";
    run += 1;
    release();
    const platform = detectPlatform(navigator);
    view.showGuidance(guidanceFor(problem, platform, framed), platform);
    showStep("permission");
  }

  /** Puts the check step back to its start: every check running, nothing decided yet. */
  function resetRun() {
    window.clearTimeout(verdictTimer);
    renderOutcomes(allChecks("running", []));
    ui.message.hidden = true;
    ui.prompt.hidden = true;
    speakers.stop();
    ui.itAdvice.hidden = true;
    ui.resultNote.hidden = true;
    ui.fixes.replaceChildren();
    ui.placeholder.hidden = false;
  }

  /** @param {Record<string, any>} message */
  function onMessage(message) {
    if (message.type === "metrics") {
      connected = true;
      // Media flows: what the candidate says from now on is what the interviewer would hear.
      if (!voiceRecorder && remoteAudio && phase === "running") {
        voiceRecorder = recordVoice(remoteAudio, ui.loopbackSink);
      }
      micMeter.update(finite(message.audio?.rms_dbfs));
      brightness.update(finite(message.video?.mean_luma));
    } else if (message.type === "step" && message.step === "speakers" && phase === "running") {
      startSpeakers(readOutcomes(message.checks, MEASURED));
    } else if (message.type === "speakers" && message.heard_by_server === true) {
      if (phase === "speakers") speakers.heardByServer();
    } else if (message.type === "verdict" && (phase === "running" || phase === "speakers")) {
      showVerdict(readResult(message.result));
    }
  }

  /** @param {Partial<Outcomes>} measured camera, lighting and microphone, judged */
  function startSpeakers(measured) {
    const current = run;
    phase = "speakers";
    window.clearTimeout(verdictTimer);
    verdictTimer = window.setTimeout(() => lose(current, null), SPEAKERS_TIMEOUT_MS);
    ui.prompt.hidden = true;
    renderOutcomes({ ...allChecks("running", []), ...measured });
    const recorder = voiceRecorder;
    voiceRecorder = null;
    void speakers.start(recorder, resultLines(measured, MEASURED));
  }

  /** @param {ReturnType<typeof readResult>} result */
  function showVerdict(result) {
    phase = "verdict";
    attemptId = result.attemptId;
    window.clearTimeout(verdictTimer);
    speakers.stop();
    renderOutcomes(result.checks);
    view.renderFixes(result.checks);
    renderOverall(result.overall);
    const blocked = result.checks.network.reasons.includes("network.blocked");
    ui.itAdvice.hidden = !blocked;
    if (blocked) {
      const relays = iceServers.flatMap((server) => [server.urls ?? []].flat());
      setText(ui.itServers, t, "it.servers", { servers: [location.host, ...relays].join(", ") });
    }
    ui.finish.hidden = false;
    ui.checkAgain.hidden = result.overall === "ready";
    showStep("result");
    announceResults(result.checks);
  }

  /**
   * WebRTC could not carry the check: measure in the browser alone, store that, show it.
   * @param {number} current the run
   * @param {"blocked" | "busy"} why
   */
  async function checkLocally(current, why) {
    const local = stream;
    if (!local) return;
    phase = "local";
    window.clearTimeout(verdictTimer);
    connection?.close();
    connection = null;
    const note = why === "busy" ? "message.busy_local" : "message.blocked_local";
    showMessage(note);
    ui.preview.srcObject = local;
    ui.preview.play().catch(() => {});
    showPrompt("prompt.say_name");
    try {
      const measured = await measureLocally(local, ui.preview);
      if (current !== run) return;
      const result = await withTimeout(
        postFallback(endpoints.fallback, { why, ...measured }),
        FALLBACK_TIMEOUT_MS,
      );
      if (current !== run) return;
      releaseMedia();
      showVerdict(readResult(result));
      showResultNote(note);
    } catch {
      if (current === run) fail("message.server", allChecks("skipped", []));
    }
  }

  /**
   * The connection failed, was refused, or no verdict came in time.
   * @param {number} current the run it happened to
   * @param {unknown} error
   */
  function lose(current, error) {
    if (current !== run) return;
    if (phase === "verdict") {
      // The verdict stands; only the live preview ends.
      releaseMedia();
      return;
    }
    if (phase !== "running" && phase !== "speakers") return;
    const status = error instanceof ApiError ? error.status : 0;
    if (error instanceof NoRouteError) {
      void checkLocally(current, "blocked");
    } else if (status === 503) {
      void checkLocally(current, "busy");
    } else if (status === 404) {
      fail("message.link_invalid", allChecks("skipped", []), { retry: false });
    } else {
      fail(status ? "message.server" : "message.connection", outcomesFor(["network.blocked"]));
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
    renderOutcomes(outcomes);
    view.renderFixes(outcomes);
    renderOverall("not_ready", false);
    showResultNote(messageKey);
    ui.checkAgain.hidden = !retry;
    showStep("result", { focus });
    // Announce only what follows a click; a failure found on load is simply there to read.
    if (focus) announceResults(outcomes);
  }

  /** Stops everything the run holds. Safe to call at any time, more than once. */
  function release() {
    window.clearTimeout(verdictTimer);
    releaseMedia();
  }

  function releaseMedia() {
    connection?.close();
    connection = null;
    remoteAudio = null;
    // Dropped unheard: a recording is only ever played in the run that made it.
    void voiceRecorder?.stop();
    voiceRecorder = null;
    stopStream(stream);
    stream = null;
    ui.preview.srcObject = null;
    ui.placeholder.hidden = false;
    micMeter.update(null);
    brightness.update(null);
    speakers.stop();
  }

  /** @param {MediaStreamTrack} track the looped-back video */
  function showPreview(track) {
    ui.preview.srcObject = new MediaStream([track]);
    // autoplay normally starts it; play() covers browsers that wait. A rejection changes nothing.
    ui.preview.play().catch(() => {});
  }

  /** @param {Outcomes} outcomes */
  function announceResults(outcomes) {
    announce(resultLines(outcomes, CHECKS));
  }

  /**
   * "Camera: Looks good", one line per check.
   * @param {Partial<Outcomes>} outcomes
   * @param {readonly CheckName[]} names
   */
  function resultLines(outcomes, names) {
    return names.flatMap((name) => {
      const outcome = outcomes[name];
      if (!outcome) return [];
      return [t("announce.result", { check: t(`check.${name}`), status: t(`status.${outcome.status}`) })];
    });
  }

  /** @param {string} key */
  function showPrompt(key) {
    ui.prompt.hidden = false;
    setText(ui.prompt, t, key);
  }

  /**
   * @param {string} overall
   * @param {boolean} [finished] false: the check could not finish, whatever it found
   */
  function renderOverall(overall, finished = true) {
    ui.overall.dataset.overall = overall;
    setText(ui.overall, t, finished ? `overall.${overall}` : "overall.incomplete");
    ui.canContinue.hidden = overall !== "not_ready";
  }

  /**
   * @param {string} key
   * @param {Record<string, string | number>} [params]
   */
  function showMessage(key, params) {
    ui.message.hidden = false;
    setText(ui.message, t, key, params);
  }

  /** @param {string} key */
  function showResultNote(key) {
    ui.resultNote.hidden = false;
    setText(ui.resultNote, t, key);
  }

  return {
    /** Starts a run (Start, Try again, Check again); from a click, for getUserMedia. */
    start: () => void runCheck(),
    /** Whether a run is under way (the candidate cannot leave it for the next step). */
    busy: () => phase === "running" || phase === "speakers" || phase === "local",
    /** The stored attempt of the last verdict, if there was one. */
    attemptId: () => attemptId,
    /** Ends whatever runs, for good: the candidate went on, or the page is going away. */
    end() {
      run += 1;
      phase = "finished";
      release();
    },
    /**
     * This browser cannot run the check at all: show it as the result, without announcing.
     * @param {string} reason a browser.* reason code
     */
    unsupported(reason) {
      fail("message.browser", outcomesFor([reason]), { retry: false, focus: false });
    },
  };
}

/**
 * @param {unknown} value
 * @returns {number | null}
 */
function finite(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
