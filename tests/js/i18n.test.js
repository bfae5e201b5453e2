// The page's language: which one the candidate gets, how dates are written in it, and texts with
// their values filled in.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import { createTranslator, formattingLocale, resolveLocale } from "../../widget/js/i18n.js";

test("the candidate's own choice comes first, then the check's, then the browser's", () => {
  assert.equal(resolveLocale("sv", "en", "en-US"), "sv");
  assert.equal(resolveLocale(null, "sv", "en-US"), "sv");
  assert.equal(resolveLocale(null, "de", "sv-SE", "en"), "sv", "an unsupported check locale is passed over");
  assert.equal(resolveLocale(undefined, "", "fr-FR", "en-GB"), "en");
});

test("regional tags and odd spellings find their language", () => {
  assert.equal(resolveLocale("SV_se"), "sv");
  assert.equal(resolveLocale("en-AU"), "en");
});

test("without a language it knows, the page is in English", () => {
  assert.equal(resolveLocale("de", "fr", "ja-JP"), "en");
  assert.equal(resolveLocale(), "en");
  assert.equal(resolveLocale(null, undefined), "en");
});

test("dates follow the browser's region of the page's language", () => {
  assert.equal(formattingLocale("en", ["en-GB", "sv-SE"]), "en-GB");
  assert.equal(formattingLocale("sv", ["en-GB", "sv-FI"]), "sv-FI");
  assert.equal(formattingLocale("sv", ["en-US"]), "sv", "no Swedish region: plain Swedish");
  assert.equal(formattingLocale("en", ["en_us"]), "en", "a tag the browser would never send");
  assert.equal(formattingLocale("en", []), "en");
});

test("a text with its values filled in; a value the text does not name is left out", () => {
  const { t, has } = createTranslator({
    "quiet.countdown": "The interview starts in {time}.",
    "message.waiting": "Busy: again in {seconds} seconds ({seconds}).",
  });
  assert.equal(t("quiet.countdown", { time: "4 minutes" }), "The interview starts in 4 minutes.");
  assert.equal(t("message.waiting", { seconds: 3, other: "x" }), "Busy: again in 3 seconds (3).");
  assert.equal(t("quiet.countdown"), "The interview starts in {time}.", "an unfilled value shows");
  assert.equal(has("quiet.countdown"), true);
});

test("a key no catalog has shows as itself, never as nothing", () => {
  const { t, has } = createTranslator({ "not.a.text": 5, toString: "x" });
  assert.equal(t("status.pass"), "status.pass");
  assert.equal(has("not.a.text"), false);
  assert.equal(t("not.a.text"), "not.a.text");
  assert.equal(t("constructor"), "constructor", "nothing inherited counts");
  assert.equal(has("hasOwnProperty"), false);
});

test("both catalogs fill the same texts, each in its language", () => {
  /** @param {string} locale */
  const load = (locale) =>
    createTranslator(JSON.parse(readFileSync(new URL(`../../widget/i18n/${locale}.json`, import.meta.url), "utf8")));
  const en = load("en");
  const sv = load("sv");
  const params = { check: "Camera", status: "Looks good" };
  assert.equal(en.t("announce.result", params), "Camera: Looks good");
  assert.equal(en.t("action.start"), "Start the check");
  assert.equal(sv.t("action.start"), "Starta kollen");
});
