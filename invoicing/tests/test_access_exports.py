"""Who sees the basis (pages, downloads, API: 404 for anyone else) and the two file formats."""
import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from access.roles import Role
from conftest import login_verified
from invoicing import services
from invoicing.exports import neutralise
from invoicing.models import InvoiceLine
from ordering.tests import factories as of
from tests import factories as f

from .conftest import D, deliver, loan, order, price

pytestmark = pytest.mark.django_db


@pytest.fixture
def basis(base, world):
    """March 2026 for the region: rent on two cost centres, a purchase whose text is a formula."""
    b = base
    other_cc = f.CostCentreFactory(organisation=b["region"], code="9000", name="Ortopedi")
    price(b["chair"], valid_from=D(2020, 1, 1), rent="310")
    loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=D(2026, 3, 17), cost_centre=b["cc"])
    loan(article=b["chair"], customer=b["region"], patient=b["patient"], start=D(2026, 1, 1), cost_centre=other_cc)
    evil = of.article(name="=HYPERLINK(\"http://x\")", price="100.00")
    deliver(order(customer=b["region"], unit=b["unit"], cost_centre=b["cc"]), evil, 3, D(2026, 3, 5))
    # the municipality has its own line, which region users must never see
    mun_patient = of.patient(world["municipality"])
    loan(article=b["chair"], customer=world["municipality"], patient=mun_patient, start=D(2026, 3, 1),
         cost_centre=world["municipality_unit"].default_cost_centre)
    month = services.invoice_month_open(month=D(2026, 3, 1))
    services.invoice_month_compute(month_id=month.pk)
    return {**b, "month": month, "other_cc": other_cc}


def url(name, basis, customer=None, **kw):
    customer = customer or basis["region"]
    return reverse(f"invoicing:{name}", kwargs={"month": "2026-03", "customer_id": customer.pk, **kw})


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1)", "'=SUM(A1)"), ("+46", "'+46"), ("-1", "'-1"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("Rullstol", "Rullstol"), ("", ""), ("a=b", "a=b"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_xlsx_types_totals_and_layout(basis, client_for):
    client, _ = client_for(Role.INVOICE_VIEWER)
    response = client.get(url("download_xlsx", basis))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames[0] == "Sammanställning" and len(wb.sheetnames) == 3
    summary = wb["Sammanställning"]
    assert summary.freeze_panes == "A2"
    total_row = next(r for r in summary.iter_rows(values_only=True) if r[0] == "Summa")
    expected = sum(InvoiceLine.objects.filter(month=basis["month"], customer=basis["region"])
                   .values_list("amount_ore", flat=True))
    assert Decimal(str(total_row[2])) == Decimal(expected) / 100
    sheet = wb[wb.sheetnames[1]]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Kostnadsställe", "Enhet", "Personnummer"] and "Belopp (kr)" in header
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    amount_col, from_col = header.index("Belopp (kr)"), header.index("Från")
    for r in rows:
        assert isinstance(r[amount_col], (int, float))
        assert r[from_col].date() == r[from_col].date()  # a datetime, i.e. an Excel date
    assert sheet.cell(row=2, column=amount_col + 1).number_format == "#,##0.00"
    texts = [r[header.index("Benämning")] for sheet_name in wb.sheetnames[1:]
             for r in wb[sheet_name].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in texts
    sheet_total = sum(Decimal(str(r[amount_col])) for name in wb.sheetnames[1:]
                      for r in wb[name].iter_rows(min_row=2, values_only=True))
    assert sheet_total == Decimal(expected) / 100


def test_csv_round_trips(basis, client_for):
    client, _ = client_for(Role.INVOICE_VIEWER)
    response = client.get(url("download_csv", basis))
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, data = rows[0], rows[1:]
    lines = list(InvoiceLine.objects.filter(month=basis["month"], customer=basis["region"]).order_by("cost_centre_id",
                                                                                                     "id"))
    assert len(data) == len(lines)
    amount = header.index("Belopp (kr)")
    for row, line in zip(data, lines):
        assert Decimal(row[amount].replace(",", ".")) * 100 == line.amount_ore
        assert row[header.index("Från")] == line.period_from.isoformat()
        assert row[header.index("Personnummer")] == line.patient_identity
    assert "'=HYPERLINK(\"http://x\")" in [r[header.index("Benämning")] for r in data]


def test_pages_for_the_invoice_viewer(basis, client_for):
    client, _ = client_for(Role.INVOICE_VIEWER)
    assert client.get(reverse("invoicing:months")).status_code == 200
    detail = client.get(reverse("invoicing:month_detail", kwargs={"month": "2026-03"}))
    assert detail.status_code == 302 and detail.url == url("customer_month", basis)
    page = client.get(url("customer_month", basis)).content.decode()
    assert "Ortopedi" in page and "Preliminärt" in page


@pytest.mark.parametrize("name", ["customer_month", "download_xlsx", "download_csv"])
def test_other_customers_and_roles_get_404(basis, world, client_for, make_user, name):
    viewer, _ = client_for(Role.INVOICE_VIEWER)
    assert viewer.get(url(name, basis, customer=world["municipality"])).status_code == 404
    # a prescriber at the region who is invoice viewer only at the municipality sees the municipality only
    user = make_user(Role.PRESCRIBER)
    f.RoleAssignmentFactory(user=user, unit=world["municipality_unit"], role=Role.INVOICE_VIEWER)
    mixed = login_verified(Client(), user)
    assert mixed.get(url(name, basis)).status_code == 404
    assert mixed.get(url(name, basis, customer=world["municipality"])).status_code == 200
    prescriber, _ = client_for(Role.PRESCRIBER)
    assert prescriber.get(url(name, basis)).status_code == 403
    admin, _ = client_for(Role.SUPPLY_ADMIN)
    assert admin.get(url(name, basis, customer=world["municipality"])).status_code == 200
    assert viewer.get(reverse(f"invoicing:{name}", kwargs={"month": "2026-13", "customer_id": basis["region"].pk})
                      ).status_code == 404


def test_supply_sees_all_customers_with_previous_month(basis, world, client_for):
    feb = services.invoice_month_open(month=D(2026, 2, 1))
    services.invoice_month_compute(month_id=feb.pk)
    services.invoice_month_compute(month_id=basis["month"].pk)
    client, _ = client_for(Role.SUPPLY_ADMIN)
    page = client.get(reverse("invoicing:month_detail", kwargs={"month": "2026-03"})).content.decode()
    assert world["region"].name in page and world["municipality"].name in page
    assert "Föregående månad" in page and "Stäng månaden" in page


def test_supply_admin_computes_and_closes_from_the_page(basis, client_for, django_capture_on_commit_callbacks):
    client, _ = client_for(Role.SUPPLY_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("invoicing:month_compute", kwargs={"month": "2026-03"}))
    assert r.status_code == 302
    assert client.post(reverse("invoicing:month_close", kwargs={"month": "2026-03"})).status_code == 302
    basis["month"].refresh_from_db()
    assert basis["month"].is_closed
    handler, _ = client_for(Role.SUPPLY_HANDLER)
    assert handler.post(reverse("invoicing:month_close", kwargs={"month": "2026-03"})).status_code == 403


def test_api(basis, api):
    months = api.region.get("/api/v1/invoicing/months").json()
    assert [m["month"] for m in months] == ["2026-03"]
    totals = api.region.get("/api/v1/invoicing/months/2026-03/totals").json()
    assert totals["customer_id"] == basis["region"].pk and len(totals["cost_centres"]) == 2
    page = api.region.get("/api/v1/invoicing/months/2026-03/lines", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    page2 = api.region.get("/api/v1/invoicing/months/2026-03/lines", {"page_size": 2, "page": 2}).json()
    assert len(page2["items"]) == 1
    assert sum(x["amount_ore"] for x in page["items"] + page2["items"]) == totals["amount_ore"]
    assert api.region.get("/api/v1/invoicing/months/2026-03/basis.xlsx").status_code == 200
    assert api.region.get("/api/v1/invoicing/months/2026-03/basis.csv").status_code == 200
    other = basis["municipality"].pk
    for path in ("totals", "lines", "basis.xlsx", "basis.csv"):
        r = api.region.get(f"/api/v1/invoicing/months/2026-03/{path}", {"customer_id": other})
        assert r.status_code == 404, path
    assert api.supply.get("/api/v1/invoicing/months/2026-03/totals",
                          {"customer_id": other}).status_code == 403  # supply client: no invoice permission


def test_downloads_and_api_lines_log_patient_access(basis, client_for, api):
    from audit.models import AuditEvent, PatientAccess

    client, _ = client_for(Role.INVOICE_VIEWER)
    b"".join(client.get(url("download_csv", basis)).streaming_content)
    assert PatientAccess.objects.filter(patient_id=basis["patient"].pk, view="invoicing_download").count() == 1
    assert AuditEvent.objects.filter(action="invoicing.download").count() == 1
    api.region.get("/api/v1/invoicing/months/2026-03/lines")
    assert PatientAccess.objects.filter(patient_id=basis["patient"].pk, view="api_invoice_lines").count() == 1


def test_api_for_a_logged_in_viewer_defaults_to_the_invoice_customer(basis, world, make_user):
    user = make_user(Role.PRESCRIBER, "municipality")
    f.RoleAssignmentFactory(user=user, unit=world["region_unit"], role=Role.INVOICE_VIEWER)
    client = login_verified(Client(), user)
    totals = client.get("/api/v1/invoicing/months/2026-03/totals")
    assert totals.status_code == 200 and totals.json()["customer_id"] == basis["region"].pk
    other = client.get("/api/v1/invoicing/months/2026-03/totals", {"customer_id": world["municipality"].pk})
    assert other.status_code == 404
