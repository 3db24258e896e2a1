import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from catalogue import demo, generator, importer, services
from catalogue.models import Article, ArticleFit, ArticlePrice, IsoClass, Media, Product, SearchTerm

from .conftest import FIXTURE, base_records

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


def errors_of(path):
    with pytest.raises(importer.ImportFailed) as exc:
        services.catalogue_import(path, today=TODAY)
    return exc.value.errors


def test_small_fixture_imports_everything(small_catalogue):
    a = small_catalogue["200101"]
    assert a.kind == "H" and a.is_tracked and a.serial_required
    assert a.product.iso_class.code == "122203" and a.product.iso_class.parent.code == "1222"
    assert a.monthly_rent == Decimal("450.00") and a.charging == "rent"
    assert a.gtin == "7350000000016"
    assert {x.article_number for x in a.accessories.all()} == {"200401", "200402", "200501", "200601", "200602"}
    assert list(a.alternatives.values_list("article_number", flat=True)) == ["200201"]
    assert small_catalogue["200103"].replaced_by.article_number == "200102"
    assert small_catalogue["200102"].purchasing == "on_demand" and small_catalogue["200102"].lead_time_days == 20
    assert Media.objects.filter(product__product_number="P001").count() == 2
    assert Article.objects.count() == 24 and ArticlePrice.objects.count() == 24
    assert SearchTerm.objects.filter(word="rullstol").exists()
    ev = AuditEvent.objects.get(action="catalogue.import")
    assert ev.data["counts"]["article"] == {"created": 24} and len(ev.data["sha256"]) == 64


def test_valid_small_file(write_jsonl):
    path = write_jsonl(base_records())
    result = services.catalogue_import(path, today=TODAY)
    assert result.counts["article"] == {"created": 2}
    a1 = Article.objects.get(article_number="A1")
    assert a1.monthly_rent == Decimal("400.00") and a1.purchase_price is None
    assert Article.objects.get(article_number="A2").purchase_price == Decimal("1200.00")
    assert ArticleFit.objects.filter(main=a1, part__article_number="A2").exists()
    assert "122203" in a1.search_text and "leverantör" in a1.search_text


@pytest.mark.parametrize("bad, line, field, text", [
    ({"type": "product", "product_number": "P2", "name": "X", "iso_code": "999999"}, 12, "iso_code", "okänd ISO-kod"),
    ({"type": "article", "article_number": "A1", "product_number": "P1", "name": "Dubblett", "kind": "H"}, 12,
     "article_number", "två gånger"),
    ({"type": "article", "article_number": "A3", "product_number": "P1", "name": "X", "kind": "H",
      "gtin": "7350000000017"}, 12, "gtin", "GTIN"),
    ({"type": "price", "article_number": "A2", "purchase_price": "-5", "valid_from": "2026-02-01"}, 12,
     "purchase_price", "negativt"),
    ({"type": "article", "article_number": "A4", "product_number": "P1", "kind": "H"}, 12, "name", "saknas"),
    ({"type": "article", "article_number": "A" * 36, "product_number": "P1", "name": "X", "kind": "H"}, 12,
     "article_number", "35"),
    ({"type": "article", "article_number": "A5", "product_number": "P1", "name": "X", "kind": "Q"}, 12, "kind", ""),
    ({"type": "fit", "main": "A2", "part": "A1"}, 12, "main", "huvudhjälpmedel"),
    ({"type": "price", "article_number": "A1", "purchase_price": "10", "valid_from": "2026-02-01"}, 12,
     "monthly_rent", "hyrs"),
    ({"type": "price", "article_number": "NOPE", "monthly_rent": "10", "valid_from": "2026-13-01"}, 12,
     "valid_from", "datum"),
    ({"type": "spaceship"}, 12, "type", "okänd posttyp"),
])
def test_record_errors_name_line_and_field_and_import_nothing(write_jsonl, bad, line, field, text):
    path = write_jsonl(base_records() + [bad])
    errors = errors_of(path)
    assert any(e.line == line and e.field == field and text in e.message for e in errors), errors
    assert Article.objects.count() == 0 and IsoClass.objects.count() == 0 and Product.objects.count() == 0


def test_many_errors_are_all_reported(write_jsonl):
    recs = base_records() + [
        {"type": "product", "product_number": "P9", "name": "X", "iso_code": "0101"},
        {"type": "article", "article_number": "B1", "product_number": "P404", "name": "X", "kind": "H"},
    ]
    errors = errors_of(write_jsonl(recs))
    assert [(e.line, e.field) for e in errors] == [(12, "iso_code"), (13, "product_number")]
    assert "rad 12, fält iso_code" in str(errors[0])


def test_broken_json_in_the_middle_imports_nothing(write_jsonl):
    recs = base_records()
    recs.insert(5, '{"type": "supplier", "code": "S2", "name": ')
    errors = errors_of(write_jsonl(recs))
    assert errors[0].line == 7 and "JSON" in errors[0].message
    assert Article.objects.count() == 0 and IsoClass.objects.count() == 0


def test_wrong_encoding_is_an_error_with_position(tmp_path):
    path = tmp_path / "latin1.jsonl"
    header = '{"type": "header", "format": "lyfta-catalogue", "version": 1}\n'
    body = '{"type": "iso_class", "code": "12", "title": "Hjälpmedel för personlig förflyttning"}\n'
    path.write_bytes(header.encode("utf-8") + body.encode("latin-1"))
    errors = errors_of(str(path))
    assert errors[0].line == 2 and "UTF-8" in errors[0].message and f"byte {body.index('ä') + 1} " in errors[0].message
    assert IsoClass.objects.count() == 0


def test_file_over_size_limit_is_refused_before_reading(write_jsonl, settings):
    settings.CATALOGUE_IMPORT_MAX_BYTES = 200
    path = write_jsonl(base_records())
    errors = errors_of(path)
    assert len(errors) == 1 and "större än gränsen 200 byte" in errors[0].message
    assert Article.objects.count() == 0


def test_over_long_line_is_refused_without_reading_it_whole(write_jsonl, monkeypatch):
    monkeypatch.setattr(importer, "MAX_LINE_BYTES", 100)
    recs = base_records()[:3] + [{"type": "supplier", "code": "S9", "name": "X" * 500}]
    errors = errors_of(write_jsonl(recs))
    assert errors[0].line == 5 and "längre än 100 byte" in errors[0].message


def test_header_is_required_and_version_checked(write_jsonl):
    errors = errors_of(write_jsonl(base_records(), header=False))
    assert errors[0].line == 1 and errors[0].field == "type"
    bad_version = '{"type": "header", "format": "lyfta-catalogue", "version": 99}'
    errors = errors_of(write_jsonl([bad_version] + base_records(), header=False))
    assert errors[0].field == "version"


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert "tom" in errors_of(str(path))[0].message


def test_reimport_with_price_change_keeps_history(write_jsonl):
    services.catalogue_import(write_jsonl(base_records(), name="v1.jsonl"), today=TODAY)
    recs = base_records()
    recs[7] = {"type": "price", "article_number": "A1", "monthly_rent": "425.00", "valid_from": "2026-05-01"}
    recs[5]["name"] = "Rullstol Test 40 (ny)"
    result = services.catalogue_import(write_jsonl(recs, name="v2.jsonl"), today=TODAY)
    assert result.counts["article"] == {"updated": 1}
    a1 = Article.objects.get(article_number="A1")
    assert a1.name == "Rullstol Test 40 (ny)" and "ny" in a1.search_text
    rows = list(ArticlePrice.objects.filter(article=a1).order_by("valid_from"))
    assert [(r.monthly_rent, r.valid_from, r.valid_to) for r in rows] == [
        (Decimal("400.00"), dt.date(2026, 1, 1), dt.date(2026, 4, 30)),
        (Decimal("425.00"), dt.date(2026, 5, 1), None),
    ]
    assert a1.monthly_rent == Decimal("425.00")
    # The same file again changes nothing.
    again = services.catalogue_import(write_jsonl(recs, name="v3.jsonl"), today=TODAY)
    assert "price" not in again.counts and ArticlePrice.objects.filter(article=a1).count() == 2


def test_correction_for_same_date_replaces_row_but_keeps_it(write_jsonl):
    services.catalogue_import(write_jsonl(base_records(), name="v1.jsonl"), today=TODAY)
    recs = base_records()
    recs[7]["monthly_rent"] = "410.00"
    services.catalogue_import(write_jsonl(recs, name="v2.jsonl"), today=TODAY)
    rows = list(ArticlePrice.objects.filter(article__article_number="A1").order_by("pk"))
    assert len(rows) == 2 and rows[0].replaced_at is not None and rows[1].replaced_at is None
    assert Article.objects.get(article_number="A1").monthly_rent == Decimal("410.00")


def test_future_price_applies_when_it_comes_into_force(write_jsonl):
    recs = base_records() + [{"type": "price", "article_number": "A1", "monthly_rent": "500", "valid_from":
                              "2026-07-01"}]
    services.catalogue_import(write_jsonl(recs), today=TODAY)
    a1 = Article.objects.get(article_number="A1")
    assert a1.monthly_rent == Decimal("400.00")
    assert services.prices_refresh_current(today=dt.date(2026, 7, 2)) == 1
    a1.refresh_from_db()
    assert a1.monthly_rent == Decimal("500.00")


def test_price_set_service_keeps_history_and_refuses_negative(small_catalogue):
    from core.errors import ValidationFailed

    a = small_catalogue["200401"]
    services.price_set(a, monthly_rent=None, purchase_price=Decimal("1300"), valid_from=dt.date(2026, 3, 1),
                       today=TODAY)
    assert a.purchase_price == Decimal("1300")
    assert ArticlePrice.objects.filter(article=a).count() == 2
    with pytest.raises(ValidationFailed):
        services.price_set(a, monthly_rent=None, purchase_price=Decimal("-1"), valid_from=dt.date(2026, 4, 1))
    assert AuditEvent.objects.filter(action="catalogue.price_set").count() == 1


def test_import_command_success_and_failure(db, write_jsonl, capsys):
    call_command("import_catalogue", str(FIXTURE))
    assert "Klart" in capsys.readouterr().out
    bad = write_jsonl([{"type": "iso_class", "code": "1x"}])
    with pytest.raises(CommandError, match="Ingenting har importerats"):
        call_command("import_catalogue", bad)
    assert "rad 2, fält code" in capsys.readouterr().err


def test_generated_file_imports_cleanly(db, tmp_path):
    path = str(tmp_path / "gen.jsonl")
    call_command("generate_catalogue", path, "--articles", "300")
    result = services.catalogue_import(path)
    assert result.counts["article"]["created"] == 300
    assert Article.objects.filter(kind="T", fit_mains__isnull=False).exists()
    assert Article.objects.filter(kind="Tj").exists()


def test_generator_streams_in_dependency_order():
    seen_articles = set()
    for rec in generator.records(500):
        if rec["type"] == "article":
            seen_articles.add(rec["article_number"])
        elif rec["type"] in ("price", "fit"):
            refs = [rec["article_number"]] if rec["type"] == "price" else [rec["main"], rec["part"]]
            assert all(r in seen_articles for r in refs)


def test_demo_load_is_idempotent(db):
    demo.load()
    count, prices = Article.objects.count(), ArticlePrice.objects.count()
    assert count == demo.DEMO_ARTICLES
    assert Article.objects.filter(is_tracked=True, kind="H").count() > 10
    assert Article.objects.filter(product__iso_class__code="043303", fit_mains__isnull=False).exists()
    assert {c for c in IsoClass.objects.values_list("code", flat=True)} >= {"1222", "1223", "1812", "1236", "0933",
                                                                              "2206", "2203", "2221"}
    demo.load()
    assert (Article.objects.count(), ArticlePrice.objects.count()) == (count, prices)
