"""Order numbers: a prefix and a zero-padded running number, e.g. KO0000123."""
from django.db import transaction
from django.db.models import F

from .models import NumberSequence


def next_number(prefix: str, width: int = 7) -> str:
    with transaction.atomic():
        NumberSequence.objects.get_or_create(prefix=prefix)
        NumberSequence.objects.filter(prefix=prefix).update(last_value=F("last_value") + 1)
        value = NumberSequence.objects.select_for_update().values_list("last_value", flat=True).get(prefix=prefix)
    return f"{prefix}{value:0{width}d}"
