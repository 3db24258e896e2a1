"""Prescribing over the API (issue 17, docs/prescribing.md): the prescribing-rights look-up, the
prescribers' competences, and special requests — the customer sends a draft as a request, the
supply centre's consultants (`supply.special_requests`) approve, reject or ask for more
information, first the customer's own approver where its terms say so (`/customer-approvals`,
`ordering.customer_approvals`). The same services as the pages; POSTs honour `Idempotency-Key`; other customers'
orders answer 404; errors are problem documents."""
from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from access import competences as competence_reads
from access.decorators import api_perm
from access.roles import Perm
from core.idempotency import idempotent

from ..flows import approval, special
from ..flows import prescribing as rights
from .core import UNIT_ID_DESCRIPTION
from .enums import OrderStatusValue, one_of

router = Router(tags=["prescribing"])

OutcomeValue = one_of(rights.DIRECT, rights.SPECIAL, rights.REFUSED)
LineOutcomeValue = one_of(rights.OK, rights.SPECIAL, rights.REFUSED)
LevelValue = one_of("open", "competence", "consultation")
DecisionValue = one_of("approved", "rejected", "info_requested")
StepValue = one_of("", approval.CUSTOMER_STEP, approval.SUPPLY_STEP)


# --------------------------------------------------------------------------- prescribing rights


class RightsLineOut(Schema):
    field: str
    article: str = Field(..., description="Article number")
    rule: str = Field(..., description="The rule applied and its version: `artikel 123@v2`, `ISO 1222@v1`, `standard`")
    level: LevelValue
    competence: str = Field("", description="Code of the competence the rule requires (level competence)")
    held_until: str = Field("", description="The prescriber's competence valid to (YYYY-MM-DD), \"\" if not held")
    cost: str | None = None
    outcome: LineOutcomeValue
    reason: str = Field(..., description="Why the line is refused or needs a special request (Swedish)")


class RightsOut(Schema):
    version: str = Field(..., description="Version of the check's logic")
    checked_on: dt.date
    prescriber: str
    ceiling: str | None = Field(None, description="The customer's cost ceiling per line (kr), null = none")
    outcome: OutcomeValue = Field(..., description="direct | special_request | refused, as `order_submit` would decide")
    lines: list[RightsLineOut]


class RightsQuery(Schema):
    article_number: list[str] = Field(..., min_length=1, max_length=50, description="One or more article numbers")
    unit_id: int | None = Field(None, description=UNIT_ID_DESCRIPTION)
    orderer_hsa_id: str = Field("", max_length=44, description="System clients: the prescriber's HSA-id")
    orderer_username: str = Field("", max_length=150, description="System clients: the prescriber's user name")


def _rights_out(decision: dict) -> dict:
    return {**decision, "lines": [{"competence": "", "held_until": "", "cost": None, **ln}
                                  for ln in decision["lines"]]}


@router.get("/prescribing-rights", response=RightsOut, operation_id="prescribing_rights",
            summary="May the prescriber prescribe these articles? (the decision an order would get; writes nothing)")
@api_perm(Perm.ORDER_CREATE)
def prescribing_rights(request, q: Query[RightsQuery]):
    return _rights_out(rights.rights_check(request.auth, q.article_number, unit_id=q.unit_id,
                                           orderer_hsa_id=q.orderer_hsa_id, orderer_username=q.orderer_username))


class CompetenceOut(Schema):
    code: str
    name: str


@router.get("/competences", response=list[CompetenceOut], operation_id="competence_list",
            summary="The competences (courses, professions) prescribing rules may require")
@api_perm(Perm.ORDER_VIEW)
def competence_list(request):
    return [{"code": c.code, "name": c.name} for c in competence_reads.active_competences()]


class PrescriberCompetenceOut(Schema):
    username: str
    hsa_id: str
    name: str
    competence: str = Field(..., description="Competence code")
    competence_name: str
    valid_to: dt.date = Field(..., description="Valid to and including")
    valid: bool = Field(..., description="Valid today")
    customer_id: int = Field(..., description="The customer that registered it")


class CompetenceQuery(Schema):
    username: str = Field("", max_length=150)
    hsa_id: str = Field("", max_length=44)
    limit: int = Field(200, ge=1, le=1000)


@router.get("/prescriber-competences", response=list[PrescriberCompetenceOut], operation_id="prescriber_competences",
            summary="Prescribers' competences with valid-to dates (own customer's users; filter by user)")
@api_perm(Perm.ORDER_VIEW)
def prescriber_competences(request, q: Query[CompetenceQuery]):
    from django.utils import timezone

    today = timezone.localdate()
    rows = competence_reads.competences_visible(request.auth, username=q.username, hsa_id=q.hsa_id)[:q.limit]
    return [{"username": pc.user.username, "hsa_id": pc.user.hsa_id or "", "name": pc.user.get_full_name(),
             "competence": pc.competence.code, "competence_name": pc.competence.name, "valid_to": pc.valid_to,
             "valid": pc.valid_to >= today and pc.competence.is_active, "customer_id": pc.organisation_id}
            for pc in rows]


# --------------------------------------------------------------------------- special requests


class SpecialRequestIn(Schema):
    reason: str = Field(..., max_length=special.REASON_MAX, description="Why (e.g. outside the assortment)")
    need: str = Field(..., max_length=special.TEXT_MAX, description="The patient's need")
    tried: str = Field(..., max_length=special.TEXT_MAX, description="What has been tried")


class RoundOut(Schema):
    at: dt.datetime
    reason: str
    need: str
    tried: str


class DecisionOut(Schema):
    at: dt.datetime
    outcome: DecisionValue
    text: str
    by: str
    step: StepValue = Field("", description="customer (the customer's own approver) | supply (the consultant)")


class CustomerRuleOut(Schema):
    required: bool
    above: str | None = Field(None, description="The customer's order-cost threshold (kr), none = every request")
    cost: str = Field(..., description="The order's cost (purchase price × quantity, kr) when it was sent")


class SpecialRequestOut(Schema):
    order_id: int
    number: str
    status: OrderStatusValue
    customer_id: int
    unit_id: int | None
    patient_id: int | None
    reason: str
    need: str
    tried: str
    grounds: list[str] = Field(..., description="Each line that needs the decision and why")
    requested_on: dt.date | None
    due_on: dt.date | None = Field(None, description="Decision due (LYFTA_SPECIAL_REQUEST_WEEKDAYS weekdays)")
    customer_approval: CustomerRuleOut | None = Field(
        None, description="Set when the customer's terms required its own approver first")
    customer_due_on: dt.date | None = Field(
        None, description="The customer's decision due (LYFTA_CUSTOMER_APPROVAL_WEEKDAYS weekdays)")
    rounds: list[RoundOut]
    decisions: list[DecisionOut]
    prescribing: dict = Field(..., description="The stored prescribing decision (docs/prescribing.md)")


def special_out(order) -> dict:
    req = (order.extra or {}).get("special_request") or {}
    return {"order_id": order.pk, "number": order.number, "status": order.status, "customer_id": order.customer_id,
            "unit_id": order.unit_id, "patient_id": order.patient_id, "reason": req.get("reason", ""),
            "need": req.get("need", ""), "tried": req.get("tried", ""), "grounds": req.get("grounds", []),
            "requested_on": req.get("requested_on"), "due_on": req.get("due_on"),
            "customer_approval": req.get("customer_approval"), "customer_due_on": req.get("customer_due_on"),
            "rounds": req.get("rounds", []),
            "decisions": req.get("decisions", []), "prescribing": (order.extra or {}).get("prescribing") or {}}


@router.post("/orders/{order_id}/special-request", response=SpecialRequestOut, operation_id="special_request_submit",
             summary="Send a draft (or a request the consultant asked about) as a special request")
@api_perm(Perm.ORDER_CREATE)
def special_request_submit(request, order_id: int, payload: SpecialRequestIn):
    principal = request.auth

    def work():
        order = special.special_request_submit(principal, order_id, reason=payload.reason, need=payload.need,
                                               tried=payload.tried)
        return 200, special_out(order)

    return idempotent(request, work)


class QueueQuery(Schema):
    limit: int = Field(50, ge=1, le=200)


@router.get("/special-requests", response=list[SpecialRequestOut], operation_id="special_request_queue",
            summary="The consultants' queue: requests awaiting a decision, oldest first (supply centre)")
@api_perm(Perm.SPECIAL_REQUEST_DECIDE)
def special_request_queue(request, q: Query[QueueQuery]):
    return [special_out(o) for o in special.special_request_queue(request.auth)[:q.limit]]


class ApproveIn(Schema):
    note: str = Field("", max_length=special.REASON_MAX)


class RejectIn(Schema):
    reason: str = Field(..., max_length=special.REASON_MAX)


class AskIn(Schema):
    question: str = Field(..., max_length=special.REASON_MAX)


@router.post("/special-requests/{order_id}/approve", response=SpecialRequestOut, operation_id="special_request_approve",
             summary="Approve: the order becomes a normal submitted order (supply centre)")
@api_perm(Perm.SPECIAL_REQUEST_DECIDE)
def special_request_approve(request, order_id: int, payload: ApproveIn):
    principal = request.auth

    def work():
        return 200, special_out(special.special_request_approve(principal, order_id, note=payload.note))

    return idempotent(request, work)


@router.post("/special-requests/{order_id}/reject", response=SpecialRequestOut, operation_id="special_request_reject",
             summary="Reject with a reason (supply centre)")
@api_perm(Perm.SPECIAL_REQUEST_DECIDE)
def special_request_reject(request, order_id: int, payload: RejectIn):
    principal = request.auth

    def work():
        return 200, special_out(special.special_request_reject(principal, order_id, reason=payload.reason))

    return idempotent(request, work)


@router.post("/special-requests/{order_id}/ask", response=SpecialRequestOut, operation_id="special_request_ask",
             summary="Ask the prescriber for more information (supply centre)")
@api_perm(Perm.SPECIAL_REQUEST_DECIDE)
def special_request_ask(request, order_id: int, payload: AskIn):
    principal = request.auth

    def work():
        return 200, special_out(special.special_request_ask(principal, order_id, question=payload.question))

    return idempotent(request, work)



# --------------------------------------------------------------------------- the customer's approver


@router.get("/customer-approvals", response=list[SpecialRequestOut], operation_id="customer_approval_queue",
            summary="The customer's approver's queue: own customers' requests awaiting the customer, oldest first")
@api_perm(Perm.CUSTOMER_APPROVAL_DECIDE)
def customer_approval_queue(request, q: Query[QueueQuery]):
    return [special_out(o) for o in approval.customer_approval_queue(request.auth)[:q.limit]]


@router.post("/customer-approvals/{order_id}/approve", response=SpecialRequestOut,
             operation_id="customer_approval_approve",
             summary="The customer approves: the request goes to the supply centre's consultants")
@api_perm(Perm.CUSTOMER_APPROVAL_DECIDE)
def customer_approval_approve(request, order_id: int, payload: ApproveIn):
    principal = request.auth

    def work():
        return 200, special_out(approval.customer_approval_approve(principal, order_id, note=payload.note))

    return idempotent(request, work)


@router.post("/customer-approvals/{order_id}/reject", response=SpecialRequestOut,
             operation_id="customer_approval_reject", summary="The customer rejects, with a reason")
@api_perm(Perm.CUSTOMER_APPROVAL_DECIDE)
def customer_approval_reject(request, order_id: int, payload: RejectIn):
    principal = request.auth

    def work():
        return 200, special_out(approval.customer_approval_reject(principal, order_id, reason=payload.reason))

    return idempotent(request, work)


@router.post("/customer-approvals/{order_id}/ask", response=SpecialRequestOut,
             operation_id="customer_approval_ask",
             summary="The customer asks the prescriber for more information (the answer comes back to it)")
@api_perm(Perm.CUSTOMER_APPROVAL_DECIDE)
def customer_approval_ask(request, order_id: int, payload: AskIn):
    principal = request.auth

    def work():
        return 200, special_out(approval.customer_approval_ask(principal, order_id, question=payload.question))

    return idempotent(request, work)
