import json
from pathlib import Path

import pytest

from catalogue import services
from catalogue.models import Article, ArticleAvailability

FIXTURE = Path(__file__).parent / "fixtures" / "small.jsonl"


@pytest.fixture
def small_catalogue(db):
    services.catalogue_import(str(FIXTURE), actor=None)
    return {a.article_number: a for a in Article.objects.all()}


@pytest.fixture
def stock(small_catalogue):
    """Availability as the stock context would write it."""
    def _set(article_number, new=0, refurbished=0):
        ArticleAvailability.objects.update_or_create(
            article=small_catalogue[article_number], defaults={"qty_new": new, "qty_refurbished": refurbished})
    return _set


@pytest.fixture
def write_jsonl(tmp_path):
    """write_jsonl(records or raw lines) -> path; the header is added unless header=False."""
    def _write(records, header=True, name="import.jsonl"):
        path = tmp_path / name
        lines = []
        if header:
            lines.append(json.dumps({"type": "header", "format": "lyfta-catalogue", "version": 1}))
        for r in records:
            lines.append(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return str(path)
    return _write


def base_records():
    return [
        {"type": "iso_class", "code": "12", "title": "Hjälpmedel för personlig förflyttning"},
        {"type": "iso_class", "code": "1222", "title": "Manuella rullstolar"},
        {"type": "iso_class", "code": "122203", "title": "Manuella rullstolar drivna med båda händerna"},
        {"type": "supplier", "code": "S1", "name": "Leverantör Ett AB"},
        {"type": "product", "product_number": "P1", "name": "Rullstol Test", "iso_code": "12 22 03", "supplier": "S1"},
        {"type": "article", "article_number": "A1", "product_number": "P1", "name": "Rullstol Test 40", "kind": "H",
         "charging": "rent", "tracked": True, "serial_required": True, "gtin": "7350000000016"},
        {"type": "article", "article_number": "A2", "product_number": "P1", "name": "Sittdyna Test", "kind": "T",
         "charging": "purchase"},
        {"type": "price", "article_number": "A1", "monthly_rent": "400.00", "valid_from": "2026-01-01"},
        {"type": "price", "article_number": "A2", "purchase_price": 1200, "valid_from": "2026-01-01"},
        {"type": "fit", "main": "A1", "part": "A2"},
    ]
