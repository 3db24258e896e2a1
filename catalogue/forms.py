from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Article


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Sök hjälpmedel"), required=False, max_length=100,
                        help_text=_("Benämning, artikelnummer, leverantörens artikelnummer, ISO-kod eller -benämning"))
    iso = forms.CharField(label=_("ISO-klass / produktområde"), required=False, max_length=8)
    kind = forms.ChoiceField(label=_("Artikeltyp"), required=False,
                             choices=[("", _("Alla"))] + list(Article.Kind.choices))
    in_assortment = forms.BooleanField(label=_("Endast i sortiment"), required=False)
    orderable = forms.BooleanField(label=_("Endast beställningsbara"), required=False)
    available = forms.BooleanField(label=_("Endast i lager nu"), required=False)
    sort = forms.ChoiceField(label=_("Sortera"), required=False, choices=[
        ("", _("Relevans och namn")), ("price", _("Pris (lägst först)")), ("lead_time", _("Leveranstid (kortast först)"))])
    page = forms.IntegerField(required=False, min_value=1, max_value=10000, widget=forms.HiddenInput)

    def clean_iso(self):
        value = "".join((self.cleaned_data.get("iso") or "").split())
        if value and (not value.isdigit() or len(value) not in (2, 4, 6)):
            raise forms.ValidationError(_("Ange en ISO-kod med 2, 4 eller 6 siffror, t.ex. 12 22."))
        return value

    def has_criteria(self) -> bool:
        d = self.cleaned_data
        return any(d.get(k) for k in ("q", "iso", "kind", "in_assortment", "orderable", "available"))


class ArticleAdminForm(forms.ModelForm):
    price_valid_from = forms.DateField(
        label=_("Nytt pris gäller från"), required=False,
        help_text=_("Ändrar du hyra eller pris sparas det som en ny prisperiod från detta datum (standard: i dag); "
                    "tidigare priser finns kvar i prishistoriken."))

    class Meta:
        model = Article
        fields = "__all__"

    def clean(self):
        from django.utils import timezone

        data = super().clean()
        if not data.get("price_valid_from"):
            data["price_valid_from"] = timezone.localdate()
        for name in ("monthly_rent", "purchase_price"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Får inte vara negativt."))
        if data.get("gtin"):
            from stdnum import ean
            from stdnum.exceptions import ValidationError as StdnumError

            try:
                data["gtin"] = ean.validate(data["gtin"])
            except StdnumError:
                self.add_error("gtin", _("Ogiltigt GTIN (kontrollsiffran stämmer inte)."))
        if data.get("serial_required") and not data.get("is_tracked"):
            self.add_error("serial_required", _("Serienummer kan bara krävas för individmärkta artiklar."))
        return data
