// @ts-check
/** "Copy link" buttons: `data-copy` names the input whose value is copied. */

/** @param {Document} doc */
export function wireCopyButtons(doc) {
  for (const button of doc.querySelectorAll("button[data-copy]")) {
    if (!(button instanceof HTMLButtonElement)) continue;
    button.addEventListener("click", async () => {
      const input = doc.getElementById(button.dataset.copy ?? "");
      if (!(input instanceof HTMLInputElement)) return;
      const status = button.parentElement?.querySelector(".copy-status");
      try {
        await navigator.clipboard.writeText(input.value);
      } catch {
        // No clipboard permission (e.g. not a secure context): select it for Ctrl+C instead.
        input.select();
        return;
      }
      if (status) status.textContent = button.dataset.copied ?? "";
    });
  }
}

if (typeof document !== "undefined") wireCopyButtons(document);
