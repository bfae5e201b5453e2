// The page's scripts and check.html agree: scripts find elements by id, never by the tests'
// data-testid hooks, and every id they ask for is in the page exactly once.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import test from "node:test";

const WIDGET = new URL("../../widget/", import.meta.url);
const scripts = readdirSync(new URL("js/", WIDGET))
  .filter((name) => name.endsWith(".js"))
  .map((name) => ({ name, text: readFileSync(new URL(`js/${name}`, WIDGET), "utf8") }));
const page = readFileSync(new URL("check.html", WIDGET), "utf8");
const pageIds = [...page.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]);

test("no script finds an element by a test hook", () => {
  assert.ok(scripts.length > 10, "the scripts were not found");
  const offending = scripts.filter(({ text }) => /testid/i.test(text)).map(({ name }) => name);
  assert.deepEqual(offending, []);
});

test("every id a script asks for is in check.html, once", () => {
  const asked = new Set(
    scripts.flatMap(({ text }) => [...text.matchAll(/\bbyId\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1])),
  );
  assert.ok(asked.has("start-check"), "the id look-ups were not found");
  const missing = [...asked].filter((id) => !pageIds.includes(id));
  assert.deepEqual(missing, []);
  for (const name of ["camera", "lighting", "microphone", "speakers", "network"]) {
    assert.ok(pageIds.includes(`status-${name}`), `status-${name}`);
    assert.ok(pageIds.includes(`reasons-${name}`), `reasons-${name}`);
  }
});

test("ids in check.html are unique", () => {
  const repeated = pageIds.filter((id, index) => pageIds.indexOf(id) !== index);
  assert.deepEqual(repeated, []);
});

test("the tests' hooks stay in the page", () => {
  for (const hook of ["start-check", "confirm-speakers", "finish", "overall", "status-camera"]) {
    assert.match(page, new RegExp(`data-testid="${hook}"`), hook);
  }
  assert.match(page, /<p id="status-camera"[^>]* data-testid="status-camera" data-status="idle">/);
});
