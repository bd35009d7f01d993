"""archive_headline(): a search result's snippet, parsing only the part of a long turn around its
first match.

ts_headline parses the whole text it is given, about 0.3 µs a character: a page of long turns
cost 10-25 ms of snippets. For a turn over 1,500 characters, the function finds where one of the
query's stems first appears in the text, lower-cased and unaccented (a stem most often begins the
words it stands for), and gives ts_headline the 900 characters around it, cut at a space. Should
that part hold no match (the stem was inside another word, or is not how the word begins), it
falls back to the whole text.
"""

from django.db import migrations

CREATE = r"""
CREATE FUNCTION archive_headline(body text, query tsquery, options text, mark text)
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $function$
DECLARE
    stems text[];
    first_seen integer;
    around integer;
    part text;
    headline text;
BEGIN
    IF length(body) > 1500 THEN
        -- The query's lexemes are quoted in its text, their quotes doubled. The text is
        -- unaccented only if none is found without.
        SELECT array_agg(replace(quoted[1], '''''', '''')) INTO stems
        FROM regexp_matches(querytree(query), '''((?:[^'']|'''')*)''', 'g') AS quoted;
        SELECT min(nullif(strpos(lower(body), stem), 0)) INTO first_seen FROM unnest(stems) AS stem;
        IF first_seen IS NULL THEN
            SELECT min(nullif(strpos(lower(unaccent(body)), stem), 0)) INTO first_seen
            FROM unnest(stems) AS stem;
        END IF;
        IF first_seen IS NOT NULL THEN
            around := greatest(1, first_seen - 300);
            part := substr(body, around, 900);
            IF around > 1 THEN
                part := substr(part, strpos(part, ' ') + 1);
            END IF;
            headline := ts_headline('english_unaccent', part, query, options);
            IF strpos(headline, mark) > 0 THEN
                RETURN headline;
            END IF;
        END IF;
    END IF;
    RETURN ts_headline('english_unaccent', body, query, options);
END
$function$;
"""

DROP = "DROP FUNCTION IF EXISTS archive_headline(text, tsquery, text, text);"


class Migration(migrations.Migration):
    dependencies = [("statements", "0011_utterance_date")]

    operations = [migrations.RunSQL(CREATE, DROP)]
