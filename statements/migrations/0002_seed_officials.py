"""Seed the registry of known officials from statements/data/officials.json.

Later edits belong in the admin; this only adds what is missing.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

from statements.speakers import label_key

OFFICIALS = Path(__file__).resolve().parent.parent / "data" / "officials.json"


def seed(apps, schema_editor):
    Speaker = apps.get_model("statements", "Speaker")
    SpeakerAlias = apps.get_model("statements", "SpeakerAlias")
    for official in json.loads(OFFICIALS.read_text(encoding="utf-8")):
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


class Migration(migrations.Migration):
    dependencies = [("statements", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
