// @ts-check
// Text catalogs (widget/i18n/<locale>.json, flat "key": "text") and filling the page from them.
// The language can change while the page is open: every text set through setText, and every
// element marked data-i18n, is translated again; listeners redo what they computed with Intl.

/** @typedef {(key: string, params?: Record<string, string | number>) => string} Translate */

export const SUPPORTED_LOCALES = Object.freeze(["en", "sv"]);
const FALLBACK_LOCALE = "en";
const CHOSEN_KEY = "greenroom.locale";

/**
 * The first supported language among, in order: the one the candidate chose on this device,
 * the check's locale, the browser's languages; else English.
 * @param {(string | null | undefined)[]} tags
 * @returns {string}
 */
export function resolveLocale(...tags) {
  for (const tag of tags) {
    const language = supportedLanguage(tag);
    if (language) return language;
  }
  return FALLBACK_LOCALE;
}

/**
 * The supported language `tag` is in ("sv-SE" is "sv"), or null.
 * @param {string | null | undefined} tag
 * @returns {string | null}
 */
export function supportedLanguage(tag) {
  const language = baseLanguage(tag);
  return SUPPORTED_LOCALES.includes(language) ? language : null;
}

/**
 * The tag to format dates and numbers with: the browser's own regional variant of `language`
 * when it has one (en-GB writes "3 June, 14:00"), else the language itself.
 * @param {string} language
 * @param {readonly string[]} browserLanguages navigator.languages
 */
export function formattingLocale(language, browserLanguages) {
  const regional = browserLanguages.find((tag) => baseLanguage(tag) === language);
  if (!regional) return language;
  try {
    return Intl.getCanonicalLocales(regional)[0] ?? language;
  } catch {
    return language;
  }
}

/** @returns {string | null} the language chosen on this device earlier, if storage allows */
export function chosenLocale() {
  try {
    return localStorage.getItem(CHOSEN_KEY);
  } catch {
    return null;
  }
}

/** @param {string} locale */
function rememberLocale(locale) {
  try {
    localStorage.setItem(CHOSEN_KEY, locale);
  } catch {
    // Storage blocked (a third-party frame, private mode): the choice lasts for this page only.
  }
}

/**
 * @typedef {object} I18n
 * @property {string} locale the catalog's language
 * @property {string} format the tag dates and numbers are formatted with
 * @property {Translate} t
 * @property {(key: string) => boolean} has
 * @property {(locale: string, options?: {remember?: boolean}) => Promise<void>} switchTo loads a
 *   language, retranslates the page, remembers the choice (unless it was not the candidate's:
 *   remember false) and tells the listeners
 * @property {(listener: () => void) => void} onChange
 */

/**
 * Loads the catalog of `locale` (English when it cannot be loaded) and fills `root` from it.
 * @param {string} locale
 * @param {Document} root
 * @returns {Promise<I18n>}
 */
export async function loadI18n(locale, root) {
  /** @type {(() => void)[]} */
  const listeners = [];
  let translator = createTranslator({});
  /** @type {I18n} */
  const i18n = {
    locale: FALLBACK_LOCALE,
    format: FALLBACK_LOCALE,
    t: (key, params) => translator.t(key, params),
    has: (key) => translator.has(key),
    async switchTo(wanted, { remember = true } = {}) {
      await use(wanted);
      if (remember) rememberLocale(i18n.locale);
      for (const listener of listeners) listener();
    },
    onChange: (listener) => void listeners.push(listener),
  };

  /** @param {string} wanted */
  async function use(wanted) {
    let loaded = wanted;
    let catalog = await fetchCatalog(loaded);
    if (!catalog && loaded !== FALLBACK_LOCALE) {
      loaded = FALLBACK_LOCALE;
      catalog = await fetchCatalog(loaded);
    }
    translator = createTranslator(catalog ?? {});
    i18n.locale = loaded;
    i18n.format = formattingLocale(loaded, navigator.languages ?? [navigator.language]);
    root.documentElement.lang = loaded;
    applyTranslations(root, i18n.t);
  }

  await use(locale);
  return i18n;
}

/**
 * @param {Record<string, unknown>} catalog
 * @returns {{t: Translate, has: (key: string) => boolean}}
 */
export function createTranslator(catalog) {
  /** @param {string} key */
  const has = (key) =>
    Object.prototype.hasOwnProperty.call(catalog, key) && typeof catalog[key] === "string";
  /** @type {Translate} */
  const t = (key, params = {}) => {
    if (!has(key)) return key;
    return String(catalog[key]).replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
    );
  };
  return { t, has };
}

/**
 * Fills every `[data-i18n]` element's text (with optional JSON `data-i18n-params`) and every
 * `[data-i18n-label]` element's aria-label under `root`.
 * @param {ParentNode} root
 * @param {Translate} t
 */
export function applyTranslations(root, t) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    const el = /** @type {HTMLElement} */ (element);
    el.textContent = t(el.dataset.i18n ?? "", parseParams(el.dataset.i18nParams));
  }
  for (const element of root.querySelectorAll("[data-i18n-label]")) {
    const el = /** @type {HTMLElement} */ (element);
    el.setAttribute("aria-label", t(el.dataset.i18nLabel ?? ""));
  }
}

/**
 * Sets an element's text from a key and remembers the key, so applyTranslations can redo it.
 * @param {HTMLElement} element
 * @param {Translate} t
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function setText(element, t, key, params) {
  element.dataset.i18n = key;
  if (params) element.dataset.i18nParams = JSON.stringify(params);
  else delete element.dataset.i18nParams;
  element.textContent = t(key, params);
}

/** @param {string | null | undefined} tag */
function baseLanguage(tag) {
  return typeof tag === "string" ? tag.toLowerCase().split(/[-_]/)[0] : "";
}

/**
 * @param {string} locale
 * @returns {Promise<Record<string, unknown> | null>}
 */
async function fetchCatalog(locale) {
  try {
    const response = await fetch(new URL(`../i18n/${locale}.json`, import.meta.url));
    if (!response.ok) return null;
    const catalog = await response.json();
    return typeof catalog === "object" && catalog !== null ? catalog : null;
  } catch {
    return null;
  }
}

/**
 * @param {string | undefined} json
 * @returns {Record<string, string | number>}
 */
function parseParams(json) {
  if (!json) return {};
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}
