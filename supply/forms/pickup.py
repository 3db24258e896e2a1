"""Forms for handling pickup orders."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordering.forms.core import DateInput


class PlanForm(forms.Form):
    planned_date = forms.DateField(label=_("Hämtdatum"), widget=DateInput())


class PickedUpForm(forms.Form):
    picked_up_on = forms.DateField(label=_("Hämtades"), required=False, widget=DateInput(),
                                   help_text=_("Tomt = i dag"))
