// HTTP calls to the Greenroom server for one check link: the check's info and the WebRTC offer.

/**
 * @typedef {object} CheckInfo
 * @property {string} title
 * @property {string} locale
 * @property {string} startsAt ISO 8601
 * @property {number} durationMinutes
 * @property {RTCIceServer[]} iceServers
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
   */
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * The server URLs of the check whose page is at `pathname` (`/c/<token>`).
 * The token is the last non-empty path segment, used as it appears (already URL-encoded).
 * @param {string} pathname
 * @returns {{info: string, offer: string}}
 */
export function checkEndpoints(pathname) {
  const segments = pathname.split("/").filter(Boolean);
  const token = segments[segments.length - 1] ?? "";
  return { info: `/c/${token}/info`, offer: `/c/${token}/offer` };
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
    iceServers: Array.isArray(body.ice_servers) ? body.ice_servers.filter(isObject) : [],
  };
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
    body: JSON.stringify({ sdp: offer.sdp, type: offer.type }),
    signal,
  });
  if (!isObject(body) || body.type !== "answer" || typeof body.sdp !== "string") {
    throw new ApiError(502, "bad_answer", "malformed answer");
  }
  return { sdp: body.sdp, type: "answer", sessionId: String(body.session_id ?? "") };
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
    throw new ApiError(
      response.status,
      typeof error.code === "string" ? error.code : "",
      typeof error.message === "string" ? error.message : "",
    );
  }
  return body;
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, any>}
 */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
