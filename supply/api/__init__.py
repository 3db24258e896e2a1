"""The supply-side API (`/api/v1/supply/…`): customer orders and, per order kind, work orders,
pickup orders, refurbishment, fault reports and drivers' runs."""
from ninja import Router

from . import customer, fault, pickup, refurbishment, runs, work

router = Router()
router.add_router("", customer.router)
router.add_router("", work.router)
router.add_router("", pickup.router)
router.add_router("", refurbishment.router)
router.add_router("", fault.router)
router.add_router("", runs.router)
