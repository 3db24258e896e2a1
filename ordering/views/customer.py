"""Customer-side pages for customer orders: order search, draft builder, order page, patient view
(hjälpmedelsbilden), delivery note, inbox."""
from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound, ValidationFailed
from core.pages import form_page, form_submit, page_action

from .. import pricing, selectors
from ..flows import core as order_core
from ..flows import customer as services
from ..forms.core import ReasonForm
from ..forms.customer import DraftForm, LineForm, OrderSearchForm, TemplateNameForm
from ..models import Delivery, DeliveryTo, OrderStatus, Priority
from .core import _404, _patient_or_lookup


def _draft_input(cleaned, *, patient_id=None) -> services.DraftInput:
    return services.DraftInput(
        patient_id=patient_id,
        unit_id=cleaned["unit"].pk if cleaned.get("unit") else None,
        kind="to_patient" if patient_id else "to_unit",
        delivery_to=cleaned.get("delivery_to") or "",
        delivery_point_id=cleaned["delivery_point"].pk if cleaned.get("delivery_point") else None,
        contact_name=cleaned.get("contact_name") or "",
        contact_phone=cleaned.get("contact_phone") or "",
        priority=cleaned.get("priority") or Priority.NORMAL,
        requested_date=cleaned.get("requested_date"),
        note=cleaned.get("note") or "",
    )


# --------------------------------------------------------------------------- search


@require_GET
@require_perm(Perm.ORDER_VIEW)
def order_search(request):
    principal = request.principal
    form = OrderSearchForm(request.GET or None, principal=principal)
    orders, patient = [], None
    if form.is_valid() or not request.GET:
        cd = form.cleaned_data if request.GET else {}
        flt = selectors.OrderFilter(number=cd.get("number") or "", status=cd.get("status") or "",
                                    date_from=cd.get("date_from"), date_to=cd.get("date_to"),
                                    unit_id=cd.get("unit") or None)
        ident = (cd.get("identity") or "").strip()
        search = True
        if ident:
            from patients.identity import known_identity_number
            from patients.models import Patient

            number = None
            try:
                number = known_identity_number(ident)
            except ValidationFailed as exc:  # a look-up form: the number's own error, next to it
                form.add_error("identity", exc.message)
                search = False
            if number:
                found = Patient.objects.filter(identity_number=number).only("pk", "customer_id").first()
                if found is None or not order_core.patient_visible(principal, found):
                    search = False
                else:
                    patient = selectors.patient_for_view(principal, found.pk, "order_search")
                    flt.patient_id = patient.pk
        if search:
            orders = selectors.order_search(principal, flt)
    return render(request, "ordering/order_search.html", {"form": form, "orders": orders, "patient": patient})


# --------------------------------------------------------------------------- patient view


@require_GET
@require_perm(Perm.PATIENT_VIEW)
def patient_view(request, patient_id: int):
    principal = request.principal
    try:
        patient = selectors.patient_for_view(principal, patient_id, "hjalpmedelsbild")
    except NotFound as exc:
        _404(exc)
    loans = selectors.loans_for_patient(patient)
    open_orders, past_orders = selectors.orders_for_patient(principal, patient.pk)
    return render(request, "ordering/patient_view.html", {
        "patient": patient, "loans": loans, "open_orders": open_orders, "past_orders": past_orders,
        "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply and not patient.deceased_on,
        "can_pick_up": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply,
        "can_mark_deceased": principal.has_perm(Perm.PATIENT_MANAGE) and not principal.is_supply,
        "today": timezone.localdate(), "patient_next": f"patient:{patient.pk}",
    })


# --------------------------------------------------------------------------- drafts


@require_perm(Perm.ORDER_CREATE)
def draft_new(request):
    principal = request.principal
    patient_id = request.GET.get("patient") or request.POST.get("patient")
    article_number = (request.GET.get("article") or request.POST.get("article") or "").strip()[:35]
    patient = None
    if article_number and not patient_id:  # from the article page: choose the patient first
        _none, lookup, go = _patient_or_lookup(request, "order_new")
        if go:
            return go
        return form_page(request, "ordering/service/patient_lookup.html",
                         {"form": lookup, "title": _("Beställ %(article)s") % {"article": article_number},
                          "keep": {"article": article_number}}, form=lookup)
    if patient_id:
        try:
            patient = selectors.patient_for_view(principal, int(patient_id), "order_new")
        except (NotFound, ValueError) as exc:
            _404(exc)
    fee = pricing.urgent_fee()
    initial = {"delivery_to": (DeliveryTo.STAY_ADDRESS if patient and patient.stay_street else
                               DeliveryTo.REGISTERED_ADDRESS if patient else DeliveryTo.DELIVERY_POINT),
               "priority": Priority.NORMAL}
    if patient is not None:
        initial.update(contact_name=patient.contact_name or patient.full_name,
                       contact_phone=patient.contact_phone or patient.phone)
    form = DraftForm(request.POST or None, principal=principal, urgent_fee=fee, initial=initial)
    if request.method == "POST":
        template_id = request.POST.get("template")

        def create(cd):
            data = _draft_input(cd, patient_id=patient.pk if patient else None)
            data.template_id = int(template_id) if template_id and template_id.isdigit() else None
            if article_number:
                data.lines = [services.LineInput(article_number, 1)]
            return services.order_draft_create(principal, data)

        done, order = form_submit(form, create)
        if done:
            return redirect("ordering:order_detail", order_id=order.pk)
    return form_page(request, "ordering/draft_new.html", {
        "form": form, "patient": patient, "templates": selectors.templates_for(principal), "urgent_fee": fee,
        "article_number": article_number,
    }, form=form)


def _draft_context(request, order, *, line_form=None, form=None):
    principal = request.principal
    lines = list(order.lines.all())
    q = request.GET.get("q", "")
    return {
        "order": order, "lines": lines, "line_form": line_form or LineForm(),
        "form": form or DraftForm(principal=principal, urgent_fee=pricing.urgent_fee(), initial={
            "unit": order.unit_id, "delivery_to": order.delivery_to, "delivery_point": order.delivery_point_id,
            "contact_name": order.contact_name, "contact_phone": order.contact_phone, "priority": order.priority,
            "requested_date": order.requested_date, "note": order.note}),
        "accessories": selectors.accessories_for(lines), "q": q, "results": selectors.article_choices(q),
        "totals": selectors.order_totals(order), "templates": selectors.templates_for(principal),
        "address": selectors.delivery_address_for(order, principal),
    }


@require_perm(Perm.ORDER_VIEW)
def order_detail(request, order_id: int):
    principal = request.principal
    try:
        order = selectors.order_get(principal, order_id, with_patient_access="order_detail")
    except NotFound as exc:
        _404(exc)
    if order.status == OrderStatus.DRAFT and principal.has_perm(Perm.ORDER_CREATE):
        return render(request, "ordering/draft_edit.html", _draft_context(request, order))
    return render(request, "ordering/order_detail.html", {
        "order": order, "totals": selectors.order_totals(order),
        "address": selectors.delivery_address_for(order, principal),
        "can_withdraw": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply
        and order.status in (OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.CUSTOMER_APPROVAL,
                             OrderStatus.SPECIAL_REQUESTED, OrderStatus.INFO_REQUESTED),
        "reason_form": ReasonForm(), "template_form": TemplateNameForm(),
    })


def _post_action(request, order_id, action, success_msg):
    """A button on the order page: the result (or the refusal) is a message on the order page."""
    return page_action(request, action, done=reverse("ordering:order_detail", args=[order_id]), ok=success_msg)


def _draft_form_post(request, order_id, form, action, *, form_key: str, done_url: str, done_msg: str = ""):
    """A form on the draft page: `action(cleaned_data)`; invalid input re-renders the draft page
    with the errors next to the fields (422)."""
    def back(bound):
        try:
            order = selectors.order_get(request.principal, order_id)
        except NotFound as exc:
            _404(exc)
        return render(request, "ordering/draft_edit.html", _draft_context(request, order, **{form_key: bound}))

    return page_action(request, action, form=form, done=done_url, ok=done_msg, render_back=back)


@require_POST
@require_perm(Perm.ORDER_CREATE)
def draft_update(request, order_id: int):
    principal = request.principal
    form = DraftForm(request.POST, principal=principal, urgent_fee=pricing.urgent_fee())
    return _draft_form_post(
        request, order_id, form,
        lambda d: services.order_draft_update(principal, order_id, _draft_input(d, patient_id=None)),
        form_key="form", done_url=reverse("ordering:order_detail", args=[order_id]),
        done_msg=_("Uppgifterna är sparade."))


@require_POST
@require_perm(Perm.ORDER_CREATE)
def line_add(request, order_id: int):
    return _draft_form_post(
        request, order_id, LineForm(request.POST),
        lambda d: services.order_line_add(request.principal, order_id, d["article_number"], d["quantity"],
                                          main_line_id=d.get("main_line"), loan_type=d.get("loan_type") or "",
                                          loan_until=d.get("loan_until")),
        form_key="line_form", done_url=reverse("ordering:order_detail", args=[order_id]) + "#rader")


@require_POST
@require_perm(Perm.ORDER_CREATE)
def line_remove(request, order_id: int, line_id: int):
    return _post_action(request, order_id, lambda: services.order_line_remove(request.principal, order_id, line_id),
                        _("Raden är borttagen."))


@require_POST
@require_perm(Perm.ORDER_CREATE)
def template_apply(request, order_id: int):
    tid = request.POST.get("template", "")
    return _post_action(request, order_id, lambda: services.order_template_apply(
        request.principal, order_id, int(tid) if tid.isdigit() else 0), _("Mallens rader är tillagda."))


@require_POST
@require_perm(Perm.ORDER_CREATE)
def template_save(request, order_id: int):
    form = TemplateNameForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Ange ett namn på mallen (högst 120 tecken)."))
        return redirect("ordering:order_detail", order_id=order_id)
    return _post_action(request, order_id, lambda: services.order_template_from_order(
        request.principal, order_id, form.cleaned_data["name"]), _("Mallen är sparad."))


@require_GET
@require_perm(Perm.ORDER_CREATE)
def order_review(request, order_id: int):
    """'Granska och skicka': a draft's lines, cost and delivery once more before it is sent (an
    order costs the unit money). Anything but a draft goes to its page."""
    principal = request.principal
    try:
        order = selectors.order_get(principal, order_id, with_patient_access="order_review")
    except NotFound as exc:
        _404(exc)
    if order.status != OrderStatus.DRAFT:
        return redirect("ordering:order_detail", order_id=order.pk)
    return render(request, "ordering/order_review.html", {
        "order": order, "lines": list(order.lines.all()), "totals": selectors.order_totals(order),
        "address": selectors.delivery_address_for(order, principal)})


@require_POST
@require_perm(Perm.ORDER_CREATE)
def order_submit(request, order_id: int):
    return _post_action(request, order_id, lambda: services.order_submit(request.principal, order_id),
                        _("Beställningen är skickad till Hjälpmedelscentralen."))


@require_POST
@require_perm(Perm.ORDER_CREATE)
def order_withdraw(request, order_id: int):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if not form.is_valid():
        flash.error(request, _("Orsaken får vara högst 1000 tecken."))
        return redirect("ordering:order_detail", order_id=order_id)
    return _post_action(request, order_id, lambda: services.order_withdraw(request.principal, order_id, reason),
                        _("Beställningen är återkallad."))


# --------------------------------------------------------------------------- delivery note


@require_GET
@require_perm(Perm.ORDER_VIEW)
def delivery_note(request, delivery_id: int):
    from ..delivery_note import render_delivery_note

    principal = request.principal
    delivery = Delivery.objects.select_related("order__customer", "order__unit", "order__cost_centre",
                                               "order__patient", "order__delivery_point").filter(
        pk=delivery_id).first()
    if delivery is None or not principal.can_see_customer(delivery.order.customer_id):
        raise Http404("Leveransen finns inte.")
    if delivery.order.patient_id:
        from audit.services import patient_access_record

        patient_access_record(principal, delivery.order.patient_id, "delivery_note")
    pdf = render_delivery_note(delivery, principal)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="foljesedel-{delivery.order.number}-{delivery.pk}.pdf"'
    return response


@require_GET
@require_perm(Perm.ORDER_VIEW)
def delivery_signature(request, delivery_id: int):
    """The receiver's signature drawn on the driver's phone (PNG), for the order page."""
    principal = request.principal
    delivery = (Delivery.objects.filter(pk=delivery_id, signature_png__isnull=False)
                .select_related("order").first())
    if delivery is None or not principal.can_see_customer(delivery.order.customer_id):
        raise Http404("Leveransen finns inte.")
    if delivery.order.patient_id:
        from audit.services import patient_access_record

        patient_access_record(principal, delivery.order.patient_id, "delivery_signature")
    response = HttpResponse(bytes(delivery.signature_png), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- inbox


@require_GET
@require_perm(Perm.INBOX)
def inbox(request):
    return render(request, "ordering/inbox.html", {"messages_list": selectors.inbox(request.principal.user,
                                                                                    principal=request.principal)})


@require_POST
@require_perm(Perm.INBOX)
def message_read(request, message_id: int):
    try:
        msg = order_core.message_mark_read(request.principal, message_id)
    except NotFound as exc:
        _404(exc)
    if msg.order_id and request.POST.get("open"):
        return redirect("ordering:order_detail", order_id=msg.order_id)
    return redirect("ordering:inbox")


@require_POST
@require_perm(Perm.INBOX)
def messages_read_all(request):
    order_core.messages_mark_all_read(request.principal)
    return redirect("ordering:inbox")
