// The welcome step: who invited the candidate, what the interview is, when it starts in their
// own time (and in the interview's, when the clocks differ), how long it lasts, whom they will
// meet and the agenda. Redrawn when the language changes.

import { setText } from "./i18n.js";
import {
  formatDuration,
  formatStart,
  formatTime,
  ownTimeZone,
  parseDate,
  zonePlace,
  zonesDiffer,
} from "./schedule.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").I18n} I18n */

/**
 * @param {Document} root
 * @param {CheckInfo} info
 * @param {I18n} i18n
 */
export function renderWelcome(root, info, i18n) {
  const { t, format } = i18n;
  /** @param {string} ref */
  const el = (ref) => /** @type {HTMLElement} */ (root.querySelector(`[data-ref="${ref}"]`));

  const greeting = el("greeting");
  const name = info.candidateName.split(/\s+/)[0] ?? "";
  if (name && info.organisation) {
    setText(greeting, t, "welcome.greeting_org", { name, organisation: info.organisation });
  } else if (name) {
    setText(greeting, t, "welcome.greeting", { name });
  } else if (info.organisation) {
    setText(greeting, t, "welcome.invited", { organisation: info.organisation });
  }
  greeting.hidden = !name && !info.organisation;

  const title = el("interview-title");
  if (info.title) {
    delete title.dataset.i18n;
    title.textContent = info.title;
  } else {
    setText(title, t, "interview.untitled");
  }

  const startsAt = parseDate(info.startsAt);
  el("when-row").hidden = !startsAt;
  if (startsAt) {
    const own = ownTimeZone();
    const differ = zonesDiffer(startsAt, own, info.timeZone);
    const when = formatStart(startsAt, format);
    el("interview-when").textContent = differ ? t("interview.your_time", { when }) : when;
    const other = el("interview-zone");
    other.hidden = !differ;
    if (differ) {
      other.textContent = t("interview.other_zone", {
        time: formatTime(startsAt, format, info.timeZone, zonesDiffer(startsAt, own, info.timeZone, true)),
        place: zonePlace(info.timeZone),
      });
    }
  }

  el("duration-row").hidden = !(info.durationMinutes > 0);
  el("interview-duration").textContent =
    info.durationMinutes > 0 ? formatDuration(info.durationMinutes, format) : "";

  el("interviewers-row").hidden = info.interviewers.length === 0;
  el("interviewers").textContent = listOf(info.interviewers, format);

  el("agenda-block").hidden = info.agenda.length === 0;
  el("agenda").replaceChildren(
    ...info.agenda.map((item) => {
      const li = root.createElement("li");
      li.textContent = item;
      return li;
    }),
  );
  el("interview").hidden = false;
}

/**
 * "Sam, Kim and Alex", in the page's language.
 * @param {string[]} names
 * @param {string} locale
 */
function listOf(names, locale) {
  if (typeof Intl.ListFormat !== "function") return names.join(", ");
  return new Intl.ListFormat(locale, { style: "long", type: "conjunction" }).format(names);
}
