"""Zhenggai settings. Everything that differs between machines comes from the environment (config/env.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ZHENGGAI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SILENCED_SYSTEM_CHECKS: list[str] = []  # each one appended below with its reason

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pgtrigger",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "workflows",
    "tracker",
    "notifications",
    "api",
    "demo",
    "pages",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the refusal of a locked-out sign-in and answers with the lockout page (pages.auth).
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
                "pages.context.header",
            ],
        },
    },
]

# Database: SQLite by default so `make demo` needs nothing; PostgreSQL via DATABASE_URL.
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "zhenggai.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
    # The ledger's index carries the lead unit as a non-key column for PostgreSQL; SQLite (the demo) ignores it.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", ("redis", "rediss"))

AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in from a username or client that failed too often, before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
if DEBUG:
    # whitenoise looks for STATIC_ROOT at start-up; in production collectstatic creates it.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Evidence uploads (佐证材料): what a unit may attach to a progress report or explanation.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
EVIDENCE_EXTENSIONS = env_list(
    "EVIDENCE_EXTENSIONS", ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "ofd", "txt"]
)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024, minimum=1024)

# Spreadsheets (tracker.sheets, tracker.services.imports, tracker.exports). An upload is refused beyond
# IMPORT_MAX_BYTES, a workbook whose zip declares more than IMPORT_MAX_UNPACKED_BYTES, a sheet of more than
# IMPORT_MAX_ROWS rows.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024, minimum=1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000, minimum=1)
# A ledger of up to this many rows is written within the request; a larger one by a worker, fetched from a link.
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 5_000, minimum=0)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "zhenggai@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every failed sign-in (INFO) and every lockout (WARNING); its start-up banner is not news.
    "loggers": {"axes.apps": {"level": "WARNING"}},
}

# --- REST API (api/) ---------------------------------------------------------------------------------------------
# How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the default) trusts no header at all and
# takes the client from the socket, so a forged header cannot dodge a throttle.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50, minimum=1, maximum=200)
API_MAX_PAGE_SIZE = 200
# A multipart body may carry this many evidence files of EVIDENCE_MAX_BYTES each; anything larger is refused (413).
API_MAX_FILES = env_int("API_MAX_FILES", 10, minimum=1, maximum=100)
# Throttle counters live in Redis when there is one, so every gunicorn worker counts against the same limit.
API_THROTTLE_CACHE = "api-throttle"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    API_THROTTLE_CACHE: (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "zg-throttle"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-throttle"}
    ),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("API_THROTTLE_AUTH", "20/minute"),
        "feedback": env_str("API_THROTTLE_FEEDBACK", "30/hour"),
        "feedback_notice": env_str("API_THROTTLE_FEEDBACK_NOTICE", "3/day"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhenggai API",
    "DESCRIPTION": _(
        "Rectification (整改) tickets, their workflow, deadlines and public notices. Authenticate with "
        "`Authorization: Token <key>` (POST /api/v1/auth/token/) or a session."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI would otherwise ask validator.swagger.io for a badge: the docs load nothing from outside.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TicketStateEnum": "workflows.machine.TicketState",
        "RequestStateEnum": "tracker.models.RequestState",
        "RatingEnum": "tracker.models.Rating",
        "WarningEnum": "workflows.clocks.Warning",
        "DecisionKindEnum": "workflows.decisions.DecisionKind",
        "DecisionStateEnum": "workflows.decisions.DecisionState",
        "AppealStateEnum": "workflows.decisions.AppealState",
        "AppealOutcomeEnum": "workflows.decisions.AppealOutcome",
        "MeasureEnum": "tracker.models.decisions.Measure",
    },
}

# --- Notifications and Celery (notifications/, config/celery.py) ------------------------------------------------
# Without REDIS_URL (the embedded default) tasks run in process and `manage.py rundemo` sweeps on a timer thread;
# with it, Celery workers (any number) take the tasks and exactly one beat fires the sweep. See notifications/sweep.py.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "zhenggai")
# Deliveries are idempotent (a claimed row, a unique identity), so a task may safely run again after a crash.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 3, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=30),
    # Sending a task with Redis down fails at once instead of retrying for seconds after every commit: the work is
    # in rows, and the next sweep sends it (workers reconnect on their own, under broker_connection_retry).
    "max_retries": 0,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The sweep: how often beat fires it (the interval of the PeriodicTask it creates; editable in the admin after),
# how many tickets or deliveries one claim takes, and how long a claim is held before another sweep may retake it.
NOTIFY_SWEEP_SECONDS = env_int("NOTIFY_SWEEP_SECONDS", 60, minimum=1)
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 500, minimum=1, maximum=10_000)  # ids go in one statement
NOTIFY_CLAIM_SECONDS = env_int("NOTIFY_CLAIM_SECONDS", 300, minimum=1)
# Ticket events are turned into messages by the after-commit task and, as a safety net, by every sweep. An event is
# looked at again until it is this old (longer than any transaction runs), and never once it is older than the age.
NOTIFY_EVENT_HORIZON_SECONDS = env_int("NOTIFY_EVENT_HORIZON_SECONDS", 120, minimum=1)
NOTIFY_EVENT_MAX_AGE_HOURS = env_int("NOTIFY_EVENT_MAX_AGE_HOURS", 168, minimum=1)
# Quiet time: email, SMS and webhooks wait for the working day's hours [start, end) on a working day; in-app does not.
NOTIFY_DAY_START_HOUR = env_int("NOTIFY_DAY_START_HOUR", 9, minimum=0, maximum=23)
NOTIFY_DAY_END_HOUR = env_int("NOTIFY_DAY_END_HOUR", 18, minimum=1, maximum=24)
# Kinds sent at once on every channel, ignoring quiet time and the digest, e.g. "supervise,list".
NOTIFY_URGENT_KINDS = env_list("NOTIFY_URGENT_KINDS", [])
NOTIFY_DIGEST_HOUR = env_int("NOTIFY_DIGEST_HOUR", NOTIFY_DAY_START_HOUR, minimum=0, maximum=23)
# Deliveries: a temporary failure is retried after RETRY_SECONDS * 2^(attempt - 1), at most RETRY_MAX_SECONDS apart.
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 60, minimum=1)
NOTIFY_RETRY_MAX_SECONDS = env_int("NOTIFY_RETRY_MAX_SECONDS", 3600, minimum=1)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
NOTIFY_WEBHOOK_TIMEOUT = env_int("NOTIFY_WEBHOOK_TIMEOUT", 10, minimum=1)
NOTIFY_SMS_BACKEND = env_str("NOTIFY_SMS_BACKEND", "notifications.channels.sms.LoggingSmsBackend")
# The cockpit's figures (tracker.dashboard): the sweep recomputes them when they are older than this.
DASHBOARD_FIGURES_SECONDS = env_int("DASHBOARD_FIGURES_SECONDS", 300, minimum=10)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if CELERY_TASK_ALWAYS_EAGER:
    # In process, every task would log its success at INFO: keep the demo server's console for what matters.
    LOGGING["loggers"] = {**LOGGING.get("loggers", {}), "celery.app.trace": {"level": "WARNING"}}
if REDIS_URL is None and env_str("EMAIL_BACKEND") is None:
    # The embedded demo delivers mail in process: into files, not over the console it prints its address on.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Pages (pages/): sign-in limits, Content-Security-Policy, production security ---------------------------------
# Failed sign-ins are counted in the database (shared by every worker and host) per username and, apart, per client
# address; past the limit that username or client waits out the cool-off (the page says until when). Each failure
# is logged by django-axes under the "axes" logger.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "pages.auth.client_address"
AXES_LOCKOUT_CALLABLE = "pages.auth.locked_out"
AXES_HTTP_RESPONSE_CODE = 429

# No inline script, no inline event handler, nothing from another host (django-csp 4).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # Production sits behind a reverse proxy that terminates TLS (README, "Running it for real").
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Browsers' preload list binds the whole registered domain (often a government parent domain): the owner
        # of that domain opts in, so it is off unless asked for, and the check that recommends it is quiet.
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "pages.views.errors.csrf_failure"
