from django.db import migrations


def seed(apps, schema_editor):
    from operations.statistics.defaults import DEFAULT_FACTORS

    Co2Factor = apps.get_model("operations", "Co2Factor")
    for prefix, kg, _basis in DEFAULT_FACTORS:
        Co2Factor.objects.get_or_create(iso_prefix=prefix, defaults={"kg_co2e": kg})


def unseed(apps, schema_editor):
    from operations.statistics.defaults import DEFAULT_FACTORS

    Co2Factor = apps.get_model("operations", "Co2Factor")
    Co2Factor.objects.filter(iso_prefix__in=[p for p, _, _ in DEFAULT_FACTORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
