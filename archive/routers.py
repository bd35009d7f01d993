"""Reads from read replicas, writes to the primary (settings.DATABASE_REPLICA_URLS, README
"Scaling").

Only what an anonymous reader's GET or HEAD reads goes to a replica, one replica for the whole
request. Everything else reads from the primary: writes and whatever a request that writes reads,
staff (anyone with a session, and the admin), a reader who wrote in the last
REPLICA_PIN_SECONDS (a cookie set after any other method: they read their own write, whatever
the replicas' lag), reads inside a transaction, and everything outside a request (manage.py's
commands). A replica that cannot be reached is left alone for REPLICA_RETRY_SECONDS, its
readers served by the primary meanwhile.
"""

import contextvars
import logging
import random
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

# Set on every request that writes, for REPLICA_PIN_SECONDS: its reader reads from the primary.
PIN_COOKIE = "archive_primary"
# What sessions, users, permissions and login limits are: always read from the primary.
PRIMARY_APPS = {"sessions", "auth", "admin", "axes", "contenttypes"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class _Reads:
    """The replica this request reads from, chosen at its first read."""

    alias: str | None = None


_request_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "archive_replica_reads", default=None
)
# Replicas found unreachable, and until when (time.monotonic()) they are not tried again.
_unreachable_until: dict[str, float] = {}


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def reachable(alias: str) -> bool:
    """Whether the replica answers: its connection checked once a request (Django's health
    check), and opened if need be."""
    if _unreachable_until.get(alias, 0.0) > time.monotonic():
        return False
    wrapper = connections[alias]
    try:
        wrapper.close_if_health_check_failed()
        wrapper.ensure_connection()
    except DatabaseError as error:
        log.warning("Replica %s unreachable, reading from the primary: %s", alias, error)
        _unreachable_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        wrapper.close()
        return False
    return True


class PrimaryAndReplicas:
    """The database router."""

    def db_for_read(self, model, **hints) -> str:
        reads = _request_reads.get()
        if (
            reads is None
            or model._meta.app_label in PRIMARY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        if reads.alias is None or (reads.alias != DEFAULT_DB_ALIAS and not reachable(reads.alias)):
            choices = [alias for alias in replicas() if reachable(alias)]
            reads.alias = random.choice(choices) if choices else DEFAULT_DB_ALIAS
        return reads.alias

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first, second, **hints) -> bool:
        return True  # replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def reads_from_replicas(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and not request.path.startswith("/admin/")
    )


class PinAfterWrites:
    """Middleware: which database a request reads from, and the cookie that pins a reader who
    has just written to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replicas():
            return self.get_response(request)
        token = _request_reads.set(_Reads() if reads_from_replicas(request) else None)
        try:
            response = self.get_response(request)
        finally:
            _request_reads.reset(token)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
