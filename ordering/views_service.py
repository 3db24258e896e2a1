"""Customer-side pages for service orders: work orders and consultations (with attachments),
pickup orders, return receipts and fault reports. Thin: parse, call a service/selector,
render. Every page that shows patient data writes one patient-access row."""
from __future__ import annotations

from django.contrib import messages as flash
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import DomainError, NotFound, ValidationFailed

from . import fault_reports, pickups, service_common, service_selectors, work_orders
from .forms import apply_domain_errors
from .forms_service import (
    AttachmentForm, FaultReportForm, PatientLookupForm, PickupForm, ReturnReceiptForm, ServiceSearchForm,
    WorkOrderForm,
)
from .models import OrderStatus, OrderType
from .service_common import OPEN_FAULT, OPEN_PICKUP
from .service_pdf import render_fault_label, render_return_receipt

S = OrderStatus
WORK_STATUSES = [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED]
PICKUP_STATUSES = [S.SUBMITTED, S.PLANNED, S.PICKED_UP, S.RECEIVED, S.CANCELLED]
FAULT_STATUSES = [S.REGISTERED, S.INVESTIGATING, S.ANSWERED, S.CLOSED]
TITLES = {OrderType.WORK: "Arbetsordrar", OrderType.PICKUP: "Hämtordrar", OrderType.FAULT: "Avvikelser"}
NEW_URL = {OrderType.WORK: "ordering:wo_new", OrderType.PICKUP: "ordering:pickup_new",
           OrderType.FAULT: "ordering:fault_new"}
NEW_LABEL = {OrderType.WORK: "Ny arbetsorder", OrderType.PICKUP: "Ny hämtorder",
             OrderType.FAULT: "Rapportera avvikelse"}
DETAIL_URL = {OrderType.WORK: "ordering:wo_detail", OrderType.PICKUP: "ordering:pickup_detail",
              OrderType.FAULT: "ordering:fault_detail"}


def _post(request):
    return request.POST if request.method == "POST" else None


def _404(exc):
    raise Http404(str(exc))


def _patient_or_lookup(request, view: str):
    """(patient, lookup_form, redirect). With ?patient=<id>: the patient (one access row).
    Otherwise a lookup by identity number that redirects back with ?patient=."""
    principal = request.principal
    pid = request.GET.get("patient") or request.POST.get("patient")
    if pid:
        try:
            return service_common.patient_for_view(principal, pid, view), None, None
        except NotFound as exc:
            _404(exc)
    form = PatientLookupForm(request.GET if "identity" in request.GET else None)
    if form.is_bound and form.is_valid():
        from patients.selectors import patient_find_by_identity

        try:
            patient = patient_find_by_identity(principal, form.cleaned_data["identity"], view)
        except ValidationFailed as exc:
            form.add_error("identity", exc.message)
        else:
            if patient is None:
                form.add_error("identity", "Ingen patient med det numret.")
            else:
                return None, None, redirect(f"{request.path}?patient={patient.pk}")
    return None, form, None


def _search(request, order_type: str, statuses, *, with_dates=False):
    principal = request.principal
    form = ServiceSearchForm(request.GET or None, statuses=statuses, with_dates=with_dates)
    rows = []
    if not request.GET or form.is_valid():
        cd = form.cleaned_data if request.GET else {}
        flt = service_selectors.ServiceFilter(status=cd.get("status") or "", number=cd.get("number") or "",
                                              planned_from=cd.get("planned_from"), planned_to=cd.get("planned_to"))
        rows = service_selectors.service_order_search(principal, order_type, flt)
    return render(request, "ordering/service/search.html", {
        "form": form, "rows": rows, "order_type": order_type, "title": TITLES[order_type],
        "new_url": NEW_URL[order_type], "new_label": NEW_LABEL[order_type], "detail_url": DETAIL_URL[order_type],
        "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply,
    })


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
    devices = service_selectors.devices_on_patient(patient)
    lines = service_selectors.order_lines_for_patient(principal, patient)
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
                    service_common.attachment_add(principal, order.pk, cd["attachment"])
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            flash.success(request, f"Arbetsorder {order.number} är skickad till Hjälpmedelscentralen.")
            return redirect("ordering:wo_detail", order.pk)
    return render(request, "ordering/service/wo_new.html", {"form": form, "patient": patient})


def _detail(request, order_id, order_type: str, template: str, extra=None):
    principal = request.principal
    try:
        order = service_selectors.service_order_get(principal, order_id, order_type, view=f"{order_type}_order")
    except NotFound as exc:
        _404(exc)
    ctx = {"order": order, "principal": principal,
           "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply}
    ctx.update(extra or {})
    return render(request, template, ctx)


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
        att = service_common.attachment_add(request.principal, order_id, form.cleaned_data["file"])
    except NotFound as exc:
        _404(exc)
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, f"{att.name} är bifogad.")
    return redirect("ordering:wo_detail", order_id)


@require_perm(Perm.ORDER_VIEW)
def attachment_download(request, attachment_id: int):
    try:
        att = service_common.attachment_for(request.principal, attachment_id)
    except NotFound as exc:
        _404(exc)
    if att.order.patient_id:
        from audit.services import patient_access_record

        patient_access_record(request.principal, att.order.patient_id, "order_attachment")
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type)


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
    devices = service_selectors.devices_on_patient(patient)
    form = PickupForm(_post(request), devices=devices,
                      initial={"contact_name": patient.contact_name or patient.full_name,
                               "contact_phone": patient.contact_phone or patient.phone})
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        data = pickups.PickupInput(patient_id=patient.pk, requested_date=cd["requested_date"], note=cd["note"],
                                   contact_name=cd["contact_name"], contact_phone=cd["contact_phone"],
                                   lines=[pickups.PickupLineInput(s, r) for s, r in form.lines()])
        try:
            order = pickups.pickup_create(principal, data)
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
            if not form.errors:
                form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            flash.success(request, f"Hämtorder {order.number} är skickad till Hjälpmedelscentralen.")
            return redirect("ordering:pickup_detail", order.pk)
    return render(request, "ordering/service/pickup_new.html", {"form": form, "patient": patient,
                                                                 "devices": devices})


@require_perm(Perm.ORDER_VIEW)
def pickup_detail(request, order_id: int):
    return _detail(request, order_id, OrderType.PICKUP, "ordering/service/pickup_detail.html")


# --------------------------------------------------------------------------- return receipts


@require_perm(Perm.ORDER_CREATE)
def receipt_new(request, patient_id: int):
    principal = request.principal
    try:
        patient = service_common.patient_for_view(principal, patient_id, "return_receipt")
    except NotFound as exc:
        _404(exc)
    devices = service_selectors.devices_on_patient(patient)
    form = ReturnReceiptForm(_post(request), devices=devices)
    if request.method == "POST" and form.is_valid():
        try:
            receipt = pickups.return_receipt_create(principal, patient.pk, form.cleaned_data["devices"])
        except ValidationFailed as exc:
            form.add_error("devices", exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            flash.success(request, f"Återlämningskvitto {receipt.number} är skapat. Skriv ut och låt patienten "
                                   f"skriva under.")
            return redirect(reverse("ordering:receipt_new", args=[patient.pk]) + f"?kvitto={receipt.pk}")
    receipts = service_selectors.patient_service_orders(principal, patient.pk).receipts
    return render(request, "ordering/service/receipt_new.html", {
        "form": form, "patient": patient, "devices": devices, "receipts": receipts,
        "new_receipt": request.GET.get("kvitto", "")})


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


# --------------------------------------------------------------------------- fault reports


@require_perm(Perm.ORDER_VIEW)
def fault_search(request):
    return _search(request, OrderType.FAULT, FAULT_STATUSES)


@require_perm(Perm.ORDER_CREATE)
def fault_new(request):
    principal = request.principal
    patient = None
    if request.GET.get("patient") or request.POST.get("patient"):
        patient, _, _ = _patient_or_lookup(request, "fault_report_new")
    initial = {"device_serial": request.GET.get("device", ""), "related_order_number": request.GET.get("order", ""),
               "concerns": "device" if request.GET.get("device") else ("service" if request.GET.get("order")
                                                                        else "article")}
    form = FaultReportForm(_post(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        data = fault_reports.FaultReportInput(
            kind=cd["kind"], concerns=cd["concerns"], description=cd["description"], occurred_on=cd["occurred_on"],
            patient_id=patient.pk if patient else None, article_number=cd["article_number"],
            device_serial=cd["device_serial"], related_order_number=cd["related_order_number"],
            injury=cd["injury"], remedy=cd["remedy"], return_method=cd["return_method"],
            reply_to_reporter=cd["reply_to_reporter"], contact_name=cd["contact_name"],
            contact_phone=cd["contact_phone"])
        try:
            order = fault_reports.fault_report_create(principal, data)
        except ValidationFailed as exc:
            mapped = ValidationFailed(exc.message, errors={
                ("related_order_number" if k == "related_order_id" else k): v for k, v in exc.errors.items()})
            apply_domain_errors(form, mapped)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            flash.success(request, f"Avvikelse {order.number} är registrerad. Skriv ut etiketten och fäst den på "
                                   f"hjälpmedlet.")
            return redirect("ordering:fault_detail", order.pk)
    return render(request, "ordering/service/fault_new.html", {"form": form, "patient": patient})


@require_perm(Perm.ORDER_VIEW)
def fault_detail(request, order_id: int):
    return _detail(request, order_id, OrderType.FAULT, "ordering/service/fault_detail.html")


@require_perm(Perm.ORDER_VIEW)
def fault_label(request, order_id: int):
    try:
        order = service_selectors.service_order_get(request.principal, order_id, OrderType.FAULT,
                                                    view="fault_label")
    except NotFound as exc:
        _404(exc)
    response = HttpResponse(render_fault_label(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="etikett-{order.number}.pdf"'
    return response


# --------------------------------------------------------------------------- patient view section


@require_perm(Perm.ORDER_VIEW)
def patient_service(request, patient_id: int):
    """The patient's work orders, pickups, fault reports and return receipts (also shown as a
    section of the patient view)."""
    principal = request.principal
    try:
        patient = service_common.patient_for_view(principal, patient_id, "patient_service_orders")
    except NotFound as exc:
        _404(exc)
    data = service_selectors.patient_service_orders(principal, patient.pk)
    return render(request, "ordering/service/patient_service.html", {
        "patient": patient, "svc": data, "principal": principal,
        "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply,
        "open_pickup": OPEN_PICKUP, "open_fault": OPEN_FAULT})
