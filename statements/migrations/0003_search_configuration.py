"""The text search configuration and the query function search relies on.

english_unaccent: English stemming with accents folded (Bárcena = Barcena).
archive_query(text): the user's words in web-search syntax ("phrases", or, -word) as a tsquery,
with spellings the English stemmer keeps apart made to meet (trafficking and traffic).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
ALTER TEXT SEARCH CONFIGURATION english_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

CREATE FUNCTION archive_query(words text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $function$
    SELECT ts_rewrite(
        websearch_to_tsquery('english_unaccent', words),
        $rules$
        SELECT to_tsquery('english_unaccent', target), to_tsquery('english_unaccent', variants)
        FROM (VALUES
            ('trafficking', 'trafficking | traffic'),
            ('traffic', 'traffic | trafficking'),
            ('panicking', 'panicking | panic'),
            ('mimicking', 'mimicking | mimic')
        ) AS rules (target, variants)
        $rules$
    )
$function$;
"""

DROP = """
DROP FUNCTION IF EXISTS archive_query(text);
DROP TEXT SEARCH CONFIGURATION IF EXISTS english_unaccent;
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0002_seed_officials")]

    operations = [migrations.RunSQL(CREATE, DROP)]
