"""Customer-side pages for fault reports."""
from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import form_page, form_submit

from .. import kind_selectors
from ..documents import render_fault_label
from ..flows import fault as fault_reports
from ..forms.fault import FaultReportForm
from ..models import OrderType
from .core import FAULT_STATUSES, _404, _detail, _patient_or_lookup, _post, _search

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
    if request.method == "POST":
        def create(cd):
            return fault_reports.fault_report_create(principal, fault_reports.FaultReportInput(
                kind=cd["kind"], concerns=cd["concerns"], description=cd["description"],
                occurred_on=cd["occurred_on"], patient_id=patient.pk if patient else None,
                article_number=cd["article_number"], device_serial=cd["device_serial"],
                related_order_number=cd["related_order_number"], injury=cd["injury"], remedy=cd["remedy"],
                return_method=cd["return_method"], reply_to_reporter=cd["reply_to_reporter"],
                contact_name=cd["contact_name"], contact_phone=cd["contact_phone"]))

        done, order = form_submit(form, create, rename={"related_order_id": "related_order_number"})
        if done:
            flash.success(request, gettext("Avvikelse %(number)s är registrerad. Skriv ut etiketten och fäst den på "
                                           "hjälpmedlet.") % {"number": order.number})
            return redirect("ordering:fault_detail", order.pk)
    return form_page(request, "ordering/service/fault_new.html", {"form": form, "patient": patient}, form=form)


@require_perm(Perm.ORDER_VIEW)
def fault_detail(request, order_id: int):
    return _detail(request, order_id, OrderType.FAULT, "ordering/service/fault_detail.html")


@require_perm(Perm.ORDER_VIEW)
def fault_label(request, order_id: int):
    try:
        order = kind_selectors.service_order_get(request.principal, order_id, OrderType.FAULT,
                                                    view="fault_label")
    except NotFound as exc:
        _404(exc)
    response = HttpResponse(render_fault_label(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="etikett-{order.number}.pdf"'
    return response
