"""What the supply-side API modules share: running an action idempotently and answering the
order, the list query."""

from ninja import Field, Schema

from core.idempotency import idempotent
from ordering.api.core import ListQuery, load_service_out
from ordering.kind_selectors import ServiceFilter, service_order_search


def _run(request, order_id: int, order_type: str, fn):
    def work():
        fn()
        return 200, load_service_out(request.auth, order_id, order_type)

    return idempotent(request, work)


def _list(request, order_type: str, q: ListQuery):
    flt = ServiceFilter(status=q.status, number=q.number, patient_id=q.patient_id, planned_from=q.planned_from,
                        planned_to=q.planned_to)
    return service_order_search(request.auth, order_type, flt, limit=q.limit)


class RequiredReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)
