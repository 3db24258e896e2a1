"""Demo stock: a central location, a refurbishment location and an in-transit location; for each
individually tracked article in the catalogue a few new and refurbished devices that have
waited for different lengths of time; quantities of non-tracked articles; a few demo patients
with devices on loan. Everything goes through `stock.services`, so the ledger is the truth.
An empty catalogue gives locations only."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from access.models import CostCentre
from catalogue.models import Article

from . import services
from .models import Location, StockMovement
from .services import DeviceIn

# (days waiting, condition) per tracked article: refurbished ones are allocated first, oldest first.
DEVICE_PLAN = [(45, "refurbished"), (12, "refurbished"), (90, "new"), (30, "new"), (3, "new")]
BULK_QUANTITY = 40
DEMO_REF = "DEMO-INLEVERANS"
DEMO_LOANS = 6


def _locations() -> dict[str, Location]:
    specs = [("CENTRAL", "Centrallagret", Location.Kind.CENTRAL),
             ("REKOND", "Rekonditioneringen", Location.Kind.REFURBISHMENT),
             ("TRANSPORT", "Under transport", Location.Kind.IN_TRANSIT)]
    out = {}
    for code, name, kind in specs:
        out[code], _ = Location.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    return out


def load() -> str:
    locations = _locations()
    if StockMovement.objects.filter(ref=DEMO_REF).exists():
        return "finns redan"
    central = locations["CENTRAL"]
    now = timezone.now()
    articles = list(Article.objects.exclude(kind=Article.Kind.SERVICE).order_by("article_number"))
    tracked = [a for a in articles if a.is_tracked]
    devices = 0
    for article in tracked:
        price = article.purchase_price or Decimal("5000.00")
        specs = [
            DeviceIn(serial=f"{article.article_number}-{i + 1:03d}", condition=cond,
                     available_since=now - datetime.timedelta(days=days),
                     purchase_date=(now - datetime.timedelta(days=days + (400 if cond == "refurbished" else 0))).date(),
                     purchase_price=price,
                     next_inspection_date=(now + datetime.timedelta(days=180)).date()
                     if article.inspection_interval_months else None)
            for i, (days, cond) in enumerate(DEVICE_PLAN)
        ]
        devices += len(services.receive(article=article, location=central, devices=specs, ref=DEMO_REF))
    bulk = 0
    for article in articles:
        if not article.is_tracked and article.purchasing == Article.Purchasing.STOCKED:
            services.receive(article=article, location=central, quantity=BULK_QUANTITY, ref=DEMO_REF)
            bulk += 1
    loans = _demo_loans(tracked)
    return f"{devices} individer ({len(tracked)} artiklar), {bulk} lagerartiklar, {loans} utlåningar"


def _demo_loans(tracked: list[Article]) -> int:
    """Give the first demo patients a device each (a new one, so refurbished stay in stock)."""
    from patients.models import Patient

    patients = list(Patient.objects.filter(protected_identity=False).select_related("customer")
                    .order_by("customer__name", "last_name")[:DEMO_LOANS])
    count = 0
    for patient, article in zip(patients, tracked):
        device = article.devices.filter(condition="new", status="in_stock").order_by("available_since").last()
        if device is None:
            continue
        cost_centre = CostCentre.objects.filter(organisation=patient.customer).order_by("code").first()
        services.deliver_to_patient(device=device, patient=patient, customer=patient.customer, cost_centre=cost_centre,
                                    ref="DEMO-UTLÅN", on=timezone.localdate() - datetime.timedelta(days=60 + 7 * count))
        count += 1
    return count
