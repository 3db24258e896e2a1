"""The reorder-rule spreadsheet (.xlsx or .csv): one rule per row, columns
`förråd` (store code), `artikelnummer`, `säkerhetsnivå`, `påfyllnadsnivå`, `automatisk`
(ja/nej). Every row is checked; the errors name their row numbers (the header is row 1) and
nothing is written when any row is wrong (`services.reorder_rules_import` writes the lot)."""
from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from catalogue.models import Article
from core.errors import ValidationFailed

from ..models import Location
from .services import check_rule

MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
COLUMNS = {
    "förråd": "store", "forrad": "store", "store": "store",
    "artikelnummer": "article", "artikel": "article", "article_number": "article",
    "säkerhetsnivå": "safety_level", "sakerhetsniva": "safety_level", "safety_level": "safety_level",
    "påfyllnadsnivå": "refill_level", "pafyllnadsniva": "refill_level", "refill_level": "refill_level",
    "automatisk": "automatic", "automatic": "automatic",
}
YES = {"ja", "j", "yes", "y", "1", "true", "sant", "x"}
NO = {"nej", "n", "no", "0", "false", "falskt", ""}


def _rows_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer to the user
        raise ValidationFailed(_("Filen kunde inte läsas som .xlsx."), errors={"file": [_("Filen kunde inte läsas.")]}) \
            from None
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    wb.close()
    return rows


def _rows_csv(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    dialect = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=dialect)][: MAX_ROWS + 2]


def parse(*, name: str, data: bytes, stores=None) -> list[dict]:
    """Checked rows [{row, store, article, safety_level, refill_level, automatic}], or
    ValidationFailed listing every wrong row (`errors["file"]`: "Rad N: …"). `stores`: the
    stores the uploader may set rules for (default: every active buffer store)."""
    def refuse(msgs):
        raise ValidationFailed(_("Filen innehåller fel (%(count)s st). Inget har sparats.") % {"count": len(msgs)}, errors={"file": msgs})

    if not data:
        refuse(["Filen är tom."])
    if len(data) > MAX_BYTES:
        refuse([f"Filen är för stor (högst {MAX_BYTES // (1024 * 1024)} MB)."])
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        rows = _rows_xlsx(data)
    elif lower.endswith(".csv"):
        rows = _rows_csv(data)
    else:
        refuse(["Ladda upp en .xlsx- eller .csv-fil."])
    rows = [r for r in rows if any(c not in (None, "") for c in r)] if rows else []
    if not rows:
        refuse(["Filen har inga rader."])
    header = [COLUMNS.get(str(c or "").strip().lower()) for c in rows[0]]
    missing = [c for c in ("store", "article", "safety_level", "refill_level") if c not in header]
    if missing:
        refuse(["Rad 1: kolumnerna förråd, artikelnummer, säkerhetsnivå och påfyllnadsnivå krävs "
                "(automatisk är frivillig)."])
    if len(rows) - 1 > MAX_ROWS:
        refuse([f"Filen har fler än {MAX_ROWS} rader."])
    store_qs = stores if stores is not None else Location.objects.filter(kind=Location.Kind.BUFFER_STORE,
                                                                          is_active=True)
    by_code = {s.code.upper(): s for s in store_qs}
    body = [dict(zip(header, r)) for r in rows[1:]]
    numbers = {str(r.get("article") or "").strip() for r in body}
    articles = {a.article_number: a for a in Article.objects.filter(article_number__in=numbers)}
    errors, checked, seen = [], [], {}
    for n, r in enumerate(body, start=2):
        code = str(r.get("store") or "").strip().upper()
        number = str(r.get("article") or "").strip()
        store = by_code.get(code)
        if store is None:
            errors.append(_("Rad %(n)s: förrådet %(value)s finns inte.") % {"n": n, "value": code or _("(tomt)")})
            continue
        article = articles.get(number)
        if article is None:
            errors.append(_("Rad %(n)s: artikeln %(value)s finns inte.") % {"n": n, "value": number or _("(tom)")})
            continue
        auto_raw = str(r.get("automatic") if r.get("automatic") is not None else "ja").strip().lower()
        if auto_raw not in YES | NO:
            errors.append(_("Rad %(n)s: automatisk ska vara ja eller nej.") % {"n": n})
            continue
        try:
            safety, refill = check_rule(store, article, r.get("safety_level"), r.get("refill_level"))
        except ValidationFailed as exc:
            errors.append(_("Rad %(n)s: %(message)s") % {"n": n, "message": exc.message})
            continue
        key = (store.pk, article.pk)
        if key in seen:
            errors.append(_("Rad %(n)s: samma förråd och artikel som rad %(seen)s.") % {"n": n, "seen": seen[key]})
            continue
        seen[key] = n
        checked.append({"row": n, "store": store, "article": article, "safety_level": safety,
                        "refill_level": refill, "automatic": auto_raw in YES})
    if errors:
        refuse(errors)
    return checked
