"""Supply-centre pages for service work: work orders (and the technician's phone list),
pickup orders, refurbishment, fault reports and the dashboard. Thin: parse, call a service or
selector, render."""
from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import DomainError, NotFound, ValidationFailed
from ordering import service_selectors
from ordering.forms import apply_domain_errors
from ordering.models import OrderStatus, OrderType

from . import dashboard as dash
from . import fault_reports, pickups, refurbishment, work_orders
from .forms_service import (
    AcceptForm, AnswerForm, CompleteForm, FilterForm, PickedUpForm, PlanForm, ReasonForm, ReportsForm,
)

S = OrderStatus
LISTS = {
    OrderType.WORK: ("Arbetsordrar", [S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED],
                     "supply:wo_handle"),
    OrderType.PICKUP: ("Hämtordrar", [S.SUBMITTED, S.PLANNED, S.PICKED_UP, S.RECEIVED, S.CANCELLED],
                       "supply:pickup_handle"),
    OrderType.FAULT: ("Avvikelser", [S.REGISTERED, S.INVESTIGATING, S.ANSWERED, S.CLOSED], "supply:fault_handle"),
}


def _list(request, order_type: str):
    title, statuses, detail = LISTS[order_type]
    form = FilterForm(request.GET or None, statuses=statuses)
    cd = form.cleaned_data if (request.GET and form.is_valid()) else {"status": statuses[0]}
    flt = service_selectors.ServiceFilter(status=cd.get("status") or "", number=cd.get("number") or "")
    rows = service_selectors.service_order_search(request.principal, order_type, flt, limit=200)
    return render(request, "supply/service/list.html", {"form": form, "rows": rows, "title": title,
                                                        "detail_url": detail, "order_type": order_type})


def _get(request, order_id, order_type: str):
    try:
        return service_selectors.service_order_get(request.principal, order_id, order_type,
                                                   view=f"supply_{order_type}_order")
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _act(request, redirect_to: str, order_id, fn, form=None, fields=(), ok: str = "Sparat.", render_back=None):
    """Run a supply action; on bad input re-render the page with the form errors. `fields` names
    the form's cleaned values passed to `fn` (or maps the cleaned data to its keyword arguments)."""
    if form is not None and not form.is_valid():
        return render_back(form)
    if callable(fields):
        kwargs = fields(form.cleaned_data)
    else:
        kwargs = {name: form.cleaned_data.get(name) for name in fields}
    try:
        fn(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except ValidationFailed as exc:
        if form is not None and render_back is not None:
            apply_domain_errors(form, exc)
            return render_back(form)
        flash.error(request, exc.message)
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, ok)
    return redirect(redirect_to, order_id)


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
                ok="Arbetsordern är accepterad.",
                render_back=lambda f: _wo_page(request, order_id, {"accept_form": f}, status=422))


def _start(request, order_id, back: str):
    return _act(request, back, order_id, lambda: work_orders.work_order_start(request.principal, order_id),
                ok="Arbetet är påbörjat.")


def _complete(request, order_id, back: str, template: str):
    form = CompleteForm(request.POST)
    return _act(request, back, order_id,
                lambda **kw: work_orders.work_order_complete(request.principal, order_id, **kw), form=form,
                fields=("report", "hours", "parts"),
                ok="Arbetsordern är avslutad och beställaren har fått besked.",
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
                ok="Arbetsordern är makulerad; beställaren har fått besked.",
                render_back=lambda f: _wo_page(request, order_id, {"cancel_form": f}, status=422))


# --------------------------------------------------------------------------- technician (phone)


@require_perm(Perm.TECHNICIAN_WORK)
def technician(request):
    user = request.principal.user
    rows = service_selectors.technician_work(user) if user is not None else []
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


# --------------------------------------------------------------------------- pickups


@require_perm(Perm.ORDER_HANDLE)
def pickup_list(request):
    return _list(request, OrderType.PICKUP)


def _pickup_page(request, order_id, forms=None, status=200):
    order = _get(request, order_id, OrderType.PICKUP)
    ctx = {"order": order, "principal": request.principal, "plan_form": PlanForm(), "picked_form": PickedUpForm(),
           "cancel_form": ReasonForm()}
    ctx.update(forms or {})
    return render(request, "supply/service/pickup_handle.html", ctx, status=status)


@require_perm(Perm.ORDER_HANDLE)
def pickup_handle(request, order_id: int):
    return _pickup_page(request, order_id)


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_plan(request, order_id: int):
    form = PlanForm(request.POST)
    return _act(request, "supply:pickup_handle", order_id,
                lambda **kw: pickups.pickup_plan(request.principal, order_id, **kw), form=form,
                fields=("planned_date",),
                ok="Hämtningen är planerad.",
                render_back=lambda f: _pickup_page(request, order_id, {"plan_form": f}, status=422))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_picked_up(request, order_id: int):
    form = PickedUpForm(request.POST)
    return _act(request, "supply:pickup_handle", order_id,
                lambda **kw: pickups.pickup_picked_up(request.principal, order_id, **kw), form=form,
                fields=("picked_up_on",),
                ok="Hämtningen är registrerad; utlåningen är avslutad.",
                render_back=lambda f: _pickup_page(request, order_id, {"picked_form": f}, status=422))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_receive(request, order_id: int):
    return _act(request, "supply:pickup_handle", order_id,
                lambda: pickups.pickup_receive(request.principal, order_id),
                ok="Hjälpmedlen är mottagna och väntar på rekonditionering.")


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_cancel(request, order_id: int):
    form = ReasonForm(request.POST)
    return _act(request, "supply:pickup_handle", order_id,
                lambda **kw: pickups.pickup_cancel(request.principal, order_id, **kw), form=form,
                fields=("reason",),
                ok="Hämtordern är makulerad; beställaren har fått besked.",
                render_back=lambda f: _pickup_page(request, order_id, {"cancel_form": f}, status=422))


# --------------------------------------------------------------------------- refurbishment


@require_perm(Perm.STOCK_MANAGE)
def refurb_queue(request):
    return render(request, "supply/service/refurbishment.html", {"queue": refurbishment.refurbishment_queue(),
                                                                "scrap_form": ReasonForm()})


def _refurb_act(request, fn, ok: str):
    try:
        fn()
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, ok)
    return redirect("supply:refurb_queue")


@require_POST
@require_perm(Perm.STOCK_MANAGE)
def refurb_receive(request, serial: str):
    return _refurb_act(request, lambda: refurbishment.device_receive(request.principal, serial),
                       f"{serial} är mottagen och väntar på rekonditionering.")


@require_POST
@require_perm(Perm.STOCK_MANAGE)
def refurb_done(request, serial: str):
    return _refurb_act(request, lambda: refurbishment.device_refurbished(request.principal, serial),
                       f"{serial} är rekonditionerad och åter i lager.")


@require_POST
@require_perm(Perm.STOCK_MANAGE)
def refurb_scrap(request, serial: str):
    return _refurb_act(request, lambda: refurbishment.device_scrapped(request.principal, serial,
                                                                      reason=request.POST.get("reason", "")),
                       f"{serial} är kasserad.")


# --------------------------------------------------------------------------- fault reports


@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_list(request):
    return _list(request, OrderType.FAULT)


def _fault_page(request, order_id, forms=None, status=200):
    order = _get(request, order_id, OrderType.FAULT)
    ctx = {"order": order, "principal": request.principal, "reports_form": ReportsForm(),
           "answer_form": AnswerForm()}
    ctx.update(forms or {})
    return render(request, "supply/service/fault_handle.html", ctx, status=status)


@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_handle(request, order_id: int):
    return _fault_page(request, order_id)


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_investigate(request, order_id: int):
    return _act(request, "supply:fault_handle", order_id,
                lambda: fault_reports.fault_investigate(request.principal, order_id), ok="Utredningen är påbörjad.")


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_reports_view(request, order_id: int):
    form = ReportsForm(request.POST)
    return _act(request, "supply:fault_handle", order_id,
                lambda **kw: fault_reports.fault_record_reports(request.principal, order_id, **kw), form=form,
                fields=("manufacturer_on", "authority_on"),
                ok="Anmälan är registrerad.",
                render_back=lambda f: _fault_page(request, order_id, {"reports_form": f}, status=422))


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_answer(request, order_id: int):
    form = AnswerForm(request.POST)
    return _act(request, "supply:fault_handle", order_id,
                lambda **kw: fault_reports.fault_answer(request.principal, order_id, **kw), form=form,
                fields=("answer",),
                ok="Svaret är registrerat.",
                render_back=lambda f: _fault_page(request, order_id, {"answer_form": f}, status=422))


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_close(request, order_id: int):
    return _act(request, "supply:fault_handle", order_id,
                lambda: fault_reports.fault_close(request.principal, order_id), ok="Rapporten är stängd.")


# --------------------------------------------------------------------------- dashboard


@require_perm(Perm.ORDER_HANDLE)
def dashboard(request):
    return render(request, "supply/service/dashboard.html", {"d": dash.dashboard()})
