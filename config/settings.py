"""One settings module, driven by the environment (django-environ).

With no environment at all it runs embedded: a SQLite file in the project and Celery tasks
executed eagerly in process. ``DATABASE_URL`` and ``REDIS_URL`` (or ``CELERY_BROKER_URL``)
switch to PostgreSQL and Redis. ``.env.example`` documents every variable.
"""

import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: what runs is the product as its users see it (Chinese error pages, never the
# debug page). Development sets it explicitly — tests through config/settings_dev.py, the Makefile's
# local commands on the command line. LOCAL_SERVE (`make run`): DEBUG off on this machine, plain
# HTTP on the loopback with the embedded development secret and keys; never in production.
DEBUG = env.bool("DEBUG", default=False)
LOCAL_SERVE = env.bool("LOCAL_SERVE", default=False)
_DEV_SECRET = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET if DEBUG or LOCAL_SERVE else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "import_export",
    "axes",
    "csp",
    "branches",
    "members",
    "pilot",
    "assessments",
    "reports",
    "notifications",
]

MIDDLEWARE = [
    # /healthz/ first: answered before the host check and the SSL redirect (config/health.py)
    "config.health.HealthCheckMiddleware",
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # after MessageMiddleware: a job the broker could not take says "已保存，稍后自动排队"
    "config.jobs.DeferredJobsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "branches.middleware.RequestContextMiddleware",
    "branches.nostore.NoStoreMiddleware",
    # Axes must come last: it turns a lockout into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves collected static files itself (compressed, cache-busted names).
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")  # fmt: skip

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
                "branches.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections, checked before each request reuses one: after a PostgreSQL restart the
# first request on a worker reconnects instead of answering 500.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a job writes; a busy timeout instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")


def _cache_url(broker_url: str) -> str:
    """The cache never shares the broker's Redis database: the next one (15 → 14)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(broker_url)
    db = int((parts.path or "/0").strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db + 1 if db < 15 else db - 1}"))


# CACHE_URL (a Redis URL) or, with REDIS_URL, the database after the broker's. Either way the
# cache is optional: Redis down → pages still answer, from a per-process memory cache
# (config/cache.py).
CACHE_URL = env("CACHE_URL", default=_cache_url(REDIS_URL) if REDIS_URL else "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="pbcache"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0, "RETRY_AFTER": 10},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "branches:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after an idle period: every request pushes the expiry forward.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock a username *from an address* — never an address alone, because village
# phones share a handful of carrier addresses.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so a reader of either can find theirs.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence lives outside the web root and is served only through scoped views.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "private_media")
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads waiting to be read (roster previews, admin imports): a private directory (0700), never
# world-writable /tmp; files are removed on every path out and swept hourly by beat.
UPLOAD_TEMP_DIR = Path(str(env.path("UPLOAD_TEMP_DIR", default=BASE_DIR / "var" / "uploads")))
FILE_UPLOAD_TEMP_DIR = str(UPLOAD_TEMP_DIR / "spool")  # Django spools uploads > 5 MB here
# Spreadsheets are parsed in a child process with these limits (branches/sheets.py).
SHEET_CHILD_MEMORY_MB = env.int("SHEET_CHILD_MEMORY_MB", default=768)
SHEET_CHILD_CPU_SECONDS = env.int("SHEET_CHILD_CPU_SECONDS", default=90)
SHEET_CHILD_WALL_SECONDS = env.int("SHEET_CHILD_WALL_SECONDS", default=100)  # below gunicorn's --timeout 120
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000


# Personal data: resident IDs are encrypted with MultiFernet (first key encrypts, all decrypt,
# so keys rotate by prepending a new one and running ``manage.py rotate_keys``) and looked up
# through a keyed hash ("blind index"). Production must set both keys, distinct from SECRET_KEY
# (system check branches.E001–E005 and config/wsgi.py refuse to start otherwise); development and
# tests (DEBUG on, or the embedded dev secret) fall back to keys derived from SECRET_KEY, with a
# warning (branches.W001).
def _derived_key(label: str) -> str:
    import base64

    return base64.urlsafe_b64encode(hashlib.sha256(f"{label}:{SECRET_KEY}".encode()).digest()).decode()


KEYS_DEV_DEFAULTS_ALLOWED = DEBUG or SECRET_KEY == _DEV_SECRET
KEYS_DERIVED_FROM_SECRET = []
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    FIELD_ENCRYPTION_KEYS = [_derived_key("field-encryption")]
    KEYS_DERIVED_FROM_SECRET.append("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default="")
if not BLIND_INDEX_KEY:
    BLIND_INDEX_KEY = _derived_key("blind-index")
    KEYS_DERIVED_FROM_SECRET.append("BLIND_INDEX_KEY")

# Celery: eager in process unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BEAT_SCHEDULE = {
    "health-heartbeat": {"task": "branches.heartbeat", "schedule": crontab(minute="*")},
}

# Mail: reminders go to the console unless an SMTP URL is configured.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="党建整体推进平台 <noreply@example.org>")
# Reminders (notifications/channels.py): the in-app centre always; e-mail to whoever has an address;
# a gateway (SMS, WeChat Work) by adding "notifications.channels.Webhook" and NOTIFY_WEBHOOK_URL.
NOTIFY_CHANNELS = env.list(
    "NOTIFY_CHANNELS", default=["notifications.channels.InApp", "notifications.channels.Email"]
)
NOTIFY_WEBHOOK_URL = env("NOTIFY_WEBHOOK_URL", default="")
NOTIFY_SITE_URL = env(
    "NOTIFY_SITE_URL", default=""
)  # e.g. https://dangjian.example.gov.cn, for links in e-mails

# django-import-export: only users holding this permission may import through the admin.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

# Security headers. HSTS and the secure-cookie flags follow HTTPS, which is terminated at the
# reverse proxy in production (SECURE_PROXY_SSL_HEADER tells Django the request was HTTPS).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env.bool("HTTPS", default=not (DEBUG or LOCAL_SERVE))
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# Content Security Policy: no inline or third-party script at all. Inline *style* attributes
# are allowed so server-rendered bars can carry their width.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# One structured line per record: time, level, logger, request id, user id, task id, message
# (LOG_FORMAT=json: the same as JSON). Resident IDs are masked in the message and the traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_ids": {"()": "branches.logging.MaskResidentIdFilter"},
        "context": {"()": "config.logs.ContextFilter"},
    },
    "formatters": {
        "structured": {
            "()": "config.logs.StructuredFormatter",
            "json_lines": env("LOG_FORMAT", default="text") == "json",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_ids", "context"],
            "formatter": "structured",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Home-page reminder window for term elections (换届).
ELECTION_REMINDER_DAYS = 90
AXES_VERBOSE = False

# --- notifications: due/overdue/returned/escalated/assigned → reminders every 15 minutes (idempotent) ---
CELERY_BEAT_SCHEDULE["notifications-sync"] = {
    "task": "notifications.sync",
    "schedule": crontab(minute="*/15"),
}

# --- pilot ---
PILOT_EVIDENCE_MAX_BYTES = env.int("PILOT_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
CELERY_BEAT_SCHEDULE.update(
    {
        # 一月一清单: on the 1st of each month (and again on the 2nd as a safety net; idempotent).
        "pilot-monthly-checklist": {
            "task": "pilot.monthly_checklist",
            "schedule": crontab(minute=10, hour=1, day_of_month="1,2"),
        },
        "pilot-daily-reminders": {"task": "pilot.daily_reminders", "schedule": crontab(minute=30, hour=7)},
    }
)

# --- assessments ---
ASSESSMENTS_CHUNK_SIZE = env.int("ASSESSMENTS_CHUNK_SIZE", default=500)
# "run": each indicator source is one statement for the whole city per run; "chunk": per chunk.
ASSESSMENTS_SOURCE_SCOPE = "run"
# A run whose heartbeat is older than this is considered abandoned and re-enqueued by the sweeper.
ASSESSMENTS_RUN_STALE_SECONDS = env.int("ASSESSMENTS_RUN_STALE_SECONDS", default=120)
# Tests only: a pause after each chunk so a worker can be killed half-way.
ASSESSMENTS_CHUNK_DELAY = env.float("ASSESSMENTS_CHUNK_DELAY", default=0)
# Public survey limits, keyed on the network address and the device together (assessments/voting.py):
# a village meeting of 200 behind one carrier address, each answering the survey and the duty rating,
# gets through; one device cannot give more than a few answers an hour; only recorded answers count.
ASSESSMENTS_SURVEY_RATE_PER_HOUR = env.int("ASSESSMENTS_SURVEY_RATE_PER_HOUR", default=600)
ASSESSMENTS_SURVEY_DEVICE_PER_HOUR = env.int("ASSESSMENTS_SURVEY_DEVICE_PER_HOUR", default=10)
# More than this many answers from one address and one kind of phone within the minutes below are
# flagged as a burst (a cookie dropped to vote again): shown apart, not counted in the rate.
ASSESSMENTS_SURVEY_BURST = env.int("ASSESSMENTS_SURVEY_BURST", default=5)
ASSESSMENTS_SURVEY_BURST_MINUTES = env.int("ASSESSMENTS_SURVEY_BURST_MINUTES", default=10)
ASSESSMENTS_BALLOT_GUESSES_PER_HOUR = env.int("ASSESSMENTS_BALLOT_GUESSES_PER_HOUR", default=30)
# How long a public form's signed one-time token is valid.
ASSESSMENTS_SURVEY_TOKEN_MAX_AGE = 2 * 60 * 60
CELERY_BEAT_SCHEDULE.update(
    {
        "assessments-sweep-stale-runs": {
            "task": "assessments.sweep_stale_runs",
            "schedule": crontab(minute="*"),
        },
        "assessments-quarter-end": {
            "task": "assessments.quarter_end",
            "schedule": crontab(minute=30, hour=2, day_of_month=1, month_of_year="1,4,7,10"),
        },
        "assessments-escalate-overdue": {
            "task": "assessments.escalate_overdue",
            "schedule": crontab(minute=0, hour=7),
        },
    }
)

# --- reports ---
# Year-end report batches: files a worker has held longer than this are taken over by the sweeper
# (one report renders in about 2 s; a worker killed with its message unacknowledged is replaced
# within 3–4 minutes, not 10–15). A worker whose pool process died needs no sweeper at all.
REPORTS_STALE_MINUTES = env.int("REPORTS_STALE_MINUTES", default=3)
CELERY_BEAT_SCHEDULE.update(
    {
        "reports-sweep-stale-batches": {
            "task": "reports.sweep_stale_batches",
            "schedule": crontab(minute="*"),
        }
    }
)

# --- members ---
# No existence oracle: distinct resident IDs a user may be refused as "cannot be added" in an
# hour before imports and new members are refused for the rest of the hour (audit-row count).
MEMBERS_DUPLICATE_ID_LIMIT_PER_HOUR = env.int("MEMBERS_DUPLICATE_ID_LIMIT_PER_HOUR", default=20)

# --- uploads ---
# Temporary uploads older than a preview token's life are removed (branches/sheets.py).
CELERY_BEAT_SCHEDULE.update(
    {"branches-sweep-upload-temp": {"task": "branches.sweep_upload_temp", "schedule": crontab(minute=17)}}
)

# --- operations (ops): queues, time limits, fail-fast broker, beat ---
# Three queues: "celery" (sweeps, reminders, the heartbeat), "scoring" (score runs) and "reports"
# (year-end report rendering and zipping), so a scoring run or a sweep never waits behind report
# chunks. docker-compose runs `worker` on celery,scoring and `worker-reports` on reports.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "assessments.compute_run": {"queue": "scoring"},
    "reports.render_chunk": {"queue": "reports"},
    "reports.zip_batch": {"queue": "reports"},
}
# Every task has a time limit (the long ones set their own, all below the visibility timeout, so
# Redis never hands a live task to a second worker).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
ASSESSMENTS_RUN_TIME_LIMIT = env.int("ASSESSMENTS_RUN_TIME_LIMIT", default=1800)
ASSESSMENTS_RUN_MAX_ATTEMPTS = env.int("ASSESSMENTS_RUN_MAX_ATTEMPTS", default=6)
# Sweeps without progress after which a run (or a report batch) that keeps meeting a fault ends
# 失败 with a retry button, instead of being sent again forever.
ASSESSMENTS_RUN_MAX_SWEEPS = env.int("ASSESSMENTS_RUN_MAX_SWEEPS", default=5)
REPORTS_MAX_SWEEPS = env.int("REPORTS_MAX_SWEEPS", default=5)
REPORTS_CHUNK_TIME_LIMIT = env.int("REPORTS_CHUNK_TIME_LIMIT", default=600)
REPORTS_ZIP_TIME_LIMIT = env.int("REPORTS_ZIP_TIME_LIMIT", default=900)
REPORTS_ZIP_STALE_SECONDS = env.int("REPORTS_ZIP_STALE_SECONDS", default=180)
# Tests only (the fault suite): a pause before each township's zip so a worker can be killed
# while it zips, as ASSESSMENTS_CHUNK_DELAY does between scoring chunks.
REPORTS_ZIP_DELAY = env.float("REPORTS_ZIP_DELAY", default=0)
# Publishing fails fast when the broker is away (config/jobs.py: the job row is saved and the
# sweeper sends it): a one-second connect timeout and a single quick retry, not 19 s of them.
# The worker itself keeps reconnecting for good (broker_connection_max_retries=None).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS.update(
    {"socket_connect_timeout": 1, "socket_timeout": 5, "socket_keepalive": True}
)
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Beat keeps its schedule in a file on a volume (docker-compose: /data/beat), so a recreated
# container does not forget a run it was due; runs that matter are also retried the next day.
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE["assessments-quarter-end"]["schedule"] = crontab(
    minute=30, hour=2, day_of_month="1,2", month_of_year="1,4,7,10"
)  # the 2nd is a second chance: the task does nothing for a quarter already computed
# /healthz/ calls the worker stale when the heartbeat (every minute) is older than this.
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=300)
# Behind nginx: private downloads (report zips) are sent by nginx from an internal location
# with this prefix (X-Accel-Redirect, config/downloads.py); empty: streamed by the app.
PRIVATE_MEDIA_ACCEL_PREFIX = env("PRIVATE_MEDIA_ACCEL_PREFIX", default="")
# Backups (manage.py backup / restore, make backup / restore): their own key, never the field
# encryption keys; where they are written.
BACKUP_KEY = env("BACKUP_KEY", default="")
BACKUP_DIR = env("BACKUP_DIR", default=str(BASE_DIR / "backups"))
