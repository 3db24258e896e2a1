"""The prescribing check (förskrivningsrätt, docs/prescribing.md), run by the customer-order flow
when an order to a patient is built and when it is submitted, for the UI and the API alike.

Every line is checked against its article's rule (`catalogue.prescribing`) and the prescriber's
competences (`access.competences`): open → allowed; a named competence → allowed while the
prescriber holds it, else refused (or a special request where the rule allows it); consultation,
an article outside the assortment, or a line above the customer's cost ceiling → a special
request. The decision — every rule checked with its version, the competences found, the
outcome — is stored on the submit event and in `order.extra["prescribing"]`."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import ValidationFailed

RULES_VERSION = "2026-12-1"  # the version of this logic; each rule's own version is in `rule`

DIRECT, SPECIAL, REFUSED = "direct", "special_request", "refused"
OK = "ok"


def applies_to(order) -> bool:
    """Prescribing rights concern prescriptions: customer orders to a patient."""
    from ..models import CustomerOrderKind, OrderType

    return order.order_type == OrderType.CUSTOMER and order.kind == CustomerOrderKind.TO_PATIENT


def _ceiling(customer_id: int | None) -> Decimal | None:
    from access.selectors import customer_cost_ceiling

    return customer_cost_ceiling(customer_id)


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# Why a line needs a special request or is refused. Each line stores `why` ([key, params] pairs)
# and `reason`, the Swedish text (stored decisions and the order history are Swedish); messages
# shown to the user are rendered from `why` in the active language (`reason_text`).
REASONS = {
    "competence_no_prescriber": gettext_noop("kräver kompetensen %(competence)s; ordern saknar förskrivare"),
    "competence_missing": gettext_noop("kräver kompetensen %(competence)s, som förskrivaren saknar"),
    "competence_expired": gettext_noop("kräver kompetensen %(competence)s; förskrivarens gick ut %(until)s"),
    "consultation": gettext_noop("kräver konsultation med Hjälpmedelscentralen"),
    "outside_assortment": gettext_noop("är utanför sortimentet"),
    "over_ceiling": gettext_noop("kostar %(cost)s kr, över kundens kostnadstak %(ceiling)s kr"),
}


def _why(key: str, **params) -> list:
    return [key, {k: str(v) for k, v in params.items()}]


def _swedish(whys: list) -> str:
    return "; ".join(REASONS[key] % params for key, params in whys)


def reason_text(line: dict) -> str:
    """A decision line's reason in the active language (stored decisions without `why`: as stored)."""
    whys = line.get("why")
    if not whys:
        return line.get("reason", "")
    return "; ".join(_(REASONS[key]) % params for key, params in whys)


def decide(order, items: list[tuple[str, object, int]], *, on: dt.date | None = None) -> dict:
    """The decision for `items` [(field name, article, quantity)] prescribed by `order.prescriber`
    for `order.customer`. Reads only; the caller stores it and acts on the outcome."""
    from access.competences import competences_held
    from catalogue.models import PrescribingLevel
    from catalogue.prescribing import prescribing_rules_for

    on = on or timezone.localdate()
    rules = prescribing_rules_for(a for _f, a, _q in items)
    held = competences_held(order.prescriber_id)
    ceiling = _ceiling(order.customer_id)
    prescriber = order.prescriber
    lines = []
    for name, article, quantity in items:
        rule = rules[article.pk]
        entry = {"field": name, "article": article.article_number, "rule": rule.source, "level": rule.level,
                 "outcome": OK, "reason": ""}
        reasons_special = []
        if rule.level == PrescribingLevel.COMPETENCE:
            entry["competence"] = rule.competence_code
            until = held.get(rule.competence_id)
            entry["held_until"] = _day(until)
            if until is None or until < on:
                why = (_why("competence_no_prescriber", competence=rule.competence_name) if prescriber is None
                       else _why("competence_missing", competence=rule.competence_name) if until is None
                       else _why("competence_expired", competence=rule.competence_name, until=_day(until)))
                if rule.special_request_allowed:
                    reasons_special.append(why)
                else:
                    entry.update(outcome=REFUSED, reason=_swedish([why]), why=[why])
        elif rule.level == PrescribingLevel.CONSULTATION:
            reasons_special.append(_why("consultation"))
        if not article.in_assortment:
            reasons_special.append(_why("outside_assortment"))
        cost = (article.purchase_price or Decimal(0)) * quantity
        if ceiling is not None and cost > ceiling:
            entry["cost"] = str(cost)
            reasons_special.append(_why("over_ceiling", cost=cost, ceiling=ceiling))
        if entry["outcome"] == OK and reasons_special:
            entry.update(outcome=SPECIAL, reason=_swedish(reasons_special), why=reasons_special)
        lines.append(entry)
    outcomes = {ln["outcome"] for ln in lines}
    outcome = REFUSED if REFUSED in outcomes else SPECIAL if SPECIAL in outcomes else DIRECT
    return {"version": RULES_VERSION, "checked_on": on.isoformat(),
            "prescriber": (prescriber.get_full_name() or prescriber.get_username()) if prescriber else "",
            "ceiling": str(ceiling) if ceiling is not None else None, "outcome": outcome, "lines": lines}


def refuse_if_not_allowed(decision: dict, articles: dict[str, object] | None = None) -> None:
    """A line the prescriber may not prescribe is a field error naming the requirement."""
    errors: dict[str, list[str]] = {}
    for ln in decision["lines"]:
        if ln["outcome"] == REFUSED:
            errors.setdefault(ln["field"], []).append(
                _("Artikeln %(article)s %(reason)s.") % {"article": ln["article"], "reason": reason_text(ln)})
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, code="prescribing_refused", errors=errors)


def check_lines(order, items: list[tuple[str, object, int]]) -> dict | None:
    """While building: refuse what may not be prescribed; None when the order is no prescription."""
    if not applies_to(order):
        return None
    decision = decide(order, items)
    refuse_if_not_allowed(decision)
    return decision


def summary(decision: dict) -> str:
    """One Swedish sentence for the history."""
    what = {DIRECT: "direktorder", SPECIAL: "särskilt beslut", REFUSED: "nekad"}[decision["outcome"]]
    special = [f"{ln['article']} {ln['reason']}" for ln in decision["lines"] if ln["outcome"] == SPECIAL]
    tail = f" ({'; '.join(special)})" if special else ""
    return f"Förskrivningsrätt kontrollerad (regler {decision['version']}): {what}{tail}."


def rights_check(principal, article_numbers: list[str], *, unit_id: int | None = None, orderer_hsa_id: str = "",
                 orderer_username: str = "", on: dt.date | None = None) -> dict:
    """May the prescriber prescribe these articles (one of each) for a patient of the principal's
    customer? The decision `order_submit` would make, without an order (reads only). The
    prescriber is resolved as for a new order: the logged-in user, or the orderer a system client
    names; a user without the prescriber role gets the answer for an order without a prescriber."""
    from types import SimpleNamespace

    from access.models import User

    from .core import fail, require_orderer, resolve_orderer, resolve_unit
    from .customer import get_orderable_article

    require_orderer(principal)
    numbers = [str(n or "").strip() for n in (article_numbers or [])]
    if not numbers:
        fail("article_number", _("Ange minst ett artikelnummer."))
    if len(numbers) > 50:
        fail("article_number", _("Högst 50 artiklar per fråga."))
    articles = [get_orderable_article(n, f"article_number.{i}") for i, n in enumerate(numbers)]
    unit = resolve_unit(principal, unit_id)
    _orderer, prescriber = resolve_orderer(principal, unit, hsa_id=orderer_hsa_id, username=orderer_username)
    if isinstance(prescriber, int):
        prescriber = User.objects.get(pk=prescriber)
    probe = SimpleNamespace(prescriber=prescriber, prescriber_id=getattr(prescriber, "pk", None),
                            customer_id=unit.organisation_id)
    decision = decide(probe, [(f"article_number.{i}", a, 1) for i, a in enumerate(articles)], on=on)
    for line in decision["lines"]:  # an answer, not stored: the reasons in the caller's language
        line["reason"] = reason_text(line)
    return decision
