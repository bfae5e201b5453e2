// What the candidate is told to do when the camera or microphone cannot be opened: which browser
// and system they use, what the browser's refusal means, and the steps for that.
import assert from "node:assert/strict";
import test from "node:test";

import { classifyMediaError, detectPlatform, guidanceFor } from "../../widget/js/guidance.js";

const CHROME_WINDOWS =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const EDGE_WINDOWS = `${CHROME_WINDOWS} Edg/126.0.0.0`;
const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0";
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const CHROME_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1";
const CHROME_ANDROID =
  "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
const SAMSUNG_ANDROID =
  "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36";

test("the browser and system, from what real browsers send", () => {
  /** @type {[Parameters<typeof detectPlatform>[0], string, string][]} */
  const cases = [
    [{ userAgent: CHROME_WINDOWS }, "chrome", "windows"],
    [{ userAgent: EDGE_WINDOWS }, "edge", "windows"],
    [{ userAgent: CHROME_MAC }, "chrome", "macos"],
    [{ userAgent: FIREFOX_WINDOWS }, "firefox", "windows"],
    [{ userAgent: FIREFOX_LINUX }, "firefox", "other"],
    [{ userAgent: SAFARI_MAC }, "safari_mac", "macos"],
    [{ userAgent: SAFARI_IPHONE }, "safari_ios", "ios"],
    // Every iOS browser is Safari underneath, and asks with Safari's dialogs.
    [{ userAgent: CHROME_IPHONE }, "safari_ios", "ios"],
    [{ userAgent: CHROME_ANDROID }, "chrome_android", "android"],
    [{ userAgent: SAMSUNG_ANDROID }, "chrome_android", "android"],
    // iPadOS asks for desktop pages as a Mac; the touch screen tells them apart.
    [{ userAgent: SAFARI_MAC, maxTouchPoints: 5 }, "safari_ios", "ios"],
    // Chromium's reduced user agent: Client Hints name Edge, the string does not.
    [
      { userAgent: CHROME_WINDOWS, userAgentData: { brands: [{ brand: "Microsoft Edge" }], platform: "Windows" } },
      "edge",
      "windows",
    ],
    [{ userAgent: "", userAgentData: { brands: [], platform: "macOS" } }, "other", "macos"],
    [{ userAgent: "curl/8.0" }, "other", "other"],
    [{}, "other", "other"],
  ];
  for (const [nav, browser, os] of cases) {
    assert.deepEqual(detectPlatform(nav), { browser, os }, nav.userAgent);
  }
});

const outside = { framed: false, policyAllows: null, permission: null };

test("a refusal by the candidate, by the prompt closed, or by the system", () => {
  const denied = new DOMException("Permission denied", "NotAllowedError");
  assert.equal(classifyMediaError(denied, outside), "denied");
  assert.equal(classifyMediaError(denied, { ...outside, permission: "denied" }), "denied");
  // The browser allowed the site, and yet: the system said no.
  assert.equal(classifyMediaError(denied, { ...outside, permission: "granted" }), "system");
  const system = new DOMException("Permission denied by system", "NotAllowedError");
  assert.equal(classifyMediaError(system, outside), "system");
  const dismissed = new DOMException("Permission dismissed", "NotAllowedError");
  assert.equal(classifyMediaError(dismissed, outside), "dismissed");
  assert.equal(classifyMediaError(new DOMException("", "PermissionDeniedError"), outside), "denied");
});

test("a missing, busy or unusable camera", () => {
  for (const name of ["NotFoundError", "DevicesNotFoundError", "OverconstrainedError"]) {
    assert.equal(classifyMediaError(new DOMException("", name), outside), "not_found", name);
  }
  assert.equal(classifyMediaError(new DOMException("Could not start video source", "NotReadableError"), outside), "in_use");
  // Firefox's word for a device it could not start.
  assert.equal(classifyMediaError(new DOMException("Starting videoinput failed", "AbortError"), outside), "in_use");
  assert.equal(classifyMediaError(new TypeError("constraints"), outside), "unsupported");
  assert.equal(classifyMediaError("something odd", outside), "in_use");
});

test("a frame that may not use the camera, and a page that is not secure", () => {
  const framed = { framed: true, policyAllows: false, permission: null };
  assert.equal(classifyMediaError(new DOMException("", "NotAllowedError"), framed), "iframe");
  assert.equal(classifyMediaError(null, framed), "iframe", "known without asking");
  const security = new DOMException("", "SecurityError");
  assert.equal(classifyMediaError(security, { ...outside, framed: true }), "iframe");
  assert.equal(classifyMediaError(security, outside), "insecure");
});

test("a blocked camera: the browser's own way to allow it, then the system's", () => {
  assert.deepEqual(guidanceFor("denied", { browser: "chrome", os: "other" }), {
    problem: "denied",
    heading: "permission.denied.heading",
    lead: "guide.denied.lead",
    steps: ["guide.denied.chrome", "guide.system.other"],
    reasons: ["camera.denied", "microphone.denied"],
  });
  assert.deepEqual(guidanceFor("denied", { browser: "safari_ios", os: "ios" }).steps, [
    "guide.denied.safari_ios",
    "guide.system.ios",
  ]);
  assert.deepEqual(guidanceFor("system", { browser: "chrome", os: "macos" }).steps, ["guide.system.macos"]);
  assert.deepEqual(guidanceFor("dismissed", { browser: "edge", os: "windows" }).steps, ["guide.dismissed"]);
});

test("a missing or busy camera: the system's settings where they can be the cause", () => {
  assert.deepEqual(guidanceFor("not_found", { browser: "chrome", os: "macos" }).steps, [
    "guide.not_found",
    "guide.system.macos",
  ]);
  assert.deepEqual(guidanceFor("not_found", { browser: "chrome_android", os: "android" }).steps, [
    "guide.not_found",
  ]);
  assert.deepEqual(guidanceFor("in_use", { browser: "edge", os: "windows" }).steps, [
    "guide.in_use",
    "guide.system.windows",
    "guide.in_use.restart",
  ]);
  assert.deepEqual(guidanceFor("in_use", { browser: "firefox", os: "other" }).steps, [
    "guide.in_use",
    "guide.in_use.restart",
  ]);
  assert.deepEqual(guidanceFor("in_use", { browser: "firefox", os: "other" }).reasons, ["camera.in_use"]);
});

test("in a frame: what the page's owner must allow, or a tab of its own", () => {
  const iframe = guidanceFor("iframe", { browser: "chrome", os: "windows" });
  assert.equal(iframe.heading, "permission.iframe.heading");
  assert.deepEqual(iframe.steps, ["guide.iframe", "guide.iframe.owner"]);
  assert.deepEqual(iframe.reasons, ["browser.iframe_permissions"]);
  // Firefox and Safari cannot say whether the embedder allowed the camera.
  const firefox = { browser: /** @type {const} */ ("firefox"), os: /** @type {const} */ ("windows") };
  assert.deepEqual(guidanceFor("denied", firefox, true).steps, [
    "guide.denied.firefox",
    "guide.system.windows",
    "guide.iframe",
  ]);
  assert.deepEqual(guidanceFor("not_found", firefox, true).steps, ["guide.not_found", "guide.system.windows"]);
});

test("a browser that cannot run the check says why", () => {
  assert.deepEqual(guidanceFor("insecure", { browser: "other", os: "other" }).reasons, ["browser.insecure_context"]);
  assert.deepEqual(guidanceFor("unsupported", { browser: "other", os: "other" }).steps, [
    "reason.browser.unsupported",
  ]);
});
