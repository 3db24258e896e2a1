"""The supply admin's page of webhook deliveries: failed ones first, replay of one event or of
everything since a time (services in integration.services)."""
from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from access.decorators import require_perm
from access.principal import principal_for_request
from access.roles import Perm
from core.pages import page_action

from . import selectors, services
from .models import Delivery


class ReplaySinceForm(forms.Form):
    since = forms.DateTimeField(label=gettext_lazy("Skicka om allt sedan"),
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])


@require_perm(Perm.WEBHOOKS_MANAGE)
def deliveries(request):
    principal = principal_for_request(request)
    status = request.GET.get("status", Delivery.Status.FAILED)
    if status not in {"", *Delivery.Status.values}:
        status = Delivery.Status.FAILED
    qs = selectors.deliveries_visible(principal, status=status).select_related("subscription__client")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "integration/deliveries.html", {
        "page": page, "status": status, "statuses": Delivery.Status.choices, "form": ReplaySinceForm()})


@require_POST
@require_perm(Perm.WEBHOOKS_MANAGE)
def delivery_replay(request, delivery_id: int):
    principal = principal_for_request(request)
    return page_action(request, lambda: services.delivery_replay(principal, delivery_id),
                       done=reverse("integration:deliveries"), ok=_("Händelsen skickas igen."))


@require_POST
@require_perm(Perm.WEBHOOKS_MANAGE)
def deliveries_replay_since(request):
    principal = principal_for_request(request)
    form = ReplaySinceForm(request.POST)
    return page_action(request, lambda data: services.deliveries_replay_since(principal, data["since"]),
                       form=form, done=reverse("integration:deliveries"),
                       ok=lambda n: _("%(n)s leveranser skickas igen.") % {"n": n})
