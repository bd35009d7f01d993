"""Meetings get an index on their last change: the front page keeps its counts until a meeting
changes, and reads the last change from it rather than from every meeting's row."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('statements', '0016_speaker_index_dropped'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='meeting',
            index=models.Index(fields=['updated_at'], name='meeting_updated_at'),
        ),
    ]
