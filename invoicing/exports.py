"""The invoice basis of one customer and month as .xlsx and .csv.

.xlsx: XlsxWriter in constant-memory mode (rows are streamed to temporary files, memory stays
flat at any size): a summary sheet, then one sheet per cost centre; Swedish headers, amounts in
kronor as numbers with two decimals, dates as dates, frozen header row, auto-filter.
.csv: UTF-8 with BOM, semicolon separator and decimal comma (as Swedish Excel opens it).
In both, text that starts with `=`, `+`, `-` or `@` (or a tab/carriage return) is neutralised
with a leading apostrophe so that no cell is read as a formula."""
from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from decimal import Decimal

import xlsxwriter
from django.db.models import F

from catalogue.pricing import kronor

from .models import InvoiceLine, Rule
from .selectors import totals_by_cost_centre

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

HEADERS = ["Kostnadsställe", "Enhet", "Personnummer", "Order", "Individnummer", "Artikelnummer", "Benämning",
           "Från", "Till", "Antal", "À-pris (kr)", "Belopp (kr)", "Regel", "Rättar rad", "Rättar månad"]
WIDTHS = [22, 28, 14, 12, 16, 14, 40, 11, 11, 9, 12, 14, 22, 10, 12]
RULES = dict(Rule.choices)
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system, for dates after February 1900


def neutralise(value: str) -> str:
    value = value or ""
    return "'" + value if value.startswith(DANGEROUS) else value


def _rows(month, customer_id: int, cost_centre_id=None, *, all_centres=True) -> Iterator[dict]:
    qs = InvoiceLine.objects.filter(month=month, customer_id=customer_id)
    if not all_centres:
        qs = qs.filter(cost_centre_id=cost_centre_id)
    yield from (qs.order_by("cost_centre_id", "id").values(
        "id", "cost_centre_id", "patient_identity", "order_number", "serial", "article_number", "text",
        "period_from", "period_to", "quantity", "unit_price_ore", "amount_ore", "rule", "corrects_line_id",
        cc_code=F("cost_centre__code"), cc_name=F("cost_centre__name"), unit_name=F("unit__name"),
        corrects=F("corrects_month__month")).iterator(chunk_size=5000))


def _kr(ore: int) -> Decimal:
    return kronor(ore)


def _cc_label(r) -> str:
    return f"{r['cc_code']} {r['cc_name']}" if r["cc_code"] else ""


def _text_cells(r) -> list[str]:
    return [neutralise(x) for x in (_cc_label(r), r["unit_name"] or "", r["patient_identity"], r["order_number"],
                                    r["serial"], r["article_number"], r["text"])]


def _sheet_name(label: str, used: set[str]) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in label).strip("'") or "Utan kostnadsställe"
    name = name[:31]
    base, i = name, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name = base[:31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def write_xlsx(month, customer, path: str) -> None:
    totals = totals_by_cost_centre(month, customer.pk)
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                    "strings_to_formulas": False, "strings_to_numbers": False,
                                    "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    money_bold = wb.add_format({"num_format": "#,##0.00", "bold": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    qty = wb.add_format({"num_format": "0.##"})
    used: set[str] = set()

    summary = wb.add_worksheet(_sheet_name("Sammanställning", used))
    summary.write_row(0, 0, ["Kostnadsställe", "Antal rader", "Belopp (kr)"], head)
    summary.set_column(0, 0, 40)
    summary.set_column(1, 2, 14)
    summary.freeze_panes(1, 0)
    for i, t in enumerate(totals, start=1):
        summary.write_string(i, 0, neutralise(t.label))
        summary.write_number(i, 1, t.lines)
        summary.write_number(i, 2, _kr(t.amount_ore), money)
    n = len(totals)
    summary.write_string(n + 1, 0, "Summa", head)
    summary.write_number(n + 1, 1, sum(t.lines for t in totals), head)
    summary.write_number(n + 1, 2, _kr(sum(t.amount_ore for t in totals)), money_bold)
    summary.autofilter(0, 0, max(n, 1), 2)
    summary.write_string(n + 3, 0, f"Fakturaunderlag {customer.name} {month.label} "
                         f"({'slutligt' if month.is_closed else 'preliminärt'})")

    # The inner loop writes 4.2 million cells for the largest customer: what is the same for many
    # rows is computed once (the sheet's cost-centre label, the rule labels, a date's serial
    # number), amounts go in as öre / 100 (the same double as the Decimal in kronor).
    labels = {k: str(v) for k, v in RULES.items()}
    serials: dict = {}

    def serial(day):
        value = serials.get(day)
        if value is None:
            value = serials[day] = (day - EXCEL_EPOCH).days
        return value

    for t in totals:
        ws = wb.add_worksheet(_sheet_name(t.label, used))
        ws.write_row(0, 0, HEADERS, head)
        for col, width in enumerate(WIDTHS):
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        write_string, write_number = ws.write_string, ws.write_number
        row = 0
        cc_label = None
        for r in _rows(month, customer.pk, t.key, all_centres=False):
            row += 1
            if cc_label is None:
                cc_label = neutralise(_cc_label(r))
            write_string(row, 0, cc_label)
            write_string(row, 1, neutralise(r["unit_name"] or ""))
            write_string(row, 2, neutralise(r["patient_identity"]))
            write_string(row, 3, neutralise(r["order_number"]))
            write_string(row, 4, neutralise(r["serial"]))
            write_string(row, 5, neutralise(r["article_number"]))
            write_string(row, 6, neutralise(r["text"]))
            write_number(row, 7, serial(r["period_from"]), date)
            write_number(row, 8, serial(r["period_to"]), date)
            write_number(row, 9, r["quantity"], qty)
            write_number(row, 10, r["unit_price_ore"] / 100, money)
            write_number(row, 11, r["amount_ore"] / 100, money)
            write_string(row, 12, labels.get(r["rule"], r["rule"]))
            if r["corrects_line_id"]:
                write_number(row, 13, r["corrects_line_id"])
            if r["corrects"]:
                write_string(row, 14, f"{r['corrects']:%Y-%m}")
        ws.autofilter(0, 0, max(row, 1), len(HEADERS) - 1)
    wb.close()


def _csv_number(value: Decimal) -> str:
    return format(value, "f").replace(".", ",")


def csv_chunks(month, customer) -> Iterator[bytes]:
    """The .csv as a stream of UTF-8 chunks (BOM first)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    buf.seek(0)
    buf.truncate()
    for i, r in enumerate(_rows(month, customer.pk), start=1):
        writer.writerow(_text_cells(r) + [
            r["period_from"].isoformat(), r["period_to"].isoformat(), _csv_number(r["quantity"].normalize()
                                                                                  if r["quantity"] % 1 == 0
                                                                                  else r["quantity"]),
            _csv_number(_kr(r["unit_price_ore"])), _csv_number(_kr(r["amount_ore"])),
            str(RULES.get(r["rule"], r["rule"])), str(r["corrects_line_id"] or ""),
            f"{r['corrects']:%Y-%m}" if r["corrects"] else "",
        ])
        if i % 2000 == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def filename(month, customer, ext: str) -> str:
    safe = "".join(ch if ch.isalnum() else "_" for ch in customer.name)[:40]
    return f"fakturaunderlag_{safe}_{month.label}.{ext}"


def record_download(principal, month, customer, fmt: str) -> None:
    """An audit row for the download and one patient-access row per identified patient in it."""
    from audit.services import audit_record, patient_access_record_many

    from .selectors import identified_patient_ids

    audit_record(principal, "invoicing.download", month, {"customer_id": customer.pk, "format": fmt})
    ids = identified_patient_ids(month, customer.pk)
    for i in range(0, len(ids), 5000):
        patient_access_record_many(principal, ids[i:i + 5000], "invoicing_download",
                                   purpose=f"fakturaunderlag {month.label}")


def xlsx_response(month, customer):
    """The .xlsx as a file response (written to a temporary file, unlinked while open)."""
    import os

    from django.http import FileResponse

    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(month, customer, path)
        handle = open(path, "rb")  # noqa: SIM115  (closed by the response)
    finally:
        os.unlink(path)  # the open handle keeps the data until the response closes it
    return FileResponse(handle, as_attachment=True, filename=filename(month, customer, "xlsx"),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def csv_response(month, customer):
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(csv_chunks(month, customer), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(month, customer, "csv")}"'
    return response
