from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .core import DateInput


class DeceasedForm(forms.Form):
    on = forms.DateField(label=_("Dödsdatum"), widget=DateInput())
