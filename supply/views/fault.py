"""The supply centre's pages for fault reports."""
from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from ordering.flows import fault as fault_reports
from ordering.models import OrderType

from ..forms.fault import AnswerForm, ReportsForm
from .core import _act, _get, _list

# --------------------------------------------------------------------------- fault reports


@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_list(request):
    return _list(request, OrderType.FAULT)


def _fault_page(request, order_id, forms=None, status=200):
    order = _get(request, order_id, OrderType.FAULT)
    ctx = {"order": order, "principal": request.principal, "reports_form": ReportsForm(),
           "answer_form": AnswerForm()}
    ctx.update(forms or {})
    return render(request, "supply/service/fault_handle.html", ctx, status=status)


@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_handle(request, order_id: int):
    return _fault_page(request, order_id)


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_investigate(request, order_id: int):
    return _act(request, "supply:fault_handle", order_id,
                lambda: fault_reports.fault_investigate(request.principal, order_id), ok=gettext("Utredningen är påbörjad."))


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_reports_view(request, order_id: int):
    form = ReportsForm(request.POST)
    return _act(request, "supply:fault_handle", order_id,
                lambda **kw: fault_reports.fault_record_reports(request.principal, order_id, **kw), form=form,
                fields=("manufacturer_on", "authority_on"),
                ok=gettext("Anmälan är registrerad."),
                render_back=lambda f: _fault_page(request, order_id, {"reports_form": f}, status=422))


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_answer(request, order_id: int):
    form = AnswerForm(request.POST)
    return _act(request, "supply:fault_handle", order_id,
                lambda **kw: fault_reports.fault_answer(request.principal, order_id, **kw), form=form,
                fields=("answer",),
                ok=gettext("Svaret är registrerat."),
                render_back=lambda f: _fault_page(request, order_id, {"answer_form": f}, status=422))


@require_POST
@require_perm(Perm.WORK_ORDER_HANDLE)
def fault_close(request, order_id: int):
    return _act(request, "supply:fault_handle", order_id,
                lambda: fault_reports.fault_close(request.principal, order_id), ok=gettext("Rapporten är stängd."))
