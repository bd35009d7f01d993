"""From a transcript's speaker labels to people.

A label says little: MS. PSAKI is an honorific and a surname, THE PRESIDENT an office, SENIOR
ADMINISTRATION OFFICIAL nobody in particular, REUTERS a reporter's outlet. What it means depends
on the meeting, so labels are resolved a meeting at a time (`Registry.resolve_meeting()`), with
what the transcript itself says:

- its title and header ("Press Briefing by Press Secretary Jen Psaki", "Ned Price, Department
  Spokesperson") and the introductions in its text ("I'm joined by White House Infrastructure
  Coordinator Mitch Landrieu"), which give full names, roles and countries (`mentions()`);
- the archive's registry: the people it knows, with dated roles, and the offices whose holder a
  generic title names on a date (THE PRESIDENT in a White House transcript of 2022 is Joseph R.
  Biden Jr.; in 2025, Donald J. Trump);
- the labels each person was seen under before, and when.

Each speaker has a kind: official, journalist, moderator, interpreter or other. Reporters' labels
(Q, QUESTION, an outlet such as NHK), moderators, operators, audiences and staff name no one and
are never officials; an interview's interviewer is a journalist whose turns are questions. An
official the transcript does not name is a speaker of that meeting alone. What is really
uncertain (a surname and nothing more, a near spelling) is flagged for review; the rest is not.

Pure matching: no Django here but `Registry.from_database()`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType

from statements.parser import fold
from statements.places import COUNTRY, ORGANISATION, REGION, fold_accents, gazetteer

DATA = Path(__file__).parent / "data"
OUTLETS_FILE = DATA / "outlets.json"

# Kinds of utterance.
QUESTION, ANSWER, STATEMENT, MODERATION = "question", "answer", "statement", "moderation"
# Kinds of speaker.
OFFICIAL, JOURNALIST, MODERATOR, INTERPRETER, OTHER = (
    "official",
    "journalist",
    "moderator",
    "interpreter",
    "other",
)

# Labels that name no person: the kind of speaker they are, and the kind of turn they give
# (None: a question if it asks one, else a statement).
GENERIC_LABELS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(
        ["q", "question", "questions", "reporter", "reporters", "journalist", "press", "media"],
        (JOURNALIST, QUESTION),
    ),
    **dict.fromkeys(
        ["moderator", "master of ceremonies", "mc", "emcee", "operator", "announcer", "host"],
        (MODERATOR, MODERATION),
    ),
    **dict.fromkeys(["interpreter", "translator", "interpretation"], (INTERPRETER, STATEMENT)),
    **dict.fromkeys(
        [
            "staff",
            "staffer",
            "aide",
            "white house aide",
            "military aide",
            "white house staff",
            "press aide",
            "advance staff",
            "air force one crew member",
            "crew member",
            "pilot",
        ],
        (OTHER, MODERATION),
    ),
    **dict.fromkeys(
        [
            "audience",
            "audience member",
            "audience members",
            "participant",
            "participants",
            "speaker",
            "unidentified speaker",
            "unidentified",
            "voice",
            "voices",
            "male speaker",
            "female speaker",
            "man",
            "woman",
            "child",
            "children",
            "student",
            "students",
            "crowd",
            "crowd member",
            "protester",
            "protestor",
            "heckler",
            "attendee",
            "guest",
            "narrator",
            "video",
            "all",
            "both",
            "together",
        ],
        (OTHER, None),
    ),
}
# SENIOR ADMINISTRATION OFFICIAL, SENIOR STATE DEPARTMENT OFFICIAL ONE, WHITE HOUSE OFFICIAL #2:
# an official the transcript does not name.
UNIDENTIFIED_OFFICIAL = re.compile(
    r"^(?:[a-z.\-']+ ){0,6}(?:officials?|briefer|spokesperson|senior official)"
    r"(?: (?:one|two|three|four|five|six|\d+|#\d+|no \d+|number \w+|[a-f]))?$"
)

# Words that say what someone is rather than who (data/roles.json): honorifics, the head words
# of roles, a role's other words (never a given name), and nicknames. A title word may be
# misspelt (SECERTARY BLINKEN, THE PRESIDNET): see `_is_title_word()`.
_WORDS = json.loads((DATA / "roles.json").read_text(encoding="utf-8"))
HONORIFICS = frozenset(_WORDS["honorifics"])
ROLE_HEADS = frozenset(_WORDS["role_heads"])
JOURNALIST_HEADS = frozenset(_WORDS["journalist_heads"])
MODERATOR_HEADS = frozenset(_WORDS["moderator_heads"])
ROLE_WORDS = ROLE_HEADS | JOURNALIST_HEADS | MODERATOR_HEADS | frozenset(_WORDS["role_words"])
# Capitalised words at which a role read backwards from a name stops: a title's verb or
# preposition, a pronoun, a greeting ("... On the Biden-Harris Administration’s ...").
ROLE_STOPS = frozenset(_WORDS["role_stops"])
# Words that are no one's given name (as `_tokens` folds them: no apostrophes), beside the
# role words and honorifics: the stops, a document's words, honorifics in the plural.
NOT_IN_A_NAME = ROLE_STOPS | frozenset(_WORDS["not_in_a_name"])
NICKNAMES = {short: frozenset(full) for short, full in _WORDS["nicknames"].items()}
# Connectors inside a role ("Secretary of State", "Assistant to the President for ...").
ROLE_CONNECTORS = frozenset("of for to the on and de del du la le".split())
# Words that tie a name to the surname ("Ursula von der Leyen", "Andrés Manuel López Obrador").
NAME_PARTICLES = frozenset("van von der de del da dos du la le bin al el ibn mac".split())
# Of the places a transcript names someone, the first this many are read for who they are.
MENTIONS_READ = 25
# A label seen for one person within this many days of a meeting is still theirs.
ALIAS_REACH = 3 * 365


def label_key(label: str) -> str:
    """A label folded for case, accents, punctuation and spacing: the key of an alias."""
    label = re.sub(r"\([^()]*\)", " ", label)
    return " ".join(re.sub(r"[^\w\s\-|,]", " ", fold(label).replace("’", "'")).split())


def _tokens(text: str) -> list[str]:
    return list(_folded_tokens(text))


@lru_cache(maxsize=200_000)
def _folded_tokens(text: str) -> tuple[str, ...]:
    """A text's words folded for case and accents, its dots and apostrophes dropped (kept:
    every registry folds every speaker's name, and every label is folded many times)."""
    return tuple(t for t in re.split(r"[\s,]+", re.sub(r"[.'’]", "", fold(text))) if t)


def _is_title_word(token: str) -> bool:
    # Typos in titles are common (PRIME MININSTER, SECERTARY BLINKEN): off by a letter or two.
    return token in ROLE_WORDS or token in HONORIFICS or _near_title_word(token) is not None


@lru_cache(maxsize=20_000)
def _near_title_word(token: str) -> str | None:
    if len(token) <= 4:
        return None
    close = difflib.get_close_matches(token, ROLE_HEADS, n=1, cutoff=0.8)
    return close[0] if close else None


@dataclass(frozen=True)
class LabelParts:
    """What a label says: a title, a name, and from `Name, Role` or `Country | Role` labels a
    role and a country."""

    title: str
    name: str
    role: str = ""
    country: str = ""

    @property
    def honorific_only(self) -> bool:
        """MS. PSAKI: an honorific and a surname, no title."""
        return all(word in HONORIFICS for word in self.title.split())


@lru_cache(maxsize=100_000)
def split_label(label: str) -> LabelParts:
    """What a label says (kept: every meeting splits every label it has)."""
    label = re.sub(r"\([^()]*\)", " ", label).strip(" *:")
    if "|" in label:
        who, role = (part.strip() for part in label.split("|", 1))
        return LabelParts(title=fold(role), name="", role=role, country=who)
    if "," in label:
        who, role = (part.strip() for part in label.split(",", 1))
        return LabelParts(title=fold(role), name=" ".join(_tokens(who)), role=role)
    tokens = _tokens(label)
    # The last word is the name unless it is plainly a title (THE PRESIDENT, MODERATOR).
    cut = 0
    while cut < len(tokens) - 1 and _is_title_word(tokens[cut]):
        cut += 1
    # A last word that is a role's head (THE PRESIDENT, MODERATOR) is no name; a role's other
    # words may be (MR. WHITE, MS. HOUSE).
    last = tokens[cut] if cut < len(tokens) else ""
    if cut == len(tokens) - 1 and (
        last in ROLE_HEADS | JOURNALIST_HEADS | MODERATOR_HEADS
        or (last in HONORIFICS | ROLE_WORDS and cut == 0)
    ):
        cut = len(tokens)
    return LabelParts(title=" ".join(tokens[:cut]), name=" ".join(tokens[cut:]))


def title_case(text: str) -> str:
    """SECRETARY BLINKEN as Secretary Blinken; JEAN-PIERRE as Jean-Pierre; McX kept."""
    if not text.isupper():
        return text
    words = []
    for word in text.split():
        if word.lower() in {"of", "the", "for", "and", "to", "de", "von", "der", "van"}:
            words.append(word.lower())
        else:
            words.append("-".join(part[:1] + part[1:].lower() for part in word.split("-")))
    result = " ".join(words)
    return result[:1].upper() + result[1:]


# -- What a transcript says about its speakers -------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """A person named in a transcript: "German Foreign Minister Annalena Baerbock"."""

    given: tuple[str, ...]  # given names and initials, as written: ("Annalena",)
    surname: str  # as written: "Baerbock"
    role: str = ""
    country: str = ""
    organisation: str = ""
    where: str = "text"  # title, header or text
    outlet: str = ""  # for a journalist: "CNN’s Anderson Cooper"

    @property
    def full_name(self) -> str:
        return " ".join((*self.given, self.surname))

    @property
    def weight(self) -> int:
        return {"title": 3, "header": 3}.get(self.where, 1) + (2 if self.role else 0)


TOKEN = re.compile(r"[^\W\d_][\w'’.\-]*|\d[\w.\-]*|[^\w\s]")
INITIAL = re.compile(r"^[A-Z]\.$|^[A-Z]\.[A-Z]\.$")
ABBREVIATIONS = frozenset(
    [
        "Mr.",
        "Mrs.",
        "Ms.",
        "Dr.",
        "Jr.",
        "Sr.",
        "St.",
        "U.S.",
        "U.N.",
        "U.K.",
        "E.U.",
        "Lt.",
        "Gen.",
        "Col.",
        "Sen.",
        "Rep.",
        "Gov.",
        "Amb.",
        "Adm.",
        "Hon.",
        "Rev.",
        "Prof.",
        "Capt.",
        "Sgt.",
        "Maj.",
        "D.C.",
        "No.",
    ]
)


def mentions(name: str, context: Context) -> list[Mention]:
    """Where the transcript names someone whose name ends in `name` (folded words: "psaki",
    "von der leyen"): in its title, header and text, with the words around the name that say
    who they are."""
    words = name.split()
    if not words:
        return []
    pattern = _name_pattern(tuple(words))
    found = []
    for where, folded in context.folded.items():
        # The first mentions say who someone is; later ones add nothing but time.
        for match in itertools.islice(pattern.finditer(folded), MENTIONS_READ):
            mention = _read_mention(folded, match.start(), match.end(), where)
            if mention is not None:
                found.append(mention)
    return found


@lru_cache(maxsize=10_000)
def _name_pattern(words: tuple[str, ...]) -> re.Pattern:
    body = r"[\s\-]+".join(re.escape(fold_accents(word)) for word in words)
    return re.compile(rf"(?<![\w\-]){body}(?![\w\-])", re.IGNORECASE)


def _read_mention(text: str, start: int, end: int, where: str) -> Mention | None:
    """The person named at text[start:end] (their surname): given names and a role from the
    words before it on its line, or a role after it (", Department Spokesperson"), and the
    country or organisation the role belongs to ("of Japan")."""
    surname = text[start:end]
    last = surname.split()[-1]
    if not last[:1].isupper() or (len(last) > 1 and last.isupper()):
        return None  # a word, not a name; or a label in capitals (PRIME MINISTER DUPONT:)
    # Hard-wrapped text breaks lines anywhere: a paragraph (a blank line) bounds a mention.
    line_start = text.rfind("\n\n", 0, start) + 1
    line_end = text.find("\n\n", end)
    run = _run_before(TOKEN.findall(text[max(line_start, start - 160) : start].replace("\n", " ")))
    given: list[str] = []
    while run and _is_given_name(run[-1]):
        named = [g for g in given if not INITIAL.match(g)]
        # A second given name only where nothing but a title comes before it: "President
        # Andrés Manuel López Obrador", not "Religious Freedom Rashad Hussain".
        if named and (len(named) >= 2 or not (len(run) == 1 or _opens_a_name(run[-2]))):
            break
        given.insert(0, run.pop())
    while run and _tokens(run[-1]) and _tokens(run[-1])[0] in HONORIFICS | {"doctors"}:
        run.pop()
    outlet = outlet_named(re.sub(r"[’']s$", "", run[-1])) if run and given else ""
    role = f"Journalist, {outlet}" if outlet else _role_from(run)
    after = text[end : line_end if line_end >= 0 else len(text)][:200].replace("\n", " ")
    after = re.sub(r"^,? (?:Jr|Sr|III|II)\.?", "", after)
    role_after = re.match(r",\s+(?:the\s+)?([^,;:()]{3,160})", after)
    if role_after and not role:
        role = _role_from(_run_after(TOKEN.findall(role_after.group(1))), leading=True)
    country, organisation = _affiliation(role)
    # "Prime Minister Kishida of Japan": a country or an organisation right after the name.
    of_place = re.match(r"\s+of\s+(?:the\s+)?([A-Z][^,.;:()]{1,60})", after)
    found = gazetteer().find(of_place.group(1)[:40]) if of_place else []
    if found and found[0].start == 0 and not (country or organisation):
        place = found[0].place
        if place.kind == COUNTRY:
            country = place.name
        elif place.kind == ORGANISATION:
            organisation = place.name
        if role and place.kind != REGION:
            role = f"{role} of {place.name}"
    if not given and not role:
        return None
    return Mention(
        given=tuple(given),
        surname=surname,
        role=role,
        country="" if outlet else country,
        organisation="" if outlet else organisation,
        where=where,
        outlet=outlet,
    )


def _run_before(tokens: list[str]) -> list[str]:
    """The run of words that ends at a name: capitalised words and a role's connectors, back to
    punctuation, a lower-case word, a sentence's end, or an "and" between two people's
    ("... Jen Psaki and National Security Advisor")."""
    run: list[str] = []
    for i in range(len(tokens) - 1, -1, -1):
        token = tokens[i]
        if _ends_a_run(token):
            break
        if token == "and" and (i == 0 or not _role_word(tokens[i - 1])):
            break
        run.append(token)
    run.reverse()
    return run


def _run_after(tokens: list[str]) -> list[str]:
    """The run of a role's words after a name's comma, to the first word that is neither."""
    run: list[str] = []
    for token in tokens:
        if _ends_a_run(token) or (token[:1].isupper() and token.lower() in ROLE_STOPS):
            break
        run.append(token)
    return run


def _ends_a_run(token: str) -> bool:
    if len(token) == 1 and not token.isalnum():
        return token not in {"-", "’", "'"}
    if token.lower() in ROLE_CONNECTORS and not token[:1].isupper():
        return False
    if not token[:1].isupper():
        return True
    return token.endswith(".") and token not in ABBREVIATIONS and not INITIAL.match(token)


def _opens_a_name(token: str) -> bool:
    """Whether a word comes before a person's given names: a title's head or an honorific."""
    words = _tokens(token)
    return bool(words) and (words[0] in HONORIFICS or _is_head(token))


def _is_given_name(token: str) -> bool:
    if INITIAL.match(token):
        return True
    bare = token.strip("’'")
    folded = _tokens(bare)
    if not folded or not bare[:1].isupper() or bare.endswith(".") or len(folded[0]) < 2:
        return False
    word = folded[0]
    if word in ROLE_WORDS or word in HONORIFICS or word in NOT_IN_A_NAME:
        return False
    if len(bare) > 2 and bare.isupper():
        return False  # APNSA Jake Sullivan: an acronym, not a name
    if re.search(r"[’']s$", bare) or outlet_named(bare):
        return False  # CNN’s Anderson Cooper
    if _near_title_word(word):
        return False
    return fold_accents(bare) not in gazetteer().forms


def _role_from(tokens: list[str], leading: bool = False) -> str:
    """A role from the run of words before a name ("White House Infrastructure Coordinator"), or
    with `leading`, after it ("Department Spokesperson"): from its first role word to its last,
    if it holds a role's head word ("Coordinator", "Minister", "Anchor")."""
    kept = list(tokens)
    if not leading:
        # Read backwards: stop at a title's verb or preposition, and at "to" or "for" after
        # something that is no role ("Presentation of the Medal of Honor to Army Colonel").
        for i in range(len(kept) - 1, -1, -1):
            stop = kept[i][:1].isupper() and kept[i].lower() in ROLE_STOPS
            joins = kept[i] in {"to", "for"} and (i == 0 or not _role_word(kept[i - 1]))
            if stop or joins:
                kept = kept[i + 1 :]
                break
    while kept and not _role_word(kept[0]) and not _is_unknown_capital(kept[0], kept[1:]):
        kept.pop(0)
    while kept and (not _role_word(kept[-1]) or kept[-1].lower() in ROLE_CONNECTORS):
        kept.pop()
    while kept and kept[0].lower() in ROLE_CONNECTORS:
        kept.pop(0)
    heads = ROLE_HEADS | JOURNALIST_HEADS | MODERATOR_HEADS
    if not any(_tokens(token) and _tokens(token)[0] in heads for token in kept):
        return ""
    return " ".join(kept)


def _is_unknown_capital(token: str, rest: list[str]) -> bool:
    """A capitalised word no list knows, leading into a role ("Religious Freedom Ambassador")."""
    return (
        token[:1].isupper()
        and token.lower() not in NOT_IN_A_NAME
        and any(_role_word(t) for t in rest)
    )


def _role_word(token: str) -> bool:
    words = _tokens(token)
    return bool(words) and (
        words[0] in ROLE_WORDS
        or _near_title_word(words[0]) is not None
        or fold_accents(token) in gazetteer().forms
    )


# Words after which a place is a portfolio or a posting, not the speaker's own:
# "Special Envoy for Afghanistan", "Ambassador to Japan".
PORTFOLIO_WORDS = frozenset(["for", "to", "on", "in", "toward", "towards", "at", "regarding"])


def _affiliation(role: str) -> tuple[str, str]:
    """The country and the organisation a role is held for: "German Foreign Minister" is
    Germany's, "Foreign Minister of Kenya" Kenya's, "NATO Secretary General" NATO's; "Special
    Envoy for Afghanistan" and "U.S. Ambassador to Japan" are not Afghanistan's or Japan's."""
    if not role:
        return "", ""
    country = organisation = ""
    for mention in gazetteer().find(role):
        before = role[: mention.start].split()
        previous = before[-1].lower() if before else ""
        if previous in PORTFOLIO_WORDS:
            continue
        if previous == "of" and len(before) >= 2 and not _is_head(before[-2]):
            continue  # "Bureau of ...", not "Minister of Kenya"
        if mention.place.kind == ORGANISATION and not organisation:
            organisation = mention.place.name
        elif mention.place.kind == COUNTRY and not country:
            after = role[mention.end :].split()
            at_start = not before
            if mention.sense != "name" or not at_start or (after and _role_word(after[0])):
                country = mention.place.name
    if organisation:
        country = ""
    return country, organisation


def _is_head(token: str) -> bool:
    words = _tokens(token)
    return bool(words) and (words[0] in ROLE_HEADS or _near_title_word(words[0]) is not None)


def kind_of_role(role: str) -> str | None:
    """The kind of speaker a role makes: "CNN Anchor" a journalist, "Moderator" a moderator,
    "Secretary of State" an official; None when the role says none of these."""
    words = set(_tokens(role))
    if words & JOURNALIST_HEADS:
        return JOURNALIST
    if words & MODERATOR_HEADS:
        return MODERATOR
    if words & (ROLE_HEADS - {"ceo", "member", "head", "officer"}) or words & {
        "official",
        "minister",
    }:
        return OFFICIAL
    return None


# -- The registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A role held, or an office, from a date to a date (None: open)."""

    title: str
    start: dt.date | None = None
    end: dt.date | None = None
    country: str = ""
    organisation: str = ""

    def holds(self, date: dt.date | None, reach: int = 0) -> bool:
        if date is None:
            return True
        start = self.start - dt.timedelta(days=reach) if self.start else None
        end = self.end + dt.timedelta(days=reach) if self.end else None
        return (start is None or start <= date) and (end is None or date <= end)


@dataclass(frozen=True)
class KnownSpeaker:
    id: int
    name: str
    kind: str = OFFICIAL
    role: str = ""
    country: str = ""
    organisation: str = ""
    family_name: str = ""
    outlet: str = ""
    roles: tuple[Term, ...] = ()
    unidentified: bool = False
    needs_review: bool = False

    @cached_property
    def name_tokens(self) -> frozenset[str]:
        return _name_words(self.name)

    @property
    def surname(self) -> str:
        """The family name, folded: as set, else the name's last word (Jr. aside)."""
        return _name_parts(self.name, self.family_name)[0]

    @property
    def given_names(self) -> tuple[str, ...]:
        return _name_parts(self.name, self.family_name)[1]

    def role_on(self, date: dt.date | None) -> Term | None:
        held = [term for term in self.roles if term.holds(date)]
        return held[-1] if held else None

    def active_near(self, date: dt.date | None, reach: int = ALIAS_REACH) -> bool:
        """Whether a dated role of theirs is near the date (or none of their roles is dated)."""
        dated = [term for term in self.roles if term.start or term.end]
        return not dated or any(term.holds(date, reach) for term in dated)


@lru_cache(maxsize=100_000)
def _name_parts(name: str, family_name: str) -> tuple[str, tuple[str, ...]]:
    """A person's surname and given names, folded (kept: every registry reads every speaker's)."""
    words = [w for w in _tokens(name) if w not in {"jr", "sr", "ii", "iii"}]
    surname = " ".join(_tokens(family_name)) if family_name else (words[-1] if words else "")
    return surname, tuple(words[: len(words) - len(surname.split())])


@lru_cache(maxsize=100_000)
def _name_words(name: str) -> frozenset[str]:
    """The words of a person's name, folded (kept: every registry reads every speaker's)."""
    return frozenset(t for t in _tokens(name) if len(t) > 1)


@dataclass(frozen=True)
class KnownAlias:
    key: str
    speaker_id: int
    source: str = "ingest"  # registry, ingest or editor
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None

    def near(self, date: dt.date | None) -> bool:
        if date is None or self.first_seen is None or self.source == "editor":
            return True
        span = Term("", self.first_seen, self.last_seen or self.first_seen)
        return span.holds(date, ALIAS_REACH)


@dataclass(frozen=True)
class KnownOffice:
    name: str
    label_keys: frozenset[str]
    terms: tuple[tuple[dt.date, dt.date | None, int], ...]  # start, end, speaker id
    country: str = ""
    organisation: str = ""
    publishers: frozenset[str] = frozenset()  # keys; empty: every publisher of its country

    def applies_to(self, context: Context) -> bool:
        if self.publishers:
            return context.publisher in self.publishers
        return bool(self.country) and self.country == context.publisher_country

    def holder(self, date: dt.date | None) -> int | None:
        if date is None:
            return None
        for start, end, speaker_id in self.terms:
            if start <= date and (end is None or date < end):
                return speaker_id
        return None


@dataclass(frozen=True)
class Context:
    """What is known of a meeting when its labels are resolved."""

    date: dt.date | None = None
    title: str = ""
    header: str = ""
    text: str = ""
    publisher: str = ""  # its key
    publisher_country: str = ""
    kind: str = ""  # the meeting's kind

    @cached_property
    def folded(self) -> dict[str, str]:
        """The title, header and text with accents folded, done once a meeting."""
        parts = {"title": self.title, "header": self.header, "text": self.text}
        return {where: fold_accents(text) for where, text in parts.items() if text}


@dataclass(frozen=True)
class NewSpeaker:
    """A speaker to create: what the transcript told of them."""

    name: str
    kind: str = OFFICIAL
    role: str = ""
    country: str = ""
    organisation: str = ""
    outlet: str = ""
    family_name: str = ""
    unidentified: bool = False
    review_reason: str = ""

    @property
    def identity(self) -> str:
        """Two specs of the same identity are one person (an unidentified official is one per
        meeting, and has no identity across them)."""
        return fold(self.name)


@dataclass(frozen=True)
class Resolution:
    """How one label of a meeting resolved.

    `how` is one of: generic (a label that names no person), outlet (a news outlet named instead
    of a reporter), unidentified (an official the transcript does not name), editor (a label an
    editor gave a speaker), office (a generic title: its holder on the date), name (a known
    person, by name), alias (a label seen for a known person), evidence (a new person the
    transcript names in full), fuzzy (a known person by a near spelling), new (a new person
    known by the label alone), chosen (an editor's choice in the preview).
    """

    label: str
    how: str
    speaker_id: int | None = None
    new: NewSpeaker | None = None
    speaker_kind: str = OFFICIAL
    generic_kind: str | None = None  # the kind of turn a generic label gives
    outlet: str = ""
    role_seen: Term | None = None  # a role the transcript gives a known speaker
    parts: LabelParts = field(default_factory=lambda: LabelParts("", ""))

    @property
    def is_person(self) -> bool:
        return self.how not in {"generic", "outlet"}


class Registry:
    """The archive's known speakers, their labels and the offices they held."""

    def __init__(
        self,
        speakers: Iterable[KnownSpeaker],
        aliases: Iterable[KnownAlias] = (),
        offices: Iterable[KnownOffice] = (),
        publishers: Mapping[str, str] | None = None,
    ):
        # Read-only: one registry serves every caller that reads the same rows.
        self.speakers = MappingProxyType({s.id: s for s in speakers})
        by_alias: dict[str, list[KnownAlias]] = defaultdict(list)
        for alias in aliases:
            if alias.speaker_id in self.speakers:
                by_alias[alias.key].append(alias)
        self.by_alias = MappingProxyType({key: tuple(found) for key, found in by_alias.items()})
        self.offices = tuple(offices)
        self.publishers = MappingProxyType(dict(publishers or {}))  # key: country

    @classmethod
    def from_database(cls) -> Registry:
        """The registry of the archive's rows, read in plain queries and built only when they
        differ from the last ones read (ingest asks at every batch)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name, kind, role, country, organisation, family_name, outlet, "
                "unidentified_in_id IS NOT NULL, needs_review FROM statements_speaker "
                "WHERE unidentified_in_id IS NULL ORDER BY id"
            )
            speakers = tuple(cursor.fetchall())
            cursor.execute(
                'SELECT speaker_id, title, start, "end", country, organisation '
                "FROM statements_speakerrole ORDER BY speaker_id, start NULLS FIRST, id"
            )
            roles = tuple(cursor.fetchall())
            cursor.execute(
                "SELECT key, speaker_id, source, first_seen, last_seen "
                "FROM statements_speakeralias ORDER BY key, speaker_id"
            )
            aliases = tuple(cursor.fetchall())
            cursor.execute(
                "SELECT o.id, o.name, o.labels, o.country, o.organisation, "
                "ARRAY(SELECT p.key FROM statements_office_publishers AS op "
                "      JOIN statements_publisher AS p ON p.id = op.publisher_id "
                "      WHERE op.office_id = o.id ORDER BY p.key), "
                'ARRAY(SELECT ARRAY[t.start::text, t."end"::text, t.speaker_id::text] '
                "      FROM statements_officeterm AS t WHERE t.office_id = o.id ORDER BY t.start) "
                "FROM statements_office AS o ORDER BY o.id"
            )
            offices = tuple(
                (*row[:2], tuple(row[2]), *row[3:5], tuple(row[5]), tuple(map(tuple, row[6])))
                for row in cursor
            )
            cursor.execute("SELECT key, country FROM statements_publisher ORDER BY key")
            publishers = tuple(cursor.fetchall())
        return cls._built(speakers, roles, aliases, offices, publishers)

    @classmethod
    @lru_cache(maxsize=1)
    def _built(cls, speakers, roles, aliases, offices, publishers) -> Registry:
        roles_of: dict[int, list[Term]] = defaultdict(list)
        for speaker_id, title, start, end, country, organisation in roles:
            roles_of[speaker_id].append(Term(title, start, end, country, organisation))
        return cls(
            [
                KnownSpeaker(
                    id=pk,
                    name=name,
                    kind=kind,
                    role=role,
                    country=country,
                    organisation=organisation,
                    family_name=family_name,
                    outlet=outlet,
                    roles=tuple(roles_of.get(pk, ())),
                    unidentified=unidentified,
                    needs_review=needs_review,
                )
                for (
                    pk,
                    name,
                    kind,
                    role,
                    country,
                    organisation,
                    family_name,
                    outlet,
                    unidentified,
                    needs_review,
                ) in speakers
            ],
            [KnownAlias(*row) for row in aliases],
            [
                KnownOffice(
                    name=name,
                    label_keys=frozenset(label_key(label) for label in labels),
                    terms=tuple(
                        (
                            dt.date.fromisoformat(start),
                            dt.date.fromisoformat(end) if end else None,
                            int(speaker_id),
                        )
                        for start, end, speaker_id in terms
                    ),
                    country=country,
                    organisation=organisation,
                    publishers=frozenset(keys),
                )
                for _, name, labels, country, organisation, keys, terms in offices
            ],
            dict(publishers),
        )

    # -- One label -------------------------------------------------------------------------

    def resolve(self, label: str, context: Context | None = None) -> Resolution:
        """How one label resolves in a meeting (by default, one nothing is known of)."""
        return self.resolve_meeting([(label, "")], context or Context())[label]

    def resolve_meeting(
        self, turns: Sequence[tuple[str, str]], context: Context
    ) -> dict[str, Resolution]:
        """How each label of a meeting resolves, given its turns (label and text) in order."""
        texts: dict[str, list[str]] = defaultdict(list)
        for label, text in turns:
            texts[label].append(text)
        resolved = {label: self._resolve(label, context) for label in texts}
        interviewer = self._interviewer(context)
        if interviewer is not None:
            resolved = {
                label: replace(interviewer, label=label, parts=r.parts)
                if r.how == "generic" and r.speaker_kind == JOURNALIST
                else r
                for label, r in resolved.items()
            }
        turns_of = {resolution: texts[label] for label, resolution in resolved.items()}
        return {
            label: _as_interviewer(resolution, texts[label], turns_of, context)
            for label, resolution in resolved.items()
        }

    def _interviewer(self, context: Context) -> Resolution | None:
        """In an interview whose title names the interviewer ("... With Alejandro Dominguez of
        Milenio TV"), the reporter's labels (QUESTION) are theirs."""
        named = interviewer_name(context.title) if context.kind == "interview" else None
        if named is None:
            return None
        name, outlet = named
        outlet = outlet_named(outlet) or outlet
        mention = Mention(given=tuple(name.split()[:-1]), surname=name.split()[-1])
        known = self._known_full_name(mention, LabelParts("", ""), context)
        if known is not None:
            return Resolution("", "interviewer", known, speaker_kind=JOURNALIST, outlet=outlet)
        new = NewSpeaker(
            name=name,
            family_name=name.split()[-1],
            kind=JOURNALIST,
            role=f"Journalist, {outlet}",
            outlet=outlet,
        )
        return Resolution("", "interviewer", new=new, speaker_kind=JOURNALIST, outlet=outlet)

    def _resolve(self, label: str, context: Context) -> Resolution:
        key = label_key(label)
        parts = split_label(label)
        generic = _generic(key)
        if generic is not None:
            speaker_kind, turn_kind = generic
            return Resolution(label, "generic", None, None, speaker_kind, turn_kind, parts=parts)
        outlet = outlet_named(label)
        if outlet:
            return Resolution(
                label, "outlet", None, None, JOURNALIST, QUESTION, outlet, parts=parts
            )
        if UNIDENTIFIED_OFFICIAL.match(key) and not parts.role:
            new = NewSpeaker(name=title_case(_bare(label)), unidentified=True)
            return Resolution(label, "unidentified", new=new, parts=parts)
        editor = [a for a in self.by_alias.get(key, ()) if a.source == "editor"]
        if len(editor) == 1:
            return self._known(label, "editor", editor[0].speaker_id, parts)
        office = self._office_holder(key, parts, context)
        if office is not None:
            return office
        if not parts.name:
            return self._by_title(label, parts, context)
        return self._by_name(label, parts, context)

    def _known(
        self, label: str, how: str, speaker_id: int, parts: LabelParts, role: Term | None = None
    ) -> Resolution:
        speaker = self.speakers[speaker_id]
        return Resolution(
            label, how, speaker_id, speaker_kind=speaker.kind, role_seen=role, parts=parts
        )

    def _office_holder(self, key: str, parts: LabelParts, context: Context) -> Resolution | None:
        """A generic title (THE PRESIDENT, THE FIRST LADY, misspelt or not) whose holder on the
        date is known."""
        wanted = key
        for office in self.offices:
            if not office.applies_to(context):
                continue
            if wanted in office.label_keys or _near_key(wanted, office.label_keys):
                holder = office.holder(context.date)
                if holder is not None and holder in self.speakers:
                    return self._known(key, "office", holder, parts)
        return None

    def _by_title(self, label: str, parts: LabelParts, context: Context) -> Resolution:
        """A title with no name (THE PRIME MINISTER, THE AMBASSADOR): the one person the title
        and header name with that title, if there is one."""
        title = {w for w in parts.title.split() if w not in HONORIFICS}
        named = []
        for where, text in (("title", context.title), ("header", context.header)):
            for mention in _people_in(text, where):
                if title and title <= set(_tokens(mention.role)):
                    named.append(mention)
        people = {fold(m.full_name): m for m in named}
        if len(people) == 1:
            return self._from_mentions(label, parts, list(people.values()), context)
        role = title_case(_bare(label))
        return Resolution(
            label,
            "new",
            new=NewSpeaker(
                name=role,
                role=role,
                kind=kind_of_role(role) or OFFICIAL,
                review_reason=f"“{label}” names a title but not who held it.",
            ),
            parts=parts,
        )

    def _by_name(self, label: str, parts: LabelParts, context: Context) -> Resolution:
        named = [m for m in mentions(parts.name, context) if m.given]
        if not parts.honorific_only:
            # PRESIDENT BIDEN: a known Biden who was a president then, rather than a namesake
            # the text mentions in passing (Beau Biden), unless the title or header names
            # another of that title.
            known = self._known_by_name(parts, context, titled=True)
            if known is not None and not self._named_otherwise(known, named, parts):
                role = self._role_seen(named, known, parts, context)
                return self._known(label, "name", known, parts, role)
        if named:
            return self._from_mentions(label, parts, named, context)
        roled = [m for m in mentions(parts.name, context) if m.role]
        known = self._known_by_name(parts, context)
        if known is not None:
            return self._known(label, "name", known, parts)
        key = label_key(label)
        near = [a for a in self.by_alias.get(key, ()) if a.near(context.date)]
        if len({a.speaker_id for a in near}) == 1:
            return self._known(label, "alias", near[0].speaker_id, parts)
        fuzzy = self._known_by_near_name(parts, context)
        if fuzzy is not None:
            return self._known(label, "fuzzy", fuzzy, parts)
        new = self._new_from_label(label, parts, context, roled)
        return Resolution(label, "new", new=new, speaker_kind=new.kind, parts=parts)

    def _named_otherwise(self, known: int, named: list[Mention], parts: LabelParts) -> bool:
        """Whether the title or header names someone else of that surname with the title."""
        speaker = self.speakers[known]
        title = set(parts.title.split()) - HONORIFICS
        for mention in named:
            strong = mention.where != "text" and title & set(_tokens(mention.role))
            given = [w for w in _tokens(" ".join(mention.given)) if len(w) > 1]
            if strong and not _given_names_agree(given, speaker.given_names):
                return True
        return False

    def _role_seen(
        self, named: list[Mention], known: int, parts: LabelParts, context: Context
    ) -> Term | None:
        """The role the transcript gives a known person, else the label's title."""
        speaker = self.speakers[known]
        for mention in sorted(named, key=lambda m: -m.weight):
            given = [w for w in _tokens(" ".join(mention.given)) if len(w) > 1]
            if mention.role and _given_names_agree(given, speaker.given_names):
                return Term(
                    mention.role, context.date, context.date, mention.country, mention.organisation
                )
        return None

    def _from_mentions(
        self, label: str, parts: LabelParts, found: list[Mention], context: Context
    ) -> Resolution:
        """A label the transcript names in full: the known person of that name, or a new one."""
        by_name: dict[str, list[Mention]] = defaultdict(list)
        for mention in found:
            by_name[_name_key(mention)].append(mention)
        # The name the transcript gives most weight (the title's and header's, and with a role).
        ranked = sorted(by_name.values(), key=lambda ms: -sum(m.weight for m in ms))
        chosen = ranked[0]
        best = max(chosen, key=lambda m: (m.weight, len(m.full_name)))
        role_mention = max(chosen, key=lambda m: (bool(m.role), m.weight, len(m.role)))
        role = role_mention.role or self._label_role(parts)
        # Where the role is held: with the role, or else as another mention says.
        country, organisation = role_mention.country, role_mention.organisation
        if not country and not organisation:
            placed = next((m for m in chosen if m.country or m.organisation), None)
            if placed is not None:
                country, organisation = placed.country, placed.organisation
        seen = Term(role, context.date, context.date, country, organisation) if role else None
        known = self._known_full_name(best, parts, context)
        if known is not None:
            return self._known(label, "name", known, parts, seen)
        kind = kind_of_role(role) or kind_of_role(parts.title) or OFFICIAL
        if not role and kind == OFFICIAL and parts.honorific_only:
            kind = OTHER  # Ms. Smith: no office known
        if not country and not organisation and kind == OFFICIAL:
            country = self._home_country(parts, role, best.surname, context)
        contested = len(ranked) > 1 and sum(m.weight for m in ranked[1]) * 2 > sum(
            m.weight for m in chosen
        )
        name = best.full_name
        if contested:
            reason = (
                f"The transcript names several people called {best.surname}: "
                + ", ".join(ms[0].full_name for ms in ranked[:3])
                + "."
            )
        elif not best.given:
            # "Prime Minister Kishida of Japan": who they are, but not their full name.
            title = [w for w in _tokens(role.split(" of ")[0]) if w not in HONORIFICS]
            name = title_case(" ".join([*title, best.surname]).upper()) if title else best.surname
            reason = "Only a surname is given: their full name is not known."
        else:
            reason = ""
        new = NewSpeaker(
            name=name,
            family_name=best.surname,
            kind=kind,
            role=role,
            country=country,
            organisation=organisation,
            outlet=role_mention.outlet,
            review_reason=reason,
        )
        return Resolution(label, "evidence", new=new, speaker_kind=kind, parts=parts)

    def _label_role(self, parts: LabelParts) -> str:
        if parts.role:
            return parts.role
        title = [w for w in parts.title.split() if w not in HONORIFICS]
        return " ".join(_near_title_word(w) or w for w in title).title()

    def _known_full_name(self, mention: Mention, parts: LabelParts, context: Context) -> int | None:
        """The known person a full name is, allowing nicknames and initials (Tony Blinken is
        Antony J. Blinken)."""
        surname = " ".join(_tokens(mention.surname))
        given = [w for w in _tokens(" ".join(mention.given)) if len(w) > 1]
        candidates = [
            s
            for s in self._with_surname(surname)
            if _given_names_agree(given, s.given_names) and not s.unidentified
        ]
        return self._pick(candidates, parts, context)

    def _known_by_name(
        self, parts: LabelParts, context: Context, titled: bool = False
    ) -> int | None:
        """The known person a label's name (a surname, mostly) names, on the meeting's date;
        `titled`, only one who held a role of the label's title near then."""
        wanted = parts.name
        candidates = [
            s
            for s in self._with_surname(wanted)
            if not s.unidentified and s.active_near(context.date)
        ]
        if titled:
            title = set(parts.title.split()) - HONORIFICS - ROLE_CONNECTORS
            title = {_near_title_word(w) or w for w in title}
            candidates = [
                s
                for s in candidates
                if any(
                    title <= set(_tokens(term.title)) and term.holds(context.date, 365)
                    for term in s.roles
                )
            ]
            return self._pick(candidates, parts, context)
        if not candidates:
            # "BARCENA" for Alicia Bárcena Ibarra: a name's words all in theirs.
            words = frozenset(wanted.split())
            candidates = [
                s
                for s in self.speakers.values()
                if not s.unidentified and words <= s.name_tokens and s.active_near(context.date)
            ]
        return self._pick(candidates, parts, context)

    def _known_by_near_name(self, parts: LabelParts, context: Context) -> int | None:
        """A known person whose surname the label's name misspells by a letter (SECRETARY
        BLINKIN, DR. WALESNKY), not a namesake (MR. HARRISON is not Harris)."""
        wanted = parts.name
        title = {_near_title_word(w) or w for w in parts.title.split()} - HONORIFICS
        matches = [
            s
            for s in self.speakers.values()
            if not s.unidentified
            and s.active_near(context.date)
            and misspelt(wanted, s.surname)
            # A near spelling and another office is another person: GOVERNOR MURPHY is not
            # Surgeon General Murthy.
            and (not title or not s.roles or title & _role_words_of(s))
        ]
        return self._pick(matches, parts, context)

    @cached_property
    def _by_surname(self) -> dict[str, list[KnownSpeaker]]:
        index: dict[str, list[KnownSpeaker]] = defaultdict(list)
        for speaker in self.speakers.values():
            index[speaker.surname].append(speaker)
            words = _tokens(speaker.name)
            # "Bárcena" finds Alicia Bárcena Ibarra, whose family name is two words.
            for word in words[1:]:
                if word != speaker.surname:
                    index[word].append(speaker)
        return index

    def _with_surname(self, surname: str) -> list[KnownSpeaker]:
        return list({s.id: s for s in self._by_surname.get(surname, [])}.values())

    def _pick(self, matches: list[KnownSpeaker], parts: LabelParts, context: Context) -> int | None:
        """One match wins; among several, the one who held a role like the title on the date,
        then the one whose roles share most with it."""
        if len(matches) <= 1:
            return matches[0].id if matches else None
        title = set(parts.title.split()) - HONORIFICS - {"of", "and", "for"}

        def fit(s: KnownSpeaker) -> tuple[int, int, int]:
            held = s.role_on(context.date)
            words = set(_tokens(" ".join([s.role, *(t.title for t in s.roles)])))
            return (
                int(held is not None),
                len(title & words),
                int(s.kind == OFFICIAL) if title else 0,
            )

        ranked = sorted(matches, key=fit, reverse=True)
        if fit(ranked[0]) > fit(ranked[1]):
            return ranked[0].id
        return None

    def _new_from_label(
        self, label: str, parts: LabelParts, context: Context, roled: list[Mention] = ()
    ) -> NewSpeaker:
        """A new speaker known only by the label, and by the roles the transcript gives that
        surname ("Prime Minister Kishida of Japan"): flagged, as only a surname is known."""
        said = max(roled, key=lambda m: m.weight) if roled else None
        role = said.role if said else self._label_role(parts)
        kind = kind_of_role(role) or (OTHER if parts.honorific_only else OFFICIAL)
        country = said.country if said else parts.country
        if not country and kind == OFFICIAL and not (said and said.organisation):
            country = self._home_country(parts, role, parts.name, context)
        place = gazetteer().first(role, ORGANISATION) if role else None
        return NewSpeaker(
            name=title_case(_bare(label)),
            family_name=title_case(" ".join(_bare(label).split()[-len(parts.name.split()) :]))
            if parts.name
            else "",
            kind=kind,
            role=role,
            country=country,
            organisation=place.name if place else "",
            review_reason="Only the label names this speaker: their full name is not known.",
        )

    def _home_country(self, parts: LabelParts, role: str, surname: str, context: Context) -> str:
        """The publisher's country for an official of its government: one with a role, in a
        transcript its government published, who does not hold a title whose holder there on
        the date is somebody else (PRESIDENT MACRON in a White House transcript)."""
        if not role or not context.publisher_country:
            return ""
        wanted = label_key(f"the {' '.join(w for w in role.lower().split())}")
        folded = " ".join(_tokens(surname))
        for office in self.offices:
            if not office.applies_to(context):
                continue
            if wanted in office.label_keys or _near_key(wanted, office.label_keys):
                holder = office.holder(context.date)
                if holder is not None and self.speakers[holder].surname != folded:
                    return ""
        if kind_of_role(role) in {JOURNALIST, MODERATOR} or _foreign_title(role):
            return ""
        return context.publisher_country

    def suggestions(
        self, label: str, limit: int = 5, together: Mapping[int, int] | None = None
    ) -> list[tuple[int, str]]:
        """Known speakers a label may name, best first, each with why: a name like it, or
        speaking in meetings with the same people (`together`: speaker id to meetings shared)."""
        parts = split_label(label)
        target = parts.name or parts.title
        scored = []
        for speaker in self.speakers.values():
            if speaker.unidentified:
                continue
            candidates = [*speaker.name_tokens, speaker.surname, fold(speaker.name)]
            score = max(
                (difflib.SequenceMatcher(None, target, c).ratio() for c in candidates), default=0
            )
            shared = (together or {}).get(speaker.id, 0)
            reasons = []
            if score >= 0.75:
                reasons.append(f"name like “{title_case(_bare(label))}” ({score:.0%})")
            if shared:
                reasons.append(f"speaks in {shared} meeting{'s' * (shared > 1)} with these people")
            if reasons:
                scored.append((score + min(shared, 5) * 0.05, speaker.name, speaker.id, reasons))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(pk, "; ".join(reasons)) for _, _, pk, reasons in scored[:limit]]


def _bare(label: str) -> str:
    """A label without its parenthetical, colon and leading article: "Senior Official One"."""
    label = re.sub(r"\([^()]*\)", " ", label).strip(" *:")
    label = re.sub(r"^(?:the|THE|The)\s+", "", label)
    return " ".join(label.split())


@lru_cache(maxsize=20_000)
def _generic(key: str) -> tuple[str, str | None] | None:
    if key in GENERIC_LABELS:
        return GENERIC_LABELS[key]
    bare = re.sub(r"^(?:an?|the) ", "", re.sub(r" (?:\d+|#\d+|one|two|three)$", "", key))
    if bare in GENERIC_LABELS:
        return GENERIC_LABELS[bare]
    # MODERTOR, QUESTON: a generic label off by a letter.
    if len(bare) > 5:
        close = difflib.get_close_matches(bare, GENERIC_LABELS, n=1, cutoff=0.85)
        if close:
            return GENERIC_LABELS[close[0]]
    return None


def _role_words_of(speaker: KnownSpeaker) -> set[str]:
    return set(_tokens(" ".join(role.title for role in speaker.roles)))


def misspelt(written: str, name: str) -> bool:
    """Whether a written name is a name with one letter wrong, missing, added or swapped with
    the next (Sullian, Walesnky, Blinkin for Sullivan, Walensky, Blinken): for names of five
    letters or more, and the same first letter."""
    if written == name or len(name) < 5 or not written or written[0] != name[0]:
        return False
    if abs(len(written) - len(name)) > 1:
        return False
    return _edit_distance(written, name) <= 1


def _edit_distance(a: str, b: str) -> int:
    """Edits between two strings, a swap of neighbours counting as one (optimal string
    alignment)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _near_key(key: str, keys: Iterable[str]) -> bool:
    return len(key) > 6 and bool(difflib.get_close_matches(key, list(keys), n=1, cutoff=0.88))


def _name_key(mention: Mention) -> str:
    """A mention's person: Tony Blinken and Antony J. Blinken are one (first given name's
    initial and the surname), Roy Cooper and Anderson Cooper two."""
    given = [w for w in _tokens(" ".join(mention.given)) if len(w) > 1]
    first = given[0] if given else ""
    canonical = next(iter(sorted(NICKNAMES.get(first, {first}))), first)
    return f"{canonical[:1]} {' '.join(_tokens(mention.surname))}"


def _given_names_agree(given: list[str], known: tuple[str, ...]) -> bool:
    """Whether the given names written agree with a known person's: none written; or the first
    matches theirs as written, as a nickname, or as a prefix (Alex, Alejandro)."""
    if not given or not known:
        return True
    first, theirs = given[0], known[0]
    if first == theirs or theirs in NICKNAMES.get(first, ()) or first in NICKNAMES.get(theirs, ()):
        return True
    if len(first) >= 3 and (theirs.startswith(first) or first.startswith(theirs)):
        return True
    # A middle name used as the first: "J.D. Vance"; or initials alone.
    return first in known or all(len(w) == 1 for w in given)


def _foreign_title(role: str) -> bool:
    """Titles a government gives foreigners' officials in its own transcripts, which are no
    evidence that the speaker is one of its own."""
    return bool(re.search(r"\b(?:foreign|prime|king|queen|emir|sultan|chancellor)\b", role, re.I))


def _people_in(text: str, where: str) -> list[Mention]:
    """Everyone a title or header names with a role: "Remarks by President Biden and Prime
    Minister Kishida of Japan" names Biden, President, and Kishida, Prime Minister of Japan."""
    people = []
    for match in re.finditer(r"[A-ZÀ-Þ][\w'’\-]+(?=\s+(?:of|and|at|in|on|,|$)|$|,)", text):
        word = match.group(0)
        if (
            word.lower() in ROLE_WORDS
            or not _tokens(word)
            or fold_accents(word) in gazetteer().forms
        ):
            continue
        mention = _read_mention(fold_accents(text), match.start(), match.end(), where)
        if mention is not None and mention.role:
            people.append(mention)
    return people


def _as_interviewer(
    resolution: Resolution,
    texts: list[str],
    others: Mapping[Resolution, list[str]],
    context: Context,
) -> Resolution:
    """A new person, not known as an official, who mostly asks questions of an official in an
    interview, a conversation or a town hall: the interviewer, a journalist whose turns are
    questions."""
    new = resolution.new
    if new is None or new.unidentified or new.kind in {MODERATOR, INTERPRETER}:
        return resolution
    if new.kind == OFFICIAL and kind_of_role(new.role) == OFFICIAL:
        return resolution
    asked = sum(1 for text in texts if _asks(text))
    hosted = bool(re.search(rf"\b[Ww]ith\s+{re.escape(new.name)}\b", context.title))
    show = outlet_in(context.title)
    if show and not hosted and len(texts) >= 5 and new.kind != OFFICIAL:
        # "Remarks by ... at a CNN Town Hall": the person who keeps speaking there, not
        # known as an official, is the outlet's host.
        busiest = max(
            (len(other_texts), other.label)
            for other, other_texts in others.items()
            if other.new is not None and other.new.kind != OFFICIAL
        )
        if busiest[1] == resolution.label:
            host = replace(
                new, kind=JOURNALIST, outlet=show, role=f"Journalist, {show}", country=""
            )
            return replace(resolution, new=host, speaker_kind=JOURNALIST)
    if not hosted and (len(texts) < 2 or asked * 2 < len(texts)):
        return resolution
    if hosted and not new.outlet and CONVERSATION.search(context.title):
        # "a Moderated Conversation with Annie Gonzalez": who asks is a moderator.
        moderator = replace(new, kind=MODERATOR, role=new.role or "Moderator", country="")
        return replace(resolution, new=moderator, speaker_kind=MODERATOR)
    answering = any(
        other is not resolution and other.is_person and other.speaker_kind == OFFICIAL
        for other in others
    )
    if not answering:
        return resolution
    interviewer = interviewer_name(context.title) if context.title else None
    outlet = (
        (outlet_named(interviewer[1]) or interviewer[1])
        if interviewer
        else new.outlet or outlet_in(context.title)
    )
    journalist = replace(new, kind=JOURNALIST, outlet=outlet, role=new.role or "Journalist")
    if journalist.country and not new.role:
        journalist = replace(journalist, country="")
    return replace(resolution, new=journalist, speaker_kind=JOURNALIST)


CONVERSATION = re.compile(r"\b(?:moderated|conversation|panel|fireside|roundtable)\b", re.I)


def _asks(text: str) -> bool:
    """Whether a turn asks a question: its last sentence ends with a question mark."""
    stripped = re.sub(r"\s*\([^()]*\)\s*$", "", text.strip())
    return stripped.endswith("?") or stripped.endswith("?”") or stripped.endswith('?"')


# -- Interviews, outlets and kinds of turn ----------------------------------------------------

INTERVIEWER_IN_TITLE = re.compile(
    r"\b(?:[Ww]ith|[Bb]y)\s+(?P<name>[A-ZÀ-Þ][\w'’.\-]+(?:\s+[A-ZÀ-Þ][\w'’.\-]+){1,3})"
    r"(?:\s+of\s+|,\s+)(?P<outlet>[A-ZÀ-Þ][\w'’.\- ]{1,60})$"
)


def interviewer_name(title: str) -> tuple[str, str] | None:
    """The journalist and outlet an interview's title names: "... With Alejandro Dominguez of
    Milenio TV" gives ("Alejandro Dominguez", "Milenio TV")."""
    match = INTERVIEWER_IN_TITLE.search(" ".join(title.split()))
    if not match:
        return None
    return match["name"], match["outlet"].strip()


@lru_cache(maxsize=1)
def _outlets() -> tuple[dict[str, str], frozenset[str]]:
    data = json.loads(OUTLETS_FILE.read_text(encoding="utf-8"))
    names = {}
    for forms in data["outlets"]:
        for form in forms:
            names[label_key(form)] = forms[0]
    return names, frozenset(data["words"])


def outlet_in(text: str) -> str:
    """The first known outlet a text (a title) names: "at a CNN Town Hall" names CNN."""
    names, _ = _outlets()
    match = _outlet_pattern().search(text)
    return names[label_key(match.group(0))] if match else ""


@lru_cache(maxsize=1)
def _outlet_pattern() -> re.Pattern:
    names, _ = _outlets()
    data = json.loads(OUTLETS_FILE.read_text(encoding="utf-8"))
    forms = sorted(
        {form for forms in data["outlets"] for form in forms if len(form) > 2},
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w])")


def outlet_named(text: str) -> str:
    """The outlet a label or a phrase is ("REUTERS", "the Wall Street Journal"), by the list of
    known outlets; empty if none."""
    names, _ = _outlets()
    key = label_key(text)
    return names.get(key) or names.get(re.sub(r"^the ", "", key), "")


# A reporter naming themselves, or a moderator naming them: "Trevor Hunnicutt, Reuters",
# "This is Tara Siegel Bernard from the New York Times", "go to the line of Endale Getahun with
# KETO FM International", "Question from Alexandra Brangeon, RFI".
PERSON_AND_OUTLET = re.compile(
    r"(?:^|[.!?,:]\s+|\b(?:is|from|of|to|with|I'm|I’m|am)\s+)"
    r"(?P<name>[A-ZÀ-Þ][\w'’\-]+(?:\s+[A-ZÀ-Þ][\w'’\-]+){1,3})"
    r"(?:,\s+|\s+(?:here\s+)?(?:with|from|of|at)\s+)(?:the\s+)?"
    r"(?P<outlet>[A-Z0-9][\w'’&.\-/+]*(?:\s+(?:[A-Z0-9][\w'’&.\-/+]*|of|the|and|de|del|la|el))*)"
)


def outlet_of_question(question: str, before: str = "") -> str:
    """The outlet a reporter's question gives as its asker's, in the question's opening or in
    the moderator's turn that calls on them; empty when none is named."""
    for text in (question[:300], before[-300:]):
        for match in PERSON_AND_OUTLET.finditer(text):
            outlet = _as_outlet(match["outlet"])
            if outlet and not _is_title_word(_tokens(match["name"])[0]):
                return outlet
    return ""


def _as_outlet(phrase: str) -> str:
    phrase = re.split(r"(?<!\b[A-Z])\.(?:\s|$)", phrase)[0]  # "CBS. Two questions", not "U.S."
    words = phrase.split()
    while words and words[-1].lower() in {"of", "the", "and", "de", "del", "la", "el"}:
        words.pop()
    phrase = " ".join(words).rstrip(".,")
    if not phrase:
        return ""
    known = outlet_named(phrase)
    if known:
        return known
    names, outlet_words = _outlets()
    acronym = re.fullmatch(r"[A-Z][A-Z0-9+]{1,5}", phrase) is not None
    if acronym and phrase.lower() not in {"us", "un", "eu", "uk", "ok", "mr", "ms", "dc"}:
        return phrase
    if any(word.strip("’'s") in outlet_words for word in words[1:] + words[:1]) and len(words) <= 6:
        return phrase
    return ""


def turn_kinds(
    resolutions: Sequence[Resolution],
    speakers: Mapping[int, KnownSpeaker],
    texts: Sequence[str] | None = None,
    date: dt.date | None = None,
) -> list[str]:
    """The kind of each turn in a meeting: question, answer, statement or moderation.

    A journalist asks; a spokesperson (by the role they held on the `date`) who chairs a meeting
    with several other officials moderates it, and in a briefing they give alone, answers. An
    official's turn is an answer
    once a question has been asked. A generic label that gives no kind of its own (AUDIENCE
    MEMBER) asks a question when its turn ends with one.
    """
    texts = texts or [""] * len(resolutions)
    officials = {r.speaker_id for r in resolutions if r.speaker_id is not None}
    kinds, asked = [], False
    for resolution, text in zip(resolutions, texts, strict=True):
        speaker = speakers.get(resolution.speaker_id) if resolution.speaker_id else None
        speaker_kind = speaker.kind if speaker else resolution.speaker_kind
        if speaker is not None:
            held = speaker.role_on(date)
            role = held.title if held is not None else speaker.role
        else:
            role = resolution.new.role if resolution.new else ""
        if resolution.how in {"generic", "outlet"}:
            kind = resolution.generic_kind or (QUESTION if _asks(text) else STATEMENT)
        elif speaker_kind == JOURNALIST:
            kind = QUESTION
        elif speaker_kind == MODERATOR or (
            SPOKESPERSON_ROLE.search(role or "") and len(officials) >= 3
        ):
            kind = MODERATION
        elif speaker_kind == OTHER and _asks(text):
            kind = QUESTION
        else:
            kind = ANSWER if asked else STATEMENT
        asked = asked or kind == QUESTION
        kinds.append(kind)
    return kinds


SPOKESPERSON_ROLE = re.compile(r"spokes|press secretary|moderator|master of ceremonies", re.I)


# -- Near duplicates ---------------------------------------------------------------------------


def near_duplicates(speakers: Iterable[KnownSpeaker]) -> list[tuple[int, int, str]]:
    """Pairs of speakers who may be one person, each with why: the same surname with given
    names that agree (Ms. Jean-Pierre and Karine Jean-Pierre; Tony and Antony J. Blinken), or
    names a letter or two apart."""
    people = [s for s in speakers if not s.unidentified and s.kind != INTERPRETER]
    by_surname: dict[str, list[KnownSpeaker]] = defaultdict(list)
    for speaker in people:
        by_surname[speaker.surname].append(speaker)
    pairs = []
    for surname, group in by_surname.items():
        if not surname:
            continue
        group.sort(key=lambda s: s.id)
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                given = [w for w in first.given_names if w not in HONORIFICS]
                theirs = tuple(w for w in second.given_names if w not in HONORIFICS)
                if not given or not theirs:
                    reason = f"the same surname, {title_case(surname)}, one without a given name"
                elif _given_names_agree(given, theirs):
                    reason = "the same surname and given names that agree"
                else:
                    continue
                pairs.append((first.id, second.id, reason))
    surnames = sorted(s for s in by_surname if len(s) > 4)
    for i, surname in enumerate(surnames):
        for other in surnames[i + 1 : i + 40]:
            if other[:2] != surname[:2]:
                break
            if difflib.SequenceMatcher(None, surname, other).ratio() >= 0.88:
                for first in by_surname[surname]:
                    for second in by_surname[other]:
                        if (
                            _given_names_agree(list(first.given_names), second.given_names)
                            and first.given_names
                        ):
                            pairs.append((first.id, second.id, "names a letter or two apart"))
    return pairs
