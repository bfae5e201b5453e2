// @ts-check
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
 * @param {import("./view.js").Elements} ui
 * @param {CheckInfo} info
 * @param {I18n} i18n
 */
export function renderWelcome(ui, info, i18n) {
  const { t, format } = i18n;

  const greeting = ui.greeting;
  const name = info.candidateName.split(/\s+/)[0] ?? "";
  if (name && info.organisation) {
    setText(greeting, t, "welcome.greeting_org", { name, organisation: info.organisation });
  } else if (name) {
    setText(greeting, t, "welcome.greeting", { name });
  } else if (info.organisation) {
    setText(greeting, t, "welcome.invited", { organisation: info.organisation });
  }
  greeting.hidden = !name && !info.organisation;

  const title = ui.interviewTitle;
  if (info.title) {
    delete title.dataset.i18n;
    title.textContent = info.title;
  } else {
    setText(title, t, "interview.untitled");
  }

  const startsAt = parseDate(info.startsAt);
  ui.whenRow.hidden = !startsAt;
  if (startsAt) {
    const own = ownTimeZone();
    const differ = zonesDiffer(startsAt, own, info.timeZone);
    const when = formatStart(startsAt, format);
    ui.interviewWhen.textContent = differ ? t("interview.your_time", { when }) : when;
    const other = ui.interviewZone;
    other.hidden = !differ;
    if (differ) {
      other.textContent = t("interview.other_zone", {
        time: formatTime(startsAt, format, info.timeZone, zonesDiffer(startsAt, own, info.timeZone, true)),
        place: zonePlace(info.timeZone),
      });
    }
  }

  ui.durationRow.hidden = !(info.durationMinutes > 0);
  ui.interviewDuration.textContent =
    info.durationMinutes > 0 ? formatDuration(info.durationMinutes, format) : "";

  ui.interviewersRow.hidden = info.interviewers.length === 0;
  ui.interviewers.textContent = listOf(info.interviewers, format);

  ui.agendaBlock.hidden = info.agenda.length === 0;
  ui.agenda.replaceChildren(
    ...info.agenda.map((item) => {
      const li = ui.agenda.ownerDocument.createElement("li");
      li.textContent = item;
      return li;
    }),
  );
  ui.interview.hidden = false;
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
