"""Catalogue pages: search (one box + filters), article page, ISO tree. Thin: parse, call a
selector, render."""
from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound

from . import selectors
from .forms import SearchForm


def _published_only(request) -> bool:
    return not request.principal.has_perm(Perm.CATALOGUE_MANAGE)


@require_GET
@require_perm(Perm.CATALOGUE_VIEW)
def search(request):
    form = SearchForm(request.GET or None)
    result = None
    query_string = ""
    if form.is_valid():
        data = form.cleaned_data
        q = data.get("q") or ""
        published_only = _published_only(request)
        if q and not request.htmx and not data.get("page"):
            exact = selectors.exact_article(q, published_only=published_only)
            if exact is not None:
                return redirect("catalogue:article", article_number=exact.article_number)
        if form.has_criteria():
            result = selectors.article_search(
                q, iso=data.get("iso") or None, kind=data.get("kind") or None,
                in_assortment=True if data.get("in_assortment") else None,
                orderable=True if data.get("orderable") else None,
                available=bool(data.get("available")), published_only=published_only,
                page=data.get("page") or 1, sort=data.get("sort") or "")
        query_string = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    rows = selectors.product_rows(result.articles, published_only=_published_only(request)) if result else []
    context = {"form": form, "result": result, "rows": rows, "query_string": query_string,
               "iso_options": [] if request.htmx else selectors.iso_options()}
    template = "catalogue/_results.html" if request.htmx else "catalogue/search.html"
    return render(request, template, context)


@require_GET
@require_perm(Perm.CATALOGUE_VIEW)
def article(request, article_number: str):
    try:
        detail = selectors.article_detail(article_number, published_only=_published_only(request))
    except NotFound:
        return render(request, "404.html", status=404)
    return render(request, "catalogue/article.html", {"d": detail, "a": detail.article,
                                                      "perms_order_create": request.principal.has_perm(Perm.ORDER_CREATE)
                                                      and not request.principal.is_supply})


@require_GET
@require_perm(Perm.CATALOGUE_VIEW)
def iso_browse(request):
    return render(request, "catalogue/iso.html", {"tree": selectors.iso_tree()})


@require_GET
@require_perm(Perm.CATALOGUE_VIEW)
def variant_pick(request):
    """The variant chosen in a product row of the search (a plain GET form, no script needed)."""
    number = (request.GET.get("artikel") or "").strip()[:35]
    if not number:
        return redirect("catalogue:search")
    return redirect("catalogue:article", article_number=number)


@require_GET
@require_perm(Perm.CATALOGUE_VIEW)
def picture(request, media_id: int, size: str):
    """A product picture ("bild") or its thumbnail ("miniatyr") from the media storage."""
    media = selectors.picture_media(media_id, published_only=_published_only(request))
    field = {"bild": "picture", "miniatyr": "thumbnail"}.get(size)
    if media is None or field is None or not getattr(media, field):
        raise Http404
    stored = getattr(media, field)
    ext = stored.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(stored.open("rb"), content_type={"png": "image/png", "jpg": "image/jpeg",
                                                              "webp": "image/webp"}.get(ext, "application/octet-stream"))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
