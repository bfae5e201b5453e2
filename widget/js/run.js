// @ts-check
// One check run, from the Start click to the verdict: the camera and microphone, the connection to
// the server and its messages, the speakers step, the local fallback, and the result. Which state
// the page is in, and which run is current, is the machine's (run_state.js): each run owns what
// it opens, and a newer run, or the end, releases it and silences its callbacks. The view
// (view.js) shows it all.

import { ApiError, fetchCheckInfo, postFallback, postOfferPatiently, withTimeout } from "./api.js";
import { createDevicePickers, openChosenDevices } from "./devices.js";
import { classifyMediaError, detectPlatform, guidanceFor } from "./guidance.js";
import { failureCode, resultPayload } from "./host.js";
import { measureLocally } from "./local.js";
import {
  CheckConnection,
  NoRouteError,
  cameraPermission,
  frameContext,
  openCameraAndMicrophone,
  stopStream,
} from "./media.js";
import { allChecks, outcomesFor, readOutcomes, readResult } from "./results.js";
import { classifyLoss, createRunMachine, isBusy } from "./run_state.js";
import { createSpeakersStep } from "./speakers.js";
import { recordVoice } from "./voice.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").I18n} I18n */
/** @typedef {import("./results.js").CheckName} CheckName */
/** @typedef {import("./results.js").Outcomes} Outcomes */
/** @typedef {import("./run_state.js").Run} Run */

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
 * @param {import("./host.js").HostLink} page.host the embedder, told how the run goes
 */
export function createCheckRun({ root, view, i18n, endpoints, info, host }) {
  const { t } = i18n;
  const { ui } = view;
  const machine = createRunMachine();
  /** @type {string | null} the stored attempt of the last verdict, for the feedback */
  let attemptId = null;
  const speakers = createSpeakersStep({ root, view, i18n });
  const pickers = createDevicePickers(
    { container: ui.devices, camera: ui.cameraPicker, microphone: ui.microphonePicker },
    i18n,
    () => runCheck({ restart: true }),
    // The device in use was unplugged: start again with what is left.
    () => runCheck({ restart: true }),
  );

  /**
   * Starts a run, unless one is under way.
   * @param {{restart?: boolean}} [options] restart: the candidate switched devices (or one went
   *   away) during a run; focus stays where it is (on the picker)
   */
  function runCheck({ restart = false } = {}) {
    const frame = frameContext();
    const run = machine.begin(restart ? "restart" : "start");
    if (!run) return;
    host.progress("browser", "pass");
    host.progress("permissions", "running");
    // Whatever the run showed live goes with it.
    run.defer(() => {
      view.showPreview(null);
      view.showReadings(null, null);
      speakers.stop();
    });
    // Framed without allow="camera; microphone": asking would only fail, and confuse.
    if (frame.framed && frame.policyAllows === false) return showProblem(run, "iframe");
    attemptId = null;
    // getUserMedia first, while the click still counts as a user gesture.
    const capture = openChosenDevices(openCameraAndMicrophone);
    // TURN credentials are short-lived: the page may have been open for a while.
    const fresh = withTimeout(fetchCheckInfo(endpoints.info), INFO_TIMEOUT_MS).catch(() => info);
    const permitted = cameraPermission();
    view.resetCheck();
    speakers.unlock();
    view.showStep("check", { focus: !restart });
    view.announce([t("announce.started")]);
    void measure(run, { capture, fresh, permitted, frame });
  }

  /**
   * The run from the camera's answer on: the connection, the server's messages, the verdict.
   * @param {Run} run
   * @param {object} started
   * @param {Promise<MediaStream>} started.capture
   * @param {Promise<CheckInfo>} started.fresh
   * @param {Promise<string | null>} started.permitted
   * @param {ReturnType<typeof frameContext>} started.frame
   */
  async function measure(run, { capture, fresh, permitted, frame }) {
    const asked = performance.now();
    let answered = false;
    // A camera may take a moment to start: explain a prompt only when there may be one.
    const asking = run.after(ASKING_DELAY_MS, async () => {
      if ((await run.until(permitted)) === "granted" || answered) return;
      view.showAsking(true);
      view.announce([t("permission.asking")]);
    });
    /** @type {MediaStream | null} */
    let stream = null;
    /** @type {unknown} */
    let failure = null;
    try {
      stream = await run.until(capture, stopStream);
    } catch (error) {
      failure = error;
    }
    answered = true;
    run.dispose(asking);
    view.showAsking(false);
    if (!stream) {
      const permission = await run.until(cameraPermission());
      const problem = classifyMediaError(failure, { ...frame, permission });
      return showProblem(run, problem, frame.framed && frame.policyAllows === null);
    }
    host.progress("permissions", "pass");
    const media = run.own(stream, (owned) => {
      stopStream(owned);
      pickers.forget(owned);
    });
    void pickers.show(media);
    const mediaMs = performance.now() - asked;
    const { iceServers } = await run.until(fresh);
    view.showPrompt("prompt.say_name");

    let connected = false;
    /** @type {MediaStreamTrack | null} the looped-back microphone */
    let remoteAudio = null;
    /** @type {ReturnType<typeof recordVoice>} "say your name", until the speakers step */
    let recorder = null;
    run.deadline(MEASURE_TIMEOUT_MS, () => lose(null));
    const connection = run.own(
      new CheckConnection({
        stream: media,
        iceServers,
        mediaMs,
        sendOffer: (offer, signal) =>
          postOfferPatiently(
            endpoints.offer,
            offer,
            signal,
            run.guard((waitMs) => {
              view.showMessage("message.waiting", { seconds: Math.ceil(waitMs / 1000) });
            }),
          ),
        onVideo: run.guard((track) => view.showPreview(new MediaStream([track]))),
        onAudio: run.guard((track) => void (remoteAudio = track)),
        onMessage: run.guard(onMessage),
        // Lost before any media came back: nothing got through, whatever the browser calls it.
        onLost: run.guard(() => lose(connected ? null : new NoRouteError())),
      }),
      (owned) => owned.close(),
    );
    try {
      await run.until(connection.connect());
      view.showMessage(null);
    } catch (error) {
      lose(error);
    }

    /** @param {Record<string, any>} message */
    function onMessage(message) {
      if (message.type === "metrics") {
        connected = true;
        // Media flows: what the candidate says from now on is what the interviewer would hear.
        if (!recorder && remoteAudio && machine.state === "running") {
          const made = recordVoice(remoteAudio, ui.loopbackSink);
          // Dropped unheard if the run ends first: a recording is only played in its own run.
          recorder = made && run.own(made, (owned) => void owned.stop());
        }
        view.showReadings(finite(message.audio?.rms_dbfs), finite(message.video?.mean_luma));
      } else if (message.type === "step" && message.step === "speakers") {
        if (run.send("measured")) startSpeakers(readOutcomes(message.checks, MEASURED));
      } else if (message.type === "speakers" && message.heard_by_server === true) {
        if (machine.state === "speakers") speakers.heardByServer();
      } else if (message.type === "verdict") {
        if (run.send("verdict")) showVerdict(run, readResult(message.result), iceServers);
      }
    }

    /** @param {Partial<Outcomes>} measured camera, lighting and microphone, judged */
    function startSpeakers(measured) {
      run.deadline(SPEAKERS_TIMEOUT_MS, () => lose(null));
      view.showPrompt(null);
      view.renderOutcomes({ ...allChecks("running", []), ...measured });
      // The recording is the speakers step's now: it plays it, or drops it.
      const voice = recorder;
      recorder = null;
      if (voice) run.disown(voice);
      /** @type {(answer: Record<string, unknown>) => void} */
      const send = run.guard((answer) => connection.send(answer));
      void speakers.start(voice, view.resultLines(measured, MEASURED), send);
    }

    /**
     * The connection failed, was refused, or no verdict came in time.
     * @param {unknown} error
     */
    function lose(error) {
      const noRoute = error instanceof NoRouteError;
      const loss = classifyLoss({ noRoute, status: error instanceof ApiError ? error.status : 0 });
      const to = run.send(loss.event);
      if (to === "verdict") {
        // The verdict stands; only the live preview ends.
        run.release();
      } else if (to === "local" && loss.event === "unreachable") {
        void checkLocally(loss.why);
      } else if (to === "failed" && loss.event === "lost") {
        const blocked = loss.networkBlocked;
        fail(loss.message, blocked ? outcomesFor(["network.blocked"]) : allChecks("skipped", []), {
          retry: loss.retry,
        });
      }
    }

    /**
     * WebRTC could not carry the check: measure in the browser alone, store that, show it.
     * @param {"blocked" | "busy"} why
     */
    async function checkLocally(why) {
      run.deadline(null);
      run.dispose(connection);
      const note = why === "busy" ? "message.busy_local" : "message.blocked_local";
      view.showMessage(note);
      view.showPreview(media);
      view.showPrompt("prompt.say_name");
      try {
        const measured = await run.until(measureLocally(media, ui.preview));
        const result = await run.until(
          withTimeout(postFallback(endpoints.fallback, { why, ...measured }), FALLBACK_TIMEOUT_MS),
        );
        run.release();
        if (run.send("verdict")) {
          showVerdict(run, readResult(result), iceServers);
          view.showResultNote(note);
        }
      } catch {
        if (run.send("fallback_failed")) fail("message.server", allChecks("skipped", []));
      }
    }
  }

  /**
   * The camera or microphone could not be opened: say what to do, for this browser and system.
   * @param {Run} run
   * @param {import("./guidance.js").Problem} problem
   * @param {boolean} [framed] framed, by a policy the browser cannot tell (see guidanceFor)
   */
  function showProblem(run, problem, framed = false) {
    if (!run.send("denied")) return;
    const platform = detectPlatform(navigator);
    const guidance = guidanceFor(problem, platform, framed);
    host.progress("permissions", "fail");
    // None of them can run now (the list is hidden on this step; the host is told).
    view.renderOutcomes(allChecks("skipped", []));
    host.error("permissions", guidance.reasons);
    view.showGuidance(guidance, platform);
  }

  /**
   * @param {Run} run
   * @param {ReturnType<typeof readResult>} result
   * @param {RTCIceServer[]} iceServers what the run connected with, for IT's list
   */
  function showVerdict(run, result, iceServers) {
    run.deadline(null);
    attemptId = result.attemptId;
    speakers.stop();
    const relays = iceServers.flatMap((server) => [server.urls ?? []].flat());
    view.showVerdict(result, [location.host, ...relays]);
    view.announce(view.resultLines(result.checks));
    host.result(resultPayload(result));
  }

  /**
   * Shows the run's end as not ready, with a plain message and per-check advice.
   * @param {string} messageKey
   * @param {Outcomes} outcomes
   * @param {{retry?: boolean, focus?: boolean}} [options]
   */
  function fail(messageKey, outcomes, { retry = true, focus = true } = {}) {
    view.showFailure(messageKey, outcomes, { retry, focus });
    host.error(failureCode(messageKey), allReasons(outcomes));
    // Announce only what follows a click; a failure found on load is simply there to read.
    if (focus) view.announce(view.resultLines(outcomes));
  }

  return {
    /** Starts a run (Start, Try again, Check again); from a click, for getUserMedia. */
    start: () => runCheck(),
    /** Whether a run is under way (the candidate cannot leave it for the next step). */
    busy: () => isBusy(machine.state),
    /** The stored attempt of the last verdict, if there was one. */
    attemptId: () => attemptId,
    /** Ends whatever runs, for good: the candidate went on, or the page is going away. */
    end: () => void machine.send("end"),
    /**
     * This browser cannot run the check at all: show it as the result, without announcing.
     * @param {string} reason a browser.* reason code
     */
    unsupported(reason) {
      if (machine.send("unsupported")) {
        host.progress("browser", "fail");
        fail("message.browser", outcomesFor([reason]), { retry: false, focus: false });
      }
    },
  };
}

/**
 * Every reason of the outcomes, once each.
 * @param {Outcomes} outcomes
 */
function allReasons(outcomes) {
  return [...new Set(Object.values(outcomes).flatMap((outcome) => outcome.reasons))];
}

/**
 * @param {unknown} value
 * @returns {number | null}
 */
function finite(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
