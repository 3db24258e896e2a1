"""Statistics (issue 16): every figure recomputed from order events on a hand-made fixture that
crosses the December/January and January/February month boundaries and the Swedish holidays of
Christmas, New Year and Epiphany (25–26 Dec, 1 Jan, 6 Jan), compared with values counted by hand.

The events are written directly (with `at` set afterwards, as the paper's time of a late entry
would be): the figures read nothing but the events, the order lines, deliveries, the stock
ledger's issue rows and the invoice basis."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from operations.statistics import charts, report
from operations.statistics import figures as fig
from operations.statistics import selectors as sel
from ordering.models import OrderEvent, OrderLine
from ordering.tests import factories as of

from .stats_fixture import DEC, FEB, JAN, at, build, delivered_order, event, order


@pytest.fixture
def fixture(world):
    return build(world)


def shares(months, customers=None):
    return {k: [(s.measured, s.met) for s in v] for k, v in fig.sla_table(months, customers).items()}


def test_service_levels_from_events_across_months_and_holidays(fixture):
    months = sel.month_figures(DEC, FEB)
    assert shares(months) == {
        "stocked": [(2, 1), (3, 2), (1, 0)],
        "order_in": [(0, 0), (1, 1), (0, 0)],
        "urgent": [(0, 0), (1, 1), (1, 0)],
        "repair_started": [(0, 0), (2, 1), (0, 0)],
        "repair_finished": [(0, 0), (2, 2), (0, 0)],
        "pickup": [(0, 0), (0, 0), (2, 1)],
        "withdrawal": [(0, 0), (2, 1), (0, 0)],
    }
    assert fig.sla_table(months)["stocked"][1].percent == 66.7
    worst = fig.worst_cases(months, "stocked")
    o = fixture["orders"]
    assert [(c.number, c.elapsed) for c in worst] == [
        (o["J"].number, 10), (o["C"].number, 9), (o["B"].number, 8), (o["A"].number, 7), (o["D2"].number, 3)]
    assert [(c.number, c.elapsed) for c in fig.worst_cases(months, "urgent")] == [
        (o["E2"].number, 25.0), (o["E1"].number, 23.0)]
    assert [c.elapsed for c in fig.worst_cases(months, "withdrawal")] == [25.0, 2.0]
    assert [c.elapsed for c in fig.worst_cases(months, "repair_started")] == [4, 1]
    assert [c.elapsed for c in fig.worst_cases(months, "pickup")] == [8, 7]
    # The late entry counts from the paper's time (2 weekdays), and is marked.
    late = [c for c in fig.worst_cases(months, "stocked", limit=10) if c.number == o["I"].number]
    assert late == [] or late[0].fallback
    all_cases = [c for mf in months for rows in mf.worst["stocked"].values() for c in rows]
    assert [(c.elapsed, c.fallback) for c in all_cases if c.number == o["I"].number] == [(2, True)]


def test_a_customer_sees_only_its_own_figures(fixture):
    months = sel.month_figures(DEC, FEB)
    region = {fixture["region"].pk}
    assert shares(months, region)["stocked"] == [(2, 1), (3, 2), (0, 0)]
    assert fixture["orders"]["J"].number not in [c.number for c in fig.worst_cases(months, "stocked", region)]
    muni = {fixture["municipality"].pk}
    assert shares(months, muni)["stocked"] == [(0, 0), (0, 0), (1, 0)]
    assert fig.volume_table(months, muni)["customer"] == [0, 1, 0]


def test_volumes_per_month_customer_and_iso_class(fixture):
    months = sel.month_figures(DEC, FEB)
    assert fig.volume_table(months) == {"customer": [5, 6, 0], "work": [1, 1, 0], "pickup": [0, 1, 1],
                                        "fault": [0, 1, 0]}
    by_customer = fig.volume_by_customer(months)
    assert by_customer[fixture["region"].pk] == {"customer": 10, "work": 2, "pickup": 2, "fault": 1}
    assert by_customer[fixture["municipality"].pk] == {"customer": 1, "work": 0, "pickup": 0, "fault": 0}
    assert fig.volume_by_iso(months) == {"12": {"customer": 4, "work": 0, "pickup": 0, "fault": 0}}


def test_reuse_and_environmental_estimate(fixture):
    months = sel.month_figures(DEC, FEB)
    assert [(r.refurbished, r.new, r.percent) for r in fig.reuse_by_month(months)] == [
        (1, 0, 100.0), (1, 1, 50.0), (0, 0, None)]
    by_class = fig.reuse_by_class(months)
    assert {k: (r.refurbished, r.new) for k, r in by_class.items()} == {"1222": (2, 1)}
    rows, total, unfactored = fig.co2_estimate(by_class, sel.co2_factors())  # the seeded defaults: 12 22 → 85
    assert (rows[0].devices, rows[0].factor, total, unfactored) == (2, Decimal("85.0"), Decimal("170.0"), 0)
    # Without a factor for the class the devices are counted as unfactored, not guessed.
    assert fig.co2_estimate(by_class, {"09": Decimal("1")})[1:] == (Decimal(0), 2)
    assert fig.factor_for("122206", {"12": Decimal(1), "1222": Decimal(2)}) == Decimal(2)


def test_loan_costs_come_from_the_invoice_basis(fixture):
    costs, computed = sel.loan_costs(DEC, FEB)
    assert computed == {JAN}
    assert costs == {fixture["region"].pk: {JAN: (2, 52500)}}
    table = report._loans(DEC, FEB, fig.months_between(DEC, FEB), ["d", "j", "f"], None)
    assert table.rows == [[fixture["region"].name, 2, None, Decimal("525.00"), None]]


def test_cache_is_per_month_and_an_event_invalidates_its_month(fixture, django_assert_max_num_queries,
                                                              django_capture_on_commit_callbacks):
    first = sel.month_figures(DEC, FEB)
    with django_assert_max_num_queries(1):  # the generations and the months: cache only
        again = sel.month_figures(DEC, FEB)
    assert shares(again) == shares(first)
    # A new event (through the listener, as every recorded event is) bumps only its month.
    o = delivered_order(fixture["region"], at(2026, 2, 2, 9), at(2026, 2, 3, 9))
    with django_capture_on_commit_callbacks(execute=True):  # the projection is marked after commit
        sel.on_order_events([OrderEvent.objects.filter(order=o).last()])
    keys_before = sel._keys([DEC, JAN, FEB])
    assert shares(sel.month_figures(DEC, FEB))["stocked"][2] == (2, 1)
    sel.on_order_events([OrderEvent.objects.filter(order=o).last()])
    keys_after = sel._keys([DEC, JAN, FEB])
    assert keys_after[DEC] == keys_before[DEC] and keys_after[FEB] != keys_before[FEB]
    # A late entry's event (paper time may be written afterwards) bumps every month.
    ev = OrderEvent.objects.filter(order=fixture["orders"]["I"]).last()
    sel.on_order_events([ev])
    assert sel._keys([DEC])[DEC] != keys_after[DEC]


def test_recorded_events_reach_the_listener(fixture):
    from ordering.events import events_recorded

    before = cache.get("lyfta:stats:gen:2026-02", 0)
    ev = OrderEvent.objects.filter(order=fixture["orders"]["J"], to_status="delivered").get()
    events_recorded([ev])
    assert cache.get("lyfta:stats:gen:2026-02", 0) > before


def test_range_is_checked():
    from core.errors import ValidationFailed

    assert sel.parse_range("2025-12", "2026-02") == (DEC, FEB)
    for a, b, field in (("2025-13", "2026-01", "fran"), ("2026-02", "2026-01", "till"), ("x", "2026-01", "fran"),
                        ("2020-01", "2026-01", "fran"), ("2026-01", "2999-01", "till")):
        with pytest.raises(ValidationFailed) as exc:
            sel.parse_range(a, b)
        assert field in exc.value.errors, (a, b)


def test_chart_svg_is_named_escaped_and_scaled():
    svg = charts.bar_chart("c1", "Titel <b>", ["jan", "feb"], [charts.Series("S&P", (50.0, None))], max_value=100,
                           unit=" %")
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<title id=\"c1-title\">Titel &lt;b&gt;</title>" in svg and "S&amp;P" in svg
    assert svg.count("<rect") == 1  # the missing value draws no bar
    assert charts.nice_max(0) == 1 and charts.nice_max(73) == 100 and charts.nice_max(1200) == 2000


# ------------------------------------------------------------------------------ pages and downloads


def test_supply_page_shows_charts_and_tables(fixture, client_for):
    client, _ = client_for("supply_handler")
    r = client.get(reverse("operations:statistics"), {"fran": "2025-12", "till": "2026-02"})
    assert r.status_code == 200
    body = r.content.decode()
    assert body.count('role="img"') >= 4 and "<caption" in body
    assert "66,7 %" in body  # January's stocked deliveries, Swedish format
    assert fixture["orders"]["J"].number in body and fixture["municipality"].name in body


def test_customer_page_is_scoped_and_other_customers_are_404(fixture, client_for):
    client, _ = client_for("prescriber", "region")
    url = reverse("operations:customer_statistics")
    body = client.get(url, {"fran": "2025-12", "till": "2026-02"}).content.decode()
    assert fixture["orders"]["A"].number in body and fixture["orders"]["J"].number not in body
    assert "Hyra för hjälpmedel" not in body  # no invoice role: no costs
    assert client.get(url, {"kund": fixture["municipality"].pk}).status_code == 404
    assert client.get(url, {"kund": "x"}).status_code == 404
    assert client.get(reverse("operations:customer_statistics_csv"), {"kund": fixture["municipality"].pk}
                      ).status_code == 404
    invoice_client, _ = client_for("invoice_viewer", "region")
    body = invoice_client.get(url, {"fran": "2025-12", "till": "2026-02"}).content.decode()
    assert "Hyra för hjälpmedel" in body and "525,00" in body
    supply_client, _ = client_for("supply_handler")
    assert supply_client.get(url).status_code == 403


def test_bad_range_is_422_next_to_the_field(fixture, client_for):
    client, _ = client_for("supply_admin")
    r = client.get(reverse("operations:statistics"), {"fran": "2026-03", "till": "2026-01"})
    assert r.status_code == 422
    body = r.content.decode()
    assert 'id="id_till_error"' in body and "före från-månaden" in body
    assert client.get(reverse("operations:statistics_csv"), {"fran": "bad", "till": "2026-01"}).status_code == 404


def test_downloads_csv_and_xlsx(fixture, client_for):
    client, _ = client_for("supply_admin")
    q = {"fran": "2025-12", "till": "2026-02"}
    r = client.get(reverse("operations:statistics_csv"), q)
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.csv"')
    raw = r.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    stocked = next(row for row in rows if row and row[0] == "Lagerförd artikel levererad")
    assert stocked[2:5] == ["50,0", "66,7", "0,0"]
    r = client.get(reverse("operations:statistics_xlsx"), q)
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    assert ws.cell(3, 1).value == "Lagerförd artikel levererad" and ws.cell(3, 4).value == pytest.approx(66.7)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="statistics.download").count() == 2


def test_formula_cells_are_neutralised(world, client_for):
    evil = of.article(name="x")
    world["region"].name = "=HYPERLINK(\"http://x\")"
    world["region"].save()
    o = order(world["region"])
    event(o, at(2026, 1, 5), "draft", "submitted")
    OrderLine.objects.create(order=o, line_no=1, article=evil, quantity=1)
    client, _ = client_for("supply_admin")
    raw = client.get(reverse("operations:statistics_csv"), {"fran": "2026-01", "till": "2026-01"}).content
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ";=HYPERLINK" not in text


def test_co2_factor_page_sets_and_refuses(client_for):
    client, _ = client_for("supply_admin")
    url = reverse("operations:co2_factors")
    assert "12 22" in client.get(url).content.decode()  # seeded default
    assert client.post(url, {"iso_prefix": "1223", "kg_co2e": "360,5"}).status_code in (200, 302)
    from operations.models import Co2Factor

    assert Co2Factor.objects.get(iso_prefix="12 23").kg_co2e == Decimal("360.5")
    bad = client.post(url, {"iso_prefix": "1", "kg_co2e": "5"})
    assert bad.status_code == 422 and 'id="id_iso_prefix_error"' in bad.content.decode()
    f = Co2Factor.objects.get(iso_prefix="12 23")
    assert client.post(reverse("operations:co2_factor_delete", args=[f.pk])).status_code == 302
    assert not Co2Factor.objects.filter(pk=f.pk).exists()
    handler, _ = client_for("supply_handler")
    assert handler.post(url, {"iso_prefix": "12", "kg_co2e": "1"}).status_code == 403


def test_report_cells_are_swedish():
    assert report.cell_text(66.66) == "66,7"
    assert report.cell_text(66.7, percent=True) == "66,7 %"
    assert report.cell_text(None) == "–"
    assert report.cell_text(Decimal("525.00")) == "525,00"


def test_rendered_page_is_cached_and_follows_changes(fixture, client_for, django_capture_on_commit_callbacks):
    from access.principal import principal_for_user
    from operations.statistics import services

    client, _ = client_for("supply_admin")
    admin = principal_for_user(client_for("supply_admin")[1])
    url = reverse("operations:statistics")
    q = {"fran": "2025-12", "till": "2026-02"}

    def stocked_row(body):
        return re.search(r"Lagerförd artikel levererad</th>(.*?)</tr>", body, re.S).group(1)

    body = client.get(url, q).content.decode()
    assert "170,0" in body  # 2 reused wheelchairs × 85 kg
    assert [c.split(">")[-1] for c in stocked_row(body).split("</td>")[1:4]] == ["50,0 %", "66,7 %", "0,0 %"]
    services.co2_factor_set(actor=admin, iso_prefix="12 22", kg_co2e="100")
    assert "200,0" in client.get(url, q).content.decode()
    # A new stocked delivery in February (through the listener) shows at once.
    o = delivered_order(fixture["region"], at(2026, 2, 2, 9), at(2026, 2, 3, 9))
    with django_capture_on_commit_callbacks(execute=True):  # the projection is marked after commit
        sel.on_order_events(list(OrderEvent.objects.filter(order=o)))
    row = stocked_row(client.get(url, q).content.decode()).split("</td>")
    assert [c.split(">")[-1] for c in row[1:4]] == ["50,0 %", "66,7 %", "50,0 %"]  # February: 1 of 2 (was 0 of 1)


def test_support_and_access_request_rows_come_from_the_workflows(world, client_for, make_user):
    from operations.models import AccessRequest, SupportCase

    opener = make_user("prescriber", "region")
    case = SupportCase.objects.create(number="SUP-T1", opened_by=opener, customer=world["region"], category="question",
                                      subject="Fråga", first_answered_at=at(2026, 1, 5, 15), status="answered")
    SupportCase.objects.filter(pk=case.pk).update(opened_at=at(2026, 1, 2, 16))  # 1 + 7 business hours
    for created, decided in ((at(2026, 1, 5, 9), at(2026, 1, 9, 9)), (at(2026, 1, 20, 9), at(2026, 2, 2, 9))):
        r = AccessRequest.objects.create(unit=world["region_unit"], role="orderer", reason="Behöver beställa",
                                         manager_email="chef@example.se", first_name="Ada", last_name="Berg",
                                         email="ada@example.se", status="approved", decided_at=decided)
        AccessRequest.objects.filter(pk=r.pk).update(created_at=created)
    client, _ = client_for("supply_admin")
    raw = client.get(reverse("operations:statistics_csv"), {"fran": "2025-12", "till": "2026-02"}).content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    support = next(row for row in rows if row and row[0].startswith("Supportärende besvarat"))
    access = next(row for row in rows if row and row[0].startswith("Behörighetsansökan beslutad"))
    assert support[2:5] == ["", "100,0", ""] and access[2:5] == ["", "50,0", ""]
    body = client.get(reverse("operations:statistics"), {"fran": "2025-12", "till": "2026-02"}).content.decode()
    assert "Support och behörighet inom servicenivån per månad" in body and "SUP-T1" in body
    # The municipality's users see neither.
    muni, _ = client_for("orderer", "municipality")
    raw = muni.get(reverse("operations:customer_statistics_csv"), {"fran": "2025-12", "till": "2026-02"}).content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    access = next(row for row in rows if row and row[0].startswith("Behörighetsansökan beslutad"))
    assert access[2:5] == ["", "", ""]
