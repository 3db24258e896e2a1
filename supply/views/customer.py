"""The supply centre's pages for customer orders: inbox, handling page, confirm, delay, cancel,
dispatch, deliver."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import page_action
from ordering import selectors
from ordering.forms.core import ReasonForm
from ordering.models import OrderStatus

from .. import services
from ..forms.customer import CancelForm, ConfirmForm, DelayForm, DeliverForm, InboxFilterForm


@require_GET
@require_perm(Perm.ORDER_HANDLE)
def inbox(request):
    form = InboxFilterForm(request.GET or None)
    cd = form.cleaned_data if form.is_valid() else {"status": OrderStatus.SUBMITTED}
    if not request.GET:
        cd = {"status": OrderStatus.SUBMITTED}
    orders = selectors.supply_inbox(status=cd.get("status") or "", priority=cd.get("priority") or "",
                                    flag=cd.get("flag") or "",
                                    number=cd.get("number") or "")
    return render(request, "supply/inbox.html", {"form": form, "orders": orders})


def _handle_page(request, order_id, *, forms=None, status=200):
    principal = request.principal
    try:
        order = selectors.order_get(principal, order_id, with_patient_access="supply_order")
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    lines = list(order.lines.all())
    ctx = {
        "order": order, "totals": selectors.order_totals(order),
        "address": selectors.delivery_address_for(order, principal),
        "confirm_form": ConfirmForm(), "delay_form": DelayForm(), "cancel_form": CancelForm(),
        "deliver_form": DeliverForm(lines=lines), "reason_form": ReasonForm(),
    }
    ctx.update(forms or {})
    return render(request, "supply/order_handle.html", ctx, status=status)


@require_GET
@require_perm(Perm.ORDER_HANDLE)
def order_handle(request, order_id: int):
    return _handle_page(request, order_id)


def _run(request, order_id, form, form_key, action, ok_message):
    return page_action(request, action, form=form, ok=ok_message,
                       done=reverse("supply:order_handle", args=[order_id]),
                       render_back=lambda bound: _handle_page(request, order_id, forms={form_key: bound}))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def order_confirm(request, order_id: int):
    return _run(request, order_id, ConfirmForm(request.POST), "confirm_form",
                lambda cd: services.order_confirm(request.principal, order_id, planned_date=cd.get("planned_date")),
                gettext("Ordern är bekräftad."))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def order_delay(request, order_id: int):
    return _run(request, order_id, DelayForm(request.POST), "delay_form",
                lambda cd: services.order_delay(request.principal, order_id, new_date=cd["new_date"],
                                                reason=cd["reason"]),
                gettext("Förseningen är registrerad och kunden meddelad."))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def order_cancel(request, order_id: int):
    return _run(request, order_id, CancelForm(request.POST), "cancel_form",
                lambda cd: services.order_cancel(request.principal, order_id, reason=cd["reason"]),
                gettext("Ordern är makulerad och kunden meddelad."))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def order_dispatch(request, order_id: int):
    return _run(request, order_id, ReasonForm(request.POST), "reason_form",
                lambda cd: services.order_dispatch(request.principal, order_id), gettext("Ordern är utskickad."))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def order_deliver(request, order_id: int):
    principal = request.principal
    try:
        order = selectors.order_get(principal, order_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    form = DeliverForm(request.POST, lines=list(order.lines.all()))
    return _run(request, order_id, form, "deliver_form",
                lambda cd: services.order_deliver(principal, order_id, receiver_name=cd["receiver_name"],
                                                  place=cd["place"], delivered_on=cd.get("delivered_on"),
                                                  quantities=form.quantities() if form.line_fields else None),
                gettext("Leveransen är registrerad."))
