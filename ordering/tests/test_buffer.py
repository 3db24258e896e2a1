"""Buffer stores: reorder rules, withdrawal, automatic replenishment, manual buffer orders
(docs/buffer-stores.md)."""
import datetime as dt
import types

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from access.principal import principal_for_user
from access.roles import Role
from audit.models import AuditEvent, PatientAccess
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ordering.flows import buffer
from ordering.models import Order, OrderEvent
from ordering.tests import factories as of
from stock import services as stock_services
from stock.buffer import services as buffer_stock
from stock.buffer.rules_import import parse
from stock.models import Device, Loan, ReorderRule, StockLevel, StockMovement
from stock.services import DeviceIn
from supply import services as supply


@pytest.fixture
def store(world, make_user):
    """A buffer store at the municipality's unit with a store keeper, a walker (tracked, 3 in the
    store) and a counted article (10 in the store); rules: walker safety 2 / refill 5, pads 4 / 20."""
    unit = world["municipality_unit"]
    s = types.SimpleNamespace(world=world)
    s.keeper = make_user(Role.STORE_KEEPER, "municipality")
    s.k = principal_for_user(s.keeper)
    s.handler = principal_for_user(make_user(Role.SUPPLY_HANDLER))
    s.admin = principal_for_user(make_user(Role.SUPPLY_ADMIN))
    s.store = buffer_stock.store_create(name="Förråd Hemsjukvård", unit_id=unit.pk, actor=s.admin)
    s.walker = of.article(name="Rollator Gåvan", tracked=True, rent="150.00")
    s.pads = of.article(name="Inkontinensskydd", price="5.00")
    of.central()
    s.devices = stock_services.receive(article=s.walker, location=s.store,
                                       devices=[DeviceIn(serial=f"W{i}") for i in range(3)], ref="test")
    stock_services.receive(article=s.pads, location=s.store, quantity=10, ref="test")
    s.walker_rule = buffer_stock.reorder_rule_set(store=s.store, article_number=s.walker.article_number,
                                                  safety_level=2, refill_level=5, actor=s.admin)
    s.pads_rule = buffer_stock.reorder_rule_set(store=s.store, article_number=s.pads.article_number,
                                                safety_level=4, refill_level=20, actor=s.admin)
    s.patient = of.patient(world["municipality"])
    return s


def withdraw(s, *, principal=None, **kw):
    data = dict(store_id=s.store.pk, article_number=s.walker.article_number, patient_id=s.patient.pk,
                serial="W0")
    data.update(kw)
    return buffer.withdrawal_create(principal or s.k, buffer.WithdrawalInput(**data))


def counts():
    return (Order.objects.count(), StockMovement.objects.count(), Loan.objects.count(), OrderEvent.objects.count())


# --------------------------------------------------------------------------- rules


def test_rule_checks(store):
    for safety, refill, field in [(3, 3, "refill_level"), (-1, 4, "safety_level"), ("x", 4, "safety_level"),
                                  (1, 2.5, "refill_level")]:
        with pytest.raises(ValidationFailed) as exc:
            buffer_stock.reorder_rule_set(store=store.store, article_number=store.pads.article_number,
                                          safety_level=safety, refill_level=refill)
        assert field in exc.value.errors
    service = of.article(name="Montering", kind="Tj")
    with pytest.raises(ValidationFailed, match="tjänst"):
        buffer_stock.reorder_rule_set(store=store.store, article_number=service.article_number, safety_level=1,
                                      refill_level=2)
    with pytest.raises(ValidationFailed, match="buffertförråd"):
        buffer_stock.reorder_rule_set(store=of.central(), article_number=store.pads.article_number, safety_level=1,
                                      refill_level=2)
    rule = buffer_stock.reorder_rule_set(store=store.store, article_number=store.pads.article_number,
                                         safety_level=1, refill_level=9, automatic=False)
    assert rule.pk == store.pads_rule.pk and (rule.safety_level, rule.refill_level, rule.automatic) == (1, 9, False)
    assert ReorderRule.objects.filter(store=store.store).count() == 2


def test_store_needs_a_customer_unit(world):
    with pytest.raises(ValidationFailed) as exc:
        buffer_stock.store_create(name="Förråd", unit_id=world["supply_unit"].pk)
    assert "unit" in exc.value.errors
    with pytest.raises(ValidationFailed):
        buffer_stock.store_create(name="", unit_id=world["region_unit"].pk)


def test_rule_sheet_csv_all_or_nothing(store):
    code = store.store.code
    good = (f"förråd;artikelnummer;säkerhetsnivå;påfyllnadsnivå;automatisk\n"
            f"{code};{store.pads.article_number};6;30;ja\n{code};{store.walker.article_number};1;3;nej\n")
    rows = parse(name="regler.csv", data=good.encode())
    assert [r["row"] for r in rows] == [2, 3]
    bad = good + f"{code};NOPE;1;3;ja\n{code};{store.pads.article_number};5;5;ja\nXX;{store.pads.article_number};1;2;ja\n"
    with pytest.raises(ValidationFailed) as exc:
        parse(name="regler.csv", data=bad.encode())
    msgs = exc.value.errors["file"]
    assert msgs[0].startswith("Rad 4: artikeln NOPE") and msgs[1].startswith("Rad 5:") and msgs[2].startswith("Rad 6:")
    buffer_stock.reorder_rules_import(rows=rows)
    store.pads_rule.refresh_from_db()
    assert (store.pads_rule.safety_level, store.pads_rule.refill_level) == (6, 30)
    assert ReorderRule.objects.get(article=store.walker).automatic is False


def test_rule_sheet_xlsx(store):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Förråd", "Artikelnummer", "Säkerhetsnivå", "Påfyllnadsnivå"])
    ws.append([store.store.code, store.pads.article_number, 2, 8])
    ws.append([store.store.code, store.pads.article_number, 3, 9])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValidationFailed) as exc:
        parse(name="r.xlsx", data=buf.getvalue())
    assert exc.value.errors["file"] == ["Rad 3: samma förråd och artikel som rad 2."]
    with pytest.raises(ValidationFailed):
        parse(name="r.xlsx", data=b"not a workbook")


# --------------------------------------------------------------------------- withdrawal


def test_withdrawal_of_a_walker(store):
    at = timezone.now() - dt.timedelta(hours=20)
    order = withdraw(store, withdrawn_at=at)
    assert (order.kind, order.status, order.buffer_store_id, order.patient_id) == (
        "withdrawal", "delivered", store.store.pk, store.patient.pk)
    assert [e.to_status for e in order.events.all()] == ["delivered"]
    device = Device.objects.get(serial="W0")
    assert (device.status, device.location_id, device.holder_patient_id) == ("on_loan", None, store.patient.pk)
    loan = Loan.objects.get(device=device)
    assert loan.started_on == timezone.localtime(at).date() and loan.customer_id == store.world["municipality"].pk
    assert StockLevel.objects.get(location=store.store, article=store.walker).on_hand == 2
    assert order.deliveries.get().lines.get().device_id == device.pk
    assert PatientAccess.objects.filter(patient_id=store.patient.pk, view="buffer_withdrawal").count() == 1
    assert stock_services.rebuild_levels() == []
    assert not Order.objects.filter(kind="replenishment").exists()  # 2 left: not below safety 2


def test_withdrawal_below_safety_creates_one_replenishment(store):
    withdraw(store, serial="W0")
    withdraw(store, serial="W1")  # 1 left < 2
    rep = Order.objects.get(kind="replenishment")
    assert (rep.status, rep.buffer_store_id, rep.replenishes_rule_id, rep.orderer_id) == (
        "submitted", store.store.pk, store.walker_rule.pk, store.keeper.pk)
    assert sum(ln.quantity for ln in rep.lines.all()) == 4  # refill 5 − (1 on hand + 0 on order)
    withdraw(store, serial="W2")  # 0 left: the open order stays the only one
    assert Order.objects.filter(kind="replenishment").count() == 1


def test_counted_withdrawal_and_on_order(store):
    withdraw(store, article_number=store.pads.article_number, serial="", quantity=7)  # 3 left < 4
    rep = Order.objects.get(kind="replenishment")
    assert rep.lines.get().quantity == 17
    assert buffer.on_order(store.store.pk, [store.pads.pk]) == {store.pads.pk: 17}
    with pytest.raises(Conflict, match="bara 3"):
        withdraw(store, article_number=store.pads.article_number, serial="", quantity=4)


def test_the_database_refuses_a_second_open_replenishment(store):
    withdraw(store, article_number=store.pads.article_number, serial="", quantity=7)
    first = Order.objects.get(kind="replenishment")
    dup = Order(order_type="customer", kind="replenishment", status="submitted", customer=first.customer,
                number="KO9999999", replenishes_rule=first.replenishes_rule)
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()


@pytest.mark.parametrize("case", ["old", "future", "not_in_store", "other_article", "other_customer_store",
                                  "invisible_patient", "no_patient", "tracked_qty"])
def test_bad_withdrawals_write_nothing(store, world, case):
    other_store = buffer_stock.store_create(name="Regionförråd", unit_id=world["region_unit"].pk)
    stock_services.receive(article=store.walker, location=other_store, devices=[DeviceIn(serial="R1")])
    stock_services.receive(article=store.walker, devices=[DeviceIn(serial="C1")])  # central
    kw, error = {
        "old": ({"withdrawn_at": timezone.now() - dt.timedelta(hours=25)}, ValidationFailed),
        "future": ({"withdrawn_at": (timezone.now() + dt.timedelta(hours=1)).isoformat()}, ValidationFailed),
        "not_in_store": ({"serial": "C1"}, ValidationFailed),
        "other_article": ({"article_number": store.pads.article_number, "serial": "W0"}, ValidationFailed),
        "other_customer_store": ({"store_id": other_store.pk, "serial": "R1"}, NotFound),
        "invisible_patient": ({"patient_id": of.patient(world["region"]).pk}, NotFound),
        "no_patient": ({"patient_id": None}, ValidationFailed),
        "tracked_qty": ({"quantity": 2}, ValidationFailed),
    }[case]
    before = counts()
    access_before = PatientAccess.objects.count()
    with pytest.raises(error) as exc:
        withdraw(store, **kw)
    assert exc.value.message  # Swedish text for the user
    assert counts() == before and PatientAccess.objects.count() == access_before
    assert Device.objects.get(serial="W0").status == "in_buffer_store"


def test_who_may_withdraw(store, make_user, world):
    orderer = principal_for_user(make_user(Role.ORDERER, "municipality"))
    with pytest.raises(PermissionDenied):
        withdraw(store, principal=orderer)
    prescriber = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    assert withdraw(store, principal=prescriber).prescriber_id == prescriber.user.pk
    with pytest.raises(PermissionDenied):
        withdraw(store, principal=store.handler, serial="W1")
    region_keeper = principal_for_user(make_user(Role.STORE_KEEPER, "region"))
    with pytest.raises(NotFound):
        withdraw(store, principal=region_keeper, serial="W1")


# --------------------------------------------------------------------------- replenishment handled by supply


def test_replenishment_delivered_into_the_store(store):
    of.stock_devices(store.walker, new=5)
    for serial in ("W0", "W1"):
        withdraw(store, serial=serial)
    rep = Order.objects.get(kind="replenishment")
    assert rep in supply_inbox()
    supply.order_confirm(store.handler, rep.pk)
    supply.order_dispatch(store.handler, rep.pk)
    supply.order_deliver(store.handler, rep.pk, receiver_name="Fia Förråd", place="hospital_or_unit")
    rep.refresh_from_db()
    assert rep.status == "delivered"
    assert StockLevel.objects.get(location=store.store, article=store.walker).on_hand == 5
    assert Device.objects.filter(location=store.store, status="in_buffer_store").count() == 5
    assert stock_services.rebuild_levels() == []
    assert not Order.objects.filter(kind="replenishment", status="submitted").exists()


def supply_inbox():
    from ordering.selectors import supply_inbox as inbox

    return inbox()


def test_nightly_sweep(store):
    buffer_stock.reorder_rule_set(store=store.store, article_number=store.pads.article_number, safety_level=12,
                                  refill_level=30, actor=store.admin)  # 10 on hand < 12: due, not yet ordered
    result = buffer.replenishment_sweep()
    assert len(result["created"]) == 1 and result["rules_below_safety"] == 1
    assert Order.objects.get(kind="replenishment").lines.get().quantity == 20
    assert AuditEvent.objects.filter(action="buffer.sweep").count() == 1
    assert buffer.replenishment_sweep()["created"] == []  # the open order is on order


def test_store_count_posts_an_adjustment(store):
    delta = buffer.store_count_post(store.k, store.store.pk, article_number=store.pads.article_number, counted=3,
                                    reason="Inventering")
    assert delta == -7
    mv = StockMovement.objects.filter(location=store.store, kind="adjustment").get()
    assert (mv.quantity, mv.note) == (-7, "Inventering")
    assert Order.objects.filter(kind="replenishment").get().lines.get().quantity == 17
    with pytest.raises(ValidationFailed):
        buffer.store_count_post(store.k, store.store.pk, article_number=store.pads.article_number, counted=3,
                                reason="")


# --------------------------------------------------------------------------- manual buffer orders


def test_manual_buffer_order_path(store):
    of.stock_units(store.pads, 50)
    order = buffer.buffer_order_create(store.k, buffer.BufferOrderInput(
        store_id=store.store.pk, lines=[buffer.BufferLineInput(store.pads.article_number, 25)]))
    assert (order.status, order.kind) == ("draft", "buffer_manual")
    buffer.buffer_order_submit(store.k, order.pk)
    supply.order_confirm(store.handler, order.pk)
    supply.order_delay(store.handler, order.pk, new_date=timezone.localdate() + dt.timedelta(days=10),
                       reason="Leverantören är sen")
    assert store.keeper.lyfta_messages.filter(kind="delayed").exists()
    supply.order_dispatch(store.handler, order.pk)
    delivery = supply.order_deliver(store.handler, order.pk, receiver_name="Fia", place="hospital_or_unit")
    assert StockLevel.objects.get(location=store.store, article=store.pads).on_hand == 35
    from ordering.delivery_note import delivery_note_content, render_delivery_note

    content = delivery_note_content(delivery, store.k)
    assert ["Förråd", f"{store.store.name} ({store.store.code})"] in content["meta"]
    assert content["lines"][0][3] == "25"
    assert render_delivery_note(delivery, store.k).startswith(b"%PDF")
    assert stock_services.rebuild_levels() == []


def test_manual_order_needs_store_access(store, make_user):
    region_keeper = principal_for_user(make_user(Role.STORE_KEEPER, "region"))
    with pytest.raises(NotFound):
        buffer.buffer_order_create(region_keeper, buffer.BufferOrderInput(
            store_id=store.store.pk, lines=[buffer.BufferLineInput(store.pads.article_number, 1)]))
    with pytest.raises(ValidationFailed):
        buffer.buffer_order_create(store.k, buffer.BufferOrderInput(store_id=store.store.pk, lines=[]))



def test_the_sweep_is_scheduled_nightly(store):
    from core import scheduler
    from ordering.tasks import buffer_replenishment_sweep

    job = next(j for j in scheduler.registered() if j.name == "ordering.buffer_replenishment_sweep")
    assert job.every == dt.timedelta(hours=24)
    buffer_stock.reorder_rule_set(store=store.store, article_number=store.pads.article_number, safety_level=12,
                                  refill_level=30)
    result = buffer_replenishment_sweep.call()
    assert len(result["created"]) == 1
