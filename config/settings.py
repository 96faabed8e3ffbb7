"""Storedesk settings. Everything comes from the environment (12-factor); `.env.example` lists it."""

import base64
import hashlib
import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("STOREDESK_TESTING", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters when DEBUG is off.")


def _dev_fernet_key():
    # Derived from the dev secret so a development database stays readable across restarts.
    return base64.urlsafe_b64encode(hashlib.sha256(("fernet:" + SECRET_KEY).encode()).digest()).decode()


# Comma-separated Fernet keys, newest first. `manage.py rotate_credential_keys` re-encrypts
# every stored credential with the first one.
CREDENTIAL_ENCRYPTION_KEYS = env.list("CREDENTIAL_ENCRYPTION_KEYS", default=[_dev_fernet_key()] if DEBUG else [])
if not CREDENTIAL_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "CREDENTIAL_ENCRYPTION_KEYS must be set when DEBUG is off. Generate one with: "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "guardian",
    "django_htmx",
    "axes",
    "accounts",
    "stores",
    "catalog",
    "orders",
    "webhooks",
    "sync",
    "projects",
    "agents",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.input.InputMiddleware",
    "audit.middleware.AuditActorMiddleware",
    "config.timezones.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "agents.context_processors.alerts",
            ],
        },
    }
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/storedesk"),
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# Persistent connections: opening one per request costs about 5x the throughput.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "stores.backends.StoreRoleBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Django's defaults, then bcrypt for people imported from Supabase (GoTrue's ``$2a$10$`` hashes,
# stored as ``bcrypt$<hash>`` by ``import_supabase``): listed after the default, so a first
# successful sign-in re-hashes the password with PBKDF2.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-guardian: no anonymous grants, explicit per-store grants only (stores.access decides).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

# Proxies in front of the web process that append to X-Forwarded-For (0: clients connect
# directly and REMOTE_ADDR is the client). See config/client_ip.py.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# django-axes: lock an account+IP pair after repeated failed logins, and an address on its own
# (every account tried from it) only after many more (accounts/lockout.py).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=50)
if LOGIN_IP_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOGIN_IP_FAILURE_LIMIT must not be below LOGIN_FAILURE_LIMIT.")
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_HANDLER = "accounts.lockout.PairLockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # read in this order by the handler
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("he", _("Hebrew"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jerusalem")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development whitenoise serves files straight from the apps' static folders.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Large CSV exports (orders, products) are written here by a worker and downloaded by whoever
# asked (never under MEDIA_ROOT: order exports hold customer data). Web and workers must share it.
EXPORTS_DIR = env.path("EXPORTS_DIR", default=BASE_DIR / "var" / "exports")
# Lists longer than these are exported by a background job with a progress bar.
ORDER_EXPORT_STREAM_LIMIT = env.int("ORDER_EXPORT_STREAM_LIMIT", default=20000)
PRODUCT_EXPORT_STREAM_LIMIT = env.int("PRODUCT_EXPORT_STREAM_LIMIT", default=10000)

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET_NAME", default="product-images"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "custom_domain": env.str("S3_CUSTOM_DOMAIN", default=None),
            "querystring_auth": False,
            "default_acl": "public-read",
        },
    }
elif STORAGE_BACKEND == "filesystem":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def _mailer_from_url(config):
    """django-environ's EMAIL_URL parsing, turned into Django 6.1's MAILERS entry."""
    backend = config["EMAIL_BACKEND"]
    options = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": config.get("EMAIL_HOST"),
            "port": config.get("EMAIL_PORT"),
            "username": config.get("EMAIL_HOST_USER") or None,
            "password": config.get("EMAIL_HOST_PASSWORD") or None,
            "use_tls": bool(config.get("EMAIL_USE_TLS")),
            "use_ssl": bool(config.get("EMAIL_USE_SSL")),
            "timeout": 10,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": config.get("EMAIL_FILE_PATH")}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer_from_url(env.email_url("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Storedesk <storedesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER via USE_X_FORWARDED_PROTO.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every page's Content-Security-Policy: scripts only from our origin (or carrying the request's
# nonce), no plugins, no <base> rewriting, never framed. Images may come from any http(s) host: a
# product image not copied yet is shown from the store's URL. Style attributes stay allowed
# (progress bars, tree indents); style sheets come from our origin only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "https:", "http:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Off only for plain http on one's own machine (scripts/run): browsers drop secure-only cookies there.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^webhooks/"]

# Celery: Redis is the broker; tasks are idempotent and acknowledged late.
# Tests queue onto a Redis database of their own, never onto a running product's queues.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=urlunsplit(urlsplit(REDIS_URL)._replace(path="/15")) if TESTING else REDIS_URL
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if TESTING:
    # Parallel test processes (pytest-xdist sets PYTEST_XDIST_WORKER: gw0, gw1...) share one
    # Redis database: each one's queues, and the Celery workers it starts (they inherit the
    # environment), live under a key prefix of their own.
    TEST_REDIS_PREFIX = f"storedesk-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:"
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = TEST_REDIS_PREFIX
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Queue routing lives here (Celery deprecates the per-task ``queue`` attribute); anything not
# listed goes to the default "maintenance" queue.
CELERY_TASK_ROUTES = {
    "sync.tasks.*": {"queue": "sync"},
    "orders.tasks.*": {"queue": "sync"},
    "catalog.tasks.*": {"queue": "sync"},
    "webhooks.tasks.webhook_delivery_apply_task": {"queue": "webhooks"},
    "webhooks.tasks.webhook_status_refresh_store_task": {"queue": "webhooks"},
    "agents.tasks.*": {"queue": "agents"},
}

# Beat runs only the dispatcher; what is due is decided from these settings and store data.
# job name -> (task name, interval in seconds, queue). Staff override intervals in the admin.
SCHEDULED_JOBS = {
    "cleanup_logs": ("audit.tasks.cleanup_logs", env.int("CLEANUP_INTERVAL_SECONDS", default=86400), "maintenance"),
}
BEAT_HEARTBEAT_KEY = f"{TEST_REDIS_PREFIX}beat:heartbeat" if TESTING else "storedesk:beat:heartbeat"
BEAT_HEARTBEAT_MAX_AGE_SECONDS = env.int("BEAT_HEARTBEAT_MAX_AGE_SECONDS", default=180)

# Retention windows in days (the inventory: 30 / 30 / 365).
RETENTION_DAYS = {
    "taxonomy_sync_log": env.int("RETENTION_TAXONOMY_SYNC_LOG_DAYS", default=30),
    "sync_logs": env.int("RETENTION_SYNC_LOGS_DAYS", default=30),
    "audit_logs": env.int("RETENTION_AUDIT_LOGS_DAYS", default=365),
    "webhook_logs": env.int("RETENTION_WEBHOOK_LOGS_DAYS", default=30),
    "webhook_log_rate_limit": env.int("RETENTION_WEBHOOK_RATE_LIMIT_DAYS", default=2),
    "sync_errors_resolved": env.int("RETENTION_RESOLVED_SYNC_ERRORS_DAYS", default=30),
    "task_logs": env.int("RETENTION_TASK_LOGS_DAYS", default=90),
    "agent_execution_log": env.int("RETENTION_AGENT_EXECUTION_LOG_DAYS", default=90),
    "credential_access_logs": env.int("RETENTION_CREDENTIAL_ACCESS_LOGS_DAYS", default=365),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # Records logged with extra={"task_id": ...} also go to task_logs (projects/task_log_handler.py).
        "task_logs": {"class": "projects.task_log_handler.TaskLogHandler"},
    },
    "root": {
        "handlers": ["console"] if TESTING else ["console", "task_logs"],
        "level": env.str("LOG_LEVEL", default="INFO"),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Stores --------------------------------------------------------------------------------------
# Requests to stores (API calls, image files, test connection) only go to public addresses:
# loopback, private, link-local (cloud metadata), multicast and reserved ones are refused unless
# listed here (comma-separated CIDRs, e.g. a shop on your LAN: 192.168.1.0/24). The tests allow
# the sandbox on 127.0.0.1; ./scripts/run sets the same.
STORE_ALLOWED_NETWORKS = env.list("STORE_ALLOWED_NETWORKS", default=["127.0.0.1/32"] if TESTING else [])
try:
    [ipaddress.ip_network(network, strict=False) for network in STORE_ALLOWED_NETWORKS]
except ValueError as exc:
    raise ImproperlyConfigured(f"STORE_ALLOWED_NETWORKS: {exc}") from exc
# Who may connect a new store: "everyone" signed in, or only "admins" (app admins).
STORE_CONNECT = env.str("STORE_CONNECT", default="everyone")
if STORE_CONNECT not in ("everyone", "admins"):
    raise ImproperlyConfigured(f"STORE_CONNECT must be 'everyone' or 'admins', not {STORE_CONNECT!r}.")

# Sync ----------------------------------------------------------------------------------------
# WooCommerce pulls and pushes (sync/). Every value can be set from the environment.
# Parallel page requests per store during a pull (real hosts throttle: keep it small).
SYNC_PAGE_CONCURRENCY = env.int("SYNC_PAGE_CONCURRENCY", default=4)
# Items per list page (WooCommerce allows 1..100).
SYNC_PAGE_SIZE = env.int("SYNC_PAGE_SIZE", default=100)
# Seconds per request; the woocommerce client's own default is 5 s, too short for busy stores.
SYNC_REQUEST_TIMEOUT_SECONDS = env.float("SYNC_REQUEST_TIMEOUT_SECONDS", default=30.0)
# The largest API answer read (decompressed; a page of 100 products is ~1-3 MB): a store's
# answer past it is refused, not held in the worker's memory.
SYNC_RESPONSE_MAX_BYTES = env.int("SYNC_RESPONSE_MAX_BYTES", default=64 * 1024 * 1024)
# The longest a whole request to a store (an API answer, an image file) may take: the time-outs
# above apply to each read, and a store sending a byte every few seconds would pass them all.
SYNC_REQUEST_DEADLINE_SECONDS = env.float("SYNC_REQUEST_DEADLINE_SECONDS", default=120.0)
# Retries on 429, 5xx, timeouts and connection errors, with exponential backoff and jitter.
SYNC_MAX_RETRIES = env.int("SYNC_MAX_RETRIES", default=4)
SYNC_BACKOFF_BASE_SECONDS = env.float("SYNC_BACKOFF_BASE_SECONDS", default=0.5)
SYNC_BACKOFF_MAX_SECONDS = env.float("SYNC_BACKOFF_MAX_SECONDS", default=30.0)
# A Retry-After longer than this fails the request (the task is retried later) instead of waiting.
SYNC_RETRY_AFTER_MAX_SECONDS = env.float("SYNC_RETRY_AFTER_MAX_SECONDS", default=120.0)
# An incremental pull asks for changes since (watermark - overlap): clock skew and same-second writes.
SYNC_WATERMARK_OVERLAP_SECONDS = env.int("SYNC_WATERMARK_OVERLAP_SECONDS", default=300)
# Rows per write batch: pages are regrouped, then one COPY + INSERT ... ON CONFLICT per table
# (3000: some 15% less database time than 1000 on a 10,000-product pull, benchmarks/sync_pull.py).
SYNC_UPSERT_BATCH_ROWS = env.int("SYNC_UPSERT_BATCH_ROWS", default=3000)
# Copy product images into the storage backend when the store's image URLs answer.
SYNC_FETCH_IMAGES = env.bool("SYNC_FETCH_IMAGES", default=True)
SYNC_IMAGE_TIMEOUT_SECONDS = env.float("SYNC_IMAGE_TIMEOUT_SECONDS", default=15.0)
# Parallel image downloads per store after the data is written (0: the page concurrency).
SYNC_IMAGE_CONCURRENCY = env.int("SYNC_IMAGE_CONCURRENCY", default=0)
SYNC_IMAGE_MAX_BYTES = env.int("SYNC_IMAGE_MAX_BYTES", default=20 * 1024 * 1024)
# The largest product image a person may upload (WooCommerce then downloads it from SITE_URL or S3).
PRODUCT_IMAGE_UPLOAD_MAX_BYTES = env.int("PRODUCT_IMAGE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Open sync_errors are retried by the next runs up to this many times (then only by hand).
SYNC_ERROR_MAX_RETRIES = env.int("SYNC_ERROR_MAX_RETRIES", default=10)
# A pending/running run without a heartbeat for this long is considered dead.
SYNC_RUN_STALE_SECONDS = env.int("SYNC_RUN_STALE_SECONDS", default=900)
# Push tasks: attempts before a push is marked failed, and the first retry delay.
SYNC_PUSH_MAX_ATTEMPTS = env.int("SYNC_PUSH_MAX_ATTEMPTS", default=5)
SYNC_PUSH_RETRY_SECONDS = env.int("SYNC_PUSH_RETRY_SECONDS", default=30)
# Reconciliation (cheap id-list comparison, catches permanent deletes and missed items).
SYNC_RECONCILE_INTERVAL_SECONDS = env.int("SYNC_RECONCILE_INTERVAL_SECONDS", default=86400)
SCHEDULED_JOBS["sync_reconcile"] = (
    "sync.tasks.reconcile_all_stores",
    SYNC_RECONCILE_INTERVAL_SECONDS,
    "sync",
)

# Webhooks ------------------------------------------------------------------------------------
# Receiving, verifying and applying WooCommerce deliveries (webhooks/). All from the environment.
# A request body larger than this is answered 413 (WooCommerce order payloads are rarely > 100 KB).
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=5 * 1024 * 1024)
# webhook_logs rows per store and hour (the inventory's check_webhook_log_rate_limit). Past it a
# valid delivery is still stored and applied; only its log row is skipped (and counted).
WEBHOOK_LOG_CAP_PER_HOUR = env.int("WEBHOOK_LOG_CAP_PER_HOUR", default=1000)
# After a secret rotation, deliveries signed with the previous secret are accepted this long.
WEBHOOK_SECRET_GRACE_SECONDS = env.int("WEBHOOK_SECRET_GRACE_SECONDS", default=86400)
# How long a web worker keeps a store's decrypted webhook secrets in memory (a miss re-reads).
WEBHOOK_SECRET_CACHE_SECONDS = env.float("WEBHOOK_SECRET_CACHE_SECONDS", default=30.0)
# Inbox rows still pending this long after they were queued are queued again (Redis was down,
# a worker died...). The beat job that does it runs every WEBHOOK_REQUEUE_INTERVAL_SECONDS.
WEBHOOK_REQUEUE_AFTER_SECONDS = env.int("WEBHOOK_REQUEUE_AFTER_SECONDS", default=180)
WEBHOOK_REQUEUE_INTERVAL_SECONDS = env.int("WEBHOOK_REQUEUE_INTERVAL_SECONDS", default=60)
WEBHOOK_REQUEUE_BATCH = env.int("WEBHOOK_REQUEUE_BATCH", default=5000)
# A delivery held while its object has a local change to push is applied when the push closes;
# should that signal be lost, it is looked at again after this long.
WEBHOOK_HELD_RECHECK_SECONDS = env.int("WEBHOOK_HELD_RECHECK_SECONDS", default=900)
# When the broker refuses a message the receiver stops trying for this long (rows stay pending).
WEBHOOK_ENQUEUE_BACKOFF_SECONDS = env.float("WEBHOOK_ENQUEUE_BACKOFF_SECONDS", default=10.0)
# "*.deleted" bodies carry no date: an identical deletion of the same object within this window,
# with nothing else received for it in between, is a repeat (WooCommerce's own window is 10 min).
WEBHOOK_DELETE_DEDUPE_SECONDS = env.int("WEBHOOK_DELETE_DEDUPE_SECONDS", default=600)
# Applying: retries with exponential backoff (base * 2^n, capped), then sync_errors.
WEBHOOK_APPLY_MAX_RETRIES = env.int("WEBHOOK_APPLY_MAX_RETRIES", default=5)
WEBHOOK_APPLY_RETRY_BASE_SECONDS = env.int("WEBHOOK_APPLY_RETRY_BASE_SECONDS", default=10)
WEBHOOK_APPLY_RETRY_MAX_SECONDS = env.int("WEBHOOK_APPLY_RETRY_MAX_SECONDS", default=600)
# A worker applying one delivery takes up to this many pending ones of the same store with it
# (one set-based write for all of them).
WEBHOOK_APPLY_BATCH = env.int("WEBHOOK_APPLY_BATCH", default=100)
# One apply task drains a store's inbox for at most this long, then hands over to a new task.
WEBHOOK_DRAIN_SECONDS = env.int("WEBHOOK_DRAIN_SECONDS", default=30)
# The receiver queues an apply task only when none is queued for the store (or the one queued
# has not started for this long: its message was lost).
WEBHOOK_APPLY_REQUEST_STALE_SECONDS = env.int("WEBHOOK_APPLY_REQUEST_STALE_SECONDS", default=60)
# Webhook status refresh from WooCommerce (alerts on disabled webhooks, re-pushes rotated secrets).
WEBHOOK_STATUS_REFRESH_INTERVAL_SECONDS = env.int("WEBHOOK_STATUS_REFRESH_INTERVAL_SECONDS", default=900)
# The standard set registered by "Register webhooks".
WEBHOOK_STANDARD_TOPICS = env.list(
    "WEBHOOK_STANDARD_TOPICS",
    default=[
        f"{resource}.{event}"
        for resource in ("product", "order")
        for event in ("created", "updated", "deleted", "restored")
    ],
)
# Applied/skipped inbox rows are deleted after this many days (failed ones stay until retried).
RETENTION_DAYS["webhook_deliveries"] = env.int("RETENTION_WEBHOOK_DELIVERIES_DAYS", default=14)
SCHEDULED_JOBS["webhook_deliveries_requeue"] = (
    "webhooks.tasks.webhook_deliveries_requeue_task",
    WEBHOOK_REQUEUE_INTERVAL_SECONDS,
    "maintenance",
)
SCHEDULED_JOBS["webhook_status_refresh"] = (
    "webhooks.tasks.webhook_status_refresh_task",
    WEBHOOK_STATUS_REFRESH_INTERVAL_SECONDS,
    "maintenance",
)

# Audit: anomaly rules and cleanup -------------------------------------------------------------
# Thresholds of the anomaly rules (audit/anomalies.py); windows in minutes. Reaching a rule's
# threshold logs the anomaly and notifies the app admins in-app (high severity: also by e-mail);
# reaching a *_CRITICAL_* threshold also suspends the user (0 = never). Failed logins and invalid
# webhook signatures never suspend anyone.
ANOMALY_FAILED_LOGINS = env.int("ANOMALY_FAILED_LOGINS", default=2 * AXES_FAILURE_LIMIT)
ANOMALY_FAILED_LOGINS_WINDOW_MINUTES = env.int("ANOMALY_FAILED_LOGINS_WINDOW_MINUTES", default=15)
ANOMALY_CREDENTIAL_REVEAL_STORES = env.int("ANOMALY_CREDENTIAL_REVEAL_STORES", default=3)
ANOMALY_CREDENTIAL_REVEAL_CRITICAL_STORES = env.int("ANOMALY_CREDENTIAL_REVEAL_CRITICAL_STORES", default=5)
ANOMALY_CREDENTIAL_REVEAL_WINDOW_MINUTES = env.int("ANOMALY_CREDENTIAL_REVEAL_WINDOW_MINUTES", default=10)
ANOMALY_MASS_DELETE_ROWS = env.int("ANOMALY_MASS_DELETE_ROWS", default=50)
ANOMALY_MASS_DELETE_CRITICAL_ROWS = env.int("ANOMALY_MASS_DELETE_CRITICAL_ROWS", default=500)
ANOMALY_MASS_DELETE_WINDOW_MINUTES = env.int("ANOMALY_MASS_DELETE_WINDOW_MINUTES", default=10)
ANOMALY_MASS_PRICE_CHANGE_ROWS = env.int("ANOMALY_MASS_PRICE_CHANGE_ROWS", default=100)
ANOMALY_MASS_PRICE_CHANGE_CRITICAL_ROWS = env.int("ANOMALY_MASS_PRICE_CHANGE_CRITICAL_ROWS", default=0)
ANOMALY_MASS_PRICE_CHANGE_WINDOW_MINUTES = env.int("ANOMALY_MASS_PRICE_CHANGE_WINDOW_MINUTES", default=10)
ANOMALY_INVALID_SIGNATURES = env.int("ANOMALY_INVALID_SIGNATURES", default=20)
ANOMALY_INVALID_SIGNATURES_WINDOW_MINUTES = env.int("ANOMALY_INVALID_SIGNATURES_WINDOW_MINUTES", default=10)
# Who gets anomaly e-mails; empty = every active app admin.
ANOMALY_EMAIL_RECIPIENTS = env.list("ANOMALY_EMAIL_RECIPIENTS", default=[])
ANOMALY_DETECT_INTERVAL_SECONDS = env.int("ANOMALY_DETECT_INTERVAL_SECONDS", default=300)
SCHEDULED_JOBS["detect_anomalies"] = (
    "audit.tasks.detect_anomalies",
    ANOMALY_DETECT_INTERVAL_SECONDS,
    "maintenance",
)
# Retention deletes run in transactions of this many rows (audit/cleanup.py), optionally pausing
# between batches to leave the disk to other writers.
CLEANUP_BATCH_SIZE = env.int("CLEANUP_BATCH_SIZE", default=5000)
CLEANUP_BATCH_PAUSE_SECONDS = env.float("CLEANUP_BATCH_PAUSE_SECONDS", default=0.0)

# Agents ----------------------------------------------------------------------------------------
# Scheduled analysts (agents/): each registered agent is a scheduled job ("agent_<type>") on the
# "agents" queue; staff change its interval in the admin. Defaults for every store (owners
# override the first two per store on the store's insights page).
AGENTS_INTERVAL_SECONDS = env.int("AGENTS_INTERVAL_SECONDS", default=3600)
AGENTS_LOW_STOCK_THRESHOLD = env.int("AGENTS_LOW_STOCK_THRESHOLD", default=2)  # WooCommerce's default
AGENTS_SALES_BAND_PERCENT = env.int("AGENTS_SALES_BAND_PERCENT", default=30)
# The sales agent compares the last 24 hours with the same 24 hours of this many previous weeks,
# and says nothing about revenue when those weeks averaged fewer orders than AGENTS_SALES_MIN_ORDERS.
AGENTS_SALES_WEEKS = env.int("AGENTS_SALES_WEEKS", default=4)
AGENTS_SALES_MIN_ORDERS = env.int("AGENTS_SALES_MIN_ORDERS", default=5)
# Sync health: open sync errors worth an insight; how old a pull may get; when a push is stuck.
AGENTS_SYNC_ERRORS_THRESHOLD = env.int("AGENTS_SYNC_ERRORS_THRESHOLD", default=10)
AGENTS_SYNC_LAG_HOURS = env.int("AGENTS_SYNC_LAG_HOURS", default=6)
AGENTS_PUSH_STUCK_MINUTES = env.int("AGENTS_PUSH_STUCK_MINUTES", default=30)
# Security: the window the agent looks back over, and failed logins worth an insight in it.
AGENTS_SECURITY_WINDOW_HOURS = env.int("AGENTS_SECURITY_WINDOW_HOURS", default=24)
AGENTS_SECURITY_FAILED_LOGINS = env.int("AGENTS_SECURITY_FAILED_LOGINS", default=20)
# Critical alerts are e-mailed to the people who can act (store owners and managers; app admins).
AGENTS_EMAIL_CRITICAL = env.bool("AGENTS_EMAIL_CRITICAL", default=True)
# Optional: an OpenAI-compatible chat-completions endpoint writes the analysis and
# recommendations from the agent's evidence (aggregates and product names only). Empty = off.
AGENTS_LLM_URL = env.str("AGENTS_LLM_URL", default="")
AGENTS_LLM_MODEL = env.str("AGENTS_LLM_MODEL", default="")
AGENTS_LLM_API_KEY = env.str("AGENTS_LLM_API_KEY", default="")
AGENTS_LLM_TIMEOUT_SECONDS = env.float("AGENTS_LLM_TIMEOUT_SECONDS", default=20.0)
# Projects (the team's delivery tracker) -------------------------------------------------------
# The alert rules (projects/alerts.py) run every PROJECT_ALERTS_INTERVAL_SECONDS, and right after
# the events that can change them. A sprint is "delayed" when its remaining estimate is behind the
# ideal burndown line by more than this share of its total estimate.
PROJECT_ALERTS_INTERVAL_SECONDS = env.int("PROJECT_ALERTS_INTERVAL_SECONDS", default=900)
PROJECT_SPRINT_DELAY_MARGIN_PERCENT = env.int("PROJECT_SPRINT_DELAY_MARGIN_PERCENT", default=20)
SCHEDULED_JOBS["project_alerts"] = (
    "projects.tasks.project_alerts_refresh",
    PROJECT_ALERTS_INTERVAL_SECONDS,
    "maintenance",
)
