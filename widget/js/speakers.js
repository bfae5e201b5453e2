// @ts-check
// The speakers step: first the candidate's own words as the interviewer hears them (played once),
// then the chime, and the answer: "I heard it", "I didn't hear it", or the server hearing the
// chime in the microphone. One <audio> element plays both, so the unlock in the Start click
// covers both on browsers that allow sound only after a gesture (Safari).

import { setText } from "./i18n.js";
import { MAX_RECORDING_MS, playOnce } from "./voice.js";

/** @typedef {import("./i18n.js").I18n} I18n */

/**
 * @param {object} parts
 * @param {Document} parts.root
 * @param {ReturnType<import("./view.js").createView>} parts.view
 * @param {I18n} parts.i18n
 */
export function createSpeakersStep({ root, view, i18n }) {
  const { ui, announce } = view;
  const { t } = i18n;
  const chimeUrl = ui.chime.getAttribute("src") ?? "";
  /** Which step this is; a newer start (or stop) makes an older one's awaits a no-op. */
  let round = 0;
  let active = false;
  let decided = false;
  /** @type {(message: Record<string, unknown>) => void} the answer's way to the server */
  let send = () => {};

  ui.confirmSpeakers.addEventListener("click", () => answer(true));
  ui.notHeard.addEventListener("click", () => answer(false));
  ui.playChime.addEventListener("click", () => playChime());
  ui.outputDevice.addEventListener("change", () => {
    /** @type {any} */ (ui.chime).setSinkId?.(ui.outputDevice.value).catch(() => {});
  });

  /**
   * Plays the element once, muted, inside the Start click, so that it may play later.
   */
  function unlock() {
    ui.chime.muted = true;
    ui.chime
      .play()
      .then(() => ui.chime.pause())
      .catch(() => {})
      .finally(() => {
        ui.chime.muted = false;
      });
  }

  /**
   * @param {{stop: () => Promise<Blob | null>} | null} recorder the "say your name" recording
   * @param {string[]} results what the measured checks found, announced with the step
   * @param {(message: Record<string, unknown>) => void} toServer sends the answer, in this run
   */
  async function start(recorder, results, toServer) {
    const current = ++round;
    active = true;
    send = toServer;
    decided = false;
    ui.speakersStep.hidden = false;
    ui.speakersActions.hidden = false;
    ui.speakersStep.dataset.voice = "";
    setText(ui.speakersPrompt, t, "speakers.prompt");
    void listOutputDevices();
    // The card appears below the preview: framed or on a phone it may be out of sight.
    view.reveal(ui.speakersStep, ui.speakersHeading);
    const voice = await recorder?.stop();
    if (current !== round || decided) return;
    if (voice) {
      announce([...results, t("speakers.voice")]);
      setText(ui.speakersPrompt, t, "speakers.voice");
      ui.speakersStep.dataset.voice = "playing";
      const played = await playOnce(ui.chime, voice, MAX_RECORDING_MS + 2000);
      ui.chime.src = chimeUrl;
      ui.speakersStep.dataset.voice = played ? "played" : "not_played";
      if (current !== round || decided) return;
      setText(ui.speakersPrompt, t, "speakers.prompt");
      announce([t("announce.speakers")]);
    } else {
      announce([...results, t("announce.speakers")]);
    }
    playChime();
  }

  /** The step is over (verdict, new run, page left): silence, and ignore what was pending. */
  function stop() {
    round += 1;
    active = false;
    send = () => {};
    ui.chime.pause();
    ui.speakersStep.hidden = true;
  }

  function playChime() {
    if (!active || decided) return;
    // The recording is still playing: stopping it moves on to the chime (see start).
    if (ui.speakersStep.dataset.voice === "playing") return ui.chime.pause();
    ui.chime.currentTime = 0;
    ui.chime.muted = false;
    ui.chime.play().catch(() => {
      // Still refused: the candidate starts it with a click on "Play the chime again".
      if (!active || decided) return;
      setText(ui.speakersPrompt, t, "speakers.press_play");
      ui.playChime.focus();
    });
  }

  /** @param {boolean} heard */
  function answer(heard) {
    if (!active || decided) return;
    send({ type: "speakers", heard });
    if (heard) passed("announce.speakers_confirmed");
    else decide("speakers.waiting");
  }

  /** @param {string} announcement */
  function passed(announcement) {
    if (!active || decided) return;
    decide(announcement);
    view.setStatus("speakers", { status: "pass", reasons: [] });
  }

  /** @param {string} key what to say instead of the question */
  function decide(key) {
    decided = true;
    ui.chime.pause();
    // The focused button disappears: focus goes to the words that replace it.
    ui.speakersActions.hidden = true;
    setText(ui.speakersPrompt, t, key);
    ui.speakersPrompt.focus();
    announce([t(key)]);
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
        if (device.label) option.textContent = device.label;
        else setText(option, t, "speakers.output_unnamed", { number: index + 1 });
        return option;
      }),
    );
    ui.outputField.hidden = false;
  }

  return {
    unlock,
    start,
    stop,
    /** The server heard the chime in the microphone: the speakers work. */
    heardByServer: () => passed("announce.speakers_heard"),
  };
}
