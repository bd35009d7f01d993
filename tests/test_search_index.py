"""The search index is derived from PostgreSQL and kept in step with it by every write path."""

import datetime as dt
import io
import re
from collections import Counter
from importlib import import_module
from pathlib import Path

import pytest
import tantivy
from django.core.management import call_command
from django.db import connection

from statements import search_index, topics
from statements.ingest import MeetingInfo, ingest, merge_speakers, split_alias
from statements.models import (
    Meeting,
    PlaceTagging,
    SearchOutbox,
    Speaker,
    SpeakerAlias,
    Tagging,
    Topic,
    TopicOverride,
    Utterance,
)
from tests.conftest import sample_info, sample_paths

pytestmark = pytest.mark.django_db

SQL_FILE = Path(search_index.__file__).parent / "sql" / "search_outbox.sql"


def indexed() -> dict[int, tuple]:
    """Every document of the index, by utterance id: its speaker, meeting and year."""
    searcher = search_index.searcher()
    found = searcher.search(tantivy.Query.all_query(), limit=max(1, searcher.num_docs))
    addresses = [address for _, address in found.hits]
    columns = [
        searcher.fast_field_values(field, addresses)
        for field in ("id", "speaker", "meeting", "year")
    ]
    return {pk: rest for pk, *rest in zip(*columns, strict=True)} if addresses else {}


def recorded() -> dict[int, tuple]:
    """The same, as PostgreSQL has it."""
    return {
        pk: [speaker, meeting, date.year]
        for pk, speaker, meeting, date in Utterance.objects.values_list(
            "pk", "speaker_id", "meeting_id", "date"
        )
    }


def counted(field: str) -> dict[str, int]:
    """The index's count of each value of a field over every document."""
    searcher = search_index.searcher()
    result = searcher.aggregate(
        tantivy.Query.all_query(), {"f": {"terms": {"field": field, "size": 100_000}}}
    )
    return {
        str(int(b["key"]) if isinstance(b["key"], float) else b["key"]): b["doc_count"]
        for b in result["f"]["buckets"]
    }


def assert_in_step() -> None:
    """What a search can show exists in PostgreSQL, and every utterance can be found: the same
    ids, and the same speakers, meetings, years, topics, countries and kinds."""
    assert indexed() == recorded()
    topics_ = Counter(str(t) for t in Tagging.objects.values_list("topic", flat=True))
    assert counted("topic") == topics_
    places = Counter(str(p) for p in PlaceTagging.objects.values_list("place", flat=True))
    assert counted("place") == places
    countries = Counter(
        Utterance.objects.exclude(speaker__country="").values_list("speaker__country", flat=True)
    )
    countries.pop(None, None)
    assert counted("country") == countries
    assert counted("kind") == Counter(Utterance.objects.values_list("kind", flat=True))


def test_every_write_path_keeps_the_index_in_step(archive, django_capture_on_commit_callbacks):
    assert_in_step()

    # Ingest, one transcript and then a batch of two, each synced after its commit.
    with django_capture_on_commit_callbacks(execute=True):
        ingest("SECRETARY BLINKEN:  Xylazine is next.\n", MeetingInfo(date=dt.date(2024, 5, 6)))
    assert not search_index.pending()
    assert_in_step()

    # A transcript replaced by a corrected one.
    meeting = Meeting.objects.get(date=dt.date(2024, 5, 6))
    with django_capture_on_commit_callbacks(execute=True):
        ingest(
            "SECRETARY BLINKEN:  Xylazine and carfentanil are next.\n",
            MeetingInfo(date=dt.date(2024, 5, 6)),
            replacing=meeting,
        )
    assert_in_step()

    # Speakers merged, and a label split off.
    garland, mayorkas = Speaker.objects.filter(
        slug__in=["merrick-b-garland", "alejandro-n-mayorkas"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        merge_speakers(garland, [mayorkas])
    assert_in_step()
    alias = SpeakerAlias.objects.filter(speaker=garland).first()
    with django_capture_on_commit_callbacks(execute=True):
        split_alias(alias)
    assert_in_step()

    # A topic corrected by hand, and every topic retagged.
    utterance = Utterance.objects.filter(taggings__isnull=True).first()
    TopicOverride.objects.create(utterance=utterance, topic=Topic.objects.first(), applies=True)
    with django_capture_on_commit_callbacks(execute=True):
        topics.retag(utterance_ids=[utterance.pk])
    assert_in_step()
    with django_capture_on_commit_callbacks(execute=True):
        topics.retag()
    assert_in_step()

    # A speaker's country changed, an utterance given to another speaker, a meeting deleted:
    # written without any sync after, found by the next search's check of the outbox.
    Speaker.objects.filter(slug="alicia-barcena-ibarra").update(country="Atlantis")
    Utterance.objects.filter(pk=utterance.pk).update(speaker=garland, kind="answer")
    Meeting.objects.filter(pk=meeting.pk).delete()
    assert search_index.pending()
    assert_in_step()
    assert not search_index.pending()


def test_a_sync_that_dies_after_the_index_commit_is_done_again(archive, monkeypatch):
    search_index.sync()
    Utterance.objects.filter(speaker__slug="alicia-barcena-ibarra").update(kind="moderation")

    def dies(*args, **kwargs):
        raise RuntimeError("the process died")

    monkeypatch.setattr(search_index, "_count_words", dies)
    with pytest.raises(RuntimeError):
        search_index.sync()
    # The index took the change, but the outbox rows were not deleted: they are applied again.
    assert SearchOutbox.objects.exists()
    monkeypatch.undo()
    search_index.sync()
    assert not SearchOutbox.objects.exists()
    assert_in_step()


def test_an_index_missing_or_made_for_another_database_is_rebuilt(archive):
    search_index.sync()
    made_for = search_index.path() / search_index.MADE_FOR
    made_for.write_text('{"database": "another"}')
    assert search_index.pending()
    assert search_index.sync().rebuilt
    assert_in_step()

    for path in sorted(search_index.path().iterdir()):
        path.unlink()
    assert search_index.pending()
    assert_in_step()  # the search rebuilt it


def test_the_command_rebuilds_or_syncs_the_index(archive):
    out = io.StringIO()
    call_command("search_index", "--rebuild", stdout=out)
    assert re.search(
        r"Indexed 144 utterances in [\d.]+ s; the index takes [\d,]+ MB", out.getvalue()
    )
    Utterance.objects.filter(sequence=1).update(kind="moderation")
    call_command("search_index", stdout=out)
    assert "Applied 5 changed utterances" in out.getvalue()
    assert_in_step()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_truncated_archive_empties_the_index(seeded):
    ingest("SECRETARY BLINKEN:  Xylazine is next.\n", MeetingInfo(date=dt.date(2024, 5, 6)))
    search_index.sync()
    assert len(indexed()) == 1
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE statements_utterance CASCADE")
    assert search_index.sync().rebuilt
    assert indexed() == {}


def test_the_database_holds_the_outbox_sql_file_s_definitions():
    migration = import_module("statements.migrations.0027_places")
    sql = SQL_FILE.read_text()
    assert migration.OUTBOX.strip() == sql.strip()
    bodies = dict(
        re.findall(
            r"FUNCTION (\w+)\(\) RETURNS trigger\s+LANGUAGE plpgsql AS "
            r"\$function\$(.*?)\$function\$",
            sql,
            re.S,
        )
    )  # noqa: E501
    assert len(bodies) == 5
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)", [list(bodies)]
        )
        assert dict(cursor.fetchall()) == bodies
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'search_outbox_%%'")
        assert cursor.fetchone()[0] == len(re.findall(r"CREATE TRIGGER", sql))


def test_the_models_and_the_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.fixture
def archive(db):
    return [ingest(path.read_text(encoding="utf-8"), sample_info(path)) for path in sample_paths()]


def test_an_index_made_with_other_fields_is_made_anew(archive):
    """A facet added since the index was made (the places): the old index cannot be opened with
    the new fields, and the first search rebuilds it rather than failing."""
    search_index.sync()
    directory = search_index.path()
    for old in directory.iterdir():
        old.unlink()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("words")
    tantivy.Index(builder.build(), str(directory)).writer(15_000_000, 1).commit()
    with connection.cursor() as cursor:
        identity = search_index._identity(cursor)
    (directory / search_index.MADE_FOR).write_text(f'{{"database": "{identity}"}}')
    assert search_index.pending()
    assert_in_step()
