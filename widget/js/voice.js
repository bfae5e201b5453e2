// @ts-check
// "Say your name": records the looped-back microphone while the candidate speaks and plays it
// back once afterwards, so they hear themselves as the interviewer will. Never live (a delayed
// echo of one's own voice disturbs speech and feeds back through speakers), never stored: the
// recording lives in memory until it has been played, and is never uploaded.

/** Longer than the server's measurement window can last (4 s, at most 8 s more). */
export const MAX_RECORDING_MS = 14_000;
const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4", "audio/ogg;codecs=opus"];

/**
 * Starts recording `track`; null where the browser cannot record.
 * @param {MediaStreamTrack} track the remote (looped-back) audio
 * @param {HTMLAudioElement} sink a muted element: Chromium decodes a remote audio track only
 *   while a media element renders it, and records silence otherwise. Muted, it makes no sound.
 * @returns {{stop: () => Promise<Blob | null>} | null}
 */
export function recordVoice(track, sink) {
  if (typeof MediaRecorder !== "function") return null;
  sink.muted = true;
  sink.srcObject = new MediaStream([track]);
  sink.play().catch(() => {});
  const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported?.(type));
  /** @type {MediaRecorder} */
  let recorder;
  try {
    recorder = new MediaRecorder(new MediaStream([track]), mimeType ? { mimeType } : undefined);
  } catch {
    sink.srcObject = null;
    return null;
  }
  /** @type {Blob[]} */
  const chunks = [];
  recorder.addEventListener("dataavailable", (event) => {
    if (event.data.size > 0) chunks.push(event.data);
  });
  const stopped = new Promise((resolve) => recorder.addEventListener("stop", resolve, { once: true }));
  try {
    recorder.start();
  } catch {
    sink.srcObject = null;
    return null;
  }
  const timer = setTimeout(() => stop(), MAX_RECORDING_MS);

  async function stop() {
    clearTimeout(timer);
    if (recorder.state !== "inactive") recorder.stop();
    await stopped;
    sink.srcObject = null;
    return chunks.length ? new Blob(chunks, { type: recorder.mimeType || mimeType || "" }) : null;
  }
  return { stop };
}

/**
 * Plays `recording` once on `audio`, then forgets it. Resolves when it has ended (true), or was
 * paused or could not be played (false); at the latest after `timeoutMs`.
 * @param {HTMLAudioElement} audio
 * @param {Blob} recording
 * @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
export function playOnce(audio, recording, timeoutMs) {
  const url = URL.createObjectURL(recording);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    // "pause" also fires when playback reaches the end, with `ended` already true.
    const paused = () => done(audio.ended);
    const failed = () => done(false);
    /** @param {boolean} played */
    function done(played) {
      clearTimeout(timer);
      audio.removeEventListener("pause", paused);
      audio.removeEventListener("error", failed);
      audio.pause();
      URL.revokeObjectURL(url);
      resolve(played);
    }
    audio.addEventListener("pause", paused);
    audio.addEventListener("error", failed);
    audio.src = url;
    audio.muted = false;
    audio.play().catch(failed);
  });
}
