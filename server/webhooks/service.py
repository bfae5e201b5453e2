"""Webhook endpoints for vendors: made, listed, removed and tested by their organisation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.errors import InvalidInput, NotFound
from server.models.org import Organisation
from server.models.webhook import (
    HTTPS_URL_SHAPE,
    CreatedWebhook,
    DeliveryPage,
    NewWebhook,
    TestQueued,
    WebhookPage,
)
from server.store import webhooks
from server.webhooks.addresses import RefusedAddress, check_url, refused_literal, resolves_publicly
from server.webhooks.signing import new_secret

ENDPOINT_ID_SHAPE = re.compile(r"[0-9a-f]{32}")
MAX_ENDPOINTS = 10
# The shape of every event's data, with nothing in it: a receiver parses a test like the rest.
TEST_DATA: dict[str, object] = {
    "check_id": None,
    "attempt_id": None,
    "overall": None,
    "status": None,
    "reasons": [],
}


class WebhookService:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.allow_private = settings.webhook_allow_private

    async def create(self, org: Organisation, new: NewWebhook) -> CreatedWebhook:
        """Refused (and nothing stored) unless the URL is https:// and its host resolves to
        public addresses only; they are checked again on every delivery."""
        try:
            host = check_url(new.url, allow_private=self.allow_private)
        except ValueError as exc:
            raise InvalidInput(f"url: {exc}") from None
        if refused_literal(host, allow_private=self.allow_private):
            raise InvalidInput("url: is not a public address")
        if not re.fullmatch(HTTPS_URL_SHAPE, new.url):
            raise InvalidInput("url: must be https://host[:port][/path] in plain ASCII")
        try:
            await resolves_publicly(host, allow_private=self.allow_private)
        except RefusedAddress:
            raise InvalidInput("url: resolves to an address that is not public") from None
        except (OSError, UnicodeError):
            raise InvalidInput("url: its host name does not resolve") from None
        if len(await webhooks.endpoints_of(self.engine, org.id)) >= MAX_ENDPOINTS:
            raise InvalidInput(f"an organisation has at most {MAX_ENDPOINTS} webhooks")
        endpoint = await webhooks.create_endpoint(
            self.engine, org.id, new.url, list(new.events), new_secret()
        )
        view = endpoint.view()
        return CreatedWebhook(
            id=view.id,
            url=view.url,
            events=view.events,
            created_at=view.created_at,
            disabled_at=view.disabled_at,
            secret=endpoint.secret,
        )

    async def index(self, org: Organisation) -> WebhookPage:
        found = await webhooks.endpoints_of(self.engine, org.id)
        return WebhookPage(items=[endpoint.view() for endpoint in found])

    async def delete(self, org: Organisation, endpoint_id: str) -> None:
        await self._own(org, endpoint_id)
        await webhooks.delete_endpoint(self.engine, org.id, endpoint_id)

    async def test(self, org: Organisation, endpoint_id: str) -> TestQueued:
        """A `test` event to this endpoint alone, through the same outbox as every other."""
        await self._own(org, endpoint_id)
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            made = await webhooks.enqueue(
                conn, org.id, "test", TEST_DATA, now, endpoint_id=endpoint_id
            )
        if not made:
            raise InvalidInput("this webhook is disabled (it answered 410 Gone)")
        return TestQueued(webhook_id=made[0])

    async def deliveries(self, org: Organisation, endpoint_id: str) -> DeliveryPage:
        await self._own(org, endpoint_id)
        return DeliveryPage(items=await webhooks.deliveries_of(self.engine, endpoint_id))

    async def _own(self, org: Organisation, endpoint_id: str) -> webhooks.Endpoint:
        found = (
            await webhooks.get_endpoint(self.engine, org.id, endpoint_id)
            if ENDPOINT_ID_SHAPE.fullmatch(endpoint_id)
            else None
        )
        if found is None:
            raise NotFound("no such webhook")
        return found
