"""`manage.py check --deploy`: the SITHS login's settings (access.oidc) are sane when it is on."""
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def oidc_settings_check(app_configs, **kwargs):
    url = getattr(settings, "LYFTA_OIDC_DISCOVERY_URL", "")
    client_id = getattr(settings, "LYFTA_OIDC_CLIENT_ID", "")
    problems = []
    if bool(url) != bool(client_id):
        problems.append(checks.Warning(
            "SITHS login is half configured: set both LYFTA_OIDC_DISCOVERY_URL and LYFTA_OIDC_CLIENT_ID, or neither.",
            id="access.W101"))
    if url and not url.startswith("https://"):
        problems.append(checks.Warning("LYFTA_OIDC_DISCOVERY_URL must be an https:// URL in production.",
                                       id="access.W102"))
    if url and client_id and not getattr(settings, "LYFTA_OIDC_CLIENT_SECRET", ""):
        problems.append(checks.Warning("LYFTA_OIDC_CLIENT_SECRET is empty: the token endpoint needs the client secret.",
                                       id="access.W103"))
    return problems
