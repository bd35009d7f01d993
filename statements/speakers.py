"""From a transcript's speaker label to a person.

A label is read as a title plus a name (``HOMELAND SECURITY SECRETARY MAYORKAS`` is the title
"homeland security secretary" and the name "mayorkas"), folded for case and accents, so the
spellings transcripts use for one official meet in one speaker. The matching itself is pure and
works on `KnownSpeaker` values; `Registry.from_database()` loads them from the archive.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType

from statements.parser import fold

OFFICIALS_FILE = Path(__file__).parent / "data" / "officials.json"

QUESTION, ANSWER, STATEMENT, MODERATION = "question", "answer", "statement", "moderation"

# Labels that name no person, and the kind of utterance they give.
GENERIC_LABELS = {
    "q": QUESTION,
    "question": QUESTION,
    "questions": QUESTION,
    "reporter": QUESTION,
    "journalist": QUESTION,
    "press": QUESTION,
    "audience member": QUESTION,
    "audience": QUESTION,
    "moderator": MODERATION,
    "master of ceremonies": MODERATION,
    "mc": MODERATION,
    "operator": MODERATION,
    "announcer": MODERATION,
    "staff": MODERATION,
    "aide": MODERATION,
    "participant": STATEMENT,
    "participants": STATEMENT,
    "speaker": STATEMENT,
    "unidentified speaker": STATEMENT,
    "interpreter": STATEMENT,
    "translator": STATEMENT,
}
# A news outlet as the label: a question from its reporter, who is not named.
OUTLETS = {
    "abc",
    "abc news",
    "afp",
    "al jazeera",
    "ap",
    "associated press",
    "axios",
    "bbc",
    "bloomberg",
    "cbs",
    "cbs news",
    "cnn",
    "efe",
    "el universal",
    "fox news",
    "la jornada",
    "milenio",
    "milenio tv",
    "nbc",
    "nbc news",
    "new york times",
    "npr",
    "politico",
    "proceso",
    "reuters",
    "televisa",
    "telemundo",
    "the new york times",
    "the washington post",
    "univision",
    "wall street journal",
    "washington post",
    "xinhua",
    "tass",
    "kyodo",
    "nhk",
    "dpa",
    "ansa",
    "grupo imagen",
    "financial times",
    "the economist",
    "el pais",
    "el país",
    "le monde",
}
# Words of a label that say what someone is rather than who.
TITLE_WORDS = {
    "the",
    "of",
    "for",
    "and",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "sir",
    "dame",
    "lord",
    "his",
    "her",
    "excellency",
    "majesty",
    "highness",
    "secretary",
    "minister",
    "president",
    "vice",
    "deputy",
    "under",
    "assistant",
    "acting",
    "principal",
    "senior",
    "chief",
    "executive",
    "foreign",
    "homeland",
    "security",
    "attorney",
    "general",
    "ambassador",
    "advisor",
    "adviser",
    "interior",
    "economy",
    "economic",
    "commerce",
    "trade",
    "treasury",
    "defense",
    "defence",
    "health",
    "energy",
    "agriculture",
    "education",
    "labor",
    "labour",
    "justice",
    "finance",
    "external",
    "affairs",
    "relations",
    "citizen",
    "public",
    "development",
    "environment",
    "federal",
    "national",
    "special",
    "envoy",
    "representative",
    "high",
    "commissioner",
    "chancellor",
    "prime",
    "premier",
    "king",
    "queen",
    "crown",
    "prince",
    "princess",
    "sheikh",
    "governor",
    "senator",
    "congressman",
    "congresswoman",
    "chairman",
    "chairwoman",
    "chair",
    "director",
    "administrator",
    "coordinator",
    "counselor",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "press",
    "state",
    "department",
    "admiral",
    "gen",
    "lt",
    "col",
    "colonel",
    "captain",
    "mayor",
    "us",
    "u.s",
    "un",
    "eu",
    "european",
    "commission",
    "canciller",
    "secretario",
    "secretaria",
    "ministro",
    "ministra",
    "presidente",
    "presidenta",
    "embajador",
    "embajadora",
    "senor",
    "senora",
    "sr",
    "sra",
    "lic",
    "licenciado",
    "licenciada",
    "mexican",
    "american",
    "dialogue",
    "moderator",
    "official",
    "administration",
    "officer",
    "member",
}
HONORIFICS = {
    "the",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "sir",
    "dame",
    "his",
    "her",
    "senor",
    "senora",
}
SPOKESPERSON_ROLE = re.compile(r"spokes|press secretary|moderator|master of ceremonies", re.I)
INTERVIEWER_IN_TITLE = re.compile(
    r"\b(?:[Ww]ith|[Bb]y)\s+(?P<name>[A-ZÀ-Þ][\w'’.\-]+(?:\s+[A-ZÀ-Þ][\w'’.\-]+){1,3})"
    r"(?:\s+of\s+|,\s+)(?P<outlet>[A-ZÀ-Þ][\w'’.\- ]{1,60})$"
)
FUZZY_CUTOFF = 0.84


def label_key(label: str) -> str:
    """A label folded for case, accents, punctuation and spacing: the key of an alias."""
    label = re.sub(r"\([^()]*\)", " ", label)
    return " ".join(re.sub(r"[^\w\s\-|,]", " ", fold(label).replace("’", "'")).split())


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,]+", re.sub(r"[.'’]", "", fold(text))) if t]


@dataclass(frozen=True)
class LabelParts:
    """What a label says: a title, a name, and from `Name, Role` or `Country | Role` labels a
    role and a country."""

    title: str
    name: str
    role: str = ""
    country: str = ""


@lru_cache(maxsize=100_000)
def split_label(label: str) -> LabelParts:
    """What a label says (its result is kept: every registry splits every alias of every
    speaker, and a title word is matched with difflib)."""
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
    if cut == len(tokens) - 1 and tokens[cut] in TITLE_WORDS:
        cut = len(tokens)
    return LabelParts(title=" ".join(tokens[:cut]), name=" ".join(tokens[cut:]))


def _is_title_word(token: str) -> bool:
    # Typos in titles are common (PRIME MININSTER), so a title word may be off by a letter.
    return token in TITLE_WORDS or (
        len(token) > 4 and bool(difflib.get_close_matches(token, TITLE_WORDS, n=1, cutoff=0.85))
    )


@lru_cache(maxsize=100_000)
def _name_words(name: str) -> frozenset[str]:
    """The words of a person's name, folded (kept: every registry reads every speaker's)."""
    return frozenset(t for t in _tokens(name) if len(t) > 1)


@dataclass(frozen=True)
class KnownSpeaker:
    id: int
    name: str
    role: str = ""
    kind: str = "official"
    alias_keys: tuple[str, ...] = ()

    @cached_property
    def name_tokens(self) -> frozenset[str]:
        return _name_words(self.name)

    @cached_property
    def alias_names(self) -> frozenset[str]:
        return frozenset(split_label(key).name for key in self.alias_keys) - {""}


@dataclass(frozen=True)
class Resolution:
    """How one label resolved.

    `how` is one of: alias (a label seen before), name (the name matched a known person), fuzzy
    (a near spelling matched), generic (a label that names no person), outlet (a news outlet
    named instead of a reporter), interviewer (an interview's questions, named in its title), new.
    """

    label: str
    how: str
    speaker_id: int | None = None
    generic_kind: str | None = None
    parts: LabelParts = field(default_factory=lambda: LabelParts("", ""))

    @property
    def is_person(self) -> bool:
        return self.how not in {"generic", "outlet"}

    def suggested_speaker(self) -> dict[str, str]:
        """Name, role, country and kind for a new speaker made from this label."""
        parts = self.parts
        if parts.country:
            name = f"{parts.role} of {parts.country}" if parts.role else parts.country
            return {"name": name, "role": parts.role, "country": parts.country, "kind": "official"}
        words_ = re.sub(r"\([^()]*\)", " ", self.label).strip(" *:")
        name = words_.split(",")[0].strip() if parts.role else words_
        if name.isupper():
            name = " ".join(w.capitalize() if w.isalpha() else w.title() for w in name.split())
        title = [w for w in parts.title.split() if w not in HONORIFICS]
        role = parts.role or " ".join(title).title()
        kind = "moderator" if re.search(r"moderator", role, re.I) else "official"
        return {"name": name, "role": role, "country": "", "kind": kind}


class Registry:
    """The archive's known speakers, indexed for resolving labels."""

    def __init__(self, speakers: list[KnownSpeaker]):
        # Read-only: one registry serves every caller that reads the same speakers.
        self.speakers = MappingProxyType({s.id: s for s in speakers})
        self.by_alias = MappingProxyType({key: s.id for s in speakers for key in s.alias_keys})

    @classmethod
    def from_database(cls) -> Registry:
        """Every speaker with the keys of their aliases, read in two plain queries. A registry
        is built from them only when they differ from the last ones read: ingest asks for it
        at each batch and after each transcript that adds speakers, and building one (its
        speakers and the index of their names, `_names`) takes 50-100 ms for 4,000 speakers,
        reading them 7."""
        from django.db import connection

        from statements.models import Speaker, SpeakerAlias

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, name, role, kind FROM {Speaker._meta.db_table} ORDER BY id")
            speakers = tuple(cursor.fetchall())
            cursor.execute(
                f"SELECT speaker_id, key FROM {SpeakerAlias._meta.db_table} "
                "ORDER BY speaker_id, key"
            )
            aliases = tuple(cursor.fetchall())
        return cls._built(speakers, aliases)

    @classmethod
    @lru_cache(maxsize=1)
    def _built(
        cls, speakers: tuple[tuple[int, str, str, str], ...], aliases: tuple[tuple[int, str], ...]
    ) -> Registry:
        """The registry of these rows of speakers and aliases."""
        alias_keys: dict[int, list[str]] = {}
        for speaker_id, key in aliases:
            alias_keys.setdefault(speaker_id, []).append(key)
        return cls(
            [
                KnownSpeaker(
                    id=pk, name=name, role=role, kind=kind, alias_keys=tuple(alias_keys.get(pk, ()))
                )
                for pk, name, role, kind in speakers
            ]
        )

    def resolve(self, label: str) -> Resolution:
        key = label_key(label)
        parts = split_label(label)
        if key in GENERIC_LABELS:
            return Resolution(label, "generic", generic_kind=GENERIC_LABELS[key], parts=parts)
        if key in OUTLETS:
            return Resolution(label, "outlet", generic_kind=QUESTION, parts=parts)
        if key in self.by_alias:
            return Resolution(label, "alias", self.by_alias[key], parts=parts)
        if parts.name:
            found = self._by_name(parts)
            if found is not None:
                return Resolution(label, "name", found, parts=parts)
            found = self._by_near_name(parts)
            if found is not None:
                return Resolution(label, "fuzzy", found, parts=parts)
        return Resolution(label, "new", parts=parts)

    def find_person(self, name: str) -> int | None:
        """A known speaker by a full name, as an interview's title gives it."""
        return self._by_name(LabelParts(title="", name=" ".join(_tokens(name))))

    def suggestions(self, label: str, limit: int = 5) -> list[int]:
        """Known speakers whose names come closest to a label, best first."""
        parts = split_label(label)
        target = parts.name or parts.title
        scored = []
        for speaker in self.speakers.values():
            candidates = [*speaker.name_tokens, *speaker.alias_names, fold(speaker.name)]
            score = max(
                (difflib.SequenceMatcher(None, target, c).ratio() for c in candidates), default=0
            )
            scored.append((score, speaker.name, speaker.id))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [speaker_id for score, _, speaker_id in scored[:limit] if score > 0.5]

    @cached_property
    def _names(self) -> tuple[dict[str, list[KnownSpeaker]], dict[str, list[KnownSpeaker]]]:
        """Speakers by each name their aliases give them, and by each word of their name: so a
        name is looked up, not compared with thousands of speakers."""
        by_alias_name: dict[str, list[KnownSpeaker]] = {}
        by_word: dict[str, list[KnownSpeaker]] = {}
        for speaker in self.speakers.values():
            for name in speaker.alias_names:
                by_alias_name.setdefault(name, []).append(speaker)
            for word in speaker.name_tokens:
                by_word.setdefault(word, []).append(speaker)
        return by_alias_name, by_word

    def _by_name(self, parts: LabelParts) -> int | None:
        """The speaker an alias of whom gives this name, or whose name has all its words."""
        wanted = frozenset(parts.name.split())
        by_alias_name, by_word = self._names
        matches = {s.id: s for s in by_alias_name.get(parts.name, [])}
        if wanted:
            for s in by_word.get(min(wanted), []):
                if wanted <= s.name_tokens:
                    matches[s.id] = s
        return self._pick(list(matches.values()), parts)

    def _by_near_name(self, parts: LabelParts) -> int | None:
        wanted = parts.name.split()
        matches = []
        for s in self.speakers.values():
            known = [*s.name_tokens, *s.alias_names]
            if all(difflib.get_close_matches(w, known, n=1, cutoff=FUZZY_CUTOFF) for w in wanted):
                matches.append(s)
        return self._pick(matches, parts)

    def _pick(self, matches: list[KnownSpeaker], parts: LabelParts) -> int | None:
        """One match wins; among several, the one whose role shares most with the title."""
        if len(matches) <= 1:
            return matches[0].id if matches else None
        title = set(parts.title.split()) - {"the", "of", "and", "for"}

        def overlap(s: KnownSpeaker) -> int:
            role_words = set(_tokens(s.role)) | {w for k in s.alias_keys for w in k.split()}
            return len(title & role_words)

        ranked = sorted(matches, key=overlap, reverse=True)
        if overlap(ranked[0]) > overlap(ranked[1]):
            return ranked[0].id
        return None


def interviewer_name(title: str) -> tuple[str, str] | None:
    """The journalist and outlet an interview's title names: "... With Alejandro Dominguez of
    Milenio TV" gives ("Alejandro Dominguez", "Milenio TV")."""
    match = INTERVIEWER_IN_TITLE.search(title.strip())
    if not match:
        return None
    return match["name"], match["outlet"].strip()


def turn_kinds(resolutions: list[Resolution], speakers: Mapping[int, KnownSpeaker]) -> list[str]:
    """The kind of each turn in a meeting: question, answer, statement or moderation.

    A spokesperson who chairs a meeting with several other officials moderates it; in a briefing
    they give alone, they answer. An official's turn is an answer once a question has been asked.
    """
    officials = {r.speaker_id for r in resolutions if r.speaker_id is not None}
    kinds, asked = [], False
    for resolution in resolutions:
        speaker = speakers.get(resolution.speaker_id) if resolution.speaker_id else None
        if resolution.generic_kind is not None:
            kind = resolution.generic_kind
        elif speaker and speaker.kind == "journalist":
            kind = QUESTION
        elif speaker and (
            speaker.kind in {"moderator", "staff"}
            or (SPOKESPERSON_ROLE.search(speaker.role) and len(officials) >= 3)
        ):
            kind = MODERATION
        else:
            kind = ANSWER if asked else STATEMENT
        asked = asked or kind == QUESTION
        kinds.append(kind)
    return kinds


def load_officials() -> list[dict]:
    """The registry of known officials shipped with the archive."""
    return json.loads(OFFICIALS_FILE.read_text(encoding="utf-8"))
