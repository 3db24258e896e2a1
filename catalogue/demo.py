"""Demo catalogue: about 600 articles across mobility, beds, lifts, hygiene, hearing, vision and
communication, generated in memory and loaded through the same import service as a real file.
Idempotent: a second load changes nothing (the import is an upsert and keeps prices)."""
import json
import os
import tempfile

from . import generator, services

DEMO_ARTICLES = 600


def _price_list():
    """The demo price list's terms (markup, special-request rent, rates, fees)."""
    import datetime as dt
    from decimal import Decimal

    from .models import PriceList

    PriceList.objects.get_or_create(code="DEMO", defaults={
        "name": "Prislista demo", "valid_from": dt.date(2020, 1, 1), "markup_percent": Decimal(8),
        "special_rent_percent": Decimal("2.5"), "hourly_rate": Decimal(650), "urgent_hourly_rate": Decimal(975),
        "urgent_delivery_fee": Decimal(450), "failed_delivery_fee": Decimal(350),
    })


def load():
    fd, path = tempfile.mkstemp(prefix="lyfta-demo-catalogue-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for rec in generator.records(DEMO_ARTICLES, seed=2026):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        result = services.catalogue_import(path, actor=None, source="demo")
    finally:
        os.unlink(path)
    _price_list()
    drawn = _pictures()
    articles = result.counts.get("article", {})
    return (f"{articles.get('created', 0)} artiklar skapade, {articles.get('updated', 0)} uppdaterade, "
            f"{drawn} produktbilder ritade")


def _pictures() -> int:
    """A pictogram (drawn with Pillow, catalogue.pictures) for every product without a stored
    picture: one per kind of device, so the search shows thumbnails. Idempotent."""
    from . import pictures
    from .models import Media, Product

    have = set(Media.objects.filter(kind=Media.Kind.IMAGE).exclude(picture="").values_list("product_id", flat=True))
    drawn: dict[str, bytes] = {}
    n = 0
    for product in Product.objects.exclude(pk__in=have).order_by("pk"):
        key = pictures.pictogram_for(product.name)
        if key not in drawn:
            drawn[key] = pictures.pictogram_png(key)
        services.media_picture_add(product, drawn[key], title=f"Bild {product.name} (piktogram)", position=0)
        n += 1
    return n
