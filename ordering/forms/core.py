"""What the order forms share: the date widget, putting a service's errors back on the form, the
patient look-up, the reason and the search form of the service-order kinds. Validation that
needs the database lives in the services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import OrderStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdPrefixMixin:
    """Field ids `id_<id_prefix>_<name>`, so two forms on one page that share a field name (a delay
    reason and a cancel reason) never share an id (each label focuses its own field)."""
    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Orsak"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PatientLookupForm(forms.Form):
    identity = forms.CharField(label=_("Patientens personnummer"), max_length=13,
                               help_text=_("ÅÅÅÅMMDD-NNNN"))


class ServiceSearchForm(forms.Form):
    number = forms.CharField(label=_("Ordernummer"), max_length=16, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    planned_from = forms.DateField(label=_("Hämtdatum från"), required=False, widget=DateInput())
    planned_to = forms.DateField(label=_("Hämtdatum till"), required=False, widget=DateInput())

    def __init__(self, *args, statuses=(), with_dates=False, **kw):
        super().__init__(*args, **kw)
        self.fields["status"].choices = [("", _("Alla"))] + [(s, OrderStatus(s).label) for s in statuses]
        if not with_dates:
            del self.fields["planned_from"]
            del self.fields["planned_to"]
