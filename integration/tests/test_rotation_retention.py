"""Webhook secret rotation (two signatures during the grace period, verified with the
standardwebhooks library's own verifier) and outbox retention."""
import datetime as dt
import json

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from access.principal import principal_for_client
from audit.models import AuditEvent
from integration import dispatch, services
from integration.models import Delivery, OutboxEvent, Subscription
from integration.retention import outbox_prune
from ordering.tests.conftest import make_order
from tests import factories as f


def _principal(org, name):
    return principal_for_client(f.api_client(org, f"tok-{name}", name=name))


def test_rotated_secret_signs_with_both_during_grace_then_only_the_new(shop, world):
    p = _principal(world["region"], "r")
    sub = services.subscription_create(p, target_url="http://127.0.0.1:9/x")
    old = sub.secret
    make_order(shop)
    sub = services.subscription_secret_rotate(p, sub.pk, grace_hours=2)
    assert sub.secret != old and sub.previous_secret == old
    d = Delivery.objects.select_related("subscription", "event").filter(subscription=sub).first()
    body, headers = dispatch.signed_request(d)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(sub.secret).verify(body, headers)["id"] == str(d.event.event_id)
    assert Webhook(old).verify(body, headers)["id"] == str(d.event.event_id)
    with pytest.raises(WebhookVerificationError):
        Webhook(services.new_secret()).verify(body, headers)
    # after the grace period only the new secret signs
    later = timezone.now() + dt.timedelta(hours=3)
    body, headers = dispatch.signed_request(d, now=later)
    assert len(headers["webhook-signature"].split(" ")) == 1
    from unittest import mock

    with mock.patch("standardwebhooks.webhooks.datetime") as fake:  # verify at that later time
        fake.now.return_value = later
        fake.fromtimestamp = dt.datetime.fromtimestamp
        fake.timezone = dt.timezone
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(body, headers)
        assert Webhook(sub.secret).verify(body, headers)
    assert AuditEvent.objects.filter(action="integration.subscription.secret_rotated").count() == 1


def test_rotate_api_isolated_validated_and_grace_zero_ends_old_secret(api, world):
    r = api.region.post("/api/v1/webhooks/subscriptions", json.dumps({"target_url": "http://127.0.0.1:9/x"}),
                        content_type="application/json")
    sub_id, old = r.json()["id"], r.json()["secret"]
    path = f"/api/v1/webhooks/subscriptions/{sub_id}/secret"
    assert api.municipality.post(path, "{}", content_type="application/json").status_code == 404
    bad = api.region.post(path, json.dumps({"grace_hours": 1000}), content_type="application/json")
    assert bad.status_code == 422 and Subscription.objects.get(pk=sub_id).secret == old
    ok = api.region.post(path, json.dumps({"grace_hours": 0}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["secret"] != old and ok.json()["previous_secret_valid_until"] is None
    assert Subscription.objects.get(pk=sub_id).signing_secrets(timezone.now()) == [ok.json()["secret"]]


def test_outbox_retention_deletes_only_old_fully_delivered_events(shop, world, settings):
    settings.LYFTA_OUTBOX_RETENTION_DAYS = 30
    p = _principal(world["region"], "r")
    sub = services.subscription_create(p, target_url="http://127.0.0.1:9/x")
    old_delivered, old_pending, fresh = make_order(shop), make_order(shop), make_order(shop)
    long_ago = timezone.now() - dt.timedelta(days=31)
    OutboxEvent.objects.filter(order__in=[old_delivered, old_pending]).update(occurred_at=long_ago)
    Delivery.objects.filter(event__order__in=[old_delivered, fresh]).update(status="delivered")
    Delivery.objects.filter(event__order=old_pending).update(status="failed")
    kept_before = OutboxEvent.objects.exclude(order=old_delivered).count()
    n = outbox_prune()
    assert n == 2 and not OutboxEvent.objects.filter(order=old_delivered).exists()
    assert OutboxEvent.objects.count() == kept_before  # the failed one waits for replay; fresh stays
    assert not Delivery.objects.filter(event__order=old_delivered).exists()
    assert outbox_prune() == 0  # again: nothing more
    # an ended subscription's undelivered rows do not keep an old event
    sub.is_active = False
    sub.save(update_fields=["is_active"])
    assert outbox_prune() == 2
    settings.LYFTA_OUTBOX_RETENTION_DAYS = 0
    OutboxEvent.objects.update(occurred_at=long_ago)
    Delivery.objects.update(status="delivered")
    assert outbox_prune() == 0  # 0: keep everything
    assert AuditEvent.objects.filter(action="integration.outbox.pruned").count() == 2
