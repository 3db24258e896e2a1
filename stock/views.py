from django.http import Http404
from django.shortcuts import redirect, render

from access.decorators import require_perm
from access.roles import Perm
from audit.services import patient_access_record
from catalogue.models import Article

from . import card, selectors
from .models import Device, Location


def _locations_for(principal):
    qs = Location.objects.filter(is_active=True)
    if not principal.is_supply:
        qs = qs.filter(kind=Location.Kind.BUFFER_STORE, unit_id__in=principal.unit_ids)
    return list(qs.order_by("kind", "name"))


@require_perm(Perm.STOCK_VIEW)
def overview(request):
    principal = request.principal
    q = (request.GET.get("q") or "").strip()[:100]
    if q:
        device = Device.objects.filter(serial=q).only("serial", "location_id").first()
        if device is not None:
            return redirect("stock:device", serial=device.serial)
    locations = _locations_for(principal)
    location = None
    loc_param = request.GET.get("lagerplats")
    if loc_param:
        location = next((loc for loc in locations if str(loc.pk) == loc_param), None)
    show_all = request.GET.get("alla") == "1"
    if location is not None:
        scope = [location.pk]
    else:
        scope = None if principal.is_supply else [loc.pk for loc in locations]
    levels = list(selectors.stock_overview(q=q, location_ids=scope, only_in_stock=not show_all))
    return render(request, "stock/overview.html", {
        "levels": levels, "locations": locations, "location": location, "q": q, "show_all": show_all,
    })


@require_perm(Perm.STOCK_VIEW)
def device_card(request, serial: str):
    principal = request.principal
    device = selectors.device_get(serial)
    if device is None:
        raise Http404
    if not principal.is_supply:
        allowed = device.location is not None and device.location.kind == Location.Kind.BUFFER_STORE \
            and device.location.unit_id in principal.unit_ids
        if not allowed:
            raise Http404
    data = selectors.device_card(device)
    holder = device.holder_patient
    show_holder = holder is not None and (principal.is_supply or holder.customer_id in principal.customer_ids)
    # Patient data shown (holder; loan list for supply staff): one access row per patient shown.
    patient_ids = {loan.patient_id for loan in data.loans} if principal.is_supply else set()
    if show_holder:
        patient_ids.add(holder.pk)
    for pid in sorted(patient_ids):
        patient_access_record(principal, pid, "device_card", purpose=f"individ {device.serial}")
    return render(request, "stock/device_card.html", {
        "device": device, "card": data, "show_holder": show_holder, "show_loans": principal.is_supply,
        "extra_sections": card.render_sections(device, principal, request),
    })


@require_perm(Perm.STOCK_VIEW)
def article_stock(request, article_number: str):
    """One article: levels per location and (tracked) its devices, longest waiting first."""
    principal = request.principal
    if not principal.is_supply:
        raise Http404
    article = Article.objects.filter(article_number=article_number).first()
    if article is None:
        raise Http404
    levels = list(selectors.levels_for_article(article))
    devices = list(selectors.devices_for_article(article).exclude(status=Device.Status.SCRAPPED)[:500]) \
        if article.is_tracked else []
    return render(request, "stock/article.html", {
        "article": article, "levels": levels, "devices": devices, "availability": selectors.availability(article),
    })
