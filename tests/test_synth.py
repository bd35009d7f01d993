import io
import statistics

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from statements import parser
from statements.ingest import MeetingInfo, ingest
from statements.management.commands import synth
from statements.models import Meeting, Speaker, Tagging, Utterance
from statements.topics import retag

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    return synth.synthesize(3_000, seed=7, text="samples")


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename IN ('statements_utterance', 'statements_tagging')"
        )
        return {name for (name,) in cursor.fetchall()}


def rows_of(meeting: Meeting) -> list[tuple]:
    return [
        (
            u.sequence,
            u.speaker_label,
            u.speaker_id,
            u.kind,
            u.text,
            u.word_count,
            u.via_interpreter,
            sorted(u.taggings.values_list("topic_id", "matched", "mentions")),
        )
        for u in meeting.utterances.order_by("sequence")
    ]


def test_it_adds_the_utterances_asked_for_in_meetings_with_speakers(archive):
    assert archive.utterances == Utterance.objects.count() == 3_000
    assert archive.meetings == Meeting.objects.count() > 50
    assert Speaker.objects.filter(aliases__isnull=False).distinct().count() > 30
    assert archive.taggings == Tagging.objects.count() > 1_000


def test_turns_have_a_median_near_60_words_and_one_in_ten_over_250(archive):
    counts = list(Utterance.objects.values_list("word_count", flat=True))
    assert 50 <= statistics.median(counts) <= 70
    assert 0.06 <= sum(count > 250 for count in counts) / len(counts) <= 0.14


def test_the_busiest_speaker_has_about_a_twelfth_of_the_turns(archive):
    busiest = (
        Utterance.objects.exclude(speaker=None)
        .values("speaker")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    shares = [row["n"] / 3_000 for row in busiest]
    assert 0.05 <= shares[0] <= 0.12
    assert shares[0] > 5 * statistics.median(shares)


def test_meetings_span_25_years_with_unique_slugs_and_content_hashes(archive):
    meetings = Meeting.objects.all()
    years = {meeting.date.year for meeting in meetings}
    assert min(years) >= 2000 and max(years) <= 2024 and len(years) >= 20
    assert (
        len({m.slug for m in meetings}) == len({m.content_hash for m in meetings}) == len(meetings)
    )
    assert set(meetings.values_list("kind", flat=True)) == set(Meeting.Kind.values)


def test_a_meeting_s_raw_text_parses_back_into_its_utterances(archive):
    for meeting in Meeting.objects.order_by("id")[:40]:
        transcript = parser.parse(meeting.raw_text)
        parsed = [
            (turn.label, turn.text, turn.word_count, turn.via_interpreter)
            for turn in transcript.turns
        ]
        stored = [
            (u.speaker_label, u.text, u.word_count, u.via_interpreter)
            for u in meeting.utterances.order_by("sequence")
        ]
        assert parsed == stored
        assert transcript.header == meeting.header and transcript.trailer == ""


def test_ingest_makes_the_same_rows_from_a_synthetic_transcript(archive):
    meetings = [
        *Meeting.objects.filter(kind="interview")[:2],
        *Meeting.objects.exclude(kind="interview").order_by("id")[:6],
    ]
    for meeting in meetings:
        before = rows_of(meeting)
        fields = {f: getattr(meeting, f) for f in ("title", "slug", "date", "kind", "location")}
        info = MeetingInfo(
            title=meeting.title,
            date=meeting.date,
            kind=meeting.kind,
            location=meeting.location,
            series=meeting.series,
        )
        raw_text, header = meeting.raw_text, meeting.header
        meeting.delete()
        result = ingest(raw_text, info)
        again = result.meeting
        assert result.created and result.new_speakers == []
        assert {f: getattr(again, f) for f in fields} == fields
        assert (again.header, again.trailer) == (header, "")
        # Sequences and ids of the utterances are new; everything else is as synth wrote it.
        assert rows_of(again) == before


def taggings() -> list[tuple]:
    return sorted(Tagging.objects.values_list("utterance_id", "topic_id", "matched", "mentions"))


def test_topics_are_tagged_as_retag_tags_them(archive):
    tagged = taggings()
    retag()
    assert taggings() == tagged


def test_a_large_load_rebuilds_every_index_and_a_failed_one_leaves_them_all(monkeypatch):
    before = index_names()
    assert {"utterance_date", "utterance_unique_position", "tagging_unique_pair"} <= before
    report = synth.synthesize(300, seed=1, text="samples")
    assert set(report.rebuilt) >= {"utterance_date", "utterance_unique_position"}
    assert index_names() == before

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(synth.Synthesizer, "write", broken)
    with pytest.raises(RuntimeError):
        synth.synthesize(2_000, seed=2, text="samples")
    assert index_names() == before
    assert Utterance.objects.count() == 300


def test_a_small_batch_into_a_large_archive_keeps_the_indexes_and_tags_only_itself(archive):
    last = Utterance.objects.order_by("-id").values_list("id", flat=True).first()
    tagged_before = Tagging.objects.count()
    report = synth.synthesize(200, seed=8, text="samples")
    assert report.rebuilt == []
    assert Utterance.objects.count() == 3_200
    new_taggings = Tagging.objects.filter(utterance_id__gt=last).count()
    assert new_taggings == report.taggings > 0
    assert Tagging.objects.count() == tagged_before + new_taggings


def test_the_command_reports_its_rate(db):
    out = io.StringIO()
    call_command("synth", "--utterances", "400", stdout=out)
    assert "400 utterances in" in out.getvalue()
    assert "utterances/s" in out.getvalue()


@pytest.mark.skipif(
    not synth.CORPUS_ARCHIVE.is_file(), reason="the shared corpus (../shared/corpus) is absent"
)
def test_with_the_corpus_beside_it_the_text_is_learned_from_real_briefings(db):
    """The samples are five U.S.-Mexico meetings; the corpus is thousands of White House and
    State Department briefings, whose words the synthetic turns then use."""
    synth.synthesize(400, seed=3, text="corpus")
    words = " ".join(Utterance.objects.values_list("text", flat=True)).lower()
    assert any(word in words for word in ("president", "administration", "congress"))
    samples_only = synth.Chain.from_samples()
    corpus_words = {t.lower().strip(".,;:?!") for t in words.split()}
    sample_words = {t.lower().strip(".,;:?!") for t in samples_only.tokens}
    assert len(corpus_words - sample_words) > 200  # words the samples never say
