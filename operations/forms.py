from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from access.roles import Role

from .models import REQUESTABLE_ROLES, AffectedPart, NoticeKind, SupportCategory

DT_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Typ"), choices=NoticeKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Rubrik"), max_length=200)
    text = forms.CharField(label=_("Text"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    starts_at = forms.DateTimeField(label=_("Från"), required=False, widget=DT_INPUT,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                    help_text=_("Tomt: från nu."))
    ends_at = forms.DateTimeField(label=_("Till (beräknat)"), required=False, widget=DT_INPUT,
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                  help_text=_("Tomt: tills vidare."))
    affected = forms.MultipleChoiceField(label=_("Berörda delar"), choices=AffectedPart.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)


class SubscriptionForm(forms.Form):
    subscribed = forms.BooleanField(label=_("Skicka driftinformation till min e-post"), required=False)


class AccessRequestForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Enhet"), coerce=int, widget=forms.RadioSelect, choices=())
    role = forms.ChoiceField(label=_("Roll"), choices=[("", _("Välj roll"))] + [(r.value, r.label)
                                                                                  for r in REQUESTABLE_ROLES])
    reason = forms.CharField(label=_("Motivering"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Varför behöver du rollen? Minst 10 tecken."))
    manager_email = forms.EmailField(label=_("Din chefs e-postadress"), max_length=254)
    first_name = forms.CharField(label=_("Förnamn"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Efternamn"), max_length=150, required=False)
    email = forms.EmailField(label=_("Din e-postadress"), max_length=254, required=False)
    hsa_id = forms.CharField(label=_("Ditt HSA-id (om du har SITHS-kort)"), max_length=44, required=False)
    # Left empty by people; bots fill every field.
    website = forms.CharField(label=_("Lämna tomt"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    def __init__(self, *args, units=(), anonymous: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{u.name} ({u.hsa_id}), {u.organisation.name}") for u in units]
        if not anonymous:
            for name in ("first_name", "last_name", "email", "hsa_id"):
                del self.fields[name]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Beslut"), choices=[("approve", _("Godkänn")), ("reject", _("Avslå"))],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Motivering (krävs vid avslag)"), max_length=1000, required=False)


class ActivateForm(forms.Form):
    new_password1 = forms.CharField(label=_("Nytt lösenord"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False, help_text=_("Minst 10 tecken."))
    new_password2 = forms.CharField(label=_("Upprepa lösenordet"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False)


class SupportCaseForm(forms.Form):
    category = forms.ChoiceField(label=_("Kategori"), choices=SupportCategory.choices, widget=forms.RadioSelect)
    subject = forms.CharField(label=_("Rubrik"), max_length=200)
    text = forms.CharField(label=_("Beskriv vad som hände"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    order_number = forms.CharField(label=_("Ordernummer (om ärendet gäller en order)"), max_length=16, required=False)
    screenshot = forms.FileField(label=_("Skärmbild (PNG eller JPEG, valfri)"), required=False)
    page_url = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)


class SupportReplyForm(forms.Form):
    text = forms.CharField(label=_("Meddelande"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    screenshot = forms.FileField(label=_("Skärmbild (valfri)"), required=False)


class LateEntryForm(forms.Form):
    """The paper order of the fallback routine, typed in afterwards (ordering.flows.fallback)."""

    paper_at = forms.DateTimeField(label=_("Datum och klockslag på blanketten"), widget=DT_INPUT,
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                   help_text=_("Tiden som står på pappret, inte nu. Högst 30 dagar bakåt."))
    signed_by = forms.CharField(label=_("Undertecknad av (namnförtydligande)"), max_length=200)
    orderer = forms.CharField(label=_("Undertecknarens användarnamn eller HSA-id i Lyfta (valfritt)"), max_length=150,
                              required=False, help_text=_("Då blir hen beställare och får orderns meddelanden."))
    unit_hsa_id = forms.CharField(label=_("Beställande enhetens HSA-id"), max_length=44)
    kind = forms.ChoiceField(label=_("Beställningen gäller"), widget=forms.RadioSelect,
                             choices=[("to_patient", _("En patient")), ("to_unit", _("Enheten (leveranspunkt)"))],
                             initial="to_patient")
    patient_identity = forms.CharField(label=_("Patientens personnummer eller reservnummer"), max_length=20,
                                       required=False)
    lines = forms.CharField(label=_("Artiklar"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("En rad per artikel: artikelnummer och antal, t.ex. 123456 2."))
    priority = forms.ChoiceField(label=_("Prioritet"), widget=forms.RadioSelect, initial="urgent",
                                 choices=[("normal", _("Normal")), ("urgent", _("Akut"))])
    contact_name = forms.CharField(label=_("Kontaktperson"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Telefon"), max_length=30, required=False)
    note = forms.CharField(label=_("Meddelande till HMC"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    scan = forms.FileField(label=_("Inskannad blankett (PDF, PNG eller JPEG)"))


__all__ = ["Role"]
