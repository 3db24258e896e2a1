"""The exchange form (byte): the new article, the reason from the list, optional loan terms."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.models import LoanType

from ..flows.core import NOTE_MAX
from ..flows.exchange import ExchangeReason
from .core import DateInput


class ExchangeForm(forms.Form):
    article_number = forms.CharField(label=_("Nytt hjälpmedel (artikelnummer)"), max_length=35)
    reason = forms.ChoiceField(label=_("Orsak till bytet"), choices=ExchangeReason.choices, widget=forms.RadioSelect)
    loan_type = forms.ChoiceField(label=_("Låneform"), required=False,
                                  choices=[("", _("Som det gamla lånet"))] + list(LoanType.choices))
    loan_until = forms.DateField(label=_("Återlämnas / utprovning till"), required=False, widget=DateInput(),
                                 help_text=_("Krävs för tidsbegränsat lån och utprovning."))
    note = forms.CharField(label=_("Meddelande till Hjälpmedelscentralen"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))
