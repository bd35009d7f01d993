"""The cache beyond what Django's does alone: Redis failing taken for a miss, and whole pages of
searches kept for anonymous readers under the archive's version (README, "Scaling")."""

import contextlib
import hashlib
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

from archive.errors import unavailable
from archive.routers import PIN_COOKIE

log = logging.getLogger(__name__)

# The pages kept: the search page (and the archive at a glance), the API's search, and the lists
# that count over the whole archive (every speaker's turns: half a second at 160,000 utterances).
KEPT_PATHS = {"/", "/api/search", "/speakers/", "/topics/", "/places/", "/meetings/"}
# Tells whether a page came from the cache (hit) or was made and kept (miss).
CACHE_HEADER = "X-Archive-Cache"


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, with Redis away taken for a cache that keeps nothing: every read a
    miss, every write dropped, and the pages made from the database meanwhile."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            log.warning("Cache unavailable: %s", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            log.warning("Cache unavailable: %s", error)
            return {}

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError:
            return False

    def set(self, key, value, timeout=None, version=None):
        with contextlib.suppress(RedisError):
            super().set(key, value, timeout, version)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError:
            return False


# What every change to what a search can show moves: the meetings (an ingest, an upload, a
# replacement, a deletion: their number, their last update), the speakers (a merge or a split),
# and the search index's outbox, where every write to utterances, taggings (a retagging),
# speakers and meetings waits for the index (statements/sql/search_outbox.sql). One statement.
VERSION_SQL = """
    SELECT (SELECT count(*) FROM statements_meeting),
           (SELECT max(updated_at) FROM statements_meeting),
           (SELECT count(*) FROM statements_speaker),
           (SELECT max(id) FROM statements_searchoutbox)"""


def archive_version() -> str:
    """The archive's version: the record's (read where this request reads, VERSION_SQL) and the
    search index's. A write waiting in the outbox changes the first; once the index has taken
    it in, the second."""
    from statements import search, search_index

    with search.reader().cursor() as cursor:
        cursor.execute(VERSION_SQL)
        record = ":".join(str(value) for value in cursor.fetchone())
    return f"{record}|{search_index.version()}"


def keeps(request: HttpRequest) -> bool:
    """Whether this request's page may be kept and shared: an anonymous reader's GET of a kept
    path. Staff (a session), a reader with a message waiting or just after a write see theirs."""
    return (
        settings.SEARCH_CACHE_SECONDS > 0
        and request.method == "GET"
        and request.path in KEPT_PATHS
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def page_key(request: HttpRequest) -> str:
    """The page's key: its path, its parameters in a fixed order, and the archive's version."""
    parameters = urlencode(sorted(request.GET.lists()), doseq=True)
    named = "\n".join([archive_version(), request.path, parameters])
    return f"page:{hashlib.sha256(named.encode()).hexdigest()}"


class AnonymousSearchPages:
    """Middleware: the pages of searches anonymous readers ask for, kept whole for
    SEARCH_CACHE_SECONDS and until the archive changes. Only a complete 200 that sets no cookie is
    kept; what later middleware adds (the Content-Security-Policy, security headers) is added to
    a kept page as to a new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not keeps(request):
            return self.get_response(request)
        try:
            key = page_key(request)
        except (OperationalError, InterfaceError) as error:
            return unavailable(request, error)
        kept = cache.get(key)
        if kept is not None:
            headers, content = kept
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response[CACHE_HEADER] = "hit"
            return response
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            kept = (list(response.items()), response.content)
            cache.set(key, kept, settings.SEARCH_CACHE_SECONDS)
            response[CACHE_HEADER] = "miss"
        return response
