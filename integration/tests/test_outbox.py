"""The outbox: every order event writes its row in the same transaction; deliveries per
subscription, isolated per customer; the dispatcher against a real local receiver."""
import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from access.principal import principal_for_client
from integration import dispatch, services
from integration.models import Delivery, OutboxEvent
from integration.tests.receiver import Receiver
from ordering import events as ordering_events
from ordering.flows import customer as order_services
from ordering.models import Order, OrderEvent
from ordering.tests.conftest import make_order
from tests import factories as f


def _principal(org, name):
    return principal_for_client(f.api_client(org, f"tok-{name}", name=name))


def test_committed_order_events_each_write_an_outbox_row(shop):
    order = make_order(shop)
    order_services.order_withdraw(shop.p, order.pk, "Fel")
    rows = list(OutboxEvent.objects.filter(order=order))
    assert [r.event_type for r in rows] == ["order.customer.draft", "order.customer.submitted",
                                            "order.customer.withdrawn"]
    assert {r.order_event_id for r in rows} == set(OrderEvent.objects.filter(order=order).values_list("pk", flat=True))
    assert all(r.customer_id == shop.world["region"].pk for r in rows)


def test_a_change_that_rolls_back_leaves_no_outbox_row(shop):
    order = make_order(shop)
    before = OutboxEvent.objects.count()

    def boom(events):
        raise RuntimeError("later failure in the same transaction")

    ordering_events.register_event_listener(boom)
    try:
        with pytest.raises(RuntimeError):
            order_services.order_withdraw(shop.p, order.pk, "Fel")
    finally:
        ordering_events._listeners.remove(boom)
    order.refresh_from_db()
    assert order.status == "submitted"
    assert OutboxEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_rollback_and_commit_on_a_real_transaction(shop):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            order = order_services.order_draft_create(shop.p, order_services.DraftInput(
                patient_id=shop.patient.pk, lines=[order_services.LineInput(shop.cushion.article_number, 1)]))
            assert OutboxEvent.objects.filter(order_id=order.pk).exists()
            raise RuntimeError("roll back")
    assert not OutboxEvent.objects.exists() and not Order.objects.exists()
    order = make_order(shop)
    assert OutboxEvent.objects.filter(order=order).count() == OrderEvent.objects.filter(order=order).count() == 2


def test_customer_subscription_never_gets_another_customers_events(shop, world):
    region = services.subscription_create(_principal(world["region"], "r"), target_url="http://127.0.0.1:1/x")
    muni = services.subscription_create(_principal(world["municipality"], "m"), target_url="http://127.0.0.1:1/y")
    sup = services.subscription_create(_principal(world["supply"], "s"), target_url="http://127.0.0.1:1/z",
                                       event_types=["order.customer.submitted"])
    make_order(shop)  # a region order: draft + submitted
    assert Delivery.objects.filter(subscription=region).count() == 2
    assert Delivery.objects.filter(subscription=muni).count() == 0
    assert [d.event.event_type for d in Delivery.objects.filter(subscription=sup)] == ["order.customer.submitted"]


def test_https_only_under_production_settings(world, settings):
    p = _principal(world["region"], "r")
    settings.LYFTA_WEBHOOK_REQUIRE_HTTPS = True
    with pytest.raises(services.ValidationFailed):
        services.subscription_create(p, target_url="http://example.se/hook")
    assert services.subscription_create(p, target_url="https://example.se/hook").secret.startswith("whsec_")


def _drain(max_rounds=200):
    import time
    for _ in range(max_rounds):
        dispatch.dispatch_once()
        if not Delivery.objects.filter(status="pending").exists():
            return
        time.sleep(0.02)
    raise AssertionError("deliveries still pending")


def test_receiver_failing_then_recovering_gets_every_event_in_order_per_order(shop, world, settings):
    settings.LYFTA_WEBHOOK_RETRY_BASE_SECONDS = 0.01
    settings.LYFTA_WEBHOOK_RETRY_CAP_SECONDS = 0.05
    with Receiver(lambda n, h, b: 500 if n < 5 else 200) as rx:
        sub = services.subscription_create(_principal(world["region"], "r"), target_url=rx.url)
        a, b = make_order(shop), make_order(shop)
        order_services.order_withdraw(shop.p, a.pk, "Fel")
        _drain()
    expected = list(OutboxEvent.objects.order_by("id").values_list("event_id", "order_id"))
    got_ok = [(x["id"], x["data"]["order_id"]) for x in rx.bodies(200)]
    assert sorted(got_ok) == sorted((str(e), o) for e, o in expected)  # every event, once acknowledged
    for order in (a, b):
        want = [str(e) for e, o in expected if o == order.pk]
        sent = [x["id"] for x in rx.bodies() if x["data"]["order_id"] == order.pk]
        # Each request for this order is either a retry of the current event or the next one.
        assert list(dict.fromkeys(sent)) == want
    assert all(d.status == "delivered" and d.last_status_code == 200 for d in Delivery.objects.filter(subscription=sub))
    assert rx.bodies(200)[0]["data"]["order"]["number"] in {a.number, b.number}


def test_signature_verifies_with_the_library_and_tampering_or_replay_fails(shop, world):
    with Receiver() as rx:
        sub = services.subscription_create(_principal(world["region"], "r"), target_url=rx.url)
        make_order(shop)
        _drain()
    _s, headers, body = rx.requests[0]
    wh = Webhook(sub.secret)
    assert wh.verify(body, headers)["type"] == "order.customer.draft"
    with pytest.raises(WebhookVerificationError):
        wh.verify(body.replace(b"draft", b"dr4ft"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(services.new_secret()).verify(body, headers)
    # A captured request sent again later than the tolerance (5 min) is refused.
    d = Delivery.objects.filter(subscription=sub).first()
    old_body, old_headers = dispatch.signed_request(d, now=timezone.now() - dt.timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError):
        wh.verify(old_body, old_headers)


def test_delivery_fails_after_the_retry_window_and_replay_requeues(shop, world, settings):
    settings.LYFTA_WEBHOOK_RETRY_HOURS = 0
    with Receiver(lambda n, h, b: 500) as rx:
        services.subscription_create(_principal(world["region"], "r"), target_url=rx.url)
        make_order(shop)
        assert dispatch.dispatch_once() == 1  # the second event waits for the first
        assert dispatch.dispatch_once() == 1  # the first failed: the next one goes
        assert Delivery.objects.filter(status="failed").count() == 2
        assert Delivery.objects.first().last_status_code == 500
    d = Delivery.objects.first()
    assert services.delivery_replay(None, d.pk) == 1
    assert Delivery.objects.get(pk=d.pk).status == "pending"
    assert services.deliveries_replay_since(None, timezone.now() - dt.timedelta(hours=1)) == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_deliver_each_event_once_in_order_per_order(shop, world):
    import threading

    from django.db import connection

    with Receiver() as rx:
        services.subscription_create(_principal(world["region"], "r"), target_url=rx.url)
        orders = [make_order(shop) for _ in range(6)]
        errors = []

        def run():
            try:
                dispatch.dispatch_until_idle(limit=2)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        _drain()
    assert not errors
    ids = [h["webhook-id"] for _s, h, _b in rx.requests]
    assert len(ids) == len(set(ids)) == 12  # each event once (claims never overlap)
    for order in orders:
        want = [str(e) for e in OutboxEvent.objects.filter(order=order).order_by("id").values_list("event_id", flat=True)]
        assert [i for i in ids if i in want] == want
