"""Tagging utterances with themes: rules matched on words, in Python, written a set at a time.

A theme's rules are its terms and its exclusions (`Topic.terms`, `Topic.exclusions`), each
written as

    word             that word exactly ("arms" is not "armed")
    two words        a phrase: its words adjacent and in order, one mention each time it occurs
    sanction*        a declared prefix, on the last word only: sanction, sanctions, sanctioned
    term @2022-02-24..              from that day on (the utterance's date)
    term @..2021-01-20 / @a..b      until that day / between the two, both included

Matching is on words: the text is lower-cased, its accents folded (Perú is peru) and possessives
dropped (Iran's is iran), and split into runs of letters and digits, so "counter-terrorism" is the
phrase "counter terrorism". A stem is never implied: a term matches other forms of its word only
as listed or declared with `*`. An exclusion is a phrase whose occurrences mask the theme's term
matches they overlap: with the exclusion "nuclear weapons", "weapons" is not counted there, but
is elsewhere in the turn. Where a theme's terms overlap ("weapons", "chemical weapons"), the
longer counts, once.

A long turn must come back to a theme to be about it: under SHORT_TURN words one mention is
enough, then `min_mentions`, and one more every LONG_TURN words beyond. A theme marked `alone`
(the business of a briefing) applies only to a turn that no other theme applies to. Editors'
corrections (`TopicOverride`) win over the rules and survive every retag. Each rule tagging
records the terms that matched and how often, so it can explain itself.

All the terms of all the themes are one Aho-Corasick automaton (pyahocorasick) over the turn's
words joined by spaces: one pass of C over the text finds every term of every theme, however many
there are.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick
from django.db import connection, transaction

from statements import search_index
from statements.models import Tagging, Topic, TopicOverride

# In a turn this short one mention of a theme is enough; longer turns must come back to it, and
# one mention more is needed every LONG_TURN words past SHORT_TURN.
SHORT_TURN = 150
LONG_TURN = 400
# Utterances read, tagged and written at a time by `retag`.
CHUNK = 5_000

APOSTROPHES = re.compile(r"['\u2019\u2018`]s\b|['\u2019\u2018`]")
WORDS = re.compile(r"[a-z0-9]+")
TERM = re.compile(
    r"^(?P<words>[^@*]+?)(?P<prefix>\*)?\s*(?:@\s*(?P<start>[\d-]*)\s*\.\.\s*(?P<end>[\d-]*))?$"
)


class RuleError(ValueError):
    """A term or exclusion that cannot be read."""


def words(text: str) -> list[str]:
    """The text's words as the rules see them: lower-cased, accents folded, possessives and
    apostrophes dropped, split on anything but letters and digits."""
    text = APOSTROPHES.sub("", text.lower())
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return WORDS.findall(text)


@dataclass(frozen=True)
class Term:
    """One term or exclusion as written, read."""

    written: str
    words: tuple[str, ...]
    prefix: bool = False
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def label(self) -> str:
        """How an explanation names it: as written, without its dates."""
        return " ".join(self.words) + ("*" if self.prefix else "")

    @property
    def key(self) -> str:
        """What the automaton looks for in the words joined by spaces: a prefix runs on into its
        word, a word or phrase ends where a word does."""
        return " " + " ".join(self.words) + ("" if self.prefix else " ")

    def applies_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


def parse_term(written: str) -> Term:
    """Read a term or exclusion; RuleError says what is wrong with one that cannot be read."""
    match = TERM.match(written.strip())
    if not match:
        raise RuleError(
            f"“{written}”: a term is words, a * at the end of the last word for a prefix, and "
            "optionally @from..to with dates as YYYY-MM-DD."
        )
    found = tuple(words(match["words"]))
    if not found:
        raise RuleError(f"“{written}” has no word to match.")
    if match["prefix"] and len(found[-1]) < 3:
        raise RuleError(f"“{written}”: a prefix needs three letters at least.")
    dates = []
    for value in (match["start"], match["end"]):
        try:
            dates.append(dt.date.fromisoformat(value) if value else None)
        except ValueError:
            raise RuleError(f"“{written}”: {value} is not a date (YYYY-MM-DD).") from None
    if dates[0] and dates[1] and dates[0] > dates[1]:
        raise RuleError(f"“{written}”: its dates are the wrong way round.")
    return Term(written.strip(), found, bool(match["prefix"]), dates[0], dates[1])


@dataclass(frozen=True)
class Theme:
    """A theme's rules, as the engine uses them."""

    pk: int | None
    slug: str
    min_mentions: int
    terms: tuple[Term, ...]
    exclusions: tuple[Term, ...]
    alone: bool = False  # applies only to a turn no other theme applies to


@dataclass(frozen=True)
class Match:
    """A theme found in a turn: the terms it matched (as their labels) and how often."""

    theme: Theme
    matched: tuple[str, ...]
    mentions: int


def mentions_needed(word_count: int, min_mentions: int) -> int:
    """How many mentions a turn of this length needs to be about a theme."""
    if word_count < SHORT_TURN:
        return 1
    return max(min_mentions, 1) + (word_count - SHORT_TURN) // LONG_TURN


class Rules:
    """Every theme's terms and exclusions in one automaton."""

    def __init__(self, themes: Iterable[Theme]):
        self.themes = list(themes)
        self.automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, Term, bool]]] = {}
        for index, theme in enumerate(self.themes):
            for term in theme.terms:
                entries.setdefault(term.key, []).append((index, term, False))
            for term in theme.exclusions:
                entries.setdefault(term.key, []).append((index, term, True))
        for key, found in entries.items():
            self.automaton.add_word(key, (len(key), key.endswith(" "), tuple(found)))
        if entries:
            self.automaton.make_automaton()
        self.empty = not entries

    @classmethod
    def from_topics(cls, topics: Iterable[Topic]) -> Rules:
        return cls(
            Theme(
                topic.pk,
                topic.slug,
                topic.min_mentions,
                tuple(parse_term(term) for term in topic.terms if term.strip()),
                tuple(parse_term(term) for term in topic.exclusions if term.strip()),
                topic.alone,
            )
            for topic in topics
        )

    def match(
        self, text: str, day: dt.date | None = None, word_count: int | None = None
    ) -> list[Match]:
        """The themes this text is about, on this day (its length counted by `words` unless
        `word_count` is given, as ingest counted it)."""
        if self.empty:
            return []
        said = words(text)
        if not said:
            return []
        joined = " " + " ".join(said) + " "
        # Each theme's term matches and exclusion spans, as character ranges of `joined`.
        found: dict[int, list[tuple[int, int, Term]]] = {}
        masked: dict[int, list[tuple[int, int]]] = {}
        for last, (length, whole, entries) in self.automaton.iter(joined):
            start = last - length + 2
            end = last if whole else joined.index(" ", last)
            for index, term, exclusion in entries:
                if not term.applies_on(day):
                    continue
                if exclusion:
                    masked.setdefault(index, []).append((start, end))
                else:
                    found.setdefault(index, []).append((start, end, term))
        needed_for = len(said) if word_count is None else word_count
        matches = []
        for index, spans in found.items():
            theme = self.themes[index]
            exclusions = masked.get(index, ())
            # The longest match first where several start together; none overlapping another.
            spans.sort(key=lambda span: (span[0], span[0] - span[1]))
            reach = -1
            counted: dict[str, int] = {}
            for start, end, term in spans:
                if start < reach or any(s < end and start < e for s, e in exclusions):
                    continue
                reach = end
                counted[term.label] = counted.get(term.label, 0) + 1
            mentions = sum(counted.values())
            if mentions and mentions >= mentions_needed(needed_for, theme.min_mentions):
                matches.append(Match(theme, tuple(sorted(counted)), mentions))
        if any(not match.theme.alone for match in matches):
            matches = [match for match in matches if not match.theme.alone]
        return matches


# The utterances a retag reads, as (id, text, word_count, date); {scope} is filled by `_scope`.
READ = "SELECT u.id, u.text, u.word_count, u.date FROM statements_utterance AS u WHERE {scope}"


def _scope(meetings, utterance_ids) -> tuple[str, list]:
    conditions, params = ["TRUE"], []
    if meetings is not None:
        conditions.append("u.meeting_id = ANY(%s)")
        params.append(list(meetings))
    if utterance_ids is not None:
        conditions.append("u.id = ANY(%s)")
        params.append(list(utterance_ids))
    return " AND ".join(conditions), params


def _chunks(meetings, utterance_ids) -> Iterator[list[tuple]]:
    """The utterances in scope, CHUNK at a time, through a server-side cursor."""
    where, params = _scope(meetings, utterance_ids)
    with connection.chunked_cursor() as cursor:
        cursor.execute(READ.format(scope=where), params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows


@dataclass
class Corrections:
    """The editors' corrections (`TopicOverride`): the (utterance, topic) pairs corrected, and
    the topics added to each utterance."""

    corrected: set[tuple[int, int]] = field(default_factory=set)
    added: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, overrides) -> Corrections:
        corrections = cls()
        for utterance_id, topic_id, applies in overrides.values_list(
            "utterance_id", "topic_id", "applies"
        ):
            corrections.corrected.add((utterance_id, topic_id))
            if applies:
                corrections.added.setdefault(utterance_id, []).append(topic_id)
        return corrections


def taggings_for(rows: Iterable[tuple], rules: Rules, corrections: Corrections) -> list[tuple]:
    """The taggings (utterance id, topic id, source, matched, mentions) of these utterances
    (id, text, word count, date): the rules' matches, and the editors' corrections, which win."""
    out = []
    rule, manual = Tagging.Source.RULE, Tagging.Source.MANUAL
    for pk, text, word_count, day in rows:
        for match in rules.match(text, day, word_count):
            if (pk, match.theme.pk) not in corrections.corrected:
                out.append((pk, match.theme.pk, rule, list(match.matched), match.mentions))
        for topic_id in corrections.added.get(pk, ()):
            out.append((pk, topic_id, manual, [], 0))
    return out


# Each chunk's taggings are copied into WAITING, then the chunk's taggings that differ are
# deleted and the new ones inserted: an unchanged tagging is not written, so a retag that changes
# little puts little in the search index's outbox. The table is keyed and analysed each chunk:
# unkeyed and unanalysed, the DELETE compared every tagging of the chunk with every waiting row
# (a nested loop over a table the planner took for small: 0.75 s a chunk at a million).
WAITING = """
    CREATE TEMPORARY TABLE IF NOT EXISTS waiting_tagging (
        utterance_id bigint, topic_id bigint, source varchar(8), matched varchar(100)[],
        mentions smallint, PRIMARY KEY (utterance_id, topic_id)
    ) ON COMMIT DELETE ROWS
"""
WRITE = [
    """
    DELETE FROM statements_tagging AS t
    WHERE t.utterance_id = ANY(%(ids)s)
      AND (%(topic)s::bigint IS NULL OR t.topic_id = %(topic)s)
      AND NOT EXISTS (
          SELECT 1 FROM waiting_tagging AS w
          WHERE (w.utterance_id, w.topic_id, w.source, w.matched, w.mentions)
              = (t.utterance_id, t.topic_id, t.source, t.matched, t.mentions))
    """,
    """
    INSERT INTO statements_tagging (utterance_id, topic_id, source, matched, mentions)
    SELECT w.utterance_id, w.topic_id, w.source, w.matched, w.mentions
    FROM waiting_tagging AS w
    WHERE NOT EXISTS (
        SELECT 1 FROM statements_tagging AS t
        WHERE t.utterance_id = w.utterance_id AND t.topic_id = w.topic_id)
    """,
]


@dataclass
class Timing:
    """Where a retag's time went, for `manage.py retag`."""

    utterances: int = 0
    taggings: int = 0
    reading: float = 0.0
    matching: float = 0.0
    writing: float = 0.0


def retag(
    meetings: list[int] | None = None,
    utterance_ids: list[int] | None = None,
    topic: Topic | None = None,
    sync: bool = True,
    timing: Timing | None = None,
) -> int:
    """Re-apply the themes' rules and corrections, to everything or to a part (some meetings,
    given by id, some utterances, one theme); the number of taggings that result. Utterances are
    read CHUNK at a time, tagged in Python and each chunk's taggings written with COPY and one
    DELETE and one INSERT, all in one transaction: a failure leaves the taggings as they were.
    The search index is synced after the commit, unless `sync` is false (a caller that syncs it
    itself, as the ingest command does once a round)."""
    timing = timing if timing is not None else Timing()
    topics = Topic.objects.all() if topic is None else Topic.objects.filter(pk=topic.pk)
    rules = Rules.from_topics(topics)
    corrections = Corrections.of(
        TopicOverride.objects.filter(topic__in=topics) if topic else TopicOverride.objects.all()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(WAITING)
        started = time.perf_counter()
        for rows in _chunks(meetings, utterance_ids):
            read = time.perf_counter()
            taggings = taggings_for(rows, rules, corrections)
            matched = time.perf_counter()
            cursor.execute("DELETE FROM waiting_tagging")
            with cursor.copy(
                "COPY waiting_tagging (utterance_id, topic_id, source, matched, mentions) "
                "FROM STDIN"
            ) as copy:
                for row in taggings:
                    copy.write_row(row)
            cursor.execute("ANALYZE waiting_tagging")
            params = {"ids": [row[0] for row in rows], "topic": topic.pk if topic else None}
            for statement in WRITE:
                cursor.execute(statement, params)
            timing.reading += read - started
            timing.matching += matched - read
            started = time.perf_counter()
            timing.writing += started - matched
            timing.utterances += len(rows)
            timing.taggings += len(taggings)
        if sync:
            # The taggings' triggers put the utterances in the search index's outbox.
            search_index.sync_after_commit()
    return timing.taggings


@dataclass
class Score:
    """Precision and recall for one theme (or all of them) against hand labels."""

    topic: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def labelled(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def tagged(self) -> int:
        return self.true_positives + self.false_positives

    @property
    def precision(self) -> float:
        return self.true_positives / self.tagged if self.tagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def evaluate(
    gold: dict[str, set[str]], tagged: dict[str, set[str]], topics: Iterable[str]
) -> tuple[list[Score], Score]:
    """Per-theme scores and the overall (micro-averaged) score, keyed by a turn's name."""
    scores = {topic: Score(topic) for topic in topics}
    for key, labelled in gold.items():
        found = tagged.get(key, set())
        for topic in labelled | found:
            scores.setdefault(topic, Score(topic))
        for topic in labelled & found:
            scores[topic].true_positives += 1
        for topic in found - labelled:
            scores[topic].false_positives += 1
            scores[topic].extras.append(key)
        for topic in labelled - found:
            scores[topic].false_negatives += 1
            scores[topic].misses.append(key)
    overall = Score("Overall (micro)")
    for score in scores.values():
        overall.true_positives += score.true_positives
        overall.false_positives += score.false_positives
        overall.false_negatives += score.false_negatives
    return list(scores.values()), overall
