"""Prescribing rules of articles and ISO classes (förskrivningsnivå, docs/prescribing.md).

An article's rule is its own level when set, else the nearest ISO class (division, subclass,
class) that carries one, else open. `prescribing_rule_set` changes a rule and counts its version,
so a decision stored with an order can name exactly which rule (and which version) it applied."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.cache import Generation
from core.errors import ValidationFailed

from .models import Article, IsoClass, PrescribingLevel


@dataclass(frozen=True)
class Rule:
    level: str  # open / competence / consultation
    source: str  # "artikel 12345@v2", "ISO 1222@v1" or "standard"
    competence_id: int | None = None
    competence_code: str = ""
    competence_name: str = ""
    special_request_allowed: bool = False

    @property
    def describe(self) -> str:
        if self.level == PrescribingLevel.COMPETENCE:
            return f"kräver kompetensen {self.competence_name}"
        if self.level == PrescribingLevel.CONSULTATION:
            return "kräver konsultation med Hjälpmedelscentralen"
        return "öppen för alla förskrivare"


OPEN = Rule(level=PrescribingLevel.OPEN, source="standard")


def _rule(obj, source: str) -> Rule:
    comp = obj.required_competence
    return Rule(level=obj.prescribing_level, source=f"{source}@v{obj.prescribing_version}",
                competence_id=comp.pk if comp else None, competence_code=comp.code if comp else "",
                competence_name=comp.name if comp else "", special_request_allowed=obj.special_request_allowed)


# Every order line is checked against these rules; they change when an assortment manager sets a
# rule or the catalogue is imported. Cached per article (core.cache: this process sees a change at
# once, other processes within the TTL); catalogue.apps connects the models, the import invalidates.
PRESCRIBING_RULES = Generation("prescribing_rules", 60)


def prescribing_rules_for(articles) -> dict[int, Rule]:
    """{article id: Rule} for the given articles: from the cache, or two queries for any number
    of articles that are not cached."""
    ids = [a.pk for a in articles]
    return {pk: rule for pk, rule in PRESCRIBING_RULES.get_many(ids, _rules_of).items() if rule is not None}


def _rules_of(ids) -> dict[int, Rule]:
    rows = {a.pk: a for a in Article.objects.filter(pk__in=ids).select_related(
        "required_competence", "product__iso_class")}
    classes = {c.code: c for c in IsoClass.objects.exclude(prescribing_level="").select_related(
        "required_competence")}
    out: dict[int, Rule] = {}
    for pk in ids:
        article = rows.get(pk)
        if article is None:
            continue
        if article.prescribing_level:
            out[pk] = _rule(article, f"artikel {article.article_number}")
            continue
        code = article.product.iso_class.code if article.product.iso_class_id else ""
        rule = OPEN
        while code:
            iso = classes.get(code)
            if iso is not None:
                rule = _rule(iso, f"ISO {iso.code}")
                break
            code = code[:-2]
        out[pk] = rule
    return out


@transaction.atomic
def prescribing_rule_set(*, actor, level: str, article: Article | None = None, iso_class: IsoClass | None = None,
                         competence=None, special_request_allowed: bool = False) -> Article | IsoClass:
    """Set the prescribing rule of an article or an ISO class; its version goes up by one."""
    target = article if article is not None else iso_class
    if target is None or (article is not None and iso_class is not None):
        raise ValidationFailed(_("Ange en artikel eller en ISO-klass."), errors={"target": [_("Ange en.")]})
    if level not in PrescribingLevel.values or (level == "" and iso_class is not None):
        raise ValidationFailed(_("Ogiltig förskrivningsnivå."), errors={"prescribing_level": [_("Ogiltig nivå.")]})
    if level == PrescribingLevel.COMPETENCE and competence is None:
        raise ValidationFailed(_("Välj vilken kompetens som krävs."),
                               errors={"required_competence": [_("Välj vilken kompetens som krävs.")]})
    target.prescribing_level = level
    target.required_competence = competence if level == PrescribingLevel.COMPETENCE else None
    target.special_request_allowed = bool(special_request_allowed) and level == PrescribingLevel.COMPETENCE
    target.prescribing_version = F("prescribing_version") + 1
    target.save(update_fields=["prescribing_level", "required_competence", "special_request_allowed",
                               "prescribing_version", "updated_at"])
    target.refresh_from_db(fields=["prescribing_version"])
    audit_record(actor, "catalogue.prescribing_rule_set", target, {
        "level": level, "competence": getattr(competence, "code", ""), "version": target.prescribing_version,
        "special_request_allowed": target.special_request_allowed})
    return target
