"""The closed sets of the order API as enums in the OpenAPI document (issue 11: `kind`, `status`,
`place`, `concerns` … were free strings). Built from the models' choices, so the document and the
services agree; a value outside the set is refused by the schema (422) before any service runs."""
from typing import Literal

from catalogue.models import LoanType
from stock.models import Device

from ..models import (
    CUSTOMER_WORK_KINDS,
    CustomerOrderKind,
    Delivery,
    DeliveryTo,
    FaultConcerns,
    FaultKind,
    FaultRemedy,
    FaultReturnMethod,
    OrderEvent,
    OrderStatus,
    OrderType,
    PickupReason,
    Priority,
    WorkKind,
)


def one_of(*values: str):
    """`Literal[v1, v2, …]`: an enum in the OpenAPI document."""
    return Literal[tuple(values)]  # type: ignore[valid-type]


S = OrderStatus
CUSTOMER_STATUSES = (S.DRAFT, S.CUSTOMER_APPROVAL, S.SPECIAL_REQUESTED, S.INFO_REQUESTED, S.SUBMITTED, S.CONFIRMED, S.DISPATCHED, S.DELIVERED,
                     S.CANCELLED, S.WITHDRAWN, S.REJECTED)

OrderTypeValue = one_of(*OrderType.values)
LoanTypeValue = one_of(*LoanType.values)
LoanTypeIn = one_of("", *LoanType.values)
OrderStatusValue = one_of(*OrderStatus.values)
CustomerStatusFilter = one_of("", *CUSTOMER_STATUSES)
StatusFilter = one_of("", *OrderStatus.values)
CustomerKindIn = one_of(CustomerOrderKind.TO_PATIENT, CustomerOrderKind.TO_UNIT, CustomerOrderKind.BUFFER_MANUAL)
CustomerKindValue = one_of(*CustomerOrderKind.values)
ServiceKindValue = one_of(*WorkKind.values, *FaultKind.values, "pickup")
AnyKindValue = one_of(*dict.fromkeys([*CustomerOrderKind.values, *WorkKind.values, *FaultKind.values, "pickup"]))
PriorityValue = one_of(*Priority.values)
PriorityFilter = one_of("", *Priority.values)
DeliveryToValue = one_of(*DeliveryTo.values)
DeliveryPlace = one_of(*Delivery.Place.values)
EventTypeValue = one_of(*OrderEvent.Type.values)
StatusOrEmpty = one_of("", *OrderStatus.values)
WorkKindIn = one_of(*[k.value for k in CUSTOMER_WORK_KINDS])
PickupReasonValue = one_of(*PickupReason.values)
FaultKindValue = one_of(*FaultKind.values)
FaultConcernsValue = one_of(*FaultConcerns.values)
FaultRemedyValue = one_of(*FaultRemedy.values)
FaultReturnMethodValue = one_of(*FaultReturnMethod.values)


DeviceStatusValue = one_of(*Device.Status.values)
