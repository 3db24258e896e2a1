"""Forms for customer orders: the draft, a line, a template name, the order search."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from access.models import DeliveryPoint, Unit
from catalogue.models import LoanType

from ..flows.core import MAX_QUANTITY, NOTE_MAX
from ..models import DeliveryTo, OrderStatus, Priority
from .core import DateInput


class DraftForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Beställande enhet"), queryset=Unit.objects.none())
    delivery_to = forms.ChoiceField(label=_("Leverans till"), widget=forms.RadioSelect,
                                    choices=[c for c in DeliveryTo.choices if c[0]])
    delivery_point = forms.ModelChoiceField(label=_("Leveranspunkt"), queryset=DeliveryPoint.objects.none(),
                                            required=False)
    contact_name = forms.CharField(label=_("Kontaktperson"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)
    priority = forms.ChoiceField(label=_("Prioritet"), choices=Priority.choices, widget=forms.RadioSelect,
                                 initial=Priority.NORMAL)
    requested_date = forms.DateField(label=_("Önskat leveransdatum"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Meddelande till Hjälpmedelscentralen"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, principal=None, urgent_fee=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(pk__in=principal.unit_ids, is_active=True).order_by("name")
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first()
        self.fields["delivery_point"].queryset = DeliveryPoint.objects.filter(
            unit__organisation_id__in=principal.customer_ids, is_active=True).select_related("unit")
        if urgent_fee is not None:
            self.fields["priority"].help_text = _("Akut leverans (nästa vardag) debiteras med %(fee)s kr.") % {
                "fee": f"{urgent_fee:.0f}"}


class LineForm(forms.Form):
    article_number = forms.CharField(label=_("Artikelnummer"), max_length=35)
    quantity = forms.IntegerField(label=_("Antal"), min_value=1, max_value=MAX_QUANTITY, initial=1)
    main_line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    loan_type = forms.ChoiceField(label=_("Låneform"), required=False,
                                  choices=[("", _("Artikelns förval"))] + list(LoanType.choices),
                                  help_text=_("Gäller individmärkta hjälpmedel till en patient."))
    loan_until = forms.DateField(label=_("Återlämnas / utprovning till"), required=False, widget=DateInput(),
                                 help_text=_("Krävs för tidsbegränsat lån och utprovning."))


class LoanExtendForm(forms.Form):
    until = forms.DateField(label=_("Nytt datum"), widget=DateInput())


class TemplateNameForm(forms.Form):
    name = forms.CharField(label=_("Mallens namn"), max_length=120)


class OrderSearchForm(forms.Form):
    number = forms.CharField(label=_("Ordernummer"), max_length=16, required=False)
    identity = forms.CharField(label=_("Patientens personnummer"), max_length=13, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Alla"))] + [c for c in OrderStatus.choices if c[0] in (
                                   "draft", "submitted", "confirmed", "dispatched", "delivered", "cancelled",
                                   "withdrawn")])
    date_from = forms.DateField(label=_("Skapad från"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Skapad till"), required=False, widget=DateInput())
    unit = forms.TypedChoiceField(label=_("Enhet"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, principal=None, **kwargs):
        super().__init__(*args, **kwargs)
        if principal is not None and not principal.is_supply and principal.unit_ids:
            # The principal's own units (a customer can have thousands of units); a plain list,
            # not a queryset iterator (one query, no server-side cursor).
            units = list(Unit.objects.filter(pk__in=principal.unit_ids, is_active=True)
                         .order_by("name").values_list("pk", "name"))
            self.fields["unit"].choices = [("", _("Alla"))] + units
        else:
            del self.fields["unit"]
