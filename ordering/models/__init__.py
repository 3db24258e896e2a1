"""Ordering's models, one module per order kind over the shared header (`order`)."""
from .customer import Delivery, DeliveryLine, OrderLine, OrderTemplate, OrderTemplateLine  # noqa: F401
from .fault import FaultConcerns, FaultKind, FaultRemedy, FaultReportDetail, FaultReturnMethod  # noqa: F401
from .loans import LoanReminder  # noqa: F401
from .order import (  # noqa: F401
    OPEN_CUSTOMER_STATUSES,
    ORDER_PREFIX,
    CustomerOrderKind,
    DeliveryTo,
    Message,
    Order,
    OrderAttachment,
    OrderEvent,
    OrderStatus,
    OrderType,
    Priority,
    attachment_path,
)
from .pickup import NotCollectedReason, PickupLine, PickupLineOutcome, PickupReason, ReturnReceipt, ReturnReceiptLine  # noqa: F401
from .work import CUSTOMER_WORK_KINDS, WorkKind, WorkOrderDetail, WorkOrderPart  # noqa: F401
