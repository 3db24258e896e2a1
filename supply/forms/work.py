"""Forms for handling work orders."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ordering.forms.core import DateInput


class AcceptForm(forms.Form):
    planned_date = forms.DateField(label=_("Planerat datum"), widget=DateInput())
    technician = forms.ModelChoiceField(label=_("Tekniker"), queryset=None)

    def __init__(self, *args, **kw):
        from ordering.flows.work import technician_choices

        super().__init__(*args, **kw)
        self.fields["technician"].queryset = technician_choices()
        self.fields["technician"].label_from_instance = lambda u: u.get_full_name() or u.username


class CompleteForm(forms.Form):
    report = forms.CharField(label=_("Rapport"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    hours = forms.CharField(label=_("Timmar"), max_length=8, help_text=_("T.ex. 1,5"))
    parts = forms.CharField(label=_("Reservdelar"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("En rad per artikel: artikelnummer och antal, t.ex. «R12345 2»."))

    def clean_parts(self):
        rows = []
        for i, raw in enumerate((self.cleaned_data.get("parts") or "").splitlines(), start=1):
            raw = raw.strip()
            if not raw:
                continue
            bits = raw.replace(";", " ").replace(",", " ").split()
            if len(bits) == 1:
                bits.append("1")
            if len(bits) != 2 or not bits[1].isdigit():
                raise forms.ValidationError(gettext("Rad %(i)s: skriv artikelnummer och antal.") % {"i": i})
            rows.append((bits[0], int(bits[1])))
        return rows
