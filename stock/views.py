from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from access.decorators import require_perm
from access.models import Unit
from access.roles import Perm
from audit.services import patient_access_record
from catalogue.models import Article
from core.pages import form_page, form_submit

from . import card, selectors
from .buffer import rules_import
from .buffer import selectors as buffer_selectors
from .buffer import services as buffer_services
from .forms import RuleForm, RuleUploadForm, StoreForm
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


# --------------------------------------------------------------------------- buffer stores (supply admin)


def _store_pages_context(store=None, **forms_):
    ctx = {"stores": list(Location.objects.filter(kind=Location.Kind.BUFFER_STORE).select_related(
        "unit", "unit__organisation").order_by("name"))}
    if store is not None:
        ctx.update(store=store, rules=buffer_selectors.store_rules(store),
                   levels={lv.article_id: lv.on_hand for lv in buffer_selectors.store_levels(store)})
    ctx["units"] = list(Unit.objects.filter(is_active=True, organisation__kind__in=("region", "municipality"))
                        .select_related("organisation").order_by("organisation__name", "name"))
    ctx.update(forms_)
    return ctx


@require_perm(Perm.STOCK_MANAGE)
def buffer_stores(request):
    """The supply admin's list of buffer stores, and a new store at a customer's unit."""
    ctx = _store_pages_context()
    form = StoreForm(request.POST if request.method == "POST" else None, units=ctx["units"])
    if request.method == "POST":
        done, store = form_submit(form, lambda cd: buffer_services.store_create(
            name=cd["name"], unit_id=cd["unit"], code=cd["code"], actor=request.principal))
        if done:
            flash.success(request, gettext("Buffertförrådet %(name)s (%(code)s) är upplagt.") % {"name": store.name, "code": store.code})
            return redirect("stock:buffer_store_rules", store.pk)
    ctx["form"] = form
    return form_page(request, "stock/buffer_stores.html", ctx, form=form)


def _buffer_store(store_id) -> Location:
    store = Location.objects.filter(pk=store_id, kind=Location.Kind.BUFFER_STORE).select_related("unit").first()
    if store is None:
        raise Http404
    return store


@require_perm(Perm.STOCK_MANAGE)
def buffer_store_rules(request, store_id: int):
    """One store's reorder rules: set one rule, or upload a sheet of rules (all or nothing)."""
    store = _buffer_store(store_id)
    rule_form, upload_form = RuleForm(initial={"automatic": True}), RuleUploadForm()
    form = None
    if request.method == "POST" and request.POST.get("action") == "upload":
        form = upload_form = RuleUploadForm(request.POST, request.FILES)

        def upload(cd):
            f = cd["file"]
            rows = rules_import.parse(name=f.name, data=f.read())
            return buffer_services.reorder_rules_import(rows=rows, actor=request.principal)

        done, written = form_submit(upload_form, upload)
        if done:
            flash.success(request, gettext("%(n)s beställningspunkter är sparade.") % {"n": len(written)})
            return redirect("stock:buffer_store_rules", store.pk)
    elif request.method == "POST":
        form = rule_form = RuleForm(request.POST)
        done, rule = form_submit(rule_form, lambda cd: buffer_services.reorder_rule_set(
            store=store, article_number=cd["article_number"], safety_level=cd["safety_level"],
            refill_level=cd["refill_level"], automatic=cd["automatic"], actor=request.principal))
        if done:
            flash.success(request, gettext("Beställningspunkten är sparad."))
            return redirect("stock:buffer_store_rules", store.pk)
    ctx = _store_pages_context(store, rule_form=rule_form, upload_form=upload_form)
    return form_page(request, "stock/buffer_store_rules.html", ctx, form=form)
