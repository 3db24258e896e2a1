from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class RangeForm(forms.Form):
    """The months shown (YYYY-MM); checked by `selectors.parse_range`."""

    fran = forms.CharField(label=_("Från månad"), max_length=7, widget=forms.TextInput(attrs={"type": "month"}),
                           help_text=_("ÅÅÅÅ-MM"))
    till = forms.CharField(label=_("Till månad"), max_length=7, widget=forms.TextInput(attrs={"type": "month"}),
                           help_text=_("ÅÅÅÅ-MM"))


class Co2FactorForm(forms.Form):
    iso_prefix = forms.CharField(label=_("ISO-klass"), max_length=8, help_text=_("Två eller fyra siffror, t.ex. 12 22."))
    kg_co2e = forms.DecimalField(label=_("kg CO2e per återanvänt hjälpmedel"), max_digits=8, decimal_places=1,
                                 min_value=Decimal("0"), localize=True)
