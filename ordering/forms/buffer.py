"""Forms of the store keeper's pages (buffer stores): withdrawal, stock count, manual order.
They only parse types; the services check everything (ordering.flows.buffer)."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import DateInput, IdPrefixMixin


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class WithdrawalForm(IdPrefixMixin, forms.Form):
    id_prefix = "uttag"
    item = forms.ChoiceField(label=_("Artikel eller individ"),
                             help_text=_("Individmärkta artiklar väljs per individnummer."))
    quantity = forms.IntegerField(label=_("Antal"), min_value=1, max_value=999, initial=1,
                                  help_text=_("Individmärkta artiklar tas ut en i taget."))
    withdrawn_at = forms.DateTimeField(label=_("Uttaget"), widget=DateTimeLocalInput(),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                       help_text=_("Högst 24 timmar bakåt, aldrig framåt."))
    note = forms.CharField(label=_("Anteckning"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, levels=(), devices=(), **kw):
        kw.setdefault("initial", {})
        kw["initial"].setdefault("withdrawn_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(*args, **kw)
        choices = [("", _("Välj …"))]
        choices += [(f"d:{d.serial}", f"{d.serial} – {d.article.name} ({d.article.article_number})") for d in devices]
        choices += [(f"a:{lv.article.article_number}",
                     f"{lv.article.name} ({lv.article.article_number}), {lv.on_hand - lv.reserved} {lv.article.unit}")
                    for lv in levels if not lv.article.is_tracked and lv.on_hand - lv.reserved > 0]
        self.fields["item"].choices = choices

    def article_and_serial(self, devices) -> tuple[str, str]:
        item = self.cleaned_data["item"]
        if item.startswith("d:"):
            serial = item[2:]
            device = next((d for d in devices if d.serial == serial), None)
            return (device.article.article_number if device else ""), serial
        return item[2:], ""


class StoreCountForm(IdPrefixMixin, forms.Form):
    id_prefix = "count"
    article_number = forms.ChoiceField(label=_("Artikel"))
    counted = forms.IntegerField(label=_("Räknat antal"), min_value=0, max_value=100000)
    reason = forms.CharField(label=_("Orsak"), max_length=300, initial=_("Inventering"))

    def __init__(self, *args, articles=(), **kw):
        super().__init__(*args, **kw)
        self.fields["article_number"].choices = [("", _("Välj …"))] + [
            (a.article_number, f"{a.name} ({a.article_number})") for a in articles if not a.is_tracked]


class DeviceCountForm(IdPrefixMixin, forms.Form):
    """The count of one tracked article by serial: tick the devices found of those booked in the
    store, and type or scan any other serial found (one per line)."""
    id_prefix = "individ"
    present = forms.MultipleChoiceField(label=_("Individer som finns i förrådet"), required=False,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text=_("Bocka för varje individ du hittar. En individ som inte är "
                                                    "förbockad bokas som saknad."))
    scanned = forms.CharField(label=_("Andra individnummer du hittat"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off",
                                                           "autocapitalize": "characters", "spellcheck": "false"}),
                              help_text=_("Skanna eller skriv, ett per rad. Även individer i listan ovan "
                                          "räknas som funna när de skannas."))
    reason = forms.CharField(label=_("Orsak"), max_length=300, initial=_("Inventering"))

    def __init__(self, *args, devices=(), **kw):
        super().__init__(*args, **kw)
        self.fields["present"].choices = [(d.serial, f"{d.serial} – {d.article.name}") for d in devices]


class BufferOrderForm(IdPrefixMixin, forms.Form):
    id_prefix = "order"
    article_number = forms.CharField(label=_("Artikelnummer"), max_length=35)
    quantity = forms.IntegerField(label=_("Antal"), min_value=1, max_value=999, initial=1)
    requested_date = forms.DateField(label=_("Önskat leveransdatum"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Meddelande till HMC"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
