"""Pages of the invoice basis (Swedish UI). Customer side: the months of the customers where
the user holds the invoice role, totals per cost centre, downloads. Supply side: every
customer, totals per customer with the previous month, compute and close (supply admin)."""
from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import DomainError, NotFound

from . import exports, selectors, services


def _month(label):
    try:
        return selectors.month_get(label)
    except NotFound:
        raise Http404 from None


def _customer(principal, customer_id):
    try:
        return selectors.visible_customer(principal, customer_id)
    except NotFound:
        raise Http404 from None


def _chart(history):
    return {"history": history, "history_max": max([t for _, t in history] + [1])}


@require_perm(Perm.INVOICE_VIEW)
def months(request):
    principal = request.principal
    customers = selectors.visible_customers(principal)
    history = selectors.month_history(None if principal.is_supply else
                                      (customers[0].pk if len(customers) == 1 else -1))
    return render(request, "invoicing/months.html", {
        "months": selectors.months(), "customers": customers, "is_supply": principal.is_supply,
        "can_manage": principal.has_perm(Perm.INVOICE_MANAGE), **_chart(history),
    })


@require_perm(Perm.INVOICE_VIEW)
def month_detail(request, month: str):
    principal = request.principal
    m = _month(month)
    customers = selectors.visible_customers(principal)
    if not principal.is_supply:
        if len(customers) == 1:
            return redirect("invoicing:customer_month", month=m.label, customer_id=customers[0].pk)
        return render(request, "invoicing/month_customers.html", {"month": m, "customers": customers})
    totals = selectors.totals_by_customer(m)
    return render(request, "invoicing/month_supply.html", {
        "month": m, "totals": totals, "previous": selectors.previous_month(m), "progress": selectors.month_progress(m),
        "grand_total": sum(t.amount_ore for t in totals),
        "grand_previous": sum(t.previous_ore or 0 for t in totals),
        "can_manage": principal.has_perm(Perm.INVOICE_MANAGE),
    })


@require_perm(Perm.INVOICE_VIEW)
def month_status(request, month: str):
    """The computation's progress (polled by the month page every 2 s while it runs). When a
    poll finds the computation finished, htmx reloads the page so that the totals are fresh."""
    m = _month(month)
    response = render(request, "invoicing/_status.html", {"month": m, "progress": selectors.month_progress(m)})
    if request.htmx and request.GET.get("polling") and m.compute_status not in (
            m.Compute.QUEUED, m.Compute.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@require_perm(Perm.INVOICE_VIEW)
def customer_month(request, month: str, customer_id: int):
    principal = request.principal
    m = _month(month)
    customer = _customer(principal, customer_id)
    totals = selectors.totals_by_cost_centre(m, customer.pk)
    return render(request, "invoicing/customer_month.html", {
        "month": m, "customer": customer, "totals": totals, "grand_total": sum(t.amount_ore for t in totals),
        "is_supply": principal.is_supply, **_chart(selectors.month_history(customer.pk)),
    })


@require_perm(Perm.INVOICE_VIEW)
def download_xlsx(request, month: str, customer_id: int):
    principal = request.principal
    m = _month(month)
    customer = _customer(principal, customer_id)
    exports.record_download(principal, m, customer, "xlsx")
    return exports.xlsx_response(m, customer)


@require_perm(Perm.INVOICE_VIEW)
def download_csv(request, month: str, customer_id: int):
    principal = request.principal
    m = _month(month)
    customer = _customer(principal, customer_id)
    exports.record_download(principal, m, customer, "csv")
    return exports.csv_response(m, customer)


@require_POST
@require_perm(Perm.INVOICE_MANAGE)
def month_open(request):
    """Open (create) a month: the one posted as YYYY-MM, else the current month."""
    label = (request.POST.get("month") or "").strip() or f"{timezone.localdate():%Y-%m}"
    try:
        m = services.invoice_month_open(month=selectors.parse_month(label), actor=request.principal)
    except DomainError as exc:
        flash.error(request, exc.message)
        return redirect("invoicing:months")
    return redirect("invoicing:month_detail", month=m.label)


@require_POST
@require_perm(Perm.INVOICE_MANAGE)
def month_compute(request, month: str):
    m = _month(month)
    try:
        services.invoice_month_request_compute(month=m, actor=request.principal)
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, gettext("Beräkningen är startad."))
    return redirect("invoicing:month_detail", month=m.label)


@require_POST
@require_perm(Perm.INVOICE_MANAGE)
def month_close(request, month: str):
    m = _month(month)
    try:
        services.invoice_month_close(month_id=m.pk, actor=request.principal)
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, gettext("%(month)s är stängd. Underlaget är slutligt.") % {"month": m.label})
    return redirect("invoicing:month_detail", month=m.label)
