"""Forms for the supply centre's service pages."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordering.forms_service import DateInput
from ordering.models import OrderStatus


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    number = forms.CharField(label=_("Nummer"), max_length=16, required=False)

    def __init__(self, *args, statuses=(), **kw):
        super().__init__(*args, **kw)
        self.fields["status"].choices = [("", _("Alla"))] + [(s, OrderStatus(s).label) for s in statuses]


class AcceptForm(forms.Form):
    planned_date = forms.DateField(label=_("Planerat datum"), widget=DateInput())
    technician = forms.ModelChoiceField(label=_("Tekniker"), queryset=None)

    def __init__(self, *args, **kw):
        from .work_orders import technician_choices

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
                raise forms.ValidationError(f"Rad {i}: skriv artikelnummer och antal.")
            rows.append((bits[0], int(bits[1])))
        return rows


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Orsak"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    planned_date = forms.DateField(label=_("Hämtdatum"), widget=DateInput())


class PickedUpForm(forms.Form):
    picked_up_on = forms.DateField(label=_("Hämtades"), required=False, widget=DateInput(),
                                   help_text=_("Tomt = i dag"))


class ReportsForm(forms.Form):
    manufacturer_on = forms.DateField(label=_("Anmäld till tillverkaren"), required=False, widget=DateInput())
    authority_on = forms.DateField(label=_("Anmäld till Läkemedelsverket"), required=False, widget=DateInput())


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Svar"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
