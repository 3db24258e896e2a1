"""Writes the outbox in the transaction of the order change (registered with
`ordering.events` in `IntegrationConfig.ready()`), and the events' envelope for every sink."""
from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from core.cache import Generation

from .models import Delivery, OutboxEvent, Subscription

# Every order event looks up the subscriptions that may see it; they change when a client manages
# its subscriptions. Cached per customer as (id, event types) pairs (core.cache: this process sees
# a change at once, other processes within the TTL); integration.apps connects the models.
SUBSCRIPTIONS = Generation("subscriptions", 30)


def event_type_of(order_type: str, event) -> str:
    """`order.<order type>.<new status>` for a status change, else `order.<order type>.<event kind>`
    (delay, delivery, note)."""
    if event.event_type == "transition" and event.to_status:
        return f"order.{order_type}.{event.to_status}"
    return f"order.{order_type}.{event.event_type}"


def subscriptions_for(customer_id: int) -> list[Subscription]:
    """Active subscriptions that may see this customer's events: the customer's own clients and
    every supply-centre client."""
    from django.db.models import Q

    return list(Subscription.objects.filter(is_active=True, client__is_active=True).filter(
        Q(client__organisation_id=customer_id) | Q(client__organisation__kind="supply_centre")
    ).order_by("id"))


def subscription_filters_for(customer_id: int) -> list[tuple[int, Subscription]]:
    """[(subscription id, an unsaved Subscription holding only its event types, for `wants`)],
    through the cache."""
    def compute():
        return [(sub.pk, tuple(sub.event_types or ())) for sub in subscriptions_for(customer_id)]

    return [(pk, Subscription(event_types=list(types))) for pk, types in SUBSCRIPTIONS.get(str(customer_id), compute)]


def on_order_events(events: Sequence) -> None:
    """In the caller's transaction: one outbox row per order event, one pending delivery per
    matching subscription."""
    rows = []
    for e in events:
        order = e.order
        rows.append(OutboxEvent(
            event_type=event_type_of(order.order_type, e), occurred_at=e.at or timezone.now(), order_id=order.pk,
            customer_id=order.customer_id, order_event_id=e.pk,
            data={"event": e.event_type, "from_status": e.from_status, "to_status": e.to_status,
                  "order_number": order.number, "order_type": order.order_type, "kind": order.kind}))
    OutboxEvent.objects.bulk_create(rows)
    by_customer: dict[int, list[tuple[int, Subscription]]] = {}
    now = timezone.now()
    deliveries = []
    for row in rows:
        subs = by_customer.get(row.customer_id)
        if subs is None:
            subs = by_customer[row.customer_id] = subscription_filters_for(row.customer_id)
        for sub_id, sub in subs:
            if sub.wants(row.event_type):
                deliveries.append(Delivery(subscription_id=sub_id, event=row, order_id=row.order_id,
                                           next_attempt_at=now))
    if deliveries:
        Delivery.objects.bulk_create(deliveries)


def order_representation(order_id: int, client=None) -> dict | None:
    """The order as the JSON API shows it (same schemas: `OrderOut` for customer orders,
    `ServiceOrderOut` for the others), as JSON-ready data; None when the order is gone."""
    from access.principal import principal_for_client
    from ordering.api.core import ServiceOrderOut, service_order_out
    from ordering.api.customer import OrderOut, order_out
    from ordering.models import Order

    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return None
    if order.order_type == "customer":
        return OrderOut.model_validate(order_out(order)).model_dump(mode="json")
    principal = principal_for_client(client) if client is not None else None
    return ServiceOrderOut.model_validate(service_order_out(order, principal)).model_dump(mode="json")


def order_representations(deliveries) -> dict[int, dict]:
    """The current representations of the customer orders of a batch of deliveries, read
    together (order, lines with article and device, events: four statements however many
    orders), keyed by order id: the same as `order_representation` gives for each. Other order
    types depend on the receiving client (`ServiceOrderOut`) and are left to it."""
    from django.db.models import Prefetch

    from ordering.api.customer import OrderOut, order_out
    from ordering.models import Order, OrderLine

    ids = sorted({d.event.order_id for d in deliveries if d.event.data.get("order_type") == "customer"})
    if not ids:
        return {}
    orders = (Order.objects.filter(pk__in=ids, order_type="customer")
              .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("article", "device")),
                                "events"))
    return {o.pk: OrderOut.model_validate(order_out(o)).model_dump(mode="json") for o in orders}


def envelope(event: OutboxEvent, order: dict | None) -> dict:
    return {"id": str(event.event_id), "type": event.event_type,
            "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": {"order_id": event.order_id, "event": event.data, "order": order}}


def feed_sequence(batch: int = 10_000) -> int:
    """Give the pull feed's positions to committed events that have none yet, oldest id first;
    the number given. Positions only grow: the feed counter's row is locked first (an UPDATE, so
    SQLite takes its write lock too), and only events visible now are numbered, each above every
    position given before. An event whose transaction commits late gets a later position than the
    events read meanwhile, instead of an id below a reader's cursor. Run by the feed itself and by
    the dispatcher."""
    from django.db import transaction
    from django.db.models import F, Max

    from .models import FeedCounter

    with transaction.atomic():
        if not FeedCounter.objects.filter(pk=1).update(last=F("last")):
            FeedCounter.objects.get_or_create(pk=1)
            FeedCounter.objects.filter(pk=1).update(last=F("last"))
        last = FeedCounter.objects.get(pk=1).last
        todo = OutboxEvent.objects.filter(feed_position__isnull=True)
        ids = list(todo.order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            return 0
        low, high = ids[0], ids[-1]
        offset = last + 1 - low  # positions last+1 … last+1+(high-low), in id order
        n = todo.filter(id__gte=low, id__lte=high).update(feed_position=F("id") + offset)
        top = OutboxEvent.objects.filter(id__gte=low, id__lte=high).aggregate(m=Max("feed_position"))["m"]
        FeedCounter.objects.filter(pk=1).update(last=max(last, top or last))
        return n
