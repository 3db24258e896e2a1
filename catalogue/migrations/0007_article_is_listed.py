"""`Article.is_listed` (published, and its product published) so search filters on one column."""
from django.db import migrations, models

from catalogue.search_sql import sqlite_restore_article_triggers


def backfill(apps, schema_editor):
    Article = apps.get_model("catalogue", "Article")
    Article.objects.filter(models.Q(is_published=False) | models.Q(product__is_published=False)).update(
        is_listed=False)



class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0006_search_vector_column'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='is_listed',
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunPython(sqlite_restore_article_triggers, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
