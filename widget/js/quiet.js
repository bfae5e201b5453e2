// The quiet window: a countdown to the interview and the "Join interview" button, open from
// JOIN_OPENS_MINUTES before the start until the interview's end. Before that the page says when
// it opens; after the end, that the interview time has passed.

import { setText } from "./i18n.js";
import { JOIN_OPENS_MINUTES, formatSpan, formatTime, joinWindow, parseDate } from "./schedule.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").I18n} I18n */

const TICK_MS = 1000;

/**
 * @param {object} elements
 * @param {HTMLElement} elements.section
 * @param {HTMLElement} elements.countdown
 * @param {HTMLElement} elements.note
 * @param {HTMLAnchorElement} elements.join
 * @param {CheckInfo} info
 * @param {I18n} i18n
 * @param {() => void} onOpen the Join button has just opened (not called when it is open at start)
 */
export function createQuietWindow(elements, info, i18n, onOpen) {
  const { section, countdown, note, join } = elements;
  const startsAt = parseDate(info.startsAt);
  /** @type {string | null} */
  let lastState = null;

  if (info.joinUrl) join.href = info.joinUrl;

  function render() {
    const { t, format } = i18n;
    const now = new Date();
    const range = joinWindow(startsAt, info.durationMinutes, now);
    const state = range?.state ?? "unknown";
    section.dataset.state = state;

    countdown.hidden = !range || state === "ended";
    if (range && state !== "ended") {
      if (range.untilStartMs > 0) {
        setText(countdown, t, "quiet.countdown", { time: formatSpan(range.untilStartMs, format) });
      } else {
        setText(countdown, t, "quiet.started");
      }
    }

    const open = state === "open" || state === "unknown";
    join.hidden = !open || !info.joinUrl;
    if (state === "early" && range) {
      const sameDay = range.opensAt.toDateString() === now.toDateString();
      setText(note, t, "quiet.opens_at", {
        time: formatTime(range.opensAt, format, undefined, !sameDay),
        minutes: JOIN_OPENS_MINUTES,
      });
    } else if (state === "ended") {
      setText(note, t, "quiet.ended");
    } else if (!info.joinUrl) {
      setText(note, t, "quiet.no_link");
    }
    note.hidden = open && Boolean(info.joinUrl);

    if (lastState === "early" && state === "open") onOpen();
    lastState = state;
  }

  render();
  const timer = setInterval(render, TICK_MS);
  i18n.onChange(render);
  return { stop: () => clearInterval(timer) };
}
