"""The search box's words, read as web-search syntax (pure: no Django, no index).

`read("fentanyl or xylazine -mexico \\"rule of law\\" speaker:\\"Ned Price\\"")` gives the terms
every result must have (each a group of alternatives joined by `or`), the terms none may have
(`-word`, `-"a phrase"`), and the names given with `speaker:`. Nothing a user types makes it
raise: a quote left open runs to the end, a lone `-` or `or` is ignored, and characters that
are not letters or digits only separate words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A word, or a phrase when it was quoted: its words must then come in this order, next to
    each other."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Query:
    required: tuple[tuple[Term, ...], ...] = ()  # every group must match: one of its terms
    excluded: tuple[Term, ...] = ()
    speakers: tuple[str, ...] = ()  # names given as speaker:NAME or speaker:"A NAME"

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(term for group in self.required for term in group)

    def without_speakers(self) -> str:
        """The words again, as a user would type them, without the speaker: prefixes."""
        return write(Query(self.required, self.excluded))


# A token: an optional minus, an optional prefix (speaker:), then a quoted phrase (its closing
# quote optional) or a run of anything but spaces and quotes.
TOKEN = re.compile(
    r'(?P<minus>-)?(?:(?P<prefix>\w+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))', re.UNICODE
)
# Curly quotes, as a phone or a word processor types them, are quotes.
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
PREFIXES = {"speaker"}
OR = "or"


def read(text: str) -> Query:
    required: list[list[Term]] = []
    excluded: list[Term] = []
    speakers: list[str] = []
    joining = False  # the previous token was `or`
    for match in TOKEN.finditer(text.translate(QUOTES)):
        minus, prefix = match["minus"], (match["prefix"] or "").lower()
        phrase = match["phrase"] is not None
        value = (match["phrase"] if phrase else match["word"]) or ""
        if prefix and prefix not in PREFIXES:  # "note:this" is two words, as typed
            value, prefix = f"{match['prefix']} {value}", ""
            phrase = phrase or False
        value = " ".join(value.split())
        if not _has_words(value):
            continue
        if prefix == "speaker":
            speakers.append(value)
            joining = False
            continue
        if not phrase and not minus and value.lower() == OR:
            joining = bool(required)
            continue
        term = Term(value, phrase=phrase)
        if minus:
            excluded.append(term)
        elif joining:
            required[-1].append(term)
        else:
            required.append([term])
        joining = False
    return Query(
        required=tuple(tuple(group) for group in required),
        excluded=tuple(excluded),
        speakers=tuple(speakers),
    )


def _has_words(value: str) -> bool:
    return any(character.isalnum() for character in value)


def write(query: Query) -> str:
    """A query as text that `read()` reads back to it."""

    def term(t: Term) -> str:
        return f'"{t.text}"' if t.phrase else t.text

    parts = [" or ".join(term(t) for t in group) for group in query.required]
    parts += [f"-{term(t)}" for t in query.excluded]
    parts += [f'speaker:"{name}"' for name in query.speakers]
    return " ".join(parts)


def plain_words(query: Query) -> list[str]:
    """The unquoted words every result must have, alone in their group, in the order typed: the
    words a speaker's name may be among."""
    return [group[0].text for group in query.required if len(group) == 1 and not group[0].phrase]


def without_words(query: Query, start: int, stop: int) -> Query:
    """The query without the plain words from `start` to `stop` (as `plain_words` numbers them)."""
    kept: list[tuple[Term, ...]] = []
    position = 0
    for group in query.required:
        plain = len(group) == 1 and not group[0].phrase
        if plain:
            if not start <= position < stop:
                kept.append(group)
            position += 1
        else:
            kept.append(group)
    return Query(tuple(kept), query.excluded, query.speakers)
