"""The month on data: every rule through `invoice_month_compute`, idempotent recompute, close,
frozen lines (PostgreSQL trigger), corrections in the next open month."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from invoicing import charges as ch
from invoicing import services
from invoicing.models import InvoiceLine, InvoiceMonth
from ordering.models import OrderEvent
from ordering.tests import factories as of

from .conftest import D, complete_work, deliver, loan, order, price

pytestmark = pytest.mark.django_db

FIELDS = ["customer_id", "cost_centre_id", "unit_id", "patient_id", "patient_identity", "order_id", "device_id",
          "loan_id", "article_id", "text", "period_from", "period_to", "quantity", "unit_price_ore", "amount_ore",
          "rule", "key", "corrects_line_id", "corrects_month_id"]


def lines(month):
    return [tuple(row) for row in InvoiceLine.objects.filter(month=month).order_by("key", "period_from")
            .values_list(*FIELDS)]


def compute(day):
    month = services.invoice_month_open(month=day)
    services.invoice_month_compute(month_id=month.pk)
    return month


def by_rule(month):
    out = {}
    for line in InvoiceLine.objects.filter(month=month, corrects_month__isnull=True).order_by("id"):
        out.setdefault(line.rule, []).append(line)
    return out


def test_rent_purchase_service_and_fees(base):
    b = base
    price(b["chair"], valid_from=D(2020, 1, 1), rent="310")
    loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=D(2026, 3, 17),
         cost_centre=b["cc"])
    ko = order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"], patient=b["patient"], priority="urgent")
    deliver(ko, b["cushion"], 2, D(2026, 3, 20))
    ao = order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"], order_type="work", status="completed",
               kind="repair_patient", priority="urgent")
    complete_work(ao, hours="1.5", on=D(2026, 3, 25), parts=[(b["cushion"], 1)])
    ev = OrderEvent.objects.create(order=ko, from_status="confirmed", to_status="confirmed", event_type="note",
                                   data={"failed_delivery": True})
    OrderEvent.objects.filter(pk=ev.pk).update(at=timezone.make_aware(dt.datetime(2026, 3, 12, 10)))
    month = compute(D(2026, 3, 1))
    rules = by_rule(month)
    assert [x.amount_ore for x in rules["rent"]] == [15000]
    assert rules["rent"][0].patient_identity == b["patient"].identity_number
    assert [(x.quantity, x.unit_price_ore, x.amount_ore) for x in rules["purchase"]] == [(2, 132000, 264000)]
    assert [x.amount_ore for x in rules["service_hours"]] == [135000]
    assert [x.amount_ore for x in rules["service_part"]] == [132000]
    assert [x.amount_ore for x in rules["urgent_fee"]] == [45000]
    assert [x.amount_ore for x in rules["failed_delivery_fee"]] == [30000]
    assert all(x.customer_id == b["region"].pk and x.cost_centre_id == b["cc"].pk for x in rules["purchase"])


def test_buffer_store_deliveries_are_not_charged(base):
    b = base
    ko = order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"], kind="replenishment")
    deliver(ko, b["cushion"], 5, D(2026, 3, 2))
    assert not InvoiceLine.objects.filter(month=compute(D(2026, 3, 1))).exists()


def test_purchase_uses_the_price_valid_on_the_delivery_day(base):
    b = base
    price(b["cushion"], valid_from=D(2020, 1, 1), valid_to=D(2026, 3, 9), purchase="1000")
    price(b["cushion"], valid_from=D(2026, 3, 10), purchase="2000")
    ko = order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"])
    deliver(ko, b["cushion"], 1, D(2026, 3, 9))
    deliver(ko, b["cushion"], 1, D(2026, 3, 10))
    assert [x.unit_price_ore for x in by_rule(compute(D(2026, 3, 1)))["purchase"]] == [110000, 220000]


def test_recompute_gives_identical_lines(base):
    b = base
    price(b["chair"], valid_from=D(2020, 1, 1), valid_to=D(2026, 3, 15), rent="310")
    price(b["chair"], valid_from=D(2026, 3, 16), rent="620")
    for start in (D(2026, 1, 1), D(2026, 3, 3), D(2026, 3, 31)):
        loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=start, cost_centre=b["cc"])
    deliver(order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"]), b["cushion"], 1, D(2026, 3, 4))
    month = compute(D(2026, 3, 1))
    first = lines(month)
    services.invoice_month_compute(month_id=month.pk)
    assert lines(month) == first
    assert len([x for x in first if x[15] == "rent"]) == 5  # two loans split by the price change, one not


def _close(month):
    return services.invoice_month_close(month_id=month.pk)


def test_close_freezes_and_late_loan_end_corrects_next_month(base):
    b = base
    price(b["chair"], valid_from=D(2020, 1, 1), rent="310")
    ln = loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=D(2026, 2, 1),
              cost_centre=b["cc"])
    feb = compute(D(2026, 2, 1))
    march = compute(D(2026, 3, 1))
    _close(feb)
    snapshot = lines(feb)
    with pytest.raises(Conflict):
        services.invoice_month_compute(month_id=feb.pk)
    # The loan end (10 February) is recorded after February was closed.
    ln.ended_on = D(2026, 2, 10)
    ln.save()
    services.invoice_month_compute(month_id=march.pk)
    assert lines(feb) == snapshot
    (corr,) = InvoiceLine.objects.filter(month=march, corrects_month=feb)
    original = InvoiceLine.objects.get(month=feb, key=corr.key)
    assert corr.corrects_line == original
    assert (original.amount_ore, corr.amount_ore) == (31000, 11071 - 31000)  # 310 kr × 10/28 = 110.71 kr
    assert corr.quantity == Decimal(10 - 28)
    assert not by_rule(march).get("rent")  # the loan ended in February: no March rent
    # recompute is still idempotent, and the correction is billed once even after March closes
    services.invoice_month_compute(month_id=march.pk)
    assert InvoiceLine.objects.filter(month=march, corrects_month=feb).count() == 1
    _close(march)
    april = compute(D(2026, 4, 1))
    assert not list(InvoiceLine.objects.filter(month=april).values("key", "amount_ore", "quantity", "corrects_month_id"))


def test_a_charge_that_appears_late_is_billed_as_a_correction(base):
    b = base
    feb = compute(D(2026, 2, 1))
    _close(feb)
    march = services.invoice_month_open(month=D(2026, 3, 1))
    ko = order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"])
    deliver(ko, b["cushion"], 1, D(2026, 2, 27))  # a late-entered delivery in February
    services.invoice_month_compute(month_id=march.pk)
    (corr,) = InvoiceLine.objects.filter(month=march)
    assert (corr.corrects_month, corr.corrects_line, corr.amount_ore) == (feb, None, 132000)


def test_months_close_in_order_and_only_when_computed(base):
    feb = compute(D(2026, 2, 1))
    march = compute(D(2026, 3, 1))
    with pytest.raises(ValidationFailed):
        _close(march)
    _close(feb)
    with pytest.raises(Conflict):
        _close(feb)
    april = services.invoice_month_open(month=D(2026, 4, 1))
    _close(march)
    with pytest.raises(ValidationFailed):
        _close(april)


@pytest.mark.postgres_only(reason="the database trigger exists on PostgreSQL only")
def test_database_refuses_changes_to_a_closed_months_lines(base):
    b = base
    loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=D(2026, 2, 1), cost_centre=b["cc"])
    feb = compute(D(2026, 2, 1))
    _close(feb)
    line = InvoiceLine.objects.get(month=feb)
    for sql in (f"UPDATE invoicing_invoiceline SET amount_ore = 0 WHERE id = {line.pk}",
                f"DELETE FROM invoicing_invoiceline WHERE id = {line.pk}",
                f"UPDATE invoicing_invoicemonth SET status = 'open' WHERE id = {feb.pk}"):
        with pytest.raises(DatabaseError, match="frozen|cannot be reopened"), transaction.atomic(), \
                connection.cursor() as cur:
            cur.execute(sql)
    values = {f.attname: getattr(line, f.attname) for f in InvoiceLine._meta.concrete_fields}
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        InvoiceLine.objects.create(**{**values, "id": None, "key": "x"})
    assert InvoiceLine.objects.get(pk=line.pk).amount_ore == line.amount_ore


def test_task_computes_and_reports_progress(base, django_capture_on_commit_callbacks):
    from invoicing.tasks import invoice_open_months_compute

    month = services.invoice_month_open(month=D(2026, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_month_request_compute(month=month)
    month.refresh_from_db()
    assert month.compute_status == "done" and month.compute_progress == 100
    assert invoice_open_months_compute.call() >= 1


def test_patient_from_another_region_is_charged_there(base, world):
    from tests import factories as f

    other = f.OrganisationFactory(name="Region Annan", kind="region")
    visitor = of.patient(other)
    loan(article=base["chair"], customer=base["region"], patient=visitor, start=D(2026, 3, 1),
         cost_centre=base["cc"])
    (line,) = InvoiceLine.objects.filter(month=compute(D(2026, 3, 1)))
    assert (line.customer, line.cost_centre, line.patient_identity) == (other, None, visitor.identity_number)


def test_buffer_store_devices_pay_rent_when_the_price_list_says_so(base, terms):
    from stock import services as stock_services
    from stock.models import Location

    b = base
    store = stock_services.location_create(code="BUF1", name="Förråd Rehab", kind=Location.Kind.BUFFER_STORE,
                                           unit=b["unit"])
    (device,) = of.stock_devices(b["chair"], new=1)
    stock_services.device_transfer(device=device, to_location=store, status="in_buffer_store")
    today = timezone.localdate()
    month = compute(today)
    assert "buffer_rent" not in by_rule(month)
    terms.rent_buffer_store_devices = True
    terms.save()
    services.invoice_month_compute(month_id=month.pk)
    (line,) = by_rule(month)["buffer_rent"]
    assert (line.customer, line.cost_centre, line.unit, line.device) == (b["region"], b["cc"], b["unit"], device)
    assert line.period_from == today and line.amount_ore > 0


def test_closed_month_is_unchanged_after_later_events(base):
    """Snapshot: a price change, a late delivery, a changed work order and a new loan, all
    dated inside the closed month, leave it as it was; the next month gets the differences."""
    from ordering.models import WorkOrderDetail

    b = base
    price(b["chair"], valid_from=D(2020, 1, 1), rent="310")
    loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=D(2026, 2, 1), cost_centre=b["cc"])
    ao = order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"], order_type="work", status="completed",
               kind="repair_patient")
    complete_work(ao, hours="2", on=D(2026, 2, 10))
    feb = compute(D(2026, 2, 1))
    _close(feb)
    snapshot = lines(feb)
    total = sum(x[14] for x in snapshot)
    price(b["chair"], valid_from=D(2026, 2, 15), rent="620")
    deliver(order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"]), b["cushion"], 1, D(2026, 2, 20))
    WorkOrderDetail.objects.filter(order=ao).update(hours=Decimal("3"))
    loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=D(2026, 2, 27), end=D(2026, 2, 28),
         cost_centre=b["cc"])
    march = compute(D(2026, 3, 1))
    assert lines(feb) == snapshot
    corr = {x.rule: x for x in InvoiceLine.objects.filter(month=march, corrects_month=feb)}
    assert corr["service_hours"].amount_ore == 60000 and corr["service_hours"].corrects_line.month == feb
    assert corr["purchase"].amount_ore == 132000 and corr["purchase"].corrects_line is None
    rent = InvoiceLine.objects.filter(month=march, corrects_month=feb, rule="rent")
    # the old Feb line is reduced to 1-14 Feb, 15-28 Feb comes at the new price, plus the new loan
    assert sum(x.amount_ore for x in rent) == (15500 + 31000 + 4429) - 31000  # new loan: 620 kr × 2/28
    assert total + sum(x.amount_ore for x in InvoiceLine.objects.filter(month=march, corrects_month=feb)) == \
        sum(c.amount_ore for c in ch.month_charges(D(2026, 2, 1)))


def test_demo_load_is_idempotent(base):
    from invoicing import demo

    loan(article=base["chair"], customer=base["region"], patient=base["patient"], start=D(2020, 1, 1),
         cost_centre=base["cc"])
    demo.load()
    first = {m.label: lines(m) for m in InvoiceMonth.objects.all()}
    demo.load()
    assert {m.label: lines(m) for m in InvoiceMonth.objects.all()} == first
    assert InvoiceMonth.objects.filter(status="closed").count() == 1
