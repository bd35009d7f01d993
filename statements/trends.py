"""Term trends: how often words and phrases come up, year by year (`/trends/`).

A term is what the search box takes (a word in all its forms, a "quoted phrase", `a or b`), and
its **mentions** in a year are the utterances of that year that match it: the search's own
count, so each figure is the total of the search it links to (the term, that year), exactly.
Utterances rather than occurrences: a long statement that says a word twenty times is one turn
that mentions it, and years are not made by one speech; and the index counts them over every
match in one aggregation (occurrences would mean reading every matching text). The rate is
mentions per 10,000 words spoken that year (every utterance's words), so that years with more
transcripts compare with years with fewer.

Split by country (the speaker's) or by speaker, each term shows its five countries or speakers
with the most mentions, each with mentions per 10,000 words *they* spoke that year.

Counting is the search index's (statements/search_index.py): per term, one aggregation of its
matches by year (and by country or speaker); the words spoken per year, one aggregation over
every utterance, kept while the index is unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import tantivy
from django.core.cache import cache
from django.urls import reverse

from statements import search, search_index
from statements.models import Speaker

MAX_TERMS = 5
MAX_TERM_LENGTH = 200
SPLITS = {"country": "Country", "speaker": "Speaker"}
# Countries or speakers a term shows when split.
TOP = 5
PER = 10_000  # the rate's words
# Commas split terms, but not inside a quoted phrase.
TERM = re.compile(r'(?:"[^"]*"?|[^,"])+')


def read_terms(text: str) -> list[str]:
    """`fentanyl, "rule of law",migration` as its terms, quotes kept, blanks dropped."""
    found = TERM.findall(text.replace("“", '"').replace("”", '"'))
    return [" ".join(term.split()) for term in found if term.strip(' "')]


def term_problem(term: str) -> str:
    """Why a term cannot be counted ("" when it can)."""
    if len(term) > MAX_TERM_LENGTH:
        return f"“{term[:40]}…” is longer than {MAX_TERM_LENGTH} characters."
    if search.match_query(search.SearchParams(q=term)) is None:
        return (
            f"“{term}” has nothing to count: only very common words, exclusions, or a "
            "speaker no one goes by."
        )
    return ""


@dataclass(frozen=True)
class Point:
    year: int
    mentions: int
    words: int  # spoken that year (by the series' country or speaker, when split)
    link: str  # the search for the term that year: its total is `mentions`

    @property
    def rate(self) -> float:
        """Mentions per 10,000 words spoken."""
        return PER * self.mentions / self.words if self.words else 0.0


@dataclass
class Series:
    term: str
    split: str = ""  # the country, or the speaker's slug
    split_label: str = ""
    points: list[Point] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.term} · {self.split_label}" if self.split else self.term

    @property
    def total(self) -> int:
        return sum(point.mentions for point in self.points)

    @property
    def peak(self) -> Point | None:
        busiest = max(self.points, key=lambda p: (p.rate, p.year), default=None)
        return busiest if busiest and busiest.mentions else None


@dataclass
class Trend:
    terms: list[str]
    by: str
    years: list[int]
    series: list[Series]

    def by_term(self) -> list[tuple[str, list[Series]]]:
        return [(term, [s for s in self.series if s.term == term]) for term in self.terms]


YEARS = {"terms": {"field": "year", "size": 1_000}}


def count(terms: Sequence[str], by: str = "") -> Trend:
    """Each term's mentions and rate, every year of the archive (terms checked beforehand with
    `term_problem`). Split, the words spoken by the countries or speakers shown are added up in
    one aggregation for all the terms."""
    searcher = search_index.searcher()
    spoken = words_per_year(searcher)
    years = list(range(min(spoken), max(spoken) + 1)) if spoken else []
    if not by:
        series = []
        for term in terms:
            query = search.match_query(search.SearchParams(q=term))
            counted = _buckets(searcher.aggregate(query, {"year": YEARS})["year"])
            series.append(_series(term, "", "", years, counted, spoken))
        return Trend(list(terms), by, years, series)
    split = {
        "terms": {"field": by, "size": TOP, "segment_size": search.SEGMENT_SIZE},
        "aggs": {"year": YEARS},
    }
    found = []
    for term in terms:
        query = search.match_query(search.SearchParams(q=term))
        for bucket in searcher.aggregate(query, {"by": split})["by"]["buckets"]:
            found.append((term, _key(bucket["key"]), _buckets(bucket["year"])))
    values = sorted({value for _, value, _ in found})
    words = words_per_year_of(searcher, by, values)
    labels = _labels(by, values)
    series = [
        _series(term, labels[value][0], labels[value][1], years, counted, words.get(value, {}), by)
        for term, value, counted in found
        if value in labels
    ]
    return Trend(list(terms), by, years, series)


def _key(key) -> str:
    """A bucket's key as the filters name it: a whole number's without its ".0"."""
    return str(int(key)) if isinstance(key, float) else str(key)


def _buckets(aggregated: dict) -> dict[int, int]:
    return {int(bucket["key"]): bucket["doc_count"] for bucket in aggregated["buckets"]}


def _series(
    term: str,
    split: str,
    split_label: str,
    years: list[int],
    counted: dict[int, int],
    spoken: dict[int, int],
    by: str = "",
) -> Series:
    points = []
    for year in years:
        params = {"q": term, "year": year}
        if by:
            params[by] = split
        link = f"{reverse('statements:home')}?{urlencode(params)}"
        points.append(Point(year, counted.get(year, 0), spoken.get(year, 0), link))
    return Series(term, split, split_label, points)


def words_per_year(searcher: tantivy.Searcher) -> dict[int, int]:
    """Words spoken each year, over every utterance: kept while the index is unchanged."""

    def add_up() -> dict[int, int]:
        aggregated = searcher.aggregate(tantivy.Query.all_query(), {"year": _words_by("year")})
        return {
            int(bucket["key"]): int(bucket["words"]["value"] or 0)
            for bucket in aggregated["year"]["buckets"]
        }

    return cache.get_or_set(_cache_key(), add_up, timeout=3600)


def _words_by(name: str) -> dict:
    return {
        "terms": {"field": name, "size": 1_000, "segment_size": search.SEGMENT_SIZE},
        "aggs": {"words": {"sum": {"field": "word_count"}}},
    }


def words_per_year_of(
    searcher: tantivy.Searcher, by: str, values: list[str]
) -> dict[str, dict[int, int]]:
    """Words each of these countries (or speakers) spoke each year: kept while the index is
    unchanged."""
    if not values:
        return {}
    key = _cache_key(by, *values)
    return cache.get_or_set(key, lambda: _add_up_words(searcher, by, values), timeout=3600)


def _cache_key(*parts: str) -> str:
    """The key of what is counted over the whole index as it is now (hashed: a cache may not
    take a path, nor a key of any length)."""
    named = "\n".join([search_index.version(), *parts])
    return f"trends-words:{hashlib.sha256(named.encode()).hexdigest()}"


def _add_up_words(
    searcher: tantivy.Searcher, by: str, values: list[str]
) -> dict[str, dict[int, int]]:
    typed = [int(v) for v in values] if by == "speaker" else values
    only = tantivy.Query.term_set_query(search_index.SCHEMA, by, typed)
    aggregation = _words_by(by)
    aggregation["aggs"] = {"year": _words_by("year")}
    aggregated = searcher.aggregate(only, {"by": aggregation})["by"]["buckets"]
    return {
        _key(bucket["key"]): {
            int(year["key"]): int(year["words"]["value"] or 0) for year in bucket["year"]["buckets"]
        }
        for bucket in aggregated
    }


def _labels(by: str, values: list[str]) -> dict[str, tuple[str, str]]:
    """What a split's values are in a link (a speaker's slug) and in words (their name)."""
    if by != "speaker":
        return {value: (value, value) for value in values}
    speakers = Speaker.objects.in_bulk([int(v) for v in values])
    return {
        value: (speakers[int(value)].slug, speakers[int(value)].name)
        for value in values
        if int(value) in speakers
    }


# The chart: an SVG drawn on the server, its geometry computed here and its marks written by
# templates/includes/trend_chart.html. Lines are told apart by colour and by dash (CSS classes,
# no inline style), and every point is a link with its figures in words.
WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP_MARGIN, BOTTOM = 64, 20, 16, 40


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    link: str
    text: str


@dataclass(frozen=True)
class Line:
    number: int  # which of the chart's lines: its colour and dash
    label: str
    points: str  # the polyline's "x,y x,y ..."
    marks: list[Mark]


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    lines: list[Line]
    rows: list[Row]  # the table under the chart

    @property
    def y_label_x(self) -> int:
        return self.left - 8

    @property
    def x_label_y(self) -> float:
        return self.bottom + 22


@dataclass(frozen=True)
class Row:
    year: int
    points: list[Point]  # each series' point of that year


def chart(title: str, years: list[int], series: list[Series]) -> Chart:
    """Each series' mentions per 10,000 words, a line across the years."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    highest = max((p.rate for s in series for p in s.points), default=0.0)
    top_value, step = _scale(highest)
    span = max(1, len(years) - 1)

    def x(index: int) -> float:
        if len(years) == 1:
            return (LEFT + right) / 2
        return round(LEFT + (right - LEFT) * index / span, 1)

    def y(value: float) -> float:
        return round(bottom - (bottom - TOP_MARGIN) * value / top_value, 1)

    lines = []
    for number, one in enumerate(series):
        marks = [
            Mark(
                x(i),
                y(point.rate),
                point.link,
                f"{one.label}, {point.year}: {point.mentions:,} mention"
                f"{'' if point.mentions == 1 else 's'}, {point.rate:.2f} per 10,000 words",
            )
            for i, point in enumerate(one.points)
        ]
        points = " ".join(f"{mark.x},{mark.y}" for mark in marks)
        lines.append(Line(number, one.label, points, marks))
    every = max(1, -(-len(years) // 12))  # at most a dozen years named along the axis
    x_ticks = [(x(i), str(year)) for i, year in enumerate(years) if i % every == 0]
    ticks = round(top_value / step)
    y_ticks = [(y(step * i), _figure(step * i)) for i in range(ticks + 1)]
    return Chart(
        title=title,
        description=describe(series, years),
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP_MARGIN,
        bottom=bottom,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        lines=lines,
        rows=[Row(year, [one.points[i] for one in series]) for i, year in enumerate(years)],
    )


def _scale(highest: float) -> tuple[float, float]:
    """The axis' top and its step: a round number a little above the highest value."""
    if highest <= 0:
        return 1.0, 0.25
    magnitude = 10 ** len(str(int(highest))) / 10 if highest >= 1 else 0.1
    while magnitude > highest:
        magnitude /= 10
    for multiple in (1, 2, 2.5, 5, 10):
        step = magnitude * multiple / 2
        top = step * -(-highest // step)
        if top / step <= 6:
            return top, step
    return magnitude * 10, magnitude * 2


def _figure(value: float) -> str:
    return f"{value:g}" if value >= 1 or value == 0 else f"{value:.2g}"


def describe(series: list[Series], years: list[int]) -> str:
    """The chart in words, for screen readers: each line's total and its peak."""
    if not years:
        return "The archive has no utterances yet."
    parts = []
    for one in series:
        peak = one.peak
        if peak is None:
            parts.append(f"{one.label}: no mentions.")
        else:
            parts.append(
                f"{one.label}: {one.total:,} mention{'' if one.total == 1 else 's'}, most in "
                f"{peak.year} ({peak.rate:.2f} per 10,000 words, {peak.mentions:,})."
            )
    return f"Mentions per 10,000 words spoken, {years[0]} to {years[-1]}. " + " ".join(parts)


def csv_rows(trend: Trend) -> list[list]:
    """The trend as a table: a row a series and year."""
    header = ["year", "term"]
    if trend.by:
        header.append(trend.by)
    header += ["mentions", "words_spoken", "per_10000_words"]
    rows = [header]
    for one in trend.series:
        for point in one.points:
            row = [point.year, one.term]
            if trend.by:
                row.append(one.split_label)
            rows.append([*row, point.mentions, point.words, f"{point.rate:.4f}"])
    return rows
