"""Forms for handling fault reports."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordering.forms.core import DateInput


class ReportsForm(forms.Form):
    manufacturer_on = forms.DateField(label=_("Anmäld till tillverkaren"), required=False, widget=DateInput())
    authority_on = forms.DateField(label=_("Anmäld till Läkemedelsverket"), required=False, widget=DateInput())


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Svar"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
