// @ts-check
/**
 * Keeps the board's rows current: each `check` event from /dashboard/events carries a row as
 * the server renders it. One polite status region announces changes; the rows stay silent.
 */

/**
 * @typedef {{check_id: string, status: string, row: string, announce: string}} CheckChange
 */

/**
 * Replaces every row of the check with the new one; a row that is no longer at risk leaves
 * the at-risk table.
 * @param {ParentNode} root
 * @param {CheckChange} change
 * @returns {number} how many rows changed
 */
export function applyChange(root, change) {
  let changed = 0;
  for (const old of root.querySelectorAll(`tr[data-check-id="${CSS.escape(change.check_id)}"]`)) {
    const body = old.ownerDocument.createElement("tbody");
    body.innerHTML = change.row;
    const fresh = body.firstElementChild;
    if (!fresh) continue;
    const table = old.closest("table");
    const badge = fresh.querySelector('[data-testid="status-badge"]');
    if (table?.dataset.table === "at-risk" && badge?.getAttribute("data-at-risk") !== "true") {
      old.remove();
      if (table.querySelector("tbody tr") === null) {
        const none = old.ownerDocument.createElement("p");
        none.textContent = table.dataset.empty ?? "";
        table.replaceWith(none);
      }
    } else {
      old.replaceWith(fresh);
    }
    changed += 1;
  }
  return changed;
}

/**
 * @param {Document} doc
 * @param {typeof EventSource} Source
 */
export function follow(doc, Source) {
  const status = doc.getElementById("live-status");
  const source = new Source("/dashboard/events");
  source.addEventListener("check", (event) => {
    const change = /** @type {CheckChange} */ (JSON.parse(/** @type {MessageEvent} */ (event).data));
    if (applyChange(doc, change) > 0 && status) status.textContent = change.announce;
  });
  // Too much was missed to replay: the page as it is now is the answer.
  source.addEventListener("reload", () => {
    source.close();
    doc.location.reload();
  });
  return source;
}

if (typeof document !== "undefined" && typeof EventSource !== "undefined") {
  follow(document, EventSource);
}
