"""HMC pages and the supply-side API."""
import datetime as dt
import json

import pytest
from django.urls import reverse

from access.roles import Role
from ordering.models import Delivery, Message, Order, OrderEvent
from ordering.tests.conftest import make_order
from stock.models import Loan
from supply import services


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def handler_client(stocked, client):
    from conftest import login_verified

    return login_verified(client, stocked.handler)


def test_inbox_lists_urgent_first(stocked, handler_client):
    normal = make_order(stocked)
    urgent = make_order(stocked, priority="urgent")
    make_order(stocked, submit=False)  # drafts never reach the inbox
    html = handler_client.get(reverse("supply:inbox")).content.decode()
    assert html.index(urgent.number) < html.index(normal.number)
    assert html.count("KO0") == 2


def test_inbox_requires_handler_role(stocked, client_for):
    c, _ = client_for(Role.PRESCRIBER)
    assert c.get(reverse("supply:inbox")).status_code == 403
    order = make_order(stocked)
    assert c.post(reverse("supply:order_confirm", args=[order.pk])).status_code == 403
    assert Order.objects.get(pk=order.pk).status == "submitted"


def test_full_handling_through_the_pages(stocked, handler_client):
    order = make_order(stocked)
    url = reverse("supply:order_handle", args=[order.pk])
    assert handler_client.get(url).status_code == 200
    assert handler_client.post(reverse("supply:order_confirm", args=[order.pk]), {}).status_code == 302
    r = handler_client.post(reverse("supply:order_confirm", args=[order.pk]), {}, follow=True)
    assert "Ordern har redan bekräftats av" in r.content.decode()
    r = handler_client.post(reverse("supply:order_delay", args=[order.pk]), {"new_date": "2001-01-01",
                                                                             "reason": "sent"})
    assert r.status_code == 422 and "bakåt i tiden" in r.content.decode()
    r = handler_client.post(reverse("supply:order_delay", args=[order.pk]), {"new_date": "2099-01-01",
                                                                             "reason": ""})
    assert r.status_code == 422
    assert not OrderEvent.objects.filter(event_type="delay").exists()
    handler_client.post(reverse("supply:order_dispatch", args=[order.pk]))
    lines = list(order.lines.all())
    data = {"receiver_name": "Astrid", "place": "stay_address"}
    data.update({f"qty_{ln.pk}": ln.quantity for ln in lines})
    r = handler_client.post(reverse("supply:order_deliver", args=[order.pk]), data)
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "delivered" and Loan.objects.filter(patient=stocked.patient).count() == 1
    html = handler_client.get(url).content.decode()
    assert "Följesedel (PDF)" in html
    note = handler_client.get(reverse("ordering:delivery_note", args=[Delivery.objects.get().pk]))
    assert note.status_code == 200 and note.content.startswith(b"%PDF")


def test_supply_api_confirm_delay_dispatch_deliver(stocked, api):
    order = make_order(stocked)
    base = f"/api/v1/supply/orders/{order.pk}"
    r = post(api.supply, base + "/confirm", {}, HTTP_IDEMPOTENCY_KEY="c-1")
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    again = post(api.supply, base + "/confirm", {}, HTTP_IDEMPOTENCY_KEY="c-1")  # replay
    assert again.status_code == 200 and again.json() == r.json()
    conflict = post(api.supply, base + "/confirm", {})
    assert conflict.status_code == 409 and "redan bekräftats" in conflict.json()["detail"]
    r = post(api.supply, base + "/delay", {"new_date": "2099-01-01", "reason": "Sen leverantör"})
    assert r.status_code == 422  # too far ahead
    next_year = order.promised_date + dt.timedelta(days=365)
    r = post(api.supply, base + "/delay", {"new_date": str(next_year),
                                           "reason": "Sen leverantör"})
    assert r.status_code == 200 and r.json()["events"][-1]["event_type"] == "delay"
    assert post(api.supply, base + "/dispatch", {}).status_code == 200
    bad = post(api.supply, base + "/deliver", {"receiver_name": "", "place": "stay_address"})
    assert bad.status_code == 422 and not Delivery.objects.exists()
    r = post(api.supply, base + "/deliver", {"receiver_name": "Astrid", "place": "stay_address"})
    assert r.status_code == 200 and r.json()["order"]["status"] == "delivered" and r.json()["delivery_id"]
    kinds = sorted(Message.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == ["confirmed", "delayed", "delivered"]
    inbox = api.supply.get("/api/v1/supply/orders", {"status": "delivered"})
    assert [o["id"] for o in inbox.json()] == [order.pk]


def test_supply_api_refuses_customer_tokens(stocked, api):
    order = make_order(stocked)
    r = post(api.region, f"/api/v1/supply/orders/{order.pk}/confirm", {})
    assert r.status_code == 403 and Order.objects.get(pk=order.pk).status == "submitted"
    assert api.region.get("/api/v1/supply/orders").status_code == 403


def test_supply_api_cancel(stocked, api):
    order = make_order(stocked)
    r = post(api.supply, f"/api/v1/supply/orders/{order.pk}/cancel", {"reason": ""})
    assert r.status_code == 422 and Order.objects.get(pk=order.pk).status == "submitted"
    r = post(api.supply, f"/api/v1/supply/orders/{order.pk}/cancel", {"reason": "Utgått"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = post(api.supply, f"/api/v1/supply/orders/{order.pk}/dispatch", {})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    r = post(api.supply, "/api/v1/supply/orders/999999/confirm", {})
    assert r.status_code == 404


def test_device_card_lists_the_order(stocked, handler_client):
    order = make_order(stocked)
    services.order_confirm(stocked.h, order.pk)
    serial = order.lines.get(line_no=1).device.serial
    r = handler_client.get(reverse("stock:device", args=[serial]))
    assert r.status_code == 200 and order.number in r.content.decode()


def test_inbox_query_count_is_constant(stocked, handler_client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ordering.flows import customer as osvc

    cushion_only = [osvc.LineInput(stocked.cushion.article_number, 1)]
    make_order(stocked, lines=cushion_only)
    handler_client.get(reverse("supply:inbox"))
    with CaptureQueriesContext(connection) as ctx:
        handler_client.get(reverse("supply:inbox"))
    for _ in range(5):
        make_order(stocked, lines=cushion_only, priority="urgent")
    with django_assert_num_queries(len(ctx.captured_queries)):
        r = handler_client.get(reverse("supply:inbox"))
    assert r.content.decode().count("KO0") == 6
