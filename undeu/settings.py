"""The one settings module of Undeu. Everything an operator changes comes from the environment.

See docs/configuration.md for each variable. Production (DEBUG off, the default) refuses to start
without a real SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from undeu.env import (
    derived_fernet_key,
    env_bool,
    env_fernet_keys,
    env_float,
    env_int,
    env_ip_ports,
    env_list,
    env_mapping,
    env_rates,
    env_secret,
    env_str,
    env_thresholds,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("UNDEU_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not DEBUG and (len(SECRET_KEY) < 40 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY (or SECRET_KEY_FILE) must be set to a random string of at least 40 characters "
        "when DEBUG is off. `make run` generates one in var/secret_key."
    )
if DEBUG and not SECRET_KEY:
    SECRET_KEY = "django-insecure-development-only-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list this site's host names when DEBUG is off.")

# Absolute base URL for links in emails. Empty: the origin the visitor used (already checked
# against ALLOWED_HOSTS), so an instance reachable through several origins keeps working.
SITE_URL = env_str("UNDEU_SITE_URL").rstrip("/")
SITE_NAME = env_str("UNDEU_SITE_NAME", "Undeu")

INSTALLED_APPS = [
    "undeu.core.admin_site.UndeuAdminConfig",  # django.contrib.admin, its search bounded
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "undeu.core",
    "undeu.petitions",
    "undeu.signatures",
    "undeu.mail",
    "undeu.audit",
    "undeu.accounts",
    "undeu.moderation",
    "undeu.starting",
    "undeu.updates",
    "undeu.delivery",
    "undeu.defence",
    "undeu.datarights",
    "undeu.privacy",
    "undeu.sharing",
    "undeu.stats",
    "undeu.api",
    # After undeu.accounts, whose templates override allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    # Every answer's security headers come from these four, so they stand before the signing
    # lane, which answers a valid signature without the rest (signatures/lane.py).
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "undeu.core.csp.SiteCSPMiddleware",
    "undeu.signatures.lane.SigningLaneMiddleware",
    # Early (the lane before it never answers under these addresses), so every answer under
    # /api/ and /open-data/ (errors included) says any site may read it, and a CORS preflight
    # is answered before the rest of the stack.
    "undeu.api.cors.PublicReadCorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware, so its 400 page is in the visitor's language.
    "undeu.core.middleware.RejectMalformedRequestMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: it explains its redirect with a message.
    "undeu.accounts.middleware.StaffTwoFactorMiddleware",
    "undeu.petitions.views.RemovedPetitionMiddleware",
]

ROOT_URLCONF = "undeu.urls"
WSGI_APPLICATION = "undeu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "undeu.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'undeu.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so two
    # writers queue on busy_timeout instead of failing with "database is locked" on upgrade.
    # Checkpoints (copying the WAL into the database file, with an fsync) are the worker's, every
    # UNDEU_SQLITE_CHECKPOINT_SECONDS (core/sqlite/checkpoint.py): left to SQLite, the writer
    # whose commit crosses 1,000 pages of WAL does one, holding every other signer's turn while
    # it waits for the disk. A connection still does one itself past this many pages (about
    # 40 MB), so the WAL stays bounded if the worker is stopped or far behind.
    _autocheckpoint = env_int("UNDEU_SQLITE_AUTOCHECKPOINT", 10000, minimum=0)
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            f" PRAGMA busy_timeout=20000; PRAGMA wal_autocheckpoint={_autocheckpoint};"
        ),
    }
    _db["CONN_HEALTH_CHECKS"] = False
    # The same, with each process's writers taking turns before SQLite's lock (see its module).
    _db["ENGINE"] = "undeu.core.sqlite"
    _db["TEST"] = {"NAME": env_str("UNDEU_TEST_SQLITE", "") or None}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["TEST"] = {"NAME": env_str("UNDEU_TEST_DATABASE", "test_undeu")}
    # Only the hot statements that go through core/prepared.py are prepared (Django's own
    # cursors bind on the client and never are); 0 turns it off, for a pooler in transaction
    # mode that cannot keep prepared statements.
    _prepare_after = env_int("UNDEU_PG_PREPARE_AFTER", 2, minimum=0)
    # Beside what the URL's query gives (sslmode and the like).
    _db["OPTIONS"] = {**_db.get("OPTIONS", {}), "prepare_threshold": _prepare_after or None}
    # The same, with a health check that needs no round trip while the connection is quiet.
    _db["ENGINE"] = "undeu.core.postgresql"
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("UNDEU_CACHE_PREFIX", "undeu"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------------------------
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = env_str("UNDEU_TASKS", "database")
if _task_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"UNDEU_TASKS must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}
UNDEU_TASKS = _task_backend

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Undeu <no-reply@undeu.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# "smtp": EMAIL_HOST and friends; "local": messages are written to var/mail and can be read on
# /dev/mail/ (make run's demo mode; never enable it on a public instance).
UNDEU_MAIL = env_str("UNDEU_MAIL", "smtp")
if UNDEU_MAIL not in {"smtp", "local"}:
    raise ImproperlyConfigured("UNDEU_MAIL must be 'smtp' or 'local'")
EMAIL_FILE_PATH = VAR_DIR / "mail"
if UNDEU_MAIL == "local":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
# Outbox: how often a failed message is retried, with exponential backoff, before giving up.
UNDEU_MAIL_MAX_ATTEMPTS = env_int("UNDEU_MAIL_MAX_ATTEMPTS", 12, minimum=1)
UNDEU_MAIL_RETRY_SECONDS = env_int("UNDEU_MAIL_RETRY_SECONDS", 30, minimum=1)
# A sender that crashed mid-message loses its claim after this; the sweep then sends it again.
UNDEU_MAIL_LEASE_SECONDS = env_int("UNDEU_MAIL_LEASE_SECONDS", 300, minimum=1)
# The worker's sender looks for due messages this often when the outbox is empty, and sends at
# most UNDEU_MAIL_BATCH per claim over one connection, marking them sent every few messages.
UNDEU_MAIL_POLL_SECONDS = env_float("UNDEU_MAIL_POLL_SECONDS", 0.5, minimum=0.01)
UNDEU_MAIL_BATCH = env_int("UNDEU_MAIL_BATCH", 100, minimum=1)
UNDEU_MAIL_MARK_EVERY = env_int("UNDEU_MAIL_MARK_EVERY", 10, minimum=1)
# How much lower than the web server's the worker's CPU priority is (see the worker command).
UNDEU_WORKER_NICE = env_int("UNDEU_WORKER_NICE", 19, minimum=0)
# Refuse signatures from throwaway email domains (signatures/disposable.py).
UNDEU_REFUSE_DISPOSABLE_EMAIL = env_bool("UNDEU_REFUSE_DISPOSABLE_EMAIL", True)
# Refuse signatures from email domains DNS says cannot receive mail (signatures/deliverability.py):
# off by default, since it makes signing wait on a resolver. Empty servers: the system's own.
UNDEU_CHECK_EMAIL_DNS = env_bool("UNDEU_CHECK_EMAIL_DNS", False)
UNDEU_DNS_SERVERS = env_ip_ports("UNDEU_DNS_SERVERS", default_port=53)
UNDEU_DNS_TIMEOUT_SECONDS = env_float("UNDEU_DNS_TIMEOUT_SECONDS", 2.0, minimum=0.01)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LANGUAGE_CODE = env_str("UNDEU_DEFAULT_LANGUAGE", "kk")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured("UNDEU_DEFAULT_LANGUAGE must be kk, ru or en")
# Ours first; then Kazakh for the libraries that ship none (django-allauth) or an incomplete one
# (Django's own validation and password messages). `make messages` only touches the first.
LOCALE_PATHS = [BASE_DIR / "undeu" / "locale", BASE_DIR / "undeu" / "locale_vendor"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Almaty")
LANGUAGE_COOKIE_NAME = "undeu_language"
LANGUAGE_COOKIE_SECURE = False  # set below with the other HTTPS settings
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# The country a signing form starts with, by interface language (a signer can change it).
UNDEU_DEFAULT_COUNTRY = {
    "kk": env_str("UNDEU_DEFAULT_COUNTRY_KK", "KZ"),
    "ru": env_str("UNDEU_DEFAULT_COUNTRY_RU", "KZ"),
    "en": env_str("UNDEU_DEFAULT_COUNTRY_EN", "KZ"),
}

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env_bool("UNDEU_PLAIN_STATIC", DEBUG)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Security -------------------------------------------------------------------------------
HTTPS = env_bool("UNDEU_HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("UNDEU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("UNDEU_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("UNDEU_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("UNDEU_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain and its subdomains to HTTPS in browsers for months
        # and cannot be undone quickly: the operator opts in knowingly, so no warning when off.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
# Behind a TLS-terminating proxy the operator opts in to trusting its X-Forwarded-Proto.
if env_bool("UNDEU_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Limits on what a request may carry; larger requests are answered 400 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UNDEU_MAX_REQUEST_BYTES", 256 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Third-party video is framed only from these hosts, and only after the visitor allows it.
UNDEU_VIDEO_FRAME_HOSTS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": UNDEU_VIDEO_FRAME_HOSTS,
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Permissions-Policy (django-permissions-policy) -----------------------------------------
# Browser features no page uses, switched off for every page and every frame in it (an embedded
# video player, or a script that found its way in, cannot ask for the camera, the visitor's
# position or a payment): () allows nobody. browsing-topics and shared-storage keep Chrome from
# using visits here to profile visitors. Only features browsers still know: the library refuses
# others at start-up (Chrome dropped FLoC's interest-cohort and the ad auctions' features). What
# the pages use keeps the browser's default: fullscreen and picture-in-picture for video
# frames, clipboard-write for the copy button.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "bluetooth", "browsing-topics", "camera", "display-capture",
        "geolocation", "gyroscope", "hid", "idle-detection", "local-fonts", "magnetometer",
        "microphone", "midi", "payment", "screen-wake-lock", "serial", "shared-storage",
        "shared-storage-select-url", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Accounts (django-allauth): starters, moderators and staff sign in by email -------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify, and are rehashed with Argon2 at the next sign-in.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
ACCOUNT_ADAPTER = "undeu.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# ACCOUNT_RATE_LIMITS: allauth's defaults, kept in the cache (Redis when several processes run):
# 5 failed sign-ins per email in 5 minutes and 10 per IP a minute, 20 sign-ups per IP a minute.
# Behind a proxy every visitor would have the proxy's address, and so share one per-IP limit:
# allauth counts proxies as the abuse defences do (UNDEU_TRUSTED_PROXIES, below).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

# Key for the keyed hash of signers' emails (the dedupe key). Keep it stable: changing it makes
# old signatures undetectable as duplicates. Defaults to a key derived from SECRET_KEY.
UNDEU_EMAIL_HASH_KEY = env_secret("UNDEU_EMAIL_HASH_KEY") or "email-digest:" + SECRET_KEY

# Keys that encrypt signers' names and emails (and the outbox's addresses and contexts) at rest
# (core/encrypted.py): the first encrypts, every one decrypts; `manage.py rotate_signer_keys`
# re-encrypts with the first. Unrelated to UNDEU_EMAIL_HASH_KEY, which rotating these never
# changes. Without them, one derived from SECRET_KEY (check --deploy warns: undeu.encryption.W001).
UNDEU_SIGNER_DERIVED_KEY = derived_fernet_key(SECRET_KEY, "undeu signer data encryption")
UNDEU_SIGNER_KEYS = env_fernet_keys("UNDEU_SIGNER_KEYS") or (UNDEU_SIGNER_DERIVED_KEY,)

# --- Product settings -----------------------------------------------------------------------
# How long a visitor's browser and shared caches may keep an anonymous petition page (and then
# as long again while they fetch a new one: stale-while-revalidate).
UNDEU_PAGE_MAX_AGE = env_int("UNDEU_PAGE_MAX_AGE", 1, minimum=0)
# How long each process keeps the count it read; the count on a page is at most this plus
# UNDEU_PAGE_CACHE_SECONDS old.
UNDEU_COUNT_MAX_AGE = env_int("UNDEU_COUNT_MAX_AGE", 1, minimum=0)
# The cache in front of Django for pages every anonymous visitor sees the same (core/page_cache):
# seconds an entry is kept (0 turns it off), how many entries, and the largest page it keeps.
UNDEU_PAGE_CACHE_SECONDS = env_int("UNDEU_PAGE_CACHE_SECONDS", 1, minimum=0)
UNDEU_PAGE_CACHE_ENTRIES = env_int("UNDEU_PAGE_CACHE_ENTRIES", 2000, minimum=1)
UNDEU_PAGE_CACHE_MAX_BODY = env_int("UNDEU_PAGE_CACHE_MAX_BODY", 512 * 1024, minimum=1)
# A petition's share picture and poster show its count: each is made again at most this often
# (per petition and language, in the shared cache), and browsers and caches keep it this long.
UNDEU_SHARE_IMAGE_SECONDS = env_int("UNDEU_SHARE_IMAGE_SECONDS", 300, minimum=0)
# Confirmations still accepted this many hours after a petition closes.
UNDEU_CONFIRM_GRACE_HOURS = env_int("UNDEU_CONFIRM_GRACE_HOURS", 24, minimum=0)
# How often the worker recounts confirmed signatures to repair any drift in the shown count.
UNDEU_RECOUNT_SECONDS = env_int("UNDEU_RECOUNT_SECONDS", 600, minimum=1)
# Statistics (undeu/stats): how often the worker adds new signature events to the tallies by
# country, region and hour; how often it rebuilds the tallies of petitions that changed, to repair
# any drift; how long the instance's statistics are kept once read.
UNDEU_TALLY_SECONDS = env_int("UNDEU_TALLY_SECONDS", 5, minimum=1)
UNDEU_TALLY_REBUILD_SECONDS = env_int("UNDEU_TALLY_REBUILD_SECONDS", 3600, minimum=1)
UNDEU_STATS_CACHE_SECONDS = env_int("UNDEU_STATS_CACHE_SECONDS", 60, minimum=0)
# SQLite only: how often the worker checkpoints the WAL (see DATABASES above).
UNDEU_SQLITE_CHECKPOINT_SECONDS = env_float("UNDEU_SQLITE_CHECKPOINT_SECONDS", 1.0, minimum=0.1)
# How many latest signers (who agreed to be shown) a petition page lists.
UNDEU_RECENT_SIGNERS = env_int("UNDEU_RECENT_SIGNERS", 10, minimum=0)
# Signature counts that change what a petition's page says ("10000:response,100000:debate").
UNDEU_THRESHOLDS = env_thresholds("UNDEU_THRESHOLDS", "50000:response")
# Emails to opted-in signers (updates, outcomes) are queued this many at a time.
UNDEU_MAILING_BATCH = env_int("UNDEU_MAILING_BATCH", 500, minimum=1)
# Data rights without an account (undeu/datarights): how long an emailed link to a signer's
# signatures works, and how many links one client address and one mailbox may ask for.
UNDEU_DATARIGHTS_LINK_HOURS = env_int("UNDEU_DATARIGHTS_LINK_HOURS", 24, minimum=1)
UNDEU_DATARIGHTS_LIMIT_PER_IP = env_rates("UNDEU_DATARIGHTS_LIMIT_PER_IP", "10/hour,30/day")
UNDEU_DATARIGHTS_LIMIT_PER_EMAIL = env_rates("UNDEU_DATARIGHTS_LIMIT_PER_EMAIL", "3/hour,10/day")
# The deadline a new petition starts with, in days (a starter may change or remove it).
UNDEU_DEFAULT_DEADLINE_DAYS = env_int("UNDEU_DEFAULT_DEADLINE_DAYS", 180, minimum=1)
# Moderation: how long a moderator's edit lock lasts, when a waiting petition counts as overdue,
# and when the home page says how long reviews take (oldest wait in days, or queue length).
UNDEU_MODERATION_LOCK_MINUTES = env_int("UNDEU_MODERATION_LOCK_MINUTES", 15, minimum=1)
UNDEU_REVIEW_OVERDUE_DAYS = env_int("UNDEU_REVIEW_OVERDUE_DAYS", 10, minimum=1)
UNDEU_BACKLOG_NOTICE_DAYS = env_int("UNDEU_BACKLOG_NOTICE_DAYS", 3, minimum=0)
UNDEU_BACKLOG_NOTICE_QUEUE = env_int("UNDEU_BACKLOG_NOTICE_QUEUE", 50, minimum=0)

# The licence the open data files (and the API's data) are published under, named on the open
# data page and in petitions.json; the address of its text (empty: the name alone).
UNDEU_OPEN_DATA_LICENCE = env_str("UNDEU_OPEN_DATA_LICENCE", "CC BY 4.0")
UNDEU_OPEN_DATA_LICENCE_URL = env_str(
    "UNDEU_OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)

# --- Abuse defences (undeu/defence) ---------------------------------------------------------
# How many proxies in front of the site append to X-Forwarded-For; the client's address is the
# one the last of them saw. 0 (the default): X-Forwarded-For is never trusted, since anyone can
# send one.
UNDEU_TRUSTED_PROXIES = env_int(
    "UNDEU_TRUSTED_PROXIES", 1 if env_bool("UNDEU_BEHIND_PROXY", False) else 0, minimum=0
)
ALLAUTH_TRUSTED_PROXY_COUNT = UNDEU_TRUSTED_PROXIES
# Signatures per petition beyond these rates are kept but flagged and not counted until a
# moderator accepts them ("count/unit" pairs, burst first; empty for none).
UNDEU_LIMIT_PER_IP = env_rates("UNDEU_LIMIT_PER_IP", "10/minute,100/day")
UNDEU_LIMIT_PER_NETWORK = env_rates("UNDEU_LIMIT_PER_NETWORK", "30/minute,500/day")
UNDEU_LIMIT_PER_DOMAIN = env_rates("UNDEU_LIMIT_PER_DOMAIN", "30/minute,1000/day")
UNDEU_LIMIT_PER_PETITION = env_rates("UNDEU_LIMIT_PER_PETITION", "6000/minute")
# The large providers that half a country signs from: no per-domain limit and no domain alert.
UNDEU_COMMON_EMAIL_DOMAINS = frozenset(
    env_list(
        "UNDEU_COMMON_EMAIL_DOMAINS",
        [
            "gmail.com", "mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru", "yandex.ru",
            "rambler.ru", "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com",
            "yahoo.com", "proton.me", "protonmail.com",
        ],
    )
)  # fmt: skip
# Under attack (a switch per petition or for the whole site) every limit is multiplied by this.
UNDEU_UNDER_ATTACK_LIMIT_FACTOR = env_float("UNDEU_UNDER_ATTACK_LIMIT_FACTOR", 0.2, minimum=0.0)
# The site-wide switch as the operator starts the site (off, tight or paused); moderators can
# change it while the site runs. Each process reads the switches at most this often, and which
# petitions are open for signing (petitions/open_lookup.py).
UNDEU_UNDER_ATTACK = env_str("UNDEU_UNDER_ATTACK", "off")
if UNDEU_UNDER_ATTACK not in {"off", "tight", "paused"}:
    raise ImproperlyConfigured("UNDEU_UNDER_ATTACK must be off, tight or paused")
UNDEU_DEFENCE_REFRESH_SECONDS = env_float("UNDEU_DEFENCE_REFRESH_SECONDS", 2, minimum=0)
# Email normalisation before dedupe: domains that are one mailbox, and where dots or a +tag in
# the part before the @ make no difference.
UNDEU_EMAIL_SAME_DOMAINS = env_mapping(
    "UNDEU_EMAIL_SAME_DOMAINS",
    "googlemail.com=gmail.com,yandex.kz=yandex.ru,yandex.com=yandex.ru,yandex.by=yandex.ru,"
    "yandex.ua=yandex.ru,ya.ru=yandex.ru",
)
UNDEU_EMAIL_IGNORE_DOTS = frozenset(env_list("UNDEU_EMAIL_IGNORE_DOTS", ["gmail.com"]))
UNDEU_EMAIL_IGNORE_TAGS = frozenset(
    env_list(
        "UNDEU_EMAIL_IGNORE_TAGS",
        ["gmail.com", "yandex.ru", "outlook.com", "hotmail.com", "live.com", "proton.me",
         "protonmail.com", "fastmail.com"],
    )
)  # fmt: skip
# A household sharing one address: how many different names may sign a petition with it.
UNDEU_NAMES_PER_EMAIL = env_int("UNDEU_NAMES_PER_EMAIL", 1, minimum=1)
# The trending job: how often it looks, over how many hours, and the least a key must have
# signed before it can be unusual (see undeu/defence/trending.py for the tests it applies).
UNDEU_TRENDING_SECONDS = env_int("UNDEU_TRENDING_SECONDS", 600, minimum=1)
UNDEU_TRENDING_HOURS = env_int("UNDEU_TRENDING_HOURS", 24, minimum=1)
UNDEU_TRENDING_MIN_SIGNATURES = env_int("UNDEU_TRENDING_MIN_SIGNATURES", 20, minimum=1)
# Bulk invalidations change this many signatures per transaction.
UNDEU_BULK_BATCH = env_int("UNDEU_BULK_BATCH", 500, minimum=1)
# Extra addresses (a team mailbox) that get the moderators' alert emails.
UNDEU_ALERT_EMAILS = env_list("UNDEU_ALERT_EMAILS")

# --- Signer privacy (undeu/privacy) --------------------------------------------------------
# Days a signature's IP address and network are kept for the abuse defences before a periodic
# job erases them (user agents are never stored).
UNDEU_IP_RETENTION_DAYS = env_int("UNDEU_IP_RETENTION_DAYS", 30, minimum=1)
# Sent (and given-up) emails, with their recipient's address, are deleted after this many days.
UNDEU_SENT_EMAIL_DAYS = env_int("UNDEU_SENT_EMAIL_DAYS", 30, minimum=1)
# Days after a petition closes (or is delivered, if later) before its signatures are anonymised
# (names and emails erased, counts by country and region kept); the starter and moderators are
# told this many days before.
UNDEU_SIGNATURE_RETENTION_DAYS = env_int("UNDEU_SIGNATURE_RETENTION_DAYS", 180, minimum=1)
UNDEU_RETENTION_NOTICE_DAYS = env_int("UNDEU_RETENTION_NOTICE_DAYS", 14, minimum=1)
# The age below which signers are asked to have a parent's consent, and whether the signing form
# requires a checkbox saying so.
UNDEU_SIGNER_MIN_AGE = env_int("UNDEU_SIGNER_MIN_AGE", 16, minimum=1)
UNDEU_REQUIRE_AGE_CHECKBOX = env_bool("UNDEU_REQUIRE_AGE_CHECKBOX", False)
# Who runs this instance and how to reach them about personal data (the privacy page says so):
# an email address or a web address.
UNDEU_OPERATOR_NAME = env_str("UNDEU_OPERATOR_NAME", SITE_NAME)
UNDEU_PRIVACY_CONTACT = env_str("UNDEU_PRIVACY_CONTACT").strip()

# --- Logging: to stderr, never with personal data (see undeu/privacy/redaction.py) ----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # On the handler, so it sees every logger's records (SQL with its values included).
    "filters": {"redact": {"()": "undeu.privacy.redaction.RedactPersonalData"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["stderr"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (a console one when DEBUG is on, runserver's request lines)
        # would bypass the redacting filter: everything goes through the one handler above.
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # Django logs every 4xx with the full path, which carries confirmation tokens.
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "ERROR"},
        # WeasyPrint logs every step of every delivery PDF at INFO.
        "weasyprint": {"level": "WARNING"},
    },
}
