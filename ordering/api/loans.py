"""Loans over the API (issue 17, docs/prescribing.md): a loan and its terms, the prescriber's
answers to a reminder (extend, keep a trial as a permanent loan, order the return), the loan
reminders, an exchange (byte), the supply centre's overdue returns, and a deceased patient
(record the date; the proposed pickup of every device). The same services as the pages; POSTs
honour `Idempotency-Key`; other customers' loans and patients answer 404; errors are problem
documents."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from .. import selectors
from ..flows import deceased, exchange, loans
from ..models import LoanReminder, OrderType
from .core import UNIT_ID_DESCRIPTION, ServiceOrderOut, load_service_out
from .customer import OrderOut, load_order_out
from .enums import LoanTypeIn, LoanTypeValue, one_of

router = Router(tags=["loans"])

ReminderKindValue = one_of(*LoanReminder.Kind.values)
ReminderStatusValue = one_of(*LoanReminder.Status.values)
ReminderStatusFilter = one_of("", *LoanReminder.Status.values)
ExchangeReasonValue = one_of(*exchange.ExchangeReason.values)


class ReminderOut(Schema):
    id: int
    loan_id: int
    device_serial: str
    kind: ReminderKindValue = Field(..., description="trial_ending | return_overdue")
    due_on: dt.date = Field(..., description="The loan's date the reminder is about")
    status: ReminderStatusValue = Field(..., description="sent (open) | done (answered) | stopped")
    action: str = Field(..., description="What closed it: pickup, extended, converted, loan_ended, stopped")
    order_number: str | None = Field(None, description="The order the device was delivered on")
    created_at: dt.datetime
    closed_at: dt.datetime | None


def reminder_out(r) -> dict:
    order = r.message.order if r.message_id and r.message.order_id else None
    return {"id": r.pk, "loan_id": r.loan_id, "device_serial": r.loan.device.serial, "kind": r.kind,
            "due_on": r.due_on, "status": r.status, "action": r.action,
            "order_number": order.number if order is not None else None, "created_at": r.created_at,
            "closed_at": r.closed_at}


class LoanOut(Schema):
    id: int
    device_serial: str
    article_number: str
    article_name: str
    patient_id: int
    customer_id: int
    cost_centre_id: int | None
    started_on: dt.date
    ended_on: dt.date | None
    loan_type: LoanTypeValue
    loan_until: dt.date | None = Field(None, description="Return date, or the end of a trial")
    source_order: str | None = Field(None, description="Number of the order the device was delivered on")
    exchange_refused: str = Field(..., description="\"\" when the loan's type and dates allow an exchange, else "
                                  "why not (Swedish); an open pickup or exchange is checked when exchanging")
    open_reminders: list[ReminderOut]


def loan_out(loan) -> dict:
    source = getattr(loan, "source_order", None)
    reminders = getattr(loan, "open_reminders", [])
    for r in reminders:
        r.loan = loan
    return {"id": loan.pk, "device_serial": loan.device.serial, "article_number": loan.device.article.article_number,
            "article_name": loan.device.article.name, "patient_id": loan.patient_id, "customer_id": loan.customer_id,
            "cost_centre_id": loan.cost_centre_id, "started_on": loan.started_on, "ended_on": loan.ended_on,
            "loan_type": loan.loan_type, "loan_until": loan.loan_until,
            "source_order": source.number if source is not None else None,
            "exchange_refused": exchange.exchangeable(loan), "open_reminders": [reminder_out(r) for r in reminders]}


def load_loan_out(principal, loan_id) -> dict:
    return loan_out(selectors.loan_for_view(principal, loan_id, "api_loan"))


@router.get("/loans/{loan_id}", response=LoanOut, operation_id="loan_get",
            summary="One loan with its terms and open reminders (customer side; other customers: 404)")
@api_perm(Perm.ORDER_CREATE)
def loan_get(request, loan_id: int):
    return load_loan_out(request.auth, loan_id)


class ExtendIn(Schema):
    until: dt.date = Field(..., description="The new return date / end of the trial (after the current one)")


@router.post("/loans/{loan_id}/extend", response=LoanOut, operation_id="loan_extend",
             summary="Extend a trial or a loan with a return date")
@api_perm(Perm.ORDER_CREATE)
def loan_extend(request, loan_id: int, payload: ExtendIn):
    principal = request.auth

    def work():
        loans.loan_extend(principal, loan_id, until=payload.until)
        return 200, load_loan_out(principal, loan_id)

    return idempotent(request, work)


class EmptyIn(Schema):
    pass


@router.post("/loans/{loan_id}/convert-permanent", response=LoanOut, operation_id="loan_convert_permanent",
             summary="Keep the device after a trial: the loan becomes permanent")
@api_perm(Perm.ORDER_CREATE)
def loan_convert_permanent(request, loan_id: int, payload: EmptyIn):
    principal = request.auth

    def work():
        loans.loan_convert_permanent(principal, loan_id)
        return 200, load_loan_out(principal, loan_id)

    return idempotent(request, work)


class ReturnIn(Schema):
    requested_date: dt.date | None = None


@router.post("/loans/{loan_id}/return", response={201: ServiceOrderOut, 200: ServiceOrderOut},
             operation_id="loan_return", summary="Order the return: a pickup order for this device")
@api_perm(Perm.ORDER_CREATE)
def loan_return(request, loan_id: int, payload: ReturnIn):
    principal = request.auth

    def work():
        order = loans.loan_return_order(principal, loan_id, requested_date=payload.requested_date)
        return 201, load_service_out(principal, order.pk, OrderType.PICKUP)

    return idempotent(request, work)


class ReminderQuery(Schema):
    status: ReminderStatusFilter = Field("sent", description="sent (open, the default) | done | stopped | \"\" (any)")
    limit: int = Field(50, ge=1, le=200)


@router.get("/loan-reminders", response=list[ReminderOut], operation_id="loan_reminders",
            summary="Reminders about trials ending and return dates passed (a user's own; a system client's: "
                    "its customer's)")
@api_perm(Perm.ORDER_CREATE)
def loan_reminders(request, q: Query[ReminderQuery]):
    return [reminder_out(r) for r in loans.reminders_for(request.auth, status=q.status, limit=q.limit)]


class ExchangeIn(Schema):
    article_number: str = Field(..., min_length=1, max_length=35, description="The new article (tracked)")
    reason: ExchangeReasonValue = Field(..., description="Why: " + " | ".join(exchange.ExchangeReason.values))
    note: str = Field("", max_length=2000)
    loan_type: LoanTypeIn = Field("", description="The new loan's type (\"\": the old loan's, a trial's: the "
                                                  "article's default)")
    loan_until: dt.date | None = None
    unit_id: int | None = Field(None, description=UNIT_ID_DESCRIPTION)


class ExchangeOut(Schema):
    order: OrderOut = Field(..., description="The delivery order for the new article (submitted)")
    pickup: ServiceOrderOut = Field(..., description="The pickup order for the old device, linked")


@router.post("/loans/{loan_id}/exchange", response={201: ExchangeOut, 200: ExchangeOut}, operation_id="loan_exchange",
             summary="Exchange the device for another article: a delivery order and a pickup order, linked")
@api_perm(Perm.ORDER_CREATE)
def loan_exchange(request, loan_id: int, payload: ExchangeIn):
    principal = request.auth

    def work():
        order = exchange.exchange_create(principal, loan_id, article_number=payload.article_number,
                                         reason=payload.reason, note=payload.note, loan_type=payload.loan_type,
                                         loan_until=payload.loan_until, unit_id=payload.unit_id)
        pickup_id = order.extra["exchange"]["pickup_id"]
        return 201, {"order": load_order_out(principal, order.pk),
                     "pickup": load_service_out(principal, pickup_id, OrderType.PICKUP)}

    return idempotent(request, work)


class OverdueLoanOut(Schema):
    loan_id: int
    device_serial: str
    article_number: str
    patient_id: int
    loan_type: LoanTypeValue
    loan_until: dt.date
    days_overdue: int
    source_order: str | None


class OverdueGroupOut(Schema):
    customer_id: int
    customer: str
    unit_id: int | None
    unit: str
    loans: list[OverdueLoanOut]


@router.get("/overdue-returns", response=list[OverdueGroupOut], operation_id="overdue_returns",
            summary="Loans past their return date and trials past their end, per customer and unit (supply centre)")
@api_perm(Perm.ORDER_HANDLE)
def overdue_returns(request):
    groups = selectors.overdue_returns_for(request.auth, "api_overdue_returns")
    return [{"customer_id": g["customer"].pk, "customer": g["customer"].name,
             "unit_id": g["unit"].pk if g["unit"] else None, "unit": g["unit"].name if g["unit"] else "",
             "loans": [{"loan_id": lo.pk, "device_serial": lo.device.serial,
                        "article_number": lo.device.article.article_number, "patient_id": lo.patient_id,
                        "loan_type": lo.loan_type, "loan_until": lo.loan_until, "days_overdue": lo.days_overdue,
                        "source_order": lo.source_order.number if lo.source_order else None}
                       for lo in g["loans"]]}
            for g in groups]


# --------------------------------------------------------------------------- deceased patient


class DeceasedIn(Schema):
    on: dt.date = Field(..., description="Date of death (not in the future, at most a year back)")


class DeceasedOut(Schema):
    patient_id: int
    deceased_on: dt.date
    stopped: list[str] = Field(..., description="Orders stopped (withdrawn or cancelled)")
    left: list[str] = Field(..., description="Open orders left as they are (pickups, dispatched, work in progress)")
    reminders: int = Field(..., description="Loan reminders stopped")
    devices: list[str] = Field(..., description="Serials on loan: the proposed pickup (POST …/pickup-all)")


@router.post("/patients/{patient_id}/deceased", response=DeceasedOut, operation_id="patient_deceased",
             summary="Record that the patient has died: open orders and reminders stop, a pickup is proposed")
@api_perm(Perm.PATIENT_MANAGE)
def patient_deceased(request, patient_id: int, payload: DeceasedIn):
    principal = request.auth

    def work():
        r = deceased.patient_deceased_record(principal, patient_id, on=payload.on)
        return 200, {"patient_id": r.patient.pk, "deceased_on": r.patient.deceased_on, "stopped": r.stopped,
                     "left": r.left, "reminders": r.reminders, "devices": r.devices}

    return idempotent(request, work)


@router.post("/patients/{patient_id}/pickup-all", response={201: ServiceOrderOut, 200: ServiceOrderOut},
             operation_id="patient_pickup_all",
             summary="A deceased patient: one pickup order for every device on loan no open pickup holds")
@api_perm(Perm.ORDER_CREATE)
def patient_pickup_all(request, patient_id: int, payload: EmptyIn):
    principal = request.auth

    def work():
        order = deceased.patient_pickup_all(principal, patient_id)
        return 201, load_service_out(principal, order.pk, OrderType.PICKUP)

    return idempotent(request, work)
