"""Seed the topic taxonomy and its rules from statements/data/topics.json.

Later edits belong in the admin, followed by `manage.py retag`; this only adds what is missing.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

TOPICS = Path(__file__).resolve().parent.parent / "data" / "topics.json"


def seed(apps, schema_editor):
    Topic = apps.get_model("statements", "Topic")
    for topic in json.loads(TOPICS.read_text(encoding="utf-8")):
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


class Migration(migrations.Migration):
    dependencies = [("statements", "0005_topic_rules")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
