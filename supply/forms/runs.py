"""Forms for planning runs and for the driver at the door (the services check every rule)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ordering.forms.core import DateInput


class RunForm(forms.Form):
    date = forms.DateField(label=_("Datum"), widget=DateInput())
    driver_id = forms.ChoiceField(label=_("Chaufför eller tekniker"))
    vehicle = forms.CharField(label=_("Fordon"), max_length=40, required=False,
                              help_text=_("Till exempel registreringsnummer eller bilens namn"))

    def __init__(self, *args, people=(), **kw):
        super().__init__(*args, **kw)
        self.fields["driver_id"].choices = [("", _("Välj"))] + [
            (str(u.pk), u.get_full_name() or u.get_username()) for u in people]


class StopAddForm(forms.Form):
    order_id = forms.ChoiceField(label=_("Order"))

    def __init__(self, *args, choices=(), label=None, prefix=None, **kw):
        super().__init__(*args, prefix=prefix, **kw)
        self.fields["order_id"].choices = [("", _("Välj"))] + list(choices)
        if label:
            self.fields["order_id"].label = label


class DeliverForm(forms.Form):
    receiver_name = forms.CharField(label=_("Mottagarens namn"), max_length=120)
    signature = forms.CharField(widget=forms.HiddenInput, required=False)


class PickupDoneForm(DeliverForm):
    pickup_note = forms.CharField(label=_("Kommentar om det som inte hämtades"), max_length=500, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Krävs när orsaken är Annat."))


# What the driver marks per device at a pickup (a partial pickup: the ones not collected, why).
PICK_CHOICES = [("collected", _("Hämtad")), ("not_there", _("Inte hämtad – finns inte på plats")),
                ("kept", _("Inte hämtad – patienten behåller")), ("other", _("Inte hämtad – annat (skriv i kommentaren)"))]
MAX_PICK_LINES = 50


def picks_from_post(post) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """(collected serials, {serial: reason} not collected, {serial: what was marked}) from the
    driver's per-device radios `pick-<i>` (with the serial in `pick-<i>-serial`)."""
    collected, left, marked = [], {}, {}
    for i in range(1, MAX_PICK_LINES + 1):
        serial = post.get(f"pick-{i}-serial")
        if serial is None:
            break
        state = post.get(f"pick-{i}", "")
        marked[serial] = state
        if state == "collected":
            collected.append(serial)
        elif state:
            left[serial] = state
    return collected, left, marked


class NobodyHomeForm(forms.Form):
    note = forms.CharField(label=_("Kommentar"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
