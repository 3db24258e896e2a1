"""The store keeper's pages (buffer stores): my stores, one store (on hand, on order, rules,
recent movements), withdrawal to a patient, stock count and manual buffer order. Thin: parse,
call `ordering.flows.buffer`, render through `core.pages`."""
from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from access.decorators import require_perm
from access.roles import Perm
from core.pages import form_page, form_submit
from stock.buffer import selectors as store_selectors

from .. import selectors
from ..flows import buffer
from ..forms.buffer import BufferOrderForm, DeviceCountForm, StoreCountForm, WithdrawalForm
from .core import _patient_or_lookup, _post


def _store(request, store_id):
    store = store_selectors.store_get(request.principal, store_id)
    if store is None:
        raise Http404("Förrådet finns inte.")
    return store


def _store_context(store) -> dict:
    levels = store_selectors.store_levels(store)
    rules = store_selectors.store_rules(store)
    held = {lv.article_id: lv.on_hand - lv.reserved for lv in levels}
    ordered = buffer.on_order(store.pk, [r.article_id for r in rules])
    rule_rows = [{"rule": r, "on_hand": held.get(r.article_id, 0), "on_order": ordered.get(r.article_id, 0),
                  "below": held.get(r.article_id, 0) < r.safety_level} for r in rules]
    return {
        "store": store, "levels": levels, "devices": store_selectors.store_devices(store), "rule_rows": rule_rows,
        "orders": selectors.buffer_store_orders(store), "movements": store_selectors.store_movements(store, limit=30),
        "withdrawals": selectors.buffer_store_withdrawals(store), "tracked": _tracked_articles(store, levels),
    }


@require_perm(Perm.STORE_KEEP)
def store_list(request):
    stores = list(store_selectors.stores_visible(request.principal).filter(is_active=True).order_by("name"))
    return render(request, "ordering/buffer/store_list.html", {"stores": stores})


@require_perm(Perm.STORE_KEEP)
def store_detail(request, store_id: int):
    store = _store(request, store_id)
    ctx = _store_context(store)
    ctx["count_form"] = StoreCountForm(articles=[lv.article for lv in ctx["levels"]])
    ctx["order_form"] = BufferOrderForm()
    return render(request, "ordering/buffer/store_detail.html", ctx)


@require_perm(Perm.STORE_KEEP)
def withdrawal_new(request, store_id: int):
    principal = request.principal
    store = _store(request, store_id)
    patient, lookup, go = _patient_or_lookup(request, "buffer_withdrawal")
    if go:
        return go
    if patient is None:
        return render(request, "ordering/service/patient_lookup.html",
                      {"form": lookup, "title": f"Uttag ur {store.name}: välj patient"})
    levels = store_selectors.store_levels(store)
    devices = store_selectors.store_devices(store)
    form = WithdrawalForm(_post(request), levels=levels, devices=devices)
    if request.method == "POST":
        def create(cd):
            article_number, serial = form.article_and_serial(devices)
            return buffer.withdrawal_create(principal, buffer.WithdrawalInput(
                store_id=store.pk, article_number=article_number, serial=serial, quantity=cd["quantity"],
                patient_id=patient.pk, withdrawn_at=cd["withdrawn_at"], note=cd["note"]))

        done, order = form_submit(form, create, rename={"serial": "item", "article_number": "item"})
        if done:
            flash.success(request, gettext("Uttaget är registrerat på patienten (order %(number)s).") % {"number": order.number})
            return redirect("ordering:store_detail", store.pk)
    return form_page(request, "ordering/buffer/withdrawal_new.html",
                     {"store": store, "patient": patient, "form": form}, form=form)


@require_perm(Perm.STORE_KEEP)
def store_count(request, store_id: int):
    store = _store(request, store_id)
    if request.method != "POST":
        return redirect("ordering:store_detail", store.pk)
    ctx = _store_context(store)
    form = StoreCountForm(request.POST, articles=[lv.article for lv in ctx["levels"]])

    def post(cd):
        return buffer.store_count_post(request.principal, store.pk, article_number=cd["article_number"],
                                       counted=cd["counted"], reason=cd["reason"])

    done, delta = form_submit(form, post)
    if done:
        flash.success(request, gettext("Inventeringen är bokförd (justering %(delta)s).") % {"delta": f"{delta:+d}"})
        return redirect("ordering:store_detail", store.pk)
    ctx.update(count_form=form, order_form=BufferOrderForm())
    return form_page(request, "ordering/buffer/store_detail.html", ctx, form=form)


def _tracked_articles(store, levels) -> list:
    """The tracked articles a store keeper can count by serial: those with stock or a rule."""
    articles = {lv.article.pk: lv.article for lv in levels if lv.article.is_tracked}
    for rule in store_selectors.store_rules(store):
        if rule.article.is_tracked:
            articles.setdefault(rule.article.pk, rule.article)
    return sorted(articles.values(), key=lambda a: (a.name, a.article_number))


def _device_count_messages(request, result) -> None:
    flash.success(request, gettext("Inventeringen per individ är bokförd: %(n)s individer finns i förrådet som "
                                   "registrerat.") % {"n": len(result.present)})
    if result.missing:
        flash.warning(request, gettext("Saknas och är bokade som saknade (justering med orsak): %(serials)s. "
                                       "Hittas de senare, skanna dem vid nästa inventering.")
                      % {"serials": ", ".join(result.missing)})
    if result.found_again:
        flash.info(request, gettext("Saknades tidigare och är bokade tillbaka i förrådet: %(serials)s.")
                   % {"serials": ", ".join(result.found_again)})
    if result.moved_in:
        flash.info(request, gettext("Var enligt registret på en annan plats och är nu flyttade in i förrådet: "
                                    "%(serials)s.") % {"serials": ", ".join(f"{s} ({where})" for s, where in
                                                                           result.moved_in)})


@require_perm(Perm.STORE_KEEP)
def device_count(request, store_id: int):
    """Count a tracked article by serial (inventering per individ): `?artikel=` picks the article."""
    store = _store(request, store_id)
    levels = store_selectors.store_levels(store)
    tracked = _tracked_articles(store, levels)
    number = (request.POST.get("article_number") or request.GET.get("artikel") or "").strip()
    article = next((a for a in tracked if a.article_number == number), None)
    if article is None:
        if number:
            raise Http404("Artikeln finns inte bland förrådets individmärkta artiklar.")
        return render(request, "ordering/buffer/device_count.html",
                      {"store": store, "tracked": tracked, "article": None, "form": None})
    devices = store_selectors.store_devices(store, article=article)
    form = DeviceCountForm(_post(request), devices=devices)
    if request.method == "POST":
        def post(cd):
            return buffer.store_count_devices_post(request.principal, store.pk, article_number=article.article_number,
                                                   present=cd["present"], scanned=cd["scanned"],
                                                   reason=cd["reason"])

        done, result = form_submit(form, post)
        if done:
            _device_count_messages(request, result)
            return redirect("ordering:store_detail", store.pk)
    return form_page(request, "ordering/buffer/device_count.html",
                     {"store": store, "tracked": tracked, "article": article, "form": form,
                      "devices": devices}, form=form)


@require_perm(Perm.STORE_KEEP)
def buffer_order_new(request, store_id: int):
    store = _store(request, store_id)
    if request.method != "POST":
        return redirect("ordering:store_detail", store.pk)
    form = BufferOrderForm(request.POST)

    def create(cd):
        return buffer.buffer_order_create(request.principal, buffer.BufferOrderInput(
            store_id=store.pk, lines=[buffer.BufferLineInput(cd["article_number"], cd["quantity"])],
            requested_date=cd["requested_date"], note=cd["note"], submit=True))

    done, order = form_submit(form, create, rename={"lines": "article_number"})
    if done:
        flash.success(request, gettext("Förrådsbeställning %(number)s är skickad till Hjälpmedelscentralen.")
                      % {"number": order.number})
        return redirect(reverse("ordering:order_detail", args=[order.pk]))
    ctx = _store_context(store)
    ctx.update(order_form=form, count_form=StoreCountForm(articles=[lv.article for lv in ctx["levels"]]))
    return form_page(request, "ordering/buffer/store_detail.html", ctx, form=form)

