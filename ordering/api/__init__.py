"""The order API (`/api/v1/`): customer orders and, per order kind, work orders, pickup orders
and return receipts, fault reports. One router; each kind's module adds its own."""
from ninja import Router

from . import buffer, customer, fault, messages, pickup, work

router = Router()
router.add_router("", customer.router)
router.add_router("", work.router)
router.add_router("", pickup.router)
router.add_router("", fault.router)
router.add_router("", messages.router)
router.add_router("", buffer.router)
