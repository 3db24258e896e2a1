"""Forms of the supply admin's buffer-store pages. They parse types only; the services check."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class IdPrefixForm(forms.Form):
    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class StoreForm(IdPrefixForm):
    id_prefix = "store"
    name = forms.CharField(label=_("Förrådets namn"), max_length=200)
    unit = forms.ChoiceField(label=_("Kundens enhet"), help_text=_("Enheten där förrådet finns."))
    code = forms.CharField(label=_("Kod"), max_length=30, required=False,
                           help_text=_("Lämna tomt för nästa lediga kod (BUF-0001 …)."))

    def __init__(self, *args, units=(), **kw):
        super().__init__(*args, **kw)
        self.fields["unit"].choices = [("", _("Välj …"))] + [(u.pk, f"{u.organisation.name} – {u.name}")
                                                             for u in units]


class RuleForm(IdPrefixForm):
    id_prefix = "rule"
    article_number = forms.CharField(label=_("Artikelnummer"), max_length=35)
    safety_level = forms.IntegerField(label=_("Säkerhetsnivå"), min_value=0, max_value=100000)
    refill_level = forms.IntegerField(label=_("Påfyllnadsnivå"), min_value=0, max_value=100000,
                                      help_text=_("Högre än säkerhetsnivån."))
    automatic = forms.BooleanField(label=_("Automatisk påfyllnad"), required=False, initial=True)


class RuleUploadForm(IdPrefixForm):
    id_prefix = "upload"
    file = forms.FileField(label=_("Fil (.xlsx eller .csv)"),
                           help_text=_("Kolumner: förråd, artikelnummer, säkerhetsnivå, påfyllnadsnivå, "
                                       "automatisk (ja/nej). Alla rader kontrolleras; inget sparas om någon rad "
                                       "är fel."))
