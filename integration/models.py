"""The outbox of order events and their webhook deliveries (docs/integration.md).

`OutboxEvent` rows are written by `integration.outbox.on_order_events`, an in-transaction
listener of ordering's events: a change that commits always leaves its rows, one that rolls
back leaves none. `Delivery` rows (one per matching subscription) are written in the same
transaction; the dispatcher (`integration.dispatch`) sends them later, never a request."""
from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """One order event as published to other systems. `feed_position` is the pull feed's cursor:
    given after commit by `integration.outbox.feed_sequence` (ids are taken before commit, so on
    PostgreSQL a lower id can become visible after a higher one has been read)."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=60)  # e.g. order.customer.submitted
    occurred_at = models.DateTimeField(db_index=True)
    order = models.ForeignKey("ordering.Order", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+")
    order_event = models.ForeignKey("ordering.OrderEvent", null=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)  # from/to status, event kind
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)  # broker sink (None: not yet)
    feed_position = models.BigIntegerField(null=True, blank=True, unique=True)  # None: not yet in the feed

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer", "id"], name="outbox_cust_idx"),
                   models.Index(fields=["customer", "feed_position"], name="outbox_cust_feed_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class FeedCounter(models.Model):
    """One row: the highest feed position given so far. Locked while positions are given, so
    they only grow, even after retention has emptied the outbox."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last = models.BigIntegerField(default=0)


class Subscription(models.Model):
    """A webhook target of one API client. `event_types` empty: every type."""

    client = models.ForeignKey("access.ApiClient", on_delete=models.CASCADE, related_name="webhook_subscriptions")
    target_url = models.URLField(_("mottagar-URL"), max_length=500)
    event_types = models.JSONField(default=list, blank=True)
    secret = models.CharField(max_length=100)  # whsec_<base64>, Standard Webhooks
    # Secret rotation: the secret replaced last keeps signing too (a second signature in
    # `webhook-signature`) until `previous_secret_until`, so receivers can switch without a gap.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.client} → {self.target_url}"

    def signing_secrets(self, now) -> list[str]:
        """The secrets requests are signed with at `now`: the current one, and the previous one
        during its grace period."""
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            return [self.secret, self.previous_secret]
        return [self.secret]

    def wants(self, event_type: str) -> bool:
        return not self.event_types or any(
            event_type == t or (t.endswith("*") and event_type.startswith(t[:-1])) for t in self.event_types)


class Delivery(models.Model):
    """One event to one subscription. Pending until the receiver answers 2xx; a claim moves
    `next_attempt_at` forward by the lease, so a dispatcher that dies mid-delivery leaves the
    row to be sent again (same event id) once the lease ends."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar")
        DELIVERED = "delivered", _("Levererad")
        FAILED = "failed", _("Misslyckad")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    order_id = models.BigIntegerField()  # the event's order: deliveries of one order go in event order
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["subscription", "order_id", "status", "id"], name="delivery_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}:{self.event_id} {self.status}"
