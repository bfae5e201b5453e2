// @ts-check
// When the interview is, in words: its start in the candidate's own time zone and in the
// interview's, its length, and the quiet window around it (when the Join button is open).
// Pure functions over dates; every word comes from Intl in the page's language.

/** The Join button opens this long before the start, and stays open until the interview ends. */
export const JOIN_OPENS_MINUTES = 10;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * @typedef {object} JoinWindow
 * @property {"early" | "open" | "ended"} state
 * @property {Date} opensAt
 * @property {Date} endsAt
 * @property {number} untilStartMs negative once the interview has started
 */

/**
 * Where `now` falls around the interview; null when the start is unknown.
 * @param {Date | null} startsAt
 * @param {number} durationMinutes
 * @param {Date} now
 * @returns {JoinWindow | null}
 */
export function joinWindow(startsAt, durationMinutes, now) {
  if (!startsAt || Number.isNaN(startsAt.getTime())) return null;
  const start = startsAt.getTime();
  const opensAt = new Date(start - JOIN_OPENS_MINUTES * MINUTE_MS);
  const endsAt = new Date(start + Math.max(0, durationMinutes) * MINUTE_MS);
  const at = now.getTime();
  const state = at < opensAt.getTime() ? "early" : at < endsAt.getTime() ? "open" : "ended";
  return { state, opensAt, endsAt, untilStartMs: start - at };
}

/**
 * A date from an ISO 8601 string, or null.
 * @param {string} iso
 * @returns {Date | null}
 */
export function parseDate(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** The time zone this browser is set to (the candidate's own). */
export function ownTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

/**
 * The day and time of `date`, with the zone's short name: "Tuesday 3 June at 14:00 CEST".
 * @param {Date} date
 * @param {string} locale
 * @param {string} [timeZone] IANA name; the browser's when omitted
 */
export function formatStart(date, locale, timeZone) {
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/**
 * A clock time, with the weekday when the day may matter: "Tuesday 13:00".
 * @param {Date} date
 * @param {string} locale
 * @param {string} [timeZone]
 * @param {boolean} [withDay]
 */
export function formatTime(date, locale, timeZone, withDay = false) {
  return new Intl.DateTimeFormat(locale, {
    ...(withDay ? { weekday: "long" } : {}),
    hour: "numeric",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/**
 * Whether two instants fall on the same calendar day in a zone.
 * @param {Date} a
 * @param {Date} b
 * @param {string} [timeZone] IANA name; the browser's when omitted
 */
export function sameDay(a, b, timeZone) {
  const day = new Intl.DateTimeFormat("en", {
    year: "numeric",
    month: "numeric",
    day: "numeric",
    ...(timeZone ? { timeZone } : {}),
  });
  return day.format(a) === day.format(b);
}

/**
 * Whether two zones read a different clock or day at `date` (Stockholm and Berlin do not).
 * @param {Date} date
 * @param {string} zoneA
 * @param {string} zoneB
 * @param {boolean} [dayOnly] compare the calendar day only
 */
export function zonesDiffer(date, zoneA, zoneB, dayOnly = false) {
  if (!zoneA || !zoneB || zoneA === zoneB) return false;
  const wall = (/** @type {string} */ timeZone) =>
    new Intl.DateTimeFormat("en", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      ...(dayOnly ? {} : { hour: "numeric", minute: "numeric" }),
    }).format(date);
  try {
    return wall(zoneA) !== wall(zoneB);
  } catch {
    return false;
  }
}

/**
 * The place an IANA zone is named after: "Europe/New_York" -> "New York".
 * @param {string} timeZone
 */
export function zonePlace(timeZone) {
  const last = timeZone.split("/").pop() ?? timeZone;
  return last.replace(/_/g, " ");
}

/**
 * A span of time in the locale's words, to the two largest units: "2 hours, 5 minutes".
 * Under an hour it counts seconds too, for the last minutes before the start.
 * @param {number} ms
 * @param {string} locale
 */
export function formatSpan(ms, locale) {
  const total = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  /** @type {[number, string][]} */
  let parts;
  if (ms >= DAY_MS) parts = [[days, "day"], [hours, "hour"]];
  else if (ms >= HOUR_MS) parts = [[hours, "hour"], [minutes, "minute"]];
  else parts = [[minutes, "minute"], [seconds, "second"]];
  const words = parts
    .filter(([value], index) => value > 0 || (index === 0 && parts[1][0] === 0))
    .map(([value, unit]) =>
      new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "long" }).format(value),
    );
  return joinUnits(words, locale);
}

/**
 * A length in minutes as words: "45 minutes", "1 hour, 30 minutes".
 * @param {number} minutes
 * @param {string} locale
 */
export function formatDuration(minutes, locale) {
  return formatSpan(minutes * MINUTE_MS, locale);
}

/**
 * @param {string[]} words
 * @param {string} locale
 */
function joinUnits(words, locale) {
  if (typeof Intl.ListFormat !== "function") return words.join(" ");
  return new Intl.ListFormat(locale, { style: "long", type: "unit" }).format(words);
}
