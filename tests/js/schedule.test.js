// The interview's schedule in words: the quiet window around it and spans of time.
import assert from "node:assert/strict";
import test from "node:test";

import { formatSpan, joinWindow } from "../../widget/js/schedule.js";

const START = new Date("2031-03-30T08:30:00Z");

test("the Join button opens ten minutes before the start and closes at the end", () => {
  const at = (/** @type {string} */ iso) => joinWindow(START, 45, new Date(iso))?.state;
  assert.equal(at("2031-03-30T08:19:59Z"), "early");
  assert.equal(at("2031-03-30T08:20:00Z"), "open");
  assert.equal(at("2031-03-30T09:14:59Z"), "open");
  assert.equal(at("2031-03-30T09:15:00Z"), "ended");
  assert.equal(joinWindow(null, 45, START), null);
});

test("a span names its two largest units, in the page's language", () => {
  assert.equal(formatSpan((10 * 60 + 3) * 1000, "en"), "10 minutes, 3 seconds");
  assert.equal(formatSpan((90 * 60) * 1000, "en"), "1 hour, 30 minutes");
  assert.equal(formatSpan(2 * 3600 * 1000, "sv"), "2 timmar");
});
