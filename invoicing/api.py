"""The invoice basis on the JSON API: months, totals, lines (paged) and the two downloads.
A customer's system client reads its own customer; a supply-side principal with the invoice
permission names the customer. Another customer's basis answers 404."""
from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from audit.services import patient_access_record_many
from core.errors import ValidationFailed

from . import exports, selectors

router = Router()


class InvoiceMonthOut(Schema):
    month: str
    status: str
    compute_status: str
    computed_at: dt.datetime | None
    closed_at: dt.datetime | None


class InvoiceTotalOut(Schema):
    cost_centre_id: int | None
    cost_centre: str
    lines: int
    amount_ore: int


class InvoiceTotalsOut(Schema):
    month: str
    status: str
    customer_id: int
    amount_ore: int
    cost_centres: list[InvoiceTotalOut]


class InvoiceLineOut(Schema):
    id: int
    cost_centre_id: int | None
    unit_id: int | None
    patient_identity: str
    order_number: str
    serial: str
    article_number: str
    text: str
    period_from: dt.date
    period_to: dt.date
    quantity: str
    unit_price_ore: int
    amount_ore: int
    rule: str
    corrects_line_id: int | None
    corrects_month: str | None


class InvoiceLinePageOut(Schema):
    month: str
    customer_id: int
    page: int
    page_size: int
    count: int
    items: list[InvoiceLineOut]


def _customer_id(principal, customer_id: int | None) -> int:
    if customer_id is None:
        ids = selectors.invoice_customer_ids(principal)
        if ids is None or len(ids) != 1:
            raise ValidationFailed(_("Ange kund (customer_id)."), errors={"customer_id": [_("Krävs.")]})
        customer_id = next(iter(ids))
    return selectors.visible_customer(principal, customer_id).pk


def _month_out(m) -> dict:
    return {"month": m.label, "status": m.status, "compute_status": m.compute_status, "computed_at": m.computed_at,
            "closed_at": m.closed_at}


@router.get("/invoicing/months", response=list[InvoiceMonthOut], summary="Invoice months (open = preliminary)")
@api_perm(Perm.INVOICE_VIEW)
def months(request):
    return [_month_out(m) for m in selectors.months()]


@router.get("/invoicing/months/{month}/totals", response=InvoiceTotalsOut,
            summary="A customer's month: totals per cost centre")
@api_perm(Perm.INVOICE_VIEW)
def totals(request, month: str, customer_id: int | None = Query(None, ge=1, le=2**63 - 1)):
    principal = request.auth
    cid = _customer_id(principal, customer_id)
    m = selectors.month_get(month)
    rows = selectors.totals_by_cost_centre(m, cid)
    return {"month": m.label, "status": m.status, "customer_id": cid, "amount_ore": sum(t.amount_ore for t in rows),
            "cost_centres": [{"cost_centre_id": t.key, "cost_centre": t.label, "lines": t.lines,
                              "amount_ore": t.amount_ore} for t in rows]}


@router.get("/invoicing/months/{month}/lines", response=InvoiceLinePageOut,
            summary="A customer's invoice lines, paged (ordered by cost centre)")
@api_perm(Perm.INVOICE_VIEW)
def lines(request, month: str, customer_id: int | None = Query(None, ge=1, le=2**63 - 1),
          page: int = Query(1, ge=1, le=1_000_000), page_size: int = Query(500, ge=1, le=5000)):
    principal = request.auth
    cid = _customer_id(principal, customer_id)
    m = selectors.month_get(month)
    page, page_size = max(page, 1), min(max(page_size, 1), 5000)
    qs = selectors.lines_of(m, cid).select_related("corrects_month")
    items = [{
        "id": x.pk, "cost_centre_id": x.cost_centre_id, "unit_id": x.unit_id, "patient_identity": x.patient_identity,
        "order_number": x.order_number, "serial": x.serial, "article_number": x.article_number, "text": x.text,
        "period_from": x.period_from, "period_to": x.period_to, "quantity": str(x.quantity),
        "unit_price_ore": x.unit_price_ore, "amount_ore": x.amount_ore, "rule": x.rule,
        "corrects_line_id": x.corrects_line_id,
        "corrects_month": x.corrects_month.label if x.corrects_month_id else None, "patient_id": x.patient_id,
    } for x in qs[(page - 1) * page_size: page * page_size]]
    shown = sorted({pid for x in items if (pid := x.pop("patient_id")) and x["patient_identity"]})
    if shown:
        patient_access_record_many(principal, shown, "api_invoice_lines", purpose=f"fakturaunderlag {m.label}")
    return {"month": m.label, "customer_id": cid, "page": page, "page_size": page_size, "count": qs.count(),
            "items": items}


@router.get("/invoicing/months/{month}/basis.xlsx", summary="A customer's invoice basis as .xlsx")
@api_perm(Perm.INVOICE_VIEW)
def basis_xlsx(request, month: str, customer_id: int | None = Query(None, ge=1, le=2**63 - 1)):
    principal = request.auth
    customer = selectors.visible_customer(principal, _customer_id(principal, customer_id))
    m = selectors.month_get(month)
    exports.record_download(principal, m, customer, "xlsx")
    return exports.xlsx_response(m, customer)


@router.get("/invoicing/months/{month}/basis.csv", summary="A customer's invoice basis as .csv (UTF-8 BOM, ;)")
@api_perm(Perm.INVOICE_VIEW)
def basis_csv(request, month: str, customer_id: int | None = Query(None, ge=1, le=2**63 - 1)):
    principal = request.auth
    customer = selectors.visible_customer(principal, _customer_id(principal, customer_id))
    m = selectors.month_get(month)
    exports.record_download(principal, m, customer, "csv")
    return exports.csv_response(m, customer)
