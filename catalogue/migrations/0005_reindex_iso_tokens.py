"""Data: recompute Article.search_text with the ISO filter tokens (`iso1222`) added in this
version. Uses the historical models and the pure text functions."""
from django.db import migrations


def reindex(apps, schema_editor):
    from catalogue.writer import search_fields

    Article = apps.get_model("catalogue", "Article")
    IsoClass = apps.get_model("catalogue", "IsoClass")
    titles = dict(IsoClass.objects.values_list("code", "title"))
    batch = []
    qs = Article.objects.select_related("product__iso_class", "product__supplier", "supplier").order_by("pk")
    for article in qs.iterator(chunk_size=2000):
        supplier = article.supplier or article.product.supplier
        text, name_norm = search_fields(
            article, product_name=article.product.name, product_number=article.product.product_number,
            iso_code=article.product.iso_class.code, iso_titles=titles, supplier_name=supplier.name if supplier else "")
        if text != article.search_text:
            article.search_text, article.name_norm = text, name_norm
            batch.append(article)
        if len(batch) >= 1000:
            Article.objects.bulk_update(batch, ["search_text", "name_norm"])
            batch = []
    if batch:
        Article.objects.bulk_update(batch, ["search_text", "name_norm"])


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_search_index_coalesce")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
