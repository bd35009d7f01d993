"""The data's ways out, timed: `/api/search` at `page_size=100`, term trends of three terms, and
exports of every match (rows a second, and how much the process grew while streaming them).

Every request goes through the whole Django stack with the test client, as `time_pages` does.
"""

from __future__ import annotations

import resource
import time
import warnings
from contextlib import contextmanager

from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

from bench.run import WORDS, Filters, Timing, _timed, words
from statements import exports, search, search_index
from statements.filters import UtteranceFilter

# Three terms of the sizes the search is timed on: about 1%, a quarter, and a phrase (0.7%).
TREND_TERMS = f"{WORDS['medium']},{WORDS['common']},{WORDS['phrase']}"


@contextmanager
def plain_client():
    """A test client for the pages, with static files as they are (no collectstatic)."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=storages),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", "No directory at")
        yield Client()


def time_requests(requests: list[tuple[str, str, dict]], repeat: int) -> list[Timing]:
    """Each request once to warm up, then `repeat` rounds through them all."""
    timings = [Timing(name) for name, _, _ in requests]
    with plain_client() as client:
        for round_ in range(repeat + 1):
            for timing, (_, path, params) in zip(timings, requests, strict=True):
                response, ms = _timed(client.get, path, params)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} {params} answered {response.status_code}")
                if round_:
                    timing.app_ms.append(ms)
                if path == "/api/search":
                    timing.total = response.json()["total"]
    return timings


def api_requests(filters: Filters) -> list[tuple[str, str, dict]]:
    """The API's search at page_size=100 (full texts and topics), for each word and a filter."""
    page = {"page_size": "100"}
    newest = {"q": WORDS["common"], "sort": "newest", **page}
    return [
        ("api 100: rare word", "/api/search", {"q": words()["rare"], **page}),
        ("api 100: medium word", "/api/search", {"q": WORDS["medium"], **page}),
        ("api 100: common word", "/api/search", {"q": WORDS["common"], **page}),
        ("api 100: phrase", "/api/search", {"q": WORDS["phrase"], **page}),
        ("api 100: topic alone", "/api/search", {"topic": filters.topic.slug, **page}),
        ("api 100: common, by date", "/api/search", newest),
    ]


def trend_requests() -> list[tuple[str, str, dict]]:
    return [
        ("trends: 3 terms", "/trends/", {"terms": TREND_TERMS}),
        ("trends: 3 terms by country", "/trends/", {"terms": TREND_TERMS, "by": "country"}),
        ("trends: 3 terms by speaker", "/trends/", {"terms": TREND_TERMS, "by": "speaker"}),
        ("trends: 3 terms, CSV", "/trends/", {"terms": TREND_TERMS, "format": "csv"}),
    ]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_export(name: str, params: dict[str, str]) -> dict:
    """One export streamed whole through the view, read as a client would and dropped: rows a
    second, bytes, and how much the process's peak memory grew meanwhile. The index's part
    (every id, a chunk at a time) is timed apart."""
    filterset = UtteranceFilter(params)
    filterset.is_valid()
    found = exports.matches(filterset.params())
    started = time.perf_counter()
    ids = sum(len(chunk) for chunk in exports.ids(found))
    index_seconds = time.perf_counter() - started
    before = _peak_rss_mb()
    with plain_client() as client:
        started = time.perf_counter()
        response = client.get("/api/search", params)
        size, lines = 0, 0
        for piece in response.streaming_content:
            size += len(piece)
            lines += piece.count(b"\n")
        seconds = time.perf_counter() - started
    rows = int(response["X-Export-Total"])
    if ids != rows:
        raise RuntimeError(f"{name}: the index gave {ids} ids for a total of {rows}")
    return {
        "name": name,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds) if seconds else 0,
        "megabytes": round(size / 1e6, 1),
        "index_ids_seconds": round(index_seconds, 2),
        "peak_memory_growth_mb": round(_peak_rss_mb() - before, 1),
    }


def run_data(repeat: int = 20, exports_: bool = True) -> dict:
    """The API's search, trends and exports, timed."""
    search_index.sync()
    filters = Filters.choose()
    api = time_requests(api_requests(filters), repeat)
    trends = time_requests(trend_requests(), repeat)
    files = []
    if exports_:
        files = [
            time_export("export CSV: common word", {"q": WORDS["common"], "format": "csv"}),
            time_export("export JSONL: common word", {"q": WORDS["common"], "format": "jsonl"}),
            time_export("export CSV: everything", {"format": "csv"}),
        ]
    return {
        "api": [timing.summary() for timing in api],
        "trends": [timing.summary() for timing in trends],
        "exports": files,
        "trend_terms": TREND_TERMS,
        "page_size": 100,
        "search_page_size": search.PAGE_SIZE,
    }


def data_table(data: dict) -> str:
    lines = ["", f"{'the data out':<30}{'p50 ms':>9}{'p95 ms':>9}{'total':>10}"]
    for row in data["api"] + data["trends"]:
        total = "" if row["total"] is None else f"{row['total']:,}"
        lines.append(f"{row['name']:<30}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{total:>10}")
    for row in data["exports"]:
        lines.append(
            f"{row['name']:<30}{row['rows']:>9,} rows in {row['seconds']:,.1f} s: "
            f"{row['rows_per_second']:,} rows/s, {row['megabytes']:,.0f} MB "
            f"(ids from the index {row['index_ids_seconds']:.1f} s; peak memory "
            f"+{row['peak_memory_growth_mb']:.0f} MB)"
        )
    return "\n".join(lines)
