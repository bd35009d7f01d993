"""Every match of a search as a file: CSV or JSON Lines, streamed with constant memory.

`/api/search?...&format=csv` (or `jsonl`) takes the search's parameters and answers with every
utterance that matches, not a page: the ids come from the search index a chunk at a time, in
date order (keyset paging over the index's sort key, so no chunk re-reads the ones before it),
and each chunk's rows are read from PostgreSQL, the record, in one statement that joins the
meeting, the speaker, the role held that day, the topics and the places. The file is as exact
as the search's total: the same index query, every match.

Provenance: the HTTP headers `X-Export-Made` (when), `X-Export-Query` (the search's parameters)
and `X-Export-Total` (how many rows), and the file name, which carries the time. A CSV starts
with a byte-order mark, so that spreadsheets read it as UTF-8 (accents intact), then its header
row. A JSON Lines file's first line is `{"export": {...}}`: when, which search, how many rows,
and the columns; every other line is one utterance.

A column is one line of COLUMNS: its name, the SQL that reads it over the utterance `u`, its
meeting `m`, the meeting's publisher `p` and the speaker `s`, and its kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import tantivy
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from statements import search, search_index


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    kind: str = "text"  # text, number, flag (a yes or no), list (several texts), date
    description: str = ""


COLUMNS = (
    Column("id", "u.id", "number", "The utterance's id, as /api/utterances/ID has it."),
    Column(
        "permalink",
        "concat(%(site)s, m.slug, '/', u.sequence, '/')",
        description="The utterance's page, to cite.",
    ),
    Column("sequence", "u.sequence", "number", "The turn's position in its meeting, from 1."),
    Column("meeting_title", "m.title"),
    Column("meeting_date", "m.date", "date"),
    Column("meeting_kind", "m.kind", description="press_conference, briefing, interview..."),
    Column("meeting_location", "m.location"),
    Column("source_url", "m.source_url", description="Where the transcript was published."),
    Column("publisher", "coalesce(p.name, '')"),
    Column("transcript_kind", "m.transcript_kind", description="official, machine, unofficial."),
    Column("speaker_name", "coalesce(s.name, '')", description="Empty where no one is named."),
    Column("speaker_kind", "u.speaker_kind", description="official, journalist, moderator..."),
    Column(
        "speaker_role",
        "coalesce(nullif(speaker_role_on(u.speaker_id, u.date), ''), s.role, '')",
        description="The role held on the meeting's date.",
    ),
    Column("speaker_country", "coalesce(s.country, '')"),
    Column("speaker_label", "u.speaker_label", description="The label as the transcript gave it."),
    Column("outlet", "u.outlet", description="The outlet a question names as its asker's."),
    Column("utterance_kind", "u.kind", description="statement, question, answer, moderation."),
    Column("interpreted", "u.via_interpreter", "flag", "Spoken through an interpreter."),
    Column(
        "topics",
        "ARRAY(SELECT t.name FROM statements_tagging AS g JOIN statements_topic AS t "
        "ON t.id = g.topic_id WHERE g.utterance_id = u.id ORDER BY t.name)",
        "list",
        "Topic names; in CSV joined by “; ”.",
    ),
    Column(
        "places",
        "ARRAY(SELECT pl.name FROM statements_placetagging AS g JOIN statements_place AS pl "
        "ON pl.id = g.place_id WHERE g.utterance_id = u.id ORDER BY pl.name)",
        "list",
        "The countries, regions and organisations the turn is about; in CSV joined by “; ”.",
    ),
    Column("word_count", "u.word_count", "number"),
    Column("text", "u.text", description="The whole turn, paragraphs separated by blank lines."),
)
FROM = """
    FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS wanted (id, position)
    JOIN statements_utterance AS u ON u.id = wanted.id
    JOIN statements_meeting AS m ON m.id = u.meeting_id
    LEFT JOIN statements_publisher AS p ON p.id = m.publisher_id
    LEFT JOIN statements_speaker AS s ON s.id = u.speaker_id
    ORDER BY wanted.position"""
# Each column as CSV writes it: a flag as true or false, a list joined by "; ", a date in ISO.
AS_TEXT = {
    "flag": "CASE WHEN {} THEN 'true' ELSE 'false' END",
    "list": "array_to_string({}, '; ')",
    "date": "to_char({}, 'YYYY-MM-DD')",
}
# The rows are written by PostgreSQL itself, a chunk at a time: as CSV by COPY, as JSON by
# json_build_object (a date as ISO text, a flag as a boolean, a list as an array).
CSV_SQL = (
    "COPY (SELECT "
    + ", ".join(AS_TEXT.get(c.kind, "{}").format(c.sql) for c in COLUMNS)
    + f" {FROM}) TO STDOUT (FORMAT csv)"
)
JSON_SQL = (
    "SELECT json_build_object("
    + ", ".join(f"'{c.name}', {c.sql}" for c in COLUMNS)
    + f")::text {FROM}"
)
# Utterances a chunk: ids asked of the index, and rows read from PostgreSQL, at a time.
CHUNK = 2_000
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
# The index's sort keys an export pages over (search_index.NEWEST and OLDEST: unique for each
# utterance, the date, then the meeting and the turn in transcript order).
ORDERS = {"newest": ("newest", tantivy.Order.Desc), "oldest": ("oldest", tantivy.Order.Asc)}


@dataclass(frozen=True)
class Matches:
    """What an export will write: the index query, the exact total, the order."""

    query: tantivy.Query | None  # None: the words find nothing to look for
    total: int
    order: str


def matches(params: search.SearchParams) -> Matches:
    """The search's words and filters as one index query, and how many utterances match: the
    query the search page counts, so the file has its total. An export is in date order, newest
    first, or oldest first when asked (a relevance order is the page's: a file is a data set)."""
    order = "oldest" if params.sort == "oldest" else "newest"
    query = search.match_query(params)
    if query is None:
        return Matches(None, 0, order)
    return Matches(query, search.count(search_index.searcher(), query), order)


def ids(found: Matches, chunk: int = CHUNK) -> Iterator[list[int]]:
    """The matching utterances' ids, a chunk at a time, in order: each chunk the next `chunk`
    matches after the last key seen (a range over the sort key, which is unique), so memory
    stays that of one chunk however many match."""
    if found.query is None or not found.total:
        return
    field, order = ORDERS[found.order]
    searcher = search_index.searcher()
    last = None
    while True:
        query = found.query
        if last is not None:
            after = (
                tantivy.Query.range_query(
                    search_index.SCHEMA, field, tantivy.FieldType.Integer, None, last, True, False
                )
                if order == tantivy.Order.Desc
                else tantivy.Query.range_query(
                    search_index.SCHEMA, field, tantivy.FieldType.Integer, last, None, False, True
                )
            )
            query = search.combined(found.query, [after])
        hits = searcher.search(
            query, limit=chunk, count=False, order_by_field=field, order=order
        ).hits
        if not hits:
            return
        yield searcher.fast_field_values("id", [address for _, address in hits])
        if len(hits) < chunk:
            return
        last = hits[-1][0]


def csv_lines(found: Matches, site: str) -> Iterator[bytes]:
    """The file as CSV: a byte-order mark, the header row, then a row an utterance."""
    yield ("\ufeff" + ",".join(column.name for column in COLUMNS) + "\n").encode()
    for chunk in ids(found):
        with (
            connection.cursor() as cursor,
            cursor.copy(CSV_SQL, {"ids": chunk, "site": site}) as copy,
        ):
            yield b"".join(bytes(data) for data in copy)


def jsonl_lines(found: Matches, site: str, about: dict) -> Iterator[bytes]:
    """The file as JSON Lines: `{"export": about}`, then an object an utterance."""
    yield (json.dumps({"export": about}, ensure_ascii=False) + "\n").encode()
    for chunk in ids(found):
        with connection.cursor() as cursor:
            cursor.execute(JSON_SQL, {"ids": chunk, "site": site})
            yield "".join(f"{line}\n" for (line,) in cursor.fetchall()).encode()


def response(
    request: HttpRequest, params: search.SearchParams, output: str
) -> StreamingHttpResponse:
    """The streamed file of every match of `params`, with its provenance in its headers."""
    found = matches(params)
    made = timezone.now().replace(microsecond=0)
    query = [(k, v) for k, values in request.GET.lists() if k != "format" for v in values]
    site = request.build_absolute_uri(
        reverse("statements:utterance", kwargs={"slug": "x", "sequence": 1})
    ).removesuffix("x/1/")
    about = {
        "made": made.isoformat().replace("+00:00", "Z"),
        "query": urlencode(query),
        "search": request.build_absolute_uri(f"{reverse('statements:home')}?{urlencode(query)}"),
        "total": found.total,
        "order": f"{found.order} first",
        "columns": {column.name: column.description for column in COLUMNS},
    }
    lines = csv_lines(found, site) if output == "csv" else jsonl_lines(found, site, about)
    streamed = StreamingHttpResponse(lines, content_type=CONTENT_TYPES[output])
    stamp = made.strftime("%Y-%m-%dT%H%M%SZ")
    streamed["Content-Disposition"] = f'attachment; filename="archive-search-{stamp}.{output}"'
    streamed["X-Export-Made"] = about["made"]
    streamed["X-Export-Query"] = about["query"]
    streamed["X-Export-Total"] = str(found.total)
    streamed["Cache-Control"] = "no-store"
    return streamed
