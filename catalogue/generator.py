"""Realistic catalogue records in the exchange format (docs/catalogue-format.md).

`records(articles=N)` yields the records of a catalogue with N articles (about five articles per
product), streaming, deterministic for a given seed. Used by `manage.py generate_catalogue`,
the demo data and the benchmark. ISO 9999 codes and Swedish titles follow SS-EN ISO 9999 as
used by Hjälpmedelstjänsten (a subset: the product areas a supply centre handles most).
"""
from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator

from stdnum import ean

from .importer import FORMAT_NAME, FORMAT_VERSION

ISO_CLASSES: list[tuple[str, str]] = [
    ("04", "Hjälpmedel för att mäta, stödja, träna eller ersätta kroppsfunktioner"),
    ("0433", "Hjälpmedel för vävnadsintegritet"),
    ("043303", "Sittdynor och underlägg för att förebygga trycksår"),
    ("043306", "Madrasser och underlägg för att förebygga trycksår"),
    ("09", "Hjälpmedel för personlig vård"),
    ("0912", "Hjälpmedel vid toalettbesök"),
    ("091203", "Toalettstolar"),
    ("091212", "Toalettsitsar, förhöjda"),
    ("0933", "Hygienhjälpmedel för att tvätta, bada och duscha"),
    ("093303", "Bad- och duschstolar"),
    ("093312", "Bad- och duschbritsar samt skötbord"),
    ("12", "Hjälpmedel för personlig förflyttning"),
    ("1203", "Gånghjälpmedel som hanteras med en arm"),
    ("120303", "Käppar"),
    ("1206", "Gånghjälpmedel som hanteras med båda armarna"),
    ("120606", "Rollatorer"),
    ("1222", "Manuella rullstolar"),
    ("122203", "Manuella rullstolar drivna med båda händerna"),
    ("122218", "Manuella rullstolar drivna av medhjälpare"),
    ("1223", "Elrullstolar"),
    ("122306", "Elrullstolar med elektrisk styrning"),
    ("1224", "Tillbehör till rullstolar"),
    ("122424", "Batterier och batteriladdare till rullstolar"),
    ("1231", "Hjälpmedel för förflyttning och vändning"),
    ("123103", "Glidbrädor och glidmattor"),
    ("1236", "Lyftar"),
    ("123603", "Mobila lyftar med sele"),
    ("123612", "Stationära lyftar fästa i vägg, golv eller tak"),
    ("123621", "Lyftselar och andra kroppsstöd för lyftar"),
    ("18", "Hjälpmedel för boende"),
    ("1812", "Sängar"),
    ("181210", "Sängar, elektriskt reglerbara"),
    ("181227", "Sänggrindar och sängskydd"),
    ("22", "Hjälpmedel för kommunikation och information"),
    ("2203", "Synhjälpmedel"),
    ("220318", "Förstoringsglas och luppar"),
    ("220324", "Läs-tv och elektroniska förstorare"),
    ("2206", "Hörhjälpmedel"),
    ("220618", "Samtalsförstärkare"),
    ("220621", "Hörslingor och induktionssystem"),
    ("2221", "Kommunikationshjälpmedel för samtal ansikte mot ansikte"),
    ("222103", "Bokstavs- och bildtavlor"),
    ("222109", "Talapparater"),
]

# (iso code, base name, kind, charging, tracked, inspection months, rent/price range, variant label, variants)
AREAS = [
    ("122203", "Rullstol", "H", "rent", True, 24, (250, 900), "sittbredd {} cm", [36, 38, 40, 42, 44, 46, 48, 50]),
    ("122218", "Transportrullstol", "H", "rent", True, 24, (200, 600), "sittbredd {} cm", [40, 42, 45, 48]),
    ("122306", "Elrullstol", "H", "rent", True, 12, (1200, 3500), "sittbredd {} cm", [42, 45, 48, 51]),
    ("043303", "Sittdyna", "T", "purchase", False, None, (450, 4200), "{} x 42 cm", [38, 40, 42, 44, 46, 48]),
    ("122424", "Batteriladdare", "R", "purchase", False, None, (900, 3200), "{} A", [5, 8, 10]),
    ("181210", "Säng", "H", "rent", True, 24, (300, 900), "längd {} cm", [200, 210, 220]),
    ("181227", "Sänggrind", "T", "purchase", False, None, (800, 2500), "längd {} cm", [140, 160, 180]),
    ("043306", "Madrass", "T", "rent", True, 12, (150, 950), "bredd {} cm", [80, 90, 105, 120]),
    ("123603", "Mobil lyft", "H", "rent", True, 12, (600, 1600), "max {} kg", [150, 175, 200, 250]),
    ("123612", "Taklyft", "H", "rent", True, 12, (500, 1400), "max {} kg", [200, 255, 300]),
    ("123621", "Lyftsele", "T", "purchase", False, None, (900, 3800), "storlek {}", ["XS", "S", "M", "L", "XL"]),
    ("120606", "Rollator", "H", "rent", False, None, (60, 220), "höjd {}", ["låg", "normal", "hög"]),
    ("120303", "Käpp", "H", "purchase", False, None, (120, 450), "längd {} cm", [75, 85, 95]),
    ("093303", "Duschstol", "H", "purchase", False, None, (900, 6500), "sitthöjd {} cm", [45, 50, 55]),
    ("093312", "Duschbrits", "H", "rent", True, 24, (500, 1500), "längd {} cm", [180, 195]),
    ("091203", "Toalettstol", "H", "purchase", False, None, (1500, 6000), "sitthöjd {} cm", [46, 52, 58]),
    ("091212", "Toalettförhöjning", "H", "purchase", False, None, (300, 1200), "höjd {} cm", [6, 10, 15]),
    ("123103", "Glidmatta", "H", "purchase", False, None, (400, 1600), "{} cm", [70, 140, 190]),
    ("220318", "Förstoringsglas", "H", "purchase", False, None, (150, 1800), "{} ggr", [2, 3, 4, 6]),
    ("220324", "Läs-tv", "H", "rent", True, 36, (250, 900), "skärm {} tum", [22, 24, 27]),
    ("220618", "Samtalsförstärkare", "H", "purchase", False, None, (900, 3500), "modell {}", ["A", "B"]),
    ("220621", "Hörslinga", "H", "purchase", False, None, (1500, 9000), "rum {}", ["litet", "stort"]),
    ("222103", "Bildtavla", "H", "purchase", False, None, (100, 900), "{} rutor", [16, 36, 64]),
    ("222109", "Talapparat", "H", "rent", True, 24, (300, 1200), "skärm {} tum", [8, 10, 13]),
]
MODELS = ["Aktiv", "Basic", "Comfort", "Cross", "Delta", "Euro", "Flex", "Gemini", "Helix", "Ideal", "Juno",
          "Kappa", "Lima", "Maxi", "Nova", "Orbit", "Prima", "Quattro", "Rex", "Sigma", "Terra", "Ultra",
          "Vega", "Zeta", "Alfa", "Bravo", "Carat", "Dura", "Elan", "Forma"]
SUPPLIERS = [
    (f"SUP{i:03d}", name, f"556{100000 + i * 37:06d}-{1000 + i:04d}"[:11]) for i, name in enumerate([
        "Invacare AB", "Etac AB", "Permobil AB", "Sunrise Medical AB", "Arjo Sverige AB", "Handicare AB",
        "Liko Hill-Rom AB", "Hjälpmedelsbolaget Norden AB", "Vitea AB", "Mediq Sverige AB", "Optik & Syn AB",
        "Hörteknik Sverige AB", "Kommunikera AB", "Rehab Partner AB", "Nordisk Rehab AB", "Medema AB",
        "Anatomic Sitt AB", "Bure Care AB", "Care of Sweden AB", "Eurovema AB",
    ], start=1)
]
LEAD_TIMES = [None, None, 10, 15, 20, 25, 30]


def _gtin(rng: random.Random) -> str:
    body = "735" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    return body + ean.calc_check_digit(body)


def records(articles: int = 60000, *, seed: int = 20261122, valid_from: str = "2026-01-01",
            price_factor: float = 1.0) -> Iterator[dict]:
    """Yield the records of a catalogue with `articles` articles (streaming)."""
    rng = random.Random(seed)
    yield {"type": "header", "format": FORMAT_NAME, "version": FORMAT_VERSION, "source": "Lyfta generator",
           "created": dt.date.today().isoformat()}
    for code, title in ISO_CLASSES:
        yield {"type": "iso_class", "code": code, "title": title}
    for code, name, org in SUPPLIERS:
        yield {"type": "supplier", "code": code, "name": name, "org_number": org}
    year = valid_from[:4]
    yield {"type": "price_list", "code": f"PL{year}", "name": f"Prislista {year}", "valid_from": valid_from}
    made = 0
    recent_mains: dict[str, list[str]] = {}
    product_no = 0
    chunk: dict[str, list[dict]] = {k: [] for k in ("product", "article", "price", "media", "fit")}

    def flush():
        for key in ("product", "article", "price", "media", "fit"):
            yield from chunk[key]
            chunk[key] = []

    # Services (kind Tj): mounting and adaptation, priced per occasion.
    services = [("123612", "Montering av taklyft"), ("122203", "Anpassning av rullstol"),
                ("181210", "Leverans och montering av säng")]
    for iso, name in services[: max(0, min(len(services), articles // 100))]:
        product_no += 1
        pnum = f"P{product_no:06d}"
        made += 1
        anum = f"{100000 + made}"
        yield {"type": "product", "product_number": pnum, "name": name, "iso_code": iso, "supplier": SUPPLIERS[0][0]}
        yield {"type": "article", "article_number": anum, "product_number": pnum, "name": name, "kind": "Tj",
               "unit": "tim", "charging": "purchase", "purchasing": "stocked"}
        yield {"type": "price", "article_number": anum, "price_list": f"PL{year}",
               "purchase_price": f"{650 * price_factor:.2f}", "valid_from": valid_from}
    while made < articles:
        area = AREAS[product_no % len(AREAS)]
        iso, base, kind, charging, tracked, inspection, (lo, hi), variant_label, variants = area
        product_no += 1
        model = MODELS[(product_no // len(AREAS)) % len(MODELS)]
        generation = product_no // (len(AREAS) * len(MODELS)) + 1
        supplier = SUPPLIERS[rng.randrange(len(SUPPLIERS))][0]
        pnum = f"P{product_no:06d}"
        pname = f"{base} {model} {generation}" if generation > 1 else f"{base} {model}"
        chunk["product"].append({
            "type": "product", "product_number": pnum, "name": pname, "iso_code": iso, "supplier": supplier,
            "description": f"{base} {model} från {dict((c, n) for c, n, _o in SUPPLIERS)[supplier]}. "
                           "Finns i flera storlekar."})
        chunk["media"].append({"type": "media", "product_number": pnum, "kind": "image",
                               "url": f"https://bilder.hjalpmedel.example/{pnum}.jpg", "title": f"Bild {pname}"})
        chunk["media"].append({"type": "media", "product_number": pnum, "kind": "ifu",
                               "url": f"https://dokument.hjalpmedel.example/{pnum}-bruksanvisning.pdf",
                               "title": f"Bruksanvisning {pname}"})
        purchasing = "stocked" if rng.random() < 0.6 else "on_demand"
        base_price = rng.randint(lo, hi)
        for i, variant in enumerate(variants[: max(1, min(len(variants), articles - made))]):
            made += 1
            anum = f"{100000 + made}"
            name = f"{pname}, {variant_label.format(variant)}"
            price = round(base_price * (1 + 0.04 * i) * price_factor, 0)
            art = {
                "type": "article", "article_number": anum, "product_number": pnum, "name": name, "kind": kind,
                "variant": variant_label.format(variant),
                "supplier": supplier, "supplier_article_number": f"{supplier[-3:]}-{rng.randint(10000, 99999)}-{i}",
                "unit": "st", "charging": charging, "published": True,
                "orderable": rng.random() > 0.03, "in_assortment": rng.random() > 0.05,
                "component": kind in ("T", "R"), "tracked": tracked, "serial_required": tracked,
                "purchasing": purchasing,
                "lead_time_days": rng.choice(LEAD_TIMES) if purchasing == "on_demand" else None,
                "inspection_interval_months": inspection,
            }
            if rng.random() < 0.5:
                art["gtin"] = _gtin(rng)
            chunk["article"].append(art)
            if charging == "rent":
                chunk["price"].append({"type": "price", "article_number": anum, "price_list": f"PL{year}",
                                       "monthly_rent": f"{price:.2f}",
                                       "purchase_price": f"{price * 30:.2f}", "valid_from": valid_from})
            else:
                chunk["price"].append({"type": "price", "article_number": anum, "price_list": f"PL{year}",
                                       "purchase_price": f"{price:.2f}", "valid_from": valid_from})
            if kind == "H":
                mains = recent_mains.setdefault(base, [])
                mains.append(anum)
                del mains[:-40]
            else:
                for tbase in FITS_TO.get(base, []):
                    candidates = recent_mains.get(tbase, [])
                    for main in rng.sample(candidates, min(3, len(candidates))):
                        chunk["fit"].append({"type": "fit", "main": main, "part": anum})
        # Emit in dependency order per chunk of products, so memory stays bounded.
        if len(chunk["product"]) >= 200:
            yield from flush()
    yield from flush()


FITS_TO = {"Sittdyna": ["Rullstol", "Transportrullstol", "Elrullstol"], "Batteriladdare": ["Elrullstol"],
           "Sänggrind": ["Säng"], "Madrass": ["Säng"], "Lyftsele": ["Mobil lyft", "Taklyft"]}


def write(path: str, articles: int = 60000, **kwargs) -> int:
    """Write a generated file; returns the number of lines."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records(articles, **kwargs):
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n
