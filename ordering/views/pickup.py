"""Customer-side pages for pickup orders and return receipts."""
from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import form_page, form_submit

from .. import kind_selectors, selectors
from ..documents import render_return_receipt
from ..flows import pickup as pickups
from ..forms.pickup import PickupForm, ReturnReceiptForm
from ..models import OrderType
from .core import PICKUP_STATUSES, _404, _detail, _patient_or_lookup, _post, _search

# --------------------------------------------------------------------------- pickups


@require_perm(Perm.ORDER_VIEW)
def pickup_search(request):
    return _search(request, OrderType.PICKUP, PICKUP_STATUSES, with_dates=True)


@require_perm(Perm.ORDER_CREATE)
def pickup_new(request):
    principal = request.principal
    patient, lookup, go = _patient_or_lookup(request, "pickup_new")
    if go:
        return go
    if patient is None:
        return render(request, "ordering/service/patient_lookup.html", {"form": lookup, "title": "Ny hämtorder"})
    devices = kind_selectors.devices_on_patient(patient)
    form = PickupForm(_post(request), devices=devices,
                      initial={"contact_name": patient.contact_name or patient.full_name,
                               "contact_phone": patient.contact_phone or patient.phone})
    if request.method == "POST":
        def create(cd):
            return pickups.pickup_create(principal, pickups.PickupInput(
                patient_id=patient.pk, requested_date=cd["requested_date"], note=cd["note"],
                contact_name=cd["contact_name"], contact_phone=cd["contact_phone"],
                lines=[pickups.PickupLineInput(s, r) for s, r in form.lines()]))

        done, order = form_submit(form, create)
        if done:
            flash.success(request, gettext("Hämtorder %(number)s är skickad till Hjälpmedelscentralen.")
                          % {"number": order.number})
            return redirect("ordering:pickup_detail", order.pk)
    return form_page(request, "ordering/service/pickup_new.html", {"form": form, "patient": patient,
                                                                    "devices": devices}, form=form)


@require_perm(Perm.ORDER_VIEW)
def pickup_detail(request, order_id: int):
    return _detail(request, order_id, OrderType.PICKUP, "ordering/service/pickup_detail.html")


# --------------------------------------------------------------------------- return receipts


@require_perm(Perm.ORDER_CREATE)
def receipt_new(request, patient_id: int):
    principal = request.principal
    try:
        patient = selectors.patient_for_view(principal, patient_id, "return_receipt")
    except NotFound as exc:
        _404(exc)
    devices = kind_selectors.devices_on_patient(patient)
    form = ReturnReceiptForm(_post(request), devices=devices)
    if request.method == "POST":
        done, receipt = form_submit(
            form, lambda cd: pickups.return_receipt_create(principal, patient.pk, cd["devices"]),
            rename={"device_serials": "devices", "returned_on": "devices"})
        if done:
            flash.success(request, gettext("Återlämningskvitto %(number)s är skapat. Skriv ut och låt patienten "
                                           "skriva under.") % {"number": receipt.number})
            return redirect(reverse("ordering:receipt_new", args=[patient.pk]) + f"?kvitto={receipt.pk}")
    receipts = kind_selectors.patient_service_orders(principal, patient.pk).receipts
    return form_page(request, "ordering/service/receipt_new.html", {
        "form": form, "patient": patient, "devices": devices, "receipts": receipts,
        "new_receipt": request.GET.get("kvitto", "")}, form=form)


@require_perm(Perm.ORDER_VIEW)
def receipt_pdf(request, receipt_id: int):
    from audit.services import patient_access_record

    try:
        receipt = pickups.return_receipt_for(request.principal, receipt_id)
    except NotFound as exc:
        _404(exc)
    patient_access_record(request.principal, receipt.patient_id, "return_receipt_pdf")
    response = HttpResponse(render_return_receipt(receipt, request.principal), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="aterlamningskvitto-{receipt.number}.pdf"'
    return response
