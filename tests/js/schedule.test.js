// The interview's schedule in words: the quiet window around it, its start and length, and the
// other time zone, in English and Swedish.
import assert from "node:assert/strict";
import test from "node:test";

import {
  formatDuration,
  formatSpan,
  formatStart,
  formatTime,
  joinWindow,
  parseDate,
  sameDay,
  zonePlace,
  zonesDiffer,
} from "../../widget/js/schedule.js";

const START = new Date("2031-03-30T08:30:00Z");
/** 08:53 in Stockholm (CET), 02:53 in New York, 07:53 in UTC. */
const WINTER = new Date("2031-01-14T07:53:00Z");

test("the Join button opens ten minutes before the start and closes at the end", () => {
  const at = (/** @type {string} */ iso) => joinWindow(START, 45, new Date(iso))?.state;
  assert.equal(at("2031-03-30T08:19:59Z"), "early");
  assert.equal(at("2031-03-30T08:20:00Z"), "open");
  assert.equal(at("2031-03-30T09:14:59Z"), "open");
  assert.equal(at("2031-03-30T09:15:00Z"), "ended");
  assert.equal(joinWindow(null, 45, START), null);
  assert.equal(joinWindow(new Date("nonsense"), 45, START), null);
});

test("the window knows how long until the start, and when it opens and ends", () => {
  const window = joinWindow(START, 45, new Date("2031-03-30T08:19:57Z"));
  assert.equal(window?.untilStartMs, (10 * 60 + 3) * 1000);
  assert.equal(window?.opensAt.toISOString(), "2031-03-30T08:20:00.000Z");
  assert.equal(window?.endsAt.toISOString(), "2031-03-30T09:15:00.000Z");
  const started = joinWindow(START, 45, new Date("2031-03-30T08:31:00Z"));
  assert.equal(started?.untilStartMs, -60_000);
  // A length below zero is no length: the window ends at the start.
  assert.equal(joinWindow(START, -5, START)?.state, "ended");
});

test("dates come from ISO 8601 or not at all", () => {
  assert.equal(parseDate("2031-03-30T08:30:00+00:00")?.getTime(), START.getTime());
  assert.equal(parseDate(""), null);
  assert.equal(parseDate("soon"), null);
});

test("a span names its two largest units, in the page's language", () => {
  assert.equal(formatSpan((10 * 60 + 3) * 1000, "en"), "10 minutes, 3 seconds");
  assert.equal(formatSpan((10 * 60 + 3) * 1000, "sv"), "10 minuter, 3 sekunder");
  assert.equal(formatSpan(90 * 60 * 1000, "en"), "1 hour, 30 minutes");
  assert.equal(formatSpan(2 * 3600 * 1000, "sv"), "2 timmar");
  assert.equal(formatSpan((25 * 3600 + 61) * 1000, "en"), "1 day, 1 hour");
  assert.equal(formatSpan(3 * 24 * 3600 * 1000, "sv"), "3 dygn");
  assert.equal(formatSpan(59_000, "en"), "59 seconds");
  assert.equal(formatSpan(60_000, "en"), "1 minute");
  assert.equal(formatSpan(1_000, "sv"), "1 sekund");
  assert.equal(formatSpan(0, "en"), "0 minutes", "the start itself");
  assert.equal(formatSpan(-5000, "en"), "0 minutes", "never a negative span");
});

test("seconds are rounded, so a countdown never shows 60 of them", () => {
  assert.equal(formatSpan(599_600, "en"), "10 minutes");
  assert.equal(formatSpan(599_400, "en"), "9 minutes, 59 seconds");
});

test("the interview's length in words", () => {
  assert.equal(formatDuration(45, "en"), "45 minutes");
  assert.equal(formatDuration(45, "sv"), "45 minuter");
  assert.equal(formatDuration(90, "sv"), "1 timme, 30 minuter");
  assert.equal(formatDuration(60, "en"), "1 hour");
});

test("the start as the candidate reads it: weekday, day, month, time and zone", () => {
  assert.equal(formatStart(WINTER, "sv", "Europe/Stockholm"), "tisdag 14 januari kl. 08:53 CET");
  assert.equal(formatStart(WINTER, "en-GB", "America/New_York"), "Tuesday 14 January at 02:53 GMT-5");
  assert.match(formatStart(WINTER, "en-US", "America/New_York"), /^Tuesday, January 14 at 2:53\sAM (EST|GMT-5)$/);
});

test("a clock time in the language's own way, with the weekday when the day may differ", () => {
  assert.equal(formatTime(WINTER, "en-GB", "Europe/Stockholm"), "8:53");
  assert.match(formatTime(WINTER, "en-US", "America/New_York"), /^2:53\sAM$/);
  assert.equal(formatTime(WINTER, "sv", "Europe/Stockholm"), "8:53");
  assert.equal(formatTime(WINTER, "sv", "Europe/Stockholm", true), "tisdag 08:53");
  assert.equal(formatTime(WINTER, "en-GB", "UTC"), "7:53", "the zone decides the clock");
});

test("zones differ only when their clocks or days do", () => {
  assert.equal(zonesDiffer(WINTER, "Europe/Stockholm", "Europe/Berlin"), false);
  assert.equal(zonesDiffer(WINTER, "Europe/Stockholm", "America/New_York"), true);
  assert.equal(zonesDiffer(WINTER, "Europe/Stockholm", "America/New_York", true), false, "same day");
  const early = new Date("2031-01-14T03:00:00Z");
  assert.equal(zonesDiffer(early, "Europe/Stockholm", "America/New_York", true), true, "13th in New York");
  assert.equal(zonesDiffer(WINTER, "Europe/Stockholm", ""), false, "no zone given");
  assert.equal(zonesDiffer(WINTER, "Europe/Stockholm", "Nowhere/Atlantis"), false);
});

test("a zone is named after its place", () => {
  assert.equal(zonePlace("America/New_York"), "New York");
  assert.equal(zonePlace("America/Argentina/Buenos_Aires"), "Buenos Aires");
  assert.equal(zonePlace("UTC"), "UTC");
});

test("the same day depends on the zone", () => {
  const late = new Date("2031-01-14T23:30:00Z");
  assert.equal(sameDay(WINTER, late, "America/New_York"), true);
  assert.equal(sameDay(WINTER, late, "Europe/Stockholm"), false, "already the 15th there");
});
