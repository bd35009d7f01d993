"""Each utterance carries its meeting's date, so a search filters, counts by year and orders by
date from the utterance table alone: a date condition meets the words' GIN index as a bitmap of
the `utterance_date` index rather than through a join, and the newest matches of a large result
are found between two dates without reading the others.

The database keeps the copy right, whoever writes: an utterance inserted without a date (or moved
to another meeting) takes its meeting's, and a meeting's new date is copied to its utterances.
Ingest writes the date itself, so its COPY pays for no trigger.
"""

from django.db import migrations, models

FILL = """
UPDATE statements_utterance AS u SET date = m.date
FROM statements_meeting AS m WHERE m.id = u.meeting_id;
"""

TRIGGERS = """
CREATE FUNCTION statements_utterance_meeting_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT date INTO NEW.date FROM statements_meeting WHERE id = NEW.meeting_id;
    RETURN NEW;
END $$;

CREATE TRIGGER utterance_dated BEFORE INSERT ON statements_utterance
    FOR EACH ROW WHEN (NEW.date IS NULL)
    EXECUTE FUNCTION statements_utterance_meeting_date();

CREATE TRIGGER utterance_moved BEFORE UPDATE OF meeting_id ON statements_utterance
    FOR EACH ROW WHEN (NEW.meeting_id IS DISTINCT FROM OLD.meeting_id)
    EXECUTE FUNCTION statements_utterance_meeting_date();

CREATE FUNCTION statements_meeting_redated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statements_utterance SET date = NEW.date WHERE meeting_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER meeting_redated AFTER UPDATE OF date ON statements_meeting
    FOR EACH ROW WHEN (NEW.date IS DISTINCT FROM OLD.date)
    EXECUTE FUNCTION statements_meeting_redated();
"""

# Migration 0009's sample of searches without words carries the date now, and meetings' dates
# are no longer looked up.
SAMPLE_WITH_DATE = """
DROP INDEX utterance_sample;
CREATE INDEX utterance_sample ON statements_utterance (id)
    INCLUDE (meeting_id, speaker_id, date, sequence, kind, via_interpreter) WHERE id % 16 = 0;
DROP INDEX meeting_dates;
"""

SAMPLE_WITHOUT_DATE = """
DROP INDEX utterance_sample;
CREATE INDEX utterance_sample ON statements_utterance (id)
    INCLUDE (meeting_id, speaker_id, sequence, kind, via_interpreter) WHERE id % 16 = 0;
CREATE INDEX meeting_dates ON statements_meeting (id) INCLUDE (date);
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS meeting_redated ON statements_meeting;
DROP FUNCTION IF EXISTS statements_meeting_redated();
DROP TRIGGER IF EXISTS utterance_moved ON statements_utterance;
DROP TRIGGER IF EXISTS utterance_dated ON statements_utterance;
DROP FUNCTION IF EXISTS statements_utterance_meeting_date();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0010_speaker_index_with_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="utterance",
            name="date",
            field=models.DateField(null=True, editable=False),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="utterance",
            name="date",
            field=models.DateField(editable=False, help_text="The meeting's date."),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.RunSQL(SAMPLE_WITH_DATE, SAMPLE_WITHOUT_DATE),
        migrations.AddIndex(
            model_name="utterance",
            index=models.Index(fields=["date"], name="utterance_date"),
        ),
    ]
