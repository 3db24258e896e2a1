"""Customer-side pages for work orders and consultations (with attachments)."""
from __future__ import annotations

from django.contrib import messages as flash
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import DomainError, NotFound, ValidationFailed

from .. import kind_selectors
from ..flows import core as order_core
from ..flows import work as work_orders
from ..forms.core import apply_domain_errors
from ..forms.work import AttachmentForm, WorkOrderForm
from ..models import OrderType
from .core import WORK_STATUSES, _404, _detail, _patient_or_lookup, _post, _search

# --------------------------------------------------------------------------- work orders


@require_perm(Perm.ORDER_VIEW)
def wo_search(request):
    return _search(request, OrderType.WORK, WORK_STATUSES)


@require_perm(Perm.ORDER_CREATE)
def wo_new(request):
    principal = request.principal
    patient, lookup, go = _patient_or_lookup(request, "work_order_new")
    if go:
        return go
    if patient is None:
        return render(request, "ordering/service/patient_lookup.html", {"form": lookup, "title": "Ny arbetsorder"})
    devices = kind_selectors.devices_on_patient(patient)
    lines = kind_selectors.order_lines_for_patient(principal, patient)
    initial = {"device": request.GET.get("device", ""), "order_line": request.GET.get("line", ""),
               "contact_name": patient.contact_name or patient.full_name,
               "contact_phone": patient.contact_phone or patient.phone}
    files = request.FILES if request.method == "POST" else None
    form = WorkOrderForm(_post(request), files, devices=devices, lines=lines, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        data = work_orders.WorkOrderInput(
            patient_id=patient.pk, kind=cd["kind"], description=cd["description"], device_serial=cd["device"],
            priority=cd["priority"], requested_date=cd["requested_date"], contact_name=cd["contact_name"],
            contact_phone=cd["contact_phone"], order_line_id=cd.get("order_line"))
        try:
            with transaction.atomic():  # the order and its attachment, or nothing
                order = work_orders.work_order_create(principal, data, submit=True)
                if cd.get("attachment"):
                    order_core.attachment_add(principal, order.pk, cd["attachment"])
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            flash.success(request, f"Arbetsorder {order.number} är skickad till Hjälpmedelscentralen.")
            return redirect("ordering:wo_detail", order.pk)
    return render(request, "ordering/service/wo_new.html", {"form": form, "patient": patient})


@require_perm(Perm.ORDER_VIEW)
def wo_detail(request, order_id: int):
    return _detail(request, order_id, OrderType.WORK, "ordering/service/wo_detail.html",
                   {"attach_form": AttachmentForm()})


@require_POST
@require_perm(Perm.ORDER_CREATE)
def wo_submit(request, order_id: int):
    try:
        order = work_orders.work_order_submit(request.principal, order_id)
    except NotFound as exc:
        _404(exc)
    except DomainError as exc:
        flash.error(request, exc.message)
        return redirect("ordering:wo_detail", order_id)
    flash.success(request, f"Arbetsorder {order.number} är skickad.")
    return redirect("ordering:wo_detail", order_id)


@require_POST
@require_perm(Perm.ORDER_CREATE)
def wo_attach(request, order_id: int):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        flash.error(request, "Välj en fil att bifoga.")
        return redirect("ordering:wo_detail", order_id)
    try:
        att = order_core.attachment_add(request.principal, order_id, form.cleaned_data["file"])
    except NotFound as exc:
        _404(exc)
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, f"{att.name} är bifogad.")
    return redirect("ordering:wo_detail", order_id)
