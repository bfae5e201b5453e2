// @ts-check
// The one optional question after the check: "How easy was it to get ready?" (1-5) and a
// comment, sent with the attempt it is about.

import { setText } from "./i18n.js";

/** @typedef {import("./i18n.js").I18n} I18n */

const MAX_COMMENT = 1000;

/**
 * @param {object} elements
 * @param {HTMLFormElement} elements.form
 * @param {HTMLTextAreaElement} elements.comment
 * @param {HTMLElement} elements.error
 * @param {HTMLButtonElement} elements.send
 * @param {HTMLElement} elements.thanks
 * @param {I18n} i18n
 * @param {(body: {attempt_id: string, ease: number, comment?: string}) => Promise<void>} post
 */
export function createFeedback(elements, i18n, post) {
  const { form, comment, error, send, thanks } = elements;
  /** @type {string | null} */
  let attemptId = null;
  const choices = () => /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll('input[name="ease"]')]);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!attemptId || send.disabled) return;
    const ease = Number(choices().find((input) => input.checked)?.value ?? 0);
    if (!ease) {
      showError("feedback.choose");
      choices()[0].focus();
      return;
    }
    send.disabled = true;
    error.hidden = true;
    const text = cleanComment(comment.value);
    try {
      await post({ attempt_id: attemptId, ease, ...(text ? { comment: text } : {}) });
    } catch {
      send.disabled = false;
      showError("feedback.failed");
      send.focus();
      return;
    }
    form.hidden = true;
    thanks.hidden = false;
    thanks.focus();
  });
  for (const input of choices()) input.addEventListener("change", () => (error.hidden = true));

  /** @param {string} key */
  function showError(key) {
    setText(error, i18n.t, key);
    error.hidden = false;
  }

  return {
    /**
     * Asks the question about this attempt; nothing to ask without one.
     * @param {string | null} attempt
     */
    offer(attempt) {
      attemptId = attempt;
      form.reset();
      form.hidden = !attempt;
      error.hidden = true;
      send.disabled = false;
      thanks.hidden = true;
    },
  };
}

/**
 * The comment as the server takes it: text without control characters (tabs become spaces;
 * line breaks stay), trimmed, at most MAX_COMMENT characters.
 * @param {string} value
 */
export function cleanComment(value) {
  const text = value
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, " ")
    .trim();
  return [...text].slice(0, MAX_COMMENT).join("").trim();
}
