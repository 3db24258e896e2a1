"""Planning runs (the supply handler): create, add a stop, move it up/down, sort by postcode,
remove it. Every service is an entry point (one durable transaction), audited, and checks its
input here so the pages and the API agree. The order a stop serves is locked (ordering's lock)
before it is put on a run, so two handlers adding the same order to two runs are serialised:
the second is told which run has it (the partial unique index on pending stops is the backstop).

Outcomes at the door (the driver) are in `supply.runs.outcomes`."""
from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from access.roles import ROLE_PERMISSIONS, Perm
from audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed, field_error
from core.transactions import entry_point
from ordering import kind_selectors
from ordering.flows import core as order_core
from ordering.flows import pickup as pickups
from ordering.models import OrderStatus, OrderType

from .models import Run, RunStatus, RunStop, StopKind

S = OrderStatus
MAX_DAYS_AHEAD = 365
VEHICLE_MAX = 40

# What a run may carry, by stop kind: the order type and the statuses it must be in.
DELIVERABLE = (S.CONFIRMED, S.DISPATCHED)
COLLECTABLE = (S.SUBMITTED, S.PLANNED, S.PARTLY_PICKED_UP)  # partly: the rest of a partial pickup
VISITABLE = (S.ACCEPTED,)
# Work-order kinds done at the patient's home (the others are done at the supply centre).
HOME_WORK_KINDS = ("repair_patient", "adaptation", "special_adaptation", "mounting", "installation",
                   "consultation", "inspection")
# Customer-order kinds that are never driven out (born delivered).
NOT_DRIVEN = ("withdrawal",)

DRIVER_ROLES = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.DRIVER_RUNS in perms]


def _require_planner(principal) -> None:
    order_core.require_supply(principal, Perm.ORDER_HANDLE)


def people_for_runs():
    """Active users who may drive a run: those holding DRIVER_RUNS (drivers and technicians)."""
    return (get_user_model().objects.filter(is_active=True, role_assignments__role__in=DRIVER_ROLES,
                                            role_assignments__unit__is_active=True)
            .distinct().order_by("first_name", "last_name", "username"))


def _clean_run_date(value) -> dt.date:
    day = order_core.clean_date(value, "date", required=True)
    today = timezone.localdate()
    if day < today:
        field_error("date", _("En körning kan inte planeras bakåt i tiden."))
    if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        field_error("date", _("En körning kan planeras högst ett år framåt."))
    return day


def _clean_driver(driver_id):
    try:
        user = people_for_runs().filter(pk=int(driver_id)).first()
    except (TypeError, ValueError):
        user = None
    if user is None:
        field_error("driver_id", _("Välj en chaufför eller tekniker (användaren måste ha behörighet för körningar)."))
    return user


def _clean_vehicle(value) -> str:
    value = (value or "").strip()
    if len(value) > VEHICLE_MAX:
        field_error("vehicle", _("Fordonet får vara högst %(vehicle_max)s tecken.") % {"vehicle_max": VEHICLE_MAX})
    return value


def _lock_run(run_id, *, open_only: bool = True) -> Run:
    try:
        run = Run.objects.select_for_update().select_related("driver").get(pk=int(run_id))
    except (TypeError, ValueError, Run.DoesNotExist):
        raise NotFound(_("Körningen finns inte.")) from None
    if open_only and run.status == RunStatus.DONE:
        raise Conflict(_("Körningen är klar och kan inte ändras."), code="run_done")
    return run


def _renumber(run: Run) -> list[RunStop]:
    stops = list(run.stops.order_by("position", "id"))
    changed = []
    for i, stop in enumerate(stops, start=1):
        if stop.position != i:
            stop.position = i
            changed.append(stop)
    if changed:
        RunStop.objects.bulk_update(changed, ["position"])
    return stops


@entry_point
def run_create(principal, *, date, driver_id, vehicle: str = "") -> Run:
    """A new planned run for a date (today or later) and a driver or technician."""
    _require_planner(principal)
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for key, fn, value in (("date", _clean_run_date, date), ("driver_id", _clean_driver, driver_id),
                           ("vehicle", _clean_vehicle, vehicle)):
        try:
            cleaned[key] = fn(value)
        except ValidationFailed as exc:
            errors.update(exc.errors or {key: [exc.message]})
    if errors:  # every field's message at once (the form shows each next to its field)
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    day, driver, vehicle = cleaned["date"], cleaned["driver_id"], cleaned["vehicle"]
    run = Run.objects.create(date=day, driver=driver, vehicle=vehicle, created_by_label=principal.label)
    audit_record(principal, "run.created", run, {"date": str(day), "driver": driver.pk, "vehicle": vehicle})
    return run


def _stop_kind(order, run: Run) -> str:
    """Which kind of stop the order makes on this run, or a Swedish refusal."""
    if order.order_type == OrderType.CUSTOMER:
        if order.kind in NOT_DRIVEN:
            field_error("order_id", _("Order %(number)s levereras inte med bil (uttag ur förråd).") % {"number": order.number})
        if order.status not in DELIVERABLE:
            field_error("order_id", _("Order %(number)s kan inte köras ut när den är %(status)s (den måste vara bekräftad eller skickad).") % {"number": order.number, "status": order.get_status_display().lower()})
        return StopKind.DELIVERY
    if order.order_type == OrderType.PICKUP:
        if order.status not in COLLECTABLE:
            field_error("order_id", _("Hämtorder %(number)s kan inte hämtas när den är %(status)s.") % {"number": order.number, "status": order.get_status_display().lower()})
        return StopKind.PICKUP
    if order.order_type == OrderType.WORK:
        if order.status not in VISITABLE:
            field_error("order_id", _("Arbetsorder %(number)s måste vara accepterad för att bli ett besök (den är %(status)s).") % {"number": order.number, "status": order.get_status_display().lower()})
        if order.kind not in HOME_WORK_KINDS:
            field_error("order_id", _("Arbetsorder %(number)s utförs på Hjälpmedelscentralen, inte hemma hos patienten.") % {"number": order.number})
        technician_id = kind_selectors.work_order_technician_id(order.pk)
        if technician_id != run.driver_id:
            field_error("order_id", _("Arbetsorder %(number)s är tilldelad en annan tekniker än körningens.") % {"number": order.number})
        return StopKind.VISIT
    field_error("order_id", _("Den här ordertypen kan inte läggas på en körning."))


@entry_point
def run_stop_add(principal, run_id, *, order_id) -> RunStop:
    """Put an order on a run as its last stop: a customer order ready to deliver, an open pickup
    order (planned for the run's date if it was not yet) or an accepted home-visit work order."""
    _require_planner(principal)
    run = _lock_run(run_id)
    if run.status != RunStatus.PLANNED:
        raise Conflict(_("Körningen har påbörjats; nya stopp kan inte läggas till."), code="run_started")
    order_type = kind_selectors.order_type_of(order_id)
    if order_type is None:
        field_error("order_id", _("Ordern finns inte."))
    order = order_core.order_lock_for_supply(order_id, order_type)  # serialises the race
    kind = _stop_kind(order, run)
    other = (RunStop.objects.filter(order_id=order.pk, outcome="").select_related("run").first())
    if other is not None:
        where = _("den här körningen") if other.run_id == run.pk else _("körning %(run)s (%(date)s)") % {
            "run": other.run_id, "date": format(other.run.date, "%Y-%m-%d")}
        raise Conflict(_("Order %(number)s finns redan på %(where)s.") % {"number": order.number, "where": where}, code="order_on_run",
                       errors={"order_id": [_("Order %(number)s finns redan på %(where)s.") % {"number": order.number, "where": where}]})
    if order.order_type == OrderType.PICKUP and order.status in (S.SUBMITTED, S.PARTLY_PICKED_UP):
        pickups.pickup_plan(principal, order.pk, planned_date=run.date)
    last = run.stops.order_by("-position").values_list("position", flat=True).first() or 0
    try:
        stop = RunStop.objects.create(run=run, position=last + 1, kind=kind, order_id=order.pk)
    except IntegrityError:  # pragma: no cover - the lock above makes this the backstop only
        raise Conflict(_("Order %(number)s finns redan på en annan körning.") % {"number": order.number}, code="order_on_run") from None
    audit_record(principal, "run.stop_added", run, {"order": order.number, "kind": kind, "position": stop.position})
    return stop


@entry_point
def run_stop_move(principal, stop_id, *, direction: str) -> RunStop:
    """Move a stop one place up or down."""
    _require_planner(principal)
    if direction not in ("up", "down"):
        field_error("direction", _("Ange upp eller ned."))
    try:
        run_id = RunStop.objects.values_list("run_id", flat=True).get(pk=int(stop_id))
    except (TypeError, ValueError, RunStop.DoesNotExist):
        raise NotFound(_("Stoppet finns inte.")) from None
    run = _lock_run(run_id)
    stops = _renumber(run)
    i = next(i for i, s in enumerate(stops) if s.pk == int(stop_id))
    j = i - 1 if direction == "up" else i + 1
    if j < 0 or j >= len(stops):
        field_error("direction", _("Stoppet är redan först.") if direction == "up" else _("Stoppet är redan sist."))
    a, b = stops[i], stops[j]
    a.position, b.position = b.position, a.position
    RunStop.objects.bulk_update([a, b], ["position"])
    audit_record(principal, "run.stop_moved", run, {"stop": a.pk, "direction": direction, "position": a.position})
    return a


def postcode_key(postal_code: str) -> str:
    digits = re.sub(r"\D", "", postal_code or "")
    return digits or "99999"


@entry_point
def run_sort_by_postcode(principal, run_id) -> list[RunStop]:
    """Order the stops still to do by postcode (stable); stops already done stay first."""
    _require_planner(principal)
    run = _lock_run(run_id)
    stops = list(run.stops.select_related("order").order_by("position", "id"))
    done = [s for s in stops if s.is_done]
    todo = sorted((s for s in stops if not s.is_done), key=lambda s: postcode_key(s.order.delivery_postal_code))
    for i, stop in enumerate(done + todo, start=1):
        stop.position = i
    RunStop.objects.bulk_update(stops, ["position"])
    audit_record(principal, "run.sorted_by_postcode", run, {"stops": [s.pk for s in done + todo]})
    return done + todo


@entry_point
def run_stop_remove(principal, stop_id) -> None:
    """Take a stop that is not done off its run (the order itself is unchanged)."""
    _require_planner(principal)
    try:
        run_id = RunStop.objects.values_list("run_id", flat=True).get(pk=int(stop_id))
    except (TypeError, ValueError, RunStop.DoesNotExist):
        raise NotFound(_("Stoppet finns inte.")) from None
    run = _lock_run(run_id)
    stop = run.stops.select_related("order").get(pk=int(stop_id))
    if stop.is_done:
        raise Conflict(_("Stoppet är redan utfört och kan inte tas bort."), code="stop_done")
    number = stop.order.number
    stop.delete()
    _renumber(run)
    audit_record(principal, "run.stop_removed", run, {"order": number})


def _clean_stop_ids(stop_ids) -> list[int]:
    if not isinstance(stop_ids, (list, tuple)):
        field_error("stop_ids", _("Ange stoppen i den nya ordningen."))
    ids = []
    for value in stop_ids:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            field_error("stop_ids", _("Stoppen ska anges med sina nummer (id)."))
    return ids


@entry_point
def run_stop_reorder(principal, run_id, *, stop_ids) -> list[RunStop]:
    """Put the run's stops still to do in the order given (a drag and drop on the planning page).
    `stop_ids` must be exactly the open stops of this run, each once; stops already done stay
    first, as with the postcode sort. Refused when the run is done."""
    _require_planner(principal)
    ids = _clean_stop_ids(stop_ids)
    run = _lock_run(run_id)
    stops = list(run.stops.order_by("position", "id"))
    done = [s for s in stops if s.is_done]
    todo = {s.pk: s for s in stops if not s.is_done}
    if len(set(ids)) != len(ids):
        field_error("stop_ids", _("Samma stopp finns med flera gånger i den nya ordningen."))
    done_ids = {s.pk for s in done}
    if any(i in done_ids for i in ids):
        field_error("stop_ids", _("Ett stopp som redan är utfört kan inte flyttas."))
    if any(i not in todo for i in ids):
        field_error("stop_ids", _("Den nya ordningen har ett stopp som inte hör till den här körningen."))
    if len(ids) != len(todo):
        field_error("stop_ids", _("Den nya ordningen saknar stopp; ladda om sidan och försök igen."))
    ordered = done + [todo[i] for i in ids]
    for i, stop in enumerate(ordered, start=1):
        stop.position = i
    RunStop.objects.bulk_update(ordered, ["position"])
    audit_record(principal, "run.stops_reordered", run, {"stops": [s.pk for s in ordered]})
    return ordered
