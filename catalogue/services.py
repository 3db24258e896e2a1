"""Every write to the catalogue. Availability (`ArticleAvailability`) is not written here: the
stock context owns it."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import ValidationFailed

from . import importer, pricing
from .models import Article, ArticlePrice, PriceList
from .writer import reindex_articles


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def catalogue_import(path: str, *, actor=None, today: dt.date | None = None,
                     source: str = "import") -> importer.ImportResult:
    """Import an exchange file (docs/catalogue-format.md). Validates the whole file first;
    any error raises `importer.ImportFailed` and nothing is written. Writing happens in one
    transaction; one audit row records the file, its checksum and the counts."""
    today = today or timezone.localdate()
    importer.validate_file(path)
    with transaction.atomic():
        result = importer.write_file(path, today=today, source=source)
        audit_record(actor, "catalogue.import", data={
            "file": os.path.basename(path), "sha256": _sha256(path), "lines": result.lines,
            "counts": result.counts, "prices_changed": result.prices_changed,
        }, object_type="catalogue.import", object_id=os.path.basename(path)[:100])
        # The writer saves in bulk (no signals): articles' and products' prescribing rules may have changed.
        from .prescribing import PRESCRIBING_RULES

        PRESCRIBING_RULES.invalidate()
    return result


def price_set(article: Article, *, monthly_rent: Decimal | None, purchase_price: Decimal | None,
              valid_from: dt.date, price_list: PriceList | None = None, actor=None, source: str = "admin",
              today: dt.date | None = None) -> ArticlePrice | None:
    """Give an article a price from `valid_from`. Keeps history (see `catalogue.pricing`) and
    updates the denormalised current price on the article. Returns the new row, or None when
    the price was unchanged."""
    today = today or timezone.localdate()
    for name, value in (("monthly_rent", monthly_rent), ("purchase_price", purchase_price)):
        if value is not None and value < 0:
            raise ValidationFailed(_("Priset får inte vara negativt."), errors={name: [_("Får inte vara negativt.")]})
    if article.charging == Article.Charging.RENT and monthly_rent is None:
        raise ValidationFailed(_("Hyra per månad saknas."), errors={"monthly_rent": [_("Krävs för en hyresartikel.")]})
    if article.charging == Article.Charging.PURCHASE and purchase_price is None:
        raise ValidationFailed(_("Pris saknas."), errors={"purchase_price": [_("Krävs för en köpartikel.")]})
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        rows = list(ArticlePrice.objects.filter(article=locked).order_by("valid_from", "pk"))
        new = ArticlePrice(article=locked, charging=locked.charging, price_list=price_list,
                           monthly_rent=monthly_rent, purchase_price=purchase_price, valid_from=valid_from,
                           source=source)
        creates, updates = pricing.plan(rows, new, timezone.now())
        if not creates:
            return None
        for row in updates:
            row.save(update_fields=["valid_to", "replaced_at", "updated_at"])
        new.save()
        _refresh_current(locked, rows, today)
        article.monthly_rent, article.purchase_price = locked.monthly_rent, locked.purchase_price
        audit_record(actor, "catalogue.price_set", locked, {
            "monthly_rent": str(monthly_rent) if monthly_rent is not None else None,
            "purchase_price": str(purchase_price) if purchase_price is not None else None,
            "valid_from": valid_from.isoformat(), "source": source,
        })
    return new


def _refresh_current(article: Article, rows: list[ArticlePrice], today: dt.date) -> bool:
    cur = pricing.current(rows, today)
    rent, price = (cur.monthly_rent, cur.purchase_price) if cur else (None, None)
    if (article.monthly_rent, article.purchase_price) != (rent, price):
        article.monthly_rent, article.purchase_price = rent, price
        article.save(update_fields=["monthly_rent", "purchase_price", "updated_at"])
        return True
    return False


def prices_refresh_current(today: dt.date | None = None) -> int:
    """Daily: copy the price valid today onto articles whose price period changed (a future-
    dated price came into force). Returns the number of articles updated."""
    today = today or timezone.localdate()
    changed = 0
    starting = ArticlePrice.objects.filter(replaced_at__isnull=True, valid_from__lte=today,
                                           valid_from__gte=today - dt.timedelta(days=7))
    ending = ArticlePrice.objects.filter(replaced_at__isnull=True, valid_to__lt=today,
                                         valid_to__gte=today - dt.timedelta(days=7))
    ids = set(starting.values_list("article_id", flat=True)) | set(ending.values_list("article_id", flat=True))
    for article_id in sorted(ids):
        with transaction.atomic():
            article = Article.objects.select_for_update().get(pk=article_id)
            rows = list(ArticlePrice.objects.filter(article=article))
            changed += _refresh_current(article, rows, today)
    return changed


def article_reindex(article: Article) -> None:
    """Recompute the search text of one article (after an admin edit)."""
    reindex_articles(Article.objects.filter(pk=article.pk))


def articles_reindex_for_product(product_id: int) -> None:
    reindex_articles(Article.objects.filter(product_id=product_id))


def articles_reindex_for_supplier(supplier_id: int) -> None:
    from django.db.models import Q

    reindex_articles(Article.objects.filter(Q(supplier_id=supplier_id) | Q(product__supplier_id=supplier_id)))


def reindex_all_articles() -> None:
    reindex_articles(Article.objects.all())



def media_picture_add(product, content: bytes, *, title: str = "", actor=None, position: int = 0):
    """Store a product picture (PNG, JPEG or WebP; checked by `catalogue.pictures`) and its
    thumbnail in the media storage and list it as the product's image (served by
    `catalogue:picture`). The actor needs `catalogue.manage` (None: the system, e.g. the demo
    data). The file names carry the content's hash, so the same picture twice is one file."""
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from access.roles import Perm

    from . import pictures
    from .models import Media

    if actor is not None:
        actor.require(Perm.CATALOGUE_MANAGE)
    title = (title or "").strip()[:200] or f"Bild {product.name}"[:200]
    image, ext = pictures.picture_check(content)
    thumb, thumb_ext = pictures.thumbnail_of(image, ext)
    stem = f"{product.product_number}-{hashlib.sha256(content).hexdigest()[:12]}"
    with transaction.atomic():
        media = Media(product=product, kind=Media.Kind.IMAGE, title=title, position=position, url="")
        media.picture.save(f"{stem}.{ext}", ContentFile(content), save=False)
        media.thumbnail.save(f"{stem}-thumb.{thumb_ext}", ContentFile(thumb), save=False)
        media.save()
        media.url = reverse("catalogue:picture", args=[media.pk, "bild"])
        media.save(update_fields=["url"])
        audit_record(actor, "catalogue.media_picture_add", media,
                     {"product": product.product_number, "bytes": len(content), "format": ext})
    return media
