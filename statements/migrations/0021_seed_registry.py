"""Seed the registry of statements/data/registry.json: publishers, people with dated roles, and
offices with their holders' terms (THE PRESIDENT's holder on a date).

Later edits belong in the admin; this only adds what is missing.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

from statements.speakers import label_key

REGISTRY = Path(__file__).resolve().parent.parent / "data" / "registry.json"


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def seed(apps, schema_editor):
    Publisher = apps.get_model("statements", "Publisher")
    Speaker = apps.get_model("statements", "Speaker")
    SpeakerRole = apps.get_model("statements", "SpeakerRole")
    SpeakerAlias = apps.get_model("statements", "SpeakerAlias")
    Office = apps.get_model("statements", "Office")
    OfficeTerm = apps.get_model("statements", "OfficeTerm")
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))

    for publisher in data["publishers"]:
        Publisher.objects.get_or_create(
            key=publisher["key"],
            defaults={k: publisher.get(k, "") for k in ("name", "country", "organisation", "url")},
        )

    people = {}
    for person in data["people"]:
        roles = person.get("roles", [])
        latest = max(roles, key=lambda r: r.get("start") or "", default={})
        speaker, _ = Speaker.objects.get_or_create(
            slug=slugify(person["name"])[:120],
            defaults={
                "name": person["name"],
                "family_name": person.get("family_name", ""),
                "kind": person.get("kind", "official"),
                "role": latest.get("title", ""),
                "country": person.get("country", ""),
                "organisation": person.get("organisation", ""),
                "outlet": person.get("outlet", ""),
            },
        )
        people[person["name"]] = speaker
        for role in roles:
            SpeakerRole.objects.get_or_create(
                speaker=speaker,
                title=role["title"],
                start=_date(role.get("start")),
                defaults={
                    "end": _date(role.get("end")),
                    "country": role.get("country", person.get("country", "")),
                    "organisation": role.get("organisation", person.get("organisation", "")),
                    "source": "registry",
                },
            )
        for label in person.get("labels", []):
            SpeakerAlias.objects.get_or_create(
                key=label_key(label),
                speaker=speaker,
                defaults={"label": label, "source": "registry"},
            )

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
            speaker = people.get(term["person"]) or Speaker.objects.filter(
                slug=slugify(term["person"])[:120]
            ).first()
            if speaker is None:
                continue
            OfficeTerm.objects.get_or_create(
                office=office,
                start=_date(term["start"]),
                defaults={"speaker": speaker, "end": _date(term.get("end"))},
            )


class Migration(migrations.Migration):
    dependencies = [("statements", "0020_people_and_publishers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
