from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed

from .identity import parse_identity_number
from .models import Patient
from .services import POSTAL_CODE_MESSAGE, normalise_postal_code

DETAIL_FIELDS = [
    "first_name", "last_name", "registered_street", "registered_postal_code", "registered_city",
    "stay_street", "stay_postal_code", "stay_city", "phone", "protected_identity", "contact_name", "contact_phone",
    "delivery_instructions",
]


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Personnummer eller namn"), max_length=100, required=False,
        help_text=_("Ange hela personnumret (ÅÅÅÅMMDD-NNNN) för att hitta en patient, eller sök på namn bland "
                    "din organisations patienter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class PatientDetailsForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = DETAIL_FIELDS
        widgets = {"delivery_instructions": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "first_name": {"required": _("Ange förnamn.")},
            "last_name": {"required": _("Ange efternamn.")},
        }
        help_texts = {
            "stay_street": _("Fyll i om patienten vistas på en annan adress än folkbokföringsadressen. Leveranser "
                             "går till vistelseadressen i första hand."),
            "protected_identity": _("Adressen visas då bara för Hjälpmedelscentralens personal som levererar."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("registered_postal_code", "stay_postal_code"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["phone"].widget.attrs["autocomplete"] = "off"

    def _clean_postal(self, name):
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        normalised = normalise_postal_code(value)
        if normalised is None:
            raise forms.ValidationError(gettext(POSTAL_CODE_MESSAGE))
        return normalised

    def clean_registered_postal_code(self):
        return self._clean_postal("registered_postal_code")

    def clean_stay_postal_code(self):
        return self._clean_postal("stay_postal_code")

    def clean(self):
        data = super().clean()
        stay = [data.get("stay_street"), data.get("stay_postal_code"), data.get("stay_city")]
        if any(stay) and not all(stay):
            raise forms.ValidationError(
                _("Fyll i hela vistelseadressen (gata, postnummer och ort) eller lämna den tom."))
        return data

    def add_domain_errors(self, exc: ValidationFailed) -> None:
        for name, messages in (exc.errors or {}).items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not exc.errors:
            self.add_error(None, exc.message)


class PatientCreateForm(PatientDetailsForm):
    identity_number = forms.CharField(
        label=_("Personnummer"), max_length=20,
        help_text=_("ÅÅÅÅMMDD-NNNN. Samordningsnummer (dag + 60) går också bra."),
        error_messages={"required": _("Ange personnummer.")},
    )
    is_reserve_number = forms.BooleanField(
        label=_("Reservnummer"), required=False,
        help_text=_("Kryssa i om numret är ett regionalt reservnummer (12 tecken som börjar med födelseåret)."),
    )
    customer = forms.ModelChoiceField(label=_("Ansvarig kund"), queryset=None, empty_label=None,
                                      error_messages={"required": _("Ange ansvarig kund."),
                                                      "invalid_choice": _("Välj en kund i listan.")})

    class Meta(PatientDetailsForm.Meta):
        fields = DETAIL_FIELDS

    field_order = ["identity_number", "is_reserve_number", "customer"]

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.order_fields(["identity_number", "is_reserve_number", "customer", *DETAIL_FIELDS])

    def clean_identity_number(self):
        raw = self.cleaned_data["identity_number"]
        try:
            parse_identity_number(raw, allow_reserve=bool(self.data.get(self.add_prefix("is_reserve_number"))))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None
        return raw


class CareRelationshipForm(forms.Form):
    identity_number = forms.CharField(label=_("Patientens personnummer"), max_length=20,
                                      help_text=_("ÅÅÅÅMMDD-NNNN"))
    reason = forms.ChoiceField(label=_("Skäl"), choices=[], widget=forms.RadioSelect)
    note = forms.CharField(label=_("Beskriv vårdrelationen"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("T.ex. vilken vård patienten får av er och varför ni behöver uppgifterna."))
    confirm = forms.BooleanField(label=_("Jag har en vårdrelation med patienten och förstår att åtkomsten loggas "
                                         "och granskas."))

    def __init__(self, *args, **kwargs):
        from .models import CareRelationship

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = CareRelationship.Reason.choices


class CareRelationshipAuditForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Kund"), queryset=None, required=False)
    user = forms.CharField(label=_("Användarnamn"), max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        from access.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Organisation.objects.exclude(
            kind=Organisation.Kind.SUPPLY_CENTRE).order_by("name")
