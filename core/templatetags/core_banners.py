from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core.banners import banners_for

register = template.Library()


@register.simple_tag(takes_context=True)
def page_banners(context):
    request = context.get("request")
    parts = [render_to_string(tpl, ctx, request=request) for tpl, ctx in banners_for(request)]
    return mark_safe("".join(parts))  # noqa: S308  (rendered templates, autoescaped)
