"""Webhook endpoints and their deliveries, as the API takes and shows them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from server.models.base import Body, Contract, Id, Timestamp

EventType = Literal["check.started", "check.completed", "check.cancelled"]
DeliveryType = Literal["check.started", "check.completed", "check.cancelled", "test"]
HTTPS_URL_SHAPE = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$"


def _distinct(events: list[EventType]) -> list[EventType]:
    if len(set(events)) != len(events):
        raise ValueError("names an event twice")
    return events


class NewWebhook(Body):
    """`POST /api/v1/webhooks`."""

    # Room for the longest URL written with JSON escapes, so that it is judged, not cut off.
    max_bytes = 16 * 1024

    # The shape is checked by the service, after the checks that explain themselves better.
    url: Annotated[str, StringConstraints(max_length=2000)] = Field(
        json_schema_extra={"pattern": HTTPS_URL_SHAPE},
        description="https:// and a public address (unless the server allows private ones); "
        "no fragment",
    )
    events: Annotated[list[EventType], AfterValidator(_distinct)] = Field(
        min_length=1, max_length=3
    )


class WebhookView(Contract):
    id: Id
    url: str
    events: list[EventType]
    created_at: Timestamp
    disabled_at: Timestamp | None = Field(
        description="When the receiver answered 410 Gone; nothing is sent to it after"
    )


class CreatedWebhook(WebhookView):
    secret: str = Field(description="whsec_…: verify deliveries with it; shown this once")


class WebhookPage(Contract):
    items: list[WebhookView]


class DeliveryView(Contract):
    webhook_id: str = Field(description="The `webhook-id` header, the same on every try")
    type: DeliveryType
    attempts: int
    state: Literal["pending", "delivered", "failed"]
    last_status: int | None = Field(description="The receiver's last HTTP status")
    next_attempt_at: Timestamp | None


class DeliveryPage(Contract):
    items: list[DeliveryView] = Field(description="The latest first, at most 100")


class TestQueued(Contract):
    webhook_id: str = Field(description="The test delivery's `webhook-id`")
