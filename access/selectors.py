from django.db.models import Prefetch

from core.cache import Generation

from .models import RoleAssignment, Unit, User
from .roles import CUSTOMER_ROLES


def units_administered_by(principal):
    """Units of the customers where the principal is customer access admin."""
    return Unit.objects.filter(organisation_id__in=principal.customer_ids, is_active=True).select_related(
        "organisation").order_by("organisation__name", "name")


def users_with_roles_at(units):
    assignments = RoleAssignment.objects.filter(unit__in=units, role__in=CUSTOMER_ROLES).select_related("unit")
    return (User.objects.filter(role_assignments__in=assignments).distinct().order_by("last_name", "first_name")
            .prefetch_related(Prefetch("role_assignments", queryset=assignments, to_attr="customer_roles")))


# A customer's cost ceiling is read by every prescription (ordering.flows.prescribing) and changes
# rarely: cached per customer (core.cache; access.apps connects the model's signals).
COST_CEILINGS = Generation("cost_ceilings", 60)


def customer_cost_ceiling(customer_id: int | None):
    """The customer's cost ceiling (Decimal) for prescribing, or None when it has none."""
    from .models import CustomerPrescribingTerms

    if not customer_id:
        return None

    def compute():
        terms = CustomerPrescribingTerms.objects.filter(organisation_id=customer_id).only("cost_ceiling").first()
        return terms.cost_ceiling if terms is not None else None

    return COST_CEILINGS.get(str(customer_id), compute)


def customer_approval_terms(customer_id: int | None):
    """(required, above): whether the customer's own approver decides its special requests first,
    and from which order cost (Decimal, None = every request). Read once per special request."""
    from .models import CustomerPrescribingTerms

    if not customer_id:
        return False, None
    terms = (CustomerPrescribingTerms.objects.filter(organisation_id=customer_id)
             .only("customer_approval_required", "customer_approval_above").first())
    if terms is None or not terms.customer_approval_required:
        return False, None
    return True, terms.customer_approval_above


def customers_where_user_holds(user_id: int | None, role: str) -> set[int]:
    """The customers at whose active units the user holds `role` (not just any customer role)."""
    if not user_id:
        return set()
    return set(RoleAssignment.objects.filter(user_id=user_id, role=role, unit__is_active=True)
               .values_list("unit__organisation_id", flat=True))


def users_holding(customer_id: int, role: str):
    """Active users holding `role` at an active unit of the customer (message recipients)."""
    return (User.objects.filter(is_active=True, role_assignments__role=role,
                                role_assignments__unit__organisation_id=customer_id,
                                role_assignments__unit__is_active=True).distinct().order_by("pk"))
