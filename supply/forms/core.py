"""What the supply centre's forms share: the list filter and the reason form."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordering.models import OrderStatus


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    number = forms.CharField(label=_("Nummer"), max_length=16, required=False)

    def __init__(self, *args, statuses=(), **kw):
        super().__init__(*args, **kw)
        self.fields["status"].choices = [("", _("Alla"))] + [(s, OrderStatus(s).label) for s in statuses]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Orsak"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
