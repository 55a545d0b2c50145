"""rollweb settings: one module, every value from the environment.

A value that cannot be understood stops start-up with an ImproperlyConfigured error that
names the variable. The defaults give the single-machine engine (SQLite, local private
storage and a filesystem broker under var/); see README.md for the production engine.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from botocore.config import Config as BotoConfig
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from rollweb.queue import QUEUE_KINDS

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name, default, minimum=0):
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_choice(name, default, choices):
    value = env.str(name, default=default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_rate(name, default):
    """A request rate such as 120/min (per second, minute, hour or day)."""
    value = env.str(name, default=default).strip().lower()
    count, _, period = value.partition("/")
    periods = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}
    if not (count.isdigit() and int(count) > 0 and period in periods):
        raise ImproperlyConfigured(f"{name} must be a rate like 120/min (per s, min, hour or day), not {value!r}.")
    return value


VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set unless DEBUG is true.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind HTTPS (production): secure cookies, HSTS and redirects to https.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
# Trusted proxies in front of the site (with BEHIND_PROXY): client addresses come from the entry
# the outermost of them appended to X-Forwarded-For.
PROXY_COUNT = env_int("PROXY_COUNT", 1, minimum=1)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rollweb",
    "consent",
    "suggestions",
    # Security (see the "Security" section below).
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Outside what can refuse a request (CSRF, sign-in lockouts), so that it sees their answers too.
    "rollweb.middleware.CacheControlMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rollweb.urls"
WSGI_APPLICATION = "rollweb.wsgi.application"

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
                "consent.context_processors.consent_attention",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another.
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
except Exception as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django understands: {exc}") from None
if "." not in DATABASES["default"]["ENGINE"]:
    raise ImproperlyConfigured("DATABASE_URL must start with sqlite:// or postgres:// (or another database Django supports).")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write concurrently: take the write lock at BEGIN so a
    # transaction never fails half-way on an upgrade from a read lock, and wait for it.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Opening a connection (and registering Django's SQL functions on it) costs about 1 ms.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: its hook signs every device (API token) out when a password changes.
    {"NAME": "rollweb.tokens.DeviceTokensEndWithPassword"},
]
# Argon2 for new passwords; older hashes still verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Sign-in throttling (django-axes) checks every sign-in made over HTTP, then Django's own backend.
AUTHENTICATION_BACKENDS = [
    "rollweb.auth.ThrottledSignInBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Storage. Originals, thumbnails and renders are private: no URL pattern serves MEDIA_ROOT,
# every byte goes out through a view that checks its owner (or a short-lived signed S3 URL).
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "local", ("local", "s3"))
# Signed S3 links to previews and originals expire after this many seconds, and a browser may
# keep any preview or original it was sent (from either storage) for as long: never longer after
# a deletion or a withdrawn consent than a link it was handed could still be used.
SIGNED_URL_SECONDS = env_int("SIGNED_URL_SECONDS", 300, minimum=1)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "private")))
if STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND is s3.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": SIGNED_URL_SECONDS,
            "file_overwrite": False,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            # Fail fast when storage is unreachable or stalls: the upload answers 503 within about
            # MAX_ATTEMPTS × READ_TIMEOUT seconds instead of hanging until the proxy gives up.
            "client_config": BotoConfig(
                connect_timeout=env_int("AWS_S3_CONNECT_TIMEOUT", 5, minimum=1),
                read_timeout=env_int("AWS_S3_READ_TIMEOUT", 20, minimum=1),
                retries={"max_attempts": env_int("AWS_S3_MAX_ATTEMPTS", 2, minimum=1), "mode": "standard"},
                s3={"addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path")},
                signature_version="s3v4",
            ),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads are streamed to a temporary file while they are hashed and counted; nothing larger
# than a chunk is held in memory.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 512 * 1024 * 1024, minimum=1)
FILE_UPLOAD_HANDLERS = ["suggestions.library.uploads.HashingUploadHandler"]
# Resumable uploads (/api/v1/uploads/): the size of each chunk, and how long an unfinished one is kept.
# On S3 the chunks are the parts of a multipart upload, which S3 wants at least 5 MB each.
UPLOAD_CHUNK_BYTES = env_int("UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024, minimum=1024)
if STORAGE_BACKEND == "s3" and UPLOAD_CHUNK_BYTES < 5 * 1024 * 1024:
    raise ImproperlyConfigured("UPLOAD_CHUNK_BYTES must be at least 5242880 (5 MB) when STORAGE_BACKEND is s3.")
UPLOAD_EXPIRY_SECONDS = env_int("UPLOAD_EXPIRY_SECONDS", 24 * 3600, minimum=60)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None
DATA_UPLOAD_MAX_NUMBER_FILES = 200
# Decompression bombs: Pillow refuses images above this many pixels (default 2 x 89 MP).
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 120_000_000, minimum=1)

FACE_RETENTION_DAYS = env_int("FACE_RETENTION_DAYS", 365, minimum=1)
# The smallest face, as a fraction of a photo's long side, that face detection must find. The
# scan (and its cost, which grows with its square) scales with 1 / this: 0.02 finds the faces
# of a dozen people in a party photo; 0.03 costs about half as much (see bench/analysis.py).
try:
    FACE_MIN_FRACTION = float(env.str("FACE_MIN_FRACTION", default="0.02"))
except ValueError:
    FACE_MIN_FRACTION = -1.0
if not 0.005 <= FACE_MIN_FRACTION <= 0.2:
    raise ImproperlyConfigured("FACE_MIN_FRACTION must be a number from 0.005 to 0.2 (the default is 0.02).")
# Who answers for the processing, as named in consent receipts and data exports.
CONTROLLER_NAME = env.str("CONTROLLER_NAME", default="rollweb")
CONTROLLER_CONTACT = env.str("CONTROLLER_CONTACT", default="privacy@localhost")
# A claimed item whose worker has not finished within this many seconds is re-queued.
PROCESSING_LEASE_SECONDS = env_int("PROCESSING_LEASE_SECONDS", 600, minimum=1)
# Metrics (rollweb/metrics.py): every process writes its counters here and a scrape sums them
# (prometheus-client's multiprocess mode reads the variable itself, so it is set in the environment).
PROMETHEUS_MULTIPROC_DIR = Path(env.str("PROMETHEUS_MULTIPROC_DIR", default=str(VAR_DIR / "prometheus")))
PROMETHEUS_MULTIPROC_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(PROMETHEUS_MULTIPROC_DIR)
# /metrics answers a staff session, or this bearer token (for Prometheus itself); unset: staff only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# A revoke or account deletion erasing more items than this is done by a worker on the `erase`
# queue, at most ERASE_CHUNK_ITEMS items to a transaction and as many as its cost per item says fit
# in ERASE_CHUNK_MS (consent/erasing.py); smaller ones in the request.
ERASE_INLINE_ITEMS = env_int("ERASE_INLINE_ITEMS", 1000)
ERASE_CHUNK_ITEMS = env_int("ERASE_CHUNK_ITEMS", 500, minimum=1)
ERASE_CHUNK_MS = env_int("ERASE_CHUNK_MS", 250, minimum=1)
ERASE_PAUSE_PERCENT = env_int("ERASE_PAUSE_PERCENT", 50, minimum=0)
# An uploaded item still waiting after this many seconds is queued again (its task was lost,
# e.g. the broker was down when it was uploaded).
REQUEUE_AFTER_SECONDS = env_int("REQUEUE_AFTER_SECONDS", 60, minimum=1)

# Celery. The default broker is a folder under var/ (rollweb/broker.py: kombu's filesystem
# transport with atomic writes, acknowledgements and unreadable messages set aside): no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = None
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = VAR_DIR / "broker"
    for folder in (BROKER_DIR, VAR_DIR / "broker-control"):
        folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT = "rollweb.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(VAR_DIR / "broker-control"),
        # kombu looks for new messages this often (default 1 s): a pool process that finished
        # waited up to that long for its next photo, a third of the worker's time in a busy
        # run (bench/throughput.py). Listing the folder 50 times a second costs little.
        "polling_interval": 0.02,
    }
else:
    # acks late: a task whose worker died is delivered again once it has been unacknowledged for
    # visibility_timeout seconds; Redis looks for such tasks every interval × throttle seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10, minimum=1),
        "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10, minimum=1),
    }
# Each worker records a heartbeat this often; /healthz and the operators' page say when none has
# for WORKER_SILENT_SECONDS.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
WORKER_SILENT_SECONDS = env_int("WORKER_SILENT_SECONDS", 30, minimum=2)
if WORKER_SILENT_SECONDS <= WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"WORKER_SILENT_SECONDS ({WORKER_SILENT_SECONDS}) must be longer than WORKER_HEARTBEAT_SECONDS "
        f"({WORKER_HEARTBEAT_SECONDS}), or a live worker would look silent between two heartbeats."
    )
# Several deployments (or test runs) can share one broker, each on its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# Each task goes to its kind's queue (rollweb/queue.py TASK_KINDS); a worker started without -Q
# (`make run`, the Procfile) consumes all of them, `make worker QUEUES=analysis` some.
CELERY_TASK_ROUTES = ("rollweb.queue.route",)
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in [CELERY_TASK_DEFAULT_QUEUE, *(f"{CELERY_TASK_DEFAULT_QUEUE}.{kind}" for kind in QUEUE_KINDS)]
]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Each pool process has its next task waiting in the worker, so it starts on it the moment it
# finishes; with 1 it waited for the broker's next poll (25 ms a photo, 3% of a busy run in
# bench/throughput.py). With acks late, a task held back this way is redelivered if the worker dies.
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_PREFETCH_MULTIPLIER", 2, minimum=1)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Suggestions: a refresh waits this long after new analysis, so that a batch makes one refresh
# (a beat task looks for due refreshes every SUGGESTIONS_POLL_SECONDS); occasions that come with
# the date (birthdays, on this day, holidays) are refreshed every night.
SUGGESTIONS_DEBOUNCE_SECONDS = env_int("SUGGESTIONS_DEBOUNCE_SECONDS", 30)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-media": {
        "task": "suggestions.tasks.requeue_stuck_media",
        "schedule": timedelta(seconds=env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=1)),
    },
    # Faces join people as they arrive; this re-groups each person's faces to repair drift.
    "recluster-people": {
        "task": "suggestions.tasks.recluster_all_people",
        "schedule": timedelta(seconds=env_int("RECLUSTER_INTERVAL_SECONDS", 6 * 3600, minimum=60)),
    },
    "refresh-suggestions-daily": {
        "task": "suggestions.tasks.refresh_everyones_suggestions",
        "schedule": crontab(hour=0, minute=10),
    },
    "queue-due-suggestion-refreshes": {
        "task": "suggestions.tasks.queue_due_refreshes",
        "schedule": timedelta(seconds=env_int("SUGGESTIONS_POLL_SECONDS", 10, minimum=1)),
    },
    # Consent rules that run on a clock (published on the privacy page).
    "expire-lapsed-grants": {"task": "consent.tasks.expire_lapsed_grants", "schedule": crontab(minute=5)},
    "pause-stale-notices": {"task": "consent.tasks.pause_stale_notices", "schedule": crontab(minute=10)},
    "enforce-face-retention": {"task": "consent.tasks.enforce_face_retention", "schedule": crontab(hour=3, minute=30)},
    "sweep-exports": {"task": "consent.tasks.sweep_exports", "schedule": crontab(minute="*/15")},
    "sweep-erasures": {
        "task": "consent.tasks.sweep_erasures",
        "schedule": timedelta(seconds=env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=1)),
    },
}

# The cache every web process shares (rate limits and throttles count requests in it): a folder
# under var/ by default, which needs no server; Redis in production (redis://host:6379/1).
CACHE_SCHEMES = ("filecache", "dbcache", "redis", "rediss")
CACHE_URL = env.str("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")
if CACHE_URL.split("://", 1)[0] not in CACHE_SCHEMES or "://" not in CACHE_URL:
    raise ImproperlyConfigured(
        f"CACHE_URL must start with one of {', '.join(s + '://' for s in CACHE_SCHEMES)} "
        f"(a cache every web process shares), not {CACHE_URL!r}."
    )
CACHES = {"default": env.cache_url_config(CACHE_URL)}


# Uploads per person and minute, through the pages and the API together (then 429 with Retry-After).
UPLOADS_PER_MINUTE = env_int("UPLOADS_PER_MINUTE", 600, minimum=1)
# API rates: the sign-in endpoints per client address and per username.
API_RATES = {
    "auth": env_rate("API_AUTH_RATE", "30/min"),
    "login": env_rate("API_LOGIN_RATE", "10/min"),
}
# A device token unused for this many days stops working (the phone signs in again).
API_TOKEN_IDLE_DAYS = env_int("API_TOKEN_IDLE_DAYS", 90, minimum=1)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rollweb <noreply@localhost>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rollweb.tokens.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rollweb.api.NewestFirstPagination",
    "DEFAULT_PARSER_CLASSES": [
        "rollweb.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "rollweb.api.exception_handler",
    # Client addresses for per-address rates: REMOTE_ADDR, or the proxy's X-Forwarded-For entry.
    "NUM_PROXIES": PROXY_COUNT if BEHIND_PROXY else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "rollweb API",
    "DESCRIPTION": "Private suggestions from your camera roll, under consent you can take back.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "MediaKindEnum": "suggestions.models.MediaItem.Kind",
        "MediaStatusEnum": "suggestions.models.MediaItem.Status",
        "ConsentEventKindEnum": "consent.models.ConsentEvent.Kind",
        "ExportStatusEnum": "consent.models.Export.Status",
        "ShareStateEnum": "suggestions.sharing.selectors.STATES",
        "PersonFeatureEnum": "suggestions.models.Person.Feature",
        "SuggestionKindEnum": "suggestions.api.controls.KIND_CHOICES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes reports every sign-in at INFO; lockouts come at WARNING.
    "loggers": {"axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")}},
}


# -- Security -------------------------------------------------------------------------------
# Content Security Policy (django-csp): scripts and styles only from our own files, never inline.
# Signed storage URLs (S3) are another origin: previews and videos load from there.
_storage_origin = []
if STORAGE_BACKEND == "s3":
    _endpoint = urlsplit(_default_storage["OPTIONS"]["endpoint_url"] or "https://*.amazonaws.com")
    _storage_origin = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_storage_origin],
        "media-src": ["'self'", *_storage_origin],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    }
}

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused (429) for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts while refused are not counted, so a lockout ends when Retry-After says it does.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Password spraying: an address with this many failed sign-ins across all usernames within the
# window is refused (429) until the oldest of them leave it. Counted on axes' attempt records,
# which are kept for AXES_COOLOFF_MINUTES: the window cannot be longer.
AXES_HANDLER = "rollweb.auth.SignInHandler"
AXES_LOCKOUT_CALLABLE = "rollweb.auth.lockout_response"
SIGN_IN_FAILURES_PER_ADDRESS = env_int("SIGN_IN_FAILURES_PER_ADDRESS", 20, minimum=1)
SIGN_IN_ADDRESS_WINDOW_MINUTES = env_int("SIGN_IN_ADDRESS_WINDOW_MINUTES", 10, minimum=1)
if SIGN_IN_ADDRESS_WINDOW_MINUTES > AXES_COOLOFF_TIME.total_seconds() // 60:
    raise ImproperlyConfigured(
        "SIGN_IN_ADDRESS_WINDOW_MINUTES must be at most AXES_COOLOFF_MINUTES "
        f"({AXES_COOLOFF_TIME.total_seconds() // 60:.0f}), not {SIGN_IN_ADDRESS_WINDOW_MINUTES}."
    )
# Keep only what throttling needs: failed attempts, not a log of every successful sign-in.
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "rollweb.auth.client_address"
