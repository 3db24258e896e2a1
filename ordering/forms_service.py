"""Forms for the service-order pages (work orders, pickups, fault reports, return receipts).
Validation that needs the database lives in the services; their errors are put back on the
form with `ordering.forms.apply_domain_errors`."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OrderStatus, Priority
from .service_models import (
    CUSTOMER_WORK_KINDS, FaultConcerns, FaultKind, FaultRemedy, FaultReturnMethod, PickupReason, WorkKind,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kw):
        super().__init__(format="%Y-%m-%d", **kw)


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


class WorkOrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("Typ av arbetsorder"), choices=[(k.value, k.label) for k in CUSTOMER_WORK_KINDS])
    device = forms.ChoiceField(label=_("Gäller hjälpmedel"), required=False)
    order_line = forms.TypedChoiceField(label=_("Gäller orderrad"), required=False, coerce=int, empty_value=None)
    description = forms.CharField(label=_("Beskrivning"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("Vad ska göras? Beskriv felet eller behovet."))
    priority = forms.ChoiceField(label=_("Prioritet"), choices=Priority.choices, initial=Priority.NORMAL)
    requested_date = forms.DateField(label=_("Önskat datum"), required=False, widget=DateInput())
    contact_name = forms.CharField(label=_("Kontaktperson"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)
    attachment = forms.FileField(label=_("Bifoga dokument (PDF, PNG, JPEG, högst 5 MB)"), required=False)

    def __init__(self, *args, devices=(), lines=(), **kw):
        super().__init__(*args, **kw)
        self.fields["device"].choices = [("", _("Inget särskilt"))] + [
            (d.serial, f"{d.serial} – {d.article.name}") for d in devices]
        self.fields["order_line"].choices = [("", _("Ingen"))] + [
            (ln.pk, f"{ln.order.number}:{ln.line_no} – {ln.article.name}") for ln in lines]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Dokument (PDF, PNG, JPEG, högst 5 MB)"))


class PickupForm(forms.Form):
    requested_date = forms.DateField(label=_("Önskat hämtdatum"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Meddelande till HMC"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    contact_name = forms.CharField(label=_("Kontaktperson"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)

    def __init__(self, *args, devices=(), **kw):
        super().__init__(*args, **kw)
        self.device_fields = []
        for d in devices:
            name = f"reason_{d.serial}"
            self.fields[name] = forms.ChoiceField(
                label=f"{d.serial} – {d.article.name}", required=False,
                choices=[("", _("Hämtas inte"))] + list(PickupReason.choices))
            self.device_fields.append((d.serial, name))

    def lines(self) -> list[tuple[str, str]]:
        return [(serial, self.cleaned_data[name]) for serial, name in self.device_fields
                if self.cleaned_data.get(name)]


class ReturnReceiptForm(forms.Form):
    devices = forms.MultipleChoiceField(label=_("Hjälpmedel som lämnas tillbaka"),
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, devices=(), **kw):
        super().__init__(*args, **kw)
        self.fields["devices"].choices = [(d.serial, f"{d.serial} – {d.article.name}") for d in devices]


class FaultReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Typ"), choices=FaultKind.choices, widget=forms.RadioSelect)
    concerns = forms.ChoiceField(label=_("Rapporten avser"), choices=FaultConcerns.choices, widget=forms.RadioSelect)
    device_serial = forms.CharField(label=_("Individnummer"), max_length=60, required=False)
    article_number = forms.CharField(label=_("Artikelnummer"), max_length=35, required=False)
    related_order_number = forms.CharField(label=_("Arbetsorder eller order (nummer)"), max_length=16,
                                           required=False, help_text=_("T.ex. AO0000012 eller KO0000034"))
    occurred_on = forms.DateField(label=_("När inträffade det?"), widget=DateInput())
    description = forms.CharField(label=_("Beskrivning av händelsen"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    injury = forms.BooleanField(label=_("Personskada"), required=False)
    remedy = forms.ChoiceField(label=_("Önskas"), choices=FaultRemedy.choices, initial=FaultRemedy.NONE)
    return_method = forms.ChoiceField(label=_("Retur"), choices=FaultReturnMethod.choices,
                                      initial=FaultReturnMethod.NONE)
    reply_to_reporter = forms.BooleanField(label=_("Jag vill ha svar"), required=False)
    contact_name = forms.CharField(label=_("Kontaktperson"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Orsak"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


__all__ = ["WorkKind"]
