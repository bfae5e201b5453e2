// Text catalogs (widget/i18n/<locale>.json, flat "key": "text") and filling the page from them.

/** @typedef {(key: string, params?: Record<string, string | number>) => string} Translate */

export const SUPPORTED_LOCALES = Object.freeze(["en", "sv"]);
const FALLBACK_LOCALE = "en";

/**
 * The first supported language among the check's own locale and the browser's, else English.
 * @param {string | undefined} checkLocale the `locale` from the check info
 * @param {string | undefined} browserLanguage navigator.language
 * @returns {string}
 */
export function resolveLocale(checkLocale, browserLanguage) {
  for (const tag of [checkLocale, browserLanguage]) {
    const language = typeof tag === "string" ? tag.toLowerCase().split(/[-_]/)[0] : "";
    if (SUPPORTED_LOCALES.includes(language)) return language;
  }
  return FALLBACK_LOCALE;
}

/**
 * Loads a catalog (falling back to English if it cannot be loaded).
 * @param {string} locale
 * @returns {Promise<{locale: string, t: Translate, has: (key: string) => boolean}>}
 */
export async function loadTranslator(locale) {
  let catalog = await fetchCatalog(locale);
  if (!catalog && locale !== FALLBACK_LOCALE) {
    locale = FALLBACK_LOCALE;
    catalog = await fetchCatalog(locale);
  }
  return { locale, ...createTranslator(catalog ?? {}) };
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
