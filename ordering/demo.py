"""Demo orders (idempotent): for demo patients of the region, a draft, a submitted, a
confirmed, a delivered and a cancelled customer order, plus a saved order template. Runs
through the same services as the UI; needs access, catalogue, patients and stock demo data."""
from __future__ import annotations

from django.db.models import Exists, OuterRef

from access.models import User
from access.principal import principal_for_user

TEMPLATE_NAME = "Rullstol med sittdyna"
DEMO_NOTE = "Demoorder"
WHEELCHAIR_ISO = ("1222", "1223")  # manual and powered wheelchairs
SEAT_CUSHION_ISO = "043303"  # seat cushions (pressure-sore prevention)


def _articles():
    from catalogue.models import Article, ArticleFit
    from stock.models import Device

    in_stock = Device.objects.filter(article=OuterRef("pk"), status="in_stock")
    mains = list(Article.objects.filter(kind="H", is_tracked=True, is_orderable=True)
                 .filter(Exists(in_stock)).order_by("article_number")[:5])
    from django.db.models import Q

    in_stock_parts = Q(part__availability__qty_new__gt=0) | Q(part__availability__qty_refurbished__gt=0)
    fits = {f.main_id: f.part for f in ArticleFit.objects.filter(main__in=mains, part__is_orderable=True,
                                                                 part__is_tracked=False)
            .filter(in_stock_parts).select_related("part").order_by("-id")}
    return mains, fits


def _template_lines():
    """The template's lines: a wheelchair in stock and a seat cushion in stock that fits it
    (ISO classes, not the first main device found: that could be a bed with a bed rail)."""
    from django.db.models import Q

    from catalogue.models import Article, ArticleFit
    from ordering.flows import customer as services
    from stock.models import Device

    in_stock = Device.objects.filter(article=OuterRef("pk"), status="in_stock")
    chairs = Q()
    for code in WHEELCHAIR_ISO:
        chairs |= Q(product__iso_class__code__startswith=code)
    in_stock_parts = Q(part__availability__qty_new__gt=0) | Q(part__availability__qty_refurbished__gt=0)
    for chair in (Article.objects.filter(chairs, kind="H", is_tracked=True, is_orderable=True)
                  .filter(Exists(in_stock)).order_by("article_number")[:50]):
        fit = (ArticleFit.objects.filter(main=chair, part__is_orderable=True, part__is_tracked=False,
                                         part__product__iso_class__code__startswith=SEAT_CUSHION_ISO)
               .filter(in_stock_parts).select_related("part").order_by("part__article_number").first())
        if fit is not None:
            return [services.LineInput(chair.article_number, 1), services.LineInput(fit.part.article_number, 1, 1)]
    return None


def load() -> str:
    from ordering.flows import customer as services
    from ordering.models import Order, OrderTemplate
    from patients.models import Patient
    from supply import services as supply

    if OrderTemplate.objects.filter(name=TEMPLATE_NAME).exists() or Order.objects.filter(note=DEMO_NOTE).exists():
        return "finns redan"
    prescriber = User.objects.filter(username="forskrivare", is_demo=True).first()
    handler = User.objects.filter(username="kundtjanst", is_demo=True).first()
    if prescriber is None or handler is None:
        return "demoanvändarna saknas (kör access.demo först)"
    p, h = principal_for_user(prescriber), principal_for_user(handler)
    patients = list(Patient.objects.filter(customer_id__in=p.customer_ids, protected_identity=False)
                    .order_by("pk")[:5])
    mains, fits = _articles()
    if len(patients) < 5 or not mains:
        return "patienter eller artiklar saknas (kör catalogue, patients och stock demo först)"

    def lines_for(main):
        rows = [services.LineInput(main.article_number, 1)]
        if main.pk in fits:
            rows.append(services.LineInput(fits[main.pk].article_number, 1, 1))
        return rows

    template_lines = _template_lines()
    if template_lines is None:
        return "ingen rullstol med passande sittdyna i lager (kör catalogue och stock demo först)"
    template = services.order_template_create(p, name=TEMPLATE_NAME, lines=template_lines)
    made = []
    plan = ["draft", "submitted", "confirmed", "delivered", "cancelled"]
    for i, (patient, target) in enumerate(zip(patients, plan)):
        main = mains[i % len(mains)]
        order = services.order_draft_create(p, services.DraftInput(
            patient_id=patient.pk, lines=lines_for(main), note=DEMO_NOTE,
            contact_name=patient.contact_name or f"{patient.first_name} {patient.last_name}",
            contact_phone=patient.phone, priority="urgent" if target == "submitted" else "normal"))
        if target != "draft":
            services.order_submit(p, order.pk)
        if target in ("confirmed", "delivered"):
            supply.order_confirm(h, order.pk)
        if target == "delivered":
            supply.order_dispatch(h, order.pk)
            supply.order_deliver(h, order.pk, receiver_name=f"{patient.first_name} {patient.last_name}",
                                 place="stay_address" if patient.stay_street else "hospital_or_unit")
        if target == "cancelled":
            supply.order_cancel(h, order.pk, reason="Artikeln har utgått ur sortimentet")
        made.append(order.number)
    return f"{len(made)} demoordrar ({', '.join(made)}), mall '{template.name}'"
