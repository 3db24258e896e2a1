"""Unread inbox count for the header badge (`ordering/_inbox_badge.html`, included by
`templates/base.html`; this processor is listed in the TEMPLATES settings)."""
from functools import cached_property

from access.principal import principal_for_request
from access.roles import Perm


class LazyCount:
    """Counts unread messages on first use only (pages without the badge pay nothing)."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def value(self) -> int:
        from .selectors import unread_count

        return unread_count(self._user)

    def __int__(self):
        return self.value

    def __bool__(self):
        return self.value > 0

    def __str__(self):
        return str(self.value)


def inbox(request):
    principal = principal_for_request(request)
    if principal.user is None or not principal.has_perm(Perm.INBOX):
        return {}
    return {"inbox_unread": LazyCount(principal.user), "inbox_enabled": True}
