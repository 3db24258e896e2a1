"""Overdue returns in the statistics (issue 17, docs/operations.md "Overdue returns"): counted in
SQL per customer and unit, at each month's end and for the current month today; the same loans
as the supply centre's list (`ordering.flows.loans.overdue_returns`); on the page and in the
downloads; a loan's return shows at once (the counts are read from the loans, not from the
event-driven projection)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import LoanType
from operations.statistics import report
from operations.statistics import selectors as sel
from ordering.flows import loans
from ordering.tests import factories as of
from ordering.tests.conftest import shop, stocked  # noqa: F401  (fixtures)
from ordering.tests.test_loans import lent
from stock.models import Loan
from stock.services import loan_end

pytestmark = pytest.mark.django_db
L = LoanType


def _set(loan, **fields):
    Loan.objects.filter(pk=loan.pk).update(**fields)  # as if the dates had passed
    loan.refresh_from_db()
    return loan


def _list_counts(today):
    return {(g["customer"].pk, g["unit"].pk if g["unit"] else None): len(g["loans"])
            for g in loans.overdue_returns(today)}


@pytest.fixture
def many(stocked):  # noqa: F811
    of.stock_devices(stocked.chair, new=6)
    today = timezone.localdate()
    back = today - dt.timedelta(days=40)
    made = {}
    for name, loan_type, until in [("dated", L.TIME_LIMITED, -3), ("trial", L.TRIAL, -1), ("short", L.SHORT_TERM, -1),
                                   ("due_today", L.TIME_LIMITED, 0), ("permanent", L.PERMANENT, None),
                                   ("returned", L.TIME_LIMITED, -5), ("no_unit", L.TIME_LIMITED, -2)]:
        order, loan = lent(stocked, loan_type, today + dt.timedelta(days=10) if until is not None else None)
        made[name] = _set(loan, started_on=back,
                          loan_until=None if until is None else today + dt.timedelta(days=until))
        made[name].order = order
    loan_end(loan=made["returned"], on=today - dt.timedelta(days=1))
    _set(made["no_unit"], source_ref="")  # delivered outside an order (no ordering unit)
    stocked.loans, stocked.today = made, today
    return stocked


def test_the_counts_equal_the_overdue_list(many):
    today, unit = many.today, many.loans["dated"].order.unit
    region = many.world["region"].pk
    expected = {(region, unit.pk): 3, (region, None): 1}  # dated, trial, short; the one without a unit
    assert _list_counts(today) == expected
    assert {k: v[0] for k, v in sel.overdue_return_counts([today]).items()} == expected
    # The page's table: the current month's column is today's count, per customer and unit.
    table = next(t for t in report.build(today.replace(day=1), today.replace(day=1), report.Scope())
                 if t.key == "overdue_returns")
    assert table.rows == [["Region Test", "Rehab Region", 3], ["Region Test", "–", 1], ["Summa", "", 4]]
    assert f"i dag ({today:%Y-%m-%d})" in table.note
    # Another customer's page shows none of them; the region's shows its own.
    other = report.Scope(customer_id=many.world["municipality"].pk, show_costs=False)
    assert next(t for t in report.build(today.replace(day=1), today.replace(day=1), other)
                if t.key == "overdue_returns").rows == [["Summa", "", 0]]


def test_past_months_are_counted_at_their_last_day(many):
    today = many.today
    this = today.replace(day=1)
    last_end = this - dt.timedelta(days=1)
    prev = last_end.replace(day=1)
    # Out at the end of last month, returned this month: counted then, not now.
    _set(many.loans["dated"], loan_until=last_end - dt.timedelta(days=10))
    back_then = many.loans["dated"]
    # Due on last month's last day: not yet overdue then.
    _set(many.loans["trial"], loan_until=last_end)
    loan_end(loan=back_then, on=today)
    days = sel.overdue_days([prev, this], today)
    assert days == [last_end, today]
    counts = sel.overdue_return_counts(days)
    unit = many.loans["dated"].order.unit.pk
    region = many.world["region"].pk
    # Last month: `dated` (ended later) and the undated-unit one (due before the month's end);
    # `short` was due yesterday, so last month only if yesterday was in it.
    # `returned` (ended yesterday) likewise if its date was before the month's end.
    then = {n: int(many.loans[n].loan_until < last_end) for n in ("short", "no_unit", "returned")}
    assert counts.get((region, unit), [0, 0])[0] == 1 + then["short"] + then["returned"]
    assert counts.get((region, None), [0, 0])[0] == then["no_unit"]
    # Today: as the list says today.
    assert {k: v[1] for k, v in counts.items() if v[1]} == _list_counts(today)


def test_a_return_shows_on_the_page_and_in_the_downloads_at_once(many, client_for):
    client, _ = client_for("supply_handler")
    url = reverse("operations:statistics")

    def this_month(body: str) -> dict[str, str]:
        """Unit -> the current month's cell of the overdue table (its last column)."""
        start = body.index("Försenade återlämningar per kund och enhet")
        section = body[start:body.index("</table>", start)]
        rows = re.findall(r'<tr><th scope="row">[^<]*</th><td class="num">([^<]*)</td>(.*?)</tr>', section, re.S)
        return {unit: re.findall(r'<td class="num">([^<]*)</td>', cells)[-1] for unit, cells in rows}

    assert this_month(client.get(url).content.decode()) == {"Rehab Region": "3", "–": "1", "": "4"}
    csv = client.get(reverse("operations:statistics_csv")).content.decode("utf-8-sig")
    assert "Försenade återlämningar per kund och enhet" in csv and "Region Test;Rehab Region;" in csv
    xlsx = client.get(reverse("operations:statistics_xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    for name in ("dated", "trial", "short"):
        loan_end(loan=many.loans[name], on=many.today)  # returned today: no longer overdue
    assert _list_counts(many.today) == {(many.world["region"].pk, None): 1}
    # Not the cached page of before (`report_version` holds the loans' version).
    assert this_month(client.get(url).content.decode()) == {"Rehab Region": "0", "–": "1", "": "1"}
    csv = client.get(reverse("operations:statistics_csv")).content.decode("utf-8-sig")
    assert [ln for ln in csv.splitlines() if ln.startswith("Region Test;Rehab Region;")][0].endswith(";0")
