// @ts-check
// The check page's side of embedding (docs/embedding.md): framed with an embed_id, the page
// tells its host how the check goes (ready, progress, resize, result, error) and obeys start
// and configure. It learns who the host is from the host's first valid message (hello, start or
// configure): sent by window.parent, from an origin on the organisation's allow-list, in
// protocol v1, with this frame's embed_id. Until then it posts nothing, and it only ever posts
// to that origin, never to "*". A page that is not framed, or has no embed_id, says nothing.

import { CHECKS } from "./results.js";

/** @typedef {import("./results.js").Outcomes} Outcomes */
/** @typedef {import("./results.js").Overall} Overall */
/** @typedef {"hello" | "start" | "configure"} HostType */
/** @typedef {"ready" | "progress" | "resize" | "result" | "error"} PageType */
/**
 * @typedef {object} HostMessage
 * @property {HostType} type
 * @property {Record<string, unknown>} payload
 */
/**
 * @typedef {object} PageSide what the page gives the link once it can judge messages
 * @property {readonly string[]} origins the organisation's allowed embedders (embed_origins)
 * @property {() => Record<string, unknown>} ready the `ready` payload, as it is now
 * @property {() => void} onStart
 * @property {(locale: string) => void} onConfigure
 */

export const NS = "greenroom";
export const VERSION = 1;
/** @type {readonly string[]} */
const HOST_TYPES = Object.freeze(["hello", "start", "configure"]);
const EMBED_ID = /^[A-Za-z0-9_-]{16,64}$/;
const LOCALE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/;
/** Messages kept from before the page could judge them (it is still loading the check). */
const MAX_EARLY = 16;
/** What the page says before it knows whom to tell; beyond this, the oldest go. */
const MAX_OUTBOX = 200;
/** What each failure message of the page means to a host (the error's `code`). */
const FAILURES = Object.freeze({
  "message.browser": "unsupported",
  "message.connection": "connection",
  "message.server": "server",
  "message.link_invalid": "link_invalid",
});

/**
 * The frame's embed_id from its URL's query, or null when there is none of a sensible shape.
 * @param {string} search location.search
 * @returns {string | null}
 */
export function readEmbedId(search) {
  const id = new URLSearchParams(search).get("embed_id");
  return id !== null && EMBED_ID.test(id) ? id : null;
}

/**
 * The language the host asked for in the frame's URL (`locale`), or null.
 * @param {string} search location.search
 * @returns {string | null}
 */
export function readLocaleParam(search) {
  const locale = new URLSearchParams(search).get("locale");
  return locale !== null && isLocale(locale) ? locale : null;
}

/**
 * What a message from the host asks for, or null when it is not a message to obey.
 * @param {{data: unknown, origin: string, source: unknown}} event
 * @param {object} expected
 * @param {unknown} expected.parent the frame's parent window: no other may speak
 * @param {string} expected.embedId
 * @param {readonly string[]} expected.origins the allow-list
 * @param {string | null} expected.origin the host's origin once learned: then only that one
 * @returns {HostMessage | null}
 */
export function readHostMessage(event, { parent, embedId, origins, origin }) {
  if (!parent || event.source !== parent) return null;
  if (origin ? event.origin !== origin : !origins.includes(event.origin)) return null;
  const { data } = event;
  if (!isObject(data) || data.ns !== NS || data.v !== VERSION || data.embed_id !== embedId) {
    return null;
  }
  if (typeof data.type !== "string" || !HOST_TYPES.includes(data.type)) return null;
  const payload = data.payload === undefined ? {} : data.payload;
  if (!isObject(payload)) return null;
  if (data.type === "configure" && "locale" in payload && !isLocale(payload.locale)) return null;
  return { type: /** @type {HostType} */ (data.type), payload };
}

/**
 * A message of the protocol, from the page.
 * @param {string} embedId
 * @param {PageType} type
 * @param {Record<string, unknown>} payload
 */
export function pageMessage(embedId, type, payload) {
  return { ns: NS, v: VERSION, embed_id: embedId, type, payload };
}

/**
 * The `result` payload: references and codes, never what the candidate is called or said. The
 * reasons in the order the dashboard and its CSV list them (server/checks/readiness.py):
 * failures first, then warnings, then the rest, each once.
 * @param {{checkId: string | null, attemptId: string | null, overall: Overall, checks: Outcomes}} result
 */
export function resultPayload({ checkId, attemptId, overall, checks }) {
  const rank = (/** @type {string} */ status) => ({ fail: 0, warn: 1 })[status] ?? 2;
  const ordered = CHECKS.flatMap((name) =>
    checks[name].reasons.map((code) => ({ code, rank: rank(checks[name].status) })),
  ).sort((a, b) => a.rank - b.rank);
  return {
    check_id: checkId,
    attempt_id: attemptId,
    overall,
    // The check's status is its latest attempt's overall: this one's.
    status: overall,
    reasons: [...new Set(ordered.map(({ code }) => code))],
  };
}

/**
 * The `error` code for one of the page's failure messages.
 * @param {string} messageKey
 * @returns {string}
 */
export function failureCode(messageKey) {
  return Object.hasOwn(FAILURES, messageKey)
    ? /** @type {Record<string, string>} */ (FAILURES)[messageKey]
    : "failed";
}

/**
 * @typedef {object} HostLink
 * @property {boolean} framed whether there is a host to speak to at all
 * @property {(page: PageSide) => void} listen from now on, messages are judged (those that came
 *   while the page was loading too)
 * @property {(step: string, status: string) => void} progress sent when a step's status changes
 * @property {(payload: ReturnType<typeof resultPayload>) => void} result
 * @property {(code: string, reasons: string[]) => void} error
 * @property {(height: number) => void} resize the latest only is kept
 */

/**
 * The page's link to its host. Call before anything is awaited: the host's first message may
 * come as soon as the page has loaded, before its check's details have.
 * @param {Window} win
 * @returns {HostLink}
 */
export function connectHost(win) {
  const parent = win.parent;
  const found = parent && parent !== win ? readEmbedId(win.location.search) : null;
  if (!found) {
    const nothing = () => {};
    return { framed: false, listen: nothing, progress: nothing, result: nothing, error: nothing, resize: nothing };
  }
  const embedId = found;
  /** @type {string | null} the host's origin, once a message proved it */
  let origin = null;
  /** @type {PageSide | null} */
  let page = null;
  /** @type {MessageEvent[]} */
  let early = [];
  /** @type {{type: PageType, payload: Record<string, unknown>}[]} */
  let outbox = [];
  /** @type {Map<string, string>} each step's last status sent */
  const steps = new Map();
  /** @type {number | null} */
  let height = null;

  /**
   * @param {PageType} type
   * @param {Record<string, unknown>} payload
   */
  function post(type, payload) {
    if (origin) parent.postMessage(pageMessage(embedId, type, payload), origin);
  }

  /**
   * @param {PageType} type
   * @param {Record<string, unknown>} payload
   */
  function send(type, payload) {
    if (origin) return post(type, payload);
    outbox.push({ type, payload });
    if (outbox.length > MAX_OUTBOX) outbox.shift();
  }

  /** @param {MessageEvent} event */
  function receive(event) {
    if (!page) {
      if (early.length < MAX_EARLY) early.push(event);
      return;
    }
    const message = readHostMessage(event, { parent, embedId, origins: page.origins, origin });
    if (!message) return;
    const first = !origin;
    origin = event.origin;
    if (first || message.type === "hello") {
      post("ready", page.ready());
      const queued = outbox;
      outbox = [];
      for (const { type, payload } of queued) post(type, payload);
      if (height !== null) post("resize", { height });
    }
    if (message.type === "start") page.onStart();
    else if (message.type === "configure" && typeof message.payload.locale === "string") {
      page.onConfigure(message.payload.locale);
    }
  }

  win.addEventListener("message", receive);
  return {
    framed: true,
    listen(side) {
      page = side;
      const waiting = early;
      early = [];
      for (const event of waiting) receive(event);
    },
    progress(step, status) {
      if (steps.get(step) === status) return;
      steps.set(step, status);
      send("progress", { step, status });
    },
    result: (payload) => send("result", payload),
    error: (code, reasons) => send("error", { code, reasons: [...reasons] }),
    resize(next) {
      if (next === height) return;
      height = next;
      post("resize", { height });
    },
  };
}

/**
 * Tells `link` the document's height whenever it changes, so the host can size the frame to it.
 * The root element's own box: the frame's viewport would never let it shrink.
 * @param {Document} doc
 * @param {HostLink} link
 */
export function reportHeight(doc, link) {
  if (!link.framed || typeof ResizeObserver !== "function") return;
  const root = doc.documentElement;
  const measure = () => link.resize(Math.ceil(root.getBoundingClientRect().height));
  new ResizeObserver(measure).observe(root);
  measure();
}

/**
 * @param {unknown} value
 * @returns {value is string}
 */
function isLocale(value) {
  return typeof value === "string" && LOCALE.test(value);
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, any>}
 */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
