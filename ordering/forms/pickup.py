"""Forms for pickup orders and return receipts."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import PickupReason
from .core import DateInput


class PickupForm(forms.Form):
    requested_date = forms.DateField(label=_("Önskat hämtdatum"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Meddelande till HMC"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    contact_name = forms.CharField(label=_("Kontaktperson"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)

    def __init__(self, *args, devices=(), **kw):
        super().__init__(*args, **kw)
        self.device_fields = []
        for d in devices:
            name = f"reason_{d.serial}"
            self.fields[name] = forms.ChoiceField(
                label=f"{d.serial} – {d.article.name}", required=False,
                choices=[("", _("Hämtas inte"))] + list(PickupReason.choices))
            self.device_fields.append((d.serial, name))

    def lines(self) -> list[tuple[str, str]]:
        return [(serial, self.cleaned_data[name]) for serial, name in self.device_fields
                if self.cleaned_data.get(name)]


class ReturnReceiptForm(forms.Form):
    devices = forms.MultipleChoiceField(label=_("Hjälpmedel som lämnas tillbaka"),
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, devices=(), **kw):
        super().__init__(*args, **kw)
        self.fields["devices"].choices = [(d.serial, f"{d.serial} – {d.article.name}") for d in devices]
