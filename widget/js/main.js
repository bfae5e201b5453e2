// @ts-check
// The check page: loads the check's info and language, welcomes the candidate (the interview, the
// quiet window), runs the check when Start is clicked (run.js), and ends with the optional
// feedback. The language can be switched at any step.

import { ApiError, checkEndpoints, fetchCheckInfo, postFeedback, withTimeout } from "./api.js";
import { createFeedback } from "./feedback.js";
import { chosenLocale, loadI18n, resolveLocale } from "./i18n.js";
import { detectUnsupported } from "./media.js";
import { createQuietWindow } from "./quiet.js";
import { createCheckRun } from "./run.js";
import { createView } from "./view.js";
import { renderWelcome } from "./welcome.js";

/** @typedef {import("./api.js").CheckInfo} CheckInfo */
/** @typedef {import("./i18n.js").I18n} I18n */

const INFO_TIMEOUT_MS = 5000;

boot().catch((error) => {
  console.error("Greenroom check page failed to start", error);
  document.querySelector("main")?.removeAttribute("aria-busy");
});

async function boot() {
  const endpoints = checkEndpoints(location.pathname);
  /** @type {CheckInfo | null} */
  let info = null;
  /** @type {unknown} */
  let infoError = null;
  try {
    info = await withTimeout(fetchCheckInfo(endpoints.info), INFO_TIMEOUT_MS);
  } catch (error) {
    infoError = error;
  }
  const locale = resolveLocale(chosenLocale(), info?.locale, ...(navigator.languages ?? []));
  const i18n = await loadI18n(locale, document);
  mountCheckPage({ root: document, i18n, endpoints, info, infoError });
}

/**
 * @param {object} page
 * @param {Document} page.root
 * @param {I18n} page.i18n
 * @param {ReturnType<typeof checkEndpoints>} page.endpoints
 * @param {CheckInfo | null} page.info
 * @param {unknown} page.infoError
 */
function mountCheckPage({ root, i18n, endpoints, info, infoError }) {
  const { t } = i18n;
  const view = createView(root, i18n);
  const { ui, showStep, announce } = view;
  const feedback = createFeedback(
    {
      form: ui.feedback,
      comment: ui.feedbackComment,
      error: ui.feedbackError,
      send: ui.sendFeedback,
      thanks: ui.feedbackThanks,
    },
    i18n,
    (body) => postFeedback(endpoints.feedback, body),
  );

  ui.language.value = i18n.locale;
  ui.language.addEventListener("change", () => void i18n.switchTo(ui.language.value));
  i18n.onChange(() => {
    ui.language.value = i18n.locale;
    if (info) renderWelcome(ui, info, i18n);
  });
  ui.main.removeAttribute("aria-busy");

  if (!info) {
    showLoadError(infoError);
    return;
  }
  renderWelcome(ui, info, i18n);
  ui.quiet.hidden = false;
  createQuietWindow(
    { section: ui.quiet, countdown: ui.countdown, note: ui.joinNote, join: ui.join },
    info,
    i18n,
    () => announce([t("quiet.opened")]),
  );

  const check = createCheckRun({ root, view, i18n, endpoints, info });
  for (const button of [ui.start, ui.tryAgain, ui.checkAgain]) {
    button.addEventListener("click", () => check.start());
  }
  ui.finish.addEventListener("click", finish);
  ui.continueAnyway.addEventListener("click", finish);
  window.addEventListener("pagehide", () => check.end());
  window.addEventListener("pageshow", (event) => event.persisted && location.reload());

  const unsupported = detectUnsupported();
  if (unsupported) check.unsupported(unsupported);
  else ui.start.disabled = false;

  /** On to the quiet window and the question: the candidate can always go on. */
  function finish() {
    if (check.busy()) return;
    check.end();
    feedback.offer(check.attemptId());
    showStep("done");
  }

  /** @param {unknown} error why the check info could not be loaded */
  function showLoadError(error) {
    const gone = error instanceof ApiError && error.status === 404;
    const server = error instanceof ApiError ? "message.server" : "message.unreachable";
    view.showLoadError(gone ? "message.link_invalid" : server, !gone);
    ui.reload.addEventListener("click", () => location.reload());
  }
}
