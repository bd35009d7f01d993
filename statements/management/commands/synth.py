"""A realistic synthetic archive, for measuring search and ingest at scale.

`python manage.py synth --utterances N` adds about N utterances to the current database, in
meetings spread over 25 years, with the rows real ingest writes: a Meeting with its raw text,
content hash and unique slug; Speakers with their SpeakerAliases; Utterances numbered from 1 in
each meeting, with the label as written, kind, interpreter flag and word count; and topic
taggings from `topics.retag()`, the set-based tagging ingest itself runs.

The text comes from a word-level Markov chain (order 2) trained on the sample transcripts, with
what a single small source lacks put back: a long tail of rare words (names, places: the Zipfian
vocabulary of a large archive), meetings about different topics, turn lengths with a long tail
(median about 60 words, one turn in ten over 250) and speakers with a very skewed share of the
turns (the busiest has about 8%).

Each meeting's raw text is a transcript the parser reads back into exactly these turns, labels
and words; its labels resolve through the same `Registry` and `turn_kinds` as ingest. Rows go in
through COPY. For a large load the secondary indexes and constraints of the utterance and tagging
tables are dropped first and rebuilt after the load, all in one transaction, so a failure leaves
the archive, indexes included, as it was.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import math
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from statements import ingest, parser, search_index, topics
from statements.ingest import content_hash
from statements.models import Meeting, Speaker, SpeakerAlias, Utterance
from statements.speakers import (
    JOURNALIST,
    QUESTION,
    KnownAlias,
    KnownSpeaker,
    Registry,
    Resolution,
    label_key,
    turn_kinds,
)

SAMPLES = settings.BASE_DIR / "samples" / "transcripts"
# The shared corpus of real transcripts, when it is beside the project: its text trains the chain.
CORPUS_ARCHIVE = settings.SHARED_CORPUS / "transcripts.tar.xz"
# One corpus transcript in this many trains the chain: ~600 of 3,044, 2.7 million words, enough
# for the texture of real briefings at a fraction of the memory and time of them all.
CORPUS_EVERY = 5
TOPICS_FILE = settings.BASE_DIR / "statements" / "data" / "topics.json"

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2024, 12, 31)  # 25 years
# Turn lengths are log-normal, a moderator's short. Together they have a median of 60 words and
# one turn in ten over 250 (the synth tests check it). A turn runs on to the end of its sentence,
# about OVERSHOOT words past the length drawn.
SPEECH_MEDIAN, SPEECH_SIGMA, MODERATION_MEDIAN, OVERSHOOT = 66, 1.1, 14, 8
MAX_WORDS = 4000
# One official for every this many utterances (4,000 at a million). Spokespeople give the daily
# briefings; their and the officials' shares of the turns follow Zipf's law, the busiest
# spokesperson having about 8% of all turns.
UTTERANCES_PER_SPEAKER = 250
# A capitalised word is replaced by a rare name this often: about 2% of all words come from the
# long tail, as names and places do in a real archive.
RARE_NAME_RATE = 0.22
TAIL_SIZE = 200_000
# A meeting's topical words are swapped for its own topic's this often.
THEME_RATE = 0.85
# "security" is the archive's very common word: the benchmark depends on it staying common.
KEEP = {"security"}

# Tables whose secondary indexes and constraints a large load rebuilds afterwards.
REBUILT_TABLES = ("statements_utterance", "statements_tagging")
COPY_CHUNK = 20_000  # utterances per COPY statement

SENTENCE_END = re.compile(r"[.?!…][\"”’')\]]*$")
EDGE_PUNCTUATION = re.compile(r"^([\"“‘'(\[]*)(.*?)([\"”’')\],.;:?!…]*)$")

# Syllables of the rare names; first names of speakers. (Word lists read better as text.)
SYLLABLES = (  # noqa: SIM905
    "ka ven dor mi lo ra tan bre shi vo lu gan ter pa mel ni ro qua zu mar bel dri fa gor "
    "hal jin kor lis mun nor pra tov ul vaz wen yar zan cal dim ob ar it ok um sa"
).split()
FIRST_NAMES = (  # noqa: SIM905
    "Ana Luis María José Carmen Jorge Elena Pedro Sofía Miguel John Mary James Patricia "
    "Robert Linda Michael Susan David Karen Ahmed Fatima Omar Leila Hassan Yuki Hiroshi Mei "
    "Wei Li Olga Ivan Anna Dmitri Ingrid Lars Pierre Claire Jean Amélie Giulia Marco Hans "
    "Greta Priya Rahul Aisha Kwame Amara Thabo Nomvula Chen Jae-won Min-ji Camila Mateo "
    "Valentina Diego Lucía"
).split()
COUNTRIES = [
    # country, share of officials, speaks through an interpreter, cities
    ("United States", 34, False, ["Washington, D.C.", "New York", "Miami", "San Diego"]),
    ("Mexico", 8, True, ["Mexico City", "Monterrey", "Guadalajara", "Tijuana"]),
    ("Canada", 4, False, ["Ottawa", "Toronto"]),
    ("United Kingdom", 4, False, ["London"]),
    ("France", 3, True, ["Paris"]),
    ("Germany", 3, True, ["Berlin"]),
    ("Japan", 3, True, ["Tokyo"]),
    ("China", 3, True, ["Beijing"]),
    ("India", 3, False, ["New Delhi"]),
    ("Brazil", 3, True, ["Brasília"]),
    ("Colombia", 2, True, ["Bogotá"]),
    ("Guatemala", 2, True, ["Guatemala City"]),
    ("Honduras", 2, True, ["Tegucigalpa"]),
    ("Ukraine", 2, True, ["Kyiv"]),
    ("Russia", 2, True, ["Moscow"]),
    ("Israel", 2, False, ["Jerusalem", "Tel Aviv"]),
    ("Egypt", 2, True, ["Cairo"]),
    ("Saudi Arabia", 2, True, ["Riyadh"]),
    ("South Africa", 2, False, ["Pretoria"]),
    ("Nigeria", 2, False, ["Abuja"]),
    ("Kenya", 2, False, ["Nairobi"]),
    ("Australia", 2, False, ["Canberra"]),
    ("Indonesia", 2, True, ["Jakarta"]),
    ("South Korea", 2, True, ["Seoul"]),
    ("Turkey", 2, True, ["Ankara"]),
    ("Poland", 1, True, ["Warsaw"]),
    ("Italy", 1, True, ["Rome"]),
    ("Spain", 1, True, ["Madrid"]),
    ("Argentina", 1, True, ["Buenos Aires"]),
    ("Chile", 1, True, ["Santiago"]),
    ("Peru", 1, True, ["Lima"]),
    ("Haiti", 1, True, ["Port-au-Prince"]),
    ("Panama", 1, True, ["Panama City"]),
    ("Jordan", 1, True, ["Amman"]),
    ("Qatar", 1, True, ["Doha"]),
    ("Philippines", 1, False, ["Manila"]),
    ("Vietnam", 1, True, ["Hanoi"]),
    ("Belgium", 1, True, ["Brussels"]),
    ("Switzerland", 1, True, ["Geneva"]),
]
COUNTRY_WEIGHTS = list(itertools.accumulate(share for _, share, _, _ in COUNTRIES))
CITIES = {name: cities for name, _, _, cities in COUNTRIES}
TITLES = [
    # label title, role
    ("SECRETARY", "Secretary of State"),
    ("FOREIGN MINISTER", "Foreign Minister"),
    ("FOREIGN SECRETARY", "Foreign Secretary"),
    ("MINISTER", "Minister of Defence"),
    ("AMBASSADOR", "Ambassador"),
    ("DEPUTY SECRETARY", "Deputy Secretary of State"),
    ("UNDER SECRETARY", "Under Secretary for Political Affairs"),
    ("ASSISTANT SECRETARY", "Assistant Secretary of State"),
    ("SECURITY SECRETARY", "Secretary of Security"),
    ("ATTORNEY GENERAL", "Attorney General"),
    ("PRESIDENT", "President"),
    ("PRIME MINISTER", "Prime Minister"),
]
OUTLETS = ["Reuters", "AFP", "Bloomberg", "Milenio TV", "Univision", "NHK", "Al Jazeera", "EFE"]
# kind, share of meetings, title pattern
MEETING_KINDS = [
    ("briefing", 34, "Department Press Briefing"),
    ("press_conference", 16, "{lead} at a Joint Press Conference"),
    ("press_availability", 14, "{lead} and {other} at a Joint Press Availability"),
    ("interview", 10, "{lead} With {journalist} of {outlet}"),
    ("dialogue_session", 12, "{lead} at the {series}"),
    ("statement", 10, "Remarks by {lead}"),
    ("other", 4, "{lead} at a Roundtable"),
]
SERIES = [
    "High-Level Security Dialogue",
    "High-Level Economic Dialogue",
    "Strategic Dialogue",
    "Ministerial Meeting",
    "Summit of the Americas",
    "Security Council Session",
]


# -- Text --------------------------------------------------------------------------------------


class Lexicon:
    """The long tail of an archive's vocabulary: names of people and places, Zipf-distributed.

    The word of rank r (0 is the commonest) is made of syllables, shorter for commoner words;
    `rank_for(share)` tells how common a rank is, so the benchmark can pick a truly rare word.
    """

    def __init__(self, size: int = TAIL_SIZE, exponent: float = 1.0):
        self.size = size
        weights = [1 / (rank + 1) ** exponent for rank in range(size)]
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

    @staticmethod
    def word(rank: int) -> str:
        base = len(SYLLABLES)
        length, first = 2, 0
        while rank >= first + base**length:
            first += base**length
            length += 1
        index, parts = rank - first, []
        for _ in range(length):
            index, digit = divmod(index, base)
            parts.append(SYLLABLES[digit])
        return "".join(parts).capitalize()

    def share(self, rank: int) -> float:
        """The share of the tail's words that are this rank's word."""
        return (1 / (rank + 1)) / self.total

    def draw(self, rng: random.Random) -> str:
        return self.word(bisect.bisect_left(self.cumulative, rng.random() * self.total))


class Chain:
    """An order-2 word-level Markov chain over the sample transcripts' turns.

    A state is a pair of tokens, numbered; `successors[state]` lists the states that follow it,
    as often as they did in the samples, and `tokens[state]` is the state's last token. State 0
    is the start of a turn, and where a sample turn ended the chain goes back to it.
    """

    def __init__(self, turns: list[str], topical_terms: set[str]):
        numbered: dict[tuple[str, str], int] = {("", ""): 0}
        successors: list[list[int]] = [[]]
        for text in turns:
            previous, current = "", 0
            for token in text.split():
                pair = (previous, token)
                if pair not in numbered:
                    numbered[pair] = len(successors)
                    successors.append([])
                successors[current].append(numbered[pair])
                previous, current = token, numbered[pair]
            successors[current].append(0)
        self.successors = [tuple(states) for states in successors]
        self.tokens = [""] * len(numbered)
        for (_, token), state in numbered.items():
            self.tokens[state] = token
        # What the generator needs to know of each state's token, worked out once.
        self.counts = [any(c.isalnum() for c in token) for token in self.tokens]
        self.ends = [bool(SENTENCE_END.search(token)) for token in self.tokens]
        self.edges = [EDGE_PUNCTUATION.match(token).groups() for token in self.tokens]
        self.name_like = [
            len(core) >= 3 and core.isalpha() and core[0].isupper() and core[1:].islower()
            for _, core, _ in self.edges
        ]
        self.topical = [
            core.lower() in topical_terms and core.lower() not in KEEP for _, core, _ in self.edges
        ]

    @classmethod
    def from_samples(cls, directory: Path = SAMPLES) -> Chain:
        return cls.from_texts(
            path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.txt"))
        )

    @classmethod
    def from_corpus(cls, archive: Path = CORPUS_ARCHIVE, every: int = CORPUS_EVERY) -> Chain:
        """The chain over the shared corpus's real transcripts, read from its archive (no need
        to unpack it): one in `every`, by name, so the same ones each time."""
        import tarfile

        with tarfile.open(archive) as tar:
            members = sorted(
                (m for m in tar if m.isfile() and m.name.endswith(".txt")), key=lambda m: m.name
            )
            texts = [tar.extractfile(member).read().decode("utf-8") for member in members[::every]]
        return cls.from_texts(texts)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Chain:
        turns = []
        for text in texts:
            for turn in parser.parse(text).turns:
                # Interpretation is the speaker's, not the chain's to add mid-turn.
                turns.append(parser.INTERPRETER_MARK.sub(" ", turn.text))
        return cls(turns, {term.lower() for terms in topic_terms().values() for term in terms})

    @classmethod
    def for_text(cls, text: str) -> Chain:
        """The chain a synthetic archive's text comes from: "corpus", "samples", or "auto" (the
        corpus when it is beside the project, else the samples)."""
        if text == "auto":
            text = "corpus" if CORPUS_ARCHIVE.is_file() else "samples"
        return cls.from_corpus() if text == "corpus" else cls.from_samples()


def topic_terms() -> dict[str, list[str]]:
    """Each topic's one-word terms, from the shipped rules: what a meeting on it talks about."""
    rules = json.loads(TOPICS_FILE.read_text(encoding="utf-8"))["rules"]
    return {
        slug: [term for term in rule["terms"] if " " not in term and term.isalpha()]
        for slug, rule in rules.items()
    }


@dataclass
class Writer:
    """Turns of text from the chain, with rare names and a meeting's topic mixed in."""

    chain: Chain
    lexicon: Lexicon
    rng: random.Random

    def turn(self, words: int, theme: list[str] | None) -> tuple[str, int]:
        """A turn of about `words` words in paragraphs, ending at a sentence; and its word count."""
        chain, rng = self.chain, self.rng
        successors, tokens, counts, ends = chain.successors, chain.tokens, chain.counts, chain.ends
        name_like, topical, edges = chain.name_like, chain.topical, chain.edges
        chance = rng.random
        paragraphs: list[str] = []
        current: list[str] = []
        counted = in_paragraph = 0
        paragraph_words = rng.randint(40, 140)
        state, sentence_start = 0, True
        while True:
            following = successors[state]
            state = following[int(chance() * len(following))]
            if state == 0:
                sentence_start = True
                continue
            token = tokens[state]
            if name_like[state] and not sentence_start and chance() < RARE_NAME_RATE:
                opening, _, closing = edges[state]
                token = opening + self.lexicon.draw(rng) + closing
            elif theme and topical[state] and chance() < THEME_RATE:
                opening, core, closing = edges[state]
                term = theme[int(chance() * len(theme))]
                if core[0].isupper():
                    term = term[0].upper() + term[1:]
                token = opening + term + closing
            current.append(token)
            if counts[state]:
                counted += 1
                in_paragraph += 1
            sentence_start = ends[state]
            if sentence_start:
                if counted >= words:
                    break
                if in_paragraph >= paragraph_words:
                    paragraphs.append(self._paragraph(current))
                    current, in_paragraph = [], 0
                    paragraph_words = rng.randint(40, 140)
            elif counts[state] and counted >= words + 12:
                current[-1] += "."  # a long sentence cut short
                break
        paragraphs.append(self._paragraph(current))
        return "\n\n".join(paragraphs), counted

    @staticmethod
    def _paragraph(tokens: list[str]) -> str:
        # A paragraph must not open like a speaker label ("Mexico: we ..." or "Q"), or the
        # transcript would read back as another turn.
        if tokens[0] in {"Q", "Q.", "Q:"}:
            tokens[0] = "Question"
        for index, token in enumerate(tokens[:10]):
            if token.endswith(":"):
                tokens[index] = token[:-1] + ","
        return " ".join(tokens)


# -- People and meetings -----------------------------------------------------------------------


@dataclass
class Person:
    name: str
    role: str
    country: str
    kind: str
    labels: list[str] = field(default_factory=list)
    interpreted: bool = False
    needs_review: bool = False
    id: int | None = None


class Cast:
    """The archive's speakers: spokespeople who give the briefings, officials with a very skewed
    share of the turns, and the journalists who interview them."""

    def __init__(self, rng: random.Random, officials: int, taken: set[str]):
        self.rng = rng
        self._taken = taken  # surnames, slugs and alias keys already in use
        self.spokespeople = [self._person(spokesperson=True) for _ in range(10)]
        self.officials = [self._person() for _ in range(officials)]
        self.journalists = [self._journalist() for _ in range(max(5, officials // 20))]
        self._spokesperson_weights = _zipf_cumulative(len(self.spokespeople), 1.0)
        self._official_weights = _zipf_cumulative(len(self.officials), 1.0)

    @property
    def everyone(self) -> list[Person]:
        return [*self.spokespeople, *self.officials, *self.journalists]

    def spokesperson(self) -> Person:
        return _weighted(self.rng, self.spokespeople, self._spokesperson_weights)

    def officials_for(self, count: int) -> list[Person]:
        chosen: dict[int, Person] = {}
        while len(chosen) < min(count, len(self.officials)):
            person = _weighted(self.rng, self.officials, self._official_weights)
            chosen[id(person)] = person
        return list(chosen.values())

    def _surname(self) -> str:
        while True:
            surname = Lexicon.word(self.rng.randrange(3_000, TAIL_SIZE))
            if surname.lower() not in self._taken:
                self._taken.add(surname.lower())
                return surname

    def _person(self, spokesperson: bool = False) -> Person:
        rng = self.rng
        first, surname = rng.choice(FIRST_NAMES), self._surname()
        if spokesperson:
            honorific = rng.choice(["MR", "MS"])
            return Person(
                name=f"{first} {surname}",
                role="Department Spokesperson",
                country="United States",
                kind="official",
                labels=[f"{honorific} {surname.upper()}"],
            )
        country, _, interpreted, _ = _weighted(rng, COUNTRIES, COUNTRY_WEIGHTS)
        title, role = rng.choice(TITLES)
        labels = [f"{title} {surname.upper()}"]
        if " " in title and rng.random() < 0.5:
            labels.append(f"{title.split()[-1]} {surname.upper()}")  # FOREIGN MINISTER -> MINISTER
        if interpreted and rng.random() < 0.3:
            # Accents come and go in transcripts: BÁRCENA and BARCENA are one label key.
            accented = re.sub("[AEIOU]", lambda m: "ÁÉÍÓÚ"["AEIOU".index(m[0])], labels[0], count=1)
            labels.append(accented)
        return Person(
            name=f"{first} {surname}",
            role=role if country == "United States" else f"{role}, {country}",
            country=country,
            kind="official",
            labels=labels,
            interpreted=interpreted and rng.random() < 0.8,
            needs_review=rng.random() < 0.1,
        )

    def _journalist(self) -> Person:
        outlet = self.rng.choice(OUTLETS)
        return Person(
            name=f"{self.rng.choice(FIRST_NAMES)} {self._surname()}",
            role=f"Journalist, {outlet}",
            country="",
            kind="journalist",
            needs_review=True,
        )


def _zipf_cumulative(count: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


def _weighted(rng: random.Random, items: list, cumulative: list[float]):
    return items[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]


@dataclass
class PlannedTurn:
    label: str
    person: Person | None  # the speaker the label names; None for QUESTION, MODERATOR, outlets
    words: int
    interpreted: bool = False


@dataclass
class Plan:
    """A meeting before its words are written: who speaks when, and for how long."""

    title: str
    date: dt.date
    kind: str
    location: str
    series: str
    theme: list[str] | None
    interviewer: Person | None
    turns: list[PlannedTurn]


class Planner:
    """Meetings of every kind over 25 years, more of them in recent years, each with its cast."""

    def __init__(self, rng: random.Random, cast: Cast):
        self.rng, self.cast = rng, cast
        years = range(FIRST_DAY.year, LAST_DAY.year + 1)
        self._years = list(years)
        self._year_weights = list(itertools.accumulate(1 + i / 12 for i in range(len(years))))
        self._kinds = MEETING_KINDS
        self._kind_weights = list(itertools.accumulate(share for _, share, _ in MEETING_KINDS))
        themes = sorted(topic_terms().items())
        rng.shuffle(themes)
        self._themes = [terms for _, terms in themes if terms]
        self._theme_weights = _zipf_cumulative(len(self._themes), 0.8)

    def plan(self) -> Plan:
        rng = self.rng
        kind, _, title_pattern = _weighted(rng, self._kinds, self._kind_weights)
        year = _weighted(rng, self._years, self._year_weights)
        date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        turns_wanted = max(2, min(250, round(rng.lognormvariate(math.log(24), 0.7))))
        build = getattr(self, f"_{kind}")
        officials, turns, interviewer, lead = build(turns_wanted)
        country = lead.country if lead and lead.country else "United States"
        city = (
            rng.choice(CITIES.get(country, ["Washington, D.C."]))
            if rng.random() < 0.6
            else ("Washington, D.C.")
        )
        series = ""
        if kind == "dialogue_session":
            series = (
                f"U.S.-{country} {rng.choice(SERIES)}"
                if country != "United States"
                else (rng.choice(SERIES))
            )
        others = [p for p in officials if p is not lead]
        title = title_pattern.format(
            lead=f"{lead.role.split(',')[0]} {lead.name}" if lead else "",
            other=f"{others[0].role.split(',')[0]} {others[0].name}" if others else "Officials",
            journalist=interviewer.name if interviewer else "",
            outlet=interviewer.role.split(", ", 1)[1] if interviewer else "",
            series=series,
        )
        abroad = CITIES.get(country) and country != "United States"
        for turn in turns:
            speaker = turn.person
            turn.words = self._length(moderation=turn.label == "MODERATOR")
            turn.interpreted = speaker.interpreted if speaker else abroad and rng.random() < 0.3
        theme = None if rng.random() < 0.15 else _weighted(rng, self._themes, self._theme_weights)
        return Plan(
            title=title,
            date=date,
            kind=kind,
            location=f"{city}, {country}" if "," not in city else f"{city}, United States",
            series=series,
            theme=theme,
            interviewer=interviewer,
            turns=turns,
        )

    def _length(self, moderation: bool) -> int:
        median = MODERATION_MEDIAN if moderation else SPEECH_MEDIAN
        drawn = round(self.rng.lognormvariate(math.log(median), SPEECH_SIGMA)) - OVERSHOOT
        return max(1, min(MAX_WORDS, drawn))

    # Each kind of meeting: (officials, turns, interviewer, lead official)

    def _question(self) -> PlannedTurn:
        if self.rng.random() < 0.15:
            return PlannedTurn(self.rng.choice(OUTLETS).upper(), None, 0)
        return PlannedTurn("QUESTION", None, 0)

    def _turn(self, person: Person) -> PlannedTurn:
        return PlannedTurn(self.rng.choice(person.labels), person, 0)

    def _briefing(self, wanted: int):
        rng = self.rng
        spokesperson = self.cast.spokesperson()
        guests = self.cast.officials_for(1) if rng.random() < 0.2 else []
        turns = [self._turn(spokesperson)]
        while len(turns) < wanted:
            turns.append(self._question())
            answering = guests[0] if guests and rng.random() < 0.4 else spokesperson
            turns.append(self._turn(answering))
        return [spokesperson, *guests], turns, None, spokesperson

    def _press_conference(self, wanted: int, moderator: Person | None = None):
        rng = self.rng
        officials = self.cast.officials_for(rng.randint(2, 4))

        def moderate() -> PlannedTurn:
            return self._turn(moderator) if moderator else PlannedTurn("MODERATOR", None, 0)

        turns = [moderate(), *(self._turn(p) for p in officials)]
        while len(turns) < wanted:
            turns += [moderate(), self._question()]
            turns += [self._turn(p) for p in rng.sample(officials, rng.randint(1, 2))]
        everyone = [*officials, moderator] if moderator else officials
        return everyone, turns, None, officials[0]

    def _press_availability(self, wanted: int):
        return self._press_conference(wanted, moderator=self.cast.spokesperson())

    def _interview(self, wanted: int):
        (official,) = self.cast.officials_for(1)
        journalist = self.rng.choice(self.cast.journalists)
        turns = []
        while len(turns) < wanted:
            turns += [PlannedTurn("QUESTION", None, 0), self._turn(official)]
        return [official], turns, journalist, official

    def _dialogue_session(self, wanted: int):
        rng = self.rng
        officials = self.cast.officials_for(rng.randint(3, 6))
        turns = [PlannedTurn("MODERATOR", None, 0)]
        while len(turns) < wanted:
            turns.append(self._turn(rng.choice(officials)))
            if rng.random() < 0.2:
                turns.append(PlannedTurn("MODERATOR", None, 0))
        return officials, turns, None, officials[0]

    def _statement(self, wanted: int):
        (official,) = self.cast.officials_for(1)
        return (
            [official],
            [self._turn(official) for _ in range(self.rng.randint(1, 2))],
            None,
            (official),
        )

    def _other(self, wanted: int):
        return self._dialogue_session(wanted)


# -- Rows ----------------------------------------------------------------------------------------

MEETING_COLUMNS = (
    "id, title, slug, date, kind, location, venue, series, source_url, raw_text, content_hash, "
    "header, trailer, created_at, updated_at, publisher_id, transcript_kind"
)
# The columns ingest writes; search_vector is generated by PostgreSQL from the text.
UTTERANCE_COLUMNS = ", ".join(("id", *ingest.UTTERANCE_COLUMNS))


@dataclass
class Written:
    """A meeting as rows, the way ingest would have written it from its raw text."""

    meeting: tuple
    utterances: list[tuple]


class Synthesizer:
    """Plans meetings and writes them out as the rows ingest would make of their transcripts."""

    def __init__(
        self, seed: int, utterances: int, taken: set[str], slugs: set[str], text: str = "auto"
    ):
        self.rng = random.Random(seed)
        self.cast = Cast(self.rng, max(30, utterances // UTTERANCES_PER_SPEAKER), taken)
        self.planner = Planner(self.rng, self.cast)
        self.writer = Writer(Chain.for_text(text), Lexicon(), self.rng)
        self._slugs = slugs
        self._registry: Registry | None = None

    def register(self) -> None:
        """Resolve labels against the cast, once its speakers have ids."""
        self._registry = Registry(
            [
                KnownSpeaker(id=p.id, name=p.name, role=p.role, kind=p.kind)
                for p in self.cast.everyone
            ],
            [
                KnownAlias(label_key(label), p.id, source="editor")
                for p in self.cast.everyone
                for label in p.labels
            ],
        )

    def write(self, plan: Plan, meeting_id: int, first_utterance_id: int) -> Written:
        now = timezone.now()
        registry = self._registry
        theme = plan.theme
        resolutions, texts = [], []
        for turn in plan.turns:
            resolution = registry.resolve(turn.label)
            if (
                resolution.generic_kind == QUESTION
                and plan.interviewer
                and resolution.how == "generic"
            ):
                resolution = Resolution(
                    turn.label,
                    "interviewer",
                    plan.interviewer.id,
                    speaker_kind=JOURNALIST,
                    generic_kind=QUESTION,
                )
            resolutions.append(resolution)
            text, words = self.writer.turn(turn.words, theme)
            if turn.interpreted:
                text, words = f"(Via interpreter) {text}", words + 2
            texts.append((text, words))
        kinds = turn_kinds(resolutions, registry.speakers, [text for text, _ in texts])

        header = (
            f"{plan.title}\n\n{plan.date:%B} {plan.date.day}, {plan.date.year}\n{plan.location}"
        )
        body = "\n\n".join(
            f"{turn.label}:  {text}" for turn, (text, _) in zip(plan.turns, texts, strict=True)
        )
        raw_text = f"{header}\n\n{body}\n"
        meeting = (
            meeting_id,
            plan.title[:500],
            self._slug(f"{plan.date:%Y-%m-%d} {plan.title}"),
            plan.date,
            plan.kind,
            plan.location,
            "",
            plan.series,
            "",
            raw_text,
            content_hash(raw_text),
            header,
            "",
            now,
            now,
            None,
            "official",
        )
        utterances = [
            (
                first_utterance_id + index,
                meeting_id,
                plan.date,
                index + 1,
                resolution.speaker_id,
                turn.label,
                registry.speakers[resolution.speaker_id].kind
                if resolution.speaker_id
                else resolution.speaker_kind,
                "",
                kind,
                text,
                bool(
                    parser.INTERPRETER_MARK.search(turn.label)
                    or parser.INTERPRETER_MARK.search(text)
                ),
                words,
            )
            for index, (turn, resolution, kind, (text, words)) in enumerate(
                zip(plan.turns, resolutions, kinds, texts, strict=True)
            )
        ]
        return Written(meeting, utterances)

    def _slug(self, text: str, max_length: int = 80) -> str:
        """A unique slug, made as ingest makes one."""
        base = slugify(text)
        if len(base) > max_length:
            base = base[: max_length + 1].rsplit("-", 1)[0]
        slug, number = base, 2
        while slug in self._slugs:
            slug = f"{base[: max_length - 6]}-{number}"
            number += 1
        self._slugs.add(slug)
        return slug


# -- Loading -------------------------------------------------------------------------------------


@dataclass
class Rebuilt:
    """Secondary indexes and constraints of some tables, dropped for a load and made again.

    They are found by name in the catalogue, so indexes added by later migrations are included.
    Everything happens inside the load's transaction: if the load fails, PostgreSQL's
    transactional DDL brings every one of them back.
    """

    table: str
    indexes: list[tuple[str, str]] = field(default_factory=list)  # name, CREATE INDEX ...
    constraints: list[tuple[str, str]] = field(default_factory=list)  # name, definition
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def drop(cls, cursor, table: str) -> Rebuilt:
        rebuilt = cls(table)
        cursor.execute(
            """
            SELECT conname, contype, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
            ORDER BY conname
            """,
            [table],
        )
        for name, kind, definition in cursor.fetchall():
            (rebuilt.foreign_keys if kind == "f" else rebuilt.constraints).append(
                (name, definition)
            )
        cursor.execute(
            """
            SELECT index.relname, pg_get_indexdef(index.oid)
            FROM pg_index
            JOIN pg_class AS index ON index.oid = pg_index.indexrelid
            WHERE pg_index.indrelid = %s::regclass AND NOT pg_index.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = index.oid)
            ORDER BY index.relname
            """,
            [table],
        )
        rebuilt.indexes = cursor.fetchall()
        for name, _ in [*rebuilt.foreign_keys, *rebuilt.constraints]:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in rebuilt.indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return rebuilt

    def restore(self, cursor) -> None:
        for _, definition in self.indexes:
            cursor.execute(definition)
        for name, definition in [*self.constraints, *self.foreign_keys]:
            cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')

    @property
    def names(self) -> list[str]:
        return [name for name, _ in [*self.indexes, *self.constraints, *self.foreign_keys]]


@dataclass
class Report:
    utterances: int = 0
    meetings: int = 0
    speakers: int = 0
    taggings: int = 0
    load_seconds: float = 0.0
    index_seconds: float = 0.0
    retag_seconds: float = 0.0
    vacuum_seconds: float = 0.0
    search_index_seconds: float = 0.0
    rebuilt: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return (
            self.load_seconds
            + self.index_seconds
            + self.retag_seconds
            + self.vacuum_seconds
            + self.search_index_seconds
        )

    @property
    def rate(self) -> float:
        """Utterances a second, from the first row to the last tagging."""
        return self.utterances / self.total_seconds if self.total_seconds else 0.0


def synthesize(
    utterances: int, seed: int = 0, rebuild: bool | None = None, text: str = "auto"
) -> Report:
    """Add about `utterances` utterances to the archive; see the module's docstring.

    `rebuild` drops and remakes the indexes around the load; by default it does so when the
    load at least doubles the utterances already there. `text` says what the chain learns from:
    "corpus" (the shared corpus's real transcripts), "samples", or "auto" (the corpus when it is
    beside the project).
    """
    report = Report()
    existing = Utterance.objects.count()
    if rebuild is None:
        rebuild = utterances >= existing
    taken = {key.split()[-1] for key in SpeakerAlias.objects.values_list("key", flat=True) if key}
    taken |= {name.split()[-1].lower() for name in Speaker.objects.values_list("name", flat=True)}
    synthesizer = Synthesizer(
        seed + existing,
        utterances,
        taken,
        set(Meeting.objects.values_list("slug", flat=True)),
        text=text,
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute(
            "LOCK TABLE statements_meeting, statements_utterance, statements_tagging "
            "IN SHARE ROW EXCLUSIVE MODE"
        )
        create_speakers(synthesizer.cast)
        # The speakers' foreign keys are checked now, not at commit: a table with checks
        # pending cannot have its constraints dropped.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
        synthesizer.register()
        report.speakers = len(synthesizer.cast.everyone)
        rebuilt = [Rebuilt.drop(cursor, table) for table in REBUILT_TABLES] if rebuild else []
        report.rebuilt = [name for r in rebuilt for name in r.names]

        first_new_id = None
        while report.utterances < utterances:
            plans, planned = [], 0
            while planned < min(COPY_CHUNK, utterances - report.utterances):
                plan = synthesizer.planner.plan()
                plan.turns = plan.turns[: utterances - report.utterances - planned]
                plans.append(plan)
                planned += len(plan.turns)
            meeting_id = _reserve(cursor, "statements_meeting", len(plans))
            utterance_id = _reserve(cursor, "statements_utterance", planned)
            first_new_id = first_new_id or utterance_id
            meetings = []
            with cursor.copy(f"COPY statements_utterance ({UTTERANCE_COLUMNS}) FROM STDIN") as copy:
                for plan in plans:
                    written = synthesizer.write(plan, meeting_id, utterance_id)
                    for row in written.utterances:
                        copy.write_row(row)
                    meetings.append(written.meeting)
                    meeting_id += 1
                    utterance_id += len(written.utterances)
            with cursor.copy(f"COPY statements_meeting ({MEETING_COLUMNS}) FROM STDIN") as copy:
                for row in meetings:
                    copy.write_row(row)
            report.utterances += planned
            report.meetings += len(plans)
        report.load_seconds = time.perf_counter() - started

        started = time.perf_counter()
        for r in rebuilt:
            if r.table == "statements_utterance":
                r.restore(cursor)
        cursor.execute("ANALYZE statements_meeting, statements_utterance")
        report.index_seconds = time.perf_counter() - started

        started = time.perf_counter()
        if existing == 0:
            report.taggings = topics.retag()
        else:
            new_ids = list(range(first_new_id, first_new_id + report.utterances))
            report.taggings = topics.retag(utterance_ids=new_ids)
        report.retag_seconds = time.perf_counter() - started

        started = time.perf_counter()
        for r in rebuilt:
            if r.table != "statements_utterance":
                r.restore(cursor)
        report.index_seconds += time.perf_counter() - started

    if not connection.in_atomic_block:
        # Search plans and index-only scans want fresh statistics and a visibility map, which
        # autovacuum would otherwise get to only later.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) statements_meeting, statements_utterance, statements_tagging, "
                "statements_speaker, statements_speakeralias"
            )
        report.vacuum_seconds = time.perf_counter() - started
    # The search index: made anew after a large load (its outbox holds every row), else synced.
    started = time.perf_counter()
    if rebuild:
        search_index.rebuild()
    else:
        search_index.sync()
    report.search_index_seconds = time.perf_counter() - started
    return report


def _reserve(cursor, table: str, count: int) -> int:
    """The first of `count` consecutive ids taken from the table's sequence (the table is locked,
    so no one else takes any meanwhile)."""
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    )
    return cursor.fetchone()[0] - count + 1


def create_speakers(cast: Cast) -> None:
    slugs = set(Speaker.objects.values_list("slug", flat=True))
    people = cast.everyone
    speakers = []
    for person in people:
        slug = base = slugify(person.name)[:80]
        number = 2
        while slug in slugs:
            slug, number = f"{base[:74]}-{number}", number + 1
        slugs.add(slug)
        speakers.append(
            Speaker(
                name=person.name,
                slug=slug,
                role=person.role,
                country=person.country,
                kind=person.kind,
                needs_review=person.needs_review,
            )
        )
    for person, speaker in zip(people, Speaker.objects.bulk_create(speakers), strict=True):
        person.id = speaker.id
    keys = set(SpeakerAlias.objects.values_list("key", flat=True))
    aliases = []
    for person in people:
        for label in person.labels:
            key = label_key(label)
            if key not in keys:
                keys.add(key)
                aliases.append(SpeakerAlias(speaker_id=person.id, label=label, key=key))
    SpeakerAlias.objects.bulk_create(aliases)


class Command(BaseCommand):
    help = (
        "Add a realistic synthetic archive of about N utterances to the current database, "
        "loaded with COPY, indexes built after the load, topics tagged as ingest tags them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--utterances", type=int, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--text",
            choices=["auto", "corpus", "samples"],
            default="auto",
            help="what the text is learned from: the shared corpus's real transcripts, the "
            "samples, or the corpus when it is beside the project (auto)",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Load with the indexes in place (the default when adding less than the archive "
            "already holds).",
        )

    def handle(self, *args, **options):
        if options["utterances"] < 1:
            raise CommandError("--utterances must be at least 1.")
        report = synthesize(
            options["utterances"],
            seed=options["seed"],
            rebuild=False if options["keep_indexes"] else None,
            text=options["text"],
        )
        write = self.stdout.write
        write(
            f"{report.utterances:,} utterances in {report.meetings:,} meetings, "
            f"{report.speakers:,} speakers, {report.taggings:,} taggings."
        )
        write(
            f"  load (generate + COPY)  {report.load_seconds:8.1f} s  "
            f"{report.utterances / report.load_seconds:,.0f} utterances/s"
        )
        write(
            f"  indexes                 {report.index_seconds:8.1f} s"
            + (f"  (rebuilt {len(report.rebuilt)})" if report.rebuilt else "  (kept)")
        )
        write(f"  retag                   {report.retag_seconds:8.1f} s")
        write(f"  search index            {report.search_index_seconds:8.1f} s")
        write(f"  vacuum, analyze         {report.vacuum_seconds:8.1f} s")
        write(
            f"  total                   {report.total_seconds:8.1f} s  "
            f"{report.rate:,.0f} utterances/s"
        )
