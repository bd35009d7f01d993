import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from statements.ingest import MeetingInfo, ingest
from statements.models import SearchOutbox, Seeding, Tagging, Topic, TopicOverride, Utterance
from statements.seed import OLD_TOPICS, seed, themes
from statements.topics import RuleError, Rules, Theme, parse_term, retag, words

FILLER = " ".join(["We discussed many subjects with our partners today."] * 20)  # 160 words


def rules(*terms: str, exclude: tuple[str, ...] = (), min_mentions: int = 2) -> Rules:
    return Rules(
        [
            Theme(
                1,
                "test",
                min_mentions,
                tuple(parse_term(t) for t in terms),
                tuple(parse_term(t) for t in exclude),
            )
        ]
    )


def found(engine: Rules, text: str, day: dt.date | None = None):
    """(terms matched, mentions) of the one theme, or None."""
    matches = engine.match(text, day)
    return (matches[0].matched, matches[0].mentions) if matches else None


# The engine, without the database.


def test_a_phrase_matches_only_its_words_together_and_in_order():
    engine = rules("supply chains")
    assert found(engine, "Our supply chains are resilient.") == (("supply chains",), 1)
    assert found(engine, "We supply what the chains need.") is None
    assert found(engine, "Chains of supply.") is None


def test_a_phrase_counts_once_each_time_it_occurs():
    engine = rules("rule of law", "law")
    text = "The rule of law matters; the rule of law is not a slogan."
    assert found(engine, text) == (("rule of law",), 2)


def test_a_word_matches_itself_not_its_stem_or_a_longer_word():
    engine = rules("arms", "unions")
    assert found(engine, "The armed forces and the European Union.") is None
    assert found(engine, "Trade unions and arms sales.") == (("arms", "unions"), 2)


def test_a_declared_prefix_matches_the_words_it_begins():
    engine = rules("sanction*")
    assert found(engine, "They sanctioned banks; more sanctions come.") == (("sanction*",), 2)
    assert found(engine, "Sanctuary cities.") is None


def test_an_exclusion_masks_only_the_matches_it_overlaps():
    engine = rules("weapons", exclude=("nuclear weapons",))
    assert found(engine, "Nuclear weapons are a threat.") is None
    text = "Nuclear weapons are a different matter from the weapons we seize."
    assert found(engine, text) == (("weapons",), 1)


def test_overlapping_terms_count_the_longer_once():
    engine = rules("weapons", "chemical weapons")
    assert found(engine, "Chemical weapons were used.") == (("chemical weapons",), 1)


def test_accents_case_and_possessives_are_folded():
    assert words("Perú’s MINISTRY, Iran's co-operation") == [
        "peru",
        "ministry",
        "iran",
        "co",
        "operation",
    ]
    engine = rules("peru", "counter terrorism")
    assert found(engine, "PERÚ and counter-terrorism.") == (("counter terrorism", "peru"), 2)


def test_a_term_limited_in_time_applies_only_to_its_days():
    engine = rules("ukraine @2022-02-24..", "crimea @..2014-12-31")
    text = "Ukraine and Crimea."
    assert found(engine, text, dt.date(2022, 3, 1)) == (("ukraine",), 1)
    assert found(engine, text, dt.date(2014, 3, 1)) == (("crimea",), 1)
    assert found(engine, text, dt.date(2021, 3, 1)) is None


def test_a_long_turn_must_come_back_to_a_theme():
    engine = rules("fentanyl")
    assert found(engine, f"{FILLER} Fentanyl is one of them.") is None
    assert found(engine, f"{FILLER} Fentanyl kills. We seized fentanyl.") == (("fentanyl",), 2)
    assert found(engine, "Fentanyl kills.") == (("fentanyl",), 1)


@pytest.mark.parametrize(
    "written", ["", "*", "ab*", "word @2022-13-01..", "word @2023-01-01..2022-01-01", "a @ b"]
)
def test_a_term_that_cannot_be_read_says_why(written):
    with pytest.raises(RuleError):
        parse_term(written)


def test_the_shipped_rules_name_themes_and_can_be_read():
    shipped = themes()
    assert len(shipped) == 35
    for theme in shipped:
        assert theme["terms"], theme["slug"]
        for term in [*theme["terms"], *theme.get("exclude", [])]:
            parse_term(term)


# In the archive.


def topics_of(utterance: Utterance) -> set[str]:
    return set(utterance.taggings.values_list("topic__slug", flat=True))


def transcript(*turns: str, date=dt.date(2024, 3, 1)) -> list[Utterance]:
    text = "\n\n".join(f"SECRETARY BLINKEN:  {turn}" for turn in turns)
    meeting = ingest(text, MeetingInfo(date=date, title="Remarks")).meeting
    return list(meeting.utterances.order_by("sequence"))


@pytest.fixture
def theme(db):
    return Topic.objects.create(
        name="Test theme",
        slug="test-theme",
        terms=["fentanyl", "precursor chemicals", "pill press*"],
        exclusions=["fentanyl test strips"],
    )


@pytest.mark.django_db
def test_utterances_are_tagged_on_ingest_and_say_why(theme):
    (short,) = transcript("Fentanyl and its precursor chemicals arrive through the ports.")
    tagging = short.taggings.get(topic=theme)
    assert (tagging.source, tagging.matched) == ("rule", ["fentanyl", "precursor chemicals"])
    assert tagging.explanation == "Mentions fentanyl, precursor chemicals (2 times)"


@pytest.mark.django_db
def test_manual_corrections_survive_every_retag(theme):
    utterance, other = transcript(
        "Fentanyl precursor chemicals arrive through the ports.", "We spoke about the weather."
    )
    drugs = Topic.objects.get(slug="drugs")
    TopicOverride.objects.create(utterance=utterance, topic=theme, applies=False)
    TopicOverride.objects.create(utterance=other, topic=theme, applies=True)
    for _ in range(2):
        retag()
        assert "test-theme" not in topics_of(utterance)
        assert "test-theme" in topics_of(other)
        assert other.taggings.get(topic=theme).explanation == "Added by an editor"
    retag(topic=drugs)
    retag(meetings=[utterance.meeting_id])
    retag(utterance_ids=[other.pk], topic=theme)
    assert "test-theme" in topics_of(other) and "test-theme" not in topics_of(utterance)


@pytest.mark.django_db
def test_a_retag_writes_only_what_changed_and_the_index_hears_of_it(theme):
    first, second = transcript("Fentanyl kills.", "Pill presses make it.")
    retag()
    SearchOutbox.objects.all().delete()
    before = Tagging.objects.get(utterance=first, topic=theme).pk
    theme.terms = ["fentanyl"]
    theme.save()
    retag(topic=theme)
    assert Tagging.objects.get(utterance=first, topic=theme).pk == before  # left alone
    assert not Tagging.objects.filter(utterance=second, topic=theme).exists()
    assert set(SearchOutbox.objects.values_list("utterance_id", flat=True)) == {second.pk}


@pytest.mark.django_db
def test_a_failed_retag_leaves_the_old_taggings(theme, monkeypatch):
    (utterance,) = transcript("Fentanyl kills.")
    from statements import topics

    def broken(*args, **kwargs):
        raise RuntimeError("the chunk failed")

    theme.terms = ["weather"]
    theme.save()
    monkeypatch.setattr(topics, "taggings_for", broken)
    with pytest.raises(RuntimeError):
        retag()
    assert "test-theme" in topics_of(utterance)


@pytest.mark.django_db
def test_retag_reads_the_archive_a_chunk_at_a_time(theme, monkeypatch):
    from statements import topics

    monkeypatch.setattr(topics, "CHUNK", 2)
    turns = transcript(*[f"Turn {n} on fentanyl." for n in range(5)], "The weather.")
    out = io.StringIO()
    call_command("retag", stdout=out)
    assert all("test-theme" in topics_of(turn) for turn in turns[:5])
    assert "test-theme" not in topics_of(turns[5])
    assert re.search(r"\d+ taggings in [\d.]+ s: 6 utterances", out.getvalue())


@pytest.mark.django_db
def test_seeding_moves_an_archive_from_the_old_topics_to_the_themes():
    old = Topic.objects.create(name="Haiti", slug="haiti", terms=["haiti"])
    mine = Topic.objects.create(name="Mine", slug="mine", terms=["weather"])
    (utterance,) = transcript("Haiti and the weather, and vaccines for COVID-19.")
    TopicOverride.objects.create(utterance=utterance, topic=old, applies=True)
    Seeding.objects.filter(name="themes").delete()
    Topic.objects.filter(slug__in=[t["slug"] for t in themes()]).delete()
    notes: list[str] = []
    assert seed(notes) == ["themes"]
    assert "haiti" in OLD_TOPICS and not Topic.objects.filter(slug="haiti").exists()
    assert Topic.objects.filter(pk=mine.pk).exists()  # an admin's own topic stays
    assert notes[0] == (
        "Removed 1 old topics with their taggings, and 1 editors' corrections of them."
    )
    assert "health-and-pandemics" in topics_of(utterance)
    assert Topic.objects.count() == 36


@pytest.mark.django_db
def test_the_topic_page_shows_the_theme_description(client, archive):
    topic = Topic.objects.get(slug="drugs")
    page = client.get("/topics/drugs/").content.decode()
    assert topic.description.split("(")[0].strip() in page


@pytest.mark.django_db
def test_the_topic_facet_counts_each_theme(client, archive):
    data = client.get("/api/search?q=fentanyl").json()
    counts = {value["label"]: value["count"] for value in data["facets"]["topic"]}
    utterances = Utterance.objects.filter(search_vector__isnull=False, text__icontains="fentanyl")
    assert counts["Drugs"] == utterances.filter(taggings__topic__slug="drugs").count() > 10
    slug = "organised-crime-and-law-enforcement"
    narrowed = client.get(f"/api/search?q=fentanyl&topic={slug}").json()
    assert narrowed["total"] == counts["Organised crime and law enforcement"]
    narrowed_counts = {value["label"]: value["count"] for value in narrowed["facets"]["topic"]}
    assert narrowed_counts["Drugs"] == counts["Drugs"]  # its own facet ignores it


@pytest.mark.django_db
def test_a_topic_page_counts_its_utterances_and_meetings_exactly(client, archive):
    tagged = Utterance.objects.filter(taggings__topic__slug="drugs")
    page = client.get("/topics/drugs/").content.decode()
    assert f"<strong>{tagged.count()}</strong> utterances on this topic" in page
    assert "Meetings where it comes up most" in page and "?topic=drugs" in page
    listed = re.findall(r"meeting=([\w-]+)&amp;sort=oldest\">(\d+) of (\d+) turns", page)
    assert listed
    for slug, on_topic, turns in listed:
        meeting = Utterance.objects.filter(meeting__slug=slug)
        assert int(turns) == meeting.count()
        assert int(on_topic) == meeting.filter(taggings__topic__slug="drugs").count()


@pytest.mark.django_db
def test_readers_see_why_a_turn_is_tagged(client, archive):
    meeting = Utterance.objects.filter(taggings__isnull=False).first().meeting
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert 'title="Mentions ' in page


CORPUS = Path(settings.SHARED_CORPUS)


@pytest.mark.skipif(
    not (CORPUS / "transcripts.tar.xz").is_file(),
    reason="the shared corpus (../shared/corpus/transcripts.tar.xz) is absent",
)
def test_evaluate_topics_reports_each_half_on_labelled_corpus_turns(tmp_path):
    labels = Path(settings.BASE_DIR) / "tests" / "fixtures" / "topics" / "labels.jsonl"
    some = tmp_path / "labels.jsonl"
    dev = [line for line in labels.read_text().splitlines() if '"split": "dev"' in line]
    some.write_text("\n".join(dev[:6]) + "\n")
    out = io.StringIO()
    call_command("evaluate_topics", labels=some, split="dev", no_coverage=True, stdout=out)
    report = out.getvalue()
    assert "== dev half: the rules were tuned on these turns (" in report
    assert re.search(r"^Themes: precision [\d.]+, recall [\d.]+, F1 [\d.]+", report, re.M)
    assert re.search(r"^Places: precision [\d.]+, recall [\d.]+", report, re.M)


@pytest.mark.skipif(
    not (CORPUS / "transcripts.tar.xz").is_file(),
    reason="the shared corpus (../shared/corpus/transcripts.tar.xz) is absent",
)
def test_evaluate_topics_reports_the_final_set_apart(tmp_path):
    labels = Path(settings.BASE_DIR) / "tests" / "fixtures" / "topics" / "labels.jsonl"
    some = tmp_path / "labels.jsonl"
    lines = labels.read_text().splitlines()
    picked = [
        next(line for line in lines if f'"split": "{split}"' in line)
        for split in ("dev", "heldout", "final")
    ]
    some.write_text("\n".join(picked) + "\n")
    out = io.StringIO()
    call_command("evaluate_topics", labels=some, no_coverage=True, stdout=out)
    report = out.getvalue()
    assert report.count("== ") == 3
    assert "== final set: never looked at while tuning" in report
    out = io.StringIO()
    call_command("evaluate_topics", labels=some, split="both", no_coverage=True, stdout=out)
    assert out.getvalue().count("== ") == 2
    assert "== final set" not in out.getvalue()


def test_evaluate_topics_skips_without_the_corpus(settings, tmp_path):
    settings.SHARED_CORPUS = tmp_path
    out = io.StringIO()
    call_command("evaluate_topics", stdout=out)
    assert out.getvalue().startswith("Skipped: no shared corpus at")


@pytest.mark.django_db
def test_coverage_counts_the_archive_turns_of_forty_words_with_a_theme(tmp_path, settings):
    transcript(" ".join(["Vaccines against COVID-19 and the pandemic."] * 8), "Thanks.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM statements_utterance WHERE word_count >= 40")
        (long_turns,) = cursor.fetchone()
    from statements.management.commands.evaluate_topics import Command

    out = io.StringIO()
    Command(stdout=out).coverage()
    assert f"of the archive's {long_turns:,} turns of 40 words" in out.getvalue()


@pytest.mark.django_db
def test_the_admin_refuses_a_term_it_cannot_read_and_retags_on_save(client, theme):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("editor", password="long-enough-passphrase", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="statements"))
    client.force_login(user)
    (utterance,) = transcript("The weather and fentanyl.")
    url = f"/admin/statements/topic/{theme.pk}/change/"
    form = {
        "name": theme.name,
        "slug": theme.slug,
        "description": "",
        "terms": "weather\nsanction* @2024-13-01..",
        "exclusions": "",
        "min_mentions": 2,
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "2024-13-01 is not a date (YYYY-MM-DD)" in response.content.decode()
    response = client.post(url, {**form, "terms": "weather @2024-01-01.."})
    assert response.status_code == 302
    assert utterance.taggings.get(topic=theme).matched == ["weather"]
