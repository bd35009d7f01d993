"""Utterances lose the index Django gives their speaker's foreign key: utterance_speaker_meeting
starts with the same column and serves its lookups, and searches for words said by a speaker now
go through the search vector (migration 0015). One index less to write for every utterance."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('statements', '0015_speaker_in_search_vector'),
    ]

    operations = [
        migrations.AlterField(
            model_name='utterance',
            name='speaker',
            field=models.ForeignKey(blank=True, db_index=False, help_text='Empty only where the label names no person (QUESTION, MODERATOR).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='utterances', to='statements.speaker'),
        ),
    ]
