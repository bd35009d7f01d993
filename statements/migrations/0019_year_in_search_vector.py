"""The search vector carries the utterance's year as a lexeme, "year 2024" (`models.YearLexeme`).

The page of a large result is read from its newest (or oldest) matches only, from the months its
sample says hold enough (`search._Search._windowed_page`). Those were found by intersecting the
words' rows, from their index, with every row of those months, from the dates' btree: for the
newest 200 of a phrase with the most tagged topic at a million, about 100,000 rows, 3-5 ms of the
search. Looked up together in the words' index, the words and the years take 1-3 ms; the month
is then checked on the rows found.

As in migration 0015, the column is dropped and added again with the new expression, its storage,
compression and statistics, and the indexes on it are built again, in one transaction; then the
table is vacuumed and analyzed. A million utterances took two minutes.
"""

from importlib import import_module

import django.contrib.postgres.search
from django.db import migrations, models

import statements.models

before = import_module("statements.migrations.0015_speaker_in_search_vector")
YEAR = "array_to_tsvector(ARRAY['year ' || extract(year FROM date)::integer::text])"
WITHOUT = f"{before.WORDS} || {before.SPEAKER}"


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction; the rebuild has its own
    dependencies = [("statements", "0018_archive_headline_second_try")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(before.rebuild(f"{WITHOUT} || {YEAR}"), before.rebuild(WITHOUT)),
                migrations.RunSQL(before.VACUUM, before.VACUUM),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="utterance",
                    name="search_vector",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.contrib.postgres.search.CombinedSearchVector(
                            django.contrib.postgres.search.CombinedSearchVector(
                                django.contrib.postgres.search.SearchVector(
                                    "text", config="english_unaccent"
                                ),
                                "||",
                                statements.models.SpeakerLexeme("speaker_id"),
                                django.contrib.postgres.search.SearchConfig("english_unaccent"),
                            ),
                            "||",
                            statements.models.YearLexeme("date"),
                            django.contrib.postgres.search.SearchConfig("english_unaccent"),
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
            ],
        ),
    ]
