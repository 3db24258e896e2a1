"""Spare parts for a device on loan (issue 17, docs/prescribing.md "Spare parts"): by serial, the
parts that fit with stock per location, a customer order of kind spare parts linked to the
device, a daily limit per device, back-ordered lines with a planned date, isolation."""
import pytest
from django.test import Client
from django.urls import reverse

from access.principal import principal_for_user
from access.roles import ROLE_PERMISSIONS, Perm, Role
from catalogue.models import ArticleFit
from conftest import login_verified
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ordering.flows import spare_parts as sp
from ordering.models import CustomerOrderKind, Order
from ordering.tests import factories as of
from ordering.tests.service_fixtures import *  # noqa: F403  (svc)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench(svc, make_user):
    """svc's chair on loan to a region patient; a tyre (10 in stock) and a brake (none) that fit."""
    ArticleFit.objects.create(main=svc.chair, part=svc.part)
    svc.brake = of.article(name="Broms vänster", kind="R", price="90.00")
    ArticleFit.objects.create(main=svc.chair, part=svc.brake)
    svc.unrelated = of.article(name="Däck 16 tum", kind="R", price="120.00")
    svc.region_tech = make_user(Role.CUSTOMER_TECHNICIAN, "region")
    svc.muni_tech = make_user(Role.CUSTOMER_TECHNICIAN, "municipality")
    svc.rt, svc.mt = principal_for_user(svc.region_tech), principal_for_user(svc.muni_tech)
    return svc


def test_parts_that_fit_with_stock(bench):
    device, loan = sp.device_on_loan(bench.t, bench.device.serial.lower())
    parts = {p.article_number: p for p in sp.parts_for(device)}
    assert set(parts) == {bench.part.article_number, bench.brake.article_number}
    assert parts[bench.part.article_number].available == 10 and parts[bench.brake.article_number].available == 0
    assert [lv.location.kind for lv in parts[bench.part.article_number].levels] == ["central"]


def test_supply_technician_orders_parts_linked_to_the_device(bench):
    order = sp.spare_parts_order(bench.t, bench.device.serial, [sp.PartLineInput(bench.part.article_number, 2),
                                                                sp.PartLineInput(bench.brake.article_number, 1)])
    assert (order.kind, order.status, order.order_type) == (CustomerOrderKind.SPARE_PARTS, "submitted", "customer")
    assert order.extra["device_id"] == bench.device.pk and order.customer == bench.patient.customer
    lines = {ln.article_id: ln for ln in order.lines.all()}
    assert lines[bench.part.pk].backordered_quantity == 0 and lines[bench.brake.pk].backordered_quantity == 1
    assert order.planned_date is not None  # a back-ordered part: planned for the lead time
    assert [o.pk for o in sp.part_orders_for_device(bench.device)] == [order.pk]
    # The supply centre handles it like any customer order.
    from supply import services as supply

    supply.order_confirm(bench.h, order.pk)
    order.refresh_from_db()
    assert order.status == "confirmed"


def test_only_parts_that_fit_and_sane_quantities(bench):
    before = Order.objects.count()
    for lines, field in [([sp.PartLineInput(bench.unrelated.article_number, 1)], "lines.0.article_number"),
                         ([sp.PartLineInput(bench.part.article_number, 0)], "lines"),
                         ([sp.PartLineInput(bench.part.article_number, 1000)], "lines.0.quantity"),
                         ([sp.PartLineInput(bench.part.article_number, 1), sp.PartLineInput(bench.part.article_number, 1)],
                          "lines.1.article_number")]:
        with pytest.raises(ValidationFailed) as exc:
            sp.spare_parts_order(bench.t, bench.device.serial, lines)
        assert field in exc.value.errors, (lines, exc.value.errors)
    assert Order.objects.count() == before


def test_at_most_n_orders_per_device_and_day(bench, settings):
    settings.LYFTA_SPARE_PART_ORDERS_PER_DEVICE_DAY = 2
    for _ in range(2):
        sp.spare_parts_order(bench.t, bench.device.serial, [sp.PartLineInput(bench.part.article_number, 1)])
    with pytest.raises(Conflict) as exc:
        sp.spare_parts_order(bench.rt, bench.device.serial, [sp.PartLineInput(bench.part.article_number, 1)])
    assert exc.value.code == "spare_part_limit" and "Högst 2" in exc.value.message
    # Another device is not affected.
    other = bench.deliver(bench.chair, bench.patient)
    sp.spare_parts_order(bench.t, other.serial, [sp.PartLineInput(bench.part.article_number, 1)])


def test_customer_technician_only_for_own_customers_devices(bench):
    order = sp.spare_parts_order(bench.rt, bench.device.serial, [sp.PartLineInput(bench.part.article_number, 1)])
    assert order.unit.organisation_id == bench.patient.customer_id and order.orderer == bench.region_tech
    with pytest.raises(NotFound):
        sp.device_on_loan(bench.mt, bench.device.serial)
    with pytest.raises(NotFound):
        sp.spare_parts_order(bench.mt, bench.device.serial, [sp.PartLineInput(bench.part.article_number, 1)])
    with pytest.raises(NotFound):
        sp.device_on_loan(bench.t, "NOSUCH123")
    with pytest.raises(PermissionDenied):
        sp.device_on_loan(bench.p, bench.device.serial)  # a prescriber has no spare-parts role


def test_roles_that_may_order_parts():
    allowed = {r for r, perms in ROLE_PERMISSIONS.items() if Perm.SPARE_PARTS_ORDER in perms}
    assert allowed == {Role.TECHNICIAN, Role.CUSTOMER_TECHNICIAN}


def test_phone_page_by_serial(bench):
    c = login_verified(Client(), bench.technician)
    url = reverse("ordering:spare_parts")
    assert c.get(url).status_code == 200
    r = c.get(url, {"serial": "NOSUCH"})
    assert r.status_code == 422 and "Ingen utlånad individ" in r.content.decode()
    r = c.get(url, {"serial": bench.device.serial})
    body = r.content.decode()
    assert r.status_code == 200 and bench.part.name in body and "Centrallager" in body
    assert bench.unrelated.name not in body
    post = f"{url}?serial={bench.device.serial}"
    r = c.post(post, {f"part_{bench.part.article_number}": "0"})
    assert r.status_code == 422
    r = c.post(post, {f"part_{bench.part.article_number}": "2"})
    assert r.status_code == 302
    order = Order.objects.get(kind="spare_parts")
    assert order.lines.get().quantity == 2
    card = login_verified(Client(), bench.handler).get(reverse("stock:device", args=[bench.device.serial]))
    assert order.number in card.content.decode()
