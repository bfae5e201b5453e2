// The browser's own measurements when WebRTC cannot reach the server: the light of the camera's
// picture and the microphone's level, the numbers the server's rules then judge.
import assert from "node:assert/strict";
import test from "node:test";

import { dbfs, lightOf, medianLight, microphoneOf, percentile, soundOf } from "../../widget/js/local.js";

const WIDTH = 64;
const HEIGHT = 48;

/**
 * An RGBA picture, each pixel grey at the level `at(x, y)` gives.
 * @param {(x: number, y: number) => number} at
 */
function picture(at) {
  const rgba = new Uint8ClampedArray(WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y += 1) {
    for (let x = 0; x < WIDTH; x += 1) {
      const i = (y * WIDTH + x) * 4;
      rgba.fill(at(x, y), i, i + 3);
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

/** The middle half of each side, as lightOf counts the centre. */
const inCentre = (/** @type {number} */ x, /** @type {number} */ y) =>
  x >= WIDTH / 4 && x < (WIDTH * 3) / 4 && y >= HEIGHT / 4 && y < (HEIGHT * 3) / 4;

test("an evenly lit picture reads its own level everywhere, without contrast", () => {
  const light = lightOf(picture(() => 130), WIDTH, HEIGHT);
  assert.ok(Math.abs(light.mean_luma - 130) < 1e-9);
  assert.ok(Math.abs(light.center_luma - 130) < 1e-9);
  assert.ok(Math.abs(light.border_luma - 130) < 1e-9);
  assert.equal(light.overexposed_fraction, 0);
  assert.ok(light.contrast < 1e-6);
});

test("a window behind the candidate: a bright border around a darker face", () => {
  const light = lightOf(picture((x, y) => (inCentre(x, y) ? 60 : 220)), WIDTH, HEIGHT);
  assert.ok(Math.abs(light.center_luma - 60) < 1e-9, String(light.center_luma));
  assert.ok(Math.abs(light.border_luma - 220) < 1e-9, String(light.border_luma));
  // A quarter of the picture is the centre: the mean leans to the border.
  assert.ok(Math.abs(light.mean_luma - (60 + 3 * 220) / 4) < 1e-9);
  assert.ok(light.contrast > 60);
});

test("luma weighs green most and blue least, as the server does (BT.601)", () => {
  const rgba = new Uint8ClampedArray(WIDTH * HEIGHT * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba[i + 1] = 255;
  assert.ok(Math.abs(lightOf(rgba, WIDTH, HEIGHT).mean_luma - 0.587 * 255) < 1e-9);
});

test("a blown-out picture counts its overexposed part", () => {
  const light = lightOf(picture((x) => (x < WIDTH / 2 ? 255 : 100)), WIDTH, HEIGHT);
  assert.equal(light.overexposed_fraction, 0.5);
});

test("frames are summed up by their median, so one odd frame does not decide", () => {
  const dark = lightOf(picture(() => 20), WIDTH, HEIGHT);
  const lit = lightOf(picture(() => 130), WIDTH, HEIGHT);
  const summary = medianLight([lit, dark, lit]);
  assert.equal(summary.mean_luma, 130);
  assert.equal(summary.center_luma, 130);
  assert.deepEqual(medianLight([]), {
    mean_luma: 0,
    center_luma: 0,
    border_luma: 0,
    overexposed_fraction: 0,
    contrast: 0,
  });
});

test("percentiles are the nearest rank, whatever the order", () => {
  assert.equal(percentile([5, 1, 3], 50), 3);
  assert.equal(percentile([-40, -70, -65, -20, -30, -60, -50, -45, -35, -55, -25], 10), -65);
  assert.equal(percentile([9], 90), 9);
  assert.equal(percentile([4, 1, 2, 3], 0), 1);
  assert.equal(percentile([4, 1, 2, 3], 100), 4);
});

test("levels in dBFS: full scale is 0, half is about -6, silence is the floor", () => {
  assert.equal(dbfs(1), 0);
  assert.ok(Math.abs(dbfs(0.5) + 6.0206) < 1e-3);
  assert.equal(dbfs(0), -120);
  assert.equal(dbfs(1e-9), -120);
  assert.equal(dbfs(2), 0);
});

/**
 * @param {number} amplitude
 * @param {number} [length]
 */
function sine(amplitude, length = 4096) {
  return Float32Array.from({ length }, (_, i) => amplitude * Math.sin((2 * Math.PI * i) / 64));
}

test("a voice at -20 dBFS reads as such; the quiet windows give the room's noise", () => {
  const speaking = soundOf(sine(0.1 * Math.SQRT2));
  assert.ok(Math.abs(speaking.rms_dbfs + 20) < 0.01, String(speaking.rms_dbfs));
  assert.equal(speaking.clipped, 0);
  const room = soundOf(sine(0.001 * Math.SQRT2));
  const windows = [room, room, speaking, room, room, room, room, room, room, room];
  const microphone = microphoneOf(windows);
  assert.deepEqual(microphone, {
    windows: 10,
    rms_dbfs: -20,
    peak_dbfs: -17,
    noise_floor_dbfs: -60,
    clipping_fraction: 0,
  });
});

test("a microphone driven into clipping says how much of the time", () => {
  const loud = soundOf(sine(1));
  const microphone = microphoneOf([loud, soundOf(sine(0.5))]);
  assert.equal(microphone?.peak_dbfs, 0);
  assert.equal(microphone?.rms_dbfs, -3, "a full-scale sine");
  // |sin| >= 0.891 (-1 dBFS) for 18 of its 64 samples a period; the quieter window never.
  assert.equal(microphone?.clipping_fraction, 18 / 64 / 2);
  assert.equal(microphoneOf([]), null, "no microphone, no numbers");
  assert.equal(soundOf(new Float32Array(0)).rms_dbfs, -120);
});
