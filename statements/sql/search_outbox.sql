-- The search index's outbox (statements/search_index.py): every write that changes what an
-- utterance's search document holds puts the utterance's id in statements_searchoutbox, in the
-- writing transaction itself, and search_index.sync() applies it to the index after the commit.
-- Statement-level triggers with transition tables: a COPY of 10,000 utterances or a retag of a
-- batch is one INSERT ... SELECT here, not one a row. Migration 0025 created these, migration
-- 0027 added the place taggings' triggers; a test checks that the database holds this file's
-- definitions.

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

-- Taggings added, changed or removed: their utterances' topics (or places).
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

DROP TRIGGER IF EXISTS search_outbox_inserted ON statements_placetagging;
CREATE TRIGGER search_outbox_inserted AFTER INSERT ON statements_placetagging
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_tagging();
DROP TRIGGER IF EXISTS search_outbox_updated ON statements_placetagging;
CREATE TRIGGER search_outbox_updated AFTER UPDATE ON statements_placetagging
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_tagging();
DROP TRIGGER IF EXISTS search_outbox_deleted ON statements_placetagging;
CREATE TRIGGER search_outbox_deleted AFTER DELETE ON statements_placetagging
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
