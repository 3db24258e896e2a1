"""Customer-side pages for work orders and consultations (with attachments)."""
from __future__ import annotations

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.pages import form_page, form_submit, page_action
from core.transactions import composed

from .. import kind_selectors
from ..flows import core as order_core
from ..flows import work as work_orders
from ..forms.work import AttachmentForm, WorkOrderForm
from ..models import OrderType
from .core import WORK_STATUSES, _detail, _patient_or_lookup, _post, _search

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
    if request.method == "POST":
        def create(cd):
            data = work_orders.WorkOrderInput(
                patient_id=patient.pk, kind=cd["kind"], description=cd["description"], device_serial=cd["device"],
                priority=cd["priority"], requested_date=cd["requested_date"], contact_name=cd["contact_name"],
                contact_phone=cd["contact_phone"], order_line_id=cd.get("order_line"))
            with composed():  # the order and its attachment, or nothing
                order = work_orders.work_order_create(principal, data, submit=True)
                if cd.get("attachment"):
                    order_core.attachment_add(principal, order.pk, cd["attachment"])
            return order

        done, order = form_submit(form, create)
        if done:
            flash.success(request, gettext("Arbetsorder %(number)s är skickad till Hjälpmedelscentralen.")
                          % {"number": order.number})
            return redirect("ordering:wo_detail", order.pk)
    return form_page(request, "ordering/service/wo_new.html", {"form": form, "patient": patient}, form=form)


@require_perm(Perm.ORDER_VIEW)
def wo_detail(request, order_id: int):
    return _detail(request, order_id, OrderType.WORK, "ordering/service/wo_detail.html",
                   {"attach_form": AttachmentForm()})


@require_POST
@require_perm(Perm.ORDER_CREATE)
def wo_submit(request, order_id: int):
    return page_action(request, lambda: work_orders.work_order_submit(request.principal, order_id),
                       done=reverse("ordering:wo_detail", args=[order_id]),
                       ok=lambda order: gettext("Arbetsorder %(number)s är skickad.") % {"number": order.number})


@require_POST
@require_perm(Perm.ORDER_CREATE)
def wo_attach(request, order_id: int):
    return page_action(request, lambda cd: order_core.attachment_add(request.principal, order_id, cd["file"]),
                       form=AttachmentForm(request.POST, request.FILES),
                       done=reverse("ordering:wo_detail", args=[order_id]), ok=lambda att: gettext("%(name)s är bifogad.") % {"name": att.name})
