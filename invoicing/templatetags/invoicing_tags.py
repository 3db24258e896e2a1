from decimal import Decimal

from django import template

from catalogue.templatetags.catalogue_tags import kr

register = template.Library()


@register.filter
def ore_kr(value) -> str:
    """Öre (int) → Swedish money, e.g. 1 234,50 kr."""
    if value is None or value == "":
        return ""
    return kr(Decimal(value) / 100)


@register.filter
def abs_value(value):
    return abs(value) if value is not None else value
