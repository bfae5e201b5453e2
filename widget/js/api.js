// @ts-check
// HTTP calls to the Greenroom server for one check link: the check's info, the WebRTC offer, and
// the result of a check that had to run in the browser alone.

/**
 * @typedef {object} CheckInfo
 * @property {string} title
 * @property {string} locale
 * @property {string} startsAt ISO 8601
 * @property {number} durationMinutes
 * @property {RTCIceServer[]} iceServers
 * @property {string} timeZone IANA name of the interview's own time zone, "" when not given
 * @property {string[]} agenda
 * @property {string[]} interviewers
 * @property {string | null} joinUrl an http(s) URL, or null
 * @property {string} candidateName
 * @property {string} organisation
 * @property {string[]} embedOrigins the origins allowed to frame the page (its host's must be one)
 */

/**
 * @typedef {object} Answer
 * @property {string} sdp
 * @property {"answer"} type
 * @property {string} sessionId
 */

/** An HTTP error answered by the server, with its `{"error": {"code", "message"}}` body if any. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code the error code from the body, or "" when the body had none
   * @param {string} message
   * @param {number} [retryAfterS] seconds from a Retry-After header, 0 when there was none
   */
  constructor(status, code, message, retryAfterS = 0) {
    super(message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
}

/** A busy server is asked again this many times before the page checks in the browser alone. */
export const BUSY_RETRIES = 3;
const MAX_RETRY_WAIT_MS = 8000;

/**
 * The server URLs of the check whose page is at `pathname` (`/c/<token>`).
 * The token is the last non-empty path segment, used as it appears (already URL-encoded).
 * @param {string} pathname
 * @returns {{info: string, offer: string, fallback: string, feedback: string}}
 */
export function checkEndpoints(pathname) {
  const segments = pathname.split("/").filter(Boolean);
  const token = segments[segments.length - 1] ?? "";
  const base = `/c/${token}`;
  return {
    info: `${base}/info`,
    offer: `${base}/offer`,
    fallback: `${base}/fallback`,
    feedback: `${base}/feedback`,
  };
}

/**
 * Loads the check's info. Rejects with ApiError on an HTTP error or a malformed body,
 * and with the fetch error (TypeError) when the server cannot be reached.
 * @param {string} url
 * @returns {Promise<CheckInfo>}
 */
export async function fetchCheckInfo(url) {
  const body = await requestJson(url, { method: "GET", cache: "no-store" });
  if (!isObject(body)) throw new ApiError(502, "bad_info", "malformed check info");
  return {
    title: typeof body.title === "string" ? body.title : "",
    locale: typeof body.locale === "string" ? body.locale : "",
    startsAt: typeof body.starts_at === "string" ? body.starts_at : "",
    durationMinutes: Number.isFinite(body.duration_minutes) ? body.duration_minutes : 0,
    iceServers: Array.isArray(body.ice_servers) ? body.ice_servers.filter(isIceServer) : [],
    timeZone: typeof body.time_zone === "string" && isTimeZone(body.time_zone) ? body.time_zone : "",
    agenda: texts(body.agenda),
    interviewers: texts(body.interviewers),
    joinUrl: webUrl(body.join_url),
    candidateName: typeof body.candidate_name === "string" ? body.candidate_name.trim() : "",
    organisation: typeof body.organisation === "string" ? body.organisation.trim() : "",
    embedOrigins: texts(body.embed_origins),
  };
}

/**
 * The candidate's own IANA zone, so the recruiter sees the interview in the candidate's time.
 * @returns {string | null}
 */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/**
 * Posts a complete (non-trickle) offer and returns the server's answer.
 * @param {string} url
 * @param {RTCSessionDescriptionInit} offer
 * @param {AbortSignal} [signal] aborts the request when the check is torn down meanwhile
 * @returns {Promise<Answer>}
 */
export async function postOffer(url, offer, signal) {
  const body = await requestJson(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sdp: offer.sdp, type: offer.type, time_zone: browserTimeZone() }),
    signal,
  });
  if (!isObject(body) || body.type !== "answer" || typeof body.sdp !== "string") {
    throw new ApiError(502, "bad_answer", "malformed answer");
  }
  return { sdp: body.sdp, type: "answer", sessionId: String(body.session_id ?? "") };
}

/**
 * Posts the offer; while the server answers 503 (all media slots in use), waits as long as it
 * asks (within bounds) and tries again, up to BUSY_RETRIES times.
 * @param {string} url
 * @param {RTCSessionDescriptionInit} offer
 * @param {AbortSignal} signal
 * @param {(waitMs: number) => void} onWait told before each wait
 * @returns {Promise<Answer>}
 */
export async function postOfferPatiently(url, offer, signal, onWait) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await postOffer(url, offer, signal);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 503 || attempt >= BUSY_RETRIES) throw error;
      const waitMs = Math.min(MAX_RETRY_WAIT_MS, Math.max(1000, error.retryAfterS * 1000));
      onWait(waitMs);
      await sleep(waitMs, signal);
    }
  }
}

/**
 * Stores the result of a check that ran in the browser alone; resolves with the stored Result.
 * @param {string} url
 * @param {Record<string, unknown>} body see docs/protocol.md
 * @returns {Promise<any>}
 */
export async function postFallback(url, body) {
  const answer = await requestJson(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!isObject(answer) || !isObject(answer.result)) {
    throw new ApiError(502, "bad_result", "malformed result");
  }
  return answer.result;
}

/**
 * Sends the candidate's answer to "How easy was it to get ready?" for one attempt.
 * @param {string} url
 * @param {{attempt_id: string, ease: number, comment?: string}} body
 * @returns {Promise<void>} rejects with ApiError (404: no such attempt; 422: refused)
 */
export async function postFeedback(url, body) {
  await requestJson(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * Settles like `promise`, or rejects after `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
export function withTimeout(promise, ms) {
  /** @type {number} */
  let timer = 0;
  const timeout = new Promise((_, reject) => {
    timer = window.setTimeout(() => reject(new DOMException("Timed out.", "TimeoutError")), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() =>
    window.clearTimeout(timer),
  );
}

/**
 * @param {number} ms
 * @param {AbortSignal} signal
 * @returns {Promise<void>} rejects with an AbortError when the signal aborts first
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new DOMException("The wait was aborted.", "AbortError"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
  });
}

/**
 * @param {string} url
 * @param {RequestInit} init
 * @returns {Promise<any>} the parsed JSON body of a 2xx response
 */
async function requestJson(url, init) {
  const response = await fetch(url, {
    ...init,
    headers: { Accept: "application/json", ...init.headers },
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = isObject(body) && isObject(body.error) ? body.error : {};
    const retryAfter = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
    throw new ApiError(
      response.status,
      typeof error.code === "string" ? error.code : "",
      typeof error.message === "string" ? error.message : "",
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 0,
    );
  }
  return body;
}

/**
 * The non-empty strings of a list; anything else in it is left out.
 * @param {unknown} value
 * @returns {string[]}
 */
function texts(value) {
  if (!Array.isArray(value)) return [];
  return value.filter((item) => typeof item === "string" && item.trim()).map((item) => item.trim());
}

/**
 * The URL if it is http(s): a link the page opens must never run script (javascript:).
 * @param {unknown} value
 * @returns {string | null}
 */
function webUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** @param {string} name */
function isTimeZone(name) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {unknown} value
 * @returns {value is RTCIceServer}
 */
function isIceServer(value) {
  return isObject(value) && (typeof value.urls === "string" || Array.isArray(value.urls));
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, any>}
 */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
