"""Pages for special requests (docs/prescribing.md): the prescriber's request form on a draft (or
a request the consultant asked about), and the supply centre's queue with approve / reject / ask."""
from __future__ import annotations

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import form_page, form_submit, page_action

from .. import selectors
from ..flows import special
from ..forms.special import DecisionForm, SpecialRequestForm
from .core import _404


@require_perm(Perm.ORDER_CREATE)
@require_http_methods(["GET", "POST"])
def special_request_new(request, order_id: int):
    principal = request.principal
    try:
        order = selectors.order_get(principal, order_id, with_patient_access="special_request")
    except NotFound as exc:
        _404(exc)
    req = (order.extra or {}).get("special_request") or {}
    initial = {k: req.get(k, "") for k in ("reason", "need", "tried")}
    form = SpecialRequestForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        done, result = form_submit(form, lambda cd: special.special_request_submit_with_attachment(
            principal, order.pk, reason=cd["reason"], need=cd["need"], tried=cd["tried"], upload=cd.get("file")))
        if done:
            flash.success(request, gettext("Order %(number)s är skickad som särskilt beslut.") % {"number": result.number})
            return redirect("ordering:order_detail", order.pk)
    return form_page(request, "ordering/special_request.html", {"form": form, "order": order, "request_data": req},
                     form=form)


@require_perm(Perm.SPECIAL_REQUEST_DECIDE)
def special_queue(request):
    rows = [(o, DecisionForm(prefix=f"o{o.pk}")) for o in special.special_request_queue(request.principal)]
    return render(request, "ordering/special_queue.html", {"rows": rows, "level": special.service_level(),
                                                           "today": timezone.localdate().isoformat()})


_ACTIONS = {
    "godkann": (lambda p, pk, text: special.special_request_approve(p, pk, note=text), gettext_noop("Godkänt: %(n)s är en vanlig order.")),
    "avsla": (lambda p, pk, text: special.special_request_reject(p, pk, reason=text), gettext_noop("Avslaget: %(n)s.")),
    "fraga": (lambda p, pk, text: special.special_request_ask(p, pk, question=text), gettext_noop("Frågan är skickad (%(n)s).")),
}


@require_perm(Perm.SPECIAL_REQUEST_DECIDE)
@require_POST
def special_decide(request, order_id: int, action: str):
    if action not in _ACTIONS:
        _404(NotFound(gettext("Okänd åtgärd.")))
    run, ok = _ACTIONS[action]
    form = DecisionForm(request.POST, prefix=f"o{order_id}")
    return page_action(request, lambda cd: run(request.principal, order_id, cd["text"]), form=form,
                       done=reverse("ordering:special_queue"), ok=lambda order: gettext(ok) % {"n": order.number})

