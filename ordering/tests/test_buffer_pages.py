"""The store keeper's and the supply admin's buffer-store pages."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.roles import Role
from conftest import login_verified
from ordering.models import Order
from stock.models import Device, Location, ReorderRule, StockMovement

from .test_buffer import store  # noqa: F401  (fixture)


@pytest.fixture
def keeper(store, client):  # noqa: F811
    return login_verified(client, store.keeper)


def test_store_keeper_sees_the_store(store, keeper):  # noqa: F811
    body = keeper.get(reverse("ordering:store_list")).content.decode()
    assert store.store.name in body
    page = keeper.get(reverse("ordering:store_detail", args=[store.store.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "W0" in body and store.pads.name in body and "Beställningspunkter" in body


def test_other_customers_store_is_404(store, client_for):  # noqa: F811
    other, _ = client_for(Role.STORE_KEEPER, "region")
    assert other.get(reverse("ordering:store_detail", args=[store.store.pk])).status_code == 404
    assert other.get(reverse("ordering:withdrawal_new", args=[store.store.pk])).status_code == 404


def test_withdrawal_page(store, keeper):  # noqa: F811
    url = reverse("ordering:withdrawal_new", args=[store.store.pk]) + f"?patient={store.patient.pk}"
    page = keeper.get(url)
    assert page.status_code == 200 and "d:W1" in page.content.decode()
    old = timezone.localtime() - dt.timedelta(hours=30)
    bad = keeper.post(url, {"patient": store.patient.pk, "item": "d:W1", "quantity": 1,
                            "withdrawn_at": old.strftime("%Y-%m-%dT%H:%M")})
    assert bad.status_code == 422 and "högst 24 timmar" in bad.content.decode()
    assert not Order.objects.filter(kind="withdrawal").exists()
    ok = keeper.post(url, {"patient": store.patient.pk, "item": "d:W1", "quantity": 1,
                           "withdrawn_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert ok.status_code == 302
    assert Device.objects.get(serial="W1").holder_patient_id == store.patient.pk


def test_count_and_manual_order_pages(store, keeper):  # noqa: F811
    count_url = reverse("ordering:store_count", args=[store.store.pk])
    bad = keeper.post(count_url, {"article_number": store.pads.article_number, "counted": 8, "reason": ""})
    assert bad.status_code == 422
    ok = keeper.post(count_url, {"article_number": store.pads.article_number, "counted": 8, "reason": "Inventering"})
    assert ok.status_code == 302
    assert StockMovement.objects.get(location=store.store, kind="adjustment").quantity == -2
    order_url = reverse("ordering:buffer_order_new", args=[store.store.pk])
    bad = keeper.post(order_url, {"article_number": "NOPE", "quantity": 2})
    assert bad.status_code == 422 and "NOPE finns inte" in bad.content.decode()
    ok = keeper.post(order_url, {"article_number": store.pads.article_number, "quantity": 30})
    assert ok.status_code == 302
    order = Order.objects.get(kind="buffer_manual")
    assert order.status == "submitted" and order.buffer_store_id == store.store.pk


def test_start_page_panel_below_safety(store, keeper):  # noqa: F811
    assert "Alla förråd ligger över säkerhetsnivån" in keeper.get(reverse("core:start")).content.decode()
    ReorderRule.objects.filter(pk=store.pads_rule.pk).update(safety_level=12, refill_level=30)
    body = keeper.get(reverse("core:start")).content.decode()
    assert "Under säkerhetsnivån i förråden" in body and f"{store.pads.name} (10/12)" in body


def test_admin_creates_store_and_rules(store, world, client_for):  # noqa: F811
    admin, _ = client_for(Role.SUPPLY_ADMIN)
    url = reverse("stock:buffer_stores")
    assert admin.get(url).status_code == 200
    bad = admin.post(url, {"name": "Nytt förråd", "unit": world["supply_unit"].pk})
    assert bad.status_code == 422
    ok = admin.post(url, {"name": "Nytt förråd", "unit": world["region_unit"].pk})
    new = Location.objects.get(name="Nytt förråd")
    assert ok.status_code == 302 and new.kind == "buffer_store" and new.code.startswith("BUF-")
    rules_url = reverse("stock:buffer_store_rules", args=[new.pk])
    bad = admin.post(rules_url, {"action": "rule", "article_number": store.pads.article_number, "safety_level": 5,
                                 "refill_level": 5})
    assert bad.status_code == 422 and "högre än säkerhetsnivån" in bad.content.decode()
    ok = admin.post(rules_url, {"action": "rule", "article_number": store.pads.article_number, "safety_level": 5,
                                "refill_level": 15, "automatic": "on"})
    assert ok.status_code == 302 and ReorderRule.objects.filter(store=new).count() == 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    sheet = (f"förråd;artikelnummer;säkerhetsnivå;påfyllnadsnivå\n{new.code};{store.walker.article_number};1;4\n"
             f"{new.code};{store.pads.article_number};9;3\n").encode()
    bad = admin.post(rules_url, {"action": "upload", "file": SimpleUploadedFile("r.csv", sheet)})
    assert bad.status_code == 422 and "Rad 3:" in bad.content.decode()
    assert ReorderRule.objects.filter(store=new).count() == 1  # nothing written
    good = sheet.replace(b";9;3", b";3;9")
    ok = admin.post(rules_url, {"action": "upload", "file": SimpleUploadedFile("r.csv", good)})
    assert ok.status_code == 302 and ReorderRule.objects.filter(store=new).count() == 2


def test_store_keeper_cannot_reach_the_admin_pages(store, keeper):  # noqa: F811
    assert keeper.get(reverse("stock:buffer_stores")).status_code == 403


def test_withdrawal_is_searchable_and_has_its_order_page(store, keeper):  # noqa: F811
    from ordering.flows import buffer

    order = buffer.withdrawal_create(store.k, buffer.WithdrawalInput(
        store_id=store.store.pk, article_number=store.walker.article_number, patient_id=store.patient.pk,
        serial="W2"))
    body = keeper.get(reverse("ordering:order_search") + f"?number={order.number}").content.decode()
    assert order.number in body
    page = keeper.get(reverse("ordering:order_detail", args=[order.pk]))
    assert page.status_code == 200 and "W2" in page.content.decode()
