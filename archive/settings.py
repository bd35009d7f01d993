"""Settings, all driven by environment variables with safe development defaults.

With PRODUCTION=true (as docker-compose.yml sets it) the app refuses to start without a real
SECRET_KEY (50 characters or more, not a known one); local runs and the tests use a random key
made once for this copy of the project, in .secret_key (ignored by git).
"""

import datetime as dt
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG", False)
PRODUCTION = env_flag("PRODUCTION", False)

# Keys that are public: the development key this project once shipped with, and placeholders.
KNOWN_SECRET_KEYS = {
    "dev-only-insecure-key-do-not-use-in-production",
    "x",
    "secret",
    "secret-key",
    "secret_key",
    "changeme",
    "change-me",
    "your-secret-key",
    "django-insecure",
}
SECRET_KEY_MIN_LENGTH = 50


def secret_key(environ: Mapping[str, str], production: bool, key_file: Path) -> str:
    """SECRET_KEY from the environment; in production, refused if missing, short or known (a
    public key lets anyone forge sessions and messages). In development, without one, a random
    key made once into `key_file` and read from it after."""
    key = environ.get("SECRET_KEY", "")
    make_one = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    if production:
        if not key:
            raise ImproperlyConfigured("SECRET_KEY must be set when PRODUCTION is on.")
        if key.strip().lower() in KNOWN_SECRET_KEYS or key.startswith("django-insecure"):
            raise ImproperlyConfigured(
                f"SECRET_KEY is a publicly known key: make one with {make_one}"
            )
        if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
            raise ImproperlyConfigured(
                f"SECRET_KEY must be {SECRET_KEY_MIN_LENGTH} characters or more, and varied: "
                f"make one with {make_one}"
            )
        return key
    if key:
        return key
    try:
        # Exclusive creation: of gunicorn's workers starting together, one writes, all read.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as error:
        raise ImproperlyConfigured(
            f"Set SECRET_KEY, or let the archive write its development key to {key_file} "
            f"({error.strerror})."
        ) from None
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(SECRET_KEY_MIN_LENGTH))
    for _ in range(50):  # another process may be writing it this instant
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise ImproperlyConfigured(f"{key_file} is empty: delete it, and a new key is made.")


SECRET_KEY = secret_key(os.environ, PRODUCTION, BASE_DIR / ".secret_key")

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "statements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the policy too: every response does.
    "csp.middleware.CSPMiddleware",
    # Before anything reads a request's body (the CSRF check does).
    "archive.errors.RequestSizeLimit",
    "archive.errors.DatabaseUnavailable",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The read API, its feeds and trends: open to any origin, and answered 304 when unchanged.
    "archive.http.PublicReads",
    "archive.http.ConditionalReads",
    # Replicas for anonymous reads, the primary for writes and staff; then kept pages of searches.
    "archive.routers.PinAfterWrites",
    "archive.cache.AnonymousSearchPages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns away logins after too many failures.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords from one address lock it out for fifteen minutes, whether for one
# username or for several (rotating usernames was never limited, and each failure costs a
# password hash). django-axes counts the failures of each set of parameters and locks at the
# first set to reach the limit; with one limit for both, the address's count always reaches it
# first, and the username's set is kept for the attempts' records and the lockout's log.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# No inline script, style or event handler anywhere (the admin's included): a script or a style
# attribute that got into a page would not run. Scripts and styles come from static/ alone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres:///diplomatic_archive"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Every statement a web request runs is cut off after STATEMENT_TIMEOUT seconds (PostgreSQL's
# statement_timeout, set on each connection; 0 for none), so no page holds a worker however
# large the archive or slow the database; a connection not made in DATABASE_CONNECT_TIMEOUT
# seconds fails (a 503, archive.errors). manage.py's commands (migrate, ingest, synth...) run
# without the statement timeout: manage.py sets STATEMENT_TIMEOUT=0 for all but runserver.
STATEMENT_TIMEOUT = float(os.environ.get("STATEMENT_TIMEOUT", "10"))
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
_database_options = DATABASES["default"].setdefault("OPTIONS", {})
_database_options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
_database_options["options"] = (
    f"{_database_options.get('options', '')} -c statement_timeout={round(STATEMENT_TIMEOUT * 1000)}"
).strip()

# Growing past one machine (README, "Scaling"). Behind pgbouncer in transaction mode
# (DATABASE_POOLER=pgbouncer), consecutive transactions may run on different server connections:
# no server-side cursors (Django's WITH HOLD cursors outlive a transaction), no prepared
# statements (pgbouncer 1.18 does not track them), and no startup options (pgbouncer refuses
# them: the statement timeout is then the role's, `ALTER ROLE ... SET statement_timeout`).
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip()
if DATABASE_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    _database_options["prepare_threshold"] = None
    del _database_options["options"]
# Read replicas, each a URL as DATABASE_URL is: public pages read from them, writes and staff go
# to the primary (archive.routers).
DATABASE_REPLICA_URLS = [
    url.strip() for url in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if url.strip()
]
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    _replica["OPTIONS"] = {**_replica.get("OPTIONS", {}), **_database_options}
    _replica["DISABLE_SERVER_SIDE_CURSORS"] = bool(DATABASE_POOLER)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
DATABASE_ROUTERS = ["archive.routers.PrimaryAndReplicas"]
# A reader who has just written (any POST) reads from the primary for this long after, by a
# cookie: long enough for the replicas to have caught up.
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))
# A replica that could not be reached is not tried again for this long: its reads go to the
# primary meanwhile.
REPLICA_RETRY_SECONDS = int(os.environ.get("REPLICA_RETRY_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# The shared corpus of real transcripts beside the project (../shared/corpus), when there is one:
# synth learns its text from it, and the benchmark and some tests load it. CORPUS_DIR moves it.
SHARED_CORPUS = Path(os.environ.get("CORPUS_DIR", BASE_DIR.parent / "shared" / "corpus"))

# The largest transcript accepted by ingest; real ones are well under 1 MB.
TRANSCRIPT_MAX_BYTES = int(os.environ.get("TRANSCRIPT_MAX_BYTES", str(5 * 1024 * 1024)))
# The most speaker turns a transcript may have: the longest real ones have a few hundred, and
# a meeting's page shows them TURNS_PER_PAGE at a time.
TRANSCRIPT_MAX_TURNS = int(os.environ.get("TRANSCRIPT_MAX_TURNS", "5000"))
TURNS_PER_PAGE = int(os.environ.get("TURNS_PER_PAGE", "500"))
# Room for a transcript pasted into the upload form at the limit, with the form around it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * TRANSCRIPT_MAX_BYTES
# An uploaded file's bytes past TRANSCRIPT_MAX_BYTES are counted as they stream in and dropped
# (statements.uploads.SizeLimit), so the form can say how large it was; a file within the limit
# is held in memory, and nothing is written to disk. A request larger than REQUEST_MAX_BYTES is
# refused before its body is read at all (archive.errors.RequestSizeLimit).
FILE_UPLOAD_HANDLERS = [
    "statements.uploads.SizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = TRANSCRIPT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES", str(8 * TRANSCRIPT_MAX_BYTES)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Production is served over HTTPS (HTTPS=false for plain HTTP, as on a laptop's docker compose):
# cookies only over it, plain HTTP redirected to it, and browsers told to use nothing else for a
# year (HSTS, for the subdomains too, fit for browsers' preload lists). Behind a proxy that
# terminates TLS, BEHIND_TLS_PROXY=true trusts its X-Forwarded-Proto and X-Forwarded-For (the
# address logins are limited by); only set it when that proxy always sets both, or clients
# could claim HTTPS or any address.
HTTPS = env_flag("HTTPS", env_flag("SECURE_COOKIES", True))
BEHIND_TLS_PROXY = env_flag("BEHIND_TLS_PROXY", False)
if PRODUCTION:
    SESSION_COOKIE_SECURE = HTTPS
    CSRF_COOKIE_SECURE = HTTPS
    if HTTPS:
        SECURE_SSL_REDIRECT = True
        SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
        SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("HSTS_INCLUDE_SUBDOMAINS", True)
        SECURE_HSTS_PRELOAD = env_flag("HSTS_PRELOAD", True)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    def client_address(request) -> str | None:
        """The address the proxy saw: the last of X-Forwarded-For, the one it added itself
        (those before it are the client's to write)."""
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        return forwarded or request.META.get("REMOTE_ADDR")

    AXES_CLIENT_IP_CALLABLE = client_address

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# The search index (statements/search_index.py): derived from the database, one directory per
# database name under this one, rebuilt with `manage.py search_index --rebuild`.
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", BASE_DIR / "search-index"))

# The read API (statements/api.py): JSON only, open to all, nothing read from sessions or cookies
# (CORS lets any origin read it: archive.http.PublicReads). `format` is the API's own parameter
# (csv, jsonl), not DRF's choice of renderer.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "statements.api_protocol.JSONOnly",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "statements.api_protocol.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,
    "FORMAT_SUFFIX_KWARG": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Diplomatic Statements Archive API",
    "DESCRIPTION": (
        "Read the archive: meetings, speakers, topics, utterances and the search, as JSON; "
        "any search as CSV or JSON Lines. Open to any origin; no key."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from this site's own static files (the Content-Security-Policy allows no other).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "defaultModelsExpandDepth": 0},
    "COMPONENT_SPLIT_REQUEST": False,
    # Kinds of meeting, of speaker and of utterance, each an enum of its own name.
    "ENUM_NAME_OVERRIDES": {
        "MeetingKind": "statements.models.Meeting.Kind",
        "TranscriptKind": "statements.models.Meeting.TranscriptKind",
        "SpeakerKind": "statements.models.Speaker.Kind",
        "UtteranceKind": "statements.models.Utterance.Kind",
    },
}

# The cache (archive/cache.py): Redis when REDIS_URL names one, shared by every worker and
# machine; without it, each process's own memory. Facet counts and anonymous readers' pages of
# searches are kept under the archive's version, so a change is never read stale.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
CACHES = {
    "default": (
        {
            "BACKEND": "archive.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "archive"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Seconds anonymous readers' pages of searches, and searches' facet counts, are kept (0: neither
# is kept).
SEARCH_CACHE_SECONDS = int(os.environ.get("SEARCH_CACHE_SECONDS", "300"))
