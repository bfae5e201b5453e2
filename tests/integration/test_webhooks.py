"""Webhooks to a real HTTP receiver in the test process, verified with the `standardwebhooks`
package as a vendor would: events from the outbox, retries with one `webhook-id`, `Retry-After`,
410 disabling the endpoint, a receiver down for a while, and the SSRF rule at creation and at
delivery. The deliverer is run at chosen moments (`run_once(now)`), so that retries need not be
waited for."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from standardwebhooks import Webhook, WebhookVerificationError

from server.app import create_app
from server.checks.attempts import record_verdict, start
from server.config import Settings
from server.keys import engine_key, settings_key
from server.store.schema import webhook_deliveries, webhook_endpoints
from server.webhooks import signing
from server.webhooks.addresses import PublicResolver
from server.webhooks.deliverer import Deliverer
from tests.conftest import AiohttpClient, Seeded
from tests.support.results import a_result

Client = TestClient[Any, Any]


@dataclass
class Receiver:
    """A vendor's endpoint: it answers with `answers` in turn (200 once they run out)."""

    url: str = ""
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), dict(request.headers)))
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        return web.Response(status=status, headers=headers)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hooks", found.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    found.url = str(server.make_url("/hooks"))
    yield found
    await server.close()


@pytest.fixture
async def vendor(aiohttp_client: AiohttpClient, settings: Settings) -> Client:
    client: Client = await aiohttp_client(create_app(replace(settings, webhook_allow_private=True)))
    return client


def auth(seeded: Seeded) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.api_key}"}


async def subscribe(client: Client, seeded: Seeded, url: str, events: list[str]) -> Any:
    response = await client.post(
        "/api/v1/webhooks", json={"url": url, "events": events}, headers=auth(seeded)
    )
    assert response.status == 201, await response.text()
    return await response.json()


@pytest.fixture
async def deliver(vendor: Client) -> AsyncIterator[Deliverer]:
    settings = vendor.app[settings_key]
    connector = aiohttp.TCPConnector(resolver=PublicResolver(allow_private=True))
    async with aiohttp.ClientSession(connector=connector) as http:
        yield Deliverer(vendor.app[engine_key], settings, http)


def verified(secret: str, body: bytes, headers: dict[str, str]) -> Any:
    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    return Webhook(secret).verify(
        body, {k.lower(): v for k, v in headers.items() if k.lower() in wanted}
    )


async def deliveries(client: Client, seeded: Seeded, webhook: Any) -> list[Any]:
    path = f"/api/v1/webhooks/{webhook['id']}/deliveries"
    response = await client.get(path, headers=auth(seeded))
    items: list[Any] = (await response.json())["items"]
    return items


async def test_a_stored_verdict_is_delivered_signed_and_thin(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    webhook = await subscribe(vendor, seeded, receiver.url, ["check.completed"])
    assert webhook["secret"].startswith("whsec_")
    listed = await (await vendor.get("/api/v1/webhooks", headers=auth(seeded))).json()
    assert [item["id"] for item in listed["items"]] == [webhook["id"]]
    assert "secret" not in listed["items"][0], "the secret is shown once"

    engine = vendor.app[engine_key]
    await start(engine, seeded.check.id)  # check.started: not subscribed
    result = a_result(seeded.check.id, "warnings", reasons={"lighting": ["lighting.dim"]})
    await record_verdict(engine, result)
    assert await deliver.run_once(datetime.now(UTC)) == 1

    [(body, headers)] = receiver.received
    event = verified(webhook["secret"], body, headers)
    assert event["type"] == "check.completed"
    assert event["data"] == {
        "check_id": seeded.check.id,
        "attempt_id": result.attempt_id,
        "overall": "warnings",
        "status": "warnings",
        "reasons": ["lighting.dim"],
    }
    assert "candidate" not in body.decode(), "no personal data"
    assert "@" not in body.decode(), "no personal data"
    [logged] = await deliveries(vendor, seeded, webhook)
    assert logged == {
        "webhook_id": headers["webhook-id"],
        "type": "check.completed",
        "attempts": 1,
        "state": "delivered",
        "last_status": 200,
        "next_attempt_at": None,
    }


async def test_retries_keep_one_webhook_id_and_honour_retry_after(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    webhook = await subscribe(vendor, seeded, receiver.url, ["check.cancelled"])
    receiver.answers = [(500, {}), (503, {"Retry-After": "120"})]
    await vendor.post(f"/api/v1/checks/{seeded.check.id}/cancel", headers=auth(seeded))

    assert await deliver.run_once(datetime.now(UTC)) == 1
    [first] = await deliveries(vendor, seeded, webhook)
    assert (first["state"], first["attempts"], first["last_status"]) == ("pending", 1, 500)
    wait = datetime.fromisoformat(first["next_attempt_at"]) - datetime.now(UTC)
    assert timedelta(seconds=3) < wait < timedelta(seconds=6), "5 s, with jitter"

    assert await deliver.run_once(datetime.now(UTC) + timedelta(seconds=6)) == 1
    [second] = await deliveries(vendor, seeded, webhook)
    wait = datetime.fromisoformat(second["next_attempt_at"]) - datetime.now(UTC)
    assert timedelta(seconds=115) < wait <= timedelta(seconds=120), "as the receiver asked"
    assert await deliver.run_once(datetime.now(UTC) + timedelta(seconds=60)) == 0
    assert await deliver.run_once(datetime.now(UTC) + timedelta(seconds=121)) == 1

    ids = {headers["webhook-id"] for _, headers in receiver.received}
    assert len(receiver.received) == 3
    assert len(ids) == 1, "one id across every try"
    for body, headers in receiver.received:
        assert verified(webhook["secret"], body, headers)["type"] == "check.cancelled"
    [done] = await deliveries(vendor, seeded, webhook)
    assert (done["state"], done["attempts"], done["last_status"]) == ("delivered", 3, 200)


async def test_a_receiver_that_is_down_for_a_while_gets_it_when_back(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    down = receiver.url.replace("/hooks", "/nowhere")  # 404 from the receiver's server
    webhook = await subscribe(vendor, seeded, down, ["check.completed"])
    await record_verdict(vendor.app[engine_key], a_result(seeded.check.id))
    later = datetime.now(UTC)
    for _ in range(3):
        later += timedelta(hours=3)
        assert await deliver.run_once(later) == 1
    engine = vendor.app[engine_key]
    async with engine.begin() as conn:  # the vendor fixed their server
        await conn.execute(webhook_endpoints.update().values(url=receiver.url))
    assert await deliver.run_once(later + timedelta(hours=11)) == 1
    [logged] = await deliveries(vendor, seeded, webhook)
    assert (logged["state"], logged["attempts"], logged["last_status"]) == ("delivered", 4, 200)


async def test_out_of_tries_it_fails_for_good(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    webhook = await subscribe(vendor, seeded, receiver.url, ["check.completed"])
    receiver.answers = [(500, {})] * 8
    await record_verdict(vendor.app[engine_key], a_result(seeded.check.id))
    later = datetime.now(UTC)
    for _ in range(8):
        assert await deliver.run_once(later) == 1
        later += timedelta(hours=11)
    assert await deliver.run_once(later) == 0
    [logged] = await deliveries(vendor, seeded, webhook)
    assert (logged["state"], logged["attempts"], logged["next_attempt_at"]) == ("failed", 8, None)


async def test_410_disables_the_endpoint(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    webhook = await subscribe(vendor, seeded, receiver.url, ["check.completed"])
    receiver.answers = [(410, {})]
    engine = vendor.app[engine_key]
    await record_verdict(engine, a_result(seeded.check.id))
    assert await deliver.run_once(datetime.now(UTC)) == 1
    listed = await (await vendor.get("/api/v1/webhooks", headers=auth(seeded))).json()
    assert listed["items"][0]["disabled_at"] is not None
    await record_verdict(engine, a_result(seeded.check.id))
    assert await deliver.run_once(datetime.now(UTC) + timedelta(days=1)) == 0
    assert len(receiver.received) == 1
    tested = await vendor.post(f"/api/v1/webhooks/{webhook['id']}/test", headers=auth(seeded))
    assert tested.status == 422


async def test_a_test_event_and_a_removed_endpoint(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    webhook = await subscribe(vendor, seeded, receiver.url, ["check.started"])
    tested = await vendor.post(f"/api/v1/webhooks/{webhook['id']}/test", headers=auth(seeded))
    assert tested.status == 202
    queued = (await tested.json())["webhook_id"]
    assert await deliver.run_once(datetime.now(UTC)) == 1
    [(body, headers)] = receiver.received
    assert headers["webhook-id"] == queued
    assert verified(webhook["secret"], body, headers)["type"] == "test"

    gone = await vendor.delete(f"/api/v1/webhooks/{webhook['id']}", headers=auth(seeded))
    assert gone.status == 204
    await start(vendor.app[engine_key], seeded.check.id)
    assert await deliver.run_once(datetime.now(UTC)) == 0
    for method, path in (
        ("GET", f"/api/v1/webhooks/{webhook['id']}/deliveries"),
        ("POST", f"/api/v1/webhooks/{webhook['id']}/test"),
        ("DELETE", f"/api/v1/webhooks/{webhook['id']}"),
    ):
        assert (await vendor.request(method, path, headers=auth(seeded))).status == 404


async def test_a_receiver_rejects_a_tampered_body_and_an_old_timestamp(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    webhook = await subscribe(vendor, seeded, receiver.url, ["check.completed"])
    await record_verdict(vendor.app[engine_key], a_result(seeded.check.id))
    await deliver.run_once(datetime.now(UTC))
    [(body, headers)] = receiver.received
    tampered = body.replace(b'"ready"', b'"not_ready"', 1)
    assert tampered != body
    with pytest.raises(WebhookVerificationError):
        verified(webhook["secret"], tampered, headers)
    old = int(time.time()) - 3600
    replayed = signing.headers(webhook["secret"], headers["webhook-id"], old, body.decode())
    with pytest.raises(WebhookVerificationError):
        verified(webhook["secret"], body, replayed)
    with pytest.raises(WebhookVerificationError):
        verified(signing.new_secret(), body, headers)


async def test_erasing_a_check_drops_its_pending_deliveries(
    vendor: Client, seeded: Seeded, receiver: Receiver, deliver: Deliverer
) -> None:
    await subscribe(vendor, seeded, receiver.url, ["check.completed"])
    engine = vendor.app[engine_key]
    await record_verdict(engine, a_result(seeded.check.id))
    assert (
        await vendor.delete(f"/api/v1/checks/{seeded.check.id}", headers=auth(seeded))
    ).status == 204
    async with engine.connect() as conn:
        assert (
            await conn.execute(sa.select(sa.func.count()).select_from(webhook_deliveries))
        ).scalar() == 0
    assert await deliver.run_once(datetime.now(UTC)) == 0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://example.com/hooks", "https"),
        ("https://127.0.0.1/hooks", "public"),
        ("https://[::1]/hooks", "public"),
        ("https://10.1.2.3/hooks", "public"),
        ("https://169.254.169.254/latest", "public"),
        ("https://localhost/hooks", "public"),
        ("https://user:pw@example.com/hooks", "credentials"),
        ("https://no-such-host.invalid/hooks", "resolve"),
    ],
)
async def test_only_public_https_endpoints_are_taken(
    client: Client, seeded: Seeded, url: str, says: str
) -> None:
    response = await client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["check.completed"]}, headers=auth(seeded)
    )
    assert response.status == 422
    assert says in (await response.json())["error"]["message"]
    listed = await (await client.get("/api/v1/webhooks", headers=auth(seeded))).json()
    assert listed["items"] == []


async def test_an_endpoint_that_turns_private_is_refused_at_delivery(
    vendor: Client, seeded: Seeded, receiver: Receiver
) -> None:
    """Allowed when it was made (here: private addresses allowed then), refused by a deliverer
    that does not allow them: the same check as DNS changing under a public name."""
    webhook = await subscribe(
        vendor, seeded, receiver.url.replace("127.0.0.1", "localhost"), ["check.completed"]
    )
    await record_verdict(vendor.app[engine_key], a_result(seeded.check.id))
    strict = replace(vendor.app[settings_key], webhook_allow_private=False)
    connector = aiohttp.TCPConnector(resolver=PublicResolver(allow_private=False))
    async with aiohttp.ClientSession(connector=connector) as http:
        assert (
            await Deliverer(vendor.app[engine_key], strict, http).run_once(datetime.now(UTC)) == 1
        )
    assert receiver.received == []
    [logged] = await deliveries(vendor, seeded, webhook)
    assert (logged["state"], logged["last_status"]) == ("pending", None)
    async with vendor.app[engine_key].connect() as conn:
        error = (await conn.execute(sa.select(webhook_deliveries.c.last_error))).scalar_one()
    assert "non-public" in error
