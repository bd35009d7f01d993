"""Searching utterances: the words and filters of a search, its page of results with snippets,
its facet counts and its suggestions.

The page, `/api/search` and the speaker and topic pages all call `run(params)` with the frozen
`SearchParams` a form validated. A search is a few explicit steps, each a function of its inputs:

1. `compile_words()` reads the box (statements/query.py) into a tantivy query over the index's
   stemmed, accent-folded text, and the stems a snippet marks.
2. `filter_queries()` turns each facet's selection into a query of its own.
3. `find()` asks the index (statements/search_index.py) for the exact total and the page:
   by BM25 over every match, or by date.
4. `count_facets()` counts every facet exactly over all matches, each with every filter but its
   own (tantivy's aggregations over its columnar fields), and lists its true top values.
5. `fetch_hits()` reads the page's utterances, meetings and speakers from PostgreSQL, the record,
   and `snippet()` shows each turn around every word and phrase that matched.
6. `suggest_speaker()` and `suggest_spelling()` offer what the words may have meant: a speaker's
   turns when they name one, the archive's own spelling when they find little.

All of search's SQL is here, written out: it reads rows by id and names, no more.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import itertools
import re
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import tantivy
from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from statements import query as box
from statements import search_index
from statements.models import Meeting, Speaker, Utterance

PAGE_SIZE = 20
MAX_PAGE_SIZE = 500
FACET_LIMIT = 12
# A search with fewer results than this gets spelling suggestions.
FEW_RESULTS = 5
SORTS = [("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]
INTERPRETED = [("yes", "Interpreted"), ("no", "Not interpreted")]
# Snippets mark matches with these; the text is escaped, then they become <mark> tags.
START, STOP = "\x02", "\x03"
MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


@dataclass(frozen=True)
class SearchParams:
    """What a search asks, validated: the words as typed; per facet, the values chosen, as the
    index holds them (speaker, topic, place and meeting ids; countries, years, months, kinds as
    text); a date range; the order and the page."""

    q: str = ""
    chosen: Mapping[str, tuple] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE
    facet_limit: int = FACET_LIMIT

    def values(self, facet: str) -> tuple:
        return tuple(self.chosen.get(facet, ()))


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
    more: int = 0  # values counted but left off the list (chosen values are always listed)
    more_matches: int = 0  # matches with values beyond the facet limit, not counted one by one

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values if v.selected]


@dataclass
class Hit:
    utterance: Utterance
    snippet: SafeString


@dataclass(frozen=True)
class Suggestion:
    """Another search to offer: its text ("what Ned Price said about sanctions") and the
    parameters to link to (facet values as the URL names them)."""

    text: str
    params: Mapping[str, list[str]]


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = PAGE_SIZE
    sort: str = "newest"
    facets: dict[str, Facet] = field(default_factory=dict)
    notice: str = ""
    speaker_suggestion: Suggestion | None = None
    spelling_suggestion: Suggestion | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.page_size)


class PageOutOfRange(ValueError):
    pass


def run(params: SearchParams, facets: Collection[str] | None = None) -> Results:
    """Search; when `facets` names some, only those are counted and returned."""
    parsed = box.read(params.q)
    sort = params.sort or ("relevance" if parsed.terms else "newest")
    if sort == "relevance" and not parsed.terms:
        sort = "newest"
    wanted = [name for name in FACETS if facets is None or name in facets]
    if params.q.strip() and not parsed.terms and not parsed.speakers:
        notice = _notice_without_terms(parsed)
        return Results(sort=sort, notice=notice, facets=name_facets({}, params, wanted))

    named = resolve_speakers(parsed.speakers)
    missing = [name for name, ids in named.items() if not ids]
    if missing:
        notice = f"No speaker is known as “{missing[0]}”: check the name, or pick one below."
        return Results(sort=sort, notice=notice, facets=name_facets({}, params, wanted))
    words = compile_words(parsed)
    if parsed.terms and words.query is None:
        notice = (
            f"“{params.q.strip()}” has only very common words, which are not looked for: "
            "try other words."
        )
        return Results(sort=sort, notice=notice, facets=name_facets({}, params, wanted))

    searcher = search_index.searcher()
    counted_key = _counts_key(params, wanted, named)
    filters = filter_queries(params, [id_ for ids in named.values() for id_ in ids])
    total, ids = find(searcher, words.query, filters, sort, params.page, params.page_size)
    if params.page > 1 and (params.page - 1) * params.page_size >= total:
        raise PageOutOfRange(f"There is no page {params.page}: this search has {total} results.")
    counts = cache.get(counted_key) if settings.SEARCH_CACHE_SECONDS else None
    if counts is None:
        counts = count_facets(searcher, words.query, filters, params, wanted)
        if settings.SEARCH_CACHE_SECONDS:
            cache.set(counted_key, counts, settings.SEARCH_CACHE_SECONDS)
    utterances = fetch_hits(ids)
    return Results(
        hits=[Hit(u, snippet(u.text, words.marks)) for u in utterances],
        total=total,
        page=params.page,
        page_size=params.page_size,
        sort=sort,
        facets=name_facets(counts, params, wanted),
        speaker_suggestion=suggest_speaker(parsed, params, searcher),
        spelling_suggestion=(
            suggest_spelling(parsed, params, searcher, filters, total)
            if total < FEW_RESULTS
            else None
        ),
    )


def _counts_key(params: SearchParams, wanted: Collection[str], named: Mapping) -> str:
    """The key of a search's facet counts: what they depend on (not the page nor the order),
    and the index as the searcher just opened it."""
    asked = repr((replace(params, page=1, sort="", page_size=0), list(wanted), named))
    named_key = "\n".join([search_index.searcher_version(), asked])
    return f"facet-counts:{hashlib.sha256(named_key.encode()).hexdigest()}"


def match_query(params: SearchParams) -> tantivy.Query | None:
    """Every utterance the search matches, as one index query: its words and all its filters, as
    `run()` counts its total (exports and trends read every match through it). None when it
    matches nothing: exclusions alone, a speaker: no one goes by, only very common words."""
    parsed = box.read(params.q)
    if params.q.strip() and not parsed.terms and not parsed.speakers:
        return None
    named = resolve_speakers(parsed.speakers)
    if any(not ids for ids in named.values()):
        return None
    words = compile_words(parsed)
    if parsed.terms and words.query is None:
        return None
    filters = filter_queries(params, [id_ for ids in named.values() for id_ in ids])
    return combined(words.query, filters.values())


def _notice_without_terms(parsed: box.Query) -> str:
    if parsed.excluded:
        return "Add a word to search for: a search cannot be made of exclusions alone."
    return "Add a word to search for."


# Step 1: the words.

# English's most common words (PostgreSQL's list): not looked for when typed alone, unquoted, as
# a search for them would match nearly everything. In a quoted phrase they count.
STOP_WORDS_TEXT = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself "
    "she her hers herself it its itself they them their theirs themselves what which who whom "
    "this that these those am is are was were be been being have has had having do does did "
    "doing a an the and but if or because as until while of at by for with about against "
    "between into through during before after above below to from up down in out on off over "
    "under again further then once here there when where why how all any both each few more "
    "most other some such no nor not only own same so than too very s t can will just don "
    "should now"
)
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())
# Spellings the English stemmer keeps apart, made to meet: each also finds the others.
VARIANTS = [("traffick", "traffic"), ("panick", "panic"), ("mimick", "mimic")]
VARIANTS_OF = {stem: group for group in VARIANTS for stem in group}


@dataclass(frozen=True)
class Words:
    """The words as a query of the index (None: nothing to look for), and what snippets mark:
    single stems, each with its variants, and phrases as sequences of stems."""

    query: tantivy.Query | None = None
    marks: Marks = field(default_factory=lambda: Marks())


@dataclass(frozen=True)
class Marks:
    stems: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = ()


@functools.lru_cache(maxsize=1)
def _analyzer() -> tantivy.TextAnalyzer:
    return search_index.analyzer()


_analyzing = threading.Lock()


def stems(text: str) -> list[str]:
    """The text's tokens as the index has them: lower-cased, unaccented, stemmed."""
    with _analyzing:
        return _analyzer().analyze(text)


def compile_words(parsed: box.Query) -> Words:
    """The box's terms as a query of the index: every group must match one of its terms (a word
    in any of its forms, or a phrase's stems in order, next to each other), no excluded term may.
    A word typed alone that is one of the STOP_WORDS is not looked for."""
    groups, marks, phrases = [], set(), []
    for group in parsed.required:
        alternatives = []
        for term in group:
            compiled = _term(term, keep_stop_words=term.phrase)
            if compiled is None:
                continue
            query, tokens = compiled
            alternatives.append(query)
            if len(tokens) == 1:
                marks.update(VARIANTS_OF.get(tokens[0], tokens))
            else:
                phrases.append(tuple(tokens))
        if alternatives:
            groups.append(_any(alternatives))
    excluded = [_term(term, keep_stop_words=True) for term in parsed.excluded]
    if not groups and not (parsed.speakers and any(excluded)):
        return Words()
    # Exclusions alone are a search only beside a speaker: prefix (every turn of theirs but...).
    clauses = [(tantivy.Occur.Must, q) for q in groups or [tantivy.Query.all_query()]]
    clauses += [(tantivy.Occur.MustNot, e[0]) for e in excluded if e is not None]
    query = clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
    return Words(query, Marks(frozenset(marks), tuple(phrases)))


def _term(term: box.Term, keep_stop_words: bool) -> tuple[tantivy.Query, list[str]] | None:
    """A word or phrase as a query of the text's field, and its stems; None when there is
    nothing to look for. A word that is several tokens (U.S., co-operation) is a phrase of them."""
    if not keep_stop_words and search_index.fold(term.text) in STOP_WORDS:
        return None
    tokens = stems(term.text)
    if not tokens:
        return None
    if len(tokens) == 1:
        return _stem_query(tokens[0]), tokens
    # A phrase whose stems have variants is each spelling of it (at most a few).
    spellings = [[]]
    for token in tokens:
        options = VARIANTS_OF.get(token, (token,))
        spellings = [s + [option] for s in spellings for option in options][:8]
    return _any(
        tantivy.Query.phrase_query(search_index.SCHEMA, search_index.TEXT, spelling)
        for spelling in spellings
    ), tokens


def _stem_query(stem: str) -> tantivy.Query:
    return _any(
        tantivy.Query.term_query(search_index.SCHEMA, search_index.TEXT, variant)
        for variant in VARIANTS_OF.get(stem, (stem,))
    )


def _any(queries: Iterable[tantivy.Query]) -> tantivy.Query:
    queries = list(queries)
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


# Step 2: the filters.

# The facets, in the order a page lists them: heading, ordered by value rather than count,
# whether the facet is cut to the search's facet limit, and the index field counted.
FACETS = {
    "speaker": ("Official", False, True),
    "speaker_kind": ("Who is speaking", False, False),
    "outlet": ("Reporter's outlet", False, True),
    "country": ("Country", False, True),
    "topic": ("Topic", False, False),
    "place": ("Place", False, True),
    "year": ("Year", True, False),
    "month": ("Month", True, False),
    "meeting": ("Meeting", False, True),
    "kind": ("Kind of utterance", False, False),
    "interpreted": ("Interpretation", False, False),
}
# Each facet is counted with every filter but its own; years ignore a month's selection too.
IGNORED_BY = {"year": {"year", "month"}}
# Facets counted over some of the matches only: the Official facet lists officials, not the
# reporters, moderators and audiences whose turns match too (index field, value).
COUNTED_OVER = {"speaker": ("speaker_kind", "official")}
# Facets whose values are whole numbers in the index (the others are text).
NUMBERED = {"speaker", "topic", "place", "meeting", "year"}
DATES = "dates"  # the date range's filter, which no facet ignores
NAMED_SPEAKERS = "named"  # speakers named with speaker:, which no facet ignores either


def filter_queries(
    params: SearchParams, named_speakers: Sequence[int] = ()
) -> dict[str, tantivy.Query]:
    """One query per facet filtered on, by facet name, and the date range's and the named
    speakers' when given. Their scores are zero: filters choose, words rank."""
    filters = {}
    for name in FACETS:
        values = params.values(name)
        if name == "interpreted" and len(set(values)) == 2:
            continue  # both: no filter
        if values:
            typed = [int(v) for v in values] if name in NUMBERED else [str(v) for v in values]
            filters[name] = tantivy.Query.term_set_query(search_index.SCHEMA, name, typed)
    if params.date_from or params.date_to:
        filters[DATES] = tantivy.Query.range_query(
            search_index.SCHEMA,
            "day",
            tantivy.FieldType.Integer,
            params.date_from.toordinal() if params.date_from else None,
            params.date_to.toordinal() if params.date_to else None,
        )
    if named_speakers:
        filters[NAMED_SPEAKERS] = tantivy.Query.term_set_query(
            search_index.SCHEMA, "speaker", list(named_speakers)
        )
    return {name: tantivy.Query.const_score_query(query, 0.0) for name, query in filters.items()}


def combined(words: tantivy.Query | None, filters: Iterable[tantivy.Query]) -> tantivy.Query:
    """The words and every filter: the utterances that match them all."""
    clauses = [(tantivy.Occur.Must, q) for q in filters]
    if words is not None:
        clauses.insert(0, (tantivy.Occur.Must, words))
    if not clauses:
        return tantivy.Query.all_query()
    if len(clauses) == 1 and words is not None:
        return words
    return tantivy.Query.boolean_query(clauses)


# Step 3: the total and the page.

# How a page is ordered: by BM25 score, or by a sort key of the index (search_index.NEWEST,
# OLDEST: the date, then the meeting and the turn in transcript order).
ORDERS = {
    "newest": ("newest", tantivy.Order.Desc),
    "oldest": ("oldest", tantivy.Order.Asc),
}


def find(
    searcher: tantivy.Searcher,
    words: tantivy.Query | None,
    filters: Mapping[str, tantivy.Query],
    sort: str,
    page: int,
    page_size: int,
) -> tuple[int, list[int]]:
    """The exact number of matches, and the ids of the page's utterances in order: by relevance,
    the best BM25 scores over all matches; else by date."""
    query = combined(words, filters.values())
    offset = (page - 1) * page_size
    if sort == "relevance" and words is not None:
        found = searcher.search(query, limit=page_size, offset=offset, count=True)
    else:
        field_name, order = ORDERS.get(sort, ORDERS["newest"])
        found = searcher.search(
            query,
            limit=page_size,
            offset=offset,
            count=True,
            order_by_field=field_name,
            order=order,
        )
    addresses = [address for _, address in found.hits]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    return found.count, ids


def count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """How many utterances match, and no more."""
    return searcher.search(query, limit=1, count=True).count


# Step 4: the facets.

# Buckets each segment of the index returns for a facet before they are merged: more than any
# facet has values (officials, meetings), so the counts and the top values are exact.
SEGMENT_SIZE = 1_000_000

Counts = dict[str, dict[str, int]]


def reader():
    """The database a search reads the record from: a read replica for an anonymous reader's
    page, else the primary (archive.routers), as the ORM's reads are routed."""
    return connections[router.db_for_read(Utterance)]


def count_facets(
    searcher: tantivy.Searcher,
    words: tantivy.Query | None,
    filters: Mapping[str, tantivy.Query],
    params: SearchParams,
    wanted: Collection[str],
) -> Counts:
    """Each wanted facet's values with their exact counts over every match: the top values (the
    facet limit's, or all) and the values chosen. Facets that ignore the same filters are
    counted in one pass; a facet filtered on ignores its own filter, so other choices stay in
    view. Months are counted only when a year is chosen (a page shows only those)."""
    passes: dict[tuple[frozenset[str], tuple], list[str]] = {}
    for name in wanted:
        if name == "month" and not (params.values("year") or params.values("month")):
            continue
        ignored = frozenset(IGNORED_BY.get(name, {name}) & filters.keys())
        passes.setdefault((ignored, COUNTED_OVER.get(name, ())), []).append(name)
    counts: Counts = {}
    for (ignored, over), names in passes.items():
        kept = [q for name, q in filters.items() if name not in ignored]
        if over:
            field, value = over
            kept.append(tantivy.Query.term_query(search_index.SCHEMA, field, value))
        query = combined(words, kept)
        aggregations = {
            name: {
                "terms": {"field": name, "size": _size(name, params), "segment_size": SEGMENT_SIZE}
            }
            for name in names
        }
        aggregated = searcher.aggregate(query, aggregations)
        for name in names:
            counts[name] = {
                _key(bucket["key"]): bucket["doc_count"] for bucket in aggregated[name]["buckets"]
            }
            counts[name][MORE] = aggregated[name].get("sum_other_doc_count", 0)
            missing = [v for v in params.values(name) if str(v) not in counts[name]]
            counts[name].update(_counted_alone(searcher, query, name, missing))
    return counts


MORE = "__more__"  # in a facet's counts: how many matches have values left off


def _size(name: str, params: SearchParams) -> int:
    """How many of a facet's values to list: all for a short facet, else the limit."""
    return params.facet_limit if FACETS[name][2] else 10_000


def _key(key) -> str:
    return str(int(key)) if isinstance(key, float) else str(key)


def _counted_alone(
    searcher: tantivy.Searcher, query: tantivy.Query, name: str, values: Sequence
) -> dict[str, int]:
    """The counts of chosen values below a facet's top values, one count each."""
    counted = {}
    for value in values:
        typed = int(value) if name in NUMBERED else str(value)
        only = tantivy.Query.term_query(search_index.SCHEMA, name, typed)
        both = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, query), (tantivy.Occur.Must, only)]
        )
        counted[str(value)] = count(searcher, both)
    return counted


def name_facets(counts: Counts, params: SearchParams, wanted: Collection[str]) -> dict[str, Facet]:
    """Name and order the counted values, keeping chosen values even when they count zero."""
    by_facet = {name: dict(values) for name, values in counts.items()}
    selected = {name: {str(v) for v in params.values(name)} for name in FACETS}
    for name, values in selected.items():
        for value in values:
            by_facet.setdefault(name, {}).setdefault(value, 0)
    named = _named({name: by_facet.get(name, {}) for name in NAMED if name in wanted})
    years_chosen = selected["year"] | {month[:4] for month in selected["month"]}
    labels = {
        "speaker": named.get("speaker", {}),
        "country": {v: (v, v) for v in by_facet.get("country", {})},
        "topic": named.get("topic", {}),
        "place": named.get("place", {}),
        "year": {v: (v, v) for v in by_facet.get("year", {})},
        "month": {
            month: (month, f"{calendar.month_abbr[int(month[5:])]} {month[:4]}")
            for month in by_facet.get("month", {})
            if month != MORE and month[:4] in years_chosen
        },
        "meeting": named.get("meeting", {}),
        "kind": {value: (value, label) for value, label in Utterance.Kind.choices},
        "interpreted": {value: (value, label) for value, label in INTERPRETED},
        "speaker_kind": {value: (value, label) for value, label in Speaker.Kind.choices},
        "outlet": {v: (v, v) for v in by_facet.get("outlet", {}) if v},
    }
    facets = {}
    for name in wanted:
        title, by_value, limited = FACETS[name]
        counted = by_facet.get(name, {})
        values = [
            FacetValue(
                value=labels[name][raw][0],
                label=labels[name][raw][1],
                count=count,
                selected=raw in selected[name],
            )
            for raw, count in counted.items()
            if raw != MORE and raw in labels[name]
        ]
        if by_value:
            values.sort(key=lambda v: v.value)
        else:
            values.sort(key=lambda v: (not v.selected, -v.count, v.label))
        limit = params.facet_limit if limited else None
        shown = values[:limit] if limit else values
        largest = max((v.count for v in shown), default=0)
        for value in shown:
            value.share = round(100 * value.count / largest) if largest else 0
        facets[name] = Facet(
            name,
            title,
            shown,
            more=len(values) - len(shown),
            more_matches=counted.get(MORE, 0),
        )
    return facets


# Facets whose values are rows of these tables, read in one statement by `_named()`: their slugs
# and the columns labels are made of (a meeting's date, kind and place).
NAMED = {
    "speaker": "SELECT 'speaker', id, slug, name, NULL::date, '', '' FROM statements_speaker",
    "topic": "SELECT 'topic', id, slug, name, NULL::date, '', '' FROM statements_topic",
    "place": "SELECT 'place', id, slug, name, NULL::date, '', '' FROM statements_place",
    "meeting": "SELECT 'meeting', id, slug, '', date, kind, location FROM statements_meeting",
}


def _named(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, tuple[str, str]]]:
    """Slug and label for the counted values, facet by facet, in one statement."""
    parts, params = [], []
    for name, counted in facets.items():
        parts.append(f"{NAMED[name]} WHERE id = ANY(%s)")
        params.append([int(pk) for pk in counted if pk != MORE])
    names: dict[str, dict[str, tuple[str, str]]] = {name: {} for name in facets}
    if not parts:
        return names
    with reader().cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for facet, pk, slug, name, date, kind, location in cursor.fetchall():
            if facet == "meeting":
                name = Meeting.short_label(date, kind, location)
            names[facet][str(pk)] = (slug, name)
    return names


# Step 5: the page's rows and their snippets.

# What a result shows of its utterance, meeting and speaker (templates/includes/hit.html and the
# API), each model's columns in the order of its fields, as `Model.from_db()` takes them: all of
# the utterance but its search vector; of the meeting and the speaker, what names and links them.
SHOWN = {
    Meeting: {"id", "title", "slug", "date", "kind", "location"},
    Speaker: {"id", "name", "slug", "role", "country", "kind"},
}
HIT_COLUMNS = {
    Utterance: [f.attname for f in Utterance._meta.concrete_fields if f.attname != "search_vector"],
    **{
        model: [f.attname for f in model._meta.concrete_fields if f.attname in names]
        for model, names in SHOWN.items()
    },
}
HIT_SQL = f"""
    SELECT {", ".join(f"u.{c}" for c in HIT_COLUMNS[Utterance])},
           {", ".join(f"m.{c}" for c in HIT_COLUMNS[Meeting])},
           {", ".join(f"s.{c}" for c in HIT_COLUMNS[Speaker])},
           speaker_role_on(u.speaker_id, u.date)
    FROM statements_utterance AS u
    JOIN statements_meeting AS m ON m.id = u.meeting_id
    LEFT JOIN statements_speaker AS s ON s.id = u.speaker_id
    WHERE u.id = ANY(%s)"""


def fetch_hits(ids: Sequence[int]) -> list[Utterance]:
    """The page's utterances in order, each with its meeting and speaker, in one statement."""
    if not ids:
        return []
    database = reader()
    with database.cursor() as cursor:
        cursor.execute(HIT_SQL, [list(ids)])
        found = {}
        for row in cursor.fetchall():
            utterance, meeting, speaker = _split(row, database.alias)
            utterance.meeting, utterance.speaker = meeting, speaker
            utterance.held_role = row[-1]  # the role the speaker held that day
            found[utterance.pk] = utterance
    return [found[pk] for pk in ids if pk in found]


def _split(row: tuple, alias: str) -> list:
    """A row of HIT_SQL as the utterance, its meeting and its speaker (none for a label that
    names no one)."""
    made, start = [], 0
    for model, columns in HIT_COLUMNS.items():
        values = row[start : start + len(columns)]
        start += len(columns)
        made.append(None if values[0] is None else model.from_db(alias, columns, values))
    return made


# A snippet shows this many words on either side of each match, in at most this many parts; a
# turn this short is shown whole.
AROUND, PARTS, SHORT = 12, 4, 60
# Words as the index's tokenizer cuts them: runs of letters and digits. Split with the group
# kept, a text is [between, word, between, word, ..., between].
TOKEN = re.compile(r"[^\W_]+")
SPLIT = re.compile(r"([^\W_]+)")
# Each word's stem as the index has it, by the word as written: a page's turns repeat most of
# their words, and most of every other page's.
_STEMS: dict[str, str] = {}
STEMS_KEPT = 500_000


def _stem(word: str) -> str:
    stem = _STEMS.get(word)
    if stem is None:
        if len(_STEMS) >= STEMS_KEPT:
            _STEMS.clear()
        tokens = stems(word)
        stem = _STEMS[word] = tokens[0] if len(tokens) == 1 else " ".join(tokens)
    return stem


def snippet(text: str, marks: Marks) -> SafeString:
    """Where the turn matched: the words around each word and phrase of the search (its first
    appearance), joined by "…", every match in them marked; the opening of the turn when no
    words were searched. The turn is read as the index reads it (statements/search_index.py),
    so what is marked is what matched."""
    if not (marks.stems or marks.phrases):
        return _opening(text)
    parts = SPLIT.split(text)
    known = _STEMS.get
    stemmed = [known(word) or _stem(word) for word in parts[1::2]]
    found = _matches(stemmed, marks)
    if not found:
        return _opening(text)
    # Word i is parts[2i + 1]: it starts where parts[2i] ends.
    ends = list(itertools.accumulate(map(len, parts)))
    last_word = len(stemmed) - 1
    if len(stemmed) <= SHORT:
        windows = [(0, last_word)]
    else:
        firsts: dict[object, tuple[int, int]] = {}
        for first, last, key in found:
            firsts.setdefault(key, (first, last))
        windows = []
        for first, last in sorted(firsts.values())[:PARTS]:
            start, stop = max(0, first - AROUND), min(last_word, last + AROUND)
            if windows and start <= windows[-1][1] + 1:
                windows[-1] = (windows[-1][0], max(windows[-1][1], stop))
            else:
                windows.append((start, stop))
    spans = [(ends[2 * first], ends[2 * last + 1]) for first, last, _ in found]
    pieces = []
    for first, last in windows:
        begin = 0 if first == 0 else ends[2 * first]
        end = len(text) if last == last_word else ends[2 * last + 1]
        pieces.append(_marked(text, begin, end, spans))
    joined = " … ".join(pieces)
    if windows[0][0] > 0:
        joined = "… " + joined
    if windows[-1][1] < last_word:
        joined += " …"
    return highlight(joined)


def _matches(stemmed: list[str], marks: Marks) -> list[tuple[int, int, object]]:
    """Each match as (first word, last word, which word or phrase), in the turn's order."""
    found = [
        (position, position, VARIANTS_OF.get(stem, stem))
        for position, stem in enumerate(stemmed)
        if stem in marks.stems
    ]
    for phrase in marks.phrases:
        starts = set(VARIANTS_OF.get(phrase[0], (phrase[0],)))
        found += [
            (position, position + len(phrase) - 1, phrase)
            for position, stem in enumerate(stemmed)
            if stem in starts and _phrase_at(stemmed, position, phrase)
        ]
    return sorted(found, key=lambda match: match[:2])


def _phrase_at(stemmed: list[str], position: int, phrase: tuple[str, ...]) -> bool:
    if position + len(phrase) > len(stemmed):
        return False
    return all(
        stemmed[position + offset] in VARIANTS_OF.get(stem, (stem,))
        for offset, stem in enumerate(phrase)
    )


def _marked(text: str, begin: int, end: int, spans: list[tuple[int, int]]) -> str:
    """The text from `begin` to `end` with the spans inside it between START and STOP."""
    out, at = [], begin
    for start, stop in sorted(spans):
        if start < at or stop > end:
            continue
        out += [text[at:start], START, text[start:stop], STOP]
        at = stop
    out.append(text[at:end])
    return "".join(out)


def highlight(marked: str) -> SafeString:
    """Escape a snippet, then mark its matches: a transcript's or a query's <script> stays text."""
    escaped = escape(marked.replace("\n\n", " ¶ "))
    html = MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(html.replace(START, "").replace(STOP, ""))


def _opening(text: str, words: int = 45) -> SafeString:
    tokens = text.split()
    opening = " ".join(tokens[:words]) + (" …" if len(tokens) > words else "")
    return escape(opening)


# Step 6: suggestions.


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class Names:
    """Every speaker's name, as the forms it may be typed in: the whole name, without its first
    name or initials, and each surname (a word after the first of four letters or more),
    lower-cased and unaccented; an alias's last word too (SPOKESPERSON PRICE). Built once for
    as long as the speakers and their aliases are unchanged."""

    people: dict[int, Person]
    forms: dict[tuple[str, ...], frozenset[int]]
    full: dict[tuple[str, ...], frozenset[int]]  # whole names only, for speaker:
    words: frozenset[str]  # every word of every form, for typos

    @classmethod
    def build(cls, speakers: Iterable[tuple], aliases: Iterable[tuple]) -> Names:
        people, forms, full = {}, {}, {}

        def add(table: dict, form: Sequence[str], pk: int) -> None:
            if form:
                table.setdefault(tuple(form), set()).add(pk)

        for pk, name, slug in speakers:
            people[pk] = Person(pk, name, slug)
            tokens = _name_tokens(name)
            no_initials = [t for t in tokens if len(t) > 1]
            for form in (tokens, no_initials):
                add(forms, form, pk)
                add(full, form, pk)
            if len(no_initials) > 1:
                add(forms, no_initials[1:], pk)
                for token in no_initials[1:]:
                    if len(token) >= 4:
                        add(forms, [token], pk)
        for pk, label in aliases:
            tokens = _name_tokens(label)
            if tokens and len(tokens[-1]) >= 4:
                add(forms, tokens[-1:], pk)
        words = frozenset(word for form in forms for word in form)
        return cls(
            people,
            {k: frozenset(v) for k, v in forms.items()},
            {k: frozenset(v) for k, v in full.items()},
            words,
        )

    def find(
        self, words: Sequence[str], whole_names_only: bool = False
    ) -> list[tuple[int, int, frozenset[int]]]:
        """Where names are among these words: (start, stop, the speakers), the longest first,
        accents and a letter's typo forgiven."""
        table = self.full if whole_names_only else self.forms
        folded = [search_index.fold(w) for w in words]
        found = []
        for length in (4, 3, 2, 1):
            for start in range(0, len(folded) - length + 1):
                span = tuple(folded[start : start + length])
                if any(s < start + length and start < e for s, e, _ in found):
                    continue
                speakers = table.get(span) or table.get(tuple(self._corrected(w) for w in span))
                if speakers:
                    found.append((start, start + length, speakers))
        return found

    def _corrected(self, word: str) -> str:
        """A name's word one letter away from this word, when exactly one is (a typo)."""
        if word in self.words or len(word) < 5:
            return word
        close = [w for w in _one_edit(word) if w in self.words]
        return close[0] if len(set(close)) == 1 else word


def _name_tokens(name: str) -> list[str]:
    return [search_index.fold(t) for t in TOKEN.findall(name)]


def _one_edit(word: str) -> set[str]:
    """Every word one deletion, insertion, substitution or transposition away."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
        *(a + c + b[1:] for a, b in splits if b for c in letters),
        *(a + c + b for a, b in splits for c in letters),
    }


class _NamesCache:
    lock = threading.Lock()
    key: tuple | None = None
    names: Names | None = None


NAMES_KEY_SQL = """
    SELECT (SELECT count(*) FROM statements_speaker),
           (SELECT max(updated_at) FROM statements_speaker),
           (SELECT count(*) FROM statements_speakeralias),
           (SELECT max(id) FROM statements_speakeralias)"""


def names() -> Names:
    """The speakers' names, built again only when speakers or aliases changed."""
    database = reader()
    with database.cursor() as cursor:
        cursor.execute(NAMES_KEY_SQL)
        key = (database.settings_dict["NAME"], *cursor.fetchone())
        with _NamesCache.lock:
            if _NamesCache.key == key and _NamesCache.names is not None:
                return _NamesCache.names
        cursor.execute("SELECT id, name, slug FROM statements_speaker")
        speakers = cursor.fetchall()
        cursor.execute("SELECT speaker_id, label FROM statements_speakeralias")
        aliases = cursor.fetchall()
    built = Names.build(speakers, aliases)
    with _NamesCache.lock:
        _NamesCache.key, _NamesCache.names = key, built
    return built


def resolve_speakers(typed: Sequence[str]) -> dict[str, list[int]]:
    """The speakers each name given with speaker: stands for: their whole name, or a surname."""
    if not typed:
        return {}
    known = names()
    resolved = {}
    for name in typed:
        words = _name_tokens(name)
        found = known.find(words, whole_names_only=len(words) > 1)
        whole = [speakers for start, stop, speakers in found if stop - start == len(words)]
        resolved[name] = sorted(whole[0]) if whole else []
    return resolved


def suggest_speaker(
    parsed: box.Query, params: SearchParams, searcher: tantivy.Searcher
) -> Suggestion | None:
    """When the plain words include a speaker's name (accents and a typo forgiven): the search
    for that speaker's turns with the rest of the words. Of several people a name fits, the one
    with the most turns."""
    words = box.plain_words(parsed)
    if not words:
        return None
    known = names()
    for start, stop, speakers in known.find(words):
        chosen = {str(v) for v in params.values("speaker")}
        candidates = [pk for pk in speakers if str(pk) not in chosen]
        if not candidates:
            continue
        busiest = max(candidates, key=lambda pk: (_turns(searcher, pk), -pk))
        if not _turns(searcher, busiest):
            continue
        person = known.people[busiest]
        rest = box.without_words(parsed, start, stop)
        about = box.write(rest)
        text = f"what {person.name} said" + (f" about {about}" if about else "")
        return Suggestion(text, {"q": [about] if about else [], "speaker": [person.slug]})
    return None


def _turns(searcher: tantivy.Searcher, speaker: int) -> int:
    query = tantivy.Query.term_query(search_index.SCHEMA, "speaker", speaker)
    return count(searcher, query)


# Similarity a word of the vocabulary must have with the word typed (pg_trgm's, 0 to 1).
SIMILAR = 0.4
SPELLING_SQL = """
    SELECT typed, best.word
    FROM unnest(%s::text[]) AS typed
    CROSS JOIN LATERAL (
        SELECT word FROM statements_word
        WHERE word %% typed AND word <> typed AND similarity(word, typed) >= %s
        ORDER BY similarity(word, typed) DESC, documents DESC, word
        LIMIT 3
    ) AS best"""


def suggest_spelling(
    parsed: box.Query,
    params: SearchParams,
    searcher: tantivy.Searcher,
    filters: Mapping[str, tantivy.Query],
    total: int,
) -> Suggestion | None:
    """For a search that finds little: the same words spelled as the archive spells them
    (trigram similarity over its vocabulary), when that finds more."""
    typed = {}
    for term in parsed.terms:
        for word in TOKEN.findall(term.text):
            folded = search_index.fold(word)
            # Only words the archive hardly knows: a word it knows that finds little here finds
            # little because of the other words or the filters, not its spelling.
            rare = _documents(searcher, folded) < FEW_RESULTS
            if len(folded) >= 4 and folded not in STOP_WORDS and rare:
                typed[folded] = word
    if not typed:
        return None
    with reader().cursor() as cursor:
        cursor.execute(SPELLING_SQL, [list(typed), SIMILAR])
        candidates: dict[str, list[str]] = {}
        for word, candidate in cursor.fetchall():
            candidates.setdefault(word, []).append(candidate)
    better = {}
    for word, options in candidates.items():
        said = _documents(searcher, word)
        for option in options:
            if _documents(searcher, option) > said:
                better[typed[word]] = option
                break
    if not better:
        return None
    corrected = box.Query(
        tuple(
            tuple(replace(t, text=_respelled(t.text, better)) for t in group)
            for group in parsed.required
        ),
        parsed.excluded,
        parsed.speakers,
    )
    words = compile_words(corrected)
    if words.query is None:
        return None
    found = count(searcher, combined(words.query, filters.values()))
    if found <= total:
        return None
    text = box.write(corrected)
    return Suggestion(text, {"q": [text]})


def _respelled(text: str, better: Mapping[str, str]) -> str:
    return TOKEN.sub(lambda m: better.get(m.group(), m.group()), text)


def _documents(searcher: tantivy.Searcher, word: str) -> int:
    tokens = stems(word)
    if len(tokens) != 1:
        return 0
    return searcher.doc_freq(search_index.TEXT, tokens[0])
