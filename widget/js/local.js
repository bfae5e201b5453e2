// @ts-check
// Checks the browser runs alone when WebRTC cannot reach the server: the camera picture's light
// from a small canvas, the microphone's level from WebAudio. The same numbers the server would
// measure, so the same rules judge them (docs/protocol.md, POST /c/{token}/fallback).

export const LOCAL_MEASURE_MS = 3000;
const SAMPLE_EVERY_MS = 100;
const CANVAS_WIDTH = 64;
const CANVAS_HEIGHT = 48;
const OVEREXPOSED_LEVEL = 250;
const SILENCE_DBFS = -120;
/** -1 dBFS */
const CLIPPING_LEVEL = 0.891;

/**
 * @typedef {object} LocalCamera
 * @property {number} frames @property {number} duration_s @property {number | null} fps
 * @property {number} width @property {number} height @property {number} mean_luma
 * @property {number} center_luma @property {number} border_luma
 * @property {number} overexposed_fraction @property {number} contrast
 */

/**
 * @typedef {object} LocalMicrophone
 * @property {number} windows @property {number} rms_dbfs @property {number} peak_dbfs
 * @property {number} noise_floor_dbfs @property {number} clipping_fraction
 */

/**
 * Measures `stream` for LOCAL_MEASURE_MS. `video` must be playing the stream (muted).
 * @param {MediaStream} stream
 * @param {HTMLVideoElement} video
 * @returns {Promise<{camera: LocalCamera | null, microphone: LocalMicrophone | null}>}
 */
export async function measureLocally(stream, video) {
  const [videoTrack] = stream.getVideoTracks();
  const [audioTrack] = stream.getAudioTracks();
  const canvas = document.createElement("canvas");
  canvas.width = CANVAS_WIDTH;
  canvas.height = CANVAS_HEIGHT;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  /** @type {AudioContext | null} */
  let audio = null;
  /** @type {AnalyserNode | null} */
  let analyser = null;
  /** @type {ReturnType<typeof lightOf>[]} */
  const frames = [];
  /** @type {ReturnType<typeof soundOf>[]} */
  const windows = [];
  let buffer = new Float32Array(0);
  const counter = countFrames(video);
  const started = performance.now();
  try {
    if (audioTrack) {
      audio = new AudioContext();
      analyser = audio.createAnalyser();
      analyser.fftSize = 4096;
      buffer = new Float32Array(analyser.fftSize);
      audio.createMediaStreamSource(new MediaStream([audioTrack])).connect(analyser);
    }
    while (performance.now() - started < LOCAL_MEASURE_MS) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
      if (context && video.readyState >= 2) {
        context.drawImage(video, 0, 0, CANVAS_WIDTH, CANVAS_HEIGHT);
        const picture = context.getImageData(0, 0, CANVAS_WIDTH, CANVAS_HEIGHT).data;
        frames.push(lightOf(picture, CANVAS_WIDTH, CANVAS_HEIGHT));
      }
      if (analyser) {
        analyser.getFloatTimeDomainData(buffer);
        windows.push(soundOf(buffer));
      }
    }
  } finally {
    counter.stop();
    await audio?.close().catch(() => {});
  }
  const settings = videoTrack?.getSettings() ?? {};
  const seconds = (performance.now() - started) / 1000;
  const fps = counter.fps() ?? (typeof settings.frameRate === "number" ? settings.frameRate : null);
  return {
    camera: videoTrack
      ? {
          frames: frames.length,
          duration_s: round(Math.min(seconds, 60)),
          fps: fps === null ? null : round(Math.min(fps, 240)),
          width: settings.width ?? video.videoWidth,
          height: settings.height ?? video.videoHeight,
          ...medianLight(frames),
        }
      : null,
    microphone: microphoneOf(windows),
  };
}

/**
 * Level of one window of samples (-1..1 full scale).
 * @param {ArrayLike<number>} samples
 * @returns {{rms_dbfs: number, peak: number, clipped: number, samples: number}}
 */
export function soundOf(samples) {
  let sum = 0;
  let peak = 0;
  let clipped = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const value = Math.abs(samples[i]);
    sum += value * value;
    peak = Math.max(peak, value);
    if (value >= CLIPPING_LEVEL) clipped += 1;
  }
  const rms = samples.length ? Math.sqrt(sum / samples.length) : 0;
  return { rms_dbfs: dbfs(rms), peak, clipped, samples: samples.length };
}

/**
 * The microphone's numbers over the measurement: its loudest window (the candidate speaking), its
 * peak, its quietest tenth (the room's noise) and how much of it clipped.
 * @param {ReturnType<typeof soundOf>[]} windows
 * @returns {LocalMicrophone | null} null without a single window
 */
export function microphoneOf(windows) {
  if (!windows.length) return null;
  const levels = windows.map((window) => window.rms_dbfs);
  const samples = windows.reduce((total, window) => total + window.samples, 0);
  const clipped = windows.reduce((total, window) => total + window.clipped, 0);
  return {
    windows: windows.length,
    rms_dbfs: round(Math.max(...levels)),
    peak_dbfs: round(dbfs(Math.max(...windows.map((window) => window.peak)))),
    noise_floor_dbfs: round(percentile(levels, 10)),
    clipping_fraction: samples ? clipped / samples : 0,
  };
}

/**
 * Counts the frames the video element presents, where the browser can say (requestVideoFrameCallback).
 * @param {HTMLVideoElement} video
 * @returns {{fps: () => number | null, stop: () => void}}
 */
function countFrames(video) {
  const element = /** @type {any} */ (video);
  if (typeof element.requestVideoFrameCallback !== "function") {
    return { fps: () => null, stop: () => {} };
  }
  let first = 0;
  let last = 0;
  let count = 0;
  let handle = 0;
  const onFrame = (/** @type {number} */ now) => {
    if (count === 0) first = now;
    last = now;
    count += 1;
    handle = element.requestVideoFrameCallback(onFrame);
  };
  handle = element.requestVideoFrameCallback(onFrame);
  return {
    fps: () => (count > 1 && last > first ? ((count - 1) * 1000) / (last - first) : null),
    stop: () => element.cancelVideoFrameCallback?.(handle),
  };
}

/**
 * Light statistics of one RGBA picture, as full-range luma (BT.601 weights, 0–255): a covered
 * camera reads near 0 and a blown-out one near 255, as the rules expect.
 * The centre is the middle half of each side; the border is the rest.
 * @param {ArrayLike<number>} rgba width x height pixels, row by row
 * @param {number} width
 * @param {number} height
 */
export function lightOf(rgba, width, height) {
  const top = height / 4;
  const left = width / 4;
  let total = 0;
  let squares = 0;
  let center = 0;
  let centerCount = 0;
  let overexposed = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const luma = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
      total += luma;
      squares += luma * luma;
      if (luma >= OVEREXPOSED_LEVEL) overexposed += 1;
      if (y >= top && y < height - top && x >= left && x < width - left) {
        center += luma;
        centerCount += 1;
      }
    }
  }
  const count = width * height;
  const mean = total / count;
  return {
    mean_luma: mean,
    center_luma: center / centerCount,
    border_luma: (total - center) / (count - centerCount),
    overexposed_fraction: overexposed / count,
    contrast: Math.sqrt(Math.max(0, squares / count - mean * mean)),
  };
}

/**
 * The median of each light statistic over the frames (0 for none): a passing shadow or a frame
 * caught mid-change does not decide.
 * @param {ReturnType<typeof lightOf>[]} frames
 */
export function medianLight(frames) {
  /** @param {(frame: ReturnType<typeof lightOf>) => number} pick */
  const median = (pick) => (frames.length ? round(percentile(frames.map(pick), 50)) : 0);
  return {
    mean_luma: median((f) => f.mean_luma),
    center_luma: median((f) => f.center_luma),
    border_luma: median((f) => f.border_luma),
    overexposed_fraction: frames.length ? percentile(frames.map((f) => f.overexposed_fraction), 50) : 0,
    contrast: median((f) => f.contrast),
  };
}

/**
 * The nearest-rank percentile.
 * @param {number[]} values non-empty
 * @param {number} p 0..100
 */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))));
  return sorted[index];
}

/**
 * A level in dB relative to full scale, within -120..0.
 * @param {number} rms 0..1 full scale
 */
export function dbfs(rms) {
  return rms > 0 ? Math.max(SILENCE_DBFS, Math.min(0, 20 * Math.log10(rms))) : SILENCE_DBFS;
}

/** @param {number} value */
function round(value) {
  return Math.round(value * 10) / 10;
}
