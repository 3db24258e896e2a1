"""API of subscriptions, deliveries, replay and the pull feed; the supply admin's page."""
import json

from access.roles import Role
from integration import dispatch
from integration.models import Delivery, OutboxEvent
from integration.tests.receiver import Receiver
from ordering.tests.conftest import make_order


def post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def test_subscription_lifecycle_and_deliveries(api, shop):
    r = post(api.region, "/api/v1/webhooks/subscriptions", {"target_url": "http://127.0.0.1:9/none"})
    assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
    sub_id = r.json()["id"]
    assert [s["id"] for s in api.region.get("/api/v1/webhooks/subscriptions").json()] == [sub_id]
    assert api.municipality.get("/api/v1/webhooks/subscriptions").json() == []
    bad = post(api.region, "/api/v1/webhooks/subscriptions", {"target_url": "ftp://x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "target_url"

    make_order(shop)
    with Receiver(lambda n, h, b: 503) as rx:
        Delivery.objects.update(subscription_id=sub_id)
        from integration.models import Subscription
        Subscription.objects.filter(pk=sub_id).update(target_url=rx.url)
        dispatch.dispatch_once()
    rows = api.region.get("/api/v1/webhooks/deliveries").json()
    assert {d["status"] for d in rows} == {"pending"} and any(d["last_status_code"] == 503 for d in rows)
    assert api.municipality.get("/api/v1/webhooks/deliveries").json() == []
    one = rows[-1]["id"]
    assert api.municipality.post(f"/api/v1/webhooks/deliveries/{one}/replay").status_code == 404
    assert api.region.post(f"/api/v1/webhooks/deliveries/{one}/replay").json() == {"requeued": 1}
    r = post(api.region, "/api/v1/webhooks/deliveries/replay", {"since": "2000-01-01T00:00:00Z"})
    assert r.json() == {"requeued": 2}
    assert api.region.delete(f"/api/v1/webhooks/subscriptions/{sub_id}").status_code == 204
    assert api.municipality.delete(f"/api/v1/webhooks/subscriptions/{sub_id}").status_code == 404


def test_feed_is_isolated_per_customer_and_pages_by_cursor(api, shop):
    make_order(shop)
    make_order(shop)
    region = api.region.get("/api/v1/events", {"limit": 3}).json()
    assert [e["type"] for e in region["events"]] == ["order.customer.draft", "order.customer.submitted",
                                                     "order.customer.draft"]
    rest = api.region.get("/api/v1/events", {"after": region["next_cursor"]}).json()
    assert [e["type"] for e in rest["events"]] == ["order.customer.submitted"]
    assert rest["next_cursor"] == OutboxEvent.objects.order_by("id").last().feed_position
    assert api.region.get("/api/v1/events", {"after": rest["next_cursor"]}).json()["events"] == []
    assert api.municipality.get("/api/v1/events").json()["events"] == []
    assert len(api.supply.get("/api/v1/events").json()["events"]) == 4


def test_supply_admin_page_lists_failed_and_replays(client_for, api, shop, settings):
    settings.LYFTA_WEBHOOK_RETRY_HOURS = 0
    with Receiver(lambda n, h, b: 500) as rx:
        post(api.region, "/api/v1/webhooks/subscriptions", {"target_url": rx.url})
        make_order(shop)
        dispatch.dispatch_until_idle()
    client, _ = client_for(Role.SUPPLY_ADMIN)
    page = client.get("/integration/leveranser/")
    assert page.status_code == 200 and "order.customer.draft" in page.content.decode()
    d = Delivery.objects.filter(status="failed").first()
    assert client.post(f"/integration/leveranser/{d.pk}/skicka-om/").status_code == 302
    assert Delivery.objects.get(pk=d.pk).status == "pending"
    r = client.post("/integration/leveranser/skicka-om/", {"since": "2000-01-01T00:00"})
    assert r.status_code == 302 and not Delivery.objects.filter(status="failed").exists()
    handler, _ = client_for(Role.SUPPLY_HANDLER)
    assert handler.get("/integration/leveranser/").status_code == 403


def test_bad_input_is_a_clear_error_never_a_500(api, shop):
    assert post(api.region, "/api/v1/webhooks/deliveries/replay", {"since": "2999-01-01T00:00:00"}).status_code == 422
    assert post(api.region, "/api/v1/webhooks/deliveries/replay", {"since": "2000-01-01T00:00:00"}).status_code == 200
    assert api.region.get("/api/v1/events", {"after": 2**70}).status_code == 422
    assert api.region.post(f"/api/v1/webhooks/deliveries/{2**70}/replay").status_code == 422
    assert post(api.region, "/api/v1/webhooks/subscriptions", {"target_url": "http://x/", "event_types": [1]}
                ).status_code == 422
    assert post(api.region, "/api/v1/webhooks/subscriptions", {"target_url": "http://x/", "event_types": ["x"]}
                ).status_code == 422
    assert post(api.region, "/api/v1/webhooks/deliveries/replay", {"since": "2000-01-01T00:00:00Z",
                                                                   "subscription_id": 999}).status_code == 404


def test_malformed_target_urls_are_refused(api, world):
    for url in ["http://[", "http://x:99999/", "https:///path", "http://a b/", "javascript:alert(1)", ""]:
        r = post(api.region, "/api/v1/webhooks/subscriptions", {"target_url": url})
        assert r.status_code == 422, (url, r.content)
