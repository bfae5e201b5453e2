"""A small WebDriver BiDi client over aiohttp's websocket: the commands the browser tests use
(session.new, browsingContext.getTree / navigate / locateNodes, script.evaluate / callFunction,
input.performActions, browser.close), typed at the edge.

It speaks the W3C protocol, not a browser's own: Firefox's remote agent serves it on
`ws://HOST:PORT/session`. Events are not subscribed to, so every message is a command's answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

COMMAND_SECONDS = 30.0
POLL_SECONDS = 0.1

Json = dict[str, Any]


class BidiError(RuntimeError):
    """A command's error answer (`error`, `message`), or an exception thrown in the page."""


class ConnectionLost(BidiError):
    """The websocket closed before the answer came: the browser went away."""


@dataclass(frozen=True)
class Element:
    """A node in a page, by the shared id the browser gave it."""

    shared_id: str

    def reference(self) -> Json:
        return {"sharedId": self.shared_id}


class Bidi:
    """One BiDi session over one websocket. `connected_session` owns it and closes it."""

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self._websocket = websocket
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Json]] = {}
        self._reader = asyncio.create_task(self._read(), name="bidi-reader")

    async def command(self, method: str, params: Json, within: float = COMMAND_SECONDS) -> Json:
        """Sends one command and returns its `result`, or raises BidiError with its error."""
        command_id = next(self._ids)
        answer = asyncio.get_running_loop().create_future()
        self._pending[command_id] = answer
        try:
            await self._websocket.send_json({"id": command_id, "method": method, "params": params})
            async with asyncio.timeout(within):
                result: Json = await answer
                return result
        finally:
            self._pending.pop(command_id, None)

    async def _read(self) -> None:
        try:
            async for message in self._websocket:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                answer = self._pending.get(data.get("id"))
                if answer is None or answer.done():
                    continue  # an event, or an answer nobody waits for any more
                if data.get("type") == "error":
                    answer.set_exception(
                        BidiError(f"{data.get('error')}: {data.get('message', '')}")
                    )
                else:
                    answer.set_result(data.get("result", {}))
        finally:
            for answer in self._pending.values():
                if not answer.done():
                    answer.set_exception(ConnectionLost("the browser closed the connection"))

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._websocket.close()

    # Browsing contexts

    async def top_context(self) -> str:
        """The first top-level browsing context (the window Firefox opened)."""
        tree = await self.command("browsingContext.getTree", {"maxDepth": 0})
        contexts = tree["contexts"]
        if not contexts:
            raise BidiError("the browser has no open window")
        context: str = contexts[0]["context"]
        return context

    async def navigate(self, context: str, url: str) -> None:
        """Loads `url` and returns once its document has loaded."""
        await self.command(
            "browsingContext.navigate", {"context": context, "url": url, "wait": "complete"}
        )

    async def locate(self, context: str, css: str) -> Element | None:
        """The first element matching `css`, or None."""
        found = await self.command(
            "browsingContext.locateNodes",
            {"context": context, "locator": {"type": "css", "value": css}, "maxNodeCount": 1},
        )
        nodes = found["nodes"]
        return Element(nodes[0]["sharedId"]) if nodes else None

    async def screenshot(self, context: str) -> bytes:
        """A PNG of the whole document, not only the part in the viewport."""
        shot = await self.command(
            "browsingContext.captureScreenshot", {"context": context, "origin": "document"}
        )
        return base64.b64decode(shot["data"])

    # Scripts

    async def evaluate(self, context: str, expression: str) -> Any:
        """The expression's value in the page (promises awaited), as JSON-like Python."""
        answer = await self.command(
            "script.evaluate",
            {
                "expression": expression,
                "target": {"context": context},
                "awaitPromise": True,
                "resultOwnership": "none",
            },
        )
        return _evaluated(answer)

    async def call(self, context: str, function: str, *elements: Element) -> Any:
        """Calls the function declaration with these elements as its arguments."""
        answer = await self.command(
            "script.callFunction",
            {
                "functionDeclaration": function,
                "arguments": [element.reference() for element in elements],
                "target": {"context": context},
                "awaitPromise": True,
                "resultOwnership": "none",
            },
        )
        return _evaluated(answer)

    async def wait_for(self, context: str, expression: str, within: float, what: str) -> Any:
        """Polls until the expression is truthy in the page and returns its value; raises
        TimeoutError naming `what` (the thing a person would have waited for)."""
        try:
            async with asyncio.timeout(within):
                while True:
                    value = await self.evaluate(context, expression)
                    if value:
                        return value
                    await asyncio.sleep(POLL_SECONDS)
        except TimeoutError:
            raise TimeoutError(f"{what}: not within {within} s") from None

    # Input

    async def click(self, context: str, css: str) -> None:
        """Clicks the element's centre with the mouse, as a person does: the page gets a trusted
        click with user activation (what getUserMedia and playing sound may ask for)."""
        element = await self.locate(context, css)
        if element is None:
            raise BidiError(f"nothing matches {css!r}")
        # An element origin outside the viewport is an error, not a scroll.
        await self.call(context, "(el) => el.scrollIntoView({block: 'center'})", element)
        await self.command(
            "input.performActions",
            {
                "context": context,
                "actions": [
                    {
                        "type": "pointer",
                        "id": "mouse",
                        "parameters": {"pointerType": "mouse"},
                        "actions": [
                            {
                                "type": "pointerMove",
                                "x": 0,
                                "y": 0,
                                "origin": {"type": "element", "element": element.reference()},
                            },
                            {"type": "pointerDown", "button": 0},
                            {"type": "pointerUp", "button": 0},
                        ],
                    }
                ],
            },
        )

    # The browser

    async def close_browser(self, within: float) -> None:
        """Asks the browser to close all its windows and quit; gone already is fine."""
        # The process is killed after this anyway: an error here must not hide the test's own.
        with contextlib.suppress(BidiError, TimeoutError):
            await self.command("browser.close", {}, within=within)


@contextlib.asynccontextmanager
async def connected_session(url: str) -> AsyncIterator[Bidi]:
    """A new BiDi session (session.new) on the endpoint `url` (`ws://host:port/session`);
    its websocket and HTTP client are closed on the way out."""
    async with aiohttp.ClientSession() as http:
        websocket = await http.ws_connect(url, max_msg_size=0)
        bidi = Bidi(websocket)
        try:
            await bidi.command("session.new", {"capabilities": {}})
            yield bidi
        finally:
            await bidi.close()


def _evaluated(answer: Json) -> Any:
    if answer.get("type") == "exception":
        details = answer.get("exceptionDetails", {})
        raise BidiError(f"the page threw: {details.get('text', details)}")
    return deserialize(answer["result"])


def deserialize(remote: Json) -> Any:
    """A BiDi remote value as Python: primitives, arrays and plain objects (string keys).
    Anything else (nodes, functions, maps …) comes back as its `type` name."""
    kind = remote["type"]
    value = remote.get("value")
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "boolean"):
        return value
    if kind == "bigint":
        return int(str(value))
    if kind == "number":
        special = {"NaN": math.nan, "-0": -0.0, "Infinity": math.inf, "-Infinity": -math.inf}
        return special.get(value, value) if isinstance(value, str) else value
    if kind == "array":
        return [deserialize(item) for item in value or []]
    if kind == "object":
        return {
            key if isinstance(key, str) else str(deserialize(key)): deserialize(item)
            for key, item in value or []
        }
    return kind
