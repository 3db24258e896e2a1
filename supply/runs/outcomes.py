"""The driver at the door: a stop delivered (per line, receiver's name and signature), picked
up (the return receipt gets the signature), visited, or "ingen hemma". Only the run's own driver
records outcomes; each is one entry point that locks the run, then the order (the planners'
lock order too), checks the stop is still to do, and goes through ordering's own services
(`ordering.flows.delivery`, `ordering.flows.pickup`) and supply's delivery (`deliver_locked`),
so the order's transitions, events, messages and invoice basis are the back office's.

A stop is done once: the outcome is set under the run's lock, so a second "ingen hemma" (a
double tap, a retry) is refused and the failed-delivery fee is booked once."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from access.roles import Perm
from audit.services import audit_record
from core.errors import Conflict, NotFound, field_error
from core.transactions import entry_point
from ordering.flows import core as order_core
from ordering.flows import delivery as door
from ordering.flows import pickup as pickups
from ordering.models import Delivery, DeliveryTo, OrderStatus, OrderType

from .. import services as supply_services
from .models import Run, RunStatus, RunStop, StopKind, StopOutcome
from .signature import clean_signature

S = OrderStatus
NOTE_MAX = 500


def _require_driver(principal) -> None:
    principal.require(Perm.DRIVER_RUNS)
    if not principal.is_supply or principal.user is None:
        raise NotFound(_("Stoppet finns inte."))


def _lock_stop(principal, stop_id) -> tuple[Run, RunStop]:
    try:
        run_id = RunStop.objects.values_list("run_id", flat=True).get(pk=int(stop_id))
    except (TypeError, ValueError, RunStop.DoesNotExist):
        raise NotFound(_("Stoppet finns inte.")) from None
    run = Run.objects.select_for_update().get(pk=run_id)
    if run.driver_id != principal.user.pk:
        raise NotFound(_("Stoppet finns inte."))  # another driver's run does not exist for you
    stop = run.stops.get(pk=int(stop_id))
    if stop.is_done:
        raise Conflict(_("Stoppet är redan registrerat (%(outcome)s).") % {"outcome": stop.get_outcome_display().lower()}, code="stop_done")
    today = timezone.localdate()
    if run.date != today:
        raise Conflict(_("Körningen gäller %(date)s; utfall registreras på körningens dag.") % {"date": format(run.date, '%Y-%m-%d')},
                       code="not_today")
    if run.status == RunStatus.PLANNED:
        run.status = RunStatus.STARTED
        run.save(update_fields=["status", "updated_at"])
        audit_record(principal, "run.started", run, {})
    return run, stop


def _finish(principal, run: Run, stop: RunStop, outcome: str, *, receiver_name: str = "", **refs) -> RunStop:
    stop.outcome = outcome
    stop.receiver_name = receiver_name
    stop.recorded_at = timezone.now()
    stop.recorded_by = principal.user
    for key, value in refs.items():
        setattr(stop, key, value)
    stop.save()
    audit_record(principal, f"run.stop_{outcome}", run, {"stop": stop.pk, "order": stop.order.number})
    if not run.stops.filter(outcome="").exists():
        run.status = RunStatus.DONE
        run.save(update_fields=["status", "updated_at"])
        audit_record(principal, "run.done", run, {})
    return stop


def _clean_receiver(value) -> str:
    value = (value or "").strip()
    if not value:
        field_error("receiver_name", _("Ange mottagarens namn."))
    if len(value) > 120:
        field_error("receiver_name", _("Mottagarens namn får vara högst 120 tecken."))
    return value


def _place(order) -> str:
    if order.delivery_to in (DeliveryTo.STAY_ADDRESS, DeliveryTo.REGISTERED_ADDRESS):
        return Delivery.Place.STAY_ADDRESS
    return Delivery.Place.HOSPITAL_OR_UNIT


@entry_point
def run_stop_complete(principal, stop_id, *, receiver_name: str, signature: str,
                      line_ids: list[int] | None = None, collected_serials: list[str] | None = None,
                      not_collected: dict[str, str] | list | None = None, note: str = "") -> RunStop:
    """Delivered (the lines in `line_ids`, default every line still to deliver), picked up, or
    visited; acknowledged by the receiver's name and signature.

    A pickup collects `collected_serials` (default every device still to collect that is not in
    `not_collected`); every device left needs a reason in `not_collected` ({serial: "not_there" |
    "kept" | "other"}; "other" needs a `note`). With any left the stop is **partly picked up**
    (ordering's `pickup_mark_picked_up`): the collected devices' loans end and the return receipt
    lists them; the order stays open for the rest, except what the patient keeps."""
    _require_driver(principal)
    receiver = _clean_receiver(receiver_name)
    png = clean_signature(signature)
    run, stop = _lock_stop(principal, stop_id)
    today = timezone.localdate()
    if stop.kind == StopKind.DELIVERY:
        order = order_core.order_lock_for_supply(stop.order_id, OrderType.CUSTOMER)
        stop.order = order
        quantities = None
        if line_ids is not None:
            lines = {ln.pk: ln for ln in order.lines.all()}
            wanted = {}
            for i, pk in enumerate(line_ids):
                try:
                    line = lines[int(pk)]
                except (KeyError, TypeError, ValueError):
                    field_error(f"lines.{i}.line_id", _("Raden %(line_id)s hör inte till ordern.") % {"line_id": pk})
                if line.remaining_quantity > 0:
                    wanted[line.pk] = line.remaining_quantity
            if not wanted:
                field_error("lines", _("Markera minst en rad som levererad, eller välj Ingen hemma."))
            quantities = wanted
        if order.status == S.CONFIRMED:
            supply_services.dispatch_locked(principal, order)
        delivery = supply_services.deliver_locked(principal, order, receiver_name=receiver, place=_place(order),
                                                  quantities=quantities, delivered_on=today)
        door.delivery_signature_set(delivery, principal, png=png)
        return _finish(principal, run, stop, StopOutcome.DELIVERED, receiver_name=receiver,
                       delivery_id_ref=delivery.pk)
    if stop.kind == StopKind.PICKUP:
        order = order_core.order_lock_for_supply(stop.order_id, OrderType.PICKUP)
        stop.order = order
        pickups.pickup_mark_picked_up(order, principal, picked_up_on=today, collected=collected_serials,
                                      left=not_collected, note=note)
        receipt = door.pickup_receipt_signed(order, principal, signed_by_name=receiver, png=png, returned_on=today,
                                             serials=order.collected_serials)
        outcome = StopOutcome.PARTIAL if order.status == S.PARTLY_PICKED_UP else StopOutcome.PICKED_UP
        return _finish(principal, run, stop, outcome, receiver_name=receiver, receipt_id_ref=receipt.pk)
    order = order_core.order_lock_for_supply(stop.order_id, OrderType.WORK)
    stop.order = order
    return _finish(principal, run, stop, StopOutcome.VISITED, receiver_name=receiver)


@entry_point
def run_stop_nobody_home(principal, stop_id, *, note: str = "") -> RunStop:
    """Nobody home: a delivery is cancelled as failed (the fee once), a pickup or visit waits
    for a new date; the stop is done and the order can go on another run."""
    _require_driver(principal)
    note = order_core.clean_text(note, "note", NOTE_MAX, _("Kommentaren"))
    run, stop = _lock_stop(principal, stop_id)
    ref = f"run:{run.pk}:stop:{stop.pk}"
    order_type = {StopKind.DELIVERY: OrderType.CUSTOMER, StopKind.PICKUP: OrderType.PICKUP,
                  StopKind.VISIT: OrderType.WORK}[stop.kind]
    order = order_core.order_lock_for_supply(stop.order_id, order_type)
    stop.order = order
    if stop.kind == StopKind.DELIVERY:
        door.delivery_failed_record(order, principal, note=note, ref=ref)
    elif stop.kind == StopKind.PICKUP:
        door.pickup_failed_record(order, principal, note=note, ref=ref)
    else:
        door.visit_failed_record(order, principal, note=note, ref=ref)
    return _finish(principal, run, stop, StopOutcome.NOBODY_HOME)
