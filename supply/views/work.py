"""The supply centre's pages for work orders, and the technician's phone list."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from ordering import kind_selectors
from ordering.flows import work as work_orders
from ordering.models import OrderType

from ..forms.core import ReasonForm
from ..forms.work import AcceptForm, CompleteForm
from .core import _act, _get, _list

# --------------------------------------------------------------------------- work orders


@require_perm(Perm.WORK_ORDER_HANDLE)
def wo_list(request):
    return _list(request, OrderType.WORK)


def _wo_page(request, order_id, forms=None, status=200, template="supply/service/wo_handle.html"):
    order = _get(request, order_id, OrderType.WORK)
    ctx = {"order": order, "principal": request.principal, "accept_form": AcceptForm(),
           "complete_form": CompleteForm(), "cancel_form": ReasonForm()}
    ctx.update(forms or {})
    return render(request, template, ctx, status=status)


@require_perm(Perm.WORK_ORDER_HANDLE)
def wo_handle(request, order_id: int):
    return _wo_page(request, order_id)


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def wo_accept(request, order_id: int):
    form = AcceptForm(request.POST)
    return _act(request, "supply:wo_handle", order_id,
                lambda **kw: work_orders.work_order_accept(request.principal, order_id, **kw), form=form,
                fields=lambda d: {"planned_date": d.get("planned_date"), "technician_id": d["technician"].pk},
                ok=gettext("Arbetsordern är accepterad."),
                render_back=lambda f: _wo_page(request, order_id, {"accept_form": f}, status=422))


def _start(request, order_id, back: str):
    return _act(request, back, order_id, lambda: work_orders.work_order_start(request.principal, order_id),
                ok=gettext("Arbetet är påbörjat."))


def _complete(request, order_id, back: str, template: str):
    form = CompleteForm(request.POST)
    return _act(request, back, order_id,
                lambda **kw: work_orders.work_order_complete(request.principal, order_id, **kw), form=form,
                fields=("report", "hours", "parts"),
                ok=gettext("Arbetsordern är avslutad och beställaren har fått besked."),
                render_back=lambda f: _wo_page(request, order_id, {"complete_form": f}, status=422,
                                               template=template))


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def wo_start(request, order_id: int):
    return _start(request, order_id, "supply:wo_handle")


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def wo_complete(request, order_id: int):
    return _complete(request, order_id, "supply:wo_handle", "supply/service/wo_handle.html")


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def wo_cancel(request, order_id: int):
    form = ReasonForm(request.POST)
    return _act(request, "supply:wo_handle", order_id,
                lambda **kw: work_orders.work_order_cancel(request.principal, order_id, **kw), form=form,
                fields=("reason",),
                ok=gettext("Arbetsordern är makulerad; beställaren har fått besked."),
                render_back=lambda f: _wo_page(request, order_id, {"cancel_form": f}, status=422))


# --------------------------------------------------------------------------- technician (phone)


@require_perm(Perm.TECHNICIAN_WORK)
def technician(request):
    user = request.principal.user
    rows = kind_selectors.technician_work(user) if user is not None else []
    if rows:  # addresses and devices of patients are shown: one access row per patient
        from audit.services import patient_access_record

        for pid in sorted({o.patient_id for o in rows if o.patient_id}):
            patient_access_record(request.principal, pid, "technician_list")
    return render(request, "supply/service/technician.html", {"rows": rows})


def _own(request, order_id):
    order = _get(request, order_id, OrderType.WORK)
    user = request.principal.user
    if user is None or order.work_detail.technician_id != user.pk:
        raise Http404("Arbetsordern finns inte i din lista.")
    return order


@require_perm(Perm.TECHNICIAN_WORK)
def technician_order(request, order_id: int):
    _own(request, order_id)
    return _wo_page(request, order_id, template="supply/service/technician_order.html")


@require_POST
@require_perm(Perm.TECHNICIAN_WORK)
def technician_start(request, order_id: int):
    _own(request, order_id)
    return _start(request, order_id, "supply:technician_order")


@require_POST
@require_perm(Perm.TECHNICIAN_WORK)
def technician_complete(request, order_id: int):
    _own(request, order_id)
    return _complete(request, order_id, "supply:technician_order", "supply/service/technician_order.html")
