from django.db.models import Prefetch

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
