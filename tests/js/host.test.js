// The page's side of embedding: which messages from a host it obeys, what it tells the host and
// when. Nothing is posted before the host proved itself, and nothing ever to "*".
import assert from "node:assert/strict";
import test from "node:test";

import {
  connectHost,
  failureCode,
  pageMessage,
  readEmbedId,
  readHostMessage,
  readLocaleParam,
  resultPayload,
} from "../../widget/js/host.js";
import { allChecks } from "../../widget/js/results.js";

const EMBED_ID = "0123456789abcdef0123456789abcdef";
const HOST = "https://vendor.example";
const ORIGINS = Object.freeze([HOST, "https://app.vendor.example"]);

/** @param {Record<string, unknown>} [fields] */
function hostData(fields = {}) {
  return { ns: "greenroom", v: 1, embed_id: EMBED_ID, type: "hello", payload: {}, ...fields };
}

test("the embed_id comes from the frame's URL, in a sensible shape only", () => {
  assert.equal(readEmbedId(`?embed_id=${EMBED_ID}`), EMBED_ID);
  assert.equal(readEmbedId(`?locale=sv&embed_id=${EMBED_ID}`), EMBED_ID);
  assert.equal(readEmbedId(`?embed_id=${"A-b_c".padEnd(30, "x")}`), "A-b_c".padEnd(30, "x"));
  for (const search of ["", "?embed_id=", "?embed_id=short", `?embed_id=${"a".repeat(65)}`, "?embed_id=has%20space%20in%20it%20ok", "?embed_id=%22%3E%3Cscript%3E1234567"]) {
    assert.equal(readEmbedId(search), null, search);
  }
});

test("the embedder's locale in the URL is a language tag or nothing", () => {
  assert.equal(readLocaleParam("?locale=sv"), "sv");
  assert.equal(readLocaleParam("?locale=sv-SE"), "sv-SE");
  assert.equal(readLocaleParam("?locale="), null);
  assert.equal(readLocaleParam("?locale=%3Cb%3E"), null);
  assert.equal(readLocaleParam(""), null);
});

test("a message from the parent, from an allowed origin, in the protocol, is obeyed", () => {
  const parent = {};
  const expected = { parent, embedId: EMBED_ID, origins: ORIGINS, origin: null };
  assert.deepEqual(readHostMessage({ source: parent, origin: HOST, data: hostData() }, expected), {
    type: "hello",
    payload: {},
  });
  const start = readHostMessage({ source: parent, origin: HOST, data: hostData({ type: "start", payload: undefined }) }, expected);
  assert.deepEqual(start, { type: "start", payload: {} }, "a missing payload is an empty one");
  const configure = hostData({ type: "configure", payload: { locale: "sv" } });
  assert.deepEqual(readHostMessage({ source: parent, origin: HOST, data: configure }, expected), {
    type: "configure",
    payload: { locale: "sv" },
  });
});

test("anything else is ignored, whatever it looks like", () => {
  const parent = {};
  const expected = { parent, embedId: EMBED_ID, origins: ORIGINS, origin: null };
  /** @type {[string, {source: unknown, origin: string, data: unknown}][]} */
  const cases = [
    ["another window", { source: {}, origin: HOST, data: hostData() }],
    ["no source", { source: null, origin: HOST, data: hostData() }],
    ["an origin not allowed", { source: parent, origin: "https://evil.example", data: hostData() }],
    ["an opaque origin", { source: parent, origin: "null", data: hostData() }],
    ["an allowed origin's look-alike", { source: parent, origin: `${HOST}.evil.example`, data: hostData() }],
    ["another namespace", { source: parent, origin: HOST, data: hostData({ ns: "other" }) }],
    ["another version", { source: parent, origin: HOST, data: hostData({ v: 2 }) }],
    ["a version as text", { source: parent, origin: HOST, data: hostData({ v: "1" }) }],
    ["another embed", { source: parent, origin: HOST, data: hostData({ embed_id: EMBED_ID.replace("0", "1") }) }],
    ["no embed_id", { source: parent, origin: HOST, data: hostData({ embed_id: undefined }) }],
    ["a page's own type", { source: parent, origin: HOST, data: hostData({ type: "result" }) }],
    ["an unknown type", { source: parent, origin: HOST, data: hostData({ type: "eval" }) }],
    ["an inherited type", { source: parent, origin: HOST, data: hostData({ type: "toString" }) }],
    ["a payload that is a list", { source: parent, origin: HOST, data: hostData({ payload: [] }) }],
    ["a payload that is text", { source: parent, origin: HOST, data: hostData({ payload: "x" }) }],
    ["a payload that is null", { source: parent, origin: HOST, data: hostData({ payload: null }) }],
    ["a locale that is a number", { source: parent, origin: HOST, data: hostData({ type: "configure", payload: { locale: 5 } }) }],
    ["a locale that is markup", { source: parent, origin: HOST, data: hostData({ type: "configure", payload: { locale: "<b>" } }) }],
    ["text", { source: parent, origin: HOST, data: JSON.stringify(hostData()) }],
    ["null", { source: parent, origin: HOST, data: null }],
    ["a list", { source: parent, origin: HOST, data: [hostData()] }],
    ["a number", { source: parent, origin: HOST, data: 1 }],
  ];
  for (const [name, event] of cases) assert.equal(readHostMessage(event, expected), null, name);
});

test("once the host is known, another allowed origin is not it", () => {
  const parent = {};
  const learned = { parent, embedId: EMBED_ID, origins: ORIGINS, origin: HOST };
  assert.ok(readHostMessage({ source: parent, origin: HOST, data: hostData() }, learned));
  const other = { source: parent, origin: "https://app.vendor.example", data: hostData() };
  assert.equal(readHostMessage(other, learned), null);
});

test("with no parent (not framed) nothing is obeyed, even a message from nowhere", () => {
  const expected = { parent: null, embedId: EMBED_ID, origins: ORIGINS, origin: null };
  assert.equal(readHostMessage({ source: null, origin: HOST, data: hostData() }, expected), null);
});

test("the result tells references and codes, nothing about the candidate", () => {
  const checks = allChecks("pass", []);
  checks.lighting = { status: "warn", reasons: ["lighting.dim"] };
  checks.speakers = { status: "warn", reasons: ["speakers.not_confirmed"] };
  checks.network = { status: "fail", reasons: ["network.high_loss", "network.relay", "lighting.dim"] };
  const payload = resultPayload({
    checkId: "c".repeat(32),
    attemptId: "a".repeat(32),
    overall: "warnings",
    checks,
  });
  assert.deepEqual(payload, {
    check_id: "c".repeat(32),
    attempt_id: "a".repeat(32),
    overall: "warnings",
    status: "warnings",
    // Failures first, as the dashboard lists them; each once.
    reasons: ["network.high_loss", "network.relay", "lighting.dim", "speakers.not_confirmed"],
  });
});

test("each failure the page shows has a code for the host", () => {
  assert.equal(failureCode("message.browser"), "unsupported");
  assert.equal(failureCode("message.connection"), "connection");
  assert.equal(failureCode("message.server"), "server");
  assert.equal(failureCode("message.link_invalid"), "link_invalid");
  assert.equal(failureCode("message.something_new"), "failed");
  assert.equal(failureCode("toString"), "failed");
});

test("messages to the host carry the protocol and the embed_id", () => {
  assert.deepEqual(pageMessage(EMBED_ID, "resize", { height: 10 }), {
    ns: "greenroom",
    v: 1,
    embed_id: EMBED_ID,
    type: "resize",
    payload: { height: 10 },
  });
});

/**
 * A frame's window with a parent that records what is posted to it.
 * @param {string} search
 * @param {{framed?: boolean}} [options]
 */
function fakeFrame(search, { framed = true } = {}) {
  /** @type {[unknown, string][]} */
  const posted = [];
  /** @type {((event: any) => void)[]} */
  const listeners = [];
  const parent = {
    /** @param {unknown} message @param {string} origin */
    postMessage(message, origin) {
      assert.equal(typeof origin, "string");
      assert.notEqual(origin, "*", "never to anybody");
      posted.push([message, origin]);
    },
  };
  const win = {
    location: { search },
    /** @param {string} type @param {(event: any) => void} listener */
    addEventListener(type, listener) {
      assert.equal(type, "message");
      listeners.push(listener);
    },
  };
  Object.assign(win, { parent: framed ? parent : win });
  /** @param {unknown} data @param {string} [origin] @param {unknown} [source] */
  const deliver = (data, origin = HOST, source = parent) => {
    for (const listener of listeners) listener({ data, origin, source });
  };
  return { win: /** @type {any} */ (win), posted, listeners, deliver };
}

/** @param {[unknown, string][]} posted */
const types = (posted) => posted.map(([message]) => /** @type {any} */ (message).type);

/**
 * @param {ReturnType<typeof connectHost>} link
 * @param {{started?: string[], configured?: string[]}} [calls]
 */
function listen(link, calls = {}) {
  link.listen({
    origins: ORIGINS,
    ready: () => ({ locale: "en", title: "Check" }),
    onStart: () => calls.started?.push("start"),
    onConfigure: (locale) => calls.configured?.push(locale),
  });
}

test("a page that is not framed, or has no embed_id, listens to nobody and tells nobody", () => {
  for (const frame of [fakeFrame(`?embed_id=${EMBED_ID}`, { framed: false }), fakeFrame("")]) {
    const link = connectHost(frame.win);
    assert.equal(link.framed, false);
    listen(link);
    link.progress("camera", "running");
    link.result(resultPayload({ checkId: null, attemptId: null, overall: "ready", checks: allChecks("pass", []) }));
    link.resize(100);
    assert.equal(frame.listeners.length, 0);
    assert.deepEqual(frame.posted, []);
  }
});

test("nothing is posted until the host speaks; then ready, what waited, and the height, to its origin", () => {
  const frame = fakeFrame(`?embed_id=${EMBED_ID}`);
  const link = connectHost(frame.win);
  assert.equal(link.framed, true);
  link.progress("browser", "fail");
  link.error("unsupported", ["browser.unsupported"]);
  link.resize(480);
  assert.deepEqual(frame.posted, [], "the page does not know who is listening yet");
  listen(link);
  assert.deepEqual(frame.posted, []);
  frame.deliver(hostData());
  assert.deepEqual(types(frame.posted), ["ready", "progress", "error", "resize"]);
  assert.ok(frame.posted.every(([, origin]) => origin === HOST));
  assert.deepEqual(frame.posted[0][0], pageMessage(EMBED_ID, "ready", { locale: "en", title: "Check" }));
  assert.deepEqual(frame.posted[3][0], pageMessage(EMBED_ID, "resize", { height: 480 }));
});

test("a message that came while the page was loading is judged once it can be", () => {
  const frame = fakeFrame(`?embed_id=${EMBED_ID}`);
  const link = connectHost(frame.win);
  frame.deliver(hostData({ embed_id: "x".repeat(32) }));
  frame.deliver(hostData({ type: "start" }));
  assert.deepEqual(frame.posted, []);
  const started = /** @type {string[]} */ ([]);
  listen(link, { started });
  assert.deepEqual(types(frame.posted), ["ready"]);
  assert.deepEqual(started, ["start"]);
});

test("messages from elsewhere teach the page nothing, and get no answer", () => {
  const frame = fakeFrame(`?embed_id=${EMBED_ID}`);
  const link = connectHost(frame.win);
  const calls = { started: /** @type {string[]} */ ([]), configured: /** @type {string[]} */ ([]) };
  listen(link, calls);
  frame.deliver(hostData({ type: "configure", payload: { locale: "sv" } }), "https://evil.example");
  frame.deliver(hostData({ type: "start" }), HOST, {});
  frame.deliver(hostData({ v: 2, type: "start" }));
  link.progress("camera", "running");
  assert.deepEqual(frame.posted, []);
  assert.deepEqual(calls, { started: [], configured: [] });
  // The host, at last: from now on only its origin counts, even another allowed one does not.
  frame.deliver(hostData({ type: "configure", payload: { locale: "sv" } }));
  frame.deliver(hostData({ type: "start" }), "https://app.vendor.example");
  assert.deepEqual(calls, { started: [], configured: ["sv"] });
  assert.deepEqual(types(frame.posted), ["ready", "progress"]);
});

test("progress is sent when a step's status changes, the height when it changes", () => {
  const frame = fakeFrame(`?embed_id=${EMBED_ID}`);
  const link = connectHost(frame.win);
  listen(link);
  frame.deliver(hostData());
  frame.posted.length = 0;
  link.progress("camera", "running");
  link.progress("camera", "running");
  link.progress("camera", "pass");
  link.progress("lighting", "pass");
  link.resize(500);
  link.resize(500);
  link.resize(640);
  assert.deepEqual(
    frame.posted.map(([message]) => /** @type {any} */ (message).payload),
    [
      { step: "camera", status: "running" },
      { step: "camera", status: "pass" },
      { step: "lighting", status: "pass" },
      { height: 500 },
      { height: 640 },
    ],
  );
});

test("a second hello gets ready again, with the height; a configure without a locale changes nothing", () => {
  const frame = fakeFrame(`?embed_id=${EMBED_ID}`);
  const link = connectHost(frame.win);
  const configured = /** @type {string[]} */ ([]);
  listen(link, { configured });
  link.resize(300);
  frame.deliver(hostData());
  frame.deliver(hostData({ type: "configure", payload: {} }));
  frame.deliver(hostData());
  assert.deepEqual(types(frame.posted), ["ready", "resize", "ready", "resize"]);
  assert.deepEqual(configured, []);
});
