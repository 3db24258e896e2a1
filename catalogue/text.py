"""Text normalisation shared by the import (which writes `Article.search_text`) and the search
selector (which normalises the query the same way), plus trigram similarity computed exactly as
PostgreSQL's pg_trgm does for single words, so typo tolerance gives the same answer on both
databases."""
from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-zåäöéüæø]+")
_HAS_DIGIT = re.compile(r"\d")


def normalise(text: str | None) -> str:
    """Lowercase words of letters and digits separated by single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)).lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def words(text: str | None) -> list[str]:
    return normalise(text).split()


def compact(text: str | None) -> str:
    """'HMC-123 45' -> 'hmc12345' (codes are searchable with or without separators)."""
    return normalise(text).replace(" ", "")


def is_vocabulary_word(word: str) -> bool:
    """Words kept in the typo-tolerance vocabulary: alphabetic, 3..60 characters."""
    return 3 <= len(word) <= 60 and not _HAS_DIGIT.search(word)


def trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def build_search_text(*, article_number: str, name: str, supplier_article_number: str = "", gtin: str = "",
                      product_name: str = "", product_number: str = "", iso_codes: list[str] | None = None,
                      iso_titles: list[str] | None = None, supplier_name: str = "") -> str:
    parts: list[str] = [normalise(article_number), compact(article_number), normalise(name)]
    if supplier_article_number:
        parts += [normalise(supplier_article_number), compact(supplier_article_number)]
    if gtin:
        parts.append(gtin)
    if product_name and normalise(product_name) != normalise(name):
        parts.append(normalise(product_name))
    if product_number:
        parts.append(compact(product_number))
    for code in iso_codes or []:
        parts.append(code)
    for title in iso_titles or []:
        parts.append(normalise(title))
    if supplier_name:
        parts.append(normalise(supplier_name))
    # Drop repeated words, keep order.
    seen: set[str] = set()
    out = []
    for w in " ".join(parts).split():
        if w not in seen:
            seen.add(w)
            out.append(w)
    return " ".join(out)
