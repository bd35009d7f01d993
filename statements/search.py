"""Searching utterances: the query, the page of results, highlighting and facet counts.

The page and `/api/search` both call `run()`. A search is a handful of queries whatever the size
of the archive or of the result:

- The user's words become a tsquery once, through `archive_query()`, and every statement gets it
  as a constant.
- Each facet is counted with every filter but its own, so other choices stay visible. When the
  rows all facets start from are few (at most EXACT_LIMIT), one pass over them counts every facet,
  the total, and picks the page of results. Otherwise each set of rows that some facets are
  counted over gets its own pass, with its filters in the WHERE clause where indexes can serve
  them; a pass over more than EXACT_LIMIT rows counts a fixed sample (one utterance in 16, 32 or
  256, by id, through partial indexes made for it in migration 0009) and scales up. Such counts are
  `Estimate`s: they print as "≈1,200", and `Results.total_is_estimate` and `Facet.estimate` say so.
- The page of a result whose total is estimated is picked from the matches since a date (each
  utterance carries its meeting's, migration 0011, and its year as a lexeme of its search vector,
  migration 0019): the sample, counted by month, says from which month enough of them lie, so the
  others are never read.
- Relevance ranks every match when there are at most RANK_LIMIT of them; beyond that, it ranks the
  RANK_LIMIT newest (`Results.ranked_among`), and pages after those go on newest first.
- Only the page's rows are highlighted, in the same query that fetches them, each from the part of
  its text around its first match (`archive_headline()`, migrations 0012 and 0018).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import math
import re
from collections.abc import Collection, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from statements.filters import INTERPRETED, Sql, UtteranceFilter
from statements.models import Meeting, Speaker, Utterance, speaker_lexemes, year_lexemes

PAGE_SIZE = 20
FACET_LIMIT = 12
# Counts over more rows than this are counted from a sample: each row read costs 5-15 µs on a
# large archive (heap, taggings, a phrase's recheck), and more would not fit a search's budget.
EXACT_LIMIT = 1_000
# An archive this large or larger is searched as above; a smaller one is always counted exactly.
LARGE_ARCHIVE = 20_000
# Words in more than this share of the archive are too common for their index to find the page
# of a large result (`_windowed_page`): its window's rows are checked one by one.
DENSE_SHARE = 0.05
# Ranking reads each match's whole search vector, about 10 µs apiece on a large archive: the
# newest 200 are ten pages, ranked in about 2 ms.
RANK_LIMIT = 200  # a multiple of PAGE_SIZE, so no page straddles ranked and unranked
# Samples are utterances picked by id, each kind through partial indexes of migration 0009 whose
# conditions these must match word for word. With words: ids that are multiples of 32, or of 256
# for a pass over more than SPARSE_ABOVE rows, each with a GIN index of its own. Without words:
# multiples of 16, or of 256, read from one small covering index. (Its different condition keeps
# PostgreSQL from reading it, and checking every sampled row's words, for a search with words.)
WORDS_SAMPLE, WORDS_SPARSE_SAMPLE = 32, 256
SAMPLE, SPARSE_SAMPLE = 16, 256
# A sample of a set this large or smaller has at most 1,000 rows; of a larger one, 125 or more.
SPARSE_ABOVE = 32_000
# ts_headline marks matches with these; the text is escaped, then they become <mark> tags.
START, STOP = "\x02", "\x03"
MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)
PHRASE_OPERATOR = re.compile(r"<(?:-|\d+)>")
# A snippet's ts_headline options. archive_headline() (migration 0018) gives ts_headline only the
# part of a long turn around its first match.
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=28, MinWords=12, "
    'FragmentDelimiter=" … "'
)


def matches(parsed: str, *also: str) -> Sql:
    """Utterances with these words: the user's words as a tsquery, worked out once by
    `archive_query()` (migration 0003) and then given to every statement as a constant (called in
    a statement, the function would run again for every row it ranks or rechecks). With `also`,
    tsqueries of lexemes no text makes (`speaker_lexemes()`, `year_lexemes()`), by one of those
    speakers and in one of those years: the words, the speakers and the years are looked up
    together in the words' index, rather than the words' rows intersected with every row of the
    speakers (75,000 for the busiest of a million: 4-8 ms) or of the years."""
    also = tuple(query for query in also if query)
    anded = "".join(" && (%s)::tsquery" for _ in also)
    return Sql(f"u.search_vector @@ (%s::tsquery{anded})", (parsed, *also))


def matches_row_by_row(parsed: str) -> Sql:
    """The same test as `matches()`, in a form PostgreSQL cannot answer from the words' index:
    it is made on each row the other conditions leave."""
    return Sql("ts_match_vq(u.search_vector, %s::tsquery)", (parsed,))


class Estimate(int):
    """A count scaled up from a sample, to two significant figures. It prints as "≈1,200", so no
    template can show it as an exact number."""

    @classmethod
    @functools.lru_cache(maxsize=4_096)  # a sample's counts are mostly 1, 2, 3...: ~500 a search
    def scaled(cls, count: int, factor: int) -> Estimate:
        value = count * factor
        return cls(round(value, min(0, 2 - len(str(value)))))

    def __str__(self) -> str:
        return f"≈{int(self):,}"


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
    estimate: bool = False  # counted from a sample

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
    total_is_estimate: bool = False
    # Sorted by relevance with more matches than RANK_LIMIT: the newest this many were ranked.
    ranked_among: int | None = None

    @property
    def pages(self) -> int:
        """How many pages: an estimate, printed "≈550", when the total is one."""
        pages = max(1, -(-self.total // PAGE_SIZE))
        return Estimate(pages) if self.total_is_estimate else pages

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * PAGE_SIZE)


class PageOutOfRange(ValueError):
    pass


def run(
    filterset: UtteranceFilter, page: int = 1, facets: Collection[str] | None = None
) -> Results:
    """Search with validated parameters; `filterset.is_valid()` must have been checked. When
    `facets` names some, only those are counted and returned (for a page that shows a few)."""
    data = filterset.form.cleaned_data
    words = (data.get("q") or "").strip()
    sort = data.get("sort") or ("relevance" if words else "newest")
    if sort == "relevance" and not words:
        sort = "newest"

    parsed, notice, archive_size = _prelude(words)
    if notice:
        return Results(sort=sort, notice=notice, facets=_facets({}, set(), data, facets))
    search = _Search(
        filterset.date_range(),
        filterset.conditions(),
        parsed,
        sort,
        page,
        archive_size,
        speakers=[speaker.pk for speaker in data.get("speaker") or []],
    )
    with _statements(search.large):
        counts, estimated = search.count(facets)
        total = counts.pop(("total", None), 0)
        if not search.total_is_estimate:
            counts.update(_chosen_alone(data, estimated, total))
        if page > 1 and (page - 1) * PAGE_SIZE >= total and not search.total_is_estimate:
            raise PageOutOfRange(f"There is no page {page}: this search has {total} results.")
        rows = search.rows()
    return Results(
        hits=[Hit(row, _snippet(row)) for row in rows],
        total=total,
        page=page,
        sort=sort,
        facets=_facets(counts, estimated, data, facets),
        total_is_estimate=search.total_is_estimate,
        ranked_among=RANK_LIMIT if sort == "relevance" and total > RANK_LIMIT else None,
    )


def _prelude(words: str) -> tuple[str, str, float]:
    """The words as tsquery text; a notice if they cannot be searched for; and about how many
    utterances the archive holds: the larger of the planner's figure (-1 before the first
    ANALYZE) and the live rows the statistics have counted (committed ones only). Either may lag
    a bulk load for a while; an archive taken for small is counted exactly, only more slowly."""
    size = (
        "(SELECT greatest(reltuples, pg_stat_get_live_tuples(oid), 0) "
        "FROM pg_class WHERE oid = 'statements_utterance'::regclass)"
    )
    with connection.cursor() as cursor:
        if not words:
            cursor.execute(f"SELECT {size}")
            return "", "", cursor.fetchone()[0]
        cursor.execute(
            f"SELECT q::text, numnode(q), querytree(q), {size} FROM archive_query(%s) AS q",
            [words],
        )
        parsed, nodes, tree, archive_size = cursor.fetchone()
    if nodes == 0:
        notice = f"“{words}” has only very common words, which are not indexed: try other words."
    elif tree == "T":
        notice = "Add a word to search for: a search cannot be made of exclusions alone."
    else:
        notice = ""
    return parsed, notice, archive_size


@contextmanager
def _statements(large: bool):
    """On a large archive, a search's statements share one read-only snapshot, so the total,
    the facets and the page agree. JIT compilation and parallel workers, which cost more than
    they save on queries this short, are off: with workers, PostgreSQL read a very common word's
    every match to find its 200 newest (50 ms) rather than walk the dates back (5 ms)."""
    if not large:
        yield
        return
    settings = ["SET LOCAL jit = off", "SET LOCAL max_parallel_workers_per_gather = 0"]
    if not connection.in_atomic_block:
        settings.insert(0, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(settings))
        yield


# Each facet is counted with every filter but its own; years ignore a month's selection too.
IGNORED_BY = {"year": {"year", "month"}}
# Facets counted by grouping the rows of a pass (`base`): what each groups by, and its values.
GROUPED = {
    # Officials only: reporters, moderators and audiences are no one to filter by.
    "speaker": (
        "CASE WHEN speaker_kind = 'official' THEN speaker_id END",
        "(CASE WHEN speaker_kind = 'official' THEN speaker_id END)::text",
    ),
    "country": ("country", "country"),
    "year": ("to_char(date, 'YYYY')", "to_char(date, 'YYYY')"),
    "month": ("to_char(date, 'YYYY-MM')", "to_char(date, 'YYYY-MM')"),
    "meeting": ("meeting_id", "meeting_id::text"),
    "kind": ("kind", "kind"),
    "interpreted": ("via_interpreter", "CASE WHEN via_interpreter THEN 'yes' ELSE 'no' END"),
}
# A large result's sample counted by month, each month named by its first day, from which its page
# is found (`_windowed_page`). Grouped by another expression than the month facet's, so that
# GROUPING() tells them apart.
HISTOGRAM = "histogram"
GROUPED[HISTOGRAM] = ("date_trunc('month', date)", "date_trunc('month', date)::date::text")
QUOTED_TOTAL = "'total'"
# Topics are counted through the taggings; {passing} is the condition a row must meet to count.
TOPIC_SQL = """
    SELECT 'topic', tagging.topic_id::text, count(*) FILTER (WHERE {passing})
    FROM base JOIN statements_tagging AS tagging ON tagging.utterance_id = base.id
    GROUP BY tagging.topic_id"""
# A pass over fewer rows than this looks up each row's speaker's country by the speaker's id,
# rather than hashing every speaker's.
FEW_ROWS = 1_500
SPEAKER_COUNTRY = "(SELECT s.country FROM statements_speaker AS s WHERE s.id = u.speaker_id)"
# What a pass reads of each row.
PASS_COLUMNS = (
    "u.id, u.speaker_id, u.speaker_kind, u.meeting_id, u.date, u.sequence, u.kind, "
    "u.via_interpreter"
)
# What a result shows of its utterance, meeting and speaker (templates/includes/hit.html and the
# API), read by `_Search.rows()`, each model's columns in the order of its fields, as
# `Model.from_db()` takes them. All of the utterance but its text, of which only the snippet is
# read, and its search vector; of the meeting and the speaker, what names and links them.
SHOWN = {
    Meeting: {"id", "title", "slug", "date", "kind", "location"},
    Speaker: {"id", "name", "slug", "role", "country"},
}
HIT_COLUMNS = {
    Utterance: [
        f.attname
        for f in Utterance._meta.concrete_fields
        if f.attname not in {"text", "search_vector"}
    ],
    **{
        model: [f.attname for f in model._meta.concrete_fields if f.attname in names]
        for model, names in SHOWN.items()
    },
}
HIT_SQL = f"""
    SELECT {", ".join(f"u.{c}" for c in HIT_COLUMNS[Utterance])},
           {", ".join(f"m.{c}" for c in HIT_COLUMNS[Meeting])},
           {", ".join(f"s.{c}" for c in HIT_COLUMNS[Speaker])},
           speaker_role_on(u.speaker_id, u.date),
           {{snippet}}
    FROM statements_utterance AS u
    JOIN statements_meeting AS m ON m.id = u.meeting_id
    LEFT JOIN statements_speaker AS s ON s.id = u.speaker_id
    WHERE u.id = ANY(%s)"""


def date_order(sort: str, of: str = "") -> str:
    """What to ORDER BY for the search's dates: newest first, but sorted "oldest"; within a
    meeting, in its order. Of the columns of the table `of` names ("u"), when given."""
    of = f"{of}." if of else ""
    direction = "" if sort == "oldest" else " DESC"
    return f"{of}date{direction}, {of}meeting_id, {of}sequence"


Counts = dict[tuple[str, str | None], int]


class _Search:
    """The statements behind one search, chosen by how many rows each would read."""

    def __init__(
        self,
        within: Sql,
        conditions: dict[str, Sql],
        parsed: str,
        sort: str,
        page: int,
        archive_size: float,
        speakers: Sequence[int] = (),
    ):
        """A search for the words `parsed` (tsquery text, empty for none) among the utterances
        `within` the dates asked for, with one condition per facet filtered on, and the ids of
        the `speakers` that the speaker condition chooses."""
        self.conditions, self.archive_size = conditions, archive_size
        # An archive of a few times EXACT_LIMIT is small enough for one exact pass whatever is
        # asked.
        self.large = archive_size >= LARGE_ARCHIVE
        self.parsed = parsed
        # The matching rows, as the words' index finds them. `sizing` is what the number of
        # rows to read is worked out from: the matches, or for a phrase its words in any order,
        # counted rather than estimated.
        self.within = self.matching = self.sizing = within
        # PostgreSQL's estimates take a phrase's words as independent, and a phrase's words are
        # anything but ("rule of law": 8 times too few). Its words in any order are what the
        # index finds and the rows then recheck: those are counted instead.
        self.unordered = PHRASE_OPERATOR.sub("&", parsed)
        self.counted = self.unordered != parsed
        self.speakers = speaker_lexemes(speakers)
        if parsed:
            self.matching = Sql.all([within, matches(parsed)])
            self.sizing = Sql.all([within, matches(self.unordered)])
        self.word_rows = 0  # about how many rows the words match, once counted
        self.sort, self.offset = sort, (page - 1) * PAGE_SIZE
        # Sorted by relevance, a page among the first RANK_LIMIT matches is ranked.
        self.ranking = sort == "relevance" and self.offset < RANK_LIMIT
        self.total_is_estimate = False
        self.page_ids: list[int] | None = None  # picked by a pass, when one could
        # For a large result: its sample's matches by month, and one utterance in how many.
        self.histogram: dict[str, int] = {}
        self.sample = 1

    def count(self, wanted: Collection[str] | None = None) -> tuple[Counts, set[str]]:
        """Every facet's counts (or the `wanted` ones') and the total; and the facets that were
        estimated."""
        active = set(self.conditions)
        groups: dict[frozenset[str], list[str]] = {frozenset(): []}
        # Months are listed only within a year chosen (`_facets()`): else they are not counted.
        months = bool(active & {"year", "month"})
        for facet in wanted if wanted is not None else FACETS:
            if facet == "month" and not months:
                continue
            ignored = frozenset(IGNORED_BY.get(facet, {facet}) & active)
            groups.setdefault(ignored, []).append(facet)

        size = self.word_rows = self._size(self.sizing) if self.large else 0
        if size <= EXACT_LIMIT:
            # One pass over the rows every facet starts from; each facet's filters are flags.
            passes = {ignored: active - ignored for ignored in groups}
            return self._pass(self.matching, self.conditions, groups, passes), set()

        # Enough memory that the bitmaps of common words stay exact rather than lossy (a lossy
        # page rechecks every row on it). Not for the single pass: there it would let a topic
        # filter hash every tagging of the topic rather than look up the few rows at hand.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
        counts: Counts = {}
        estimated: set[str] = set()
        for ignored, facets in groups.items():
            applied = {name: c for name, c in self.conditions.items() if name not in ignored}
            rows = self._where(applied)
            if applied and not self._sized_by_pass(ignored, applied):
                size = self._size(self._where(applied, sizing=True))
            else:
                size = self.word_rows
            if size <= EXACT_LIMIT:
                counts.update(self._pass(rows, {}, {ignored: facets}, {ignored: set()}))
                continue
            sparse = size > SPARSE_ABOVE
            if self.parsed:
                sample = WORDS_SPARSE_SAMPLE if sparse else WORDS_SAMPLE
            else:
                sample = SPARSE_SAMPLE if sparse else SAMPLE
            # The pass that counts the total also counts its sample by month, to find the page.
            counting = [*facets, HISTOGRAM] if not ignored else facets
            few = size // sample < FEW_ROWS
            counted = self._pass(rows, {}, {ignored: counting}, {ignored: set()}, sample, few=few)
            if not ignored and counted[("total", None)] <= EXACT_LIMIT:
                # Fewer than PostgreSQL expected: read them all, for exact counts and the page.
                counted = self._pass(rows, {}, {ignored: facets}, {ignored: set()})
            else:
                estimated.update(facets)
                if not ignored:
                    self.total_is_estimate = True
                    self.histogram = {
                        value: count for (f, value), count in counted.items() if f == HISTOGRAM
                    }
                    self.sample = sample
            counts.update(counted)
        counts = {key: count for key, count in counts.items() if key[0] != HISTOGRAM}
        return counts, estimated

    def _sized_by_pass(self, ignored: frozenset[str], applied: dict[str, Sql]) -> bool:
        """Whether the rows of the group with nothing ignored are left for its sample pass to
        count, rather than sized first: for a phrase whose words' rows are not sparse, and
        with a filter that the words' index cannot answer (any but the speaker). Sizing them
        would count the same sample, checking each row's filters one by one (a topic's: 2 ms),
        and the pass's count is as good: when it finds them few, they are read whole."""
        return (
            self.counted
            and not ignored
            and self.word_rows <= SPARSE_ABOVE
            and bool(applied.keys() - {"speaker"})
        )

    def _where(self, applied: dict[str, Sql], sizing: bool = False, years: str = "") -> Sql:
        """The matches (or with `sizing`, the rows that size them) that meet the conditions
        `applied`, and are of the `years` (`year_lexemes()`) when given: the speakers chosen and
        the years are looked up with the words (`matches()`)."""
        if not self.parsed:
            return Sql.all([self.within, *applied.values()])
        speakers = self.speakers if "speaker" in applied else ""
        others = [c for name, c in applied.items() if name != "speaker"]
        words = matches(self.unordered if sizing else self.parsed, speakers, years)
        return Sql.all([self.within, words, *others])

    def _size(self, rows: Sql) -> int:
        """About how many rows a pass over these would read: PostgreSQL's estimate, or for a
        phrase, its words in any order counted in the sample. (A result taken for large that the
        sample finds small is then read whole: see `count()`.)"""
        if not self.counted:
            return _estimated_rows(rows)
        where = Sql.all([rows, _sampled(WORDS_SAMPLE, words=True)])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM statements_utterance AS u WHERE {where.text}", where.params
            )
            return cursor.fetchone()[0] * WORDS_SAMPLE

    def _pass(
        self,
        selected: Sql,
        flags: dict[str, Sql],
        groups: dict[frozenset[str], list[str]],
        needs: dict[frozenset[str], set[str]],
        sample: int | None = None,
        first: int | None = None,
        few: bool = True,
    ) -> Counts:
        """Count the groups' facets over the `selected` rows in one statement: each group's
        facets over the rows that pass the flags it `needs`. The group with nothing ignored also
        gets the total, and when the count is exact, the page of results. Counts from a
        `sample` are scaled up, but for the HISTOGRAM's. With `first`, only the first so many
        rows in the search's date order are read. Unless there are `few` rows to read, each
        speaker's country is hashed rather than looked up row by row."""
        with_total = frozenset() in groups
        with_page = with_total and not sample
        needed = {facet: needs[ignored] for ignored, facets in groups.items() for facet in facets}
        columns = [Sql(PASS_COLUMNS)]
        columns += [Sql(f"({flag.text}) AS f_{name}", flag.params) for name, flag in flags.items()]
        joined = ""
        # The speaker's country is joined in only for a pass that counts it.
        if "country" in needed and few:
            columns.append(Sql(f"{SPEAKER_COUNTRY} AS country"))
        elif "country" in needed:
            columns.append(Sql("s.country"))
            joined = "LEFT JOIN statements_speaker AS s ON s.id = u.speaker_id"
        if with_page and self.ranking:
            columns.append(Sql("u.search_vector"))
        where = Sql.all(
            [selected, _sampled(sample, words=bool(self.parsed))] if sample else [selected]
        )
        order = ""
        if first:
            order = f"ORDER BY {date_order(self.sort, of='u')} LIMIT {int(first)}"
        select = ", ".join(column.text for column in columns)
        inner = (
            f"SELECT {select} FROM statements_utterance AS u {joined} WHERE {where.text} {order}"
        )
        params = [*(p for column in columns for p in column.params), *where.params]

        def passing(names: set[str]) -> str:
            return " AND ".join(f"f_{name}" for name in sorted(names)) or "TRUE"

        grouped = [facet for facet in GROUPED if facet in needed]
        parts = []
        if grouped or with_total:
            cases = [
                (
                    GROUPED[f][0],
                    f"'{f}'",
                    GROUPED[f][1],
                    f"count(*) FILTER (WHERE {passing(needed[f])})",
                )
                for f in grouped
            ]
            total = f"count(*) FILTER (WHERE {passing(needs.get(frozenset(), set()))})"
            sets = [f"({column})" for column, *_ in cases] + (["()"] if with_total else [])

            def case(index: int, otherwise: str) -> str:
                whens = " ".join(f"WHEN GROUPING({c[0]}) = 0 THEN {c[index]}" for c in cases)
                return f"CASE {whens} ELSE {otherwise} END" if whens else otherwise

            parts.append(
                f"SELECT {case(1, QUOTED_TOTAL)}, {case(2, 'NULL')}, {case(3, total)} "
                f"FROM base GROUP BY GROUPING SETS ({', '.join(sets)})"
            )
        if "topic" in needed:
            parts.append(TOPIC_SQL.format(passing=passing(needed["topic"])))
        page_params: list = []
        if with_page:
            page_sql, page_params = self._page_of(passing(needs[frozenset()]))
            parts.append(page_sql)

        sql = f"WITH base AS MATERIALIZED ({inner}) " + " UNION ALL ".join(
            f"({part})" for part in parts
        )
        counted: Counts = {}
        page: list[tuple[int, int]] = []
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *page_params])
            for facet, value, count in cursor.fetchall():
                if facet == "page":
                    page.append((count, int(value)))
                elif count and (value is not None or facet == "total"):
                    scaled = sample and facet != HISTOGRAM
                    counted[(facet, value)] = Estimate.scaled(count, sample) if scaled else count
        if with_total:
            counted.setdefault(("total", None), 0)
            if with_page:
                self.page_ids = [pk for _, pk in sorted(page)]
        return counted

    def _page_of(self, passing: str) -> tuple[str, list]:
        """The page's ids and positions, picked from `base` in the same statement."""
        window = f"LIMIT {PAGE_SIZE} OFFSET {self.offset}"
        chosen = f"FROM base WHERE {passing}"
        newest = date_order("newest")
        if self.ranking:
            return (
                "SELECT 'page', id::text, position FROM ("
                "SELECT id, row_number() OVER (ORDER BY "
                f"ts_rank_cd(search_vector, %s::tsquery, 1) DESC, {newest}) AS position "
                f"FROM (SELECT id, date, meeting_id, sequence, search_vector {chosen} "
                f"ORDER BY {newest} LIMIT {RANK_LIMIT}) AS candidate "
                f"ORDER BY position {window}) AS page",
                [self.parsed],
            )
        order = date_order(self.sort)
        return (
            "SELECT 'page', id::text, position FROM ("
            f"SELECT id, row_number() OVER (ORDER BY {order}) AS position {chosen} "
            f"ORDER BY {order} {window}) AS page",
            [],
        )

    def rows(self) -> list[Utterance]:
        """The page's utterances in order, each with its meeting and speaker, and with its
        `headline` when words were searched (the text itself then stays in the database). One
        statement, written out: the ORM took longer to compile it than PostgreSQL to run it."""
        ids = self.page_ids if self.page_ids is not None else self._windowed_page()
        if self.parsed:
            sql = HIT_SQL.format(snippet="archive_headline(u.text, %s::tsquery, %s)")
            params = [self.parsed, HEADLINE_OPTIONS, ids]
        else:
            sql, params = HIT_SQL.format(snippet="u.text"), [ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = {}
            for row in cursor.fetchall():
                utterance, meeting, speaker, held_role, snippet = _split(row)
                utterance.meeting, utterance.speaker = meeting, speaker
                utterance.held_role = held_role
                if self.parsed:
                    utterance.headline = snippet
                else:
                    utterance.text = snippet
                found[utterance.pk] = utterance
        return [found[pk] for pk in ids if pk in found]

    def _windowed_page(self) -> list[int]:
        """The page of a large result, picked from the first matches in date order (the
        RANK_LIMIT newest when they are to be ranked) rather than from all of them.

        They are sought from the first month from which the sample counted enough matches,
        even three standard deviations short. With words, the words and the window's years are
        looked up together in the words' index (`YearLexeme`), and the month is checked on the
        rows found; when matches are dense, or without words, utterances are read newest first
        from the dates' index until there are enough. Should a window hold too few, a wider one
        is read.

        The words of a very common word's window are checked row by row, and not looked up in
        their index: PostgreSQL takes the lookup for cheap, and would read every match (a word
        in a quarter of a million utterances: 60 ms) where the few thousand rows the other
        filters leave are checked in a few."""
        dense = self.parsed and self.word_rows > DENSE_SHARE * self.archive_size
        if dense:
            rows = Sql.all(
                [self.within, matches_row_by_row(self.parsed), *self.conditions.values()]
            )
        else:
            rows = self._where(self.conditions)
        wanted = RANK_LIMIT if self.ranking else self.offset + PAGE_SIZE
        everything = frozenset()
        for needed in (wanted, 4 * wanted, 16 * wanted, None):
            cutoff = self._cutoff(needed) if needed else None
            if cutoff is None:
                window = rows
            elif self.parsed and not dense:
                # The years with the words in their index; then the month on the rows found,
                # written so that the dates' index is not read for it (`date + 0`): the years
                # left a year or two of matches, where the dates' index would add every row
                # of those months.
                op = "<" if self.sort == "oldest" else ">="
                years = self._where(self.conditions, years=self._years_from(cutoff))
                window = Sql.all([years, Sql(f"(u.date + 0) {op} %s", (cutoff,))])
            elif self.sort == "oldest":
                window = Sql.all([rows, Sql("u.date < %s", (cutoff,))])
            else:
                window = Sql.all([rows, Sql("u.date >= %s", (cutoff,))])
            held = self._pass(window, {}, {everything: []}, {everything: set()}, first=wanted)
            if cutoff is None or held[("total", None)] >= wanted:
                return self.page_ids
        raise AssertionError("unreachable: the last window holds every match")

    @functools.cached_property
    def _archive_years(self) -> tuple[int, int]:
        """The archive's first and last year, read from the dates' index in the search's
        snapshot, once however many windows are read."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT extract(year FROM min(date))::integer, "
                "extract(year FROM max(date))::integer FROM statements_utterance"
            )
            return cursor.fetchone()

    def _years_from(self, cutoff: dt.date) -> str:
        """The years of a window that starts (or, oldest first, ends before) `cutoff`, as
        `year_lexemes()`: from its year to the archive's last (or from the first to its)."""
        first, last = self._archive_years
        if self.sort == "oldest":
            return year_lexemes(first, (cutoff - dt.timedelta(days=1)).year)
        return year_lexemes(cutoff.year, last)

    def _cutoff(self, needed: int) -> dt.date | None:
        """The date from which (or, oldest first, before which) the sample says that at least
        `needed` matches lie; None when only all of them are surely enough."""
        months = sorted(self.histogram, reverse=self.sort != "oldest")
        sampled = 0
        for month in months[:-1]:
            sampled += self.histogram[month]
            if (sampled - 3 * math.sqrt(sampled)) * self.sample >= needed:
                start = dt.date.fromisoformat(month)
                if self.sort != "oldest":
                    return start
                return (start + dt.timedelta(days=32)).replace(day=1)
        return None


def _sampled(every: int, words: bool) -> Sql:
    """The condition that picks one utterance in `every`, as migration 0009's indexes state it."""
    modulo = Sql(f"u.id %% {int(every)} = 0")
    if words or every == SAMPLE:
        return modulo
    return Sql.all([Sql(f"u.id %% {SAMPLE} = 0"), modulo])  # from the covering index of 1 in 16


def _split(row: tuple) -> tuple[Utterance, Meeting, Speaker | None, str | None, str]:
    """A row of HIT_SQL as the utterance, its meeting and its speaker (none for an unresolved
    label), the role the speaker held that day, and the snippet's text."""
    made, start = [], 0
    for model, columns in HIT_COLUMNS.items():
        values = row[start : start + len(columns)]
        start += len(columns)
        made.append(None if values[0] is None else model.from_db(connection.alias, columns, values))
    return (*made, row[start], row[start + 1])


def _estimated_rows(rows: Sql) -> int:
    """How many utterances PostgreSQL expects to meet the condition: its plan, not a count."""
    with connection.cursor() as cursor:
        sql = f"EXPLAIN (FORMAT JSON) SELECT u.id FROM statements_utterance AS u WHERE {rows.text}"
        cursor.execute(sql, rows.params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _snippet(row: Utterance) -> SafeString:
    """The matched words in context, or the turn's opening when no words were searched."""
    if hasattr(row, "headline"):
        return highlight(row.headline)
    return _opening(row.text)


def highlight(headline: str) -> SafeString:
    """Escape a headline, then mark its matches: a transcript's or a query's <script> stays text."""
    escaped = escape(headline.replace("\n\n", " ¶ "))
    marked = MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(START, "").replace(STOP, ""))


def _opening(text: str, words: int = 45) -> SafeString:
    tokens = text.split()
    opening = " ".join(tokens[:words]) + (" …" if len(tokens) > words else "")
    return escape(opening)


# Facets of which each utterance has one value: the count of a value chosen alone is the total's.
ONE_VALUE_EACH = ("speaker", "country", "year", "month", "meeting", "kind", "interpreted")


def _chosen_alone(data: dict, estimated: set[str], total: int) -> Counts:
    """The exact counts of values chosen alone in an estimated facet, when the total is exact:
    those are the same rows (the facet of the speaker chosen would show ≈740 beside 561 found).
    Not a year's when a month is chosen too: years are counted whatever the month."""
    selected = _selected(data)
    exact: Counts = {}
    for facet in ONE_VALUE_EACH:
        alone = len(selected[facet]) == 1 and (facet != "year" or not selected["month"])
        if facet in estimated and alone:
            (value,) = selected[facet]
            exact[(facet, value)] = total
    return exact


def _selected(data: dict) -> dict[str, set[str]]:
    """The values chosen in each facet, as the counts name them."""
    return {
        "speaker": {str(s.pk) for s in data.get("speaker") or []},
        "country": set(data.get("country") or []),
        "topic": {str(t.pk) for t in data.get("topic") or []},
        "year": set(data.get("year") or []),
        "month": set(data.get("month") or []),
        "meeting": {str(m.pk) for m in data.get("meeting") or []},
        "kind": set(data.get("kind") or []),
        "interpreted": set(data.get("interpreted") or []),
    }


def _facets(
    counts: Counts, estimated: set[str], data: dict, wanted: Collection[str] | None = None
) -> dict[str, Facet]:
    """Name and order the counted values, keeping selected values even when they count zero:
    every facet's, or the `wanted` ones'."""
    by_facet: dict[str, dict[str, int]] = {}
    for (facet, value), count in counts.items():
        by_facet.setdefault(facet, {})[value] = count

    selected = _selected(data)
    for facet, values in selected.items():
        for value in values:
            by_facet.setdefault(facet, {}).setdefault(value, 0)

    def own(facet: str) -> dict[str, tuple[str, str]]:
        # A speaker with no country given counts under no country.
        return {value: (value, value) for value in by_facet.get(facet, {}) if value}

    years_chosen = selected["year"] | {month[:4] for month in selected["month"]}
    named = _named({name: (by_facet.get(name), selected[name]) for name in NAMED})
    labels = {
        "speaker": named["speaker"],
        "country": own("country"),
        "topic": named["topic"],
        "year": own("year"),
        "month": {
            month: (month, f"{calendar.month_abbr[int(month[5:])]} {month[:4]}")
            for month in by_facet.get("month", {})
            if month[:4] in years_chosen
        },
        "meeting": named["meeting"],
        "kind": {value: (value, label) for value, label in Utterance.Kind.choices},
        "interpreted": {value: (value, label) for value, label in INTERPRETED},
    }

    facets = {}
    for name, (title, by_value, limit) in FACETS.items():
        if wanted is not None and name not in wanted:
            continue
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
        facets[name] = Facet(
            name, title, shown, more=len(values) - len(shown), estimate=name in estimated
        )
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


# Facets whose values are rows of these tables, read in one statement by `_named()`: their slugs
# and the columns labels are made of (a meeting's date, kind and place).
NAMED = {
    "speaker": "SELECT 'speaker', id, slug, name, NULL::date, '', '' FROM statements_speaker",
    "topic": "SELECT 'topic', id, slug, name, NULL::date, '', '' FROM statements_topic",
    "meeting": "SELECT 'meeting', id, slug, '', date, kind, location FROM statements_meeting",
}


def _named(
    facets: dict[str, tuple[dict[str, int] | None, set[str]]],
) -> dict[str, dict[str, tuple[str, str]]]:
    """Slug and label for the values worth showing, facet by facet: the most frequent and the
    selected ones (`facets` gives each facet's counts and selection)."""
    parts, params = [], []
    for facet, (counted, selected) in facets.items():
        counted = counted or {}
        top = sorted(counted, key=lambda pk: -counted[pk])[: FACET_LIMIT * 2]
        parts.append(f"{NAMED[facet]} WHERE id = ANY(%s)")
        params.append([int(pk) for pk in {*top, *selected}])
    names: dict[str, dict[str, tuple[str, str]]] = {facet: {} for facet in facets}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for facet, pk, slug, name, date, kind, location in cursor.fetchall():
            if facet == "meeting":
                name = Meeting.short_label(date, kind, location)
            names[facet][str(pk)] = (slug, name)
    return names
