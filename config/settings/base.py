"""Settings shared by every environment.

Environment-specific modules (`demo`, `test`, `production`) import from here and
override. Every secret and host comes from the environment in production.
"""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LYFTA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Demo conveniences (documented demo TOTP secret, fixed demo API tokens) are only
# possible when this is True; production settings force it False.
LYFTA_DEMO_MODE = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    # Lyfta contexts (DESIGN.md §3), lowest first.
    "core",
    "audit",
    "access",
    "catalogue",
    "patients",
    "stock",
    "ordering",
    "supply",
    "invoicing",
    "integration",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestContextMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a logged-in user's own language applies (core.middleware).
    "core.middleware.SwedishFirstLocaleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "access.middleware.SecondFactorRequiredMiddleware",
    "access.middleware.SessionIdleTouchMiddleware",
    "core.sanitize.InputSanitizingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a login refused by django-axes into the 429 lock-out page (access.throttle).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "access.context_processors.navigation",
                "ordering.context_processors.inbox",
            ],
        },
    },
]


def database_config() -> dict:
    """SQLite (WAL, IMMEDIATE transactions) by default; PostgreSQL via DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        cfg = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if cfg["ENGINE"].endswith("postgresql"):
            # Server-side parameter binding lets psycopg prepare a statement after its fifth use on
            # a connection, so the hot inserts and look-ups skip PostgreSQL's parse and plan
            # (docs/performance.md). Turn off behind a transaction-pooling proxy.
            if env_bool("LYFTA_PG_PREPARED", True):
                cfg.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
            cfg.setdefault("OPTIONS", {})
            cfg["TEST"] = {"NAME": os.environ.get("LYFTA_TEST_DB_NAME") or f"test_{cfg['NAME']}"}
        return cfg
    path = Path(os.environ.get("LYFTA_SQLITE_PATH", VAR_DIR / "lyfta.sqlite3"))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        },
    }


DATABASES = {"default": database_config()}


def cache_config(url: str) -> dict:
    """LYFTA_CACHE_URL: empty → a cache per process (LocMemCache); `redis://…` → one cache shared
    by every process (Django's Redis backend), so a change to cached reference data (core.cache:
    price terms, prescribing rules, subscriptions, API clients) is seen by all processes at once."""
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("LYFTA_CACHE_URL must be a redis://, rediss:// or unix:// URL")
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                        "KEY_PREFIX": "lyfta"}}


CACHES = cache_config(os.environ.get("LYFTA_CACHE_URL", ""))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "access.User"
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "core:start"
LOGOUT_REDIRECT_URL = "access:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions expire after inactivity: access.middleware.SessionIdleTouchMiddleware renews the
# window (at most one session write a minute).
SESSION_COOKIE_AGE = int(os.environ.get("LYFTA_SESSION_IDLE_SECONDS", 30 * 60))
LYFTA_SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login hardening: django-axes counts failed logins (password or code) per client IP and user
# name together, and locks that pair out with a cool-off that doubles per further run of failures
# up to a maximum and always expires (access.throttle, docs/security.md).
LYFTA_LOGIN_MAX_FAILURES = int(os.environ.get("LYFTA_LOGIN_MAX_FAILURES", 5))
LYFTA_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LYFTA_LOGIN_LOCKOUT_SECONDS", 15 * 60))
LYFTA_LOGIN_COOLOFF_MAX_SECONDS = int(os.environ.get("LYFTA_LOGIN_COOLOFF_MAX_SECONDS", 24 * 3600))
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (0: use REMOTE_ADDR).
LYFTA_TRUSTED_PROXY_COUNT = int(os.environ.get("LYFTA_TRUSTED_PROXY_COUNT", 0))
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = "access.throttle.failure_limit"  # LYFTA_LOGIN_MAX_FAILURES
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_COOLOFF_TIME = "access.throttle.cool_off"
AXES_USERNAME_CALLABLE = "access.throttle.username_key"
AXES_CLIENT_IP_CALLABLE = "access.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "access.throttle.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
LYFTA_DORMANT_AFTER_DAYS = int(os.environ.get("LYFTA_DORMANT_AFTER_DAYS", 365))
OTP_TOTP_ISSUER = "Lyfta"

# SITHS login over OpenID Connect (access.oidc, docs/login.md): off unless a discovery URL and a
# client id are given. Authorization code flow + PKCE (S256); the user is matched by the HSA-id in
# the claim LYFTA_OIDC_HSA_CLAIM of the validated ID token.
LYFTA_OIDC_DISCOVERY_URL = os.environ.get("LYFTA_OIDC_DISCOVERY_URL", "").strip()
LYFTA_OIDC_CLIENT_ID = os.environ.get("LYFTA_OIDC_CLIENT_ID", "").strip()
LYFTA_OIDC_CLIENT_SECRET = os.environ.get("LYFTA_OIDC_CLIENT_SECRET", "")
LYFTA_OIDC_HSA_CLAIM = os.environ.get("LYFTA_OIDC_HSA_CLAIM", "hsa_id").strip() or "hsa_id"
LYFTA_OIDC_SCOPES = os.environ.get("LYFTA_OIDC_SCOPES", "openid profile").strip() or "openid profile"
LYFTA_OIDC_REDIRECT_URI = os.environ.get("LYFTA_OIDC_REDIRECT_URI", "").strip()  # default: built from the request
LYFTA_OIDC_TIMEOUT_SECONDS = float(os.environ.get("LYFTA_OIDC_TIMEOUT_SECONDS", 10))

# Service orders: rent ends N weekdays after a pickup order (DESIGN.md §4); attachment size limit.
LYFTA_PICKUP_RENT_END_WEEKDAYS = int(os.environ.get("LYFTA_PICKUP_RENT_END_WEEKDAYS", 3))
# Loans (docs/prescribing.md): the prescriber is reminded this many days before a trial ends;
# a trial may last at most LYFTA_TRIAL_MAX_DAYS from the day it is ordered or extended.
LYFTA_TRIAL_REMINDER_DAYS = int(os.environ.get("LYFTA_TRIAL_REMINDER_DAYS", 7))
LYFTA_TRIAL_MAX_DAYS = int(os.environ.get("LYFTA_TRIAL_MAX_DAYS", 365))
# Spare parts (docs/prescribing.md): at most this many part orders per device and day.
LYFTA_SPARE_PART_ORDERS_PER_DEVICE_DAY = int(os.environ.get("LYFTA_SPARE_PART_ORDERS_PER_DEVICE_DAY", 3))
# Patientdatalagen: a stated care relationship with another customer's patient lasts this long unless renewed.
LYFTA_CARE_RELATIONSHIP_DAYS = int(os.environ.get("LYFTA_CARE_RELATIONSHIP_DAYS", 30))
LYFTA_ATTACHMENT_MAX_BYTES = int(os.environ.get("LYFTA_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))
# Operations (issue 16): support answered within N business hours (Swedish weekdays, these hours,
# local time); paper orders of the fallback routine entered at most this many days afterwards.
LYFTA_SUPPORT_BUSINESS_HOURS = os.environ.get("LYFTA_SUPPORT_BUSINESS_HOURS", "08:00-17:00")
LYFTA_SUPPORT_ANSWER_BUSINESS_HOURS = float(os.environ.get("LYFTA_SUPPORT_ANSWER_BUSINESS_HOURS", 24))
LYFTA_FALLBACK_MAX_AGE_DAYS = int(os.environ.get("LYFTA_FALLBACK_MAX_AGE_DAYS", 30))

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("LYFTA_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Background work: django-tasks with the database backend; a worker runs
# `manage.py db_worker`, the scheduler `manage.py run_scheduler`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task RUNNING longer than this is taken to have lost its worker and is run again (core.tasks_reclaim,
# by the scheduler); it must exceed the longest task. After this many attempts it is marked FAILED.
LYFTA_TASK_LEASE_SECONDS = int(os.environ.get("LYFTA_TASK_LEASE_SECONDS", 600))
LYFTA_TASK_MAX_ATTEMPTS = int(os.environ.get("LYFTA_TASK_MAX_ATTEMPTS", 5))
# An e-mail notice claimed by an attempt that has not marked it sent within this time is sent again
# (ordering.tasks); keep it above EMAIL_TIMEOUT and below LYFTA_TASK_LEASE_SECONDS.
LYFTA_EMAIL_CLAIM_SECONDS = int(os.environ.get("LYFTA_EMAIL_CLAIM_SECONDS", 300))
# Webhooks (integration.dispatch, docs/integration.md): a claimed delivery not acknowledged within
# the lease is sent again (same event id); retries back off exponentially with jitter from the base
# up to the cap, for LYFTA_WEBHOOK_RETRY_HOURS after the first attempt, then the delivery is failed.
LYFTA_WEBHOOK_LEASE_SECONDS = float(os.environ.get("LYFTA_WEBHOOK_LEASE_SECONDS", 60))
LYFTA_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("LYFTA_WEBHOOK_TIMEOUT_SECONDS", 10))
LYFTA_WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("LYFTA_WEBHOOK_RETRY_BASE_SECONDS", 10))
LYFTA_WEBHOOK_RETRY_CAP_SECONDS = float(os.environ.get("LYFTA_WEBHOOK_RETRY_CAP_SECONDS", 3600))
LYFTA_WEBHOOK_RETRY_HOURS = float(os.environ.get("LYFTA_WEBHOOK_RETRY_HOURS", 24))
LYFTA_WEBHOOK_REQUIRE_HTTPS = False  # True under production settings
# A rotated webhook secret keeps signing (a second signature) for this long by default.
LYFTA_WEBHOOK_SECRET_GRACE_HOURS = float(os.environ.get("LYFTA_WEBHOOK_SECRET_GRACE_HOURS", 24))
# Outbox retention (integration.retention, daily): events older than this many days whose every
# delivery is delivered (and that the broker has published, when it is on) are deleted. 0: keep all.
LYFTA_OUTBOX_RETENTION_DAYS = int(os.environ.get("LYFTA_OUTBOX_RETENTION_DAYS", 30))
# The broker sink (integration.broker): off unless an AMQP URL is given, e.g. amqp://guest:guest@127.0.0.1:5672/%2F
LYFTA_AMQP_URL = os.environ.get("LYFTA_AMQP_URL", "")
LYFTA_AMQP_EXCHANGE = os.environ.get("LYFTA_AMQP_EXCHANGE", "lyfta.events")

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "lyfta@localhost")
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", 30))

# Content Security Policy (django-csp 4): same-origin only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Logging out of a SITHS session posts the logout form, whose answer redirects to the identity
# provider's end_session_endpoint; form-action covers redirects, so the provider's origin (the
# discovery URL's, plus LYFTA_OIDC_EXTRA_FORM_ACTION when end_session lives elsewhere) is allowed.
for _o in [_origin(LYFTA_OIDC_DISCOVERY_URL), *env_list("LYFTA_OIDC_EXTRA_FORM_ACTION")]:
    if _o and LYFTA_OIDC_CLIENT_ID:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_o)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LYFTA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # django-axes logs every login at INFO; failures and lock-outs are WARNING (and audited)
                "axes": {"level": "WARNING"}},
}
