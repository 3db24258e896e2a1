"""Production settings: everything secret or site-specific comes from the environment.
`manage.py check --deploy` is clean with these (see docs/configuration.md)."""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool, env_list

LYFTA_DEMO_MODE = False  # hard: demo logins and demo tokens are impossible here

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of at least 50 characters.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names Lyfta is served on.")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", True) else None
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# Behind the TLS proxy every request comes from the proxy's address: take the client address the
# proxy appended to X-Forwarded-For, so login throttling counts per real client (access.throttle).
LYFTA_TRUSTED_PROXY_COUNT = int(os.environ.get("LYFTA_TRUSTED_PROXY_COUNT",
                                               1 if env_bool("DJANGO_BEHIND_PROXY", True) else 0))

LYFTA_WEBHOOK_REQUIRE_HTTPS = True  # webhook targets must be https (integration.services)
