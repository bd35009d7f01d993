"""Answers for requests the site cannot serve, whatever the page: too large to read, unreadable,
the database away. They need no database, and are JSON on the API."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import page_not_found
from psycopg.errors import QueryCanceled

log = logging.getLogger(__name__)
# Seconds a client is asked to wait before it tries again when the database is away.
RETRY_AFTER = 30


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def refusal(request: HttpRequest, status: int, message: str, **headers) -> HttpResponse:
    """A plain answer that needs neither the database nor a template: JSON on the API."""
    if is_api(request):
        response = JsonResponse({"error": message}, status=status)
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class RequestSizeLimit:
    """Refuse a request whose body is larger than REQUEST_MAX_BYTES before reading any of it.
    (Smaller uploads over the transcript limit are read and refused by the upload form, which
    then says how large the file was: statements.uploads.SizeLimit.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refusal(request, 400, "The request's Content-Length is not a number.")
        if length > settings.REQUEST_MAX_BYTES:
            limit = settings.REQUEST_MAX_BYTES / (1024 * 1024)
            return refusal(
                request,
                413,
                f"The request is {length / 1024 / 1024:.1f} MB, over the {limit:g} MB the archive "
                "accepts: a transcript may be "
                f"{settings.TRANSCRIPT_MAX_BYTES / (1024 * 1024):g} MB at most.",
            )
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's answer to a request it could not read (handler400): form fields larger than
    DATA_UPLOAD_MAX_MEMORY_SIZE (a pasted transcript far over the limit), a malformed body."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.TRANSCRIPT_MAX_BYTES / (1024 * 1024)
        return refusal(
            request,
            413,
            f"The form sent is larger than the archive reads: a transcript may be {limit:g} MB "
            "at most.",
        )
    return refusal(request, 400, "The request could not be read.")


class DatabaseUnavailable:
    """The database down, unreachable, or too slow (a statement cut off by the timeout): a 503
    that asks the client to come back, rather than a 500. The next request connects afresh
    (Django drops a connection that failed), so the site recovers by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable(request, exception)
        return None


def unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    log.warning("Database unavailable for %s: %s", request.path, exception)
    if isinstance(exception.__cause__, QueryCanceled):
        message = "The archive took too long to answer this request. Try again in a moment."
    else:
        message = "The archive cannot reach its database just now. Try again in a moment."
    if is_api(request):
        response = JsonResponse({"error": message}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: on the API, JSON that says where to look; elsewhere the site's page."""
    if is_api(request):
        message = "Nothing here: /api/ lists what the API has."
        return JsonResponse({"error": message}, status=404)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: what no view or middleware caught. The database failing where the middleware
    does not see it (a session saved after the view) is still a 503; the rest a 500, in JSON on
    the API."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return unavailable(request, exception)
    if is_api(request):
        return JsonResponse({"error": "The archive could not answer this request."}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)
