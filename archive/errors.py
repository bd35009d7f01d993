"""Answers for requests the site cannot serve, whatever the page: too large to read, unreadable.
They need neither the database nor a template, and are JSON on the API."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse


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
