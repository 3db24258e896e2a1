from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Användarnamn"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Lösenord"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    otp_token = forms.CharField(
        label=_("Engångskod"), required=False, max_length=8,
        help_text=_("Sex siffror från din autentiseringsapp. Lämna tomt första gången du loggar in."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}),
    )


class TotpConfirmForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Engångskod från appen"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*",
                                      "autofocus": True}),
    )


class RoleAssignForm(forms.Form):
    username = forms.CharField(label=_("Användarnamn"), max_length=150)
    unit = forms.ModelChoiceField(label=_("Enhet"), queryset=None, empty_label=None)
    role = forms.ChoiceField(label=_("Roll"))

    def __init__(self, *args, units=None, **kwargs):
        from .roles import CUSTOMER_ROLES, Role

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in CUSTOMER_ROLES]


class CompetenceSetForm(forms.Form):
    username = forms.CharField(label=_("Användarnamn eller HSA-id"), max_length=150)
    competence = forms.ChoiceField(label=_("Kompetens"))
    valid_to = forms.DateField(label=_("Giltig till och med"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, competences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence"].choices = [(c.code, c.name) for c in competences]


class CompetenceImportForm(forms.Form):
    file = forms.FileField(label=_("Fil (.xlsx eller .csv)"),
                           help_text=_("Kolumner: Användare, Kompetens (kod), Giltig till (ÅÅÅÅ-MM-DD)."))
