"""Forms for fault reports."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import FaultConcerns, FaultKind, FaultRemedy, FaultReturnMethod
from .core import DateInput


class FaultReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Typ"), choices=FaultKind.choices, widget=forms.RadioSelect)
    concerns = forms.ChoiceField(label=_("Rapporten avser"), choices=FaultConcerns.choices, widget=forms.RadioSelect)
    device_serial = forms.CharField(label=_("Individnummer"), max_length=60, required=False)
    article_number = forms.CharField(label=_("Artikelnummer"), max_length=35, required=False)
    related_order_number = forms.CharField(label=_("Arbetsorder eller order (nummer)"), max_length=16,
                                           required=False, help_text=_("T.ex. AO0000012 eller KO0000034"))
    occurred_on = forms.DateField(label=_("När inträffade det?"), widget=DateInput())
    description = forms.CharField(label=_("Beskrivning av händelsen"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    injury = forms.BooleanField(label=_("Personskada"), required=False)
    remedy = forms.ChoiceField(label=_("Önskas"), choices=FaultRemedy.choices, initial=FaultRemedy.NONE)
    return_method = forms.ChoiceField(label=_("Retur"), choices=FaultReturnMethod.choices,
                                      initial=FaultReturnMethod.NONE)
    reply_to_reporter = forms.BooleanField(label=_("Jag vill ha svar"), required=False)
    contact_name = forms.CharField(label=_("Kontaktperson"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)
