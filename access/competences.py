"""Prescribers' competences (förskrivningsrätt, docs/prescribing.md): the customer's access admin
registers which named competence a prescriber holds and until when, one at a time or from a
spreadsheet (validated row by row: every row is checked first; one bad row writes nothing and
every bad row is named). Reads for the prescribing check (`competences_valid_on`)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import NotFound, PermissionDenied, ValidationFailed

from .models import Competence, Organisation, PrescriberCompetence, RoleAssignment, User
from .roles import CUSTOMER_ROLES, Perm

MAX_VALID_YEARS = 20
MAX_IMPORT_ROWS = 5000


# --------------------------------------------------------------------------- reads


def competences_valid_on(user_id: int | None, on: dt.date) -> dict[int, dt.date]:
    """{competence id: valid to} of the user's competences valid on `on` (inclusive)."""
    if not user_id:
        return {}
    return dict(PrescriberCompetence.objects.filter(user_id=user_id, valid_to__gte=on, competence__is_active=True)
                .values_list("competence_id", "valid_to"))


def competences_held(user_id: int | None) -> dict[int, dt.date]:
    """{competence id: valid to} of every competence the user holds, expired ones included."""
    if not user_id:
        return {}
    return dict(PrescriberCompetence.objects.filter(user_id=user_id).values_list("competence_id", "valid_to"))


def active_competences():
    return Competence.objects.filter(is_active=True).order_by("name")


def administered_organisation_ids(principal) -> set[int]:
    """The customers whose competences the principal maintains (customer access admin)."""
    if not principal.has_perm(Perm.ACCESS_ADMIN) or principal.is_supply:
        return set()
    return set(principal.customer_ids)


def competences_for_admin(principal):
    """The competences of users holding a customer role at the admin's customers."""
    orgs = administered_organisation_ids(principal)
    users = RoleAssignment.objects.filter(unit__organisation_id__in=orgs, role__in=CUSTOMER_ROLES).values("user_id")
    return (PrescriberCompetence.objects.filter(user_id__in=users).select_related("user", "competence")
            .order_by("user__last_name", "user__first_name", "user__username", "competence__name"))


# --------------------------------------------------------------------------- validation


def _user_for(principal, username: str, field_name: str) -> tuple[User, int]:
    """An active user with a customer role at one of the admin's customers → (user, that customer)."""
    orgs = administered_organisation_ids(principal)
    if not orgs:
        raise PermissionDenied(_("Endast kundens behörighetsadministratör registrerar kompetenser."))
    name = (username or "").strip()
    if not name:
        raise ValidationFailed(_("Ange användarnamn."), errors={field_name: [_("Ange användarnamn eller HSA-id.")]})
    user = (User.objects.filter(username__iexact=name, is_active=True).first()
            or User.objects.filter(hsa_id__iexact=name, is_active=True).exclude(hsa_id="").first())
    org_id = None
    if user is not None:
        org_id = (RoleAssignment.objects.filter(user=user, unit__organisation_id__in=orgs, role__in=CUSTOMER_ROLES)
                  .values_list("unit__organisation_id", flat=True).order_by("unit__organisation_id").first())
    if user is None or org_id is None:
        raise ValidationFailed(_("Användaren finns inte."), errors={
            field_name: [_("Ingen aktiv användare med en roll i er organisation heter %(name)s.") % {"name": name[:60]}]})
    return user, org_id


def _competence_for(code: str, field_name: str) -> Competence:
    value = (code or "").strip()
    competence = Competence.objects.filter(code__iexact=value, is_active=True).first() if value else None
    if competence is None:
        raise ValidationFailed(_("Okänd kompetens."), errors={
            field_name: [_("Kompetensen %(value)s finns inte.") % {"value": value[:40]} if value else _("Välj en kompetens.")]})
    return competence


def _valid_to(value, field_name: str, today: dt.date) -> dt.date:
    day = value
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed(_("Ogiltigt datum."), errors={
                field_name: [_("Ange giltig till som ÅÅÅÅ-MM-DD.")]}) from None
    if not isinstance(day, dt.date):
        raise ValidationFailed(_("Ogiltigt datum."), errors={field_name: [_("Ange giltig till som ÅÅÅÅ-MM-DD.")]})
    if day < today:
        raise ValidationFailed(_("Datumet har passerat."), errors={
            field_name: [_("Giltig till kan inte ligga bakåt i tiden.")]})
    if day.year > today.year + MAX_VALID_YEARS:
        raise ValidationFailed(_("Datumet är för långt fram."), errors={
            field_name: [_("Giltig till kan ligga högst %(max_valid_years)s år fram.") % {"max_valid_years": MAX_VALID_YEARS}]})
    return day


# --------------------------------------------------------------------------- writes


def _upsert(principal, user: User, org_id: int, competence: Competence, valid_to: dt.date) -> PrescriberCompetence:
    row, created = PrescriberCompetence.objects.select_for_update().get_or_create(
        user=user, competence=competence,
        defaults={"valid_to": valid_to, "organisation_id": org_id, "registered_by": principal.user})
    if not created:
        row.valid_to, row.organisation_id, row.registered_by = valid_to, org_id, principal.user
        row.save(update_fields=["valid_to", "organisation", "registered_by", "updated_at"])
    audit_record(principal, "prescriber_competence.set", row, {
        "user": user.username, "competence": competence.code, "valid_to": str(valid_to), "created": created})
    return row


@transaction.atomic
def prescriber_competence_set(*, actor, username: str, competence_code: str, valid_to,
                              today: dt.date | None = None) -> PrescriberCompetence:
    """Register (or renew) a prescriber's competence, valid to a date (today or later)."""
    today = today or timezone.localdate()
    user, org_id = _user_for(actor, username, "username")
    competence = _competence_for(competence_code, "competence")
    day = _valid_to(valid_to, "valid_to", today)
    return _upsert(actor, user, org_id, competence, day)


@transaction.atomic
def prescriber_competence_remove(*, actor, competence_id: int) -> None:
    row = competences_for_admin(actor).filter(pk=competence_id).select_for_update(of=("self",)).first()
    if row is None:
        raise NotFound(_("Kompetensen finns inte."))
    audit_record(actor, "prescriber_competence.removed", row, {
        "user": row.user.username, "competence": row.competence.code})
    row.delete()


@dataclass
class ImportResult:
    written: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)  # "rad N" → messages


@transaction.atomic
def prescriber_competences_import(*, actor, rows: list[dict], today: dt.date | None = None) -> ImportResult:
    """Rows of {"anvandare", "kompetens", "giltig_till"} (from `read_competence_sheet`). Every row
    is validated; if any fails nothing is written and the errors name each row (its line in the
    sheet, the header being line 1)."""
    today = today or timezone.localdate()
    if not administered_organisation_ids(actor):
        raise PermissionDenied(_("Endast kundens behörighetsadministratör registrerar kompetenser."))
    if not rows:
        raise ValidationFailed(_("Filen har inga rader."), errors={"file": [_("Filen har inga rader.")]})
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(_("För många rader."), errors={"file": [_("Högst %(max_import_rows)s rader per fil.") % {"max_import_rows": MAX_IMPORT_ROWS}]})
    planned, errors, seen = [], {}, {}
    for row in rows:
        line = f"rad {row.get('_line', '?')}"
        try:
            user, org_id = _user_for(actor, row.get("anvandare", ""), "anvandare")
            competence = _competence_for(row.get("kompetens", ""), "kompetens")
            day = _valid_to(row.get("giltig_till"), "giltig_till", today)
        except ValidationFailed as exc:
            found = [m for msgs in (exc.errors or {}).values() for m in msgs] or [exc.message]
            errors[line] = [f"Rad {row.get('_line', '?')}: {m}" for m in found]
            continue
        key = (user.pk, competence.pk)
        if key in seen:
            errors[line] = [_("Rad %(line)s: samma användare och kompetens som %(seen)s.") % {"line": row.get('_line', '?'), "seen": seen[key]}]
            continue
        seen[key] = line
        planned.append((user, org_id, competence, day))
    if errors:
        raise ValidationFailed(_("%(count)s rader har fel; inget är sparat.") % {"count": len(errors)}, errors=errors)
    for user, org_id, competence, day in planned:
        _upsert(actor, user, org_id, competence, day)
    audit_record(actor, "prescriber_competence.imported", None, {"rows": len(planned)})
    return ImportResult(written=len(planned))


HEADERS = {"anvandare": ("användare", "anvandare", "användarnamn", "hsa-id", "username"),
           "kompetens": ("kompetens", "competence", "kod"),
           "giltig_till": ("giltig till", "giltig_till", "valid_to", "giltig till och med")}


def read_competence_sheet(upload) -> list[dict]:
    """Rows of an .xlsx or .csv file with the columns Användare, Kompetens, Giltig till (first row
    headers, any order). `_line` is the row's line in the sheet."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if len(data) > 2 * 1024 * 1024:
        raise ValidationFailed(_("Filen är för stor."), errors={"file": [_("Filen får vara högst 2 MB.")]})
    if name.endswith(".xlsx") or data[:2] == b"PK":
        try:
            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            table = [list(r) for r in sheet.iter_rows(values_only=True)]
        except Exception:  # noqa: BLE001 — any unreadable workbook is the user's input error
            raise ValidationFailed(_("Filen kan inte läsas."), errors={
                "file": [_("Filen kan inte läsas som .xlsx.")]}) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(_("Filen kan inte läsas."), errors={"file": [_("Spara CSV-filen som UTF-8.")]}) from None
        dialect = ";" if text.count(";") >= text.count(",") else ","
        table = list(csv.reader(io.StringIO(text), delimiter=dialect))
    if not table:
        raise ValidationFailed(_("Filen är tom."), errors={"file": [_("Filen är tom.")]})
    header = [str(h or "").strip().lower() for h in table[0]]
    index = {}
    for key, names in HEADERS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if not found:
            raise ValidationFailed(_("Kolumn saknas."), errors={
                "file": [_("Kolumnen %(label)s saknas på första raden.") % {"label": names[0].capitalize()}]})
        index[key] = found[0]
    rows = []
    for n, values in enumerate(table[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        row = {"_line": n}
        for key, i in index.items():
            value = values[i] if i < len(values) else None
            row[key] = value if isinstance(value, (dt.date, dt.datetime)) else str(value if value is not None else "")
        rows.append(row)
    return rows


__all__ = ["Organisation", "competences_valid_on", "prescriber_competence_set", "prescriber_competence_remove",
           "prescriber_competences_import", "read_competence_sheet"]


def competences_visible(principal, *, username: str = "", hsa_id: str = ""):
    """Prescribers' competences for a look-up: those of users holding a customer role at the
    principal's customers (the supply centre: every customer), optionally one user's."""
    qs = PrescriberCompetence.objects.select_related("user", "competence", "organisation")
    if not principal.is_supply:
        users = RoleAssignment.objects.filter(unit__organisation_id__in=principal.customer_ids,
                                              role__in=CUSTOMER_ROLES).values("user_id")
        qs = qs.filter(user_id__in=users)
    if (username or "").strip():
        qs = qs.filter(user__username=username.strip())
    if (hsa_id or "").strip():
        qs = qs.filter(user__hsa_id=hsa_id.strip())
    return qs.order_by("user__username", "competence__code", "pk")
