"""Searching utterances: the query, the page of results, highlighting and facet counts.

The page and `/api/search` both call `run()`. A search is a handful of queries whatever its size:
one for the page of results, one to highlight just those rows, one pass that counts every facet
(each facet counted with every filter but its own, so other choices stay visible), and one to
name the facet values shown.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQueryField, SearchRank
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Func, QuerySet, Value
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from statements.filters import INTERPRETED, UtteranceFilter
from statements.models import SEARCH_CONFIG, Meeting, Speaker, Topic, Utterance

PAGE_SIZE = 20
FACET_LIMIT = 12
# ts_headline marks matches with these; the text is escaped, then they become <mark> tags.
START, STOP = "\x02", "\x03"
MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


class ArchiveQuery(Func):
    """The user's words, in web-search syntax, as a tsquery (see migration 0003)."""

    function = "archive_query"
    output_field = SearchQueryField()


class Matches(Func):
    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    share: int = 0  # percent of the facet's largest count, for drawing bars


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    more: int = 0  # values left off the list

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values if v.selected]


@dataclass
class Hit:
    utterance: Utterance
    snippet: SafeString


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    sort: str = "newest"
    facets: dict[str, Facet] = field(default_factory=dict)
    notice: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * PAGE_SIZE)


class PageOutOfRange(ValueError):
    pass


def run(filterset: UtteranceFilter, page: int = 1) -> Results:
    """Search with validated parameters; `filterset.is_valid()` must have been checked."""
    data = filterset.form.cleaned_data
    words = (data.get("q") or "").strip()
    sort = data.get("sort") or ("relevance" if words else "newest")
    if sort == "relevance" and not words:
        sort = "newest"

    matching = Utterance.objects.filter(filterset.date_range())
    query = None
    if words:
        query = ArchiveQuery(Value(words))
        notice = _unsearchable(words)
        if notice:
            return Results(sort=sort, notice=notice, facets=_facets({}, data))
        matching = matching.filter(Matches(F("search_vector"), query))

    conditions = filterset.conditions()
    counts = _count_facets(matching, conditions)
    total = counts.pop(("total", None), 0)
    if page > 1 and (page - 1) * PAGE_SIZE >= total:
        raise PageOutOfRange(f"There is no page {page}: this search has {total} results.")

    results = matching.filter(*conditions.values()).select_related("meeting", "speaker")
    rows = list(_ordered(results, sort, query)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return Results(
        hits=[Hit(row, snippet) for row, snippet in zip(rows, _snippets(rows, query), strict=True)],
        total=total,
        page=page,
        sort=sort,
        facets=_facets(counts, data),
    )


def _unsearchable(words: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(q), querytree(q) FROM archive_query(%s) AS q", [words])
        nodes, tree = cursor.fetchone()
    if nodes == 0:
        return f"“{words}” has only very common words, which are not indexed: try other words."
    if tree == "T":
        return "Add a word to search for: a search cannot be made of exclusions alone."
    return ""


def _ordered(results: QuerySet, sort: str, query) -> QuerySet:
    if sort == "relevance":
        rank = SearchRank(F("search_vector"), query, cover_density=True, normalization=Value(1))
        return results.annotate(rank=rank).order_by(
            "-rank", "-meeting__date", "meeting_id", "sequence"
        )
    if sort == "oldest":
        return results.order_by("meeting__date", "meeting_id", "sequence")
    return results.order_by("-meeting__date", "meeting_id", "sequence")


def _snippets(rows: list[Utterance], query) -> list[SafeString]:
    """A snippet per row with the matched words marked; only the page's rows are highlighted."""
    if query is None:
        return [_opening(row.text) for row in rows]
    headlines = dict(
        Utterance.objects.filter(pk__in=[row.pk for row in rows])
        .annotate(
            headline=SearchHeadline(
                "text",
                query,
                config=SEARCH_CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_fragments=2,
                max_words=28,
                min_words=12,
                fragment_delimiter=" … ",
            )
        )
        .values_list("pk", "headline")
    )
    return [highlight(headlines.get(row.pk, "")) for row in rows]


def highlight(headline: str) -> SafeString:
    """Escape a headline, then mark its matches: a transcript's or a query's <script> stays text."""
    escaped = escape(headline.replace("\n\n", " ¶ "))
    marked = MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(START, "").replace(STOP, ""))


def _opening(text: str, words: int = 45) -> SafeString:
    tokens = text.split()
    opening = " ".join(tokens[:words]) + (" …" if len(tokens) > words else "")
    return escape(opening)


# Each facet is counted with every filter but its own; years ignore a month's selection too.
FACET_COLUMNS = {
    "speaker": ("speaker_id", "speaker_id::text"),
    "country": ("country", "country"),
    "month": ("month", "year::text || '-' || lpad(month::text, 2, '0')"),
    "year": ("year", "year::text"),
    "meeting": ("meeting_id", "meeting_id::text"),
    "kind": ("kind", "kind"),
    "interpreted": ("via_interpreter", "CASE WHEN via_interpreter THEN 'yes' ELSE 'no' END"),
}
IGNORED_BY = {"year": {"year", "month"}}


def _count_facets(matching: QuerySet, conditions: dict) -> dict[tuple[str, str | None], int]:
    """Count every facet's values over the matching utterances in one pass."""
    flags = {
        f"f_{name}": ExpressionWrapper(condition, output_field=BooleanField())
        for name, condition in conditions.items()
    }
    base = matching.annotate(
        country=F("speaker__country"),
        year=ExtractYear("meeting__date"),
        month=ExtractMonth("meeting__date"),
        **flags,
    ).values(
        "id",
        "speaker_id",
        "meeting_id",
        "kind",
        "via_interpreter",
        "country",
        "year",
        "month",
        *flags,
    )
    inner, params = base.query.sql_with_params()

    def passing(facet: str | None) -> str:
        ignored = IGNORED_BY.get(facet, {facet})
        return " AND ".join(f"f_{name}" for name in conditions if name not in ignored) or "TRUE"

    names = "\n".join(
        f"WHEN GROUPING({column}) = 0 THEN '{facet}'"
        for facet, (column, _) in FACET_COLUMNS.items()
    )
    values = "\n".join(
        f"WHEN GROUPING({column}) = 0 THEN {value}" for column, value in FACET_COLUMNS.values()
    )
    counts = "\n".join(
        f"WHEN GROUPING({column}) = 0 THEN count(*) FILTER (WHERE {passing(facet)})"
        for facet, (column, _) in FACET_COLUMNS.items()
    )
    sql = f"""
        WITH base AS MATERIALIZED ({inner})
        SELECT CASE {names} ELSE 'total' END,
               CASE {values} END,
               CASE {counts} ELSE count(*) FILTER (WHERE {passing(None)}) END
        FROM base
        GROUP BY GROUPING SETS ((speaker_id), (country), (year), (year, month), (meeting_id),
                                (kind), (via_interpreter), ())
        UNION ALL
        SELECT 'topic', tagging.topic_id::text, count(*) FILTER (WHERE {passing("topic")})
        FROM base JOIN statements_tagging AS tagging ON tagging.utterance_id = base.id
        GROUP BY tagging.topic_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (facet, value): count
            for facet, value, count in cursor.fetchall()
            if count and (value is not None or facet == "total")
        }


def _facets(counts: dict[tuple[str, str | None], int], data: dict) -> dict[str, Facet]:
    """Name and order the counted values, keeping selected values even when they count zero."""
    by_facet: dict[str, dict[str, int]] = {}
    for (facet, value), count in counts.items():
        by_facet.setdefault(facet, {})[value] = count

    selected = {
        "speaker": {str(s.pk) for s in data.get("speaker") or []},
        "country": set(data.get("country") or []),
        "topic": {str(t.pk) for t in data.get("topic") or []},
        "year": set(data.get("year") or []),
        "month": set(data.get("month") or []),
        "meeting": {str(m.pk) for m in data.get("meeting") or []},
        "kind": set(data.get("kind") or []),
        "interpreted": set(data.get("interpreted") or []),
    }
    for facet, values in selected.items():
        for value in values:
            by_facet.setdefault(facet, {}).setdefault(value, 0)

    def own(facet: str) -> dict[str, tuple[str, str]]:
        return {value: (value, value) for value in by_facet.get(facet, {})}

    years_chosen = selected["year"] | {month[:4] for month in selected["month"]}
    labels = {
        "speaker": _named(Speaker, by_facet.get("speaker"), selected["speaker"]),
        "country": own("country"),
        "topic": _named(Topic, by_facet.get("topic"), selected["topic"]),
        "year": own("year"),
        "month": {
            month: (month, f"{calendar.month_abbr[int(month[5:])]} {month[:4]}")
            for month in by_facet.get("month", {})
            if month[:4] in years_chosen
        },
        "meeting": _named(Meeting, by_facet.get("meeting"), selected["meeting"]),
        "kind": {value: (value, label) for value, label in Utterance.Kind.choices},
        "interpreted": {value: (value, label) for value, label in INTERPRETED},
    }

    facets = {}
    for name, (title, by_value, limit) in FACETS.items():
        values = [
            FacetValue(
                value=labels[name][raw][0],
                label=labels[name][raw][1],
                count=count,
                selected=raw in selected[name],
            )
            for raw, count in by_facet.get(name, {}).items()
            if raw in labels[name]
        ]
        if by_value:
            values.sort(key=lambda v: v.value)
        else:
            values.sort(key=lambda v: (not v.selected, -v.count, v.label))
        shown = values[:limit] if limit else values
        largest = max((v.count for v in shown), default=0)
        for value in shown:
            value.share = round(100 * value.count / largest) if largest else 0
        facets[name] = Facet(name, title, shown, more=len(values) - len(shown))
    return facets


# name: (heading, ordered by value rather than count, how many to show)
FACETS = {
    "speaker": ("Official", False, FACET_LIMIT),
    "country": ("Country", False, FACET_LIMIT),
    "topic": ("Topic", False, None),
    "year": ("Year", True, None),
    "month": ("Month", True, None),
    "meeting": ("Meeting", False, FACET_LIMIT),
    "kind": ("Kind of utterance", False, None),
    "interpreted": ("Interpretation", False, None),
}


def _named(model, counted: dict[str, int] | None, selected: set[str]) -> dict[str, tuple]:
    """Slug and label for the ids worth showing: the most frequent and the selected."""
    counted = counted or {}
    top = sorted(counted, key=lambda pk: -counted[pk])[: FACET_LIMIT * 2]
    wanted = {int(pk) for pk in [*top, *selected]}
    names = {}
    for obj in model.objects.filter(pk__in=wanted):
        label = str(obj) if not isinstance(obj, Meeting) else obj.short_label
        names[str(obj.pk)] = (obj.slug, label)
    return names
