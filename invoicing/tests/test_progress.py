"""The month computation reports its percentage as it goes, where the month page reads it, and
the page shows it (htmx polling) until the computation is done."""
import pytest
from django.db import connection
from django.urls import reverse

from access.roles import Role
from invoicing import charges as ch
from invoicing import rentsql, services
from invoicing.models import InvoiceMonth, MonthProgress

from .conftest import D, loan, price

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_loans(base):
    price(base["chair"], valid_from=D(2020, 1, 1), rent="300")
    for day in (1, 5, 9):
        loan(article=base["chair"], customer=base["region"], patient=base["patient"], start=D(2026, 3, day),
             cost_centre=base["cc"])
    return services.invoice_month_open(month=D(2026, 3, 1))


def record(monkeypatch):
    seen = []
    original = services.Progress.__call__

    def spy(self, percent, stage):
        seen.append((percent, stage))
        original(self, percent, stage)

    monkeypatch.setattr(services.Progress, "__call__", spy)
    return seen


def test_compute_reports_rising_percentages_by_stage(three_loans, monkeypatch):
    monkeypatch.setattr(rentsql, "BATCH", 1)
    seen = record(monkeypatch)
    assert services.invoice_month_compute(month_id=three_loans.pk) == 3
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] == 100
    rent = list(dict.fromkeys(p for p, stage in seen if stage == "rent"))
    assert rent == [0, 28, 56, 85]  # one report per loan batch, 85 % when the rent stage is done
    stages = list(dict.fromkeys(stage for _, stage in seen))
    assert stages == ["start", "rent", "buffer_rent", "purchase", "service", "fee", "corrections", "save", "done"]
    assert MonthProgress.objects.values_list("percent", "stage").get(month_pk=three_loans.pk) == (100, "done")


def test_requesting_a_computation_clears_the_old_progress(three_loans):
    services.invoice_month_compute(month_id=three_loans.pk)
    services.invoice_month_request_compute(month=three_loans)
    assert not MonthProgress.objects.filter(month_pk=three_loans.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second connection sees committed rows only on "
                                                              "PostgreSQL (SQLite has one writer)")
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_other_connections_while_the_month_is_computed(three_loans, monkeypatch):
    """The computation holds its transaction (and the month's row lock) open; the page, on
    another connection, still reads the percentage."""
    seen = []

    def probe(month, terms):
        other = connection.copy()
        try:
            with other.cursor() as cur:
                cur.execute(f"SELECT percent, stage FROM {MonthProgress._meta.db_table} WHERE month_pk = %s",
                            [three_loans.pk])
                seen.append(cur.fetchone())
                cur.execute(f"SELECT compute_status FROM {InvoiceMonth._meta.db_table} WHERE id = %s",
                            [three_loans.pk])
                seen.append(cur.fetchone())
        finally:
            other.close()
        yield from ()

    monkeypatch.setattr(ch, "buffer_rent_charges", probe)
    services.invoice_month_compute(month_id=three_loans.pk)
    assert seen == [(85, "buffer_rent"), ("running",)]


def status_page(client, month, **params):
    return client.get(reverse("invoicing:month_status", kwargs={"month": month.label}), params,
                      HTTP_HX_REQUEST="true")


def test_the_month_page_shows_the_percentage_and_polls_until_done(three_loans, client_for):
    client, _ = client_for(Role.SUPPLY_ADMIN)
    month = three_loans
    InvoiceMonth.objects.filter(pk=month.pk).update(compute_status="running")
    MonthProgress.objects.create(month_pk=month.pk, percent=42, stage="rent", updated_at="2026-04-01T10:00Z")
    page = client.get(reverse("invoicing:month_detail", kwargs={"month": month.label})).content.decode()
    assert 'value="42"' in page and "42 % (hyror)" in page and 'hx-trigger="every 2s"' in page
    fragment = status_page(client, month, polling="1")
    assert 'value="42"' in fragment.content.decode() and "HX-Refresh" not in fragment

    services.invoice_month_compute(month_id=month.pk)
    done = status_page(client, month, polling="1")
    body = done.content.decode()
    assert done["HX-Refresh"] == "true"  # the page reloads once, with the new totals
    assert "<progress" not in body and "hx-get" not in body and "Klar" in body
    assert "HX-Refresh" not in status_page(client, month)  # not polling: no reload


def test_a_queued_month_shows_zero_percent(three_loans, client_for):
    client, _ = client_for(Role.SUPPLY_ADMIN)
    services.invoice_month_request_compute(month=three_loans)
    body = status_page(client, three_loans).content.decode()
    assert 'value="0"' in body and "I kö" in body
