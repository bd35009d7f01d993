"""How the read API (statements/api.py) answers whatever it is asked: always JSON, and errors in
the archive's shape, `{"error": "...", "fields": {"parameter": ["why", ...]}}`. Apart from the
views, as DRF's settings name these and DRF reads its settings while its own views load."""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response


class JSONOnly(BaseContentNegotiation):
    """Every answer is the view's one kind, whatever the Accept header asks: JSON for the API (an
    export is chosen with `format`, and streamed by the view itself)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        # The view's own renderer: JSON for the API's views; the documentation page's are
        # drf-spectacular's (HTML, its script, the schema).
        return renderers[0], renderers[0].media_type


def exception_handler(exc, context):
    """DRF's errors in the archive's shape: `{"error": ..., "fields": ...}`."""
    if isinstance(exc, Refused):
        return refuse(exc.fields, exc.message)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Nothing here.")
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not DRF's to answer: the database away is archive.errors' 503
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, dict):
        response.data = {"error": "Invalid parameters.", "fields": detail}
    else:
        response.data = {"error": str(detail)}
    return response


class Refused(Exception):
    """A 400 with the parameters refused, each with its reasons."""

    def __init__(self, fields: dict[str, list[str]], message: str = "Invalid parameters."):
        super().__init__(message)
        self.fields, self.message = fields, message


def refuse(fields: dict[str, list[str]], message: str = "Invalid parameters.") -> Response:
    return Response({"error": message, "fields": fields}, status=400)
