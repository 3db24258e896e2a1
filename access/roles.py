"""Roles (DESIGN.md §7) and what each may do. Permissions are plain strings checked by
`Principal.has_perm`; pages, API endpoints and navigation declare the one they need."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PRESCRIBER = "prescriber", _("Förskrivare")
    ORDERER = "orderer", _("Beställare")
    STORE_KEEPER = "store_keeper", _("Förrådsansvarig")
    INVOICE_VIEWER = "invoice_viewer", _("Fakturamottagare")
    CUSTOMER_ACCESS_ADMIN = "customer_access_admin", _("Behörighetsadministratör (kund)")
    SUPPLY_HANDLER = "supply_handler", _("Kundtjänst (HMC)")
    TECHNICIAN = "technician", _("Tekniker")
    DRIVER = "driver", _("Chaufför")
    ASSORTMENT_MANAGER = "assortment_manager", _("Sortimentsansvarig")
    SUPPLY_ADMIN = "supply_admin", _("Administratör (HMC)")
    AUDITOR = "auditor", _("Granskare (logguttag)")
    SYSTEM_ADMIN = "system_admin", _("Systemadministratör")
    CUSTOMER_TECHNICIAN = "customer_technician", _("Tekniker (kund)")  # a municipality's own technician
    CUSTOMER_APPROVER = "customer_approver", _("Godkännare hos kunden")  # decides special requests first


CUSTOMER_ROLES = {Role.PRESCRIBER, Role.ORDERER, Role.STORE_KEEPER, Role.INVOICE_VIEWER, Role.CUSTOMER_ACCESS_ADMIN,
                  Role.CUSTOMER_TECHNICIAN, Role.CUSTOMER_APPROVER}
SUPPLY_ROLES = {
    Role.SUPPLY_HANDLER, Role.TECHNICIAN, Role.DRIVER, Role.ASSORTMENT_MANAGER, Role.SUPPLY_ADMIN, Role.AUDITOR,
}


class Perm:
    """Permission names. Keep them grouped by context."""

    CATALOGUE_VIEW = "catalogue.view"
    CATALOGUE_MANAGE = "catalogue.manage"
    PATIENT_VIEW = "patients.view"
    PATIENT_MANAGE = "patients.manage"
    ORDER_CREATE = "ordering.create"  # build/submit/withdraw customer-side orders
    ORDER_VIEW = "ordering.view"
    ORDER_HANDLE = "supply.handle_orders"  # confirm/delay/cancel/dispatch/deliver
    WORK_ORDER_HANDLE = "supply.handle_work_orders"
    SPECIAL_REQUEST_DECIDE = "supply.special_requests"  # approve/reject/ask about special requests
    CUSTOMER_APPROVAL_DECIDE = "ordering.customer_approvals"  # the customer's own approver of special requests
    TECHNICIAN_WORK = "supply.technician_work"
    DRIVER_RUNS = "supply.driver_runs"
    STOCK_VIEW = "stock.view"
    STOCK_MANAGE = "stock.manage"
    STORE_KEEP = "stock.store_keep"  # buffer stores: withdrawals, counts, manual buffer orders
    INVOICE_VIEW = "invoicing.view"
    INVOICE_MANAGE = "invoicing.manage"
    AUDIT_VIEW = "audit.view"
    ACCESS_ADMIN = "access.admin"  # customer-side access administration
    SYSTEM_ADMIN = "access.system_admin"
    INBOX = "ordering.inbox"
    WEBHOOKS_MANAGE = "integration.webhooks"  # webhook subscriptions, deliveries, replay
    # operations (issue 16)
    NOTICE_PUBLISH = "operations.publish_notices"  # service notices (driftinformation)
    ACCESS_REQUEST_DECIDE = "operations.decide_access_requests"  # approve/reject behörighetsansökningar
    SUPPORT_HANDLE = "operations.handle_support"  # answer support cases
    SPARE_PARTS_ORDER = "ordering.spare_parts"  # order spare parts for a device on loan (issue 17)
    STATISTICS_VIEW = "operations.statistics"  # the supply statistics page (every customer)
    CUSTOMER_STATISTICS_VIEW = "operations.customer_statistics"  # one's own customer's statistics
    CO2_FACTORS_MANAGE = "operations.co2_factors"  # the climate factors of the reuse estimate
    FALLBACK_ENTER = "ordering.fallback_enter"  # late entry of paper orders (reservrutin)


P = Perm
# Every role has the inbox: messages reach any user (orders to orderers and prescribers, access
# requests to requesters and access admins, support-case answers to whoever opened the case).
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.PRESCRIBER: {P.CATALOGUE_VIEW, P.PATIENT_VIEW, P.PATIENT_MANAGE, P.ORDER_CREATE, P.ORDER_VIEW, P.INBOX,
                      P.STORE_KEEP,  # withdrawals from the buffer store of their own unit
                      P.CUSTOMER_STATISTICS_VIEW},
    Role.ORDERER: {P.CATALOGUE_VIEW, P.PATIENT_VIEW, P.ORDER_CREATE, P.ORDER_VIEW, P.INBOX, P.CUSTOMER_STATISTICS_VIEW},
    Role.STORE_KEEPER: {P.CATALOGUE_VIEW, P.STOCK_VIEW, P.STORE_KEEP, P.ORDER_VIEW, P.INBOX, P.PATIENT_VIEW,
                        P.CUSTOMER_STATISTICS_VIEW},
    Role.INVOICE_VIEWER: {P.INVOICE_VIEW, P.CUSTOMER_STATISTICS_VIEW, P.INBOX},
    Role.CUSTOMER_ACCESS_ADMIN: {P.ACCESS_ADMIN, P.ACCESS_REQUEST_DECIDE, P.CUSTOMER_STATISTICS_VIEW, P.INBOX},
    Role.SUPPLY_HANDLER: {
        P.CATALOGUE_VIEW, P.PATIENT_VIEW, P.ORDER_VIEW, P.ORDER_HANDLE, P.WORK_ORDER_HANDLE, P.STOCK_VIEW,
        P.STOCK_MANAGE, P.INBOX, P.SUPPORT_HANDLE, P.SPECIAL_REQUEST_DECIDE, P.FALLBACK_ENTER, P.STATISTICS_VIEW,
    },
    # Technicians drive their own runs of home visits (DESIGN.md §10: "a driver's or technician's day").
    Role.TECHNICIAN: {P.CATALOGUE_VIEW, P.PATIENT_VIEW, P.TECHNICIAN_WORK, P.STOCK_VIEW, P.SPARE_PARTS_ORDER, P.INBOX,
                      P.DRIVER_RUNS},
    Role.CUSTOMER_TECHNICIAN: {P.CATALOGUE_VIEW, P.SPARE_PARTS_ORDER, P.INBOX, P.CUSTOMER_STATISTICS_VIEW},
    # The customer's own approver of special requests (docs/prescribing.md): reads the orders of
    # the customer (lines, justification) and decides before the supply centre's consultants.
    Role.CUSTOMER_APPROVER: {P.CUSTOMER_APPROVAL_DECIDE, P.ORDER_VIEW, P.CATALOGUE_VIEW, P.INBOX,
                             P.CUSTOMER_STATISTICS_VIEW},
    Role.DRIVER: {P.PATIENT_VIEW, P.DRIVER_RUNS, P.INBOX},
    Role.ASSORTMENT_MANAGER: {P.CATALOGUE_VIEW, P.CATALOGUE_MANAGE, P.STOCK_VIEW, P.INBOX},
    Role.SUPPLY_ADMIN: {
        P.CATALOGUE_VIEW, P.CATALOGUE_MANAGE, P.PATIENT_VIEW, P.ORDER_VIEW, P.ORDER_HANDLE, P.WORK_ORDER_HANDLE,
        P.STOCK_VIEW, P.STOCK_MANAGE, P.INVOICE_VIEW, P.INVOICE_MANAGE, P.INBOX, P.WEBHOOKS_MANAGE,
        P.NOTICE_PUBLISH, P.ACCESS_REQUEST_DECIDE, P.SUPPORT_HANDLE, P.SPECIAL_REQUEST_DECIDE, P.FALLBACK_ENTER,
        P.STATISTICS_VIEW, P.CO2_FACTORS_MANAGE,
    },
    Role.AUDITOR: {P.AUDIT_VIEW, P.INBOX},
    Role.SYSTEM_ADMIN: {P.SYSTEM_ADMIN, P.AUDIT_VIEW, P.CATALOGUE_VIEW, P.NOTICE_PUBLISH, P.INBOX},
}
