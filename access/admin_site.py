"""Lyfta's admin site: reachable only with a verified second factor, and each model admin
names the Lyfta permission it needs (e.g. system admin for organisations, assortment
manager for the catalogue). Every add, change and delete is written to the audit log."""
from django.contrib import admin

from audit.services import audit_record

from .principal import principal_for_request
from .roles import Perm


class LyftaAdminSite(admin.AdminSite):
    site_header = "Lyfta – administration"
    site_title = "Lyfta"
    index_title = "Administration"
    # Everyone who may use some part of the admin.
    admin_perms = {Perm.SYSTEM_ADMIN, Perm.CATALOGUE_MANAGE, Perm.STOCK_MANAGE, Perm.INVOICE_MANAGE}

    def has_permission(self, request):
        principal = principal_for_request(request)
        return principal.user is not None and any(principal.has_perm(p) for p in self.admin_perms)

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())


site = LyftaAdminSite(name="admin")


class AuditedModelAdmin(admin.ModelAdmin):
    required_perm = Perm.SYSTEM_ADMIN

    def _allowed(self, request) -> bool:
        return principal_for_request(request).has_perm(self.required_perm)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def log_addition(self, request, obj, message):
        audit_record(request.user, f"{obj._meta.model_name}.create", obj, {"via": "admin", "message": str(message)})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(request.user, f"{obj._meta.model_name}.change", obj, {"via": "admin", "message": str(message)})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(request.user, f"{obj._meta.model_name}.delete", obj, {"via": "admin"})
        return super().log_deletions(request, queryset)
