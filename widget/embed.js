// @ts-check
// Greenroom's loader for a vendor's page (docs/embedding.md). Greenroom.mount(element, {url,
// locale, onEvent}) frames the check and passes on what it says; <div data-greenroom-url="…">
// does the same without a line of script. Calls pushed to Greenroom.q before this file loaded
// run when it does; a second copy of it does nothing. A frame's message counts only from that
// frame, from its URL's origin, in protocol v1 and with its mount's embed_id; what goes to the
// frame goes to that origin alone.
(() => {
  const NS = "greenroom";
  const V = 1;
  const FROM_FRAME = ["ready", "progress", "resize", "result", "error"];
  /** What a listener registered late still hears: the last of each. */
  const REPLAYED = ["ready", "result"];
  const OPTIONS = ["url", "locale", "onEvent"];
  const LOCALE = /^[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*$/i;
  const MAX_HEIGHT = 100000;

  /** @type {any} */
  const w = window;
  /** @type {any} the stub the page made (`window.Greenroom = window.Greenroom || {q: []}`), if any */
  const api = (w.Greenroom = w.Greenroom || {});
  if (api.loaded) return;
  api.loaded = true;
  api.v = V;
  /** @type {WeakSet<Element>} elements that hold a check */
  const mounted = new WeakSet();

  /**
   * @param {string} message
   * @param {unknown} [detail]
   * @returns {null}
   */
  function complain(message, detail) {
    console.error(`Greenroom: ${message}`, ...(detail === undefined ? [] : [detail]));
    return null;
  }

  /**
   * @param {unknown} value
   * @returns {value is Record<string, any>}
   */
  const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

  /** @param {unknown} value */
  function checkUrl(value) {
    if (typeof value !== "string") return null;
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url : null;
    } catch {
      return null;
    }
  }

  /**
   * Frames a check in `target` (an element, or a CSS selector for one).
   * @param {Element | string} target
   * @param {{url: string, locale?: string, onEvent?: (message: object) => void}} options
   */
  function mount(target, options) {
    const el = typeof target === "string" ? document.querySelector(target) : target;
    if (!(el instanceof Element)) return complain("mount(element, options): no such element", target);
    if (!isObject(options)) return complain("mount(element, options): options must be an object");
    const unknown = Object.keys(options).filter((key) => !OPTIONS.includes(key));
    if (unknown.length) {
      return complain(`mount: unknown option ${unknown.join(", ")} (the options are ${OPTIONS.join(", ")})`);
    }
    const url = checkUrl(options.url);
    if (!url) return complain("mount: url must be the check's link, https://…/c/…", options.url);
    const { locale, onEvent } = options;
    if (locale !== undefined && !(typeof locale === "string" && LOCALE.test(locale))) {
      return complain('mount: locale must be a language tag such as "sv" or "en"', locale);
    }
    if (onEvent !== undefined && typeof onEvent !== "function") {
      return complain("mount: onEvent must be a function", onEvent);
    }
    if (mounted.has(el)) return complain("mount: this element holds a check already; destroy() it first", el);
    return frameCheck(el, url, locale, onEvent);
  }

  /**
   * @param {Element} el
   * @param {URL} url
   * @param {string | undefined} locale
   * @param {((message: object) => void) | undefined} onEvent
   */
  function frameCheck(el, url, locale, onEvent) {
    const embedId = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
      byte.toString(16).padStart(2, "0"),
    ).join("");
    url.searchParams.set("embed_id", embedId);
    if (locale) url.searchParams.set("locale", locale);
    const origin = url.origin;
    const frame = document.createElement("iframe");
    frame.src = url.href;
    frame.allow = "camera; microphone; autoplay";
    frame.title = "Greenroom";
    frame.style.cssText = "display:block;width:100%;height:640px;border:0";
    /** @type {Record<string, Function[]>} */
    let listeners = {};
    /** @type {Record<string, object>} */
    let last = {};
    /** @type {object[]} what the host said before the frame was ready to hear it */
    let outbox = [];
    let ready = false;
    let alive = true;

    /**
     * @param {string} type
     * @param {object} payload
     */
    function post(type, payload) {
      const message = { ns: NS, v: V, embed_id: embedId, type, payload };
      if (type !== "hello" && !ready) outbox.push(message);
      else frame.contentWindow?.postMessage(message, origin);
    }

    /**
     * @param {Function} fn
     * @param {object} message
     */
    function call(fn, message) {
      try {
        fn(message);
      } catch (error) {
        complain("a listener failed", error);
      }
    }

    /** @param {MessageEvent} event */
    function receive(event) {
      if (!alive || event.source !== frame.contentWindow || event.origin !== origin) return;
      const message = event.data;
      if (!isObject(message) || message.ns !== NS || message.v !== V) return;
      if (message.embed_id !== embedId || !FROM_FRAME.includes(message.type)) return;
      const { type, payload } = message;
      if (!isObject(payload)) return;
      if (type === "resize") {
        const { height } = payload;
        if (typeof height !== "number" || !(height >= 0 && height <= MAX_HEIGHT)) return;
        frame.style.height = `${Math.ceil(height)}px`;
      } else if (type === "ready") {
        ready = true;
        if (typeof payload.title === "string" && payload.title) frame.title = payload.title.slice(0, 200);
        const queued = outbox;
        outbox = [];
        for (const waiting of queued) frame.contentWindow?.postMessage(waiting, origin);
      }
      if (REPLAYED.includes(type)) last[type] = message;
      if (onEvent) call(onEvent, message);
      for (const fn of listeners[type] ?? []) call(fn, message);
      el.dispatchEvent(new CustomEvent("greenroom", { detail: message }));
    }

    // Every page the frame loads (a reload too) is told who its host is, and is not ready
    // until it answers.
    frame.addEventListener("load", () => {
      ready = false;
      post("hello", {});
    });
    w.addEventListener("message", receive);
    mounted.add(el);
    el.append(frame);

    return Object.freeze({
      embedId,
      frame,
      /**
       * Calls `fn` with each message of `type`; the last ready or result at once if there was one.
       * @param {string} type
       * @param {(message: object) => void} fn
       * @returns {() => void} stops calling it
       */
      on(type, fn) {
        const off = () => {
          listeners[type] = (listeners[type] ?? []).filter((other) => other !== fn);
        };
        if (!FROM_FRAME.includes(type)) complain(`on(type, fn): type must be one of ${FROM_FRAME.join(", ")}`, type);
        else if (typeof fn !== "function") complain("on(type, fn): fn must be a function", fn);
        else if (alive) {
          (listeners[type] ??= []).push(fn);
          const seen = last[type];
          if (seen) queueMicrotask(() => listeners[type]?.includes(fn) && call(fn, seen));
        }
        return off;
      },
      /** Starts the check, as its Start button does. */
      start() {
        if (alive) post("start", {});
      },
      /** @param {{locale: string}} settings */
      configure(settings) {
        const locale = isObject(settings) ? settings.locale : undefined;
        if (typeof locale !== "string" || !LOCALE.test(locale)) {
          complain('configure({locale}): locale must be a language tag such as "sv"', locale);
        } else if (alive) post("configure", { locale });
      },
      /** Removes the frame and every listener; the element can hold a check again. */
      destroy() {
        if (!alive) return;
        alive = false;
        w.removeEventListener("message", receive);
        frame.remove();
        mounted.delete(el);
        listeners = {};
        last = {};
        outbox = [];
      },
    });
  }

  /** @param {any} queued ["mount", element, options, then?]: `then` gets the handle */
  function run(queued) {
    const [method, target, options, then] = Array.from(queued ?? []);
    if (method !== "mount") return complain('Greenroom.q: only ["mount", element, options] can be queued', queued);
    const handle = mount(target, options);
    if (handle && typeof then === "function") then(handle);
    return handle;
  }

  function mountDeclared() {
    for (const el of document.querySelectorAll("[data-greenroom-url]")) {
      if (mounted.has(el)) continue;
      const locale = el.getAttribute("data-greenroom-locale");
      // No handle to listen on: a declared check's messages are its element's "greenroom" events.
      mount(el, { url: el.getAttribute("data-greenroom-url") ?? "", ...(locale ? { locale } : {}) });
    }
  }

  const queue = Array.isArray(api.q) ? api.q : [];
  api.mount = mount;
  api.q = { push: (/** @type {any[]} */ ...calls) => void calls.forEach(run) };
  queue.forEach(run);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountDeclared);
  else mountDeclared();
})();
