from core import nav

from .principal import principal_for_request


def navigation(request):
    principal = principal_for_request(request)
    if not principal.is_authenticated:
        return {"principal": principal, "nav_items": []}
    return {
        "principal": principal,
        "nav_items": [i for i in nav.items() if principal.has_perm(i.permission)],
    }
