"""Import of the catalogue exchange file (format: docs/catalogue-format.md).

Two streaming passes over the file:

1. **Validate** every record (encoding, JSON, fields, references, duplicates). Errors name the
   line and the field. Any error → `ImportFailed`, nothing is written.
2. **Write** the records in batches inside one transaction.

Memory stays bounded: the file is read line by line (each line at most `MAX_LINE_BYTES`), and
only the keys of the catalogue (codes and article numbers, tens of bytes each) are held, never
the records. Files larger than `settings.CATALOGUE_IMPORT_MAX_BYTES` (default 1 GB) are
refused before reading.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from .models import Article, Media

FORMAT_NAME = "lyfta-catalogue"
FORMAT_VERSION = 1
DEFAULT_MAX_BYTES = 1024 ** 3  # 1 GB
MAX_LINE_BYTES = 64 * 1024
MAX_ERRORS = 200
RECORD_TYPES = ("iso_class", "supplier", "price_list", "product", "article", "price", "media", "fit", "alternative")


def max_bytes() -> int:
    return int(getattr(settings, "CATALOGUE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass
class RecordError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"rad {self.line}" if self.line else "filen"
        return f"{where}, fält {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RecordError], truncated: bool = False):
        self.errors = errors
        self.truncated = truncated
        super().__init__("; ".join(str(e) for e in errors[:5]))


@dataclass
class ImportResult:
    counts: dict = field(default_factory=dict)
    prices_changed: int = 0
    lines: int = 0


# --- reading ---------------------------------------------------------------------------------

def read_records(path: str) -> Iterator[tuple[int, dict | None, RecordError | None]]:
    """Yield (line_number, record, error) for every non-empty line; streaming, bounded lines."""
    with open(path, "rb") as fh:
        line_no = 0
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            line_no += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                yield line_no, None, RecordError(line_no, "", f"raden är längre än {MAX_LINE_BYTES} byte")
                # Skip the rest of the over-long line without holding it.
                while raw and not raw.endswith(b"\n"):
                    raw = fh.readline(MAX_LINE_BYTES + 1)
                continue
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield line_no, None, RecordError(
                    line_no, "", f"ogiltig teckenkodning (inte UTF-8) vid byte {exc.start + 1} på raden")
                continue
            text = text.strip()
            if not text:
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line_no, None, RecordError(line_no, "", f"ogiltig JSON (kolumn {exc.colno}): {exc.msg}")
                continue
            if not isinstance(record, dict):
                yield line_no, None, RecordError(line_no, "", "raden ska vara ett JSON-objekt")
                continue
            yield line_no, record, None


# --- field parsing (shared by validation and writing) ----------------------------------------

class FieldError(Exception):
    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message


def _str(rec: dict, name: str, *, required=True, max_len=200, default="") -> str:
    value = rec.get(name)
    if value is None or value == "":
        if required:
            raise FieldError(name, "saknas")
        return default
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise FieldError(name, "ska vara text")
    value = str(value).strip()
    if required and not value:
        raise FieldError(name, "saknas")
    if len(value) > max_len:
        raise FieldError(name, f"är längre än {max_len} tecken")
    return value


def _bool(rec: dict, name: str, default: bool) -> bool:
    value = rec.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise FieldError(name, "ska vara true eller false")
    return value


def _int(rec: dict, name: str, *, minimum=0, maximum=32767) -> int | None:
    value = rec.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(name, "ska vara ett heltal")
    if value < minimum or value > maximum:
        raise FieldError(name, f"ska vara mellan {minimum} och {maximum}")
    return value


def _money(rec: dict, name: str) -> Decimal | None:
    value = rec.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(name, "ska vara ett belopp")
    try:
        amount = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise FieldError(name, "är inte ett giltigt belopp") from None
    if not amount.is_finite():
        raise FieldError(name, "är inte ett giltigt belopp")
    if amount < 0:
        raise FieldError(name, "får inte vara negativt")
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldError(name, "får ha högst två decimaler")
    if amount >= Decimal("10000000000"):
        raise FieldError(name, "är för stort")
    return amount.quantize(Decimal("0.01"))


def _date(rec: dict, name: str, *, required=True) -> dt.date | None:
    value = rec.get(name)
    if value in (None, ""):
        if required:
            raise FieldError(name, "saknas")
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise FieldError(name, "ska vara ett datum ÅÅÅÅ-MM-DD") from None


def _choice(rec: dict, name: str, choices, *, default=None) -> str:
    value = rec.get(name, default)
    if value in (None, ""):
        if default is None:
            raise FieldError(name, "saknas")
        return default
    if value not in choices:
        raise FieldError(name, f"ska vara en av {', '.join(choices)}")
    return value


def iso_code(value) -> str:
    code = "".join(str(value).split())
    if not code.isdigit() or len(code) not in (2, 4, 6):
        raise FieldError("code", "ska vara en ISO 9999-kod med 2, 4 eller 6 siffror")
    return code


def parse_iso_class(rec: dict) -> dict:
    try:
        code = iso_code(rec.get("code", ""))
    except FieldError:
        raise
    return {"code": code, "title": _str(rec, "title")}


def parse_supplier(rec: dict) -> dict:
    return {"code": _str(rec, "code", max_len=40), "name": _str(rec, "name"),
            "org_number": _str(rec, "org_number", required=False, max_len=20)}


def parse_price_list(rec: dict) -> dict:
    data = {"code": _str(rec, "code", max_len=40), "name": _str(rec, "name"),
            "valid_from": _date(rec, "valid_from"), "valid_to": _date(rec, "valid_to", required=False)}
    if data["valid_to"] and data["valid_to"] < data["valid_from"]:
        raise FieldError("valid_to", "ligger före valid_from")
    return data


def parse_product(rec: dict) -> dict:
    iso = rec.get("iso_code")
    if iso in (None, ""):
        raise FieldError("iso_code", "saknas")
    try:
        code = iso_code(iso)
    except FieldError:
        raise FieldError("iso_code", "ska vara en ISO 9999-kod med 2, 4 eller 6 siffror") from None
    return {"product_number": _str(rec, "product_number", max_len=35), "name": _str(rec, "name"),
            "iso_code": code, "supplier": _str(rec, "supplier", required=False, max_len=40),
            "description": _str(rec, "description", required=False, max_len=5000),
            "is_published": _bool(rec, "published", True)}


def parse_gtin(rec: dict) -> str:
    value = _str(rec, "gtin", required=False, max_len=14)
    if value:
        try:
            value = ean.validate(value)
        except StdnumError:
            raise FieldError("gtin", "är inte ett giltigt GTIN (kontrollsiffran stämmer inte eller fel längd)") from None
    return value


def parse_article(rec: dict) -> dict:
    kinds = [k.value for k in Article.Kind]
    data = {
        "article_number": _str(rec, "article_number", max_len=35),
        "product_number": _str(rec, "product_number", max_len=35),
        "name": _str(rec, "name"),
        "variant_label": _str(rec, "variant", required=False, max_len=100),
        "kind": _choice(rec, "kind", kinds),
        "supplier": _str(rec, "supplier", required=False, max_len=40),
        "supplier_article_number": _str(rec, "supplier_article_number", required=False, max_len=60),
        "gtin": parse_gtin(rec),
        "unit": _str(rec, "unit", required=False, max_len=10, default="st"),
        "charging": _choice(rec, "charging", [c.value for c in Article.Charging], default="purchase"),
        "is_published": _bool(rec, "published", True),
        "is_orderable": _bool(rec, "orderable", True),
        "in_assortment": _bool(rec, "in_assortment", True),
        "can_be_component": _bool(rec, "component", False),
        "is_tracked": _bool(rec, "tracked", False),
        "serial_required": _bool(rec, "serial_required", False),
        "purchasing": _choice(rec, "purchasing", [p.value for p in Article.Purchasing], default="stocked"),
        "lead_time_days": _int(rec, "lead_time_days", maximum=365),
        "inspection_interval_months": _int(rec, "inspection_interval_months", maximum=240),
        "replaced_by": _str(rec, "replaced_by", required=False, max_len=35),
    }
    if data["serial_required"] and not data["is_tracked"]:
        raise FieldError("serial_required", "kräver att artikeln är individmärkt (tracked)")
    if data["replaced_by"] == data["article_number"]:
        raise FieldError("replaced_by", "kan inte vara artikeln själv")
    return data


def parse_price(rec: dict) -> dict:
    data = {"article_number": _str(rec, "article_number", max_len=35),
            "price_list": _str(rec, "price_list", required=False, max_len=40),
            "monthly_rent": _money(rec, "monthly_rent"), "purchase_price": _money(rec, "purchase_price"),
            "valid_from": _date(rec, "valid_from")}
    if data["monthly_rent"] is None and data["purchase_price"] is None:
        raise FieldError("monthly_rent", "monthly_rent eller purchase_price måste anges")
    return data


def parse_media(rec: dict) -> dict:
    data = {"article_number": _str(rec, "article_number", required=False, max_len=35),
            "product_number": _str(rec, "product_number", required=False, max_len=35),
            "kind": _choice(rec, "kind", [k.value for k in Media.Kind]),
            "url": _str(rec, "url", max_len=500), "title": _str(rec, "title")}
    if bool(data["article_number"]) == bool(data["product_number"]):
        raise FieldError("article_number", "ange antingen article_number eller product_number")
    url = data["url"]
    if url.lower().startswith(("javascript:", "data:", "vbscript:")):
        raise FieldError("url", "otillåten adress")
    return data


def parse_fit(rec: dict) -> dict:
    data = {"main": _str(rec, "main", max_len=35), "part": _str(rec, "part", max_len=35)}
    if data["main"] == data["part"]:
        raise FieldError("part", "en artikel kan inte passa till sig själv")
    return data


def parse_alternative(rec: dict) -> dict:
    data = {"article_number": _str(rec, "article_number", max_len=35),
            "alternative": _str(rec, "alternative", max_len=35)}
    if data["article_number"] == data["alternative"]:
        raise FieldError("alternative", "en artikel kan inte vara alternativ till sig själv")
    return data


PARSERS = {
    "iso_class": parse_iso_class, "supplier": parse_supplier, "price_list": parse_price_list,
    "product": parse_product, "article": parse_article, "price": parse_price, "media": parse_media,
    "fit": parse_fit, "alternative": parse_alternative,
}


def check_size(path: str) -> None:
    size = os.path.getsize(path)
    limit = max_bytes()
    if size > limit:
        raise ImportFailed([RecordError(0, "", f"filen är {size} byte, större än gränsen {limit} byte; "
                                               "ingenting har importerats")])


# --- pass 1: validation ----------------------------------------------------------------------

def _existing_keys() -> dict:
    from .models import IsoClass, PriceList, Product, Supplier

    return {
        "iso": set(IsoClass.objects.values_list("code", flat=True)),
        "supplier": set(Supplier.objects.values_list("code", flat=True)),
        "price_list": set(PriceList.objects.values_list("code", flat=True)),
        "product": set(Product.objects.values_list("product_number", flat=True)),
        "article": {n: (k, c) for n, k, c in Article.objects.values_list("article_number", "kind", "charging")},
    }


def validate_file(path: str) -> dict:
    """Pass 1. Returns record counts per type; raises ImportFailed listing every error found."""
    check_size(path)
    known = _existing_keys()
    seen = {t: set() for t in ("iso", "supplier", "price_list", "product", "article")}
    seen_prices: set[tuple[str, dt.date]] = set()
    pending_replaced_by: list[tuple[int, str]] = []
    errors: list[RecordError] = []
    counts: dict[str, int] = {}
    truncated = False
    header_seen = False

    def err(line, field_name, message):
        nonlocal truncated
        if len(errors) < MAX_ERRORS:
            errors.append(RecordError(line, field_name, message))
        else:
            truncated = True

    def known_article(number):
        return known["article"].get(number)

    for line, rec, read_error in read_records(path):
        if read_error:
            err(read_error.line, read_error.field, read_error.message)
            continue
        rtype = rec.get("type")
        if not header_seen:
            header_seen = True
            if rtype != "header":
                err(line, "type", "första posten ska vara en header med format och version")
            else:
                if rec.get("format") != FORMAT_NAME:
                    err(line, "format", f"ska vara \"{FORMAT_NAME}\"")
                if rec.get("version") != FORMAT_VERSION:
                    err(line, "version", f"versionen stöds inte (ska vara {FORMAT_VERSION})")
                continue
        if rtype == "header":
            err(line, "type", "header får bara förekomma på första raden")
            continue
        if rtype not in PARSERS:
            err(line, "type", f"okänd posttyp {rtype!r}; tillåtna: {', '.join(RECORD_TYPES)}")
            continue
        try:
            data = PARSERS[rtype](rec)
        except FieldError as exc:
            err(line, exc.field, exc.message)
            continue
        counts[rtype] = counts.get(rtype, 0) + 1
        if rtype == "iso_class":
            code = data["code"]
            if code in seen["iso"]:
                err(line, "code", f"ISO-koden {code} förekommer två gånger i filen")
            elif len(code) > 2 and code[:-2] not in known["iso"]:
                err(line, "code", f"överordnad ISO-klass {code[:-2]} saknas (ska stå tidigare i filen)")
            seen["iso"].add(code)
            known["iso"].add(code)
        elif rtype == "supplier":
            if data["code"] in seen["supplier"]:
                err(line, "code", f"leverantören {data['code']} förekommer två gånger i filen")
            seen["supplier"].add(data["code"])
            known["supplier"].add(data["code"])
        elif rtype == "price_list":
            if data["code"] in seen["price_list"]:
                err(line, "code", f"prislistan {data['code']} förekommer två gånger i filen")
            seen["price_list"].add(data["code"])
            known["price_list"].add(data["code"])
        elif rtype == "product":
            if data["product_number"] in seen["product"]:
                err(line, "product_number", f"produktnumret {data['product_number']} förekommer två gånger i filen")
            if data["iso_code"] not in known["iso"]:
                err(line, "iso_code", f"okänd ISO-kod {data['iso_code']}")
            if data["supplier"] and data["supplier"] not in known["supplier"]:
                err(line, "supplier", f"okänd leverantör {data['supplier']}")
            seen["product"].add(data["product_number"])
            known["product"].add(data["product_number"])
        elif rtype == "article":
            number = data["article_number"]
            if number in seen["article"]:
                err(line, "article_number", f"artikelnumret {number} förekommer två gånger i filen")
            if data["product_number"] not in known["product"]:
                err(line, "product_number", f"okänd produkt {data['product_number']}")
            if data["supplier"] and data["supplier"] not in known["supplier"]:
                err(line, "supplier", f"okänd leverantör {data['supplier']}")
            if data["replaced_by"]:
                pending_replaced_by.append((line, data["replaced_by"]))
            seen["article"].add(number)
            known["article"][number] = (data["kind"], data["charging"])
        elif rtype == "price":
            art = known_article(data["article_number"])
            if art is None:
                err(line, "article_number", f"okänd artikel {data['article_number']}")
            elif art[1] == Article.Charging.RENT and data["monthly_rent"] is None:
                err(line, "monthly_rent", "saknas för en artikel som hyrs")
            elif art[1] == Article.Charging.PURCHASE and data["purchase_price"] is None:
                err(line, "purchase_price", "saknas för en artikel som köps")
            if data["price_list"] and data["price_list"] not in known["price_list"]:
                err(line, "price_list", f"okänd prislista {data['price_list']}")
            key = (data["article_number"], data["valid_from"])
            if key in seen_prices:
                err(line, "valid_from", "två priser för samma artikel och datum")
            seen_prices.add(key)
        elif rtype == "media":
            if data["article_number"] and known_article(data["article_number"]) is None:
                err(line, "article_number", f"okänd artikel {data['article_number']}")
            if data["product_number"] and data["product_number"] not in known["product"]:
                err(line, "product_number", f"okänd produkt {data['product_number']}")
        elif rtype == "fit":
            main, part = known_article(data["main"]), known_article(data["part"])
            if main is None:
                err(line, "main", f"okänd artikel {data['main']}")
            elif main[0] != Article.Kind.MAIN:
                err(line, "main", "ska vara ett huvudhjälpmedel (H)")
            if part is None:
                err(line, "part", f"okänd artikel {data['part']}")
            elif part[0] not in (Article.Kind.ACCESSORY, Article.Kind.SPARE_PART):
                err(line, "part", "ska vara ett tillbehör (T) eller en reservdel (R)")
        elif rtype == "alternative":
            for f_name in ("article_number", "alternative"):
                if known_article(data[f_name]) is None:
                    err(line, f_name, f"okänd artikel {data[f_name]}")
    if not header_seen:
        err(1, "", "filen är tom")
    for line, ref in pending_replaced_by:
        if ref not in known["article"]:
            err(line, "replaced_by", f"okänd artikel {ref}")
    if errors:
        raise ImportFailed(errors, truncated)
    return counts


# --- pass 2: writing -------------------------------------------------------------------------

BATCH = 1000


def write_file(path: str, *, today: dt.date, source: str = "import") -> ImportResult:
    """Pass 2, called inside a transaction after `validate_file` succeeded."""
    from .writer import CatalogueWriter

    writer = CatalogueWriter(today=today, source=source)
    result = ImportResult()
    batch_type, batch = None, []
    for line, rec, _ in read_records(path):
        result.lines = line
        rtype = rec.get("type")
        if rtype == "header":
            continue
        data = PARSERS[rtype](rec)
        if rtype != batch_type or len(batch) >= BATCH:
            if batch:
                writer.write(batch_type, batch)
            batch_type, batch = rtype, []
        batch.append(data)
    if batch:
        writer.write(batch_type, batch)
    writer.finish()
    result.counts = writer.counts
    result.prices_changed = writer.prices_changed
    return result
