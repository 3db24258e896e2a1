"""Reads of the catalogue, including search.

Search (`article_search`) is one selector for both databases:

* The query is normalised like `Article.search_text` (lowercase words of letters and digits).
* Every query word must match the start of a word in `search_text` (prefix match), or — typo
  tolerance — one of the vocabulary words most similar to it (pg_trgm's trigram similarity,
  computed identically on both databases) when the word matches nothing as typed.
* SQLite evaluates the match with an FTS5 table (prefix queries); PostgreSQL with a full-text
  `SearchVector`/`SearchQuery` (`:*` prefix terms) over a GIN index; the vocabulary lookup
  uses the FTS5 trigram tokenizer resp. the `%` operator of pg_trgm with a GIN trigram index.
* Ranking: the exact article number first, then names starting with the query, then the rest;
  within each group by name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import CharField, F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Collate, Concat
from django.utils.translation import gettext as _

from core.cache import Generation
from core.errors import NotFound

from .models import Article, ArticleAvailability, ArticlePrice, IsoClass, Media, SearchTerm
from .text import is_vocabulary_word, normalise, similarity
from .writer import iso_filter_token

TYPO_THRESHOLD = 0.4
MAX_CORRECTIONS = 5
MAX_QUERY_WORDS = 8
MAX_PAGE_SIZE = 100
MAX_COUNT = 1000  # hits are counted up to this; beyond it the count says "more than 1 000"
STOCKED_WEEKDAYS = 7
ON_DEMAND_WEEKDAYS = 17


# --- small helpers used by other contexts ------------------------------------------------------

def get_article(article_number: str) -> Article:
    try:
        return Article.objects.select_related("product__iso_class", "supplier").get(
            article_number=article_number)
    except Article.DoesNotExist:
        raise NotFound(_("Artikeln %(article_number)s finns inte.") % {"article_number": article_number}) from None


def promised_weekdays(article: Article) -> int:
    """Weekdays the supply centre promises for delivery (DESIGN.md §8)."""
    base = STOCKED_WEEKDAYS if article.purchasing == Article.Purchasing.STOCKED else ON_DEMAND_WEEKDAYS
    return max(base, article.lead_time_days or 0)


def availability(article: Article) -> tuple[int, int]:
    """(qty_new, qty_refurbished); a missing availability row means nothing in stock."""
    try:
        av = article.availability
    except ArticleAvailability.DoesNotExist:
        return 0, 0
    return av.qty_new, av.qty_refurbished


# --- search ------------------------------------------------------------------------------------

@dataclass
class SearchResult:
    articles: list[Article]
    total: int
    page: int
    page_size: int
    exact: Article | None = None
    corrections: dict[str, list[str]] = field(default_factory=dict)
    total_capped: bool = False  # True when there are more than MAX_COUNT hits (total == MAX_COUNT)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _vocabulary_candidates(token: str) -> list[str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT word FROM catalogue_searchterm WHERE word %% %s", [token])
            return [r[0] for r in cur.fetchall()]
        grams = {token[i:i + 3] for i in range(len(token) - 2)}
        match = " OR ".join(f'"{g}"' for g in sorted(grams))
        cur.execute("SELECT word FROM catalogue_searchterm_fts WHERE catalogue_searchterm_fts MATCH %s "
                    "LIMIT 2000", [match])
        words = {r[0] for r in cur.fetchall()}
    words |= set(SearchTerm.objects.filter(word__startswith=token[:2]).values_list("word", flat=True)[:2000])
    return list(words)


def corrections_for(token: str) -> list[str]:
    """Vocabulary words close to a word that matches nothing as typed (typo tolerance)."""
    if len(token) < 4 or not is_vocabulary_word(token):
        return []
    if SearchTerm.objects.filter(word__startswith=token).exists():
        return []
    scored = sorted(((similarity(token, w), w) for w in _vocabulary_candidates(token)), key=lambda x: (-x[0], x[1]))
    return [w for s, w in scored if s >= TYPO_THRESHOLD][:MAX_CORRECTIONS]


def _match_filter(alternatives: list[list[str]], exact: list[str]) -> Q:
    """Every group of `alternatives` must match a word prefix; every `exact` token a whole word."""
    if connection.vendor == "postgresql":
        terms = ["(" + " | ".join(f"{w}:*" for w in alts) + ")" for alts in alternatives] + exact
        return Q(search_vector=SearchQuery(" & ".join(terms), config="simple", search_type="raw"))
    terms = ["(" + " OR ".join(f'"{w}"*' for w in alts) + ")" for alts in alternatives] + [f'"{w}"' for w in exact]
    return Q(id__in=RawSQL("SELECT rowid FROM catalogue_article_fts WHERE catalogue_article_fts MATCH %s",
                           [" AND ".join(terms)]))


_ISO_QUERY = re.compile(r"\d{2}(?:[ .]?\d{2}){0,2}")


def _as_iso_code(raw: str) -> str | None:
    """The ISO code a query consists of, if it is one that exists (and is not an article number)."""
    if not _ISO_QUERY.fullmatch(raw):
        return None
    code = re.sub(r"\D", "", raw)
    if not IsoClass.objects.filter(code=code).exists() or Article.objects.filter(article_number=raw).exists():
        return None
    return code


def search_queryset(q: str = "", *, iso: str | None = None, kind: str | None = None,
                    in_assortment: bool | None = None, orderable: bool | None = None, available: bool = False,
                    published_only: bool = True) -> SearchPlan:
    """The hits as querysets (all matches; and per rank, ordered) plus the typo corrections
    used. The ISO filter is an exact token in the text index (`iso1222`)."""
    qs = Article.objects.all()
    if published_only:
        qs = qs.filter(is_listed=True)
    exact_tokens = []
    if iso:
        code = "".join(ch for ch in iso if ch.isdigit())
        if code:
            exact_tokens.append(iso_filter_token(code))
    if kind:
        qs = qs.filter(kind=kind)
    if in_assortment is not None:
        qs = qs.filter(in_assortment=in_assortment)
    if orderable is not None:
        qs = qs.filter(is_orderable=orderable)
    if available:
        qs = qs.filter(Q(availability__qty_new__gt=0) | Q(availability__qty_refurbished__gt=0))
    raw = (q or "").strip()
    qn = normalise(raw)
    tokens = qn.split()[:MAX_QUERY_WORDS]
    iso_code = _as_iso_code(raw)
    if iso_code:
        # "12 22" / "1222" typed in the box: the ISO class filter, not a prefix search on numbers.
        exact_tokens.append(iso_filter_token(iso_code))
        tokens = []
    corrections: dict[str, list[str]] = {}
    alternatives = []
    for token in tokens:
        fixes = corrections_for(token)
        if fixes:
            corrections[token] = fixes
        alternatives.append([token] + fixes)
    if alternatives or exact_tokens:
        qs = qs.filter(_match_filter(alternatives, exact_tokens))
    # Names are compared and ordered bytewise ("C" collation on PostgreSQL, SQLite's default), so
    # a name prefix is an index range and results can be read from the name index in order.
    if connection.vendor == "postgresql":
        qs = qs.alias(name_key=Collate("name_norm", "C"))
    else:
        qs = qs.alias(name_key=F("name_norm"))
    order = ("name_key", "article_number")
    if not tokens:
        if connection.vendor == "postgresql":
            # Only filters (e.g. an ISO class): the hits are clustered by name (a class's articles
            # share a name), so reading the name index until 25 hits turn up can take most of the
            # table. Sort the filter's hits instead: same order, a key no index offers.
            qs = qs.alias(name_sort=Concat("name_key", Value(""), output_field=CharField()))
            return SearchPlan(qs, [qs.order_by("name_sort", "article_number")], corrections)
        return SearchPlan(qs, [qs.order_by(*order)], corrections)
    # Ranks: 0 the exact article number, 1 names starting with the query (or its correction),
    # 2 the other matches; each rank by name. Separate queries let each read an index in order
    # (no sort of every hit by a computed rank).
    number = raw[:35]
    name_prefix = _name_prefix(qn)
    if corrections:
        name_prefix |= _name_prefix(" ".join(corrections[t][0] if t in corrections else t for t in tokens))
    ranks = [
        qs.filter(article_number=number),
        qs.filter(name_prefix).exclude(article_number=number).order_by(*order),
        qs.exclude(name_prefix).exclude(article_number=number).order_by(*order),
    ]
    return SearchPlan(qs, ranks, corrections)


def _name_prefix(prefix: str) -> Q:
    # An explicit range as well as the LIKE: SQLite's LIKE is case-insensitive and cannot use the
    # index, the bytewise range can (names are normalised lowercase, so both say the same).
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(name_key__startswith=prefix, name_key__gte=prefix, name_key__lt=upper)


@dataclass
class SearchPlan:
    matches: object  # QuerySet of every hit, unordered
    ranks: list  # QuerySets in rank order, each ordered by name
    corrections: dict[str, list[str]]


# What a search result shows (page and API); loading only these keeps a page of results cheap.
RESULT_FIELDS = (
    "article_number", "name", "kind", "unit", "charging", "monthly_rent", "purchase_price", "is_tracked",
    "serial_required", "is_orderable", "in_assortment", "purchasing", "lead_time_days", "product",
    "product__product_number", "product__name", "product__iso_class", "product__iso_class__code",
    "product__iso_class__title", "availability__qty_new", "availability__qty_refurbished",
)


def _page_ids(plan: SearchPlan, offset: int, size: int) -> list[int]:
    ids: list[int] = []
    skip = offset
    for rank in plan.ranks:
        need = size - len(ids)
        if need <= 0:
            break
        got = list(rank.values_list("pk", flat=True)[skip:skip + need])
        if got:
            skip = 0
        elif skip:
            skip -= rank.order_by()[:skip].count()
        ids += got
    return ids


SORTS = {
    # Rented articles by their monthly rent, bought ones by their price; no price last.
    "price": (Coalesce("monthly_rent", "purchase_price").asc(nulls_last=True), "name_key", "article_number"),
    "lead_time": (F("lead_time_days").asc(nulls_last=True), "name_key", "article_number"),
}


def article_search(q: str = "", *, page: int = 1, page_size: int = 25, sort: str = "", **filters) -> SearchResult:
    """`sort`: "" (relevance ranks, each by name), "price" or "lead_time" (all hits in that order)."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    plan = search_queryset(q, **filters)
    if sort in SORTS:
        plan = SearchPlan(plan.matches, [plan.matches.order_by(*SORTS[sort])], plan.corrections)
    # Count up to MAX_COUNT + 1 only: a broad query ("rullstol") need not count every hit.
    total = plan.matches.order_by()[:MAX_COUNT + 1].count()
    capped = total > MAX_COUNT
    total = min(total, MAX_COUNT)
    offset = (page - 1) * page_size
    # Cut the page on the article table alone, then load the page with its relations.
    ids = _page_ids(plan, offset, min(page_size, total - offset)) if offset < total else []
    by_id = (Article.objects.select_related("product__iso_class", "availability")
             .only(*RESULT_FIELDS).in_bulk(ids))
    articles = [by_id[pk] for pk in ids]
    corrections = plan.corrections
    exact = None
    raw = (q or "").strip()
    if raw and articles and page == 1 and articles[0].article_number == raw:
        exact = articles[0]
    return SearchResult(articles=articles, total=total, page=page, page_size=page_size, exact=exact,
                        corrections=corrections, total_capped=capped)


def exact_article(q: str, *, published_only: bool = True) -> Article | None:
    """The article whose number is exactly the query (the search box jumps straight to it)."""
    raw = (q or "").strip()
    if not raw or len(raw) > 35:
        return None
    qs = Article.objects.filter(article_number=raw)
    if published_only:
        qs = qs.filter(is_published=True, product__is_published=True)
    return qs.first()


# --- detail and browsing -----------------------------------------------------------------------

@dataclass
class ArticleDetail:
    article: Article
    accessories: list[Article]
    spare_parts: list[Article]
    fits: list[Article]
    alternatives: list[Article]
    variants: list[Article]
    images: list[Media]
    documents: list[Media]
    prices: list[ArticlePrice]
    iso_path: list[IsoClass]


def article_detail(article_number: str, *, published_only: bool = True) -> ArticleDetail:
    qs = Article.objects.select_related("product__iso_class__parent__parent", "product__supplier", "supplier",
                                        "availability", "replaced_by")
    if published_only:
        qs = qs.filter(is_published=True, product__is_published=True)
    article = qs.filter(article_number=article_number).first()
    if article is None:
        raise NotFound(_("Artikeln %(article_number)s finns inte.") % {"article_number": article_number})
    related = Article.objects.select_related("availability").order_by("name_norm", "article_number")
    if published_only:
        related = related.filter(is_published=True)
    parts = list(related.filter(fit_mains__main=article))
    media = list(Media.objects.filter(Q(article=article) | Q(product_id=article.product_id)))
    iso_path = []
    node = article.product.iso_class
    while node is not None:
        iso_path.insert(0, node)
        node = node.parent
    return ArticleDetail(
        article=article,
        accessories=[a for a in parts if a.kind == Article.Kind.ACCESSORY],
        spare_parts=[a for a in parts if a.kind == Article.Kind.SPARE_PART],
        fits=list(related.filter(fit_parts__part=article)),
        alternatives=list(related.filter(alternatives=article)),
        variants=list(related.filter(product_id=article.product_id).exclude(pk=article.pk).select_related("product")),
        images=[m for m in media if m.kind == Media.Kind.IMAGE],
        documents=[m for m in media if m.kind != Media.Kind.IMAGE],
        prices=list(article.prices.select_related("price_list").order_by("-valid_from", "-pk")),
        iso_path=iso_path,
    )


def iso_tree() -> list[dict]:
    """Level-1 classes with their subclasses and divisions, for browsing."""
    nodes = list(IsoClass.objects.order_by("code"))
    by_code = {n.code: {"node": n, "children": []} for n in nodes}
    roots = []
    for n in nodes:
        entry = by_code[n.code]
        parent = by_code.get(n.code[:-2]) if len(n.code) > 2 else None
        (parent["children"] if parent else roots).append(entry)
    return roots


def iso_options() -> list[IsoClass]:
    """Product areas (levels 1 and 2) for the search filter."""
    return list(IsoClass.objects.filter(level__lte=2).order_by("code"))


def iso_class(code: str) -> IsoClass | None:
    return IsoClass.objects.filter(code="".join(ch for ch in code if ch.isdigit())).first()


def price_list_on(day):
    """The price list whose terms apply on `day`: the latest `valid_from` covering it."""
    from django.db.models import Q

    from .models import PriceList

    return (PriceList.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .order_by("-valid_from", "-pk").first())


PRICE_TERMS_TTL = 60  # seconds; a change in this process clears it at once (catalogue.apps)
PRICE_TERMS = Generation("price_terms", PRICE_TERMS_TTL)


def price_terms_on(day):
    """The terms valid on `day`, through Django's cache (`core.cache.Generation`): every order's
    cost estimate needs them and they change a few times a year. Saving or deleting a price list
    starts a new cache generation (`price_terms_invalidate`, connected to the model's signals), so
    this process sees the change at once; other processes within `PRICE_TERMS_TTL` seconds (at
    once with a shared cache backend such as Redis). The invoice basis does not use this: it
    reads the price lists."""
    from .pricing import Terms

    def compute():
        price_list = price_list_on(day)
        return Terms.of(price_list) if price_list is not None else "none"

    terms = PRICE_TERMS.get(day.isoformat(), compute)
    # No price list: the settings' defaults, read now (they are not cached).
    return Terms.of(None) if terms == "none" else terms


def price_terms_invalidate(**_kwargs) -> None:
    """A new generation now (this transaction's later reads) and again after commit (so a value
    cached while the change was uncommitted is not kept)."""
    PRICE_TERMS.invalidate()


def price_rows_by_article(article_ids) -> dict:
    """Active price periods per article id (for `pricing.periods_in`)."""
    from .models import ArticlePrice

    rows: dict = {}
    for row in ArticlePrice.objects.filter(article_id__in=set(article_ids), replaced_at__isnull=True).order_by(
            "article_id", "valid_from"):
        rows.setdefault(row.article_id, []).append(row)
    return rows


# --- one row per product (the search page) ------------------------------------------------------

@dataclass
class ProductRow:
    """A product in the search results: the first hit among its articles (`article`, whose
    price, stock and delivery the row shows), every listed variant of the product as a choice,
    and its first stored picture."""
    product: object
    article: Article
    variants: list[Article]
    picture: Media | None


VARIANT_FIELDS = ("article_number", "name", "variant_label", "product_id", "charging", "monthly_rent",
                  "purchase_price", "product__name")


def product_rows(articles: list[Article], *, published_only: bool = True) -> list[ProductRow]:
    """Group a page of hits by product, in the order of each product's first hit (so a sort by
    price or lead time holds for the rows). Two queries: the variants and the pictures."""
    firsts: dict[int, Article] = {}
    for a in articles:
        firsts.setdefault(a.product_id, a)
    if not firsts:
        return []
    qs = Article.objects.filter(product_id__in=list(firsts)).select_related("product").only(*VARIANT_FIELDS)
    if published_only:
        qs = qs.filter(is_listed=True)
    by_product: dict[int, list[Article]] = {}
    for v in qs.order_by("product_id", "name_norm", "article_number"):
        by_product.setdefault(v.product_id, []).append(v)
    pictures: dict[int, Media] = {}
    for m in (Media.objects.filter(product_id__in=list(firsts), kind=Media.Kind.IMAGE)
              .exclude(thumbnail="").order_by("position", "id")):
        pictures.setdefault(m.product_id, m)
    rows = []
    for pid, first in firsts.items():
        variants = by_product.get(pid) or [first]
        if all(v.pk != first.pk for v in variants):
            variants = [first] + variants
        rows.append(ProductRow(product=first.product, article=first, variants=variants, picture=pictures.get(pid)))
    return rows


def picture_media(media_id: int, *, published_only: bool = True) -> Media | None:
    qs = Media.objects.filter(pk=media_id, kind=Media.Kind.IMAGE).select_related("product", "article")
    media = qs.first()
    if media is None:
        return None
    if published_only:
        product = media.product or (media.article.product if media.article_id else None)
        if product is not None and not product.is_published:
            return None
    return media
