"""Customer-side order services: drafts, promise and cost, submit (idempotent), withdraw,
templates, and bad input that writes nothing."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from access.principal import principal_for_user
from access.roles import Role
from core.calendar import add_weekdays
from core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ordering import pricing, selectors
from ordering.flows import customer as services
from ordering.models import Order, OrderEvent, OrderLine, OrderTemplate
from ordering.tests import factories as of
from ordering.tests.conftest import make_order


def test_draft_splits_tracked_lines_and_copies_prices(shop):
    order = make_order(shop, submit=False, lines=[services.LineInput(shop.chair.article_number, 2),
                                                  services.LineInput(shop.cushion.article_number, 3)])
    lines = list(order.lines.order_by("line_no"))
    assert [(ln.article_id, ln.quantity) for ln in lines] == [(shop.chair.pk, 1), (shop.chair.pk, 1),
                                                              (shop.cushion.pk, 3)]
    assert lines[0].monthly_rent == Decimal("350.00") and lines[2].unit_price == Decimal("1200.00")
    assert order.number.startswith("KO") and order.status == "draft"
    assert order.customer == shop.world["region"] and order.unit == shop.world["region_unit"]
    assert order.prescriber == shop.prescriber and order.orderer == shop.prescriber
    # Stay address first.
    assert order.delivery_to == "stay_address" and order.delivery_street.startswith("Vårdhemmet")
    totals = selectors.order_totals(order)
    assert totals.monthly_rent == Decimal("700.00") and totals.purchases == Decimal("3600.00")


def test_promised_date_uses_swedish_weekdays_and_lead_times(shop):
    today = timezone.localdate()
    assert pricing.promised_date([shop.chair], urgent=False, today=today) == add_weekdays(today, 7)
    slow = of.article(name="Specialstol", purchasing="on_demand", lead=25)
    assert pricing.promised_date([shop.chair, slow], urgent=False, today=today) == add_weekdays(today, 25)
    on_demand = of.article(name="Beställningsvara", purchasing="on_demand")
    assert pricing.promised_date([on_demand], urgent=False, today=today) == add_weekdays(today, 17)
    assert pricing.promised_date([on_demand], urgent=True, today=today) == add_weekdays(today, 1)
    # Christmas Day 2026 is a Friday: urgent on Thursday 24 December → Monday 28 December.
    assert pricing.promised_date([shop.chair], urgent=True, today=dt.date(2026, 12, 24)) == dt.date(2026, 12, 28)


def test_urgent_order_records_the_fee(shop, settings):
    settings.LYFTA_URGENT_FEE = "500"
    order = make_order(shop, priority="urgent")
    assert order.urgent_fee == Decimal("500") and selectors.order_totals(order).urgent_fee == Decimal("500")
    assert order.promised_date == add_weekdays(timezone.localdate(), 1)


def test_submit_is_idempotent(shop):
    order = make_order(shop, submit=False)
    services.order_submit(shop.p, order.pk)
    services.order_submit(shop.p, order.pk)  # double click / retry
    order.refresh_from_db()
    assert order.status == "submitted" and order.submitted_at is not None
    assert OrderEvent.objects.filter(order=order, to_status="submitted").count() == 1
    assert Order.objects.count() == 1


def test_submit_without_lines_is_refused(shop):
    order = make_order(shop, submit=False, lines=[services.LineInput(shop.cushion.article_number, 1)])
    services.order_line_remove(shop.p, order.pk, order.lines.get().pk)
    with pytest.raises(ValidationFailed):
        services.order_submit(shop.p, order.pk)
    order.refresh_from_db()
    assert order.status == "draft"


def test_withdraw_before_confirmation_only(shop):
    order = make_order(shop)
    services.order_withdraw(shop.p, order.pk, "Fel storlek")
    order.refresh_from_db()
    assert order.status == "withdrawn" and order.closed_reason == "Fel storlek"
    with pytest.raises(IllegalTransition):
        services.order_submit(shop.p, order.pk)
    confirmed = make_order(shop)
    Order.objects.filter(pk=confirmed.pk).update(status="confirmed")
    with pytest.raises(IllegalTransition):
        services.order_withdraw(shop.p, confirmed.pk)


def test_submitted_order_cannot_be_edited(shop):
    order = make_order(shop)
    with pytest.raises(IllegalTransition):
        services.order_line_add(shop.p, order.pk, shop.cushion.article_number, 1)


def test_accessory_line_belongs_to_main_line(shop):
    order = make_order(shop, submit=False, lines=[services.LineInput(shop.chair.article_number, 1)])
    main = order.lines.get()
    offered = selectors.accessories_for([main])
    assert offered == {main.pk: [shop.cushion]}
    rows = services.order_line_add(shop.p, order.pk, shop.cushion.article_number, 1, main_line_id=main.pk)
    assert rows[0].main_line == main


def test_delivery_point_of_own_customer(shop):
    from tests.factories import DeliveryPointFactory

    point = DeliveryPointFactory(unit=shop.world["region_unit"])
    order = make_order(shop, delivery_to="delivery_point", delivery_point_id=point.pk)
    assert order.delivery_point == point and order.delivery_street == point.street
    other = DeliveryPointFactory(unit=shop.world["municipality_unit"])
    with pytest.raises(ValidationFailed):
        make_order(shop, delivery_to="delivery_point", delivery_point_id=other.pk)


def test_template_create_and_apply(shop):
    tpl = services.order_template_create(shop.p, name="Rullstol med dyna", lines=[
        services.LineInput(shop.chair.article_number, 1), services.LineInput(shop.cushion.article_number, 1)])
    order = services.order_draft_create(shop.p, services.DraftInput(patient_id=shop.patient.pk, template_id=tpl.pk))
    assert order.lines.count() == 2
    assert selectors.templates_for(shop.p) == [tpl]


def test_other_customers_order_is_not_found(shop, make_user):
    order = make_order(shop)
    other = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    with pytest.raises(NotFound):
        services.order_withdraw(other, order.pk)
    with pytest.raises(NotFound):
        selectors.order_get(other, order.pk)
    assert selectors.order_search(other, selectors.OrderFilter()) == []


def test_other_customers_patient_is_not_found(shop, make_user):
    other = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    with pytest.raises(NotFound):
        services.order_draft_create(other, services.DraftInput(
            patient_id=shop.patient.pk, lines=[services.LineInput(shop.chair.article_number, 1)]))
    assert Order.objects.count() == 0


BAD_LINES = [
    ("unknown article", [services.LineInput("NOPE-1", 1)], "article_number"),
    ("zero quantity", [services.LineInput("CHAIR", 0)], "quantity"),
    ("negative quantity", [services.LineInput("CHAIR", -3)], "quantity"),
    ("huge quantity", [services.LineInput("CHAIR", 10**9)], "quantity"),
]


@pytest.mark.parametrize("label,lines,field", BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_bad_lines_write_nothing(shop, label, lines, field):
    lines = [services.LineInput(shop.cushion.article_number if ln.article_number == "CHAIR" else ln.article_number,
                                ln.quantity) for ln in lines]
    counts = (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        services.order_draft_create(shop.p, services.DraftInput(patient_id=shop.patient.pk, lines=lines))
    assert any(k.endswith(field) for k in exc.value.errors)
    assert (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count()) == counts


@pytest.mark.parametrize("kwargs,field", [
    ({"requested_date": dt.date(2000, 1, 1)}, "requested_date"),
    ({"note": "x" * 2001}, "note"),
    ({"contact_name": "y" * 500}, "contact_name"),
    ({"priority": "asap"}, "priority"),
], ids=["past date", "oversized note", "oversized contact", "bad priority"])
def test_bad_header_writes_nothing(shop, kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        make_order(shop, submit=False, **kwargs)
    assert field in exc.value.errors
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_not_orderable_article_is_refused(shop):
    art = of.article(name="Utgången", orderable=False)
    with pytest.raises(ValidationFailed):
        make_order(shop, lines=[services.LineInput(art.article_number, 1)])
    assert Order.objects.count() == 0


def test_supply_users_cannot_order(shop):
    with pytest.raises(PermissionDenied):
        services.order_draft_create(shop.h, services.DraftInput(patient_id=shop.patient.pk))
    assert OrderTemplate.objects.count() == 0 and Order.objects.count() == 0


def test_search_filters(shop):
    import datetime as dt

    a = make_order(shop)
    b = make_order(shop, submit=False)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    flt = selectors.OrderFilter
    assert {o.pk for o in selectors.order_search(shop.p, flt(date_from=today, date_to=today))} == {a.pk, b.pk}
    assert selectors.order_search(shop.p, flt(date_to=yesterday)) == []
    assert [o.pk for o in selectors.order_search(shop.p, flt(status="draft"))] == [b.pk]
    assert [o.pk for o in selectors.order_search(shop.p, flt(number=a.number.lower()))] == [a.pk]
    assert {o.pk for o in selectors.order_search(shop.p, flt(number=a.number[:5]))} == {a.pk, b.pk}
    assert [o.pk for o in selectors.order_search(shop.p, flt(patient_id=shop.patient.pk, status="submitted"))] == [a.pk]
    assert selectors.order_search(shop.p, flt(unit_id=shop.world["municipality_unit"].pk)) == []


def test_order_to_a_unit_takes_counted_articles_but_refuses_tracked_ones(shop):
    """A tracked article is delivered by registering the device on a patient; an order to a unit
    has none, so it is refused when ordered instead of getting stuck at delivery."""
    from tests.factories import DeliveryPointFactory

    point = DeliveryPointFactory(unit=shop.world["region_unit"])
    before = (Order.objects.count(), OrderLine.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        services.order_draft_create(shop.p, services.DraftInput(
            kind="to_unit", delivery_point_id=point.pk,
            lines=[services.LineInput(shop.cushion.article_number, 2),
                   services.LineInput(shop.chair.article_number, 1)]))
    assert exc.value.errors == {"lines.1.article_number": [
        f"Artikeln {shop.chair.article_number} är individmärkt och kan bara beställas till en patient."]}
    assert (Order.objects.count(), OrderLine.objects.count()) == before
    order = services.order_draft_create(shop.p, services.DraftInput(
        kind="to_unit", delivery_point_id=point.pk, lines=[services.LineInput(shop.cushion.article_number, 2)]),
        submit=True)
    assert order.status == "submitted" and order.patient is None and order.delivery_point == point
    draft = services.order_draft_create(shop.p, services.DraftInput(
        kind="to_unit", delivery_point_id=point.pk, lines=[services.LineInput(shop.cushion.article_number, 1)]))
    with pytest.raises(ValidationFailed):  # nor can one be added to such a draft later
        services.order_line_add(shop.p, draft.pk, shop.chair.article_number, 1)
    assert OrderLine.objects.filter(article=shop.chair).count() == 0
