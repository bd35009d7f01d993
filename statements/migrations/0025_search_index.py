"""The search index (statements/search_index.py): its outbox, filled by triggers, and the
vocabulary did-you-mean suggests from; the sample indexes of migration 0009 dropped.

The triggers are those of statements/sql/search_outbox.sql, copied here as they were made: every
write that changes an utterance's search document (an utterance written, changed or deleted, its
taggings, its speaker's country or kind, its meeting's date, kind or place) puts the utterance's
id in the outbox in the same transaction. Search no longer counts from samples: the partial
indexes that held them (utterance_sample_search, utterance_sparse_search, utterance_sample) go.
Once migrated, the index is built by the first search or sync, or by
`manage.py search_index --rebuild` (a million utterances: see bench/README.md).
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

OUTBOX = r"""
-- The search index's outbox (statements/search_index.py): every write that changes what an
-- utterance's search document holds puts the utterance's id in statements_searchoutbox, in the
-- writing transaction itself, and search_index.sync() applies it to the index after the commit.
-- Statement-level triggers with transition tables: a COPY of 10,000 utterances or a retag of a
-- batch is one INSERT ... SELECT here, not one a row. Migration 0025 created these; a test
-- checks that the database holds this file's definitions.

-- Utterances written, changed or deleted: their own ids.
CREATE OR REPLACE FUNCTION search_outbox_utterance() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO statements_searchoutbox (utterance_id) SELECT id FROM old_rows;
    ELSE
        INSERT INTO statements_searchoutbox (utterance_id) SELECT id FROM new_rows;
    END IF;
    RETURN NULL;
END
$function$;

-- Utterances truncated: the whole index is to be made again.
CREATE OR REPLACE FUNCTION search_outbox_truncated() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
    INSERT INTO statements_searchoutbox (utterance_id) VALUES (NULL);
    RETURN NULL;
END
$function$;

-- Taggings added, changed or removed: their utterances' topics.
CREATE OR REPLACE FUNCTION search_outbox_tagging() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO statements_searchoutbox (utterance_id) SELECT DISTINCT utterance_id FROM old_rows;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO statements_searchoutbox (utterance_id) SELECT DISTINCT utterance_id FROM new_rows;
    END IF;
    RETURN NULL;
END
$function$;

-- A speaker whose indexed fields changed (search_index.FIELDS reads s.country and s.kind):
-- every utterance of theirs.
CREATE OR REPLACE FUNCTION search_outbox_speaker() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
    INSERT INTO statements_searchoutbox (utterance_id)
    SELECT u.id
    FROM new_rows AS n
    JOIN old_rows AS o ON o.id = n.id
    JOIN statements_utterance AS u ON u.speaker_id = n.id
    WHERE (n.country, n.kind) IS DISTINCT FROM (o.country, o.kind);
    RETURN NULL;
END
$function$;

-- A meeting whose date, kind or place changed: every utterance of it (the date reaches the
-- utterances through migration 0011's trigger too; the others are there for facets to come).
CREATE OR REPLACE FUNCTION search_outbox_meeting() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
    INSERT INTO statements_searchoutbox (utterance_id)
    SELECT u.id
    FROM new_rows AS n
    JOIN old_rows AS o ON o.id = n.id
    JOIN statements_utterance AS u ON u.meeting_id = n.id
    WHERE (n.date, n.kind, n.location, n.venue, n.series)
        IS DISTINCT FROM (o.date, o.kind, o.location, o.venue, o.series);
    RETURN NULL;
END
$function$;

DROP TRIGGER IF EXISTS search_outbox_inserted ON statements_utterance;
CREATE TRIGGER search_outbox_inserted AFTER INSERT ON statements_utterance
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_utterance();
DROP TRIGGER IF EXISTS search_outbox_updated ON statements_utterance;
CREATE TRIGGER search_outbox_updated AFTER UPDATE ON statements_utterance
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_utterance();
DROP TRIGGER IF EXISTS search_outbox_deleted ON statements_utterance;
CREATE TRIGGER search_outbox_deleted AFTER DELETE ON statements_utterance
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_utterance();
DROP TRIGGER IF EXISTS search_outbox_truncated ON statements_utterance;
CREATE TRIGGER search_outbox_truncated AFTER TRUNCATE ON statements_utterance
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_truncated();

DROP TRIGGER IF EXISTS search_outbox_inserted ON statements_tagging;
CREATE TRIGGER search_outbox_inserted AFTER INSERT ON statements_tagging
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_tagging();
DROP TRIGGER IF EXISTS search_outbox_updated ON statements_tagging;
CREATE TRIGGER search_outbox_updated AFTER UPDATE ON statements_tagging
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_tagging();
DROP TRIGGER IF EXISTS search_outbox_deleted ON statements_tagging;
CREATE TRIGGER search_outbox_deleted AFTER DELETE ON statements_tagging
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_tagging();

DROP TRIGGER IF EXISTS search_outbox_updated ON statements_speaker;
CREATE TRIGGER search_outbox_updated AFTER UPDATE ON statements_speaker
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_speaker();

DROP TRIGGER IF EXISTS search_outbox_updated ON statements_meeting;
CREATE TRIGGER search_outbox_updated AFTER UPDATE ON statements_meeting
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_meeting();
"""

NO_OUTBOX = """
DROP TRIGGER IF EXISTS search_outbox_inserted ON statements_utterance;
DROP TRIGGER IF EXISTS search_outbox_updated ON statements_utterance;
DROP TRIGGER IF EXISTS search_outbox_deleted ON statements_utterance;
DROP TRIGGER IF EXISTS search_outbox_truncated ON statements_utterance;
DROP TRIGGER IF EXISTS search_outbox_inserted ON statements_tagging;
DROP TRIGGER IF EXISTS search_outbox_updated ON statements_tagging;
DROP TRIGGER IF EXISTS search_outbox_deleted ON statements_tagging;
DROP TRIGGER IF EXISTS search_outbox_updated ON statements_speaker;
DROP TRIGGER IF EXISTS search_outbox_updated ON statements_meeting;
DROP FUNCTION IF EXISTS search_outbox_utterance();
DROP FUNCTION IF EXISTS search_outbox_truncated();
DROP FUNCTION IF EXISTS search_outbox_tagging();
DROP FUNCTION IF EXISTS search_outbox_speaker();
DROP FUNCTION IF EXISTS search_outbox_meeting();
"""

# The outbox is written and emptied all day: vacuumed as soon as a thousand rows are dead, so
# that the check every search makes (is anything waiting?) reads a table of a few pages.
OUTBOX_VACUUM = """
ALTER TABLE statements_searchoutbox SET (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000
);
"""
OUTBOX_VACUUM_DEFAULT = """
ALTER TABLE statements_searchoutbox RESET (
    autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
    autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold
);
"""

DROP_SAMPLES = """
DROP INDEX IF EXISTS utterance_sample_search;
DROP INDEX IF EXISTS utterance_sparse_search;
DROP INDEX IF EXISTS utterance_sample;
"""

SAMPLES = """
CREATE INDEX utterance_sample_search ON statements_utterance USING gin (search_vector)
    WHERE id % 32 = 0;
CREATE INDEX utterance_sparse_search ON statements_utterance USING gin (search_vector)
    WHERE id % 256 = 0;
CREATE INDEX utterance_sample ON statements_utterance (id)
    INCLUDE (meeting_id, speaker_id, sequence, kind, via_interpreter) WHERE id % 16 = 0;
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0024_seeding_recorded")]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name="SearchOutbox",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("utterance_id", models.BigIntegerField(null=True)),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.CreateModel(
            name="Word",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=30, unique=True)),
                ("documents", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["word"],
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["word"], name="word_trigrams", opclasses=["gin_trgm_ops"]
                    )
                ],
            },
        ),
        migrations.RunSQL(OUTBOX, NO_OUTBOX),
        migrations.RunSQL(OUTBOX_VACUUM, OUTBOX_VACUUM_DEFAULT),
        migrations.RunSQL(DROP_SAMPLES, SAMPLES),
    ]
