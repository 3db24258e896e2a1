"""The order API (`/api/v1/`): customer orders and, per order kind, work orders, pickup orders
and return receipts, fault reports; prescribing (rights, competences, special requests), loans
(answers, reminders, exchange, deceased patients) and spare parts. One router; each module adds
its own."""
from ninja import Router

from . import buffer, customer, fault, loans, messages, pickup, prescribing, spare_parts, work

router = Router()
router.add_router("", customer.router)
router.add_router("", work.router)
router.add_router("", pickup.router)
router.add_router("", fault.router)
router.add_router("", messages.router)
router.add_router("", buffer.router)
router.add_router("", prescribing.router)
router.add_router("", loans.router)
router.add_router("", spare_parts.router)
