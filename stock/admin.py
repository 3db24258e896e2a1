"""Admin: locations are maintained here; devices, loans, the ledger and the projection are
read-only (they change only through `stock.services`, so the ledger stays the truth)."""
from django.contrib import admin

from access.admin_site import AuditedModelAdmin, site
from access.roles import Perm

from .models import Device, Location, StockLevel, StockMovement


@admin.register(Location, site=site)
class LocationAdmin(AuditedModelAdmin):
    required_perm = Perm.STOCK_MANAGE
    list_display = ["code", "name", "kind", "unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["unit"]

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(AuditedModelAdmin):
    required_perm = Perm.STOCK_MANAGE

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Device, site=site)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ["serial", "article", "condition", "status", "location", "available_since"]
    list_filter = ["status", "condition", "location"]
    search_fields = ["serial", "article__article_number"]
    list_select_related = ["article", "location"]
    exclude = ["holder_patient"]  # patient data is shown on pages that log the access


@admin.register(StockMovement, site=site)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "article", "location", "device", "condition", "quantity", "reserved_delta", "ref"]
    list_filter = ["kind", "location"]
    search_fields = ["ref", "device__serial", "article__article_number"]
    list_select_related = ["article", "location", "device"]


@admin.register(StockLevel, site=site)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["article", "location", "on_hand", "reserved", "on_hand_refurbished", "reserved_refurbished"]
    list_filter = ["location"]
    search_fields = ["article__article_number", "article__name"]
    list_select_related = ["article", "location"]
