-- The role a speaker held on a day: the one whose term holds it (of several, the one ending
-- soonest, then the one taken last: the most specific), else the nearest before it, else the
-- nearest after it (a role taken later counts at twice its distance). As
-- `SpeakerRole.closeness()` in models.py. Migration 0022 made it; a test checks that the
-- database holds this definition.
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
