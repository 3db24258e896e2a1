from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .admin_site import AuditedModelAdmin, site
from .models import (
    ApiClient,
    Competence,
    CostCentre,
    CustomerPrescribingTerms,
    DeliveryPoint,
    Organisation,
    RoleAssignment,
    Unit,
    User,
)
from .roles import Perm


@admin.register(Organisation, site=site)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "org_number", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "org_number"]


@admin.register(CostCentre, site=site)
class CostCentreAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "organisation", "is_active"]
    list_filter = ["organisation"]
    search_fields = ["code", "name"]


class DeliveryPointInline(admin.TabularInline):
    model = DeliveryPoint
    extra = 0


@admin.register(Unit, site=site)
class UnitAdmin(AuditedModelAdmin):
    list_display = ["name", "hsa_id", "organisation", "parent", "is_active"]
    list_filter = ["organisation", "is_active"]
    search_fields = ["name", "hsa_id"]
    autocomplete_fields = ["parent"]
    inlines = [DeliveryPointInline]


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User, site=site)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "is_active", "last_activity_at", "locked_until"]
    list_filter = ["is_active"]
    inlines = [RoleInline]
    fieldsets = BaseUserAdmin.fieldsets + (("Lyfta", {"fields": ("hsa_id", "phone", "language", "locked_until",
                                                                 "deactivated_reason")}),)


@admin.register(ApiClient, site=site)
class ApiClientAdmin(AuditedModelAdmin):
    list_display = ["name", "organisation", "token_prefix", "is_active", "last_used_at"]
    readonly_fields = ["token_hash", "token_prefix", "last_used_at"]


@admin.register(Competence, site=site)
class CompetenceAdmin(AuditedModelAdmin):
    """The named competences prescribing rules may require (the supply centre's list)."""

    required_perm = Perm.CATALOGUE_MANAGE
    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]


@admin.register(CustomerPrescribingTerms, site=site)
class CustomerPrescribingTermsAdmin(AuditedModelAdmin):
    """Per customer: the cost ceiling above which an order line needs a special request, and
    whether the customer's own approver decides special requests first (from which order cost)."""

    required_perm = Perm.CATALOGUE_MANAGE
    list_display = ["organisation", "cost_ceiling", "customer_approval_required", "customer_approval_above"]
    list_filter = ["customer_approval_required"]
