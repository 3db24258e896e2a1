"""Forms for handling customer orders: confirm, delay, cancel, deliver, the inbox filter."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordering.forms.core import DateInput, IdPrefixMixin
from ordering.models import Delivery, OrderStatus, Priority


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, initial=OrderStatus.SUBMITTED, choices=[
        ("", _("Alla")), *[c for c in OrderStatus.choices if c[0] in (
            "submitted", "confirmed", "dispatched", "delivered", "cancelled", "withdrawn")]])
    priority = forms.ChoiceField(label=_("Prioritet"), required=False, choices=[("", _("Alla")), *Priority.choices])
    number = forms.CharField(label=_("Ordernummer"), required=False, max_length=16)
    flag = forms.ChoiceField(label=_("Visa"), required=False, choices=[
        ("", _("Alla")), ("overdue", _("Försenade (planerat datum passerat)")), ("backordered", _("Restnoterade"))])


class ConfirmForm(IdPrefixMixin, forms.Form):
    id_prefix = "confirm"
    planned_date = forms.DateField(label=_("Planerat leveransdatum (tomt = beräknas)"), required=False,
                                   widget=DateInput())


class DelayForm(IdPrefixMixin, forms.Form):
    id_prefix = "delay"
    new_date = forms.DateField(label=_("Nytt planerat leveransdatum"), widget=DateInput())
    reason = forms.CharField(label=_("Orsak till förseningen"), max_length=1000)


class CancelForm(IdPrefixMixin, forms.Form):
    id_prefix = "cancel"
    reason = forms.CharField(label=_("Orsak till makuleringen"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DeliverForm(IdPrefixMixin, forms.Form):
    id_prefix = "deliver"
    receiver_name = forms.CharField(label=_("Mottagarens namn (kvittens)"), max_length=120)
    place = forms.ChoiceField(label=_("Leveransplats"), choices=Delivery.Place.choices, widget=forms.RadioSelect)
    delivered_on = forms.DateField(label=_("Leveransdatum"), required=False, widget=DateInput())

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for ln in lines:
            if ln.remaining_quantity <= 0:
                continue
            name = f"qty_{ln.pk}"
            self.fields[name] = forms.IntegerField(
                label=_("Rad %(no)s: %(article)s – antal att leverera") % {"no": ln.line_no,
                                                                            "article": ln.article.name},
                min_value=0, max_value=ln.remaining_quantity, initial=ln.remaining_quantity)
            self.line_fields.append((ln.pk, name))

    def clean(self):
        cleaned = super().clean()
        if self.line_fields and not any(cleaned.get(name) for _pk, name in self.line_fields) \
                and all(name not in self.errors for _pk, name in self.line_fields):
            raise forms.ValidationError(_("Ange antal att leverera på minst en rad (antal 0 levererar inget)."))
        return cleaned

    def quantities(self) -> dict[int, int]:
        return {pk: self.cleaned_data[name] for pk, name in self.line_fields if self.cleaned_data.get(name)}
