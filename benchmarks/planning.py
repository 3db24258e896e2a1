"""Planning-scale data (DESIGN.md §9) on PostgreSQL, loaded with COPY into the real tables.

    python -m benchmarks planning [--scale 1.0] [--db postgres://postgres@127.0.0.1:5432/lyfta_planning]
                                  [--reuse] [--today YYYY-MM-DD]

From Python (other benchmarks build on it):

    from benchmarks.planning import load
    info = load(scale=0.1, db_url="postgres://postgres@127.0.0.1:5432/lyfta_planning")
    info["month"]      # the benchmark month: the calendar month before `today`
    info["counts"]     # what was generated, e.g. counts["on_loan"]

What it does: drops and recreates the named database, migrates it (`manage.py migrate` in a
subprocess, so the caller's Django may point anywhere), drops the foreign keys and the
non-unique indexes of the tables it fills, COPYs (psycopg `cursor.copy`) generated rows into the
real tables in dependency order, re-creates the indexes and re-adds the foreign keys (PostgreSQL
validates every row when a constraint is added, so the data provably honours them; unique and
check constraints stay in force during the load), sets the id sequences and the order-number
sequences, builds the stock-level projection from the ledger and ANALYZEs. Prints rows and
seconds per table. Columns the generator does not set get the model field's default (or NULL /
empty for nullable / blank fields), so a field added later with a default needs no change here;
a new required field without a default stops the load with its name.

At --scale 1.0 (all counts multiplied by the scale, with small minimums):
50 customers (customer 1 is the large region with 40 % of the units and patients, customer 2 a
neighbouring region, the rest municipalities) and the supply centre; 3,000 units, each with its
own cost centre; 15,000 customer users (5 per unit: prescriber, orderer, prescriber, store
keeper, invoice viewer) and 100 supply users (technicians, drivers, handlers, admins);
10 ISO classes, 50 suppliers, 12,000 products, 60,000 articles (4 in 5 rented and tracked; 1 in
5 purchased: accessories and spare parts; 1 in 97 outside the assortment) with a price list and
one price period each (2 % of the rented ones change price on the 15th of the benchmark month);
250,000 patients; 800,000 devices, 600,000 of them on loan (open loans, each delivered by a
customer order); 200,000 ended loans (with pickup orders for 150,000 of them); 400 buffer stores
with 40 devices each; 3,000,000 customer orders over five years (800,000 loan deliveries, the
rest purchases of accessories, 20 % not delivered), their lines, deliveries and delivery lines;
300,000 work orders (90 % completed, with hours; every second one with a spare part);
2–3 events per order (1 % of delivered customer orders also have a failed delivery); the stock
ledger (receipt, issue, return, transfers) and the stock levels built from it.

The data is deterministic for a given (scale, today). Not yet generated: reorder rules of the
buffer stores, fault reports, messages, audit rows (append the tables you need to `TABLES`).
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lyfta_planning"
FULL = {"customers": 50, "units": 3000, "users_per_unit": 5, "supply_users": 100, "products": 12000,
        "articles": 60000, "patients": 250000, "devices": 800000, "on_loan": 600000, "ended_loans": 200000,
        "pickups": 150000, "buffer_stores": 400, "buffer_devices_per_store": 40, "orders": 3000000,
        "work_orders": 300000}
ISO = [("122203", "Rullstolar, manuella, stödhjulsdrivna"), ("122206", "Rullstolar, manuella, tvåhandsdrivna"),
       ("122318", "Elektriska rullstolar"), ("120606", "Rollatorer"), ("181218", "Vårdsängar"),
       ("121203", "Personlyftar, mobila"), ("043306", "Dynor för trycksårsprevention"),
       ("093307", "Duschstolar"), ("091203", "Toalettstolar"), ("240918", "Griptänger")]
WORDS = ["Rullstol", "Rullstol", "Elrullstol", "Rollator", "Säng", "Lyft", "Dyna", "Duschstol", "Toalettstol",
         "Griptång"]
SUPPLY_ROLES = ["technician"] * 50 + ["driver"] * 20 + ["supply_handler"] * 20 + ["supply_admin"] * 5 + \
               ["assortment_manager"] * 5
UTC = dt.UTC


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


def counts(scale: float) -> dict[str, int]:
    c = {k: max(1, int(round(v * scale))) for k, v in FULL.items()}
    c["users_per_unit"] = FULL["users_per_unit"]
    c["buffer_devices_per_store"] = FULL["buffer_devices_per_store"]
    c["supply_users"] = max(len(set(SUPPLY_ROLES)), min(FULL["supply_users"], c["supply_users"]))
    c["customers"] = max(3, min(FULL["customers"], c["customers"]))
    c["units"] = max(c["customers"] * 2, c["units"])
    c["products"] = max(10, c["products"])
    c["articles"] = max(200, c["articles"])
    c["patients"] = max(100, c["patients"])
    c["buffer_stores"] = max(1, min(c["buffer_stores"], c["units"]))
    c["devices"] = max(c["devices"], c["on_loan"] + c["ended_loans"] + c["buffer_stores"] *
                       c["buffer_devices_per_store"] + 10)
    c["pickups"] = min(c["pickups"], c["ended_loans"])
    c["orders"] = max(c["orders"], c["on_loan"] + c["ended_loans"] + 10)
    c["users"] = c["units"] * c["users_per_unit"]
    return c


class Plan:
    """The generated world as arithmetic on ids (no big in-memory tables): which customer a unit or
    patient belongs to, which article a device is, which order delivered which loan."""

    def __init__(self, scale: float, today: dt.date):
        self.c = c = counts(scale)
        self.scale = scale
        self.today = today
        self.month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the month before today
        self.start = today - dt.timedelta(days=5 * 365)
        self.now = f"{today.isoformat()} 06:00:00+00"  # created_at/updated_at where a table has no time of its own
        C, U = c["customers"], c["units"]
        self.supply_org = C + 1
        self.hmc_unit = U + 1
        # Units: 40 % to the region (1), 2 % to the neighbouring region (2), the rest round robin.
        u1, u2 = max(1, int(U * 0.4)), max(1, int(U * 0.02))
        self.unit_customer = [0] * (U + 1)
        self.units_of: dict[int, list[int]] = {i: [] for i in range(1, C + 1)}
        for u in range(1, U + 1):
            cust = 1 if u <= u1 else 2 if u <= u1 + u2 else 3 + (u % (C - 2))
            self.unit_customer[u] = cust
            self.units_of[cust].append(u)
        A = c["articles"]
        self.rent_articles = [a for a in range(1, A + 1) if a % 5 != 0]
        self.parts = [a for a in range(1, A + 1) if a % 10 == 5]  # spare parts (purchase)
        self.accessories = [a for a in range(1, A + 1) if a % 10 == 0 and self.in_assortment(a)]
        self.L, self.E = c["on_loan"], c["ended_loans"]
        self.B = c["buffer_stores"] * c["buffer_devices_per_store"]
        self.R = max(1, c["devices"] // 50)  # awaiting refurbishment
        self.D = c["devices"]
        self.first_free_device = self.L + self.B + self.R + 1  # in stock from here; ended loans use these
        self.N = c["orders"]
        self.W = c["work_orders"]
        self.H = c["pickups"]
        self.mid_month = self.month.replace(day=15)
        self.t0, self.s0 = today.toordinal(), self.start.toordinal()
        self.month_o, self.mid_month_o = self.month.toordinal(), self.mid_month.toordinal()
        self.tech_users = [c["users"] + i + 1 for i, r in enumerate(SUPPLY_ROLES[:c["supply_users"]])
                           if r == "technician"]

    # --- organisations, people
    def patient_customer(self, p: int) -> int:
        r = p % 100
        return 1 if r < 40 else 2 if r < 42 else 3 + (p % (self.c["customers"] - 2))

    def ordering_unit(self, p: int, salt: int) -> int:
        cust = self.patient_customer(p)
        if cust == 2 and p % 10 < 3:  # treated in the large region: charged to the home region
            cust = 1
        units = self.units_of[cust]
        return units[(p * 31 + salt) % len(units)]

    def prescriber(self, u: int) -> int:
        return (u - 1) * self.c["users_per_unit"] + 1

    def orderer(self, u: int) -> int:
        return (u - 1) * self.c["users_per_unit"] + 2

    # --- catalogue
    @staticmethod
    def in_assortment(a: int) -> bool:
        return a % 97 != 3

    @staticmethod
    def charging(a: int) -> str:
        return "purchase" if a % 5 == 0 else "rent"

    @staticmethod
    def monthly_rent(a: int) -> int:
        return 150 + (a * 7) % 1350

    @staticmethod
    def purchase_price(a: int) -> int:
        return 200 + (a * 13) % 4800 if a % 5 == 0 else 4000 + (a * 13) % 36000

    def price_changes(self, a: int) -> bool:
        return a % 5 != 0 and a % 50 == 1

    # --- devices, loans
    def device_article(self, d: int) -> int:
        ra = self.rent_articles
        return ra[(d * 7919) % len(ra)]

    def loan_patient(self, d: int) -> int:
        return (d - 1) % self.c["patients"] + 1

    # Days are proleptic ordinals (int) and written as ISO strings: cheaper than date objects.
    def open_loan_start(self, d: int) -> int:
        return self.t0 - 1 - (d * 7919) % 1800

    def ended_loan(self, j: int) -> tuple[int, int, int, int]:
        """(device, patient, started_on, ended_on) of ended loan j (1..E), days as ordinals."""
        device = self.first_free_device + (j - 1) % (self.D - self.first_free_device + 1)
        patient = (j * 7) % self.c["patients"] + 1
        started = self.s0 + (j * 37) % 1700
        ended = min(started + 30 + (j * 11) % 700, self.t0 - 1)
        return device, patient, started, ended


@functools.cache
def ds(day: int) -> str:
    """An ordinal day as an ISO date."""
    return dt.date.fromordinal(day).isoformat()


_TIMES = [f" {7 + m // 60:02d}:{m % 60:02d}:00+00" for m in range(600)]


def ts(day: int, minute: int) -> str:
    """A UTC timestamp on an ordinal day, 07:00 + minute (0..599)."""
    return ds(day) + _TIMES[minute % 600]


def _luhn(digits: str) -> int:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def identity_number(p: int) -> str:
    born = dt.date(1925, 1, 1) + dt.timedelta(days=p % 30000)
    serial = 100 + p // 30000
    body = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}{serial:03d}{_luhn(body)}"


# ------------------------------------------------------------------------------------ generators
# Each yields (columns, rows); columns are db column names.

def g_organisations(pl: Plan):
    cols = ["id", "name", "kind", "org_number"]
    def rows():
        for i in range(1, pl.c["customers"] + 1):
            name, kind = (("Region Mellanland", "region") if i == 1 else ("Region Grannland", "region") if i == 2
                          else (f"Kommun {i:02d}", "municipality"))
            yield (i, name, kind, f"{212000 + i:06d}-{1000 + i:04d}")
        yield (pl.supply_org, "Hjälpmedelscentralen", "supply_centre", "202100-9999")
    return cols, rows()


def g_costcentres(pl: Plan):
    cols = ["id", "organisation_id", "code", "name"]
    return cols, ((u, pl.unit_customer[u], f"KS{u:05d}", f"Kostnadsställe {u}") for u in range(1, pl.c["units"] + 1))


def g_units(pl: Plan):
    cols = ["id", "organisation_id", "name", "hsa_id", "default_cost_centre_id"]
    def rows():
        for u in range(1, pl.c["units"] + 1):
            yield (u, pl.unit_customer[u], f"Enhet {u}", f"SE2321000016-E{u:05d}", u)
        yield (pl.hmc_unit, pl.supply_org, "HMC Kundtjänst", "SE2321000016-HMC01", None)
    return cols, rows()


def g_users(pl: Plan):
    cols = ["id", "password", "username", "first_name", "last_name", "email", "date_joined", "hsa_id"]
    n = pl.c["users"] + pl.c["supply_users"]
    joined = ts(pl.t0 - 400, 0)
    return cols, ((i, "!", f"u{i}", "Användare", f"Nummer {i}", f"u{i}@example.se", joined, f"SE2321000016-U{i:06d}")
                  for i in range(1, n + 1))


CUSTOMER_ROLES = ["prescriber", "orderer", "prescriber", "store_keeper", "invoice_viewer"]


def g_roles(pl: Plan):
    cols = ["id", "user_id", "unit_id", "role"]
    def rows():
        k = pl.c["users_per_unit"]
        for i in range(1, pl.c["users"] + 1):
            yield (i, i, (i - 1) // k + 1, CUSTOMER_ROLES[(i - 1) % k % len(CUSTOMER_ROLES)])
        for j, role in enumerate(SUPPLY_ROLES[:pl.c["supply_users"]]):
            i = pl.c["users"] + j + 1
            yield (i, i, pl.hmc_unit, role)
    return cols, rows()


def g_isoclasses(pl: Plan):
    return ["id", "code", "title", "level"], ((i + 1, code, title, 3) for i, (code, title) in enumerate(ISO))


def g_suppliers(pl: Plan):
    return ["id", "code", "name"], ((i, f"LEV{i:03d}", f"Leverantör {i} AB") for i in range(1, 51))


def g_products(pl: Plan):
    cols = ["id", "product_number", "name", "iso_class_id", "supplier_id", "is_published"]
    return cols, ((p, f"P{p:07d}", f"{WORDS[p % 10]} {p}", p % 10 + 1, p % 50 + 1, True)
                  for p in range(1, pl.c["products"] + 1))


def g_articles(pl: Plan):
    cols = ["id", "article_number", "name", "kind", "product_id", "supplier_id", "charging", "monthly_rent",
            "purchase_price", "is_published", "is_orderable", "in_assortment", "is_tracked", "serial_required",
            "purchasing", "search_text", "name_norm", "is_listed", "inspection_interval_months"]
    P = pl.c["products"]
    def rows():
        for a in range(1, pl.c["articles"] + 1):
            p = (a - 1) % P + 1
            rent = a % 5 != 0
            kind = "H" if rent else "R" if a % 10 == 5 else "T"
            name = f"{WORDS[p % 10]} {p} variant {a % 7 + 1}" if rent else f"{'Reservdel' if kind == 'R' else 'Tillbehör'} {a}"
            yield (a, f"A{a:07d}", name, kind, p, p % 50 + 1, "rent" if rent else "purchase",
                   pl.monthly_rent(a) if rent else None, pl.purchase_price(a), True, True, pl.in_assortment(a),
                   rent, rent, "stocked" if a % 3 else "on_demand", f"{name} a{a:07d}".lower(), name.lower(), True,
                   12 if rent and a % 10 == 1 else None)
    return cols, rows()


def g_pricelists(pl: Plan):
    cols = ["id", "code", "name", "valid_from", "markup_percent", "special_rent_percent", "hourly_rate",
            "urgent_hourly_rate", "urgent_delivery_fee", "failed_delivery_fee", "rent_buffer_store_devices"]
    return cols, iter([(1, "PL-PLAN", "Prislista (planeringsskala)", pl.start, Decimal(12), Decimal("2.5"),
                        Decimal(700), Decimal(1050), Decimal(1500), Decimal(500), True)])


def g_articleprices(pl: Plan):
    cols = ["id", "article_id", "price_list_id", "charging", "monthly_rent", "purchase_price", "valid_from",
            "valid_to", "source"]
    A = pl.c["articles"]
    def rows():
        for a in range(1, A + 1):
            rent = pl.charging(a) == "rent"
            change = pl.price_changes(a)
            yield (a, a, 1, pl.charging(a), pl.monthly_rent(a) if rent else None, pl.purchase_price(a), pl.start,
                   pl.mid_month - dt.timedelta(days=1) if change else None, "import")
            if change:
                yield (A + a, a, 1, "rent", (Decimal(pl.monthly_rent(a)) * Decimal("1.1")).quantize(Decimal("0.01")),
                       pl.purchase_price(a), pl.mid_month, None, "import")
    return cols, rows()


def g_patients(pl: Plan):
    cols = ["id", "identity_number", "first_name", "last_name", "registered_street", "registered_postal_code",
            "registered_city", "stay_street", "stay_postal_code", "stay_city", "phone", "protected_identity",
            "customer_id", "name_search"]
    FIRST = ["Anna", "Erik", "Maria", "Lars", "Karin", "Per", "Eva", "Nils", "Ingrid", "Olof"]
    LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"]
    def rows():
        for p in range(1, pl.c["patients"] + 1):
            first, last = FIRST[p % 10], f"{LAST[p % 8]}{p}"
            stay = p % 3 == 0
            yield (p, identity_number(p), first, last, f"Storgatan {p % 300 + 1}", f"{10000 + p % 89999:05d}",
                   "Mellanstad", f"Vårdboendet {p % 60}" if stay else "", "12346" if stay else "",
                   "Mellanstad" if stay else "", f"070-{p % 10000000:07d}", p % 500 == 0, pl.patient_customer(p),
                   f"{first} {last}".lower())
    return cols, rows()


def _store_unit(pl: Plan, s: int) -> int:
    return 1 + (s * 7) % pl.c["units"]


def g_locations(pl: Plan):
    cols = ["id", "code", "name", "kind", "unit_id"]
    def rows():
        yield (1, "CENTRAL", "Centrallager", "central", None)
        yield (2, "REKOND", "Rekonditionering", "refurbishment", None)
        yield (3, "TRANSIT", "Under transport", "in_transit", None)
        for s in range(1, pl.c["buffer_stores"] + 1):
            u = _store_unit(pl, s)
            yield (3 + s, f"BF{s:04d}", f"Buffertförråd enhet {u}", "buffer_store", u)
    return cols, rows()


def _device_state(pl: Plan, d: int) -> tuple[str, int | None, int | None]:
    """(status, location, holder patient)."""
    if d <= pl.L:
        return "on_loan", None, pl.loan_patient(d)
    if d <= pl.L + pl.B:
        return "in_buffer_store", 4 + (d - pl.L - 1) // pl.c["buffer_devices_per_store"], None
    if d <= pl.L + pl.B + pl.R:
        return "awaiting_refurbishment", 2, None
    return "in_stock", 1, None


def _purchase_day(pl: Plan, d: int) -> int:
    return pl.s0 - 30 - d % 900


def g_devices(pl: Plan):
    cols = ["id", "serial", "article_id", "condition", "status", "location_id", "holder_patient_id",
            "available_since", "purchase_date", "purchase_price", "next_inspection_date"]
    def rows():
        for d in range(1, pl.D + 1):
            status, loc, holder = _device_state(pl, d)
            a = pl.device_article(d)
            yield (d, f"S{d:09d}", a, "refurbished" if d % 4 == 0 else "new", status, loc, holder,
                   ts(pl.t0 - d % 400, d % 600) if loc else None, ds(_purchase_day(pl, d)), pl.purchase_price(a),
                   ds(pl.t0 + d % 365) if d % 10 == 1 else None)
    return cols, rows()


def _loan_order(pl: Plan, o: int):
    """The customer order that delivered loan o (1..L open, L+1..L+E ended):
    (device, patient, unit, started_on, ended_on) with days as ordinals."""
    if o <= pl.L:
        p = pl.loan_patient(o)
        return o, p, pl.ordering_unit(p, o), pl.open_loan_start(o), None
    device, p, started, ended = pl.ended_loan(o - pl.L)
    return device, p, pl.ordering_unit(p, o), started, ended


def g_loans(pl: Plan):
    cols = ["id", "device_id", "patient_id", "customer_id", "cost_centre_id", "started_on", "ended_on",
            "source_ref", "ended_reason"]
    def rows():
        for o in range(1, pl.L + pl.E + 1):
            device, p, u, started, ended = _loan_order(pl, o)
            yield (o, device, p, pl.unit_customer[u], u, ds(started), ds(ended) if ended else None, f"KO{o:07d}",
                   "Hämtad" if ended else "")
    return cols, rows()


def g_movements(pl: Plan):
    """Ledger: a receipt per device into the central store (id 3d-2); on loan: an issue (3d-1);
    an ended loan's device: issue and return (3d-1, 3d); buffer store / refurbishment: transfer out
    of the central store and in (3d-1, 3d)."""
    cols = ["id", "at", "kind", "article_id", "location_id", "device_id", "condition", "quantity", "ref",
            "actor_label"]
    ended_of: dict[int, int] = {}
    for j in range(1, pl.E + 1):  # one ended loan per free device is enough for the ledger
        ended_of.setdefault(pl.ended_loan(j)[0], j)
    def rows():
        for d in range(1, pl.D + 1):
            a = pl.device_article(d)
            cond = "refurbished" if d % 4 == 0 else "new"
            status, loc, _ = _device_state(pl, d)
            m = d % 600
            yield (3 * d - 2, ts(_purchase_day(pl, d), m), "receipt", a, 1, d, cond, 1, f"IN{d}", "planning")
            if status == "on_loan":
                yield (3 * d - 1, ts(pl.open_loan_start(d), m), "issue", a, 1, d, cond, -1, f"KO{d:07d}", "planning")
            elif status in ("in_buffer_store", "awaiting_refurbishment"):
                at = ts(pl.s0 + d % 1500, m)
                yield (3 * d - 1, at, "transfer_out", a, 1, d, cond, -1, f"FL{d}", "planning")
                yield (3 * d, at, "transfer_in", a, loc, d, cond, 1, f"FL{d}", "planning")
            elif d in ended_of:
                j = ended_of[d]
                _dev, _p, started, ended = pl.ended_loan(j)
                yield (3 * d - 1, ts(started, m), "issue", a, 1, d, cond, -1, f"KO{pl.L + j:07d}", "planning")
                yield (3 * d, ts(ended, m), "return", a, 1, d, cond, 1, f"HO{j:07d}", "planning")
    return cols, rows()


# Customer orders: 1..L+E deliver the loans; L+E+1..N are purchases of accessories.
STATUS_BY_R = [(80, "delivered"), (86, "cancelled"), (89, "withdrawn"), (93, "confirmed"), (96, "submitted"),
               (98, "dispatched"), (100, "draft")]
_STATUS = [next(st for bound, st in STATUS_BY_R if r < bound) for r in range(100)]


def _customer_order(pl: Plan, o: int):
    """(patient, unit, created day, created minute 0..399, status, delivered day or None, is a loan order)."""
    LE = pl.L + pl.E
    if o <= LE:
        _device, p, u, started, _ended = _loan_order(pl, o)
        return p, u, started - 10, o % 400, "delivered", started, True
    span = pl.t0 - 12 - pl.s0
    day = pl.s0 + (o - LE) * span // max(1, pl.N - LE)
    p = (o * 13) % pl.c["patients"] + 1
    status = _STATUS[(o * 37) % 100]
    return p, pl.ordering_unit(p, o), day, o % 400, status, day + 9 if status == "delivered" else None, False


_ORDER_COLS = ["id", "number", "order_type", "kind", "status", "customer_id", "cost_centre_id", "unit_id",
               "orderer_id", "prescriber_id", "patient_id", "delivery_to", "delivery_street", "delivery_postal_code",
               "delivery_city", "priority", "promised_date", "planned_date", "submitted_at", "confirmed_at",
               "confirmed_by_label", "delivered_at", "created_at", "updated_at"]
_CONFIRMED = {"confirmed", "dispatched", "delivered"}


def g_orders(pl: Plan):
    def rows():
        uc = pl.unit_customer
        for o in range(1, pl.N + 1):
            p, u, day, m, status, delivered, _loan = _customer_order(pl, o)
            created = ts(day, m)
            promised = ds(day + 9)
            yield (o, f"KO{o:07d}", "customer", "to_patient", status, uc[u], u, u, pl.orderer(u),
                   pl.prescriber(u), p, "registered_address", f"Storgatan {p % 300 + 1}", f"{10000 + p % 89999:05d}",
                   "Mellanstad", "urgent" if o % 20 == 0 else "normal", promised, promised,
                   created if status != "draft" else None, ts(day, m + 120) if status in _CONFIRMED else None,
                   "HMC" if status in _CONFIRMED else "", ts(delivered, 480 + o % 100) if delivered else None,
                   created, created)
        for w in range(1, pl.W + 1):  # work orders
            o = pl.N + w
            d = (w * 31) % pl.L + 1
            p = pl.loan_patient(d)
            u = pl.ordering_unit(p, d)
            day, status, _done = _work_order(pl, w)
            created = ts(day, w % 400)
            yield (o, f"AO{w:07d}", "work", "repair_patient" if w % 3 else "inspection", status, uc[u], u, u,
                   pl.orderer(u), None, p, "", "", "", "", "urgent" if w % 25 == 0 else "normal", None, None,
                   created, ts(day, w % 400 + 180), "HMC", None, created, created)
        for j in range(1, pl.H + 1):  # pickup orders of ended loans
            o = pl.N + pl.W + j
            _device, p, _started, ended = pl.ended_loan(j)
            u = pl.ordering_unit(p, pl.L + j)
            created = ts(ended - 5, j % 400)
            yield (o, f"HO{j:07d}", "pickup", "pickup", "received", uc[u], u, u, pl.orderer(u), None, p,
                   "registered_address", f"Storgatan {p % 300 + 1}", f"{10000 + p % 89999:05d}", "Mellanstad",
                   "normal", None, ds(ended), created, ts(ended - 5, j % 400 + 120), "HMC", None, created, created)
    return _ORDER_COLS, rows()


def _work_order(pl: Plan, w: int) -> tuple[int, str, str | None]:
    """(created day, status, completed_at)."""
    day = pl.s0 + w * (pl.t0 - pl.s0 - 3) // max(1, pl.W)
    done = w % 10 != 0 and day < pl.t0 - 2
    return day, "completed" if done else ("in_progress" if w % 2 else "accepted"), (
        ts(day + 2, w % 400 + 180) if done else None)


def _line_ids(pl: Plan, o: int) -> tuple[int, ...]:
    """Order line ids of customer order o: a loan order has one (id o); a purchase order one or two."""
    LE = pl.L + pl.E
    if o <= LE:
        return (o,)
    first = LE + 2 * (o - LE) - 1
    return (first, first + 1) if o % 3 == 0 else (first,)


def g_orderlines(pl: Plan):
    cols = ["id", "order_id", "line_no", "article_id", "quantity", "delivered_quantity", "allocated_quantity",
            "device_id", "charging", "monthly_rent", "unit_price", "created_at", "updated_at"]
    acc = pl.accessories
    def rows():
        for o in range(1, pl.N + 1):
            _p, _u, day, m, status, _delivered, loan = _customer_order(pl, o)
            created = ts(day, m)
            if loan:
                device = _loan_order(pl, o)[0]
                a = pl.device_article(device)
                yield (o, o, 1, a, 1, 1, 1, device, "rent", pl.monthly_rent(a), None, created, created)
                continue
            done = status == "delivered"
            for k, lid in enumerate(_line_ids(pl, o)):
                a = acc[(o * 17 + k * 101) % len(acc)]
                q = 1 + (o + k) % 3
                yield (lid, o, k + 1, a, q, q if done else 0, q if done or status == "dispatched" else 0, None,
                       "purchase", None, pl.purchase_price(a), created, created)
    return cols, rows()


def g_deliveries(pl: Plan):
    cols = ["id", "order_id", "delivered_on", "receiver_name", "place", "actor_label", "created_at", "updated_at"]
    def rows():
        for o in range(1, pl.N + 1):
            _p, _u, _day, _m, _status, delivered, _loan = _customer_order(pl, o)
            if delivered:
                at = ts(delivered, 480 + o % 100)
                yield (o, o, ds(delivered), "Mottagare", "stay_address", "Chaufför", at, at)
    return cols, rows()


def g_deliverylines(pl: Plan):
    cols = ["id", "delivery_id", "order_line_id", "quantity", "device_id"]
    def rows():
        for o in range(1, pl.N + 1):
            _p, _u, _day, _m, _status, delivered, loan = _customer_order(pl, o)
            if not delivered:
                continue
            if loan:
                yield (o, o, o, 1, _loan_order(pl, o)[0])
                continue
            for k, lid in enumerate(_line_ids(pl, o)):
                yield (lid, o, lid, 1 + (o + k) % 3, None)
    return cols, rows()


def g_workdetails(pl: Plan):
    cols = ["order_id", "device_id", "technician_id", "started_at", "completed_at", "report", "hours"]
    techs = pl.tech_users
    def rows():
        for w in range(1, pl.W + 1):
            day, status, done = _work_order(pl, w)
            yield (pl.N + w, (w * 31) % pl.L + 1, techs[w % len(techs)],
                   ts(day + 2, w % 400) if status != "accepted" else None, done,
                   "Åtgärdat enligt felbeskrivning." if done else "",
                   f"{(1 + w % 8) / 2:.2f}" if done else None)
    return cols, rows()


def g_workparts(pl: Plan):
    cols = ["id", "order_id", "article_id", "quantity"]
    parts = pl.parts
    return cols, ((w, pl.N + w, parts[w % len(parts)], 1 + w % 2) for w in range(2, pl.W + 1, 2))


def g_pickuplines(pl: Plan):
    cols = ["id", "order_id", "device_id", "loan_id", "reason", "loan_ended_on", "received_at"]
    def rows():
        for j in range(1, pl.H + 1):
            device, _p, _started, ended = pl.ended_loan(j)
            yield (j, pl.N + pl.W + j, device, pl.L + j, "not_needed", ds(ended), ts(ended, j % 600))
    return cols, rows()


_NO_DATA = "{}"
_FAILED = json.dumps({"failed_delivery": True})


def g_events(pl: Plan):
    """Three event ids per order (3o-2, 3o-1, 3o): submitted, the latest transition, and for 1 % of
    delivered customer orders a failed delivery (nobody home) the day before the delivery."""
    cols = ["id", "order_id", "at", "event_type", "actor_label", "from_status", "to_status", "data"]
    def rows():
        for o in range(1, pl.N + 1):
            _p, _u, day, m, status, delivered, _loan = _customer_order(pl, o)
            if status == "draft":
                continue
            yield (3 * o - 2, o, ts(day, m), "transition", "planning", "draft", "submitted", _NO_DATA)
            if status == "submitted":
                continue
            if delivered:
                yield (3 * o - 1, o, ts(delivered, 480 + o % 100), "transition", "Chaufför", "dispatched",
                       "delivered", _NO_DATA)
                if o % 100 == 7:
                    yield (3 * o, o, ts(delivered - 1, 480 + o % 100), "delivery", "Chaufför", "dispatched",
                           "dispatched", _FAILED)
            else:
                prev = "submitted" if status in ("confirmed", "cancelled", "withdrawn") else "confirmed"
                yield (3 * o - 1, o, ts(day, m + 120), "transition", "HMC", prev, status, _NO_DATA)
        for w in range(1, pl.W + 1):
            o = pl.N + w
            day, status, done = _work_order(pl, w)
            yield (3 * o - 2, o, ts(day, w % 400), "transition", "HMC", "", "accepted", _NO_DATA)
            if done:
                yield (3 * o - 1, o, done, "transition", "Tekniker", "in_progress", "completed", _NO_DATA)
        for j in range(1, pl.H + 1):
            o = pl.N + pl.W + j
            _d, _p, _s, ended = pl.ended_loan(j)
            yield (3 * o - 2, o, ts(ended - 5, j % 400), "transition", "planning", "", "planned", _NO_DATA)
            yield (3 * o - 1, o, ts(ended, j % 400 + 120), "transition", "HMC", "picked_up", "received", _NO_DATA)
    return cols, rows()


# (model label, generator), in dependency order.
TABLES: list[tuple[str, Callable]] = [
    ("access.Organisation", g_organisations), ("access.CostCentre", g_costcentres), ("access.Unit", g_units),
    ("access.User", g_users), ("access.RoleAssignment", g_roles),
    ("catalogue.IsoClass", g_isoclasses), ("catalogue.Supplier", g_suppliers), ("catalogue.Product", g_products),
    ("catalogue.Article", g_articles), ("catalogue.PriceList", g_pricelists),
    ("catalogue.ArticlePrice", g_articleprices),
    ("patients.Patient", g_patients), ("stock.Location", g_locations), ("stock.Device", g_devices),
    ("stock.Loan", g_loans), ("stock.StockMovement", g_movements),
    ("ordering.Order", g_orders), ("ordering.OrderLine", g_orderlines), ("ordering.Delivery", g_deliveries),
    ("ordering.DeliveryLine", g_deliverylines), ("ordering.WorkOrderDetail", g_workdetails),
    ("ordering.WorkOrderPart", g_workparts), ("ordering.PickupLine", g_pickuplines),
    ("ordering.OrderEvent", g_events),
]


# ------------------------------------------------------------------------------------ machinery

def _fill_value(field, now: str):
    """The value COPY writes for a column the generator does not set."""
    from django.db import models

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        value = field.get_default()
        if isinstance(field, models.JSONField):
            return json.dumps(value)
        return value
    if field.null:
        return None
    if field.blank and isinstance(field, (models.CharField, models.TextField)):
        return ""
    raise ValueError(f"{field.model._meta.label}.{field.name}: the planning generator must set this column "
                     f"(required, no default)")


def _columns(model, cols: list[str], now: str) -> tuple[list[str], tuple]:
    known = {f.column: f for f in model._meta.concrete_fields}
    unknown = [c for c in cols if c not in known]
    if unknown:
        raise ValueError(f"{model._meta.label}: unknown columns {unknown}")
    rest = [f for f in model._meta.concrete_fields if f.column not in cols]
    return cols + [f.column for f in rest], tuple(_fill_value(f, now) for f in rest)


def _copy(conn, model, cols: list[str], rows: Iterable[tuple], now: str) -> int:
    all_cols, tail = _columns(model, cols, now)
    table = model._meta.db_table
    n = 0
    with conn.cursor() as cur:
        with cur.copy(f'COPY "{table}" ({", ".join(chr(34) + c + chr(34) for c in all_cols)}) FROM STDIN') as cp:
            write = cp.write_row
            if tail:
                for r in rows:
                    write(r + tail)
                    n += 1
            else:
                for r in rows:
                    write(r)
                    n += 1
    return n


def _deferrable(conn, tables: list[str]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Foreign keys and non-unique indexes of the tables (definitions, to re-create them)."""
    fks = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])", [tables]).fetchall()
    idx = conn.execute(
        "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [tables]).fetchall()
    return fks, idx


def _ensure_django(db_url: str) -> None:
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DATABASE_URL", db_url)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import django

        django.setup()
    else:
        import django

        django.setup()


def _marker(scale: float, today: dt.date) -> str:
    return f"lyfta planning scale={scale} today={today.isoformat()} tables={len(TABLES)}"


def _migrate(db_url: str) -> None:
    env = dict(os.environ, DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="config.settings.test")
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)


def database_comment(db_url: str) -> str | None:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                               [name]).fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


def load(scale: float = 1.0, db_url: str = DEFAULT_DB, *, today: dt.date | None = None, reuse: bool = False,
         verbose: bool = True) -> dict:
    """Create the database `db_url` afresh and fill it with planning-scale data × `scale`.
    With `reuse`, a database already loaded with the same scale and day is kept as it is.
    Returns {"db_url", "scale", "today", "month", "counts", "tables": {table: (rows, seconds)},
    "seconds", "reused"}."""
    import psycopg

    today = today or dt.date.today()
    _ensure_django(db_url)
    from django.apps import apps

    pl = Plan(scale, today)
    info = {"db_url": db_url, "scale": scale, "today": today, "month": pl.month, "counts": dict(pl.c),
            "tables": {}, "reused": False}
    say = log if verbose else (lambda _m: None)
    marker = _marker(scale, today)
    if reuse and database_comment(db_url) == marker:
        say(f"reusing {db_url} ({marker}); applying new migrations, if any")
        _migrate(db_url)
        info["reused"] = True
        info["seconds"] = 0.0
        return info
    t_all = time.monotonic()
    name = db_url.rsplit("/", 1)[1]
    admin = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    t0 = time.monotonic()
    _migrate(db_url)
    say(f"{'migrate':<28} {'':>11} {time.monotonic() - t0:7.1f} s")
    models = [(apps.get_model(label), gen) for label, gen in TABLES]
    tables = [m._meta.db_table for m, _ in models]
    with psycopg.connect(db_url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        fks, idx = _deferrable(conn, tables)
        for table, con, _def in fks:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{con}"')
        for iname, _def in idx:
            conn.execute(f'DROP INDEX "{iname}"')
        conn.commit()
        for model, gen in models:
            t0 = time.monotonic()
            cols, rows = gen(pl)
            n = _copy(conn, model, cols, rows, pl.now)
            conn.commit()
            secs = time.monotonic() - t0
            info["tables"][model._meta.db_table] = (n, secs)
            say(f"{model._meta.db_table:<28} {n:>11,} {secs:7.1f} s")
        t0 = time.monotonic()
        for _iname, definition in idx:
            conn.execute(definition)
        conn.commit()
        say(f"{'indexes (' + str(len(idx)) + ')':<28} {'':>11} {time.monotonic() - t0:7.1f} s")
        t0 = time.monotonic()
        for table, con, definition in fks:
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{con}" {definition}')
        conn.commit()
        say(f"{'foreign keys (' + str(len(fks)) + ', validated)':<28} {'':>11} {time.monotonic() - t0:7.1f} s")
        t0 = time.monotonic()
        for model, _gen in models:
            pk = model._meta.pk
            if pk.get_internal_type() in ("AutoField", "BigAutoField"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(1, (SELECT max({pk.column}) "
                             f'FROM "{model._meta.db_table}")))', [model._meta.db_table, pk.column])
        for prefix, last in (("KO", pl.N), ("AO", pl.W), ("HO", pl.H)):
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS lyfta_number_{prefix.lower()}")
            conn.execute(f"SELECT setval('lyfta_number_{prefix.lower()}', %s)", [last])
            conn.execute("INSERT INTO core_numbersequence (prefix, last_value) VALUES (%s, %s) ON CONFLICT (prefix) "
                         "DO UPDATE SET last_value = EXCLUDED.last_value", [prefix, last])
        # The stock-level projection, from the ledger (what `manage.py rebuild_stock` computes).
        n = conn.execute(
            "INSERT INTO stock_stocklevel (location_id, article_id, on_hand, reserved, on_hand_refurbished, "
            "reserved_refurbished, updated_at) SELECT location_id, article_id, sum(quantity), 0, "
            "COALESCE(sum(quantity) FILTER (WHERE condition = 'refurbished'), 0), 0, now() FROM stock_stockmovement "
            "GROUP BY location_id, article_id HAVING sum(quantity) <> 0").rowcount
        conn.execute("UPDATE stock_stocklevel SET on_hand_refurbished = 0 WHERE on_hand_refurbished IS NULL")
        info["tables"]["stock_stocklevel"] = (n, time.monotonic() - t0)
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
        say(f"{'sequences, levels, analyze':<28} {n:>11,} {time.monotonic() - t0:7.1f} s")
    info["seconds"] = time.monotonic() - t_all
    total = sum(r for r, _s in info["tables"].values())
    say(f"{'total':<28} {total:>11,} {info['seconds']:7.1f} s   (benchmark month {pl.month:%Y-%m})")
    return info


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks planning", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", default=os.environ.get("PLANNING_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--today", type=dt.date.fromisoformat, default=None)
    ap.add_argument("--reuse", action="store_true", help="keep a database already loaded with this scale and day")
    args = ap.parse_args(argv)
    load(args.scale, args.db, today=args.today, reuse=args.reuse)
    return 0


def rows_of(gen: Callable, scale: float = 0.001, today: dt.date | None = None) -> Iterator[tuple]:
    """The rows a generator yields (for tests and inspection)."""
    return gen(Plan(scale, today or dt.date.today()))[1]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
