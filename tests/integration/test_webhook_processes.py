"""Webhooks across real `greenroom serve` processes, to a receiver in the test process verified
with `standardwebhooks` as a vendor would: a server killed (SIGKILL) while the receiver holds
its delivery unanswered, then restarted, sends it again with the same `webhook-id`; and two
servers sharing one PostgreSQL database deliver each event exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from standardwebhooks import Webhook

from server.bench.server import Server, running_server
from tests.conftest import throwaway_postgres

LEASE_SECONDS = 20
"""The shortest lease a server takes (a try has 15 s): after it, a killed server's delivery
is taken again."""
EVENTS_ON_TWO = 20
PACE_SECONDS = 0.1
"""Between the events made for two servers: both servers' polls find some of them."""
LOCAL_CHECK = {
    "why": "blocked",
    "camera": None,
    "microphone": {
        "windows": 29,
        "rms_dbfs": -22.0,
        "peak_dbfs": -8.0,
        "noise_floor_dbfs": -70.0,
        "clipping_fraction": 0.0,
    },
}
"""What a candidate's page measured alone: its stored verdict is a `check.completed`."""


@dataclass(frozen=True)
class Arrival:
    body: bytes
    headers: dict[str, str]
    sender: int | None
    """The server process whose connection carried it, when /proc could tell."""

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """A vendor's endpoint. With `hold_first`, it reads the first delivery and never answers
    it (until the test ends); it answers every other one 200 at once."""

    url: str = ""
    hold_first: bool = False
    senders: list[int] = field(default_factory=list)
    """Server processes to tell the deliveries' senders among."""
    arrivals: list[Arrival] = field(default_factory=list)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        sender = owner_of(peer[1], self.senders) if peer else None
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.arrivals.append(Arrival(body, headers, sender))
        if self.hold_first and len(self.arrivals) == 1:
            self.held.set()
            await self.released.wait()
        return web.Response(status=200)

    async def until(self, condition: Callable[[], bool], what: str, within: float) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {within} s: {what}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hooks", found.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    found.url = str(server.make_url("/hooks"))
    yield found
    found.released.set()  # the held request ends, its sender long gone
    await server.close()


def owner_of(port: int, pids: list[int]) -> int | None:
    """Which of the processes has the TCP connection whose local port is `port` (127.0.0.1 in
    this network namespace), from /proc."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        try:
            names = os.listdir(fds)
        except OSError:
            continue
        for name in names:
            try:
                if os.readlink(fds / name) in inodes:
                    return pid
            except OSError:  # closed meanwhile
                continue
    return None


def settings(**more: str) -> dict[str, str]:
    return {
        "GREENROOM_WEBHOOK_ALLOW_PRIVATE": "1",
        "GREENROOM_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
        # One process, so that SIGKILL leaves nothing behind.
        "GREENROOM_MEDIA_WORKERS": "0",
        **more,
    }


def workdir(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def as_org(server: Server, api_key: str) -> Server:
    """Another server on the same database, asked as the organisation that made the checks."""
    return dataclasses.replace(server, api_key=api_key)


async def call(server: Server, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    # urllib blocks: off the loop, where the receiver answers.
    return await asyncio.to_thread(server.api, method, path, body)


async def start(stack: ExitStack, directory: Path, more: dict[str, str]) -> Server:
    server: Server = await asyncio.to_thread(stack.enter_context, running_server(directory, more))
    return server


async def subscribe(server: Server, url: str) -> Any:
    return await call(
        server, "POST", "/api/v1/webhooks", {"url": url, "events": ["check.completed"]}
    )


async def a_check(server: Server, n: int) -> tuple[str, str]:
    """A check two days ahead; its id and its link's token."""
    body = {
        "candidate": {"name": f"Candidate {n}", "email": f"candidate-{n}@example.com"},
        "starts_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "duration_minutes": 30,
        "title": "Interview",
    }
    check = await call(server, "POST", "/api/v1/checks", body)
    return check["id"], check["candidate_url"].rstrip("/").rsplit("/", 1)[1]


async def store_a_verdict(server: Server, token: str) -> None:
    await call(server, "POST", f"/c/{token}/fallback", LOCAL_CHECK)


def verified(secret: str, arrival: Arrival) -> Any:
    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    return Webhook(secret).verify(arrival.body, {k: arrival.headers[k] for k in wanted})


async def deliveries(server: Server, webhook: Any) -> list[Any]:
    found = await call(server, "GET", f"/api/v1/webhooks/{webhook['id']}/deliveries")
    items: list[Any] = found["items"]
    return items


async def test_killed_while_the_receiver_holds_it_the_same_delivery_comes_again(
    tmp_path: Path, receiver: Receiver
) -> None:
    receiver.hold_first = True
    with ExitStack() as stack:
        first = await start(stack, workdir(tmp_path, "first"), settings())
        webhook = await subscribe(first, receiver.url)
        check_id, token = await a_check(first, 0)
        await store_a_verdict(first, token)
        await asyncio.wait_for(receiver.held.wait(), timeout=10)
        first.process.kill()
        await asyncio.to_thread(first.process.wait, 10)

        on_the_database = settings(GREENROOM_DATABASE_URL=first.database_url)
        second = as_org(
            await start(stack, workdir(tmp_path, "second"), on_the_database), first.api_key
        )
        await receiver.until(
            lambda: len(receiver.arrivals) == 2, "the delivery again", LEASE_SECONDS + 10
        )
        await asyncio.sleep(1.1)  # a poll more: nothing else comes
        logged = await deliveries(second, webhook)
        await asyncio.to_thread(stack.close)

    held, again = receiver.arrivals
    assert len(receiver.arrivals) == 2
    assert again.webhook_id == held.webhook_id, "the same delivery: de-duplicated on its id"
    assert again.body == held.body
    for arrival in (held, again):
        event = verified(webhook["secret"], arrival)
        assert (event["type"], event["data"]["check_id"]) == ("check.completed", check_id)
    assert [
        (item["webhook_id"], item["state"], item["attempts"], item["last_status"])
        for item in logged
    ] == [(held.webhook_id, "delivered", 2, 200)]


async def test_two_servers_on_one_database_deliver_each_event_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    async with throwaway_postgres() as database_url:
        with ExitStack() as stack:
            on_the_database = settings(GREENROOM_DATABASE_URL=database_url)
            a = await start(stack, workdir(tmp_path, "a"), on_the_database)
            b = as_org(await start(stack, workdir(tmp_path, "b"), on_the_database), a.api_key)
            receiver.senders = [a.process.pid, b.process.pid]
            webhook = await subscribe(a, receiver.url)
            made = [await a_check([a, b][n % 2], n) for n in range(EVENTS_ON_TWO)]
            for n, (_, token) in enumerate(made):
                await store_a_verdict([a, b][n % 2], token)
                await asyncio.sleep(PACE_SECONDS)
            await receiver.until(
                lambda: len(receiver.arrivals) >= EVENTS_ON_TWO, "every event delivered", 20
            )
            await asyncio.sleep(2.5)  # two polls of each more: nothing else comes
            logged = await deliveries(a, webhook)
            await asyncio.to_thread(stack.close)

    by_id = Counter(arrival.webhook_id for arrival in receiver.arrivals)
    assert len(receiver.arrivals) == EVENTS_ON_TWO
    assert by_id.most_common(1)[0][1] == 1, by_id.most_common(3)
    events = [verified(webhook["secret"], arrival) for arrival in receiver.arrivals]
    assert Counter(event["data"]["check_id"] for event in events) == Counter(
        check_id for check_id, _ in made
    )
    assert {event["type"] for event in events} == {"check.completed"}
    senders = Counter(arrival.sender for arrival in receiver.arrivals)
    # None: a connection the lookup missed (it is the test's, not the servers').
    assert set(senders) - {None} == {a.process.pid, b.process.pid}, senders
    # Each claimed once: no delivery was ever taken by both.
    assert sorted(by_id) == sorted(item["webhook_id"] for item in logged)
    assert {(item["state"], item["attempts"], item["last_status"]) for item in logged} == {
        ("delivered", 1, 200)
    }
