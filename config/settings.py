"""Parley settings, read from environment variables (documented in docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_choice, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PARLEY_DATA_DIR", str(BASE_DIR / "var"))).resolve()
TESTING = "pytest" in sys.modules


def _secret_key() -> str:
    """PARLEY_SECRET_KEY, else a key generated once and kept in the data folder."""
    configured = env_secret("PARLEY_SECRET_KEY")
    if configured:
        return configured
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("PARLEY_DEBUG", default=False)
ALLOWED_HOSTS = env_list("PARLEY_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("PARLEY_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("PARLEY_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
BIND = env_str("PARLEY_BIND", "127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "parley.accounts",
    "parley.contacts",
    "parley.conversations",
    "parley.mail",
    "parley.calls",
    "parley.search",
    "parley.compose",
    "parley.triage",
    "parley.api",
    "parley.web",
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
    "parley.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: SQLite (WAL) in the data folder by default; DATABASE_URL selects another one.
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "parley.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
                ),
            },
        }
    }
if TESTING and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared in-memory database: the browser tests' live server answers
    # several requests at once (htmx polling), and threads sharing one in-memory connection
    # fail with "bad parameter or other API misuse". One file per test process.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"parley-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
LOGIN_THROTTLE_ATTEMPTS = env_int("PARLEY_LOGIN_THROTTLE_ATTEMPTS", 5, minimum=1)
LOGIN_THROTTLE_WINDOW_SECONDS = env_int("PARLEY_LOGIN_THROTTLE_WINDOW", 900, minimum=1)

# Sessions and cookies.
SECURE = env_bool("PARLEY_SECURE", default=False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_AGE = env_int("PARLEY_SESSION_DAYS", 14, minimum=1) * 86400
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: no inline script anywhere; scripts come from our static files.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Internationalization.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "parley" / "locale"]
TIME_ZONE = env_str("PARLEY_TIME_ZONE", "Europe/Warsaw")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# whitenoise warns on every request when the folder is missing (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "files"

# E-mail the application itself sends (password resets): printed to the console unless an
# SMTP server is configured. Mailbox mail goes through each mailbox's own SMTP settings.
_email_host = env_str("PARLEY_EMAIL_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("PARLEY_EMAIL_PORT", 25),
                "username": env_str("PARLEY_EMAIL_USER", ""),
                "password": env_secret("PARLEY_EMAIL_PASSWORD") or "",
                "use_tls": env_bool("PARLEY_EMAIL_STARTTLS", default=False),
            },
        }
        if _email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env_str("PARLEY_FROM_EMAIL", "parley@localhost")

# Contacts: phone numbers typed without a country code are read as numbers of this region
# (ISO 3166 code, e.g. PL, DE, GB) before being stored in E.164.
PHONE_REGION = env_str("PARLEY_PHONE_REGION", "PL").strip().upper()

# Mail threading: the conversation tag in subjects ("[#1234]") and the subject fallback window.
PARLEY_TICKET_PREFIX = env_str("PARLEY_TICKET_PREFIX", "#").strip() or "#"
PARLEY_THREAD_SUBJECT_DAYS = env_int("PARLEY_THREAD_SUBJECT_DAYS", 7, minimum=0)
# Mail ingest: processes that parse fetched/imported messages (0 or 1: in-process).
PARLEY_PARSE_WORKERS = env_int("PARLEY_PARSE_WORKERS", os.cpu_count() or 1, minimum=0)

# Composing and sending (parley.compose): the undo window after "Send", the largest
# attachment, and the outbox worker's limits. See docs/configuration.md.
PARLEY_UNDO_SECONDS = env_int("PARLEY_UNDO_SECONDS", 30, minimum=0)
PARLEY_MAX_ATTACHMENT_MB = env_int("PARLEY_MAX_ATTACHMENT_MB", 25, minimum=1)
PARLEY_SMTP_TIMEOUT = env_int("PARLEY_SMTP_TIMEOUT", 60, minimum=1)
PARLEY_OUTBOX_MAX_ATTEMPTS = env_int("PARLEY_OUTBOX_MAX_ATTEMPTS", 8, minimum=1)
# A message left "sending" longer than this (a worker died mid-attempt) goes to "check".
PARLEY_OUTBOX_STALE_SECONDS = env_int("PARLEY_OUTBOX_STALE_SECONDS", 600, minimum=60)

# Background tasks: database queue by default, Redis for multi-machine, immediate in tests.
_tasks_backend = env_choice(
    "PARLEY_TASKS", "immediate" if TESTING else "database", ("database", "redis", "immediate")
)
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "redis": "django_tasks_rq.RQBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
        }[_tasks_backend],
        "QUEUES": [],
    }
}
if _tasks_backend == "redis":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}

# Per-process cache only: state shared between processes (throttling, leases) lives in the
# database, so no cache server is needed.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PARLEY_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
