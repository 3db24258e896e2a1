"""Special requests in the statistics (issue 17: "decided within a configurable number of
weekdays, measured"): two measures, the customer's approver (from entering `customer_approval`)
and the supply centre's consultant (from entering `special_requested`, so the time at the
customer is not counted against the consultant), each in the month of the decision, per round;
the same weekdays as ordering's own measures (`approval.customer_decision_times`,
`special.decision_times`); on the page; a request sent to the customer counts once in the volumes."""
from __future__ import annotations

import pytest
from django.urls import reverse

from access.models import CustomerPrescribingTerms
from access.principal import principal_for_user
from access.roles import Role
from catalogue.models import PrescribingLevel
from catalogue.prescribing import prescribing_rule_set
from operations.statistics import figures as fig
from operations.statistics import report
from operations.statistics import selectors as sel
from ordering.flows import approval, special
from ordering.flows import customer as services
from ordering.models import Order, OrderEvent
from ordering.tests import factories as of
from ordering.tests.conftest import shop  # noqa: F401  (fixture)

from .stats_fixture import at

pytestmark = pytest.mark.django_db
NOV = at(2026, 11, 1).date()
WHY = {"reason": "Utanför sortimentet", "need": "Stöd vid förflyttning", "tried": "Rollator"}


def retime(order, *days):
    """Give the order's transitions (creation included), in their order, days of November 2026."""
    events = list(OrderEvent.objects.filter(order=order, event_type="transition").order_by("at", "pk"))
    assert len(events) == len(days), [(e.from_status, e.to_status) for e in events]
    for e, day in zip(events, days, strict=True):
        OrderEvent.objects.filter(pk=e.pk).update(at=at(2026, 11, day))


@pytest.fixture
def decided(shop, make_user):  # noqa: F811
    prescribing_rule_set(actor=shop.h, level=PrescribingLevel.CONSULTATION, article=shop.cushion)
    CustomerPrescribingTerms.objects.create(organisation=shop.world["region"], customer_approval_required=True)
    a = principal_for_user(make_user(Role.CUSTOMER_APPROVER, "region"))
    line = [services.LineInput(shop.cushion.article_number, 1)]

    def request(p, patient):
        draft = services.order_draft_create(p, services.DraftInput(patient_id=patient.pk, lines=line))
        return special.special_request_submit(p, draft.pk, **WHY)

    # 1. The customer approves after 4 weekdays (Mon 2 → Fri 6: over its 3), the consultant
    #    decides 2 weekdays later (Fri 6 → Tue 10: within 5; from Monday 2 it would be 6, over).
    one = request(shop.p, shop.patient)
    special.special_request_approve(shop.h, approval.customer_approval_approve(a, one.pk).pk)
    retime(one, 2, 2, 6, 10)  # created, sent to the customer, approved by it, by the consultant
    # 2. The customer asks (Tue 3 → Wed 4: 1), the prescriber answers on Thu 12, the customer
    #    rejects on Fri 13 (1): two customer rounds, nothing at the consultant.
    two = request(shop.p, shop.patient)
    approval.customer_approval_ask(a, two.pk, question="Billigare?")
    special.special_request_submit(shop.p, two.pk, **WHY)
    approval.customer_approval_reject(a, two.pk, reason="Ryms inte i budgeten")
    retime(two, 3, 3, 4, 12, 13)
    # 3. The municipality has no customer step: the consultant rejects after 7 weekdays (Mon 16 → Wed 25).
    mp = principal_for_user(make_user(Role.PRESCRIBER, "municipality"))
    three = request(mp, of.patient(shop.world["municipality"]))
    special.special_request_reject(shop.h, three.pk, reason="Finns i sortimentet")
    retime(three, 16, 16, 25)
    # 4. Withdrawn while at the customer: no decision, not measured.
    four = request(shop.p, shop.patient)
    services.order_withdraw(shop.p, four.pk)
    retime(four, 17, 17, 18)
    shop.orders = (one, two, three, four)
    return shop


def test_both_steps_are_measured_apart_and_as_ordering_measures_them(decided):
    one, two, three, four = decided.orders
    [mf] = sel.month_figures(NOV, NOV)
    region, municipality = decided.world["region"].pk, decided.world["municipality"].pk
    assert mf.sla["special_customer"] == {region: [3, 2]}  # one: 4 (over 3); two: 1 and 1
    assert mf.sla["special_supply"] == {region: [1, 1], municipality: [1, 0]}  # one: 2; three: 7 (over 5)
    assert [(c.number, c.elapsed) for c in fig.worst_cases([mf], "special_supply")] == [
        (three.number, 7), (one.number, 2)]
    assert sorted(c.elapsed for c in fig.worst_cases([mf], "special_customer")) == [1, 1, 4]
    # The same weekdays as ordering's own measures (the queue pages' service levels).
    ids = [o.pk for o in decided.orders]
    assert sorted(r["weekdays"] for r in approval.customer_decision_times(ids)) == [1, 1, 4]
    assert sorted((r["order_id"], r["weekdays"]) for r in special.decision_times(ids)) == [
        (one.pk, 2), (three.pk, 7)]
    # Each request counts once in the volumes, in the month it was sent (also via the customer).
    assert mf.volumes[("customer", region)] == 3 and mf.volumes[("customer", municipality)] == 1
    assert Order.objects.get(pk=four.pk).status == "withdrawn"


def test_the_configured_levels_and_the_page(decided, client_for, settings):
    settings.LYFTA_CUSTOMER_APPROVAL_WEEKDAYS = 4
    settings.LYFTA_SPECIAL_REQUEST_WEEKDAYS = 7
    [mf] = sel.compute_months(NOV, NOV).values()
    region, municipality = decided.world["region"].pk, decided.world["municipality"].pk
    assert mf.sla["special_customer"] == {region: [3, 3]}
    assert mf.sla["special_supply"] == {region: [1, 1], municipality: [1, 1]}
    settings.LYFTA_CUSTOMER_APPROVAL_WEEKDAYS, settings.LYFTA_SPECIAL_REQUEST_WEEKDAYS = 3, 5
    table = next(t for t in report.build(NOV, NOV, report.Scope()) if t.key == "service_levels_special")
    assert table.rows == [["Särskilt beslut av kundens godkännare", "3 vardagar", 66.7, 66.7, 3, 2],
                          ["Särskilt beslut av HMC:s konsulent", "5 vardagar", 50.0, 50.0, 2, 1]]
    client, _ = client_for("supply_handler")
    body = client.get(reverse("operations:statistics"), {"fran": "2026-11", "till": "2026-11"}).content.decode()
    assert "Särskilda beslut inom servicenivån" in body and "Särskilt beslut av HMC:s konsulent" in body
    assert "Sämsta fall: särskilt beslut av kundens godkännare" in body
