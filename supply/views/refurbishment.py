"""The supply centre's refurbishment pages (rekonditionering)."""
from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.pages import page_action

from .. import refurbishment
from ..forms.core import ReasonForm

# --------------------------------------------------------------------------- refurbishment


@require_perm(Perm.STOCK_MANAGE)
def refurb_queue(request):
    return render(request, "supply/service/refurbishment.html", {"queue": refurbishment.refurbishment_queue(),
                                                                "scrap_form": ReasonForm()})


def _refurb_act(request, fn, ok: str):
    return page_action(request, fn, done=reverse("supply:refurb_queue"), ok=ok)


@require_POST
@require_perm(Perm.STOCK_MANAGE)
def refurb_receive(request, serial: str):
    return _refurb_act(request, lambda: refurbishment.device_receive(request.principal, serial),
                       f"{serial} är mottagen och väntar på rekonditionering.")


@require_POST
@require_perm(Perm.STOCK_MANAGE)
def refurb_done(request, serial: str):
    return _refurb_act(request, lambda: refurbishment.device_refurbished(request.principal, serial),
                       f"{serial} är rekonditionerad och åter i lager.")


@require_POST
@require_perm(Perm.STOCK_MANAGE)
def refurb_scrap(request, serial: str):
    return _refurb_act(request, lambda: refurbishment.device_scrapped(request.principal, serial,
                                                                      reason=request.POST.get("reason", "")),
                       f"{serial} är kasserad.")
