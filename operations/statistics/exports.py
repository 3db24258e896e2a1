"""The statistics' tables as .xlsx (one sheet per table, XlsxWriter) and .csv (the tables one
after the other, each under its title; UTF-8 with BOM, semicolons, decimal comma), with the
invoice basis' rules for text cells: a cell starting with `=`, `+`, `-`, `@` (or a tab/carriage
return) is neutralised with a leading apostrophe (`invoicing.exports.neutralise`)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone

from invoicing.exports import _sheet_name, neutralise

from .report import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return format(value, "f" if isinstance(value, Decimal) else "").replace(".", ",")
    return neutralise(str(value))


def csv_bytes(title: str, tables: list[Table]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([neutralise(title)])
    for t in tables:
        w.writerow([])
        w.writerow([neutralise(t.title)])
        w.writerow([neutralise(h) for h in t.headers])
        for row in t.rows:
            w.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, tables: list[Table]) -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = wb.add_format({"bold": True})
    pct = wb.add_format({"num_format": "0.0"})
    num = wb.add_format({"num_format": "#,##0.##"})
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    used: set[str] = set()
    for t in tables:
        ws = wb.add_worksheet(_sheet_name(t.title, used))
        ws.write_string(0, 0, neutralise(t.title), bold)
        for c, h in enumerate(t.headers):
            ws.write_string(1, c, neutralise(h), bold)
            ws.set_column(c, c, max(12, min(len(h) + 2, 40)))
        for r, row in enumerate(t.rows, start=2):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, timezone.localtime(v).replace(tzinfo=None), when)
                elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                    ws.write_number(r, c, float(v), pct if c in t.percent_cols else num)
                else:
                    ws.write_string(r, c, neutralise(str(v)))
        ws.freeze_panes(2, 1)
        if t.note:
            ws.write_string(len(t.rows) + 3, 0, neutralise(t.note))
    wb.set_properties({"title": title})
    wb.close()
    return out.getvalue()


def response(fmt: str, name: str, title: str, tables: list[Table]) -> HttpResponse:
    if fmt == "xlsx":
        resp = HttpResponse(xlsx_bytes(title, tables), content_type=XLSX)
    else:
        resp = HttpResponse(csv_bytes(title, tables), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return resp
