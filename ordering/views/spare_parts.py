"""The technician's spare-parts page (komponentbeställning), phone first: type (or scan) the
device's serial, see the parts that fit with stock per location, order them."""
from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import form_page, form_submit

from ..flows import spare_parts as parts_flow
from ..flows.core import MAX_QUANTITY, NOTE_MAX
from .core import _404


class SerialForm(forms.Form):
    serial = forms.CharField(label=_("Individnummer"), max_length=60,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                           "spellcheck": "false", "autofocus": True,
                                                           "enterkeyhint": "search"}))


def parts_form(parts, data=None):
    """One quantity field per fitting part (`part_<article number>`), stock per location as help."""
    fields = {}
    for p in parts:
        stock = ", ".join(f"{lv.location.name} {max(lv.available, 0)}" for lv in p.levels) or str(_("inget i lager"))
        fields[f"part_{p.article_number}"] = forms.IntegerField(
            label=f"{p.article_number} {p.name}", required=False, min_value=0, max_value=MAX_QUANTITY,
            help_text=f"{_('I lager')}: {stock}" + ("" if p.available else f" – {_('restnoteras')}"),
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}))
    fields["note"] = forms.CharField(label=_("Meddelande"), required=False, max_length=NOTE_MAX,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    return type("SparePartsForm", (forms.Form,), fields)(data)


@require_perm(Perm.SPARE_PARTS_ORDER)
def spare_parts(request):
    """GET ?serial=… shows the device and its parts; POST orders them."""
    principal = request.principal
    serial_form = SerialForm(request.GET or None)
    ctx = {"serial_form": serial_form, "device": None, "form": None}
    form = None
    found = None
    if serial_form.is_bound:
        ok, found = form_submit(serial_form, lambda d: parts_flow.device_lookup(principal, d["serial"]))
    if found is not None:
        device, _loan = found
        parts = parts_flow.parts_for(device)
        form = parts_form(parts, request.POST or None)
        ctx.update(device=device, parts=parts, form=form, orders=parts_flow.part_orders_for_device(device, limit=5))
        if request.method == "POST":
            ok, order = form_submit(form, lambda d: parts_flow.spare_parts_order(
                principal, device.serial,
                [parts_flow.PartLineInput(p.article_number, d.get(f"part_{p.article_number}") or 0) for p in parts],
                note=d.get("note") or ""))
            if ok:
                back = " Restnoterade delar levereras när de kommit in." if order.planned_date else ""
                flash.success(request, gettext("Reservdelsorder %(number)s är skickad.") % {"number": order.number} + back)
                return redirect(reverse("ordering:spare_parts") + f"?serial={device.serial}")
    elif request.method == "POST" and not serial_form.errors:
        _404(NotFound(gettext("Ange individnumret.")))
    return form_page(request, "ordering/spare_parts.html", ctx, form=form or serial_form)
