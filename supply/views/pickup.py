"""The supply centre's pages for pickup orders."""
from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from ordering.flows import pickup as pickups
from ordering.models import OrderType

from ..forms.core import ReasonForm
from ..forms.pickup import PickedUpForm, PlanForm
from .core import _act, _get, _list

# --------------------------------------------------------------------------- pickups


@require_perm(Perm.ORDER_HANDLE)
def pickup_list(request):
    return _list(request, OrderType.PICKUP)


def _pickup_page(request, order_id, forms=None, status=200):
    order = _get(request, order_id, OrderType.PICKUP)
    ctx = {"order": order, "principal": request.principal, "plan_form": PlanForm(), "picked_form": PickedUpForm(),
           "cancel_form": ReasonForm()}
    ctx.update(forms or {})
    return render(request, "supply/service/pickup_handle.html", ctx, status=status)


@require_perm(Perm.ORDER_HANDLE)
def pickup_handle(request, order_id: int):
    return _pickup_page(request, order_id)


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_plan(request, order_id: int):
    form = PlanForm(request.POST)
    return _act(request, "supply:pickup_handle", order_id,
                lambda **kw: pickups.pickup_plan(request.principal, order_id, **kw), form=form,
                fields=("planned_date",),
                ok=gettext("Hämtningen är planerad."),
                render_back=lambda f: _pickup_page(request, order_id, {"plan_form": f}, status=422))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_picked_up(request, order_id: int):
    form = PickedUpForm(request.POST)
    return _act(request, "supply:pickup_handle", order_id,
                lambda **kw: pickups.pickup_picked_up(request.principal, order_id, **kw), form=form,
                fields=("picked_up_on",),
                ok=gettext("Hämtningen är registrerad; utlåningen är avslutad."),
                render_back=lambda f: _pickup_page(request, order_id, {"picked_form": f}, status=422))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_receive(request, order_id: int):
    return _act(request, "supply:pickup_handle", order_id,
                lambda: pickups.pickup_receive(request.principal, order_id),
                ok=gettext("Hjälpmedlen är mottagna och väntar på rekonditionering."))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def pickup_cancel(request, order_id: int):
    form = ReasonForm(request.POST)
    return _act(request, "supply:pickup_handle", order_id,
                lambda **kw: pickups.pickup_cancel(request.principal, order_id, **kw), form=form,
                fields=("reason",),
                ok=gettext("Hämtordern är makulerad; beställaren har fått besked."),
                render_back=lambda f: _pickup_page(request, order_id, {"cancel_form": f}, status=422))
