"""API of the outbox: webhook subscriptions, their deliveries and replay, and the pull feed
`GET /events?after=<cursor>` (docs/integration.md)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from access.decorators import api_perm
from access.roles import Perm
from core.errors import NotFound
from core.idempotency import idempotent

from . import selectors, services

router = Router(tags=["integration"])
MAX_ID = 2**63 - 1  # bigint: larger ids exist nowhere


class SubscriptionIn(Schema):
    target_url: str = Field(..., max_length=500, description="Receiver URL (https under production settings)")
    event_types: list[str] = Field([], max_length=services.MAX_EVENT_TYPES,
                                   description="Event types or prefixes ending in *; empty: every type")


class SubscriptionOut(Schema):
    id: int
    target_url: str
    event_types: list[str]
    is_active: bool
    created_at: dt.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(..., description="Standard Webhooks signing secret (whsec_…); shown only here")


class SecretRotateIn(Schema):
    grace_hours: float | None = Field(None, description="How long the old secret keeps signing as well "
                                      "(hours, 0–168; default LYFTA_WEBHOOK_SECRET_GRACE_HOURS, 24)")


class SecretRotatedOut(SubscriptionCreatedOut):
    previous_secret_valid_until: dt.datetime | None = Field(
        ..., description="Until then each request carries a signature with the old secret too")


class WebhookDeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: str
    event_type: str
    order_id: int
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_response: str


class ReplaySinceIn(Schema):
    since: dt.datetime
    subscription_id: int | None = Field(None, ge=1, le=MAX_ID)


class ReplayOut(Schema):
    requeued: int


class FeedEventOut(Schema):
    cursor: int
    id: str
    type: str
    timestamp: dt.datetime
    order_id: int
    data: dict


class FeedOut(Schema):
    events: list[FeedEventOut]
    next_cursor: int = Field(..., description="Pass as `after` to read on")


class WebhookDeliveryQuery(Schema):
    status: Literal["", "pending", "delivered", "failed"] = ""
    subscription_id: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(50, ge=1, le=500)


class FeedQuery(Schema):
    after: int = Field(0, ge=0, le=MAX_ID, description="Cursor: the last event's `cursor` you have read (0: from the start)")
    limit: int = Field(100, ge=1, le=1000)


def _sub_out(s) -> dict:
    return {"id": s.pk, "target_url": s.target_url, "event_types": s.event_types, "is_active": s.is_active,
            "created_at": s.created_at}


def _delivery_out(d) -> dict:
    return {"id": d.pk, "subscription_id": d.subscription_id, "event_id": str(d.event.event_id),
            "event_type": d.event.event_type, "order_id": d.order_id, "status": d.status, "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at, "delivered_at": d.delivered_at,
            "last_attempt_at": d.last_attempt_at, "last_status_code": d.last_status_code,
            "last_response": d.last_response}


@router.get("/webhooks/subscriptions", response=list[SubscriptionOut], summary="Webhook subscriptions",
            operation_id="webhook_subscriptions")
@api_perm(Perm.WEBHOOKS_MANAGE)
def list_subscriptions(request):
    return [_sub_out(s) for s in selectors.subscriptions_visible(request.auth).order_by("id")]


@router.post("/webhooks/subscriptions", response={201: SubscriptionCreatedOut},
             summary="Subscribe to order events (system clients)", operation_id="webhook_subscription_create")
@api_perm(Perm.WEBHOOKS_MANAGE)
def create_subscription(request, payload: SubscriptionIn):
    def work():
        sub = services.subscription_create(request.auth, target_url=payload.target_url,
                                           event_types=payload.event_types)
        return 201, {**_sub_out(sub), "secret": sub.secret}

    return idempotent(request, work)


@router.delete("/webhooks/subscriptions/{subscription_id}", response={204: None},
               summary="End a subscription", operation_id="webhook_subscription_delete")
@api_perm(Perm.WEBHOOKS_MANAGE)
def delete_subscription(request, subscription_id: int = Path(..., ge=1, le=MAX_ID)):
    services.subscription_delete(request.auth, subscription_id)
    return Status(204, None)


@router.post("/webhooks/subscriptions/{subscription_id}/secret", response=SecretRotatedOut,
             summary="Rotate a subscription's signing secret (the old one signs too for a grace period)",
             operation_id="webhook_subscription_rotate_secret")
@api_perm(Perm.WEBHOOKS_MANAGE)
def rotate_secret(request, payload: SecretRotateIn, subscription_id: int = Path(..., ge=1, le=MAX_ID)):
    def work():
        sub = services.subscription_secret_rotate(request.auth, subscription_id, grace_hours=payload.grace_hours)
        return 200, {**_sub_out(sub), "secret": sub.secret, "previous_secret_valid_until": sub.previous_secret_until}

    return idempotent(request, work)


@router.get("/webhooks/deliveries", response=list[WebhookDeliveryOut], summary="Deliveries with status and last response",
            operation_id="webhook_deliveries")
@api_perm(Perm.WEBHOOKS_MANAGE)
def list_deliveries(request, q: Query[WebhookDeliveryQuery]):
    qs = selectors.deliveries_visible(request.auth, status=q.status, subscription_id=q.subscription_id)
    return [_delivery_out(d) for d in qs[: q.limit]]


@router.post("/webhooks/deliveries/{delivery_id}/replay", response=ReplayOut, summary="Send one delivery again",
             operation_id="webhook_delivery_replay")
@api_perm(Perm.WEBHOOKS_MANAGE)
def replay_delivery(request, delivery_id: int = Path(..., ge=1, le=MAX_ID)):
    def work():
        ids = list(selectors.subscriptions_visible(request.auth).values_list("pk", flat=True))
        return 200, {"requeued": services.delivery_replay(request.auth, delivery_id, subscription_ids=ids)}

    return idempotent(request, work)


@router.post("/webhooks/deliveries/replay", response=ReplayOut,
             summary="Send again every delivery of events since a time", operation_id="webhook_deliveries_replay")
@api_perm(Perm.WEBHOOKS_MANAGE)
def replay_since(request, payload: ReplaySinceIn):
    def work():
        ids = list(selectors.subscriptions_visible(request.auth).values_list("pk", flat=True))
        if payload.subscription_id is not None:
            if payload.subscription_id not in ids:
                raise NotFound(_("Prenumerationen finns inte."))
            ids = [payload.subscription_id]
        return 200, {"requeued": services.deliveries_replay_since(request.auth, payload.since, subscription_ids=ids)}

    return idempotent(request, work)


@router.get("/events", response=FeedOut, summary="Pull feed of order events after a cursor",
            operation_id="events_feed")
@api_perm(Perm.ORDER_VIEW)
def events_feed(request, q: Query[FeedQuery]):
    events = selectors.events_after(request.auth, q.after, q.limit)
    return {"events": [{"cursor": e.feed_position, "id": str(e.event_id), "type": e.event_type, "timestamp": e.occurred_at,
                        "order_id": e.order_id, "data": e.data} for e in events],
            "next_cursor": events[-1].feed_position if events else q.after}
