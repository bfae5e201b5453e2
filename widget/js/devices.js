// @ts-check
// The camera and microphone pickers: which devices there are (following them as they are plugged
// in or out), which ones the candidate chose (remembered on this device), and the getUserMedia
// constraints that ask for them.

import { setText } from "./i18n.js";

/** @typedef {"videoinput" | "audioinput"} InputKind */
/** @typedef {{camera: string | null, microphone: string | null}} DeviceChoice */

const STORAGE_KEYS = Object.freeze({ videoinput: "greenroom.camera", audioinput: "greenroom.microphone" });
const UNNAMED = Object.freeze({ videoinput: "devices.camera_unnamed", audioinput: "devices.microphone_unnamed" });

/** @returns {DeviceChoice} the devices chosen earlier on this device, if storage allows */
export function rememberedDevices() {
  return { camera: read(STORAGE_KEYS.videoinput), microphone: read(STORAGE_KEYS.audioinput) };
}

/**
 * @param {InputKind} kind
 * @param {string} deviceId
 */
export function rememberDevice(kind, deviceId) {
  try {
    localStorage.setItem(STORAGE_KEYS[kind], deviceId);
  } catch {
    // Storage blocked (a third-party frame, private mode): the choice lasts for this run only.
  }
}

/**
 * What to ask getUserMedia for: the chosen devices where there are any, else the front camera on
 * phones. `exact`, because Chromium passes over an `ideal` device id when another device fits
 * the other constraints as well. The browser's audio processing stays off: the server measures
 * the raw microphone.
 * @param {DeviceChoice} choice
 * @returns {MediaStreamConstraints}
 */
export function constraintsFor(choice) {
  return {
    video: {
      width: { ideal: 640 },
      height: { ideal: 480 },
      frameRate: { ideal: 30 },
      ...(choice.camera ? { deviceId: { exact: choice.camera } } : { facingMode: "user" }),
    },
    audio: {
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
      ...(choice.microphone ? { deviceId: { exact: choice.microphone } } : {}),
    },
  };
}

/**
 * Opens the chosen camera and microphone; when one of them is gone (unplugged since it was
 * chosen), whatever the browser picks. The first request starts synchronously, inside the click.
 * @param {(constraints: MediaStreamConstraints) => Promise<MediaStream>} open getUserMedia
 * @returns {Promise<MediaStream>}
 */
export async function openChosenDevices(open) {
  const choice = rememberedDevices();
  try {
    return await open(constraintsFor(choice));
  } catch (error) {
    const missing = error instanceof Error && /^(Overconstrained|NotFound)Error$/.test(error.name);
    if (!missing || (!choice.camera && !choice.microphone)) throw error;
    return open(constraintsFor({ camera: null, microphone: null }));
  }
}

/**
 * Fills the two pickers and keeps them current.
 * @param {object} elements
 * @param {HTMLElement} elements.container shown once there is a device to show
 * @param {HTMLSelectElement} elements.camera
 * @param {HTMLSelectElement} elements.microphone
 * @param {import("./i18n.js").I18n} i18n
 * @param {(kind: InputKind, deviceId: string) => void} onPick the candidate chose another device
 * @param {() => void} onInUseGone a device the check is using was unplugged
 */
export function createDevicePickers(elements, i18n, onPick, onInUseGone) {
  /** @type {MediaStream | null} the devices shown selected: the last run's */
  let stream = null;
  /** @type {MediaStream | null} the stream a run still uses, while it does */
  let using = null;
  const selects = { videoinput: elements.camera, audioinput: elements.microphone };
  for (const [kind, select] of /** @type {[InputKind, HTMLSelectElement][]} */ (Object.entries(selects))) {
    select.addEventListener("change", () => {
      rememberDevice(kind, select.value);
      onPick(kind, select.value);
    });
  }
  navigator.mediaDevices?.addEventListener?.("devicechange", async () => {
    const present = await refresh();
    if (!present) return;
    const inUse = using?.getTracks().map((track) => track.getSettings().deviceId ?? "") ?? [];
    if (inUse.some((id) => id && !present.has(id))) onInUseGone();
  });

  /** @returns {Promise<Set<string> | null>} the ids of the devices now present */
  async function refresh() {
    /** @type {MediaDeviceInfo[]} */
    let devices;
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      return null;
    }
    const inUse = {
      videoinput: stream?.getVideoTracks()[0]?.getSettings().deviceId ?? "",
      audioinput: stream?.getAudioTracks()[0]?.getSettings().deviceId ?? "",
    };
    let shown = 0;
    for (const [kind, select] of /** @type {[InputKind, HTMLSelectElement][]} */ (Object.entries(selects))) {
      const ofKind = devices.filter((device) => device.kind === kind && device.deviceId);
      select.replaceChildren(
        ...ofKind.map((device, index) => {
          const option = document.createElement("option");
          option.value = device.deviceId;
          if (device.label) option.textContent = device.label;
          else setText(option, i18n.t, UNNAMED[kind], { number: index + 1 });
          return option;
        }),
      );
      if (ofKind.some((device) => device.deviceId === inUse[kind])) select.value = inUse[kind];
      const field = /** @type {HTMLElement} */ (select.closest(".field"));
      field.hidden = ofKind.length === 0;
      shown += ofKind.length;
    }
    elements.container.hidden = shown === 0;
    return new Set(devices.map((device) => device.deviceId));
  }

  return {
    /**
     * Shows the devices, with the ones `current` uses selected (labels appear once allowed).
     * @param {MediaStream | null} current
     */
    show(current) {
      stream = current;
      using = current;
      return refresh();
    },
    /**
     * The check no longer uses `current` (its run ended): its devices may go.
     * @param {MediaStream} current
     */
    forget(current) {
      if (using === current) using = null;
    },
  };
}

/** @param {string} key */
function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
