import datetime as dt
import io
import re

import pytest
from django.core.management import call_command

from statements.ingest import MeetingInfo, ingest
from statements.models import Tagging, Topic, TopicOverride, Utterance
from statements.topics import retag

pytestmark = pytest.mark.django_db

FILLER = " ".join(["We discussed many subjects with our partners today."] * 20)  # 160 words


def topics_of(utterance: Utterance) -> set[str]:
    return set(utterance.taggings.values_list("topic__name", flat=True))


def transcript(*turns: str) -> list[Utterance]:
    text = "\n\n".join(f"SECRETARY BLINKEN:  {turn}" for turn in turns)
    meeting = ingest(text, MeetingInfo(date=dt.date(2024, 3, 1), title="Remarks")).meeting
    return list(meeting.utterances.order_by("sequence"))


def test_utterances_are_tagged_on_ingest_and_say_why():
    (short,) = transcript("Fentanyl precursors arrive through the ports.")
    assert topics_of(short) == {"Fentanyl and synthetic drugs"}
    tagging = short.taggings.get()
    assert (tagging.source, tagging.matched) == ("rule", ["fentanyl", "precursor"])
    assert tagging.explanation == "Mentions fentanyl, precursor (2 times)"


def test_a_passing_mention_in_a_long_turn_is_not_a_topic():
    passing, substantive = transcript(
        f"{FILLER} Fentanyl is one of them.",
        f"{FILLER} Fentanyl kills. We seized fentanyl and the pill presses that make it.",
    )
    assert "Fentanyl and synthetic drugs" not in topics_of(passing)
    assert "Fentanyl and synthetic drugs" in topics_of(substantive)


def test_terms_are_phrases_matched_in_all_their_forms():
    phrase, scattered, stemmed = transcript(
        "Our supply chains are resilient.",
        "We supply what the chains need.",
        "Corruption and corrupt officials undermine the rule of law.",
    )
    assert "Trade and supply chains" in topics_of(phrase)
    assert "Trade and supply chains" not in topics_of(scattered)
    assert "Corruption and rule of law" in topics_of(stemmed)


def test_an_exclusion_keeps_a_topic_off():
    (excluded,) = transcript("Nuclear weapons are a different matter from the weapons we seize.")
    assert "Arms trafficking" not in topics_of(excluded)


def test_manual_corrections_survive_every_retag():
    utterance, other = transcript(
        "Fentanyl precursors arrive through the ports.", "We spoke about the weather."
    )
    fentanyl = Topic.objects.get(slug="fentanyl-and-synthetic-drugs")
    haiti = Topic.objects.get(slug="haiti")
    TopicOverride.objects.create(utterance=utterance, topic=fentanyl, applies=False)
    TopicOverride.objects.create(utterance=other, topic=haiti, applies=True)
    for _ in range(2):
        retag()
        assert "Fentanyl and synthetic drugs" not in topics_of(utterance)
        assert topics_of(other) == {"Haiti"}
        assert other.taggings.get().explanation == "Added by an editor"
    retag(topic=haiti)
    retag(meetings=[utterance.meeting_id])
    assert topics_of(other) == {"Haiti"} and not topics_of(utterance)


def test_retag_applies_changed_rules(archive):
    haiti = Topic.objects.get(slug="haiti")
    before = Tagging.objects.filter(topic=haiti).count()
    haiti.terms = [*haiti.terms, "cholera"]
    haiti.save()
    out = io.StringIO()
    call_command("retag", stdout=out)
    assert Tagging.objects.filter(topic=haiti).count() > before
    assert "taggings in" in out.getvalue()


def test_the_topic_facet_counts_each_topic(client, archive):
    data = client.get("/api/search?q=fentanyl").json()
    counts = {value["label"]: value["count"] for value in data["facets"]["topic"]}
    assert counts["Fentanyl and synthetic drugs"] == 28
    assert counts["Organized crime and security cooperation"] == 29
    narrowed = client.get("/api/search?q=fentanyl&topic=arms-trafficking").json()
    assert narrowed["total"] == counts["Arms trafficking"] == 17
    narrowed_counts = {value["label"]: value["count"] for value in narrowed["facets"]["topic"]}
    assert narrowed_counts["Fentanyl and synthetic drugs"] == 28  # its own facet ignores it


def test_the_rules_meet_the_quality_bar_on_the_hand_labels(archive):
    out = io.StringIO()
    call_command("evaluate_topics", stdout=out)
    overall = out.getvalue().splitlines()[-2].split()
    precision, recall = float(overall[-2]), float(overall[-1])
    assert "144 hand-labelled utterances." in out.getvalue()
    assert precision >= 0.84 and recall >= 0.78, out.getvalue()


def test_the_topic_page_shows_its_chart_speakers_and_meetings(client, archive):
    page = client.get("/topics/fentanyl-and-synthetic-drugs/").content.decode()
    assert "<strong>38</strong> utterances on this topic" in page
    assert 'aria-label="2023: 26 utterances"' in page
    assert "Antony J. Blinken" in page and "Meetings where it comes up most" in page
    shares = re.findall(r"(\d+) of (\d+) turns</a> \((\d+)%\)", page)
    assert shares and all(int(a) <= int(b) for a, b, _ in shares)
    assert sum(int(a) for a, _, _ in shares) == 38  # the sample's few meetings are all listed
    assert "?topic=fentanyl-and-synthetic-drugs" in page


def test_a_topic_page_counts_its_utterances_and_meetings_exactly(client, archive):
    page = client.get("/topics/fentanyl-and-synthetic-drugs/").content.decode()
    assert "<strong>38</strong> utterances on this topic" in page
    listed = re.findall(r"meeting=([\w-]+)&amp;sort=oldest\">(\d+) of (\d+) turns", page)
    assert listed
    for slug, on_topic, turns in listed:
        meeting = Utterance.objects.filter(meeting__slug=slug)
        assert int(turns) == meeting.count()
        assert (
            int(on_topic)
            == meeting.filter(taggings__topic__slug="fentanyl-and-synthetic-drugs").count()
        )


def test_readers_see_why_a_turn_is_tagged(client, archive):
    meeting = Utterance.objects.filter(taggings__isnull=False).first().meeting
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert 'title="Mentions ' in page
