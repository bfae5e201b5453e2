// The quiet window as the candidate reads it, at instants the test chooses: the countdown, when
// the Join button opens, and the words before and after, in English and Swedish.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import { createTranslator } from "../../widget/js/i18n.js";
import { createQuietWindow, quietWindowAt } from "../../widget/js/quiet.js";

/** @param {string} locale */
const catalog = (locale) =>
  JSON.parse(readFileSync(new URL(`../../widget/i18n/${locale}.json`, import.meta.url), "utf8"));
const en = createTranslator(catalog("en"));
const sv = createTranslator(catalog("sv"));

const JOIN_URL = "https://meet.example.com/backend-engineer";
/** 08:53 in Stockholm: the Join button opens at 8:43 there, 7:43 in UTC. */
const STARTS_AT = new Date("2031-01-14T07:53:00Z");
const INTERVIEW = { startsAt: STARTS_AT, durationMinutes: 45, joinUrl: JOIN_URL };
const before = (/** @type {number} */ seconds) => new Date(STARTS_AT.getTime() - seconds * 1000);

/**
 * The texts shown at `now`, translated.
 * @param {Date} now
 * @param {{t: import("../../widget/js/i18n.js").Translate}} translator
 * @param {string} locale
 * @param {Partial<typeof INTERVIEW>} [changes]
 */
function shownAt(now, { t }, locale, changes = {}) {
  const shown = quietWindowAt({ ...INTERVIEW, ...changes }, now, locale, "Europe/Stockholm");
  return {
    state: shown.state,
    countdown: shown.countdown && t(shown.countdown.key, shown.countdown.params),
    note: shown.note && t(shown.note.key, shown.note.params),
    join: shown.join,
  };
}

test("an hour and a half before: the countdown, and when the Join button appears", () => {
  assert.deepEqual(shownAt(before(90 * 60), en, "en-GB"), {
    state: "early",
    countdown: "The interview starts in 1 hour, 30 minutes.",
    note: "The Join button appears here 10 minutes before the start: 8:43.",
    join: false,
  });
  assert.deepEqual(shownAt(before(90 * 60), sv, "sv"), {
    state: "early",
    countdown: "Intervjun börjar om 1 timme, 30 minuter.",
    note: "Knappen för att gå med visas här 10 minuter före start: 8:43.",
    join: false,
  });
});

test("on another day, the opening time names the weekday", () => {
  const shown = shownAt(before(2 * 24 * 3600), en, "en-GB");
  assert.equal(shown.countdown, "The interview starts in 2 days.");
  assert.equal(shown.note, "The Join button appears here 10 minutes before the start: Tuesday 08:43.");
});

test("the last seconds before the button opens, and the first after", () => {
  const early = shownAt(before(10 * 60 + 3), en, "en");
  assert.equal(early.countdown, "The interview starts in 10 minutes, 3 seconds.");
  // American English: the 12-hour clock (ICU versions differ in the space before AM).
  assert.match(String(early.note), /^The Join button appears here 10 minutes before the start: 8:43\sAM\.$/);
  assert.equal(early.join, false);
  assert.deepEqual(shownAt(before(10 * 60), en, "en"), {
    state: "open",
    countdown: "The interview starts in 10 minutes.",
    note: null,
    join: true,
  });
  assert.equal(shownAt(before(9 * 60 + 59), sv, "sv").countdown, "Intervjun börjar om 9 minuter, 59 sekunder.");
});

test("from the start until the end the button stays; then the time has passed", () => {
  assert.deepEqual(shownAt(STARTS_AT, en, "en"), {
    state: "open",
    countdown: "The interview has started.",
    note: null,
    join: true,
  });
  assert.equal(shownAt(before(-44 * 60), en, "en").join, true);
  assert.deepEqual(shownAt(before(-45 * 60), en, "en"), {
    state: "ended",
    countdown: null,
    note: "The interview time has passed.",
    join: false,
  });
});

test("without a link to join, the invitation's link is the way", () => {
  const shown = shownAt(before(4 * 60 + 30), en, "en", { joinUrl: null });
  assert.equal(shown.countdown, "The interview starts in 4 minutes, 30 seconds.");
  assert.equal(shown.note, "Join with the link in your invitation.");
  assert.equal(shown.join, false);
});

test("without a start, the button is simply there", () => {
  assert.deepEqual(shownAt(STARTS_AT, en, "en", { startsAt: null }), {
    state: "unknown",
    countdown: null,
    note: null,
    join: true,
  });
});

/** An element as the quiet window uses it. */
function element() {
  return /** @type {any} */ ({ hidden: false, textContent: "", dataset: {}, href: "" });
}

test("the page's window follows its clock, and says once that the button opened", () => {
  let now = before(10 * 60 + 2);
  /** @type {() => void} */
  let tick = () => {};
  let opened = 0;
  /** @type {(() => void)[]} */
  const listeners = [];
  const elements = { section: element(), countdown: element(), note: element(), join: element() };
  const i18n = /** @type {any} */ ({
    t: en.t,
    format: "en",
    onChange: (/** @type {() => void} */ listener) => listeners.push(listener),
  });
  const info = /** @type {any} */ ({
    startsAt: STARTS_AT.toISOString(),
    durationMinutes: 45,
    joinUrl: JOIN_URL,
  });
  let stopped = false;
  createQuietWindow(elements, info, i18n, () => (opened += 1), {
    now: () => now,
    every: (callback, ms) => {
      assert.equal(ms, 1000);
      tick = callback;
      return () => (stopped = true);
    },
  });
  assert.equal(elements.countdown.textContent, "The interview starts in 10 minutes, 2 seconds.");
  assert.equal(elements.join.hidden, true);
  assert.equal(elements.join.href, JOIN_URL);
  assert.equal(elements.section.dataset.state, "early");
  for (const seconds of [10 * 60 + 1, 10 * 60, 10 * 60 - 1]) {
    now = before(seconds);
    tick();
  }
  assert.equal(opened, 1);
  assert.equal(elements.join.hidden, false);
  assert.equal(elements.note.hidden, true);
  assert.equal(elements.countdown.textContent, "The interview starts in 9 minutes, 59 seconds.");
  // Redrawn in the new language at once.
  i18n.t = sv.t;
  i18n.format = "sv";
  for (const listener of listeners) listener();
  assert.equal(elements.countdown.textContent, "Intervjun börjar om 9 minuter, 59 sekunder.");
  assert.equal(opened, 1);
  assert.equal(stopped, false);
});

test("a page opened while the button is open does not announce it", () => {
  let opened = 0;
  const elements = { section: element(), countdown: element(), note: element(), join: element() };
  const i18n = /** @type {any} */ ({ t: en.t, format: "en", onChange: () => {} });
  const info = /** @type {any} */ ({ startsAt: STARTS_AT.toISOString(), durationMinutes: 45, joinUrl: JOIN_URL });
  /** @type {() => void} */
  let tick = () => {};
  createQuietWindow(elements, info, i18n, () => (opened += 1), {
    now: () => before(60),
    every: (callback) => {
      tick = callback;
      return () => {};
    },
  });
  tick();
  assert.equal(opened, 0);
  assert.equal(elements.join.hidden, false);
});
