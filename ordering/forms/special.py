"""Forms for special requests (särskilt beslut)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SpecialRequestForm(forms.Form):
    reason = forms.CharField(label=_("Orsak till särskilt beslut"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    need = forms.CharField(label=_("Patientens behov"), max_length=2000,
                           help_text=_("Vad patienten behöver klara och varför."),
                           widget=forms.Textarea(attrs={"rows": 4}))
    tried = forms.CharField(label=_("Vad har prövats"), max_length=2000,
                            help_text=_("Hjälpmedel eller åtgärder som har prövats och resultatet."),
                            widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("Bilaga (valfri)"), required=False,
                           help_text=_("PDF, PNG eller JPEG, till exempel ett intyg."))


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Motivering eller fråga"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CustomerDecisionForm(forms.Form):
    """The customer's approver: one text, read as the comment (approve), the reason (reject, then
    required) or the question (ask); the service's field error is shown next to it."""

    text = forms.CharField(label=_("Kommentar, orsak eller fråga"), max_length=1000, required=False,
                           help_text=_("Krävs när du avslår (orsaken) eller begär komplettering (frågan)."),
                           widget=forms.Textarea(attrs={"rows": 3}))
