"""Reads of integration: subscriptions, deliveries and the event feed, each limited to what the
principal may see (a customer's client: its own subscriptions and its customer's events)."""
from __future__ import annotations

from .models import Delivery, OutboxEvent, Subscription


def subscriptions_visible(principal):
    if principal.client is not None:
        return Subscription.objects.filter(client=principal.client)
    if principal.is_supply:
        return Subscription.objects.all()
    return Subscription.objects.none()


def deliveries_visible(principal, *, status: str = "", subscription_id: int | None = None):
    qs = Delivery.objects.filter(subscription__in=subscriptions_visible(principal)).select_related("event")
    if status:
        qs = qs.filter(status=status)
    if subscription_id:
        qs = qs.filter(subscription_id=subscription_id)
    return qs.order_by("-id")


def events_after(principal, after: int = 0, limit: int = 100) -> list[OutboxEvent]:
    """The pull feed: events with cursor (`feed_position`) above `after`, in position order, the
    principal's customers' only (the supply centre sees every customer's). Events committed
    since the last read get their positions first (`outbox.feed_sequence`)."""
    from .outbox import feed_sequence

    feed_sequence()
    qs = OutboxEvent.objects.filter(feed_position__gt=after)
    if not principal.is_supply:
        qs = qs.filter(customer_id__in=sorted(principal.customer_ids))
    return list(qs.order_by("feed_position")[:limit])
