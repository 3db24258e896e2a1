"""Customer-side pages for a loan's terms (docs/prescribing.md, "Loan types and returns"): the
loan page, and the prescriber's one-click answers to a reminder — pickup order, extend, convert a
trial to a permanent loan. The buttons sit in the inbox, the patient view and the loan page."""
from __future__ import annotations

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import page_action

from .. import selectors
from ..flows import loans
from ..forms.customer import LoanExtendForm
from .core import _404


def _back(request, loan_id: int) -> str:
    """Where a button returns to: the page it was on (inbox, patient view) or the loan page."""
    where = request.POST.get("next", "")
    if where == "inbox":
        return reverse("ordering:inbox")
    if where.startswith("patient:") and where[8:].isdigit():
        return reverse("ordering:patient_view", args=[int(where[8:])]) + "#utlanade"
    return reverse("ordering:loan_detail", args=[loan_id])


def _page(request, loan_id: int, *, extend_form=None, status: int = 200):
    try:
        loan = selectors.loan_for_view(request.principal, loan_id)
    except NotFound as exc:
        _404(exc)
    initial = {"until": loan.loan_until} if loan.loan_until else {}
    return render(request, "ordering/loan_detail.html", {
        "loan": loan, "extend_form": extend_form or LoanExtendForm(initial=initial),
        "dated": loan.loan_type in loans.MAY_HAVE_DATE, "is_trial": loan.loan_type == loans.L.TRIAL,
        "type_label": loans.loan_type_label(loan.loan_type)}, status=status)


@require_GET
@require_perm(Perm.ORDER_CREATE)
def loan_detail(request, loan_id: int):
    return _page(request, loan_id)


@require_POST
@require_perm(Perm.ORDER_CREATE)
def loan_extend(request, loan_id: int):
    return page_action(
        request, lambda d: loans.loan_extend(request.principal, loan_id, until=d["until"]),
        form=LoanExtendForm(request.POST), done=_back(request, loan_id),
        render_back=lambda bound: _page(request, loan_id, extend_form=bound),
        ok=lambda loan: gettext("Lånet är förlängt till %(date)s.") % {"date": f"{loan.loan_until:%Y-%m-%d}"})


@require_POST
@require_perm(Perm.ORDER_CREATE)
def loan_convert(request, loan_id: int):
    return page_action(request, lambda: loans.loan_convert_permanent(request.principal, loan_id),
                       done=_back(request, loan_id), ok=gettext("Utprovningen är avslutad: patienten behåller hjälpmedlet."))


@require_POST
@require_perm(Perm.ORDER_CREATE)
def loan_pickup(request, loan_id: int):
    return page_action(request, lambda: loans.loan_return_order(request.principal, loan_id),
                       done=_back(request, loan_id), ok=lambda o: gettext("Hämtorder %(number)s är skapad.") % {"number": o.number})


@require_perm(Perm.ORDER_CREATE)
def loan_exchange(request, loan_id: int):
    """Exchange (byte): the new article and the reason; creates the linked delivery and pickup."""
    from core.pages import form_page, form_submit

    from ..flows import exchange
    from ..forms.exchange import ExchangeForm

    try:
        loan = selectors.loan_for_view(request.principal, loan_id, "loan_exchange")
    except NotFound as exc:
        _404(exc)
    form = ExchangeForm(request.POST or None)
    ctx = {"loan": loan, "form": form, "why_not": exchange.exchangeable(loan)}
    if request.method == "POST":
        ok, order = form_submit(form, lambda d: exchange.exchange_create(
            request.principal, loan_id, article_number=d["article_number"], reason=d["reason"],
            note=d.get("note") or "", loan_type=d.get("loan_type") or "", loan_until=d.get("loan_until")))
        if ok:
            flash.success(request, gettext("Bytet är beställt: order %(number)s och hämtorder %(pickup)s.")
                          % {"number": order.number, "pickup": order.extra["exchange"]["pickup"]})
            return redirect("ordering:order_detail", order_id=order.pk)
    return form_page(request, "ordering/loan_exchange.html", ctx, form=form)
