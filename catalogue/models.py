"""The catalogue: ISO 9999 classes, suppliers, products, articles, prices, media, fits.

Prices: the `ArticlePrice` row valid today is the truth. `Article.monthly_rent` and
`Article.purchase_price` are a denormalised copy of the current price, written only by
`catalogue.services.price_set` (used by the import and by the admin), so lists and the
ordering/invoicing contexts can read the price without a join.

Availability: `ArticleAvailability` is written only by the stock context; the catalogue reads it.
A missing row means nothing in stock.
"""
from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def format_iso_code(code: str) -> str:
    """'122206' -> '12 22 06'."""
    return " ".join(code[i:i + 2] for i in range(0, len(code), 2))


class PrescribingLevel(models.TextChoices):
    """Who may prescribe (förskrivningsnivå). "" on an article: as its ISO class says."""

    INHERIT = "", _("Enligt ISO-klass")
    OPEN = "open", _("Öppen för alla förskrivare")
    COMPETENCE = "competence", _("Kräver namngiven kompetens")
    CONSULTATION = "consultation", _("Kräver konsultation med HMC")


class LoanType(models.TextChoices):
    PERMANENT = "permanent", _("Tillsvidare")
    TIME_LIMITED = "time_limited", _("Tidsbegränsat (återlämningsdatum)")
    SHORT_TERM = "short_term", _("Korttidslån")
    TRIAL = "trial", _("Utprovning")


class PrescribingRuleFields(models.Model):
    """The prescribing rule an article or an ISO class carries. `prescribing_version` counts
    changes (`catalogue.services.prescribing_rule_set`); a decision stored with an order names it."""

    prescribing_level = models.CharField(_("förskrivningsnivå"), max_length=20, choices=PrescribingLevel.choices,
                                         default="", blank=True)
    required_competence = models.ForeignKey("access.Competence", null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name=_("kompetens som krävs"))
    special_request_allowed = models.BooleanField(
        _("särskilt beslut utan kompetens"), default=False,
        help_text=_("Utan kompetensen blir ordern ett särskilt beslut i stället för att nekas."))
    prescribing_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


class IsoClass(PrescribingRuleFields, TimeStampedModel):
    """ISO 9999 class: level 1 (class, 2 digits), 2 (subclass, 4), 3 (division, 6)."""

    code = models.CharField(_("kod"), max_length=6, unique=True)  # digits only, e.g. "122206"
    title = models.CharField(_("benämning"), max_length=200)
    level = models.PositiveSmallIntegerField(_("nivå"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("ISO-klass")
        verbose_name_plural = _("ISO-klasser")

    def __str__(self) -> str:
        return f"{self.display_code} {self.title}"

    @property
    def display_code(self) -> str:
        return format_iso_code(self.code)


class Supplier(TimeStampedModel):
    code = models.CharField(_("leverantörskod"), max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    org_number = models.CharField(_("organisationsnummer"), max_length=20, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("leverantör")
        verbose_name_plural = _("leverantörer")

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    product_number = models.CharField(_("produktnummer"), max_length=35, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    iso_class = models.ForeignKey(IsoClass, on_delete=models.PROTECT, related_name="products",
                                  verbose_name=_("ISO-klass"))
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="products",
                                 verbose_name=_("leverantör"))
    description = models.TextField(_("beskrivning"), blank=True)
    is_published = models.BooleanField(_("publicerad"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("produkt")
        verbose_name_plural = _("produkter")

    def __str__(self) -> str:
        return f"{self.product_number} {self.name}"


class Article(PrescribingRuleFields, TimeStampedModel):
    """An orderable article. NB (SQLite): a migration that rebuilds this table drops the FTS
    triggers; end it with `catalogue.search_sql.sqlite_restore_article_triggers`."""

    class Kind(models.TextChoices):
        MAIN = "H", _("Huvudhjälpmedel")
        ACCESSORY = "T", _("Tillbehör")
        SPARE_PART = "R", _("Reservdel")
        SERVICE = "Tj", _("Tjänst")

    class Charging(models.TextChoices):
        RENT = "rent", _("Hyra per månad")
        PURCHASE = "purchase", _("Köp")

    class Purchasing(models.TextChoices):
        STOCKED = "stocked", _("Lagerförd")
        ON_DEMAND = "on_demand", _("Beställningsvara")

    article_number = models.CharField(_("artikelnummer"), max_length=35, unique=True)
    name = models.CharField(_("benämning"), max_length=200)
    kind = models.CharField(_("artikeltyp"), max_length=2, choices=Kind.choices)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="articles",
                                verbose_name=_("produkt"))
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="articles",
                                 verbose_name=_("leverantör"))
    supplier_article_number = models.CharField(_("leverantörens artikelnummer"), max_length=60, blank=True)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    unit = models.CharField(_("enhet"), max_length=10, default="st")
    charging = models.CharField(_("debiteringsform"), max_length=10, choices=Charging.choices,
                                default=Charging.PURCHASE)
    # Denormalised current price (see module docstring); written by services.price_set only.
    monthly_rent = models.DecimalField(_("hyra per månad"), max_digits=12, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    purchase_price = models.DecimalField(_("pris"), max_digits=12, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    is_published = models.BooleanField(_("publicerad"), default=True)
    is_orderable = models.BooleanField(_("beställningsbar"), default=True)
    in_assortment = models.BooleanField(_("i sortiment"), default=True)
    can_be_component = models.BooleanField(_("kan ingå som komponent"), default=False)
    is_tracked = models.BooleanField(_("individmärkt"), default=False)
    serial_required = models.BooleanField(_("serienummer krävs"), default=False)
    purchasing = models.CharField(_("anskaffning"), max_length=10, choices=Purchasing.choices,
                                  default=Purchasing.STOCKED)
    lead_time_days = models.PositiveSmallIntegerField(_("ledtid (vardagar)"), null=True, blank=True)
    # What tells this article apart from the product's other variants ("sittbredd 44 cm", "längd
    # 210 cm"); the catalogue lists one row per product with the variants as a choice.
    variant_label = models.CharField(_("variant"), max_length=100, blank=True, default="", db_default="")
    inspection_interval_months = models.PositiveSmallIntegerField(_("besiktningsintervall (månader)"), null=True,
                                                                  blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces",
                                    verbose_name=_("ersätts av"))
    alternatives = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name=_("alternativ"))
    # The loan type an order line of this article gets unless the prescriber chooses another.
    default_loan_type = models.CharField(_("låneform (förval)"), max_length=20, choices=LoanType.choices,
                                         default=LoanType.PERMANENT)
    # Accessories (kind T) and spare parts (kind R) that fit this (main) article.
    accessories = models.ManyToManyField("self", through="ArticleFit", through_fields=("main", "part"),
                                         symmetrical=False, related_name="fits", blank=True)
    # Normalised words for search (lowercase letters/digits separated by single spaces), kept by services.
    search_text = models.TextField(editable=False, default="")
    name_norm = models.CharField(max_length=200, editable=False, default="", db_index=True)
    # is_published and the product's is_published, kept by services (search filters on one column).
    is_listed = models.BooleanField(default=True, editable=False)
    # PostgreSQL only: to_tsvector('simple', search_text), kept by a database trigger (migration 0006),
    # GIN-indexed. Unused (NULL) on SQLite, which searches through its FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["name", "article_number"]
        verbose_name = _("artikel")
        verbose_name_plural = _("artiklar")
        indexes = [
            models.Index(fields=["kind", "in_assortment"], name="cat_article_kind_assort"),
            # Search results are listed by name within each rank: walk this index in order.
            models.Index(fields=["name_norm", "article_number"], name="cat_article_name_order"),
        ]

    def __str__(self) -> str:
        return f"{self.article_number} {self.name}"

    @property
    def current_price(self):
        return self.monthly_rent if self.charging == self.Charging.RENT else self.purchase_price

    @property
    def variant_name(self) -> str:
        """The variant in words: its label, else its name without the product's name in front
        ("Rullstol Aktiv, sittbredd 44 cm" → "sittbredd 44 cm"), else its name."""
        if self.variant_label:
            return self.variant_label
        product_name = self.product.name if self.product_id else ""
        if product_name and self.name.startswith(product_name) and self.name[len(product_name):].strip(" ,–-"):
            return self.name[len(product_name):].strip(" ,–-")
        return self.name


class ArticleFit(models.Model):
    """An accessory or spare part (`part`) fits a main device (`main`)."""

    main = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="fit_parts")
    part = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="fit_mains")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["main", "part"], name="uniq_article_fit")]
        verbose_name = _("passar till")
        verbose_name_plural = _("passar till")

    def __str__(self) -> str:
        return f"{self.part_id} → {self.main_id}"


class ArticleAvailability(models.Model):
    """Quantities in stock, one row per article. Written ONLY by the stock context."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True, related_name="availability")
    qty_new = models.IntegerField(default=0)
    qty_refurbished = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tillgänglighet")
        verbose_name_plural = _("tillgänglighet")

    def __str__(self) -> str:
        return f"{self.article_id}: {self.qty_new} nya, {self.qty_refurbished} återanvända"


class PriceList(TimeStampedModel):
    """A price list's terms (markup, special-request rent, service rates, fees) for its validity
    period. The list valid on a day is the one with the latest `valid_from` covering it
    (`catalogue.selectors.price_terms_on`); its terms are applied by `catalogue.pricing`, the one
    place that computes a charge (the draft's estimate and the invoice basis both use it)."""

    code = models.CharField(_("kod"), max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=200)
    valid_from = models.DateField(_("giltig från"))
    valid_to = models.DateField(_("giltig till"), null=True, blank=True)
    markup_percent = models.DecimalField(_("påslag på köp (%)"), max_digits=6, decimal_places=2, default=0,
                                         validators=[MinValueValidator(0)])
    special_rent_percent = models.DecimalField(_("hyra för särskilt beslut (% av inköpspris per månad)"),
                                               max_digits=6, decimal_places=2, default=0,
                                               validators=[MinValueValidator(0)])
    hourly_rate = models.DecimalField(_("timpris"), max_digits=10, decimal_places=2, default=0,
                                      validators=[MinValueValidator(0)])
    urgent_hourly_rate = models.DecimalField(_("timpris akut"), max_digits=10, decimal_places=2, default=0,
                                             validators=[MinValueValidator(0)])
    urgent_delivery_fee = models.DecimalField(_("avgift akut leverans"), max_digits=10, decimal_places=2,
                                              default=0, validators=[MinValueValidator(0)])
    failed_delivery_fee = models.DecimalField(_("avgift bomkörning"), max_digits=10, decimal_places=2,
                                              default=0, validators=[MinValueValidator(0)])
    rent_buffer_store_devices = models.BooleanField(_("hyra för individer i buffertförråd"), default=False)

    class Meta:
        ordering = ["-valid_from", "code"]
        verbose_name = _("prislista")
        verbose_name_plural = _("prislistor")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ArticlePrice(TimeStampedModel):
    """One price period of an article. History is kept: a new price closes the previous period."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="prices")
    price_list = models.ForeignKey(PriceList, null=True, blank=True, on_delete=models.PROTECT, related_name="prices")
    charging = models.CharField(max_length=10, choices=Article.Charging.choices)
    monthly_rent = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    purchase_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    valid_from = models.DateField(_("giltig från"))
    valid_to = models.DateField(_("giltig till"), null=True, blank=True)
    source = models.CharField(max_length=40, blank=True)  # "import", "admin", "demo"
    # A correction of the same period replaces the row instead of rewriting it (history is kept).
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article_id", "-valid_from"]
        indexes = [models.Index(fields=["article", "valid_from"], name="cat_price_article_from")]
        verbose_name = _("pris")
        verbose_name_plural = _("prishistorik")

    def __str__(self) -> str:
        return f"{self.article_id} {self.valid_from}–{self.valid_to or ''}"


class Media(TimeStampedModel):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Bild")
        IFU = "ifu", _("Bruksanvisning")
        DOCUMENT = "document", _("Dokument")
        VIDEO = "video", _("Film")

    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="media")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices)
    url = models.CharField(_("adress eller filreferens"), max_length=500)
    title = models.CharField(_("titel"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    # A picture stored by Lyfta (catalogue.pictures): the full picture and a small thumbnail in the
    # media storage, served by `catalogue:picture`. Empty for pictures that are only a link.
    picture = models.ImageField(_("bild"), upload_to="catalogue/pictures/", blank=True, default="", db_default="")
    thumbnail = models.ImageField(_("miniatyrbild"), upload_to="catalogue/thumbs/", blank=True, default="",
                                  db_default="")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("media")
        verbose_name_plural = _("media")

    def __str__(self) -> str:
        return self.title


class SearchTerm(models.Model):
    """Vocabulary of alphabetic words occurring in the catalogue, used for typo tolerance."""

    word = models.CharField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.word
