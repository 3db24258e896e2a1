"""Assortment managers maintain the catalogue in the Lyfta admin (audited by AuditedModelAdmin).
Prices go through `services.price_set`, so the admin keeps price history like the import."""
from django.contrib import admin, messages

from access.admin_site import AuditedModelAdmin, site
from access.roles import Perm
from core.errors import DomainError

from . import services
from .models import Article, ArticleFit, ArticlePrice, IsoClass, Media, PriceList, Product, Supplier


class CatalogueAdmin(AuditedModelAdmin):
    required_perm = Perm.CATALOGUE_MANAGE


PRESCRIBING_FIELDS = ("prescribing_level", "required_competence", "special_request_allowed")


def _count_prescribing_version(obj, form) -> None:
    """A changed prescribing rule gets the next version (decisions stored with orders name it)."""
    if any(f in form.changed_data for f in PRESCRIBING_FIELDS):
        obj.prescribing_version = (obj.prescribing_version or 0) + 1


@admin.register(IsoClass, site=site)
class IsoClassAdmin(CatalogueAdmin):
    list_display = ("code", "title", "level")
    search_fields = ("code", "title")

    def save_model(self, request, obj, form, change):
        obj.level = len(obj.code) // 2
        _count_prescribing_version(obj, form)
        super().save_model(request, obj, form, change)
        if change:
            services.reindex_all_articles()


@admin.register(Supplier, site=site)
class SupplierAdmin(CatalogueAdmin):
    list_display = ("code", "name", "org_number")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.articles_reindex_for_supplier(obj.pk)


class MediaInline(admin.TabularInline):
    model = Media
    extra = 0
    fields = ("kind", "title", "url", "position")


@admin.register(Product, site=site)
class ProductAdmin(CatalogueAdmin):
    list_display = ("product_number", "name", "iso_class", "supplier", "is_published")
    list_filter = ("is_published",)
    search_fields = ("product_number", "name")
    raw_id_fields = ("iso_class", "supplier")
    inlines = [MediaInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.articles_reindex_for_product(obj.pk)


class FitInline(admin.TabularInline):
    model = ArticleFit
    fk_name = "main"
    extra = 0
    raw_id_fields = ("part",)
    verbose_name = "tillbehör/reservdel som passar"
    verbose_name_plural = "tillbehör och reservdelar som passar"


class PriceInline(admin.TabularInline):
    """Price history, read-only: a new price is entered in the fields of the article form."""

    model = ArticlePrice
    extra = 0
    can_delete = False
    fields = ("valid_from", "valid_to", "monthly_rent", "purchase_price", "price_list", "source", "replaced_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article, site=site)
class ArticleAdmin(CatalogueAdmin):
    list_display = ("article_number", "name", "kind", "charging", "monthly_rent", "purchase_price", "in_assortment",
                    "is_orderable", "is_published")
    list_filter = ("kind", "charging", "in_assortment", "is_orderable", "is_published", "is_tracked", "purchasing")
    search_fields = ("article_number", "name", "supplier_article_number")
    raw_id_fields = ("product", "supplier", "replaced_by", "alternatives")
    inlines = [FitInline, PriceInline]

    def get_form(self, request, obj=None, **kwargs):
        from .forms import ArticleAdminForm

        kwargs["form"] = ArticleAdminForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        # The price fields are not saved directly: price_set records a new price period.
        new_rent = form.cleaned_data.get("monthly_rent")
        new_price = form.cleaned_data.get("purchase_price")
        valid_from = form.cleaned_data.get("price_valid_from")
        if change:
            old = Article.objects.get(pk=obj.pk)
            obj.monthly_rent, obj.purchase_price = old.monthly_rent, old.purchase_price
        else:
            obj.monthly_rent = obj.purchase_price = None
        _count_prescribing_version(obj, form)
        super().save_model(request, obj, form, change)
        services.article_reindex(obj)
        if (new_rent, new_price) != (obj.monthly_rent, obj.purchase_price) and (new_rent is not None
                                                                                 or new_price is not None):
            try:
                services.price_set(obj, monthly_rent=new_rent, purchase_price=new_price, valid_from=valid_from,
                                   actor=request.user, source="admin")
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)


@admin.register(PriceList, site=site)
class PriceListAdmin(CatalogueAdmin):
    list_display = ("code", "name", "valid_from", "valid_to")
