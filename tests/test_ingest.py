import datetime as dt
import io
import re
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F

from statements import ingest as ingest_module
from statements.ingest import IngestError, MeetingInfo, batch, content_hash, decode, ingest
from statements.management.commands.ingest import batches
from statements.models import Meeting, Speaker, SpeakerAlias, Utterance
from tests.conftest import SAMPLES, sample_info, sample_paths

pytestmark = pytest.mark.django_db

INTERVIEW = "2021-10-08-secretary-antony-j-blinken-with-alejandro-dominguez-of-milenio-tv"
SMALL = "FOREIGN SECRETARY BÁRCENA:  Good morning.\n\nQUESTION:  And fentanyl?\n"


def test_the_samples_give_exactly_the_turns_the_files_contain(archive):
    per_meeting = Counter(Utterance.objects.values_list("meeting__date", "meeting__kind"))
    assert Meeting.objects.count() == 5
    assert per_meeting == {
        (dt.date(2021, 10, 8), "interview"): 30,
        (dt.date(2022, 10, 13), "press_conference"): 36,
        (dt.date(2023, 9, 29), "press_availability"): 28,
        (dt.date(2023, 10, 5), "dialogue_session"): 10,
        (dt.date(2023, 10, 5), "press_conference"): 40,
    }


def test_the_samples_name_fourteen_officials_and_the_interviewer(archive):
    speaking = Speaker.objects.filter(utterances__isnull=False).distinct()
    assert speaking.filter(kind="official").count() == 14
    assert list(speaking.filter(kind="journalist").values_list("name", flat=True)) == [
        "Alejandro Domínguez"
    ]
    assert speaking.count() == 15
    assert not Speaker.objects.filter(needs_review=True).exists()


def test_accented_and_plain_spellings_are_one_speaker(archive):
    assert Speaker.objects.filter(name__contains="Bárcena").count() == 1
    barcena = Speaker.objects.get(slug="alicia-barcena-ibarra")
    labels = set(barcena.utterances.values_list("speaker_label", flat=True))
    assert labels == {"FOREIGN SECRETARY BÁRCENA", "FOREIGN SECRETARY BARCENA"}
    assert barcena.utterances.count() == 12


def test_short_and_long_titles_are_one_speaker(archive):
    mayorkas = Speaker.objects.get(name__contains="Mayorkas")
    labels = set(mayorkas.utterances.values_list("speaker_label", flat=True))
    assert labels == {"SECRETARY MAYORKAS", "HOMELAND SECURITY SECRETARY MAYORKAS"}
    assert set(mayorkas.aliases.values_list("label", flat=True)) == labels


def test_interview_questions_are_the_interviewer_s(archive):
    questions = Utterance.objects.filter(meeting__slug=INTERVIEW, kind="question")
    assert questions.count() == 14
    assert set(questions.values_list("speaker__name", flat=True)) == {"Alejandro Domínguez"}
    assert not Utterance.objects.filter(meeting__slug=INTERVIEW, speaker__isnull=True).exists()


def test_each_turn_has_the_right_kind_and_interpreter_flag(archive):
    mexico = Utterance.objects.filter(meeting__date="2023-10-05", meeting__kind="press_conference")
    first = mexico.get(sequence=1)
    assert (first.speaker_label, first.speaker, first.kind) == ("MODERATOR", None, "moderation")
    assert first.via_interpreter
    assert mexico.get(sequence=3).kind == "statement"  # Blinken's opening remarks
    questions = mexico.filter(kind="question")
    assert questions.count() == 6 and not questions.filter(speaker__isnull=False).exists()
    first_question = questions.order_by("sequence").first().sequence
    assert not mexico.filter(sequence__gt=first_question, kind="statement").exists()
    assert mexico.filter(via_interpreter=True).count() == 21
    price = Utterance.objects.filter(speaker__name="Ned Price")
    assert set(price.values_list("kind", flat=True)) == {"moderation"}


def test_a_turn_keeps_its_paragraphs_and_counts_its_words(archive):
    opening = Utterance.objects.get(meeting__date="2022-10-13", sequence=1)
    assert opening.text.startswith("Well, good afternoon, everyone.\n\nLet me start by saying")
    assert len(opening.paragraphs) == 15
    words = [token for token in opening.text.split() if any(c.isalnum() for c in token)]
    assert opening.word_count == len(words) == 716


def test_each_utterance_carries_its_meeting_s_date_whoever_writes_it(archive):
    assert not Utterance.objects.exclude(date=F("meeting__date")).exists()
    meeting, other = Meeting.objects.order_by("date")[:2]

    # A meeting given another date gives it to its utterances.
    meeting.date = dt.date(2020, 2, 29)
    meeting.save()
    assert set(meeting.utterances.values_list("date", flat=True)) == {dt.date(2020, 2, 29)}
    # An utterance written without a date, or moved to another meeting, takes its meeting's.
    added = Utterance.objects.create(meeting=meeting, sequence=999, speaker_label="Q", text="x")
    added.refresh_from_db()
    assert added.date == dt.date(2020, 2, 29)
    Utterance.objects.filter(pk=added.pk).update(meeting=other)
    added.refresh_from_db()
    assert added.date == other.date


def test_an_utterance_s_year_is_a_lexeme_of_its_search_vector_and_follows_its_date(archive):
    meeting = Meeting.objects.order_by("date").first()

    def years() -> set[str]:
        vectors = meeting.utterances.values_list("search_vector", flat=True)
        return {lexeme for vector in vectors for lexeme in re.findall(r"'(year \d+)'", vector)}

    assert years() == {f"year {meeting.date.year}"}
    meeting.date = dt.date(2020, 2, 29)
    meeting.save()
    assert years() == {"year 2020"}
    # No words make it: a search for "year 2020" does not find these by their year.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM statements_utterance "
            "WHERE meeting_id = %s AND search_vector @@ archive_query('year 2020')",
            [meeting.pk],
        )
        assert cursor.fetchone()[0] == 0


def test_the_raw_text_is_stored_byte_for_byte_and_the_junk_is_set_aside(archive):
    path = SAMPLES / "2023-10-05-hlsd-opening-session-mexico-city.txt"
    meeting = Meeting.objects.get(kind="dialogue_session")
    assert meeting.raw_text == path.read_text(encoding="utf-8")
    assert meeting.trailer.startswith("Related Articles")
    assert "gates of olympus" not in Utterance.objects.filter(meeting=meeting).last().text
    assert meeting.header.startswith("Secretary Antony J. Blinken At the U.S.-Mexico")


def test_togetherthe_same_transcript_again_changes_nothing(archive):
    before = (Meeting.objects.count(), Utterance.objects.count(), SpeakerAlias.objects.count())
    path = SAMPLES / "2021-10-08-blinken-interview-milenio-tv.txt"
    again = ingest(path.read_text(encoding="utf-8").replace("\n", "\r\n"))
    assert not again.created and again.meeting.slug == INTERVIEW
    after = (Meeting.objects.count(), Utterance.objects.count(), SpeakerAlias.objects.count())
    assert after == before


def stored() -> list[tuple]:
    """Every utterance as a reader sees it: where, who, what kind, and its topics."""
    return [
        (
            u.meeting.slug,
            u.sequence,
            u.speaker.name if u.speaker else None,
            u.speaker_label,
            u.kind,
            u.via_interpreter,
            u.word_count,
            u.text,
            sorted((t.topic.slug, t.mentions, tuple(t.matched)) for t in u.taggings.all()),
        )
        for u in Utterance.objects.select_related("meeting", "speaker")
        .prefetch_related("taggings__topic")
        .order_by("meeting__date", "meeting__slug", "sequence")
    ]


@pytest.mark.parametrize("flush_rows", [10_000, 50], ids=["written at the end", "every 50"])
def test_a_batch_stores_exactly_what_one_transcript_at_a_time_does(db, monkeypatch, flush_rows):
    monkeypatch.setattr(ingest_module, "FLUSH_ROWS", flush_rows)
    transcripts = [(path.read_text(encoding="utf-8"), sample_info(path)) for path in sample_paths()]
    with transaction.atomic():
        for text, info in transcripts:
            ingest(text, info)
        one_at_a_time = stored()
        transaction.set_rollback(True)
    assert Meeting.objects.count() == 0

    with batch() as together:
        results = [ingest(text, info, batch=together) for text, info in transcripts]
    assert [r.utterances for r in results] == [30, 36, 28, 10, 40]
    assert stored() == one_at_a_time
    assert sum(len(row[-1]) for row in one_at_a_time) > 100  # topics were tagged


def test_a_batch_knows_the_transcripts_it_has_not_written_yet(db):
    info = MeetingInfo(title="Press Briefing", date=dt.date(2024, 1, 2))
    other = "SECRETARY BLINKEN:  Good afternoon.\n"
    with batch() as together:
        first = ingest(SMALL, info, batch=together)
        again = ingest(SMALL, info, batch=together)
        same_title = ingest(other, info, batch=together)
        assert not Meeting.objects.exists()  # written when the batch ends
    assert first.created and not again.created and again.meeting.pk == first.meeting.pk
    assert same_title.created and same_title.meeting.slug != first.meeting.slug
    assert sorted(Meeting.objects.values_list("slug", flat=True)) == [
        "2024-01-02-press-briefing",
        "2024-01-02-press-briefing-2",
    ]
    assert Meeting.objects.get(pk=first.meeting.pk).utterances.count() == 2


def test_a_batch_refuses_a_bad_transcript_and_keeps_the_rest(db):
    good = "PRIME MINISTER DUPONT:  Bonjour.\n\nQUESTION:  And fentanyl?\n"
    other = "PRIME MINISTER DUPONT:  Merci.\n\nSECRETARY BLINKEN:  Thank you.\n"
    with batch() as together:
        ingest(good, MeetingInfo(date=dt.date(2024, 1, 2)), batch=together)
        with pytest.raises(IngestError, match="no date"):
            ingest("SECRETARY BLINKEN:  Hello.\n", batch=together)
        again = ingest(good, MeetingInfo(date=dt.date(2024, 1, 2)), batch=together)
        ingest(other, MeetingInfo(date=dt.date(2024, 1, 3)), batch=together)
    assert not again.created
    assert Meeting.objects.count() == 2
    # The speaker the first transcript created is the one the third found.
    assert Speaker.objects.filter(name="Prime Minister Dupont").count() == 1
    assert Utterance.objects.filter(speaker__name="Prime Minister Dupont").count() == 2


def test_a_transcript_rolled_back_in_a_batch_leaves_no_speaker_behind(db, monkeypatch):
    """What the registry learned from a transcript that failed is forgotten with it: the next
    transcript with the same new label creates the speaker again rather than point at a speaker
    that was rolled back."""
    rows = ingest_module._rows
    calls = []

    def failing_once(*args):
        # After the transcript's new speaker was created, before its rows are queued.
        calls.append(args)
        if len(calls) == 1:
            raise IngestError("The disk is full.")
        return rows(*args)

    monkeypatch.setattr(ingest_module, "_rows", failing_once)
    text = "PRIME MINISTER DUPONT:  Bonjour.\n"
    with batch() as together:
        with pytest.raises(IngestError, match="disk is full"):
            ingest(text, MeetingInfo(date=dt.date(2024, 1, 2)), batch=together)
        result = ingest(text, MeetingInfo(date=dt.date(2024, 1, 2)), batch=together)
    assert [s.name for s in result.new_speakers] == ["Prime Minister Dupont"]
    assert Utterance.objects.get().speaker.name == "Prime Minister Dupont"


def test_an_error_that_is_not_the_transcript_s_fault_leaves_nothing_of_the_batch(db):
    with pytest.raises(ConnectionError), batch() as together:
        ingest(SMALL, MeetingInfo(date=dt.date(2024, 1, 2)), batch=together)
        raise ConnectionError("The connection dropped.")
    assert (Meeting.objects.count(), Utterance.objects.count()) == (0, 0)


def test_an_unknown_label_creates_a_speaker_marked_for_review(db):
    text = "PRIME MINISTER DUPONT:  Bonjour.\n\nSECRETARY BLINKEN:  Thank you.\n"
    result = ingest(text, MeetingInfo(date=dt.date(2024, 1, 2)))
    assert [(s.name, s.role, s.needs_review) for s in result.new_speakers] == [
        ("Prime Minister Dupont", "Prime Minister", True)
    ]
    assert SpeakerAlias.objects.get(key="prime minister dupont").speaker.name == (
        "Prime Minister Dupont"
    )


def test_a_typo_in_a_title_still_finds_the_person(db):
    first = "PRIME MINISTER NETANYAHU:  Shalom.\n"
    second = "PRIME MININSTER NETANYAHU:  Thank you.\n\nQ  A question?\n"
    ingest(first, MeetingInfo(date=dt.date(2024, 1, 2)))
    result = ingest(second, MeetingInfo(date=dt.date(2024, 1, 3)))
    assert result.new_speakers == []
    assert Speaker.objects.filter(name__icontains="Netanyahu").count() == 1
    turns = result.meeting.utterances.order_by("sequence")
    assert [(u.speaker_label, u.kind) for u in turns] == [
        ("PRIME MININSTER NETANYAHU", "statement"),
        ("Q", "question"),
    ]


def test_the_header_supplies_what_the_uploader_left_out(db):
    text = (
        "Remarks at the Summit\n\n(May 21, 2022)\n\nLima, Peru\n\n"
        "SECRETARY BLINKEN:  Good morning.\n"
    )
    meeting = ingest(text).meeting
    assert (meeting.title, meeting.date, meeting.location) == (
        "Remarks at the Summit",
        dt.date(2022, 5, 21),
        "Lima, Peru",
    )


@pytest.mark.parametrize(
    ("text", "info", "message"),
    [
        ("", MeetingInfo(date=dt.date(2024, 1, 1)), "empty"),
        ("   \n\n", MeetingInfo(date=dt.date(2024, 1, 1)), "empty"),
        ("Just some prose.\n\nNo speakers here.", MeetingInfo(date=dt.date(2024, 1, 1)), "turns"),
        (SMALL, MeetingInfo(), "no date"),
        (SMALL, MeetingInfo(date=dt.date(2024, 1, 1), kind="banquet"), "Unknown kind"),
    ],
)
def test_bad_transcripts_are_refused_and_nothing_is_written(text, info, message):
    before = (Meeting.objects.count(), Speaker.objects.count(), SpeakerAlias.objects.count())
    with pytest.raises(IngestError, match=message):
        ingest(text, info)
    after = (Meeting.objects.count(), Speaker.objects.count(), SpeakerAlias.objects.count())
    assert after == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 40, "binary"),
        (b"QUESTION: caf\x81\x8d\x8f\x90\x9d", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_bytes_are_refused_with_a_clear_message(data, message):
    with pytest.raises(IngestError, match=message):
        decode(data, "upload.txt")


def test_utf8_with_a_bom_and_windows_1252_just_work():
    assert decode("\ufeffSECRETARY BÁRCENA: Hola".encode()) == "SECRETARY BÁRCENA: Hola"
    assert decode("QUESTION: It’s – fine".encode("cp1252")) == "QUESTION: It’s – fine"


def test_line_endings_and_trailing_spaces_do_not_change_the_identity():
    assert content_hash("A: b\nC: d\n") == content_hash("A: b  \r\nC: d\r\n\r\n")
    assert content_hash("A: b\n") != content_hash("A: c\n")


def test_the_ingest_command_loads_a_directory_and_reports_a_summary(db):
    out = io.StringIO()
    call_command("ingest", str(SAMPLES), stdout=out, stderr=io.StringIO())
    assert "5 meetings added (0 already in the archive), 144 utterances" in out.getvalue()
    assert "0 new speakers, 0 to review" in out.getvalue()
    call_command("ingest", str(SAMPLES), stdout=out, stderr=io.StringIO())
    assert "0 meetings added (5 already in the archive)" in out.getvalue()


def test_the_ingest_command_commits_batch_by_batch(db, monkeypatch):
    monkeypatch.setattr("statements.management.commands.ingest.BATCH_SIZE", 2)
    batches = []

    def counted_batch(**options):
        together = batch(**options)
        batches.append(together)
        return together

    monkeypatch.setattr("statements.management.commands.ingest.batch", counted_batch)
    out = io.StringIO()
    call_command("ingest", str(SAMPLES), stdout=out, stderr=io.StringIO())
    assert len(batches) == 3  # 2 + 2 + 1 files
    assert "5 meetings added (0 already in the archive), 144 utterances" in out.getvalue()
    assert Utterance.objects.filter(taggings__isnull=False).distinct().count() > 50


def test_workers_share_the_files_in_even_batches_so_none_is_left_alone_at_the_end(monkeypatch):
    monkeypatch.setattr("statements.management.commands.ingest.BATCH_SIZE", 200)
    files = [Path(f"{number:04}.txt") for number in range(663)]
    # One worker: batches of at most BATCH_SIZE, as even as they can be.
    assert [len(b) for b in batches(files, workers=1)] == [166, 166, 166, 165]
    # Two: four batches each at least, rather than 200, 200, 200 and a last 63.
    shared = batches(files, workers=2)
    assert [len(b) for b in shared] == [83] * 7 + [82]
    assert [f for b in shared for f in b] == files
    # Many more files: BATCH_SIZE still bounds them; few files: one a batch.
    assert max(len(b) for b in batches(files * 10, workers=2)) <= 200
    assert [len(b) for b in batches(files[:3], workers=2)] == [1, 1, 1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_ingest_command_stores_the_same_with_workers_side_by_side(seeded, monkeypatch):
    # With its speakers known, an archive is the same whichever batch goes first. (A speaker
    # first seen in two batches at once is resolved as if one of them had gone first.)
    speakers, aliases = set(Speaker.objects.all()), set(SpeakerAlias.objects.all())
    call_command("ingest", str(SAMPLES), stdout=io.StringIO(), stderr=io.StringIO())
    one_after_another = stored()
    Meeting.objects.all().delete()
    SpeakerAlias.objects.exclude(pk__in=[a.pk for a in aliases]).delete()
    Speaker.objects.exclude(pk__in=[s.pk for s in speakers]).delete()

    # Five batches of one file, two at a time, each worker with its own connection.
    monkeypatch.setattr("statements.management.commands.ingest.BATCH_SIZE", 1)
    out = io.StringIO()
    call_command("ingest", str(SAMPLES), "--workers", "2", stdout=out, stderr=io.StringIO())
    assert "5 meetings added (0 already in the archive), 144 utterances" in out.getvalue()
    assert stored() == one_after_another


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_writing_the_same_slug_at_once_both_get_their_meeting(monkeypatch, tmp_path):
    # Same title and date: whichever worker writes second waits for the first, then finds the
    # slug taken and takes the next one.
    for number, text in enumerate([SMALL, "SECRETARY BLINKEN:  Good afternoon.\n"]):
        (tmp_path / f"{number}.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr("statements.management.commands.ingest.BATCH_SIZE", 1)
    call_command(
        "ingest",
        str(tmp_path),
        "--workers",
        "2",
        "--title",
        "Press Briefing",
        "--date",
        "2024-01-02",
        stdout=io.StringIO(),
    )
    assert sorted(Meeting.objects.values_list("slug", flat=True)) == [
        "2024-01-02-press-briefing",
        "2024-01-02-press-briefing-2",
    ]


def test_a_slug_taken_while_a_batch_was_under_way_gives_way_to_the_next_free_one():
    info = MeetingInfo(title="Press Briefing", date=dt.date(2024, 1, 2))
    with batch() as together:
        ingest(SMALL, info, batch=together)
        ingest(SMALL.replace("morning", "evening"), info, batch=together)
        # Another worker's batch commits the first of those slugs before this one writes.
        Meeting.objects.create(
            title="Press Briefing",
            slug="2024-01-02-press-briefing",
            date=dt.date(2024, 1, 2),
            raw_text="Q  Other?",
            content_hash="other",
        )
    slugs = Meeting.objects.filter(utterances__isnull=False).values_list("slug", flat=True)
    assert sorted(set(slugs)) == ["2024-01-02-press-briefing-2", "2024-01-02-press-briefing-3"]
    assert Utterance.objects.count() == 4


def test_a_slug_another_batch_under_way_has_claimed_is_left_to_it():
    import psycopg
    from django.db import connection

    other = psycopg.connect(**connection.get_connection_params())
    try:
        # Another worker's batch, not yet committed, has claimed the slug.
        other.execute(
            "SELECT pg_advisory_lock(%s, hashtext(%s))",
            [ingest_module.MEETING_SLUGS, "2024-01-02-press-briefing"],
        )
        info = MeetingInfo(title="Press Briefing", date=dt.date(2024, 1, 2))
        with batch() as together:
            result = ingest(SMALL, info, batch=together)
    finally:
        other.close()
    assert Meeting.objects.get(pk=result.meeting.pk).slug == "2024-01-02-press-briefing-2"


def test_a_batch_that_keeps_colliding_is_reported_not_raised(db, monkeypatch, tmp_path):
    from django.db import IntegrityError

    from statements.management.commands import ingest as command

    @contextmanager
    def always_conflicting(**options):
        with batch(**options) as together:
            yield together
            raise IntegrityError("deadlock detected")

    monkeypatch.setattr(command, "batch", always_conflicting)
    (tmp_path / "small.txt").write_text(SMALL, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 transcripts were refused"):
        call_command("ingest", str(tmp_path), "--date=2024-01-02", stdout=io.StringIO(), stderr=err)
    assert "small.txt: its batch met another writer's rows 3 times (deadlock detected)" in (
        err.getvalue()
    )
    assert "run the command again" in err.getvalue()
    assert not Meeting.objects.exists()


def test_a_batch_another_worker_got_ahead_of_is_tried_again(db, monkeypatch, tmp_path):
    from django.db import IntegrityError

    from statements.management.commands import ingest as command

    tries = []

    @contextmanager
    def conflicting_once(**options):
        with batch(**options) as together:
            yield together
            tries.append(together)
            if len(tries) == 1:  # as a COPY meeting another worker's committed slug would
                raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(command, "batch", conflicting_once)
    (tmp_path / "small.txt").write_text(SMALL, encoding="utf-8")
    out = io.StringIO()
    call_command("ingest", str(tmp_path), "--date=2024-01-02", stdout=out)
    assert len(tries) == 2 and "1 meetings added (0 already in the archive), 2 utterances" in (
        out.getvalue()
    )
    assert Meeting.objects.count() == 1 and Utterance.objects.count() == 2


def test_the_ingest_command_takes_metadata_from_options(db, tmp_path):
    path = tmp_path / "remarks.txt"
    path.write_text(SMALL, encoding="utf-8")
    call_command(
        "ingest",
        str(path),
        "--title=Remarks in Lima",
        "--date=2024-02-03",
        "--kind=press availability",
        "--location=Lima, Peru",
        "--source-url=https://www.state.gov/remarks",
        stdout=io.StringIO(),
    )
    meeting = Meeting.objects.get()
    assert (meeting.title, meeting.date, meeting.kind, meeting.location, meeting.source_url) == (
        "Remarks in Lima",
        dt.date(2024, 2, 3),
        "press_availability",
        "Lima, Peru",
        "https://www.state.gov/remarks",
    )


def test_the_ingest_command_refuses_bad_files_and_keeps_the_good_ones(db, tmp_path):
    (tmp_path / "good.txt").write_text(SMALL, encoding="utf-8")
    (tmp_path / "good.json").write_text('{"date": "2024-02-03"}', encoding="utf-8")
    (tmp_path / "undated.txt").write_text(SMALL.replace("morning", "evening"), encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "baddate.txt").write_text(SMALL + "\nQ  More?\n", encoding="utf-8")
    (tmp_path / "baddate.json").write_text('{"date": "next Tuesday"}', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 of 4 transcripts were refused"):
        call_command("ingest", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "binary.txt is a binary file" in err.getvalue()
    assert "undated.txt: The transcript has no date" in err.getvalue()
    assert "'next Tuesday' is not a date" in err.getvalue()
    assert Meeting.objects.count() == 1


# -- Real material: manifests, people, corrections -------------------------------------------

CORPUS = settings.SHARED_CORPUS
BRIEFING = """Department Press Briefing – March 1, 2022

Jalina Porter, Principal Deputy Spokesperson

Washington, DC

MS PORTER:  Good afternoon, everyone.

QUESTION:  Thanks. Said Arikat, Al-Quds.  On the Palestinian issue?

MS PORTER:  Thanks, Said.

SENIOR STATE DEPARTMENT OFFICIAL:  On background, let me add one thing.

QUESTION:  Thank you.  Humeyra Pamuk, Reuters.  Can you say more?
"""


def write_manifest(tmp_path, entries: list[tuple[str, str, dict]]) -> Path:
    """Files under tmp_path/texts and a manifest listing them, as the shared corpus is laid
    out."""
    import json

    lines = []
    for name, text, fields in entries:
        path = tmp_path / "texts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        lines.append(json.dumps({"file": name, **fields}))
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def test_a_manifest_gives_each_file_its_title_date_kind_publisher_and_source(db, tmp_path):
    manifest = write_manifest(
        tmp_path,
        [
            (
                "state/2022/briefing.txt",
                BRIEFING,
                {
                    "source": "state",
                    "title": "Department Press Briefing – March 1, 2022",
                    "date": "2022-03-01",
                    "kind": "press briefing",
                    "source_url": "https://www.state.gov/briefings/department-press-briefing-march-1-2022/",
                },
            )
        ],
    )
    out = io.StringIO()
    call_command(
        "ingest", "--manifest", str(manifest), "--root", str(tmp_path / "texts"), stdout=out
    )
    meeting = Meeting.objects.get()
    assert (meeting.date, meeting.kind, meeting.publisher.key, meeting.source_url) == (
        dt.date(2022, 3, 1),
        "briefing",
        "state",
        "https://www.state.gov/briefings/department-press-briefing-march-1-2022/",
    )
    assert "1 meetings added (0 already in the archive), 5 utterances" in out.getvalue()
    # Loading it again adds nothing.
    call_command(
        "ingest", "--manifest", str(manifest), "--root", str(tmp_path / "texts"), stdout=out
    )
    assert "0 meetings added (1 already in the archive)" in out.getvalue()
    assert Meeting.objects.count() == 1


def test_a_briefing_s_people_are_named_in_full_and_its_questions_keep_their_outlets(db):
    ingest(BRIEFING, MeetingInfo(date=dt.date(2022, 3, 1), publisher="state", kind="briefing"))
    turns = list(Utterance.objects.order_by("sequence").select_related("speaker"))
    porter = turns[0].speaker
    assert (porter.name, porter.role, porter.country, porter.needs_review) == (
        "Jalina Porter",
        "Principal Deputy Spokesperson, Department of State",  # the registry's wording
        "United States",
        False,
    )
    assert [(u.speaker_kind, u.kind, u.outlet) for u in turns if u.speaker_label == "QUESTION"] == [
        ("journalist", "question", "Al-Quds"),
        ("journalist", "question", "Reuters"),
    ]
    anonymous = turns[3].speaker
    assert (anonymous.unidentified_in, anonymous.kind, turns[3].speaker_kind) == (
        turns[3].meeting,
        "official",
        "official",
    )


def test_an_anonymous_official_is_one_speaker_per_meeting_not_one_across_meetings(db):
    for day in (1, 2):
        ingest(
            f"SENIOR ADMINISTRATION OFFICIAL:  Briefing {day}.\n\nQ  And?\n",
            MeetingInfo(date=dt.date(2022, 3, day), publisher="whitehouse"),
        )
    anonymous = Speaker.objects.filter(unidentified_in__isnull=False)
    assert anonymous.count() == 2
    assert {s.utterances.count() for s in anonymous} == {1}
    assert len({s.slug for s in anonymous}) == 2


def test_a_merge_made_in_the_admin_holds_for_the_transcripts_that_come_after(db):
    first = ingest("MR. ICEBERG:  Hello.\n", MeetingInfo(date=dt.date(2022, 1, 2)))
    stray = first.new_speakers[0]
    real = Speaker.objects.create(name="Hans Iceberg", slug="hans-iceberg", kind="other")
    ingest_module.merge_speakers(real, [stray])
    later = ingest("MR. ICEBERG:  Hello again.\n", MeetingInfo(date=dt.date(2030, 1, 2)))
    assert later.new_speakers == []
    assert set(Utterance.objects.values_list("speaker__name", flat=True)) == {"Hans Iceberg"}


def test_a_split_made_in_the_admin_holds_for_the_transcripts_that_come_after(db):
    text = "SECRETARY BLINKEN:  Thank you.\n\nMR. BLINKENS:  Hello.\n"
    ingest(text, MeetingInfo(date=dt.date(2022, 1, 2), publisher="state"))
    blinken = Speaker.objects.get(name="Antony J. Blinken")
    alias = SpeakerAlias.objects.get(key="mr blinkens")  # matched by a near spelling
    assert alias.speaker == blinken
    split = ingest_module.split_alias(alias)
    assert Utterance.objects.get(speaker_label="MR. BLINKENS").speaker == split
    again = ingest("MR. BLINKENS:  Once more.\n", MeetingInfo(date=dt.date(2022, 1, 3)))
    assert again.meeting.utterances.get().speaker == split


def test_a_role_set_in_the_admin_is_kept_when_later_transcripts_say_otherwise(db):
    from statements.models import SpeakerRole

    text = "Jalina Porter, Principal Deputy Spokesperson\n\nMS PORTER:  Good afternoon.\n"
    ingest(text, MeetingInfo(date=dt.date(2022, 3, 1), publisher="state"))
    porter = Speaker.objects.get(name="Jalina Porter")
    porter.roles.all().delete()
    SpeakerRole.objects.create(
        speaker=porter,
        title="Deputy Spokesperson",
        start=dt.date(2021, 1, 1),
        end=dt.date(2023, 1, 1),
        source="editor",
    )
    ingest(
        text.replace("afternoon", "morning"),
        MeetingInfo(date=dt.date(2022, 3, 2), publisher="state"),
    )
    assert list(porter.roles.values_list("title", flat=True)) == ["Deputy Spokesperson"]
    turn = Utterance.objects.select_related("speaker").get(meeting__date="2022-03-02")
    assert turn.role == "Deputy Spokesperson"


def test_the_role_shown_is_the_one_held_on_the_meeting_s_date(db):
    for day, text in (
        (dt.date(2022, 3, 1), "MR. PRICE:  Good afternoon.\n"),
        (dt.date(2024, 3, 1), "MR. PRICE:  Hello.\n"),
    ):
        ingest(text, MeetingInfo(date=day, publisher="state"))
    roles = {u.date.year: u.role for u in Utterance.objects.select_related("speaker")}
    assert roles == {
        2022: "Department Spokesperson",
        2024: "Deputy to the U.S. Ambassador to the United Nations",
    }


def test_parse_health_reports_what_the_parser_made_of_a_folder(tmp_path):
    (tmp_path / "good.txt").write_text(BRIEFING, encoding="utf-8")
    (tmp_path / "statement.txt").write_text(
        "The United States welcomes the news.\n", encoding="utf-8"
    )
    (tmp_path / "long.txt").write_text("THE PRESIDENT:  " + "word " * 5001 + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("parse_health", str(tmp_path), stdout=out)
    report = out.getvalue()
    assert "3 files: 2 with speaker turns" in report
    assert "Words lost: 0 in 0 files." in report
    assert "statement.txt: no line opens with anything like a speaker label" in report
    assert "Turns over 5,000 words: 1." in report
    assert "CAPITALS:" in report and "senior state department official" in report


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus (../shared/corpus) is absent")
def test_real_briefings_from_the_corpus_resolve_their_regular_speakers(db, tmp_path):
    """Three real transcripts from the shared corpus, read from its archive without unpacking
    it all: their speakers are people with full names and roles."""
    import json
    import tarfile

    wanted = {
        "state/2022/2022-02-01-department-press-briefing-february-1-2022.txt",
        "whitehouse/2022/2022-01-20-press-briefing-by-press-secretary-jen-psaki-january-20-2022.txt",
    }
    entries = {}
    for line in (CORPUS / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["file"] in wanted:
            entries[entry["file"]] = entry
    with tarfile.open(CORPUS / "transcripts.tar.xz") as archive:
        for member in archive:
            if member.name in entries:
                text = archive.extractfile(member).read().decode("utf-8")
                fields = entries[member.name]
                ingest(
                    text,
                    MeetingInfo(
                        title=fields["title"],
                        date=dt.date.fromisoformat(fields["date"]),
                        kind="briefing",
                        publisher=fields["source"],
                    ),
                )
    names = set(Speaker.objects.filter(utterances__isnull=False).values_list("name", flat=True))
    assert {"Ned Price", "Jen Psaki"} <= names
    assert not Utterance.objects.filter(
        speaker_label__in=["Q", "QUESTION"], speaker__isnull=False
    ).exists()
