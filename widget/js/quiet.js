// @ts-check
// The quiet window: a countdown to the interview and the "Join interview" button, open from
// JOIN_OPENS_MINUTES before the start until the interview's end. Before that the page says when
// it opens; after the end, that the interview time has passed. The clock is injected: tests set
// `now`, the page uses the browser's.

import { setText } from "./i18n.js";
import {
  JOIN_OPENS_MINUTES,
  formatSpan,
  formatTime,
  joinWindow,
  parseDate,
  sameDay,
} from "./schedule.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").I18n} I18n */
/** @typedef {{key: string, params?: Record<string, string | number>}} Text */
/** @typedef {() => Date} Clock */

const TICK_MS = 1000;

/**
 * What the quiet window shows at `now`: its state, the countdown and the note as catalog keys
 * (null: hidden), and whether the Join button is shown.
 * @param {{startsAt: Date | null, durationMinutes: number, joinUrl: string | null}} interview
 * @param {Date} now
 * @param {string} locale the tag dates and numbers are formatted with
 * @param {string} [timeZone] IANA name; the browser's own when omitted (as on the page)
 * @returns {{state: "early" | "open" | "ended" | "unknown", countdown: Text | null,
 *   note: Text | null, join: boolean}}
 */
export function quietWindowAt({ startsAt, durationMinutes, joinUrl }, now, locale, timeZone) {
  const range = joinWindow(startsAt, durationMinutes, now);
  const state = range?.state ?? "unknown";
  /** @type {Text | null} */
  let countdown = null;
  if (range && state !== "ended") {
    countdown =
      range.untilStartMs > 0
        ? { key: "quiet.countdown", params: { time: formatSpan(range.untilStartMs, locale) } }
        : { key: "quiet.started" };
  }
  const open = state === "open" || state === "unknown";
  /** @type {Text | null} */
  let note = null;
  if (state === "early" && range) {
    const time = formatTime(range.opensAt, locale, timeZone, !sameDay(range.opensAt, now, timeZone));
    note = { key: "quiet.opens_at", params: { time, minutes: JOIN_OPENS_MINUTES } };
  } else if (state === "ended") {
    note = { key: "quiet.ended" };
  } else if (!joinUrl) {
    note = { key: "quiet.no_link" };
  }
  return { state, countdown, note, join: open && Boolean(joinUrl) };
}

/**
 * @param {object} elements
 * @param {HTMLElement} elements.section
 * @param {HTMLElement} elements.countdown
 * @param {HTMLElement} elements.note
 * @param {HTMLAnchorElement} elements.join
 * @param {CheckInfo} info
 * @param {I18n} i18n
 * @param {() => void} onOpen the Join button has just opened (not called when it is open at start)
 * @param {{now?: Clock, every?: (tick: () => void, ms: number) => () => void}} [clock] the
 *   time, and a ticker that returns its stop; the browser's by default
 */
export function createQuietWindow(elements, info, i18n, onOpen, clock = {}) {
  const { now = () => new Date(), every = tickEvery } = clock;
  const { section, countdown, note, join } = elements;
  const interview = {
    startsAt: parseDate(info.startsAt),
    durationMinutes: info.durationMinutes,
    joinUrl: info.joinUrl,
  };
  /** @type {string | null} */
  let lastState = null;

  if (info.joinUrl) join.href = info.joinUrl;

  function render() {
    const shown = quietWindowAt(interview, now(), i18n.format);
    section.dataset.state = shown.state;
    show(countdown, shown.countdown);
    show(note, shown.note);
    join.hidden = !shown.join;
    if (lastState === "early" && shown.state === "open") onOpen();
    lastState = shown.state;
  }

  /**
   * @param {HTMLElement} element
   * @param {Text | null} text
   */
  function show(element, text) {
    element.hidden = !text;
    if (text) setText(element, i18n.t, text.key, text.params);
  }

  render();
  const stop = every(render, TICK_MS);
  i18n.onChange(render);
  return { stop, render };
}

/**
 * @param {() => void} tick
 * @param {number} ms
 */
function tickEvery(tick, ms) {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
}
