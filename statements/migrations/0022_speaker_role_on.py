"""speaker_role_on(speaker, day): the role a speaker held on a day, for search results, exports
and the API, which read many utterances at once. Its definition is statements/sql/
speaker_role_on.sql; this migration carries the copy it made."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION speaker_role_on(speaker bigint, day date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT title FROM statements_speakerrole
    WHERE speaker_id = speaker
    ORDER BY
        (coalesce(start <= day, true) AND coalesce(day <= "end", true)) DESC,
        CASE
            WHEN "end" < day THEN day - "end"
            WHEN start > day THEN 2 * (start - day)
            ELSE 0
        END,
        coalesce("end", 'infinity'::date),
        start DESC NULLS LAST,
        id
    LIMIT 1
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0021_seed_registry")]

    # Looked up through speaker_role_unique_start, which starts with the speaker.
    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS speaker_role_on(bigint, date)"),
    ]
