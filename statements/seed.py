"""The officials and topics of statements/data, seeded into a new archive once.

They were seeded by migrations 0002 and 0006, which run on every new database, including one a
dump is about to be loaded into: `loaddata` then updated the rows it held and left the others,
so a topic or an official deleted before the dump came back. Seeding is now a step of its own,
`manage.py seed` (bin/serve and docker compose run it after `migrate`), recorded in `Seeding`;
once a data set is recorded it is never seeded again, and the record travels with a dump.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from statements.models import Seeding, Speaker, SpeakerAlias, Topic
from statements.speakers import label_key

DATA = Path(__file__).resolve().parent / "data"


def seed() -> list[str]:
    """Seed the data sets not yet seeded; their names."""
    done = []
    for name, apply in (("officials", _officials), ("topics", _topics)):
        with transaction.atomic():
            _, new = Seeding.objects.get_or_create(name=name)
            if new:
                apply()
                done.append(name)
    return done


def _officials() -> None:
    for official in json.loads((DATA / "officials.json").read_text(encoding="utf-8")):
        speaker, _ = Speaker.objects.get_or_create(
            slug=slugify(official["name"]),
            defaults={
                "name": official["name"],
                "role": official["role"],
                "country": official["country"],
                "kind": official["kind"],
            },
        )
        for label in official["labels"]:
            SpeakerAlias.objects.get_or_create(
                key=label_key(label), defaults={"speaker": speaker, "label": label}
            )


def _topics() -> None:
    for topic in json.loads((DATA / "topics.json").read_text(encoding="utf-8")):
        Topic.objects.get_or_create(
            slug=slugify(topic["name"]),
            defaults={
                "name": topic["name"],
                "description": topic["description"],
                "terms": topic["terms"],
                "exclusions": topic.get("exclude", []),
                "min_mentions": topic.get("min_mentions", 2),
            },
        )
