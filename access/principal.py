"""Who is acting: a logged-in user or an API client, with the permissions and the
customers they may act for. Views, API endpoints and services all ask the principal."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext

from core.errors import NotFound, PermissionDenied

from .roles import CUSTOMER_ROLES, ROLE_PERMISSIONS, SUPPLY_ROLES, Perm, Role

# What a system client may do, by the kind of organisation it acts for. A customer's client
# reads its own customer's invoice basis (invoicing API).
CUSTOMER_CLIENT_PERMS = {
    Perm.CATALOGUE_VIEW, Perm.PATIENT_VIEW, Perm.PATIENT_MANAGE, Perm.ORDER_CREATE, Perm.ORDER_VIEW,
    Perm.INVOICE_VIEW, Perm.WEBHOOKS_MANAGE, Perm.STORE_KEEP,
}
SUPPLY_CLIENT_PERMS = {
    Perm.CATALOGUE_VIEW, Perm.PATIENT_VIEW, Perm.ORDER_VIEW, Perm.ORDER_HANDLE, Perm.WORK_ORDER_HANDLE,
    Perm.STOCK_VIEW, Perm.STOCK_MANAGE, Perm.WEBHOOKS_MANAGE,
    Perm.SPECIAL_REQUEST_DECIDE,  # an external business system decides special requests as the consultants do
}


@dataclass
class Principal:
    user: object | None = None
    client: object | None = None
    roles: set[str] = field(default_factory=set)
    perms: set[str] = field(default_factory=set)
    customer_ids: frozenset[int] = frozenset()  # customers this principal acts for (customer side)
    unit_ids: frozenset[int] = frozenset()  # units where the principal holds a customer-side role
    is_supply: bool = False
    label: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None or self.client is not None

    def has_perm(self, perm: str) -> bool:
        return not perm or perm in self.perms

    def require(self, perm: str) -> None:
        if not self.has_perm(perm):
            raise PermissionDenied(gettext("Du saknar behörighet för detta."))

    def can_see_customer(self, customer_id: int | None) -> bool:
        return self.is_supply or (customer_id is not None and customer_id in self.customer_ids)

    def require_customer(self, customer_id: int | None) -> None:
        """Other customers' data answers 'not found', never 'forbidden' (no existence leak)."""
        if not self.can_see_customer(customer_id):
            raise NotFound(gettext("Hittades inte."))

    @property
    def role_labels(self) -> list[str]:
        return sorted(str(Role(r).label) for r in self.roles if r in Role.values)

    @property
    def primary_customer_id(self) -> int | None:
        return min(self.customer_ids) if self.customer_ids else None


ANONYMOUS = Principal(label="anonymous")


def principal_for_user(user) -> Principal:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    from .models import RoleAssignment

    rows = list(
        RoleAssignment.objects.filter(user=user, unit__is_active=True)
        .values_list("role", "unit_id", "unit__organisation_id")
    )
    roles = {r for r, _, _ in rows}
    perms: set[str] = set()
    for r in roles:
        perms |= ROLE_PERMISSIONS.get(r, set())
    customer_ids = frozenset(org for r, _, org in rows if r in CUSTOMER_ROLES)
    unit_ids = frozenset(unit for r, unit, _ in rows if r in CUSTOMER_ROLES)
    is_supply = any(r in SUPPLY_ROLES or r == Role.SYSTEM_ADMIN for r in roles)
    return Principal(
        user=user, roles=roles, perms=perms, customer_ids=customer_ids, unit_ids=unit_ids,
        is_supply=is_supply, label=user.get_username(),
    )


def principal_for_client(client) -> Principal:
    org = client.organisation
    if org.is_customer:
        return Principal(client=client, perms=set(CUSTOMER_CLIENT_PERMS), customer_ids=frozenset({org.pk}),
                         label=f"api:{client.name}")
    return Principal(client=client, perms=set(SUPPLY_CLIENT_PERMS), is_supply=True, label=f"api:{client.name}")


def principal_for_request(request) -> Principal:
    cached = getattr(request, "_lyfta_principal", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    verified = user is not None and user.is_authenticated and getattr(user, "is_verified", lambda: False)()
    principal = principal_for_user(user) if verified else ANONYMOUS
    request._lyfta_principal = principal
    return principal
