// Small things the candidate reads and writes: the live microphone meter and brightness words,
// and the feedback comment as the server will store it.
import assert from "node:assert/strict";
import test from "node:test";

import { cleanComment } from "../../widget/js/feedback.js";
import { brightnessLevel, dbfsToPercent } from "../../widget/js/meters.js";

test("the meter reads a quiet room as empty and full scale as full", () => {
  assert.equal(dbfsToPercent(-60), 0);
  assert.equal(dbfsToPercent(-90), 0);
  assert.equal(dbfsToPercent(-30), 50);
  assert.equal(dbfsToPercent(0), 100);
  assert.equal(dbfsToPercent(6), 100);
  assert.equal(dbfsToPercent(null), 0, "no level yet");
  assert.equal(dbfsToPercent(Number.NaN), 0);
});

test("brightness in words, from too dark to very bright", () => {
  assert.equal(brightnessLevel(25), "too_dark");
  assert.equal(brightnessLevel(40), "dim");
  assert.equal(brightnessLevel(69.9), "dim");
  assert.equal(brightnessLevel(130), "good");
  assert.equal(brightnessLevel(200), "good");
  assert.equal(brightnessLevel(201), "very_bright");
});

test("a comment is sent as the server stores it: tabs are spaces, line breaks stay", () => {
  assert.equal(cleanComment("Clear.\tThe chime was\r\nloud.  "), "Clear. The chime was\nloud.");
  assert.equal(cleanComment("a\rb\u0000c\u007fd"), "a\nb c d");
  assert.equal(cleanComment("   "), "");
});

test("a comment is cut at 1000 characters, never inside a character", () => {
  assert.equal(cleanComment("x".repeat(1200)).length, 1000);
  const emoji = cleanComment("\u{1F600}".repeat(1001));
  assert.equal([...emoji].length, 1000);
  assert.equal(emoji.length, 2000, "whole surrogate pairs");
});
