"""What the supply centre's pages share: a list of orders of one kind, one order, and running an
action with its errors shown on the page. Thin: parse, call a service or selector, render."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from core.errors import NotFound
from core.pages import page_action
from ordering import kind_selectors
from ordering.models import OrderStatus, OrderType

from ..forms.core import FilterForm

S = OrderStatus
LISTS = {
    OrderType.WORK: ("Arbetsordrar", [S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED],
                     "supply:wo_handle"),
    OrderType.PICKUP: ("Hämtordrar", [S.SUBMITTED, S.PLANNED, S.PARTLY_PICKED_UP, S.PICKED_UP, S.RECEIVED, S.CANCELLED],
                       "supply:pickup_handle"),
    OrderType.FAULT: ("Avvikelser", [S.REGISTERED, S.INVESTIGATING, S.ANSWERED, S.CLOSED], "supply:fault_handle"),
}


def _list(request, order_type: str):
    title, statuses, detail = LISTS[order_type]
    form = FilterForm(request.GET or None, statuses=statuses)
    cd = form.cleaned_data if (request.GET and form.is_valid()) else {"status": statuses[0]}
    flt = kind_selectors.ServiceFilter(status=cd.get("status") or "", number=cd.get("number") or "")
    rows = kind_selectors.service_order_search(request.principal, order_type, flt, limit=200)
    return render(request, "supply/service/list.html", {"form": form, "rows": rows, "title": title,
                                                        "detail_url": detail, "order_type": order_type})


def _get(request, order_id, order_type: str):
    try:
        return kind_selectors.service_order_get(request.principal, order_id, order_type,
                                                   view=f"supply_{order_type}_order")
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _act(request, redirect_to: str, order_id, fn, form=None, fields=(), ok: str = "Sparat.", render_back=None):
    """Run a supply action (`core.pages.page_action`): invalid input re-renders the page with the
    form errors (422). `fields` names the form's cleaned values passed to `fn` (or maps the cleaned
    data to its keyword arguments)."""
    def action(cd=None):
        if cd is None:
            return fn()
        return fn(**(fields(cd) if callable(fields) else {name: cd.get(name) for name in fields}))

    return page_action(request, action, form=form, render_back=render_back, ok=ok,
                       done=reverse(redirect_to, args=[order_id]))
