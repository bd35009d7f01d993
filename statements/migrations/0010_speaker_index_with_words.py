"""The (speaker, meeting) index carries each turn's word count, so a speaker's page reads their meetings,
turns and words from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0009_search_samples"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="utterance",
            name="utterance_speaker_meeting",
        ),
        migrations.AddIndex(
            model_name="utterance",
            index=models.Index(
                fields=["speaker", "meeting"],
                include=("word_count",),
                name="utterance_speaker_meeting",
            ),
        ),
    ]
