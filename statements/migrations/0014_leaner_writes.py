"""Less work for every utterance written.

- The foreign keys of utterances to meetings and of taggings to utterances and topics lose the
  indexes Django gives them: each is the first column of another index (utterance_unique_position,
  tagging_unique_pair, tagging_topic_utterance), which serves the same lookups.
- Transcript text and search vectors too long to be stored as they are are compressed with LZ4
  rather than PostgreSQL's own pglz, which took a tenth of the database's time at ingest; LZ4
  also reads back several times faster. A server built without LZ4 keeps pglz.
- A long turn's search vector stays in the utterance's row, compressed, and its text goes to the
  TOAST table instead (the vector, often the larger, was the one to go): a phrase is checked
  against the vector of every row its words match, and fetching it from the TOAST table through
  its index cost more than the check (a phrase counted over a million utterances: 64 -> 39 ms).
  The text is read only for the page's snippets.

Values already stored keep their place and compression, readable either way; rows written from
now on follow these rules.
"""

import django.db.models.deletion
from django.db import migrations, models

COMPRESSED = [
    ("statements_utterance", "text"),
    ("statements_utterance", "search_vector"),
    ("statements_meeting", "raw_text"),
]


def compression(method: str) -> str:
    alters = "; ".join(
        f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}"
        for table, column in COMPRESSED
    )
    return f"""
    DO $$
    BEGIN
        {alters};
    EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'This PostgreSQL was built without %, the columns keep their compression.',
            '{method}';
    END $$;
    """


class Migration(migrations.Migration):
    dependencies = [("statements", "0013_search_vector_statistics")]

    operations = [
        migrations.AlterField(
            model_name="tagging",
            name="topic",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="taggings",
                to="statements.topic",
            ),
        ),
        migrations.AlterField(
            model_name="tagging",
            name="utterance",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="taggings",
                to="statements.utterance",
            ),
        ),
        migrations.AlterField(
            model_name="utterance",
            name="meeting",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="utterances",
                to="statements.meeting",
            ),
        ),
        migrations.RunSQL(compression("lz4"), compression("pglz")),
        migrations.RunSQL(
            "ALTER TABLE statements_utterance ALTER COLUMN search_vector SET STORAGE MAIN",
            "ALTER TABLE statements_utterance ALTER COLUMN search_vector SET STORAGE EXTENDED",
        ),
    ]
