"""The places a text names: countries, regions and international organisations.

Countries are ISO 3166-1's, from pycountry; their demonyms, capitals and other names come from
countryinfo; `data/places.json` adds the short names an archive shows ("South Korea", not "Korea,
Republic of"), names in common use those packages lack ("DPRK", "the Kremlin"), drops forms too
ambiguous to count ("Congolese" is two countries, "Georgia" a U.S. state too), lists the
regions and organisations a statement can be about, and the longer forms that name no place
("New Mexico", "the Paris Agreement", "George Washington", "Victoria"), among them the news
outlets of `data/outlets.json` ("USA Today", "Agence France-Presse"). A form the packages give
several countries (countryinfo calls the people of American Samoa "American") counts for none,
unless data/places.json gives it to one. North and South Korea, and the two Congos,
are places of their own.

Pure: no Django. Forms are matched with their case, accents folded, as whole words: "US" is the
country and "us" is not; "Latin America" is a region, not the United States.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

import pycountry
from countryinfo import CountryInfo

PLACES_FILE = Path(__file__).parent / "data" / "places.json"
# A news outlet's name is not a place: "USA Today", "Agence France-Presse", "Times of India".
OUTLETS_FILE = Path(__file__).parent / "data" / "outlets.json"

COUNTRY, REGION, ORGANISATION = "country", "region", "organisation"
# How a form names its place: by name, as an adjective (a demonym), or by its seat of government
# ("Pyongyang said", "the Kremlin").
NAME, ADJECTIVE, SEAT = "name", "adjective", "seat"


@dataclass(frozen=True)
class Place:
    slug: str
    name: str
    kind: str  # COUNTRY, REGION or ORGANISATION
    code: str = ""  # ISO 3166-1 alpha-2, for a country
    names: tuple[str, ...] = ()
    adjectives: tuple[str, ...] = ()
    seats: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Mention:
    place: Place
    form: str
    sense: str  # NAME, ADJECTIVE or SEAT
    start: int
    end: int


# Unicode's combining marks, which NFKD splits off accented letters.
COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_accents(text: str) -> str:
    """Accents off, case kept: Türkiye and Turkiye read alike, US and us do not."""
    if text.isascii():
        return text
    return COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_accents(name).lower().replace("’", "")).strip("-")


class Gazetteer:
    """Every place, and a pattern that finds their forms in a text."""

    def __init__(self, places: list[Place], not_places: tuple[str, ...] = ()):
        self.places = tuple(places)
        self.by_slug = {place.slug: place for place in places}
        # Longer forms that name no place, found so that the place inside them is not: "New
        # Mexico", "the Paris Agreement", "George Washington".
        forms: dict[str, tuple[Place | None, str]] = {}
        for form in not_places:
            forms[fold_accents(form)] = (None, NAME)
            if plural := _plural(form):
                forms.setdefault(fold_accents(plural), (None, NAME))
        # Later senses do not displace earlier ones: a country's name beats another's adjective.
        for sense in (NAME, ADJECTIVE, SEAT):
            for place in places:
                for form in getattr(place, f"{sense}s" if sense != ADJECTIVE else "adjectives"):
                    forms.setdefault(fold_accents(form), (place, sense))
                    if sense == ADJECTIVE and (plural := _plural(form)):
                        forms.setdefault(fold_accents(plural), (place, sense))
        self.forms = forms

    @cached_property
    def _pattern(self) -> re.Pattern:
        # The forms as a trie, longer continuations tried first, so "Latin America" is found
        # before "America" (a flat alternation of 1,200 forms, longest first, read 1 MB of text
        # a second; the trie about ten times that).
        body = _trie_regex(self.forms)
        # A form ends at a word's end; "U.S." ends with its dot; "Korea's" names Korea; "U.S.-China"
        # names both (a hyphenated name, "Guinea-Bissau", is a longer form).
        return re.compile(rf"(?<![\w.])(?:{body})(?!\w|\.\w)")

    def find(self, text: str) -> list[Mention]:
        """Each place named in the text, in order, with the form that names it (its offsets are
        the accent-folded text's, the same but where a character folds to several)."""
        mentions = []
        text_folded = fold_accents(text)
        for match in self._pattern.finditer(text_folded):
            place, sense = self.forms[match.group(0)]
            if place is None:
                continue
            if sense == SEAT and (
                _at_a_venue(text_folded, match.start()) or _names_an_event(text_folded, match.end())
            ):
                continue
            mentions.append(Mention(place, match.group(0), sense, match.start(), match.end()))
        return mentions

    def about(self, text: str) -> list[Place]:
        """The places a text is about, each once, in the order it first names them."""
        return list(dict.fromkeys(mention.place for mention in self.find(text)))

    def first(self, text: str, kind: str) -> Place | None:
        """The first place of a kind a text names: the country in "German Foreign Minister"."""
        return next((m.place for m in self.find(text) if m.place.kind == kind), None)


# A seat of government stands for its government ("Moscow says", "the Kremlin"), not where
# something happens: "in Kyiv", "traveled to Tokyo", "the embassy in Warsaw".
VENUE = re.compile(
    r"\b(?:in|to|at|from|into|near|outside|around|across|toward|towards|through|visit|visits|"
    r"visited|visiting|via|left|leave|leaving|reach|reached|arrive|arrived|arriving|back)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _at_a_venue(text: str, start: int) -> bool:
    return VENUE.search(text, max(0, start - 20), start) is not None


# Nor is it the name of a meeting or a treaty: "the Madrid summit", "the Minsk agreements", "the
# Ottawa Convention".
EVENT = re.compile(
    r"\s+(?:agreements?|accords?|conventions?|summit|protocol|process|format|declaration|pact|"
    r"talks|treaty|group|conference|framework|plan|consensus|principles|communiqu[eé])\b",
    re.IGNORECASE,
)


def _names_an_event(text: str, end: int) -> bool:
    return EVENT.match(text, end) is not None


def _plural(form: str) -> str | None:
    """How a demonym names the people: Americans, Israelis, Europeans (not the Chinese, the
    French, the Swiss)."""
    if form.endswith(("s", "sh", "ch", "ese", "x", "z")) or not form[-1:].isalpha():
        return None
    return f"{form}s"


def _trie_regex(forms: Iterable[str]) -> str:
    """A regular expression that matches any of the forms, preferring the longest: each
    character once per shared prefix, a form that ends where a longer one goes on tried last."""
    trie: dict = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if ends else body

    return pattern(trie)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The archive's places, read once a process."""
    data = json.loads(PLACES_FILE.read_text(encoding="utf-8"))
    places = _unambiguous(
        [_country(country, data["countries"]) for country in pycountry.countries],
        data["countries"],
    )
    for kind, key in (
        (REGION, "regions"),
        (COUNTRY, "former_countries"),
        (ORGANISATION, "organisations"),
    ):
        for entry in data[key]:
            places.append(
                Place(
                    slug=_slug(entry["name"]),
                    name=entry["name"],
                    kind=kind,
                    names=tuple(entry.get("names", [entry["name"]])),
                    adjectives=tuple(entry.get("adjectives", ())),
                    seats=tuple(entry.get("seats", ())),
                )
            )
    # A language is not its country: "(Speaks French.)", "the Russian translation".
    languages = [
        pattern.format(language)
        for language in data.get("languages", ())
        for pattern in LANGUAGE_PATTERNS
    ]
    outlets = json.loads(OUTLETS_FILE.read_text(encoding="utf-8"))["outlets"]
    names = [name for outlet in outlets for name in outlet]
    return Gazetteer(places, (*data.get("not_places", ()), *languages, *names))


LANGUAGE_PATTERNS = (
    "Speaks {}",
    "speaks {}",
    "speak {}",
    "spoke {}",
    "speaking {}",
    "{} language",
    "{} translation",
    "{} interpreter",
    "{} interpretation",
    "{} version",
    "in {} and English",
    "in English and {}",
)


def _unambiguous(places: list[Place], additions: dict) -> list[Place]:
    """The countries without the forms the packages give several of them, unless
    data/places.json gives the form to one: countryinfo calls the people of the Northern Mariana
    Islands and of American Samoa "American" too, and the form is the United States'."""
    claimed: dict[str, set[str]] = {}
    for place in places:
        for form in (*place.names, *place.adjectives, *place.seats):
            claimed.setdefault(fold_accents(form), set()).add(place.code)
    given = {
        fold_accents(form): code
        for code, extra in additions.items()
        for key in ("name", "names", "adjectives", "seats")
        for form in ([extra[key]] if key == "name" and key in extra else extra.get(key, []))
    }

    def kept(place: Place, forms: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(
            form
            for form in forms
            if len(claimed[fold_accents(form)]) == 1 or given.get(fold_accents(form)) == place.code
        )

    return [
        replace(
            place,
            names=kept(place, place.names),
            adjectives=kept(place, place.adjectives),
            seats=kept(place, place.seats),
        )
        for place in places
    ]


# Other names countryinfo gives that are codes or in other scripts: not how English text names a
# country. Three-letter codes such as USA and UAE are kept where data/places.json lists them.
def _is_english_name(name: str) -> bool:
    return len(name) > 3 and name.isascii() and not name.isupper()


def _country(country, additions: dict) -> Place:
    code = country.alpha_2
    extra = additions.get(code, {})
    info = _country_info().get(code, {})
    name = extra.get("name") or getattr(country, "common_name", None) or country.name
    names = [
        name,
        country.name,
        getattr(country, "common_name", None),
        getattr(country, "official_name", None),
        info.get("name"),
        *(alt for alt in info.get("altSpellings", []) if _is_english_name(alt)),
        *extra.get("names", []),
    ]
    # "Korea, Republic of" is how a list sorts it, not how text names it.
    names = [n for n in names if n and "," not in n]
    adjectives = [info.get("demonym"), *extra.get("adjectives", [])]
    seats = [info.get("capital"), *extra.get("seats", [])]
    dropped = set(extra.get("drop", []))

    def kept(forms: list) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for f in forms if f and f not in dropped))

    return Place(
        slug=_slug(name),
        name=name,
        kind=COUNTRY,
        code=code,
        names=kept(names),
        adjectives=kept(adjectives),
        seats=kept(seats),
    )


@lru_cache(maxsize=1)
def _country_info() -> dict[str, dict]:
    """countryinfo's entries by ISO alpha-2 code."""
    return {
        entry["ISO"]["alpha2"]: entry
        for entry in CountryInfo.all().values()
        if isinstance(entry.get("ISO"), dict) and entry["ISO"].get("alpha2")
    }
