// @ts-check
// The check page: loads the check's info and language, welcomes the candidate (the interview, the
// quiet window), runs the check when Start is clicked (run.js), and ends with the optional
// feedback. The language can be switched at any step. Framed by a vendor's page through
// embed.js, it tells that page how the check goes (host.js).

import { ApiError, checkEndpoints, fetchCheckInfo, postFeedback, withTimeout } from "./api.js";
import { createFeedback } from "./feedback.js";
import { connectHost, readLocaleParam, reportHeight } from "./host.js";
import { chosenLocale, loadI18n, resolveLocale, supportedLanguage } from "./i18n.js";
import { detectUnsupported, frameContext } from "./media.js";
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
  // Before anything is awaited: the host's first message may come as soon as the page loads.
  const host = connectHost(window);
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
  // The candidate's own choice first; then the language the embedder asked for, then the check's.
  const locale = resolveLocale(
    chosenLocale(),
    readLocaleParam(location.search),
    info?.locale,
    ...(navigator.languages ?? []),
  );
  const i18n = await loadI18n(locale, document);
  mountCheckPage({ root: document, i18n, endpoints, info, infoError, host });
}

/**
 * @param {object} page
 * @param {Document} page.root
 * @param {I18n} page.i18n
 * @param {ReturnType<typeof checkEndpoints>} page.endpoints
 * @param {CheckInfo | null} page.info
 * @param {unknown} page.infoError
 * @param {import("./host.js").HostLink} page.host
 */
function mountCheckPage({ root, i18n, endpoints, info, infoError, host }) {
  const { t } = i18n;
  const view = createView(root, i18n, { framed: frameContext().framed, onStatus: host.progress });
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

  // Without the check's details the page cannot tell which embedders may hear it: it stays silent.
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

  const check = createCheckRun({ root, view, i18n, endpoints, info, host });
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

  reportHeight(root, host);
  host.listen({
    origins: info.embedOrigins,
    ready: () => ({ locale: i18n.locale, title: t("page.title") }),
    // As the Start button does; a browser that cannot run the check has no Start.
    onStart: () => void (unsupported || check.start()),
    onConfigure(locale) {
      const language = supportedLanguage(locale);
      // The embedder's language, for this page: the candidate has not chosen it.
      if (language && language !== i18n.locale) void i18n.switchTo(language, { remember: false });
    },
  });

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
