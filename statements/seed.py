"""The registry, themes and places of statements/data, seeded into a new archive once.

They were seeded by migrations (0002, 0006, 0021), which run on every new database, including
one a dump is about to be loaded into: `loaddata` then updated the rows it held and left the
others, so a topic or an official deleted before the dump came back. Seeding is now a step of
its own, `manage.py seed` (bin/serve and docker compose run it after `migrate`), recorded in
`Seeding`; once a data set is recorded it is never seeded again, and the record travels with a
dump. Each data set only adds what is missing: an archive's own rows are kept.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from statements import place_tags, topics
from statements.models import (
    Office,
    OfficeTerm,
    Publisher,
    Seeding,
    Speaker,
    SpeakerAlias,
    SpeakerRole,
    Topic,
    TopicOverride,
    Utterance,
)
from statements.place_tags import add_places
from statements.speakers import label_key

DATA = Path(__file__).resolve().parent / "data"


def seed(notes: list[str] | None = None) -> list[str]:
    """Seed the data sets not yet seeded; their names. What a data set's seeding did that an
    admin should know is added to `notes`."""
    notes = notes if notes is not None else []
    done = []
    for name, apply in (("registry", _registry), ("themes", _themes), ("places", _places)):
        with transaction.atomic():
            _, new = Seeding.objects.get_or_create(name=name)
            if new:
                apply(notes)
                done.append(name)
    return done


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _registry(notes: list[str]) -> None:
    """Publishers, people with their dated roles and labels, and offices with their holders'
    terms (data/registry.json)."""
    data = json.loads((DATA / "registry.json").read_text(encoding="utf-8"))
    for publisher in data["publishers"]:
        Publisher.objects.get_or_create(
            key=publisher["key"],
            defaults={k: publisher.get(k, "") for k in ("name", "country", "organisation", "url")},
        )
    people = {person["name"]: _person(person) for person in data["people"]}
    for entry in data["offices"]:
        office, created = Office.objects.get_or_create(
            name=entry["name"],
            defaults={
                "country": entry.get("country", ""),
                "organisation": entry.get("organisation", ""),
                "labels": entry.get("labels", []),
            },
        )
        if created and entry.get("publishers"):
            office.publishers.set(Publisher.objects.filter(key__in=entry["publishers"]))
        for term in entry["terms"]:
            OfficeTerm.objects.get_or_create(
                office=office,
                start=_date(term["start"]),
                defaults={"speaker": people[term["person"]], "end": _date(term.get("end"))},
            )


def _person(person: dict) -> Speaker:
    roles = person.get("roles", [])
    latest = max(roles, key=lambda role: role.get("start") or "", default={})
    speaker, _ = Speaker.objects.get_or_create(
        slug=slugify(person["name"])[:120],
        defaults={
            "name": person["name"],
            "family_name": person.get("family_name", ""),
            "kind": person.get("kind", Speaker.Kind.OFFICIAL),
            "role": latest.get("title", ""),
            "country": person.get("country", ""),
            "organisation": person.get("organisation", ""),
            "outlet": person.get("outlet", ""),
        },
    )
    for role in roles:
        SpeakerRole.objects.get_or_create(
            speaker=speaker,
            title=role["title"],
            start=_date(role.get("start")),
            defaults={
                "end": _date(role.get("end")),
                "country": role.get("country", person.get("country", "")),
                "organisation": role.get("organisation", person.get("organisation", "")),
                "source": SpeakerRole.Source.REGISTRY,
            },
        )
    for label in person.get("labels", []):
        SpeakerAlias.objects.get_or_create(
            key=label_key(label),
            speaker=speaker,
            defaults={"label": label, "source": SpeakerAlias.Source.REGISTRY},
        )
    return speaker


# The 23 topics seeded before the themes (data set "topics", by their slugs): an archive that
# has them moves to the themes when the "themes" data set is seeded. Topics an admin made are
# kept.
OLD_TOPICS = (
    "fentanyl-and-synthetic-drugs",
    "arms-trafficking",
    "migration-and-the-border",
    "human-smuggling-and-trafficking-in-persons",
    "organized-crime-and-security-cooperation",
    "financial-crime-and-money-laundering",
    "trade-and-supply-chains",
    "semiconductors-and-technology",
    "investment",
    "energy-and-climate",
    "corruption-and-rule-of-law",
    "human-rights-and-press-freedom",
    "public-health",
    "labour",
    "central-america-and-root-causes",
    "russia-and-ukraine",
    "venezuela",
    "haiti",
    "china",
    "middle-east",
    "democracy-and-elections",
    "education-and-exchanges",
    "visas-and-consular-affairs",
)


def themes() -> list[dict]:
    """The themes of data/themes.json, each with its rules from data/topics.json."""
    described = json.loads((DATA / "themes.json").read_text(encoding="utf-8"))["themes"]
    rules = json.loads((DATA / "topics.json").read_text(encoding="utf-8"))["rules"]
    return [{**theme, **rules.get(theme["slug"], {})} for theme in described]


def _places(notes: list[str]) -> None:
    """A Place row for every place of the gazetteer (statements/place_tags.py); then, in an
    archive that already holds utterances, every utterance tagged with its places."""
    add_places()
    if Utterance.objects.exists():
        changed = place_tags.retag()
        notes.append(f"Tagged the archive with its places: {changed:,} taggings.")


def _themes(notes: list[str]) -> None:
    """The themes and their rules, in place of the old topics, whose taggings and corrections
    go with them; then every utterance tagged with the themes."""
    wanted = themes()
    old = Topic.objects.filter(slug__in=OLD_TOPICS).exclude(slug__in=[t["slug"] for t in wanted])
    if old.exists():
        corrections = TopicOverride.objects.filter(topic__in=old).count()
        removed = old.count()
        old.delete()
        notes.append(
            f"Removed {removed} old topics with their taggings, and {corrections} editors' "
            "corrections of them."
        )
    for theme in wanted:
        Topic.objects.get_or_create(
            slug=theme["slug"],
            defaults={
                "name": theme["name"],
                "description": theme["description"],
                "terms": theme.get("terms", []),
                "exclusions": theme.get("exclude", []),
                "min_mentions": theme.get("min_mentions", 2),
                "alone": theme.get("alone", False),
            },
        )
    if Utterance.objects.exists():
        count = topics.retag()
        notes.append(f"Tagged the archive with the themes: {count} taggings.")
