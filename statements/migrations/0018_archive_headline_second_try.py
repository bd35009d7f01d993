"""archive_headline() takes a part of a long turn for its snippet only if the part matches the
query as a whole, and tries a second part before parsing all of the turn.

A part around the first appearance of one of the query's stems was taken as soon as ts_headline
marked something in it; but it marks each word of the query, so a part with a phrase's word alone
("International law ... the rule of law") gave a snippet without the phrase. Now the part must
match (`to_tsvector(part) @@ query`), and when the part around the first of the stems' first
appearances does not, the part around the last is tried: every word of a phrase appears before
the phrase ends, so its match lies at or after each one's first appearance. Only then is the
whole turn parsed (a part of 900 characters costs ts_headline about 0.3 ms; a turn of 10,000,
1-3). The mark ts_headline puts before a match is no longer needed, nor taken.
"""

from importlib import import_module

from django.db import migrations

# Undone, the function is 0012's again (which took the mark ts_headline puts before a match).
BEFORE = "DROP FUNCTION archive_headline(text, tsquery, text);" + (
    import_module("statements.migrations.0012_archive_headline").CREATE
)

CREATE = r"""
DROP FUNCTION archive_headline(text, tsquery, text, text);
CREATE FUNCTION archive_headline(body text, query tsquery, options text)
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $function$
DECLARE
    stems text[];
    firsts integer[];
    lowered text;
    first_seen integer;
    around integer;
    part text;
BEGIN
    IF length(body) > 1500 THEN
        -- The query's lexemes are quoted in its text, their quotes doubled. The text is
        -- unaccented only if none is found without.
        SELECT array_agg(replace(quoted[1], '''''', '''')) INTO stems
        FROM regexp_matches(querytree(query), '''((?:[^'']|'''')*)''', 'g') AS quoted;
        lowered := lower(body);
        SELECT array_agg(nullif(strpos(lowered, stem), 0)) INTO firsts FROM unnest(stems) AS stem;
        IF (SELECT count(*) FROM unnest(firsts) AS f WHERE f IS NOT NULL) = 0 THEN
            lowered := lower(unaccent(body));
            SELECT array_agg(nullif(strpos(lowered, stem), 0)) INTO firsts
            FROM unnest(stems) AS stem;
        END IF;
        -- The first of the stems' first appearances, then the last.
        FOR first_seen IN
            SELECT DISTINCT f FROM unnest(firsts) AS f
            WHERE f IS NOT NULL
              AND (f = (SELECT min(g) FROM unnest(firsts) AS g)
                   OR f = (SELECT max(g) FROM unnest(firsts) AS g))
            ORDER BY f
        LOOP
            around := greatest(1, first_seen - 300);
            part := substr(body, around, 900);
            IF around > 1 THEN
                part := substr(part, strpos(part, ' ') + 1);
            END IF;
            -- The part must match as a whole: a phrase's word alone is not the phrase.
            IF to_tsvector('english_unaccent', part) @@ query THEN
                RETURN ts_headline('english_unaccent', part, query, options);
            END IF;
        END LOOP;
    END IF;
    RETURN ts_headline('english_unaccent', body, query, options);
END
$function$;
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0017_meeting_updated_at_index")]

    operations = [migrations.RunSQL(CREATE, BEFORE)]
