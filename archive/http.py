"""What every data response shares, on the read API (`/api/`), the feeds (`/feeds/`) and the
trends (`/trends/`): any origin may read it, and a client that has it already gets a 304."""

from django.http import HttpRequest, HttpResponse
from django.middleware.http import ConditionalGetMiddleware

# The paths of data meant to be read by other sites' scripts and by programs.
DATA_PATHS = ("/api/", "/feeds/", "/trends/")
# Headers a script on another origin may read from a response: what a client of the API needs to
# page and to ask again conditionally.
EXPOSED = (
    "Content-Disposition, ETag, Last-Modified, Link, X-Export-Made, X-Export-Query, X-Export-Total"
)


def is_data(request: HttpRequest) -> bool:
    return request.path.startswith(DATA_PATHS)


class PublicReads:
    """CORS for reading: GET (and HEAD) from any origin, without credentials. Nothing here reads
    a cookie or a session, so a page elsewhere learns nothing it could not fetch itself; and
    as no credentials are allowed, a browser sends none. A preflight is answered here, for GET
    and HEAD only: the API writes nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_data(request):
            return self.get_response(request)
        preflight = (
            request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META
        )
        if preflight:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED
        return response


class ConditionalReads(ConditionalGetMiddleware):
    """An ETag on every data response that is not streamed (a hash of its body, so it changes
    exactly when the answer does), and a 304 for a GET whose If-None-Match has it. The answer is
    still computed: what is saved is sending it again. Streamed exports carry none (they say
    when they were made instead)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not is_data(request) or response.status_code != 200:
            return response
        return super().process_response(request, response)
