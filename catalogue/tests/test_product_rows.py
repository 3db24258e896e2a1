"""Issue 15: the catalogue lists one row per product with its variants (seat widths, lengths) as
a choice, product pictures as thumbnails from the media storage (checked and scaled by
catalogue.pictures, drawn as pictograms for the demo), and sorts the rows by price and lead time."""
import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from access.principal import principal_for_user
from access.roles import Role
from audit.models import AuditEvent
from catalogue import demo, pictures, selectors, services
from catalogue.models import Article, Media, Product
from core.errors import PermissionDenied, ValidationFailed
from tests.browser.markup import problems

pytestmark = pytest.mark.django_db


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr class="product-row">.*?</tr>', html, re.S)


def test_variant_name_from_label_or_name(small_catalogue):
    chair = small_catalogue["200102"]
    assert chair.variant_label == "" or chair.variant_label == "sittbredd 44 cm"
    assert chair.variant_name == "sittbredd 44 cm"
    assert small_catalogue["200402"].variant_name == "44 x 42 cm"  # no comma: the rest after the product name
    assert small_catalogue["200901"].variant_name == "Samtalsförstärkare Tala"  # the name is the product's


def test_import_reads_the_variant(write_jsonl):
    from catalogue.tests.conftest import base_records

    records = base_records()
    records[5]["variant"] = "sittbredd 40 cm"
    services.catalogue_import(write_jsonl(records))
    assert Article.objects.get(article_number="A1").variant_label == "sittbredd 40 cm"
    assert Article.objects.get(article_number="A2").variant_label == ""


def test_search_page_has_one_row_per_product_with_the_variants_as_a_choice(small_catalogue, client_for):
    c, _ = client_for("prescriber")
    html = c.get(reverse("catalogue:search"), {"q": "rullstol"}).content.decode()
    assert not problems(html)
    result = selectors.article_search("rullstol")
    products = {a.product_id for a in result.articles}
    rows = rows_of(html)
    assert len(rows) == len(products) < len(result.articles)
    aktiv = next(r for r in rows if ">Rullstol Aktiv</a>" in r)
    assert aktiv.count("<option") == 3 and 'value="200101" selected' in aktiv
    for label in ("sittbredd 40 cm", "sittbredd 44 cm", "sittbredd 48 cm"):
        assert label in aktiv
    # the choice opens the chosen variant, without script
    r = c.get(reverse("catalogue:variant"), {"artikel": "200103"})
    assert r.status_code == 302 and r["Location"] == reverse("catalogue:article", args=["200103"])
    assert c.get(reverse("catalogue:variant")).status_code == 302


def test_rows_keep_the_sort_by_price_and_lead_time(small_catalogue):
    for sort in ("price", "lead_time"):
        result = selectors.article_search("rullstol", sort=sort, page_size=50)
        rows = selectors.product_rows(result.articles)
        firsts = [r.article.pk for r in rows]
        seen = []
        for a in result.articles:  # each row is its product's first hit, in the order of the hits
            if a.product_id not in seen:
                seen.append(a.product_id)
        assert [r.product.pk for r in rows] == seen and len(set(firsts)) == len(firsts)
    by_price = selectors.product_rows(selectors.article_search("rullstol", sort="price", page_size=50).articles)
    prices = [r.article.current_price for r in by_price if r.article.current_price is not None]
    assert prices == sorted(prices)


def test_the_rows_cost_a_fixed_number_of_queries(small_catalogue, django_assert_num_queries):
    articles = selectors.article_search("rullstol", page_size=50).articles
    with django_assert_num_queries(2):
        rows = selectors.product_rows(articles)
        [v.variant_name for r in rows for v in r.variants]


@pytest.fixture
def manager(make_user):
    return principal_for_user(make_user(Role.ASSORTMENT_MANAGER))


def png(size=(800, 600), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_a_picture_is_stored_with_a_thumbnail_and_served(small_catalogue, manager, client_for):
    product = Product.objects.get(product_number="P001")
    media = services.media_picture_add(product, png(), title="Rullstol Aktiv framifrån", actor=manager)
    assert media.kind == Media.Kind.IMAGE and media.url == reverse("catalogue:picture", args=[media.pk, "bild"])
    with media.thumbnail.open("rb") as fh:
        assert max(Image.open(fh).size) == pictures.THUMB_PX
    assert AuditEvent.objects.filter(action="catalogue.media_picture_add", object_id=str(media.pk)).exists()
    c, _ = client_for("prescriber")
    r = c.get(reverse("catalogue:picture", args=[media.pk, "miniatyr"]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert max(Image.open(io.BytesIO(b"".join(r.streaming_content))).size) == pictures.THUMB_PX
    assert c.get(reverse("catalogue:picture", args=[media.pk, "bild"])).status_code == 200
    assert c.get(reverse("catalogue:picture", args=[media.pk, "annat"])).status_code == 404
    html = c.get(reverse("catalogue:search"), {"q": "rullstol"}).content.decode()
    aktiv = next(r for r in rows_of(html) if ">Rullstol Aktiv</a>" in r)
    assert reverse("catalogue:picture", args=[media.pk, "miniatyr"]) in aktiv
    page = c.get(reverse("catalogue:article", args=["200101"])).content.decode()
    assert 'alt="Rullstol Aktiv framifrån"' in page and not problems(page)
    Product.objects.filter(pk=product.pk).update(is_published=False)
    assert c.get(reverse("catalogue:picture", args=[media.pk, "miniatyr"])).status_code == 404


def test_a_picture_must_be_an_image_of_sensible_size_and_the_actor_may_manage(small_catalogue, manager, make_user):
    product = Product.objects.get(product_number="P001")
    for content in (b"", b"not an image", b"%PDF-1.4 fake"):
        with pytest.raises(ValidationFailed) as e:
            services.media_picture_add(product, content, actor=manager)
        assert "picture" in e.value.errors
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(ValidationFailed):
        services.media_picture_add(product, gif.getvalue(), actor=manager)
    with pytest.raises(ValidationFailed):
        services.media_picture_add(product, png(size=(pictures.MAX_PX + 1, 10)), actor=manager)
    with pytest.raises(PermissionDenied):
        services.media_picture_add(product, png(), actor=principal_for_user(make_user(Role.PRESCRIBER)))
    assert not Media.objects.filter(product=product, kind=Media.Kind.IMAGE).exclude(picture="").exists()


def test_pictograms_are_drawn_for_the_demo_and_only_once(small_catalogue):
    assert pictures.pictogram_for("Rullstol Aktiv") == "rullstol" and pictures.pictogram_for("Elrullstol X") == "elrullstol"
    image = Image.open(io.BytesIO(pictures.pictogram_png("rullstol")))
    assert image.format == "PNG" and image.size == (480, 480) and len(image.getcolors(100000)) > 2
    n = demo._pictures()
    assert n == Product.objects.count()
    assert demo._pictures() == 0
    assert Media.objects.exclude(thumbnail="").count() == n
