// @ts-check
// What to do when the camera or microphone cannot be opened, for this browser and system: which
// problem a getUserMedia error means, which browser and OS the page runs in, and the catalog keys
// of the steps that fix it. Pure functions; the texts live in the catalogs (guide.*).

/** @typedef {"chrome" | "edge" | "firefox" | "safari_mac" | "safari_ios" | "chrome_android" | "other"} Browser */
/** @typedef {"windows" | "macos" | "ios" | "android" | "other"} System */
/**
 * @typedef {"denied" | "dismissed" | "system" | "not_found" | "in_use" | "iframe" | "insecure"
 *   | "unsupported"} Problem
 */

/**
 * @typedef {object} Guidance
 * @property {Problem} problem
 * @property {string} heading catalog key
 * @property {string | null} lead catalog key of one sentence on what happened, if any
 * @property {string[]} steps catalog keys, in the order to try them
 * @property {string[]} reasons the reason codes this problem stands for
 */

/**
 * The browser and operating system, from the user agent string and, where the browser has it,
 * User-Agent Client Hints (Chromium's reduced user agent still names the system family).
 * @param {{userAgent?: string, maxTouchPoints?: number,
 *   userAgentData?: {brands?: {brand: string}[], platform?: string, mobile?: boolean}}} nav
 * @returns {{browser: Browser, os: System}}
 */
export function detectPlatform(nav) {
  const ua = nav.userAgent ?? "";
  const brands = (nav.userAgentData?.brands ?? []).map((entry) => entry.brand);
  const platform = nav.userAgentData?.platform ?? "";
  // iPadOS asks for desktop sites as a Mac; only the touch screen gives it away.
  const touchMac = /Macintosh/.test(ua) && (nav.maxTouchPoints ?? 0) > 1;
  /** @type {System} */
  const os =
    /iPhone|iPad|iPod/.test(ua) || touchMac
      ? "ios"
      : /Android/.test(ua) || platform === "Android"
        ? "android"
        : /Windows/.test(ua) || platform === "Windows"
          ? "windows"
          : /Macintosh|Mac OS X/.test(ua) || platform === "macOS"
            ? "macos"
            : "other";
  /** @type {Browser} */
  let browser = "other";
  // Every iOS browser runs on Safari's engine and asks with Safari's dialogs.
  if (os === "ios") browser = "safari_ios";
  else if (/Firefox\//.test(ua)) browser = "firefox";
  else if (os === "android" && /Chrome\/|Chromium\//.test(ua)) browser = "chrome_android";
  else if (/Edg\//.test(ua) || brands.includes("Microsoft Edge")) browser = "edge";
  else if (/Chrome\/|Chromium\//.test(ua)) browser = "chrome";
  else if (os === "macos" && /Safari\//.test(ua)) browser = "safari_mac";
  return { browser, os };
}

/**
 * Which problem a getUserMedia rejection means.
 * @param {unknown} error
 * @param {{framed: boolean, policyAllows: boolean | null, permission: string | null}} context
 *   framed: the page is in an iframe; policyAllows: whether its permissions policy lets it use
 *   camera and microphone (null when the browser cannot say); permission: the Permissions API's
 *   state for the camera ("granted", "denied", "prompt") or null
 * @returns {Problem}
 */
export function classifyMediaError(error, context) {
  if (context.framed && context.policyAllows === false) return "iframe";
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  const message = error instanceof Error || error instanceof DOMException ? error.message : "";
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
      // Chrome says "Permission denied by system" when the OS refuses, "Permission dismissed"
      // when the prompt was closed; a site allowed by the browser but refused all the same is
      // refused below the browser.
      if (/system/i.test(message) || context.permission === "granted") return "system";
      if (/dismiss/i.test(message)) return "dismissed";
      return "denied";
    case "SecurityError":
      return context.framed ? "iframe" : "insecure";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "not_found";
    case "TypeError":
      return "unsupported";
    default:
      // NotReadableError, and AbortError (Firefox's word for a device it could not start).
      return "in_use";
  }
}

/** The browser's own way to allow a blocked site. */
const DENIED = Object.freeze({
  chrome: "guide.denied.chrome",
  edge: "guide.denied.edge",
  firefox: "guide.denied.firefox",
  safari_mac: "guide.denied.safari_mac",
  safari_ios: "guide.denied.safari_ios",
  chrome_android: "guide.denied.chrome_android",
  other: "guide.denied.other",
});

/** The system's privacy settings, which stop every browser at once. */
const SYSTEM = Object.freeze({
  windows: "guide.system.windows",
  macos: "guide.system.macos",
  ios: "guide.system.ios",
  android: "guide.system.android",
  other: "guide.system.other",
});

const HEADINGS = Object.freeze({
  denied: "permission.denied.heading",
  dismissed: "permission.dismissed.heading",
  system: "permission.system.heading",
  not_found: "permission.not_found.heading",
  in_use: "permission.in_use.heading",
  iframe: "permission.iframe.heading",
  insecure: "permission.unsupported.heading",
  unsupported: "permission.unsupported.heading",
});

/**
 * The steps that fix `problem` on this browser and system, as catalog keys.
 * @param {Problem} problem
 * @param {{browser: Browser, os: System}} platform
 * @param {boolean} [framed] in a frame whose permissions policy the browser cannot tell: a
 *   refusal may be the embedder's, so a tab of its own is worth a try too
 * @returns {Guidance}
 */
export function guidanceFor(problem, { browser, os }, framed = false) {
  const system = SYSTEM[os];
  // A camera switched off in the system's privacy settings looks missing or busy to some browsers.
  const desktop = os === "windows" || os === "macos";
  const denied = ["camera.denied", "microphone.denied"];
  /** @type {Record<Problem, [string | null, string[], string[]]>} lead, steps, reasons */
  const byProblem = {
    denied: ["guide.denied.lead", [DENIED[browser], system], denied],
    dismissed: [null, ["guide.dismissed"], denied],
    system: ["guide.system.lead", [system], denied],
    not_found: [null, ["guide.not_found", ...(desktop ? [system] : [])], ["camera.not_found"]],
    in_use: [
      "guide.in_use.lead",
      ["guide.in_use", ...(os === "windows" ? [system] : []), "guide.in_use.restart"],
      ["camera.in_use"],
    ],
    iframe: ["guide.iframe.lead", ["guide.iframe", "guide.iframe.owner"], ["browser.iframe_permissions"]],
    insecure: [null, ["reason.browser.insecure_context"], ["browser.insecure_context"]],
    unsupported: [null, ["reason.browser.unsupported"], ["browser.unsupported"]],
  };
  const [lead, steps, reasons] = byProblem[problem];
  const tab = framed && problem === "denied" ? ["guide.iframe"] : [];
  return { problem, heading: HEADINGS[problem], lead, steps: [...steps, ...tab], reasons };
}
