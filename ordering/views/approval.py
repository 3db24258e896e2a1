"""Pages of the customer's own approver of special requests (docs/prescribing.md "The customer's
own approver"): the queue of the approver's customers' requests, oldest first, and the decision
page (approve / reject with reason / ask), errors next to the field."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import form_page, form_submit

from .. import selectors
from ..flows import approval
from ..forms.special import CustomerDecisionForm
from .core import _404

RENAME = {"note": "text", "reason": "text", "question": "text"}


@require_perm(Perm.CUSTOMER_APPROVAL_DECIDE)
def approval_queue(request):
    principal = request.principal
    today = timezone.localdate()
    rows = [(o, approval.is_late(o, today)) for o in approval.customer_approval_queue(principal)]
    level = approval.customer_service_level(principal, since=today - dt.timedelta(days=365))
    return render(request, "ordering/approval_queue.html", {"rows": rows, "level": level})


def _run(principal, order_id, action: str, text: str):
    if action == "avsla":
        return approval.customer_approval_reject(principal, order_id, reason=text), gettext(
            "Avslaget: %(n)s. Förskrivaren har fått ett meddelande.")
    if action == "fraga":
        return approval.customer_approval_ask(principal, order_id, question=text), gettext(
            "Frågan om %(n)s är skickad till förskrivaren.")
    return approval.customer_approval_approve(principal, order_id, note=text), gettext(
        "Godkänt: %(n)s går nu till Hjälpmedelscentralens konsulent.")


@require_perm(Perm.CUSTOMER_APPROVAL_DECIDE)
@require_http_methods(["GET", "POST"])
def approval_decide(request, order_id: int):
    principal = request.principal
    try:
        order = approval.customer_approval_get(principal, order_id, log=request.method == "GET")
    except NotFound as exc:
        _404(exc)
    form = CustomerDecisionForm(request.POST or None)
    if request.method == "POST":
        action = request.GET.get("action", "")  # in the button's URL (formaction); never a default
        if action not in ("godkann", "avsla", "fraga"):
            _404(NotFound(gettext("Okänd åtgärd.")))
        done, result = form_submit(form, lambda cd: _run(principal, order.pk, action, cd["text"]), rename=RENAME)
        if done:
            decided, ok = result
            flash.success(request, ok % {"n": decided.number})
            return redirect("ordering:approval_queue")
    return form_page(request, "ordering/approval_decide.html", {
        "order": order, "form": form, "late": approval.is_late(order), "totals": selectors.order_totals(order),
    }, form=form)
