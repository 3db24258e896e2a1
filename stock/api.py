"""Stock on the JSON API (supply-side clients): availability per article and device lookup."""
from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from audit.services import patient_access_record
from catalogue.models import Article
from core.errors import NotFound

from . import selectors

router = Router()


class StockAvailabilityOut(Schema):
    article_number: str
    new: int
    refurbished: int
    total: int


class DeviceOut(Schema):
    serial: str
    article_number: str
    condition: str
    status: str
    location_code: str | None
    holder_patient_id: int | None
    available_since: datetime.datetime | None
    purchase_date: datetime.date | None
    next_inspection_date: datetime.date | None
    open_loan_started_on: datetime.date | None


@router.get("/stock/availability/{article_number}", response=StockAvailabilityOut,
            summary="Available (unreserved) units at central stock")
@api_perm(Perm.STOCK_VIEW)
def availability(request, article_number: str):
    article = Article.objects.filter(article_number=article_number).first()
    if article is None:
        raise NotFound(_("Artikeln finns inte."))
    a = selectors.availability(article)
    return {"article_number": article.article_number, "new": a.new, "refurbished": a.refurbished, "total": a.total}


@router.get("/stock/devices/{serial}", response=DeviceOut, summary="A device (supply side only)")
@api_perm(Perm.STOCK_VIEW)
def device(request, serial: str):
    principal = request.auth
    d = selectors.device_get(serial)
    if d is None or not principal.is_supply:
        raise NotFound(_("Individen finns inte."))
    open_loan = d.loans.filter(ended_on__isnull=True).only("started_on").first()
    if d.holder_patient_id:
        patient_access_record(principal, d.holder_patient_id, "api_device_read", purpose=f"individ {d.serial}")
    return {
        "serial": d.serial, "article_number": d.article.article_number, "condition": d.condition,
        "status": d.status, "location_code": d.location.code if d.location else None,
        "holder_patient_id": d.holder_patient_id, "available_since": d.available_since,
        "purchase_date": d.purchase_date, "next_inspection_date": d.next_inspection_date,
        "open_loan_started_on": open_loan.started_on if open_loan else None,
    }
