"""Batched writes for the import (pass 2) and search-text maintenance.

Called only from `catalogue.services` inside a transaction. Keys (codes, numbers) are loaded
once; records are written in batches with bulk_create / bulk_update.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from . import pricing
from .models import (
    Article,
    ArticleFit,
    ArticlePrice,
    IsoClass,
    Media,
    PriceList,
    Product,
    SearchTerm,
    Supplier,
    format_iso_code,
)
from .text import build_search_text, is_vocabulary_word, normalise

ARTICLE_FIELDS = [
    "name", "kind", "product_id", "supplier_id", "supplier_article_number", "gtin", "unit", "charging",
    "is_published", "is_orderable", "in_assortment", "can_be_component", "is_tracked", "serial_required",
    "purchasing", "lead_time_days", "inspection_interval_months", "variant_label",
]


def iso_filter_token(code: str) -> str:
    """Exact-match token for the ISO filter ('iso1222'): keeps the filter inside the text index."""
    return f"iso{code}"


def iso_search_parts(code: str, titles_by_code: dict[str, str]) -> tuple[list[str], list[str]]:
    codes = [code[:n] for n in (2, 4, 6) if len(code) >= n]
    parts = codes + format_iso_code(code).split() + [iso_filter_token(c) for c in codes]
    titles = [titles_by_code[c] for c in codes if c in titles_by_code]
    return parts, titles


def search_fields(article: Article, *, product_name: str, product_number: str, iso_code: str,
                  iso_titles: dict[str, str], supplier_name: str) -> tuple[str, str]:
    codes, titles = iso_search_parts(iso_code, iso_titles)
    text = build_search_text(
        article_number=article.article_number, name=article.name,
        supplier_article_number=article.supplier_article_number, gtin=article.gtin,
        product_name=product_name, product_number=product_number, iso_codes=codes, iso_titles=titles,
        supplier_name=supplier_name)
    return text, normalise(article.name)[:200]


def add_vocabulary(words: set[str]) -> None:
    if not words:
        return
    existing = set()
    word_list = sorted(words)
    for i in range(0, len(word_list), 500):
        chunk = word_list[i:i + 500]
        existing |= set(SearchTerm.objects.filter(word__in=chunk).values_list("word", flat=True))
    SearchTerm.objects.bulk_create([SearchTerm(word=w) for w in word_list if w not in existing],
                                   batch_size=500, ignore_conflicts=True)


def vocabulary_of(text: str) -> set[str]:
    return {w for w in text.split() if is_vocabulary_word(w)}


def reindex_articles(queryset) -> int:
    """Recompute search_text/name_norm for the given articles (after a product, class or
    supplier changed) and extend the vocabulary."""
    titles = dict(IsoClass.objects.values_list("code", "title"))
    changed, vocab, total = [], set(), 0
    qs = queryset.select_related("product__iso_class", "supplier", "product__supplier").order_by("pk")
    for article in qs.iterator(chunk_size=2000):
        total += 1
        supplier = article.supplier or article.product.supplier
        text, name_norm = search_fields(
            article, product_name=article.product.name, product_number=article.product.product_number,
            iso_code=article.product.iso_class.code, iso_titles=titles,
            supplier_name=supplier.name if supplier else "")
        listed = article.is_published and article.product.is_published
        if (text, name_norm, listed) != (article.search_text, article.name_norm, article.is_listed):
            article.search_text, article.name_norm, article.is_listed = text, name_norm, listed
            changed.append(article)
            vocab |= vocabulary_of(text)
        if len(changed) >= 1000:
            Article.objects.bulk_update(changed, ["search_text", "name_norm", "is_listed"])
            changed = []
    if changed:
        Article.objects.bulk_update(changed, ["search_text", "name_norm", "is_listed"])
    add_vocabulary(vocab)
    return total


class CatalogueWriter:
    def __init__(self, *, today: dt.date, source: str):
        self.today = today
        self.now = timezone.now()
        self.source = source
        self.counts: dict[str, dict[str, int]] = {}
        self.prices_changed = 0
        self.iso = {c: (pk, t) for pk, c, t in IsoClass.objects.values_list("pk", "code", "title")}
        self.suppliers = {c: (pk, n) for pk, c, n in Supplier.objects.values_list("pk", "code", "name")}
        self.price_lists = dict(PriceList.objects.values_list("code", "pk"))
        self.products = {
            num: (pk, name, iso_id, sup_id, pub) for pk, num, name, iso_id, sup_id, pub in
            Product.objects.values_list("pk", "product_number", "name", "iso_class_id", "supplier_id", "is_published")
        }
        self.iso_code_by_id = {pk: c for c, (pk, _t) in self.iso.items()}
        self._titles = {c: t for c, (_pk, t) in self.iso.items()}
        self.supplier_name_by_id = {pk: n for _c, (pk, n) in self.suppliers.items()}
        self.article_ids: dict[str, int] = dict(Article.objects.values_list("article_number", "pk"))
        self.reindex_product_ids: set[int] = set()
        self.reindex_all = False
        self.pending_replaced_by: list[tuple[str, str]] = []
        self.vocab: set[str] = set()

    def _count(self, rtype: str, what: str, n: int = 1) -> None:
        if n:
            bucket = self.counts.setdefault(rtype, {})
            bucket[what] = bucket.get(what, 0) + n

    def write(self, rtype: str, batch: list[dict]) -> None:
        getattr(self, f"_write_{rtype}")(batch)

    # -- small tables: row by row ----------------------------------------------------------
    def _write_iso_class(self, batch):
        for d in batch:
            code = d["code"]
            parent_id = self.iso[code[:-2]][0] if len(code) > 2 else None
            existing = self.iso.get(code)
            if existing is None:
                obj = IsoClass.objects.create(code=code, title=d["title"], level=len(code) // 2, parent_id=parent_id)
                self._count("iso_class", "created")
            else:
                obj = IsoClass.objects.get(pk=existing[0])
                if obj.title != d["title"] or obj.parent_id != parent_id:
                    obj.title, obj.parent_id = d["title"], parent_id
                    obj.save(update_fields=["title", "parent", "updated_at"])
                    self.reindex_all = True
                    self._count("iso_class", "updated")
            self.iso[code] = (obj.pk, obj.title)
            self._titles[code] = obj.title
            self.iso_code_by_id[obj.pk] = code

    def _write_supplier(self, batch):
        for d in batch:
            obj, created = Supplier.objects.get_or_create(code=d["code"], defaults=d)
            if created:
                self._count("supplier", "created")
            elif obj.name != d["name"] or obj.org_number != d["org_number"]:
                if obj.name != d["name"]:
                    self.reindex_all = True
                obj.name, obj.org_number = d["name"], d["org_number"]
                obj.save(update_fields=["name", "org_number", "updated_at"])
                self._count("supplier", "updated")
            self.suppliers[obj.code] = (obj.pk, obj.name)
            self.supplier_name_by_id[obj.pk] = obj.name

    def _write_price_list(self, batch):
        for d in batch:
            obj, created = PriceList.objects.update_or_create(code=d["code"], defaults=d)
            self._count("price_list", "created" if created else "updated")
            self.price_lists[obj.code] = obj.pk

    # -- products and articles: batched ----------------------------------------------------
    def _write_product(self, batch):
        numbers = [d["product_number"] for d in batch]
        existing = {p.product_number: p for p in Product.objects.filter(product_number__in=numbers)}
        new, changed = [], []
        for d in batch:
            values = {
                "name": d["name"], "iso_class_id": self.iso[d["iso_code"]][0],
                "supplier_id": self.suppliers[d["supplier"]][0] if d["supplier"] else None,
                "description": d["description"], "is_published": d["is_published"],
            }
            obj = existing.get(d["product_number"])
            if obj is None:
                new.append(Product(product_number=d["product_number"], **values))
            elif any(getattr(obj, f) != v for f, v in values.items()):
                if obj.name != values["name"] or obj.iso_class_id != values["iso_class_id"] \
                        or obj.supplier_id != values["supplier_id"] or obj.is_published != values["is_published"]:
                    self.reindex_product_ids.add(obj.pk)
                for f, v in values.items():
                    setattr(obj, f, v)
                obj.updated_at = self.now
                changed.append(obj)
        Product.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if changed:
            Product.objects.bulk_update(
                changed, ["name", "iso_class", "supplier", "description", "is_published", "updated_at"],
                batch_size=BATCH_SIZE)
        if new and new[0].pk is None:  # backends without RETURNING on bulk insert
            ids = dict(Product.objects.filter(product_number__in=[p.product_number for p in new])
                       .values_list("product_number", "pk"))
            for p in new:
                p.pk = ids[p.product_number]
        for p in new + changed:
            self.products[p.product_number] = (p.pk, p.name, p.iso_class_id, p.supplier_id, p.is_published)
        self._count("product", "created", len(new))
        self._count("product", "updated", len(changed))

    def _article_values(self, d: dict) -> dict:
        product_id = self.products[d["product_number"]][0]
        return {
            "name": d["name"], "kind": d["kind"], "product_id": product_id,
            "supplier_id": self.suppliers[d["supplier"]][0] if d["supplier"] else None,
            "supplier_article_number": d["supplier_article_number"], "gtin": d["gtin"], "unit": d["unit"],
            "charging": d["charging"], "is_published": d["is_published"], "is_orderable": d["is_orderable"],
            "in_assortment": d["in_assortment"], "can_be_component": d["can_be_component"],
            "is_tracked": d["is_tracked"], "serial_required": d["serial_required"], "purchasing": d["purchasing"],
            "lead_time_days": d["lead_time_days"], "inspection_interval_months": d["inspection_interval_months"],
            "variant_label": d.get("variant_label", ""),
        }

    def _fill_search(self, article: Article, product_number: str) -> None:
        _pk, product_name, iso_id, product_supplier_id, product_published = self.products[product_number]
        article.is_listed = article.is_published and product_published
        supplier_id = article.supplier_id or product_supplier_id
        article.search_text, article.name_norm = search_fields(
            article, product_name=product_name, product_number=product_number,
            iso_code=self.iso_code_by_id[iso_id], iso_titles=self._titles,
            supplier_name=self.supplier_name_by_id.get(supplier_id, "") if supplier_id else "")
        self.vocab |= vocabulary_of(article.search_text)

    def _write_article(self, batch):
        numbers = [d["article_number"] for d in batch]
        existing = {a.article_number: a for a in Article.objects.filter(article_number__in=numbers)}
        new, changed = [], []
        for d in batch:
            values = self._article_values(d)
            obj = existing.get(d["article_number"])
            if obj is None:
                obj = Article(article_number=d["article_number"], **values)
                self._fill_search(obj, d["product_number"])
                new.append(obj)
            else:
                old_search = (obj.search_text, obj.name_norm, obj.is_listed)
                differs = any(getattr(obj, f) != v for f, v in values.items())
                for f, v in values.items():
                    setattr(obj, f, v)
                self._fill_search(obj, d["product_number"])
                if differs or old_search != (obj.search_text, obj.name_norm, obj.is_listed):
                    obj.updated_at = self.now
                    changed.append(obj)
            if d["replaced_by"]:
                self.pending_replaced_by.append((d["article_number"], d["replaced_by"]))
        Article.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if changed:
            Article.objects.bulk_update(
                changed, [f.removesuffix("_id") for f in ARTICLE_FIELDS] + ["search_text", "name_norm", "is_listed",
                                                              "updated_at"],
                batch_size=BATCH_SIZE)
        if new and new[0].pk is None:
            ids = dict(Article.objects.filter(article_number__in=[a.article_number for a in new])
                       .values_list("article_number", "pk"))
            for a in new:
                a.pk = ids[a.article_number]
        for a in new:
            self.article_ids[a.article_number] = a.pk
        self._count("article", "created", len(new))
        self._count("article", "updated", len(changed))
        if len(self.vocab) > 5000:
            add_vocabulary(self.vocab)
            self.vocab = set()

    def _write_price(self, batch):
        ids = [self.article_ids[d["article_number"]] for d in batch]
        articles = {a.pk: a for a in Article.objects.filter(pk__in=ids)
                    .only("pk", "charging", "monthly_rent", "purchase_price")}
        rows: dict[int, list[ArticlePrice]] = {pk: [] for pk in ids}
        for r in ArticlePrice.objects.filter(article_id__in=ids).order_by("valid_from", "pk"):
            rows[r.article_id].append(r)
        creates, updates, touched = [], {}, set()
        for d in batch:
            article = articles[self.article_ids[d["article_number"]]]
            new = ArticlePrice(
                article_id=article.pk, charging=article.charging,
                price_list_id=self.price_lists[d["price_list"]] if d["price_list"] else None,
                monthly_rent=d["monthly_rent"], purchase_price=d["purchase_price"], valid_from=d["valid_from"],
                source=self.source)
            c, u = pricing.plan(rows[article.pk], new, self.now)
            if c:
                touched.add(article.pk)
                creates += c
                for r in u:
                    if r.pk:
                        updates[r.pk] = r
        ArticlePrice.objects.bulk_create(creates, batch_size=BATCH_SIZE)
        if updates:
            ArticlePrice.objects.bulk_update(list(updates.values()), ["valid_to", "replaced_at"],
                                             batch_size=BATCH_SIZE)
        self.prices_changed += len(creates)
        self._count("price", "created", len(creates))
        changed_articles = []
        for pk in touched:
            article = articles[pk]
            cur = pricing.current(rows[pk], self.today)
            rent, price = (cur.monthly_rent, cur.purchase_price) if cur else (None, None)
            if (article.monthly_rent, article.purchase_price) != (rent, price):
                article.monthly_rent, article.purchase_price = rent, price
                changed_articles.append(article)
        if changed_articles:
            Article.objects.bulk_update(changed_articles, ["monthly_rent", "purchase_price"], batch_size=BATCH_SIZE)

    def _write_media(self, batch):
        art_ids = {self.article_ids[d["article_number"]] for d in batch if d["article_number"]}
        prod_ids = {self.products[d["product_number"]][0] for d in batch if d["product_number"]}
        existing = {}
        for m in Media.objects.filter(Q(article_id__in=art_ids) | Q(product_id__in=prod_ids)):
            existing[(m.article_id, m.product_id, m.url)] = m
        new, changed = [], []
        counters: dict[tuple, int] = {}
        for d in batch:
            article_id = self.article_ids[d["article_number"]] if d["article_number"] else None
            product_id = self.products[d["product_number"]][0] if d["product_number"] else None
            owner = (article_id, product_id)
            counters[owner] = counters.get(owner, 0) + 1
            m = existing.get((article_id, product_id, d["url"]))
            if m is None:
                new.append(Media(article_id=article_id, product_id=product_id, kind=d["kind"], url=d["url"],
                                 title=d["title"], position=counters[owner]))
            elif (m.kind, m.title) != (d["kind"], d["title"]):
                m.kind, m.title = d["kind"], d["title"]
                changed.append(m)
        Media.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if changed:
            Media.objects.bulk_update(changed, ["kind", "title"], batch_size=BATCH_SIZE)
        self._count("media", "created", len(new))
        self._count("media", "updated", len(changed))

    def _write_fit(self, batch):
        objs = [ArticleFit(main_id=self.article_ids[d["main"]], part_id=self.article_ids[d["part"]]) for d in batch]
        before = ArticleFit.objects.count()
        ArticleFit.objects.bulk_create(objs, batch_size=BATCH_SIZE, ignore_conflicts=True)
        self._count("fit", "created", ArticleFit.objects.count() - before)

    def _write_alternative(self, batch):
        through = Article.alternatives.through
        objs = []
        for d in batch:
            a, b = self.article_ids[d["article_number"]], self.article_ids[d["alternative"]]
            objs += [through(from_article_id=a, to_article_id=b), through(from_article_id=b, to_article_id=a)]
        through.objects.bulk_create(objs, batch_size=BATCH_SIZE, ignore_conflicts=True)
        self._count("alternative", "linked", len(batch))

    def finish(self) -> None:
        for number, ref in self.pending_replaced_by:
            Article.objects.filter(pk=self.article_ids[number]).update(replaced_by_id=self.article_ids[ref])
        add_vocabulary(self.vocab)
        self.vocab = set()
        if self.reindex_all:
            reindex_articles(Article.objects.all())
        elif self.reindex_product_ids:
            reindex_articles(Article.objects.filter(product_id__in=self.reindex_product_ids))


BATCH_SIZE = 500
