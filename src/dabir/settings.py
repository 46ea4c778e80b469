"""Settings, read from the environment by typed helpers (no other module reads os.environ).

DABIR_DATABASE_URL picks the database: unset means an SQLite file under var/;
postgres://user@host:port/name means PostgreSQL.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


VAR_DIR = Path(env_str("DABIR_VAR_DIR", str(PROJECT_DIR / "var")))

SECRET_KEY = env_str("DABIR_SECRET_KEY", "dabir-development-key-change-me-in-production-0123456789")
DEBUG = env_bool("DABIR_DEBUG", False)
ALLOWED_HOSTS = env_list("DABIR_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DABIR_CSRF_TRUSTED_ORIGINS", [])


def database_from_url(url: str) -> dict:
    if not url or url.startswith("sqlite"):
        path = urlparse(url).path if url else ""
        name = path or str(VAR_DIR / "dabir.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # WAL, a busy timeout and immediate transactions: concurrent writers wait, never fail.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
                ),
            },
            "TEST": {"NAME": env_str("DABIR_TEST_SQLITE_NAME", "") or None},
        }
    parsed = urlparse(url)
    # psycopg's pool (DABIR_DB_POOL; `dabir serve` turns it on): a request borrows a connection and
    # gives it back, with no health-check round trip; Django refuses a pool with persistent connections.
    pool = env_bool("DABIR_DB_POOL", False)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "dabir",
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or 5432),
        "CONN_MAX_AGE": 0 if pool else env_int("DABIR_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": not pool,
        "OPTIONS": {
            "pool": {
                "min_size": env_int("DABIR_DB_POOL_MIN", 1),
                "max_size": env_int("DABIR_DB_POOL_MAX", 8),
                "timeout": env_int("DABIR_DB_POOL_TIMEOUT", 30),
            }
        } if pool else {},
    }


DATABASES = {"default": database_from_url(env_str("DABIR_DATABASE_URL"))}
# An optional read replica of the PostgreSQL primary, for reads that may lag a moment (letter search:
# dabir.core.db.reader). Unset, every read goes to the primary. Tests read the primary through it.
if env_str("DABIR_DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {**database_from_url(env_str("DABIR_DATABASE_REPLICA_URL")),
                            "TEST": {"MIRROR": "default"}}
# Behind pgbouncer in transaction mode (docs/deploy.md) each transaction may run on another server
# connection: no server-side cursors (.iterator() would hold one across transactions), no prepared
# statements (psycopg prepares a query run five times), and no pool of our own: pgbouncer is the pool.
if env_bool("DABIR_DB_PGBOUNCER"):
    for _database in DATABASES.values():
        if _database["ENGINE"] == "django.db.backends.postgresql":
            _database["DISABLE_SERVER_SIDE_CURSORS"] = True
            _database["OPTIONS"] = {**_database.get("OPTIONS", {}), "prepare_threshold": None}
            _database["OPTIONS"].pop("pool", None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "dabir.core.apps.TasksDbConfig",  # django_tasks_db with a Persian name
    "dabir.core",
    "dabir.accounts",
    "dabir.orgs",
    "dabir.letters",
    "dabir.signing",
    "dabir.exchange",
    "dabir.channels",
    "dabir.desk",
    "dabir.counters",
    "dabir.stats",
    "dabir.notify",
    "dabir.payments",
    "dabir.demo",  # `dabir demo` only; no models
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
    "dabir.core.middleware.ProblemMiddleware",
]

ROOT_URLCONF = "dabir.urls"
WSGI_APPLICATION = "dabir.wsgi.application"

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
                "dabir.orgs.context_processors.current_position",
            ],
            "builtins": ["dabir.core.templatetags.persian"],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the personal dashboard (an account without a seat: accounts.landing)
LOGOUT_REDIRECT_URL = "login"
# Password checks are throttled per account and per client address (dabir.accounts.backends):
# (failures, window in seconds); at the limit the account or address is locked for the window.
AUTHENTICATION_BACKENDS = ["dabir.accounts.backends.ThrottledModelBackend"]
DABIR_SIGNIN_ACCOUNT_RATE = (env_int("DABIR_SIGNIN_ACCOUNT_LIMIT", 5), env_int("DABIR_SIGNIN_ACCOUNT_WINDOW", 900))
DABIR_SIGNIN_ADDRESS_RATE = (env_int("DABIR_SIGNIN_ADDRESS_LIMIT", 30), env_int("DABIR_SIGNIN_ADDRESS_WINDOW", 900))
# Citizens' one-time codes (dabir.accounts): seconds a code stays valid, wrong tries before it is
# dead, seconds between two codes to one mobile, codes per mobile and per client address per hour.
DABIR_OTP_TTL = env_int("DABIR_OTP_TTL", 120)
# Counter offices: how long a citizen's consent (SMS code) at the counter holds for filing, and the
# licence renewal fee as a percentage of the licence value.
DABIR_COUNTER_VISIT_MINUTES = env_int("DABIR_COUNTER_VISIT_MINUTES", 30)
DABIR_COUNTER_RENEWAL_PERCENT = env_int("DABIR_COUNTER_RENEWAL_PERCENT", 10)
DABIR_OTP_MAX_ATTEMPTS = env_int("DABIR_OTP_MAX_ATTEMPTS", 5)
DABIR_OTP_MOBILE_GAP = env_int("DABIR_OTP_MOBILE_GAP", 60)
DABIR_OTP_MOBILE_HOURLY = env_int("DABIR_OTP_MOBILE_HOURLY", 5)
DABIR_OTP_IP_HOURLY = env_int("DABIR_OTP_IP_HOURLY", 20)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if env_bool("DABIR_FAST_PASSWORD_HASHER")
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission-checked view
# Every stored file (attachments, scans, PDFs, signature images, desk drafts) goes through Django's storage
# API: MEDIA_ROOT on this machine by default; an S3-compatible object store, shared by every machine, when
# DABIR_S3_BUCKET is set (docs/deploy.md). Existing names are never overwritten, as on the file system.
DABIR_S3_BUCKET = env_str("DABIR_S3_BUCKET")
STORAGES = {
    "default": (
        {
            "BACKEND": "dabir.core.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": DABIR_S3_BUCKET,
                "endpoint_url": env_str("DABIR_S3_ENDPOINT_URL") or None,
                "access_key": env_str("DABIR_S3_ACCESS_KEY_ID") or None,
                "secret_key": env_str("DABIR_S3_SECRET_ACCESS_KEY") or None,
                "region_name": env_str("DABIR_S3_REGION") or None,
                "location": env_str("DABIR_S3_PREFIX"),
                "addressing_style": env_str("DABIR_S3_ADDRESSING_STYLE", "path"),
                "file_overwrite": False,
                "default_acl": None,
            },
        }
        if DABIR_S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DABIR_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only, remembered by browsers (HSTS): set DABIR_HSTS_SECONDS (a year: 31536000) once the
# site is served over HTTPS; `dabir check-deploy` refuses to pass without it outside development.
SECURE_HSTS_SECONDS = env_int("DABIR_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DABIR_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DABIR_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("DABIR_SSL_REDIRECT", False)
# Content-Security-Policy (django-csp): every page loads everything from our own origin, with no
# inline script, handler or style (the Swagger UI at /api/docs, served from django-ninja's own
# files, keeps it too: no view needs a looser one). See docs/operations.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("DABIR_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Uploads: checked by content and size in dabir.letters.attachments.
DABIR_MAX_ATTACHMENT_BYTES = env_int("DABIR_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
# Each file is parsed whole (letters.attachments): pixels an image may have (all frames), and an
# archive's (docx, xlsx, odt, zip) entries, expanded bytes and expansion of any entry.
DABIR_UPLOAD_MAX_PIXELS = env_int("DABIR_UPLOAD_MAX_PIXELS", 80_000_000)
DABIR_UPLOAD_ZIP_MAX_ENTRIES = env_int("DABIR_UPLOAD_ZIP_MAX_ENTRIES", 2000)
DABIR_UPLOAD_ZIP_MAX_BYTES = env_int("DABIR_UPLOAD_ZIP_MAX_BYTES", 200 * 1024 * 1024)
DABIR_UPLOAD_ZIP_MAX_RATIO = env_int("DABIR_UPLOAD_ZIP_MAX_RATIO", 200)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Signing: private keys are stored encrypted with this key (a per-deployment secret; derived from
# SECRET_KEY when unset). An RFC 3161 time-stamping service is used only when DABIR_TSA_URL is set.
DABIR_SIGNING_KEY = env_str("DABIR_SIGNING_KEY", "") or "dabir-signing:" + SECRET_KEY
DABIR_TSA_URL = env_str("DABIR_TSA_URL", "")
DABIR_SIGNING_CERT_DAYS = env_int("DABIR_SIGNING_CERT_DAYS", 730)  # validity of a position's certificate

# Default referral deadline, in working days, per urgency (an agency may override).
DABIR_URGENCY_DEADLINE_DAYS = {"normal": 10, "urgent": 3, "immediate": 1}
# Thursday is a half working day in many agencies; set to True where it is a working day.
DABIR_THURSDAY_IS_WORKDAY = env_bool("DABIR_THURSDAY_IS_WORKDAY", False)

# The audit chain's lanes: concurrent writers each take a free lane (PostgreSQL; SQLite has one writer
# at a time and uses lane 1), and a checkpoint links every lane's head every so many seconds (the worker).
DABIR_AUDIT_LANES = max(1, env_int("DABIR_AUDIT_LANES", 32))
DABIR_AUDIT_CHECKPOINT_SECONDS = env_int("DABIR_AUDIT_CHECKPOINT_SECONDS", 60)
# How often the worker brings the supervision figures up to date (dabir.stats.aggregate.refresh).
DABIR_STATS_REFRESH_SECONDS = env_int("DABIR_STATS_REFRESH_SECONDS", 30)

# Channels (docs/channels.md): the worker polls every receiving mailbox this often (0: never), taking
# at most so many messages a mailbox a round; a message larger than the limit is queued with its
# headers and a note, its parts not read.
DABIR_MAIL_POLL_SECONDS = env_int("DABIR_MAIL_POLL_SECONDS", 60)
DABIR_MAIL_POLL_BATCH = env_int("DABIR_MAIL_POLL_BATCH", 200)
DABIR_MAIL_TIMEOUT = env_int("DABIR_MAIL_TIMEOUT", 30)
DABIR_MAIL_MAX_MESSAGE_BYTES = env_int("DABIR_MAIL_MAX_MESSAGE_BYTES", 60 * 1024 * 1024)
# Outgoing e-mail and fax: tries before a transmission is shown as failed, and the first wait
# between tries (doubling each time); a try left "sending" longer than the stale time is tried again.
DABIR_MAIL_MAX_ATTEMPTS = env_int("DABIR_MAIL_MAX_ATTEMPTS", 6)
DABIR_MAIL_RETRY_BASE_SECONDS = env_int("DABIR_MAIL_RETRY_BASE_SECONDS", 60)
DABIR_MAIL_STALE_SECONDS = env_int("DABIR_MAIL_STALE_SECONDS", 600)
# Persian OCR of scans (Tesseract through OCRmyPDF) in the worker: languages (Persian alone: with
# "fas+eng" Tesseract takes some Persian words for English ones), a page limit per
# file and a time limit per file; 0 pages turns OCR off.
DABIR_OCR_LANGUAGES = env_str("DABIR_OCR_LANGUAGES", "fas")
DABIR_OCR_MAX_PAGES = env_int("DABIR_OCR_MAX_PAGES", 60)
DABIR_OCR_TIMEOUT = env_int("DABIR_OCR_TIMEOUT", 600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DABIR_LOG_LEVEL", "WARNING")},
    # pypdf warns of every scanner's slightly malformed cross-reference table it repairs: not news.
    "loggers": {"pypdf": {"level": "ERROR"}},
}
DABIR_TSA_TIMEOUT = env_int("DABIR_TSA_TIMEOUT", 10)
# The public address printed on letters and in their QR codes (verification page).
DABIR_PUBLIC_URL = env_str("DABIR_PUBLIC_URL", "http://127.0.0.1:8000")
# Public verification: lookups per client per window (seconds), and the largest PDF accepted.
DABIR_VERIFY_RATE = (env_int("DABIR_VERIFY_RATE_LIMIT", 30), env_int("DABIR_VERIFY_RATE_WINDOW", 300))
DABIR_VERIFY_MAX_PDF_BYTES = env_int("DABIR_VERIFY_MAX_PDF_BYTES", 15 * 1024 * 1024)
# How many reverse proxies in front of Dabir append to X-Forwarded-For; rate limits key on the address
# the outermost of them saw (the Nth entry from the right). 0: ignore the header, use REMOTE_ADDR.
DABIR_TRUSTED_PROXIES = max(0, env_int("DABIR_TRUSTED_PROXIES", 0))

# The cache holds rate-limit counters, so it is shared by every process: the database by
# default (`dabir createcachetable`), Redis when DABIR_REDIS_URL is set.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("DABIR_REDIS_URL")}
        if env_str("DABIR_REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "dabir_cache"}
    )
}

# Several machines (docs/deploy.md): django-tasks' RQ backend queues jobs in Redis instead of the
# database; set DABIR_TASKS_BACKEND=django_tasks_rq.RQBackend and DABIR_TASKS_REDIS_URL (default: the
# cache's DABIR_REDIS_URL; a database number of its own keeps a cache flush off the queue). Jobs are
# enqueued once the change has committed (dabir.core.jobs); `dabir worker` runs an RQ worker with
# its scheduler, which starts deferred retries.
if TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        queue: {
            "URL": env_str("DABIR_TASKS_REDIS_URL") or env_str("DABIR_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DEFAULT_TIMEOUT": env_int("DABIR_TASKS_TIMEOUT", 600),
        }
        for queue in TASKS["default"]["QUEUES"]
    }

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env_bool("DABIR_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# SMS (dabir.notify): "dev" keeps messages in the database (staff outbox page /notify/outbox/);
# "kavenegar" sends through Kavenegar's HTTP API.
DABIR_SMS_PROVIDER = env_str("DABIR_SMS_PROVIDER", "dev")
DABIR_KAVENEGAR_BASE_URL = env_str("DABIR_KAVENEGAR_BASE_URL", "https://api.kavenegar.com")
DABIR_KAVENEGAR_API_KEY = env_str("DABIR_KAVENEGAR_API_KEY", "")
DABIR_KAVENEGAR_SENDER = env_str("DABIR_KAVENEGAR_SENDER", "")
DABIR_SMS_TIMEOUT = env_int("DABIR_SMS_TIMEOUT", 10)
DABIR_SMS_MAX_ATTEMPTS = env_int("DABIR_SMS_MAX_ATTEMPTS", 6)
DABIR_SMS_RETRY_BASE_SECONDS = env_int("DABIR_SMS_RETRY_BASE_SECONDS", 30)
# A message a worker left "sending" (it died, or its database write failed, after the provider
# took it) is sent again after this long; Kavenegar's localid keeps the phone from getting it twice.
DABIR_SMS_STALE_SECONDS = env_int("DABIR_SMS_STALE_SECONDS", 600)

# Payments (dabir.payments): "testbank" is the built-in simulated bank for the demo;
# "zarinpal" uses Zarinpal's v4 REST API.
DABIR_PAYMENT_GATEWAY = env_str("DABIR_PAYMENT_GATEWAY", "testbank")
DABIR_ZARINPAL_MERCHANT_ID = env_str("DABIR_ZARINPAL_MERCHANT_ID", "")
DABIR_ZARINPAL_BASE_URL = env_str("DABIR_ZARINPAL_BASE_URL", "https://payment.zarinpal.com")
DABIR_PAYMENT_TIMEOUT = env_int("DABIR_PAYMENT_TIMEOUT", 15)
DABIR_PAYMENT_MERCHANT_NAME = env_str("DABIR_PAYMENT_MERCHANT_NAME", "میز خدمت دبیر")

# The release, in the service desk's offline cache name: a new value makes phones fetch the pages anew.
DABIR_VERSION = env_str("DABIR_VERSION", "1")

# Public tracking lookups (page, API, Open311) per client address per window (seconds).
DABIR_DESK_TRACK_RATE = (env_int("DABIR_DESK_TRACK_LIMIT", 20), env_int("DABIR_DESK_TRACK_WINDOW", 300))

# Exchange between agencies (dabir.exchange, docs/exchange.md). The endpoint other servers post to is
# DABIR_PUBLIC_URL + /exchange/v1/messages unless DABIR_EXCHANGE_ENDPOINT says otherwise. One server is
# the directory authority; the others fetch its signed directory from DABIR_EXCHANGE_DIRECTORY_URL and
# check it against the pinned DABIR_EXCHANGE_DIRECTORY_FINGERPRINT (SHA-256 of its certificate).
DABIR_EXCHANGE_ENDPOINT = env_str("DABIR_EXCHANGE_ENDPOINT", "")
DABIR_EXCHANGE_DIRECTORY_AUTHORITY = env_bool("DABIR_EXCHANGE_DIRECTORY_AUTHORITY", False)
DABIR_EXCHANGE_DIRECTORY_NAME = env_str("DABIR_EXCHANGE_DIRECTORY_NAME", "مرجع فهرست شبکه تبادل")
DABIR_EXCHANGE_DIRECTORY_URL = env_str("DABIR_EXCHANGE_DIRECTORY_URL", "")
DABIR_EXCHANGE_DIRECTORY_FINGERPRINT = env_str("DABIR_EXCHANGE_DIRECTORY_FINGERPRINT", "")
DABIR_EXCHANGE_SYNC_SECONDS = env_int("DABIR_EXCHANGE_SYNC_SECONDS", 3600)
DABIR_EXCHANGE_MAX_BYTES = env_int("DABIR_EXCHANGE_MAX_BYTES", 40 * 1024 * 1024)
DABIR_EXCHANGE_TIMEOUT = env_int("DABIR_EXCHANGE_TIMEOUT", 30)
DABIR_EXCHANGE_RETRY_BASE_SECONDS = env_int("DABIR_EXCHANGE_RETRY_BASE_SECONDS", 10)
DABIR_EXCHANGE_RETRY_MAX_SECONDS = env_int("DABIR_EXCHANGE_RETRY_MAX_SECONDS", 1800)
DABIR_EXCHANGE_EXPIRY_SECONDS = env_int("DABIR_EXCHANGE_EXPIRY_SECONDS", 3 * 24 * 3600)
DABIR_EXCHANGE_LEASE_SECONDS = env_int("DABIR_EXCHANGE_LEASE_SECONDS", 120)
DABIR_EXCHANGE_CERT_DAYS = env_int("DABIR_EXCHANGE_CERT_DAYS", 730)

# ---- NOTIFY part (issue 13) ----
# E-mail copies of notices (dabir.notify.mail). With EMAIL_HOST set they go to that SMTP server
# (EMAIL_USE_TLS: STARTTLS; EMAIL_USE_SSL: TLS from the first byte; DABIR_EMAIL_CA_FILE: an agency's
# private CA beside the system's). Without it each message is written as a file under
# DABIR_VAR_DIR/mail, so a fresh machine and the demo never print mail to the terminal.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "dabir@localhost")
DABIR_EMAIL_CA_FILE = env_str("DABIR_EMAIL_CA_FILE", "")
EMAIL_BACKEND = env_str(
    "DABIR_EMAIL_BACKEND",
    "dabir.notify.mail.SmtpBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DABIR_NOTIFY_MAIL_MAX_ATTEMPTS = env_int("DABIR_NOTIFY_MAIL_MAX_ATTEMPTS", 6)
# How often the worker looks for daily digests that are due (each user's hour, Asia/Tehran).
DABIR_NOTIFY_DIGEST_SECONDS = env_int("DABIR_NOTIFY_DIGEST_SECONDS", 300)
# NOTIFY-END

# ---- EVENTS part (issue 13) ----
# The worker's scan for referral deadlines (letters.notices.scan_deadlines): every this many seconds
# (0: off; `dabir letters deadlines` runs it by hand). A deadline passed is told when it passed within
# the last DABIR_DEADLINE_PASSED_DAYS days (a worker down for a few days still catches up; years of
# history imported at once do not flood the bells).
DABIR_DEADLINE_SCAN_SECONDS = env_int("DABIR_DEADLINE_SCAN_SECONDS", 600)
DABIR_DEADLINE_PASSED_DAYS = env_int("DABIR_DEADLINE_PASSED_DAYS", 7)
# EVENTS-END

# ---- DATES part (issue 13) ----
# DATES-END

# ---- WRITING part (issue 13) ----
# WRITING-END

# ---- DASHBOARD part (issue 13) ----
# How many rows each list of the dashboard shows under its figure.
DABIR_DASHBOARD_ROWS = env_int("DABIR_DASHBOARD_ROWS", 5)
# DASHBOARD-END

# ---- SUGGEST part (issue 13) ----
# Suggested first recipients of an incoming letter (letters/suggestions.py): learned from the first referral of
# the last DABIR_SUGGEST_HISTORY incoming letters of the secretariat; a letter's weight halves every
# DABIR_SUGGEST_HALF_LIFE_DAYS days of age; at most DABIR_SUGGEST_LIMIT positions are offered.
DABIR_SUGGEST_HISTORY = env_int("DABIR_SUGGEST_HISTORY", 3000)
DABIR_SUGGEST_HALF_LIFE_DAYS = env_int("DABIR_SUGGEST_HALF_LIFE_DAYS", 365)
DABIR_SUGGEST_LIMIT = env_int("DABIR_SUGGEST_LIMIT", 5)
# SUGGEST-END

# ---- VIEWER part (issue 13) ----
# PDF.js is loaded as ES modules (.mjs), which browsers run only when served as JavaScript; Python
# 3.11's own table says application/javascript and depends on /etc/mime.types for text/javascript,
# so the static file servers (runserver, the live test server) get it from here.
import mimetypes  # noqa: E402

mimetypes.add_type("text/javascript", ".mjs")
# VIEWER-END

# ---- BULK part (issue 13) ----
# BULK-END
