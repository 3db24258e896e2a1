"""Unread inbox count for the header badge (`ordering/_inbox_badge.html`). To be added to
TEMPLATES' context processors by the lead: "ordering.context_processors.inbox"."""
from access.principal import principal_for_request
from access.roles import Perm


def inbox(request):
    principal = principal_for_request(request)
    if principal.user is None or not principal.has_perm(Perm.INBOX):
        return {}

    def _count():
        from .selectors import unread_count

        return unread_count(principal.user)

    # Lazy: the query runs only when a template shows the badge.
    from django.utils.functional import SimpleLazyObject

    return {"inbox_unread": SimpleLazyObject(_count), "inbox_enabled": True}
