"""Forms for work orders: the order and its attachments."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CUSTOMER_WORK_KINDS, Priority
from .core import DateInput


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
