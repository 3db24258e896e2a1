"""Prescribing rights (issue 17, docs/prescribing.md): the check when building and submitting a
patient order, the stored decision, competences maintained by the customer's access admin."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from access import competences
from access.models import Competence, CustomerPrescribingTerms, PrescriberCompetence
from access.principal import principal_for_user
from access.roles import Role
from catalogue.models import PrescribingLevel
from catalogue.prescribing import prescribing_rule_set, prescribing_rules_for
from core.errors import NotFound, PermissionDenied, ValidationFailed
from ordering.flows import customer as services
from ordering.models import OrderStatus

from .conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(shop, make_user):
    shop.ot = Competence.objects.create(code="AT", name="Arbetsterapeut")
    shop.admin = make_user(Role.CUSTOMER_ACCESS_ADMIN, "region")
    shop.a = principal_for_user(shop.admin)
    prescribing_rule_set(actor=shop.h, level=PrescribingLevel.COMPETENCE, article=shop.chair, competence=shop.ot)
    return shop


def _hold(shop, valid_to):
    return competences.prescriber_competence_set(actor=shop.a, username=shop.prescriber.username,
                                                 competence_code="AT", valid_to=valid_to, today=valid_to)


def test_open_article_is_a_direct_order_and_the_decision_is_stored(shop):
    order = make_order(shop)
    assert order.status == OrderStatus.SUBMITTED
    decision = order.extra["prescribing"]
    assert decision["outcome"] == "direct"
    assert {ln["article"] for ln in decision["lines"]} == {shop.chair.article_number, shop.cushion.article_number}
    assert all(ln["rule"] == "standard" and ln["outcome"] == "ok" for ln in decision["lines"])
    event = order.events.get(to_status=OrderStatus.SUBMITTED)
    assert event.data["prescribing"] == decision


def test_without_the_competence_the_line_is_refused_naming_it(rules):
    with pytest.raises(ValidationFailed) as exc:
        make_order(rules, submit=False)
    assert exc.value.code == "prescribing_refused"
    assert "Arbetsterapeut" in exc.value.errors["lines.0.article_number"][0]


def test_expired_competence_is_refused_with_its_date(rules):
    row = _hold(rules, timezone.localdate())
    PrescriberCompetence.objects.filter(pk=row.pk).update(valid_to=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed) as exc:
        make_order(rules, submit=False)
    assert "gick ut" in exc.value.message


def test_with_the_competence_it_is_allowed_and_the_decision_names_rule_version_and_competence(rules):
    _hold(rules, timezone.localdate() + dt.timedelta(days=30))
    order = make_order(rules)
    chair_line = next(ln for ln in order.extra["prescribing"]["lines"] if ln["article"] == rules.chair.article_number)
    assert chair_line["rule"] == f"artikel {rules.chair.article_number}@v1"
    assert chair_line["competence"] == "AT" and chair_line["held_until"]
    assert order.extra["prescribing"]["version"]


def test_competence_lost_between_draft_and_submit_refuses_the_submit(rules):
    row = _hold(rules, timezone.localdate() + dt.timedelta(days=30))
    order = make_order(rules, submit=False)
    row.delete()
    with pytest.raises(ValidationFailed):
        services.order_submit(rules.p, order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_adding_a_line_checks_it(rules):
    order = make_order(rules, submit=False, lines=[services.LineInput(rules.cushion.article_number, 1)])
    with pytest.raises(ValidationFailed) as exc:
        services.order_line_add(rules.p, order.pk, rules.chair.article_number, 1)
    assert "article_number" in exc.value.errors


def test_iso_class_rule_applies_unless_the_article_has_its_own(rules):
    iso = rules.cushion.product.iso_class
    prescribing_rule_set(actor=rules.h, level=PrescribingLevel.CONSULTATION, iso_class=iso)
    rule = prescribing_rules_for([rules.cushion])[rules.cushion.pk]
    assert rule.level == "consultation" and rule.source == f"ISO {iso.code}@v1"
    prescribing_rule_set(actor=rules.h, level=PrescribingLevel.OPEN, article=rules.cushion)
    assert prescribing_rules_for([rules.cushion])[rules.cushion.pk].level == "open"


def test_consultation_needs_a_special_request(rules):
    prescribing_rule_set(actor=rules.h, level=PrescribingLevel.CONSULTATION, article=rules.cushion)
    order = make_order(rules, submit=False, lines=[services.LineInput(rules.cushion.article_number, 1)])
    with pytest.raises(ValidationFailed) as exc:
        services.order_submit(rules.p, order.pk)
    assert exc.value.code == "special_request_required"
    assert "konsultation" in exc.value.message


def test_cost_ceiling_needs_a_special_request(shop):
    CustomerPrescribingTerms.objects.create(organisation=shop.world["region"], cost_ceiling=Decimal("1"))
    shop.cushion.purchase_price = Decimal("500")
    shop.cushion.save()
    with pytest.raises(ValidationFailed) as exc:
        make_order(shop, lines=[services.LineInput(shop.cushion.article_number, 1)])
    assert "kostnadstak" in exc.value.message


def test_orders_to_a_unit_are_not_prescriptions(rules):
    from ordering.models import CustomerOrderKind

    data = services.DraftInput(kind=CustomerOrderKind.TO_UNIT, delivery_to="delivery_point",
                               lines=[services.LineInput(rules.cushion.article_number, 1)])
    prescribing_rule_set(actor=rules.h, level=PrescribingLevel.CONSULTATION, article=rules.cushion)
    try:
        order = services.order_draft_create(rules.p, data)
    except ValidationFailed as exc:  # no delivery point in this world: not the prescribing check
        assert exc.code != "prescribing_refused"
    else:
        assert "prescribing" not in order.extra


def test_rule_version_counts_changes(rules):
    prescribing_rule_set(actor=rules.h, level=PrescribingLevel.OPEN, article=rules.chair)
    rules.chair.refresh_from_db()
    assert rules.chair.prescribing_version == 2
    with pytest.raises(ValidationFailed):
        prescribing_rule_set(actor=rules.h, level=PrescribingLevel.COMPETENCE, article=rules.chair)


def test_history_shows_the_decision(rules):
    _hold(rules, timezone.localdate() + dt.timedelta(days=30))
    order = make_order(rules)
    from django.test import Client

    from conftest import login_verified
    client = login_verified(Client(), rules.prescriber)
    html = client.get(f"/bestallningar/{order.pk}/").content.decode()
    assert "Förskrivningsrätt kontrollerad" in html and f"artikel {rules.chair.article_number}@v1" in html


# --------------------------------------------------------------------------- competences


def test_admin_sets_and_renews_a_competence(rules):
    day = timezone.localdate() + dt.timedelta(days=10)
    _hold(rules, day)
    _hold(rules, day + dt.timedelta(days=5))
    row = PrescriberCompetence.objects.get(user=rules.prescriber)
    assert row.valid_to == day + dt.timedelta(days=5)


@pytest.mark.parametrize(("kw", "field"), [
    ({"username": "nobody"}, "username"),
    ({"competence_code": "XX"}, "competence"),
    ({"valid_to": "2001-01-01"}, "valid_to"),
    ({"valid_to": "inte ett datum"}, "valid_to"),
])
def test_competence_input_is_checked(rules, kw, field):
    args = {"username": rules.prescriber.username, "competence_code": "AT", "valid_to": "2030-01-01", **kw}
    with pytest.raises(ValidationFailed) as exc:
        competences.prescriber_competence_set(actor=rules.a, **args)
    assert field in exc.value.errors
    assert not PrescriberCompetence.objects.exists()


def test_another_customers_user_is_unknown_and_others_may_not_admin(rules, make_user):
    other = make_user(Role.PRESCRIBER, "municipality")
    with pytest.raises(ValidationFailed):
        competences.prescriber_competence_set(actor=rules.a, username=other.username, competence_code="AT",
                                              valid_to="2030-01-01")
    with pytest.raises(PermissionDenied):
        competences.prescriber_competence_set(actor=rules.p, username=rules.prescriber.username,
                                              competence_code="AT", valid_to="2030-01-01")
    row = competences.prescriber_competence_set(actor=principal_for_user(make_user(
        Role.CUSTOMER_ACCESS_ADMIN, "municipality")), username=other.username, competence_code="AT",
        valid_to="2030-01-01")
    with pytest.raises(NotFound):
        competences.prescriber_competence_remove(actor=rules.a, competence_id=row.pk)


def _sheet(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Användare", "Kompetens", "Giltig till"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "kompetenser.xlsx"
    return buf


def test_import_validates_every_row_and_writes_nothing_on_error(rules):
    rows = competences.read_competence_sheet(_sheet([
        [rules.prescriber.username, "AT", dt.date(2030, 1, 1)],
        ["nobody", "AT", dt.date(2030, 1, 1)],
        [rules.prescriber.username, "ZZ", "2030-01-01"],
    ]))
    with pytest.raises(ValidationFailed) as exc:
        competences.prescriber_competences_import(actor=rules.a, rows=rows)
    assert set(exc.value.errors) == {"rad 3", "rad 4"}
    assert not PrescriberCompetence.objects.exists()


def test_import_of_a_good_sheet_and_a_csv(rules):
    rows = competences.read_competence_sheet(_sheet([[rules.prescriber.username, "at", dt.date(2030, 1, 1)]]))
    assert competences.prescriber_competences_import(actor=rules.a, rows=rows).written == 1
    csv = io.BytesIO(f"Användare;Kompetens;Giltig till\n{rules.prescriber.username};AT;2031-02-03\n".encode())
    csv.name = "k.csv"
    competences.prescriber_competences_import(actor=rules.a, rows=competences.read_competence_sheet(csv))
    assert PrescriberCompetence.objects.get().valid_to == dt.date(2031, 2, 3)


def test_a_sheet_without_the_columns_is_refused(rules):
    csv = io.BytesIO(b"a;b\n1;2\n")
    csv.name = "k.csv"
    with pytest.raises(ValidationFailed) as exc:
        competences.read_competence_sheet(csv)
    assert "file" in exc.value.errors



def test_competence_page_registers_imports_and_removes(rules):
    from django.test import Client

    from conftest import login_verified
    client = login_verified(Client(), rules.admin)
    url = "/konto/behorigheter/kompetenser/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"action": "set", "set-username": "nobody", "set-competence": "AT",
                            "set-valid_to": "2030-01-01"})
    assert bad.status_code == 422 and "Ingen aktiv användare" in bad.content.decode()
    ok = client.post(url, {"action": "set", "set-username": rules.prescriber.username, "set-competence": "AT",
                           "set-valid_to": "2030-01-01"})
    assert ok.status_code == 302
    sheet = _sheet([["nobody", "AT", dt.date(2030, 1, 1)]])
    bad = client.post(url, {"action": "import", "imp-file": sheet})
    assert bad.status_code == 422 and "Rad 2" in bad.content.decode()
    row = PrescriberCompetence.objects.get()
    assert client.post(url, {"action": "remove", "competence_id": row.pk}).status_code == 302
    assert not PrescriberCompetence.objects.exists()
