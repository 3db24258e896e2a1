"""Catalogue API: search articles and read one article."""
from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from access.decorators import api_perm
from access.roles import Perm
from core.errors import NotFound

from . import selectors
from .models import Article

router = Router()


class IsoClassOut(Schema):
    code: str = Field(description="ISO 9999-kod utan mellanslag, t.ex. 122203")
    title: str


class AvailabilityOut(Schema):
    qty_new: int
    qty_refurbished: int
    reuse_available: bool = Field(description="Återanvända (rekonditionerade) finns i lager")
    promised_weekdays: int = Field(description="Leveranslöfte i vardagar (7 lagerförd, 17 beställningsvara)")


class ArticleOut(Schema):
    article_number: str
    name: str
    kind: str = Field(description="H huvudhjälpmedel, T tillbehör, R reservdel, Tj tjänst")
    product_number: str
    product_name: str
    iso_class: IsoClassOut
    unit: str
    charging: str = Field(description="rent (hyra per månad) eller purchase (köp)")
    monthly_rent: Decimal | None
    purchase_price: Decimal | None
    is_tracked: bool
    serial_required: bool
    is_orderable: bool
    in_assortment: bool
    purchasing: str
    lead_time_days: int | None
    availability: AvailabilityOut


class MediaOut(Schema):
    kind: str
    url: str
    title: str


class ArticleRefOut(Schema):
    article_number: str
    name: str
    kind: str


class ArticleDetailOut(ArticleOut):
    supplier_name: str | None
    supplier_article_number: str
    gtin: str
    inspection_interval_months: int | None
    replaced_by: str | None
    accessories: list[ArticleRefOut]
    spare_parts: list[ArticleRefOut]
    alternatives: list[ArticleRefOut]
    media: list[MediaOut]


class ArticlePageOut(Schema):
    count: int = Field(description="Antal träffar, räknat upp till 1 000 (se count_capped)")
    count_capped: bool = Field(description="Fler träffar än count finns; förfina sökningen")
    page: int
    page_size: int
    items: list[ArticleOut]


class SearchParams(Schema):
    q: str = Field("", max_length=100, description="Fritext: benämning, artikelnummer, ISO-kod …")
    iso: str | None = Field(None, max_length=8, description="ISO-kod (prefix), t.ex. 1222")
    kind: Article.Kind | None = None
    available: bool = Field(False, description="Endast artiklar i lager nu")
    in_assortment: bool | None = None
    orderable: bool | None = None
    page: int = Field(1, ge=1, le=10000)
    page_size: int = Field(25, ge=1, le=selectors.MAX_PAGE_SIZE)


def _article_out(a: Article) -> dict:
    new, refurbished = selectors.availability(a)
    iso = a.product.iso_class
    return {
        "article_number": a.article_number, "name": a.name, "kind": a.kind,
        "product_number": a.product.product_number, "product_name": a.product.name,
        "iso_class": {"code": iso.code, "title": iso.title}, "unit": a.unit, "charging": a.charging,
        "monthly_rent": a.monthly_rent, "purchase_price": a.purchase_price, "is_tracked": a.is_tracked,
        "serial_required": a.serial_required, "is_orderable": a.is_orderable, "in_assortment": a.in_assortment,
        "purchasing": a.purchasing, "lead_time_days": a.lead_time_days,
        "availability": {"qty_new": new, "qty_refurbished": refurbished, "reuse_available": refurbished > 0,
                         "promised_weekdays": selectors.promised_weekdays(a)},
    }


def _ref(a: Article) -> dict:
    return {"article_number": a.article_number, "name": a.name, "kind": a.kind}


@router.get("/articles", response=ArticlePageOut, summary="Sök artiklar i katalogen")
@api_perm(Perm.CATALOGUE_VIEW)
def articles_list(request, params: Query[SearchParams]):
    principal = request.auth
    result = selectors.article_search(
        params.q, iso=params.iso, kind=params.kind, available=params.available,
        in_assortment=params.in_assortment, orderable=params.orderable,
        published_only=not principal.has_perm(Perm.CATALOGUE_MANAGE), page=params.page, page_size=params.page_size)
    return {"count": result.total, "count_capped": result.total_capped, "page": result.page, "page_size": result.page_size,
            "items": [_article_out(a) for a in result.articles]}


@router.get("/articles/{article_number}", response=ArticleDetailOut, summary="En artikel med tillbehör och media")
@api_perm(Perm.CATALOGUE_VIEW)
def article_get(request, article_number: str):
    principal = request.auth
    if len(article_number) > 35:
        raise NotFound(_("Artikeln %(article_number)s finns inte.") % {"article_number": article_number})
    d = selectors.article_detail(article_number, published_only=not principal.has_perm(Perm.CATALOGUE_MANAGE))
    a = d.article
    supplier = a.supplier or a.product.supplier
    return {
        **_article_out(a),
        "supplier_name": supplier.name if supplier else None,
        "supplier_article_number": a.supplier_article_number, "gtin": a.gtin,
        "inspection_interval_months": a.inspection_interval_months,
        "replaced_by": a.replaced_by.article_number if a.replaced_by else None,
        "accessories": [_ref(x) for x in d.accessories], "spare_parts": [_ref(x) for x in d.spare_parts],
        "alternatives": [_ref(x) for x in d.alternatives],
        "media": [{"kind": m.kind, "url": m.url, "title": m.title} for m in d.images + d.documents],
    }
