"""What the order pages share: the patient look-up, the search and detail pages of the service-order
kinds, attachments and the patient's service orders. Thin: parse, call a service or selector,
render. Every page that shows patient data writes one patient-access row."""
from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound, ValidationFailed

from .. import kind_selectors, selectors
from ..flows import core as order_core
from ..flows.core import OPEN_FAULT, OPEN_PICKUP
from ..forms.core import PatientLookupForm, ServiceSearchForm
from ..models import OrderStatus, OrderType

S = OrderStatus
WORK_STATUSES = [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED]
PICKUP_STATUSES = [S.SUBMITTED, S.PLANNED, S.PARTLY_PICKED_UP, S.PICKED_UP, S.RECEIVED, S.CANCELLED]
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
            return selectors.patient_for_view(principal, pid, view), None, None
        except NotFound as exc:
            _404(exc)
    form = PatientLookupForm(request.GET if "identity" in request.GET else None)
    if form.is_bound and form.is_valid():
        from patients.selectors import patient_find_by_identity

        try:
            patient = patient_find_by_identity(principal, form.cleaned_data["identity"], view)
        except ValidationFailed as exc:
            form.add_error("identity", exc.message)
        except NotFound as exc:  # another customer's patient: a care relationship must be stated first
            form.add_error("identity", exc.message)
            form.care_url = reverse("patients:care_relationship") + "?" + urlencode(
                {"identity_number": form.cleaned_data["identity"]})
        else:
            if patient is None:
                form.add_error("identity", "Ingen patient med det numret.")
            else:
                keep = request.GET.copy()
                keep.pop("identity", None)
                keep["patient"] = patient.pk
                return None, None, redirect(f"{request.path}?{keep.urlencode()}")
    return None, form, None


def _search(request, order_type: str, statuses, *, with_dates=False):
    principal = request.principal
    form = ServiceSearchForm(request.GET or None, statuses=statuses, with_dates=with_dates)
    rows = []
    if not request.GET or form.is_valid():
        cd = form.cleaned_data if request.GET else {}
        flt = kind_selectors.ServiceFilter(status=cd.get("status") or "", number=cd.get("number") or "",
                                              planned_from=cd.get("planned_from"), planned_to=cd.get("planned_to"))
        rows = kind_selectors.service_order_search(principal, order_type, flt)
    return render(request, "ordering/service/search.html", {
        "form": form, "rows": rows, "order_type": order_type, "title": TITLES[order_type],
        "new_url": NEW_URL[order_type], "new_label": NEW_LABEL[order_type], "detail_url": DETAIL_URL[order_type],
        "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply,
    })


def _detail(request, order_id, order_type: str, template: str, extra=None):
    principal = request.principal
    try:
        order = kind_selectors.service_order_get(principal, order_id, order_type, view=f"{order_type}_order")
    except NotFound as exc:
        _404(exc)
    ctx = {"order": order, "principal": principal,
           "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply}
    ctx.update(extra or {})
    return render(request, template, ctx)


@require_perm(Perm.ORDER_VIEW)
def attachment_download(request, attachment_id: int):
    try:
        att = order_core.attachment_for(request.principal, attachment_id)
    except NotFound as exc:
        _404(exc)
    if att.order.patient_id:
        from audit.services import patient_access_record

        patient_access_record(request.principal, att.order.patient_id, "order_attachment")
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type)


# --------------------------------------------------------------------------- patient view section


@require_perm(Perm.ORDER_VIEW)
def patient_service(request, patient_id: int):
    """The patient's work orders, pickups, fault reports and return receipts (also shown as a
    section of the patient view)."""
    principal = request.principal
    try:
        patient = selectors.patient_for_view(principal, patient_id, "patient_service_orders")
    except NotFound as exc:
        _404(exc)
    data = kind_selectors.patient_service_orders(principal, patient.pk)
    return render(request, "ordering/service/patient_service.html", {
        "patient": patient, "svc": data, "principal": principal,
        "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply,
        "open_pickup": OPEN_PICKUP, "open_fault": OPEN_FAULT})
