"""The search vector carries the speaker's id as a lexeme, "speaker 16" (`models.SpeakerLexeme`).

Words said by a chosen speaker were found by intersecting the rows of the words, from their index,
with all the rows of the speaker, from a btree: the busiest speaker has 75,000 turns in a million,
and building and intersecting their bitmap took 4-8 ms of such a search. Looked up together in the
words' index, the words and the speaker take 1-3 ms.

PostgreSQL 15 cannot change a generated column's expression: the column is dropped and added
again, in one ALTER TABLE that also gives it the storage, compression and statistics of
migrations 0013 and 0014, so the rows it rewrites are stored as before. The indexes on it (the
words' index of the model, the sample indexes of migration 0009) go with it and are built again,
all in one transaction. The table is then vacuumed, outside it: the rewritten table has no
visibility map until it is, and the searches that read a sample from an index alone would read the
table too (filters alone: 25 -> 270 ms); and analyzed, as search sizes its statements from the
planner's estimates. A million utterances take two or three minutes.
"""

import django.contrib.postgres.search
from django.db import migrations, models

import statements.models

WORDS = "to_tsvector('english_unaccent'::regconfig, COALESCE(text, ''))"
SPEAKER = "array_to_tsvector(array_remove(ARRAY['speaker ' || speaker_id::text], NULL))"


def rebuild(expression: str) -> str:
    return f"""
    BEGIN;
    SET LOCAL maintenance_work_mem = '256MB';
    DO $$
    BEGIN
        SET LOCAL default_toast_compression = 'lz4';
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE NOTICE 'This PostgreSQL was built without lz4: the vectors keep pglz.';
    END $$;
    ALTER TABLE statements_utterance
        DROP COLUMN search_vector,
        ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED,
        ALTER COLUMN search_vector SET STORAGE MAIN,
        ALTER COLUMN search_vector SET STATISTICS 1000;
    DO $$
    BEGIN
        ALTER TABLE statements_utterance ALTER COLUMN search_vector SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN
        NULL;
    END $$;
    CREATE INDEX utterance_search ON statements_utterance USING gin (search_vector);
    CREATE INDEX utterance_sample_search ON statements_utterance USING gin (search_vector)
        WHERE id % 32 = 0;
    CREATE INDEX utterance_sparse_search ON statements_utterance USING gin (search_vector)
        WHERE id % 256 = 0;
    COMMIT;
    """


VACUUM = "VACUUM (ANALYZE) statements_utterance"


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction; the rebuild has its own
    dependencies = [("statements", "0014_leaner_writes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(rebuild(f"{WORDS} || {SPEAKER}"), rebuild(WORDS)),
                migrations.RunSQL(VACUUM, VACUUM),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="utterance",
                    name="search_vector",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.contrib.postgres.search.CombinedSearchVector(
                            django.contrib.postgres.search.SearchVector(
                                "text", config="english_unaccent"
                            ),
                            "||",
                            statements.models.SpeakerLexeme("speaker_id"),
                            django.contrib.postgres.search.SearchConfig("english_unaccent"),
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
            ],
        ),
    ]
