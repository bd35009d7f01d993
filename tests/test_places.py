import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from statements import place_tags
from statements.ingest import MeetingInfo, ingest
from statements.models import Place, PlaceOverride, PlaceTagging, Utterance
from statements.places import gazetteer


def about(text: str) -> list[str]:
    return [place.slug for place in gazetteer().about(text)]


@pytest.mark.parametrize(
    ("text", "places"),
    [
        # Ambiguous forms: a U.S. state, first names, a longer name, a bird, a council.
        ("The Governor of New Mexico met Mexico's ambassador.", ["mexico"]),
        ("Georgia voted for the bill; Jordan and Chad asked a question.", []),
        (
            "Papua New Guinea, Guinea-Bissau and Equatorial Guinea",
            ["papua-new-guinea", "guinea-bissau", "equatorial-guinea"],
        ),  # noqa: E501
        ("Thank you to the National Turkey Federation.", []),
        ("The National Security Council met.", []),
        ("The Security Council met.", ["united-nations"]),
        ("Chinese Taipei competes at the Games.", ["taiwan"]),
        ("We rejoined the Paris Agreement.", []),
        # The two Koreas and the two Congos are places of their own.
        ("North Korea fired at South Korea.", ["north-korea", "south-korea"]),
        ("Pyongyang threatened Seoul's allies.", ["north-korea", "south-korea"]),
        ("DRC troops and the Republic of the Congo", ["dr-congo", "congo-republic"]),
        ("Congolese refugees", []),
        # Accents folded, either spelling.
        ("Türkiye, Turkiye and Turkey", ["turkiye"]),
        ("Côte d'Ivoire and Cote d'Ivoire", ["cote-divoire"]),
        # Demonyms, singular and plural.
        ("a Mexican official and two Israelis", ["mexico", "israel"]),
        ("Americans want this", ["united-states"]),
        ("Asian Americans and African-American voters", []),
        ("(Speaks French.)", []),
        # Seats stand for governments, not for venues or treaties.
        ("The Kremlin denied it; Beijing agreed.", ["russia", "china"]),
        ("I traveled to Moscow and met in Beijing.", []),
        ("the Minsk agreements and the Ottawa Convention", []),
        ("Washington and Tehran", ["united-states", "iran"]),
        ("the White House said", []),
        # Both of a hyphenated pair; regions and organisations.
        ("U.S.-China talks", ["united-states", "china"]),
        (
            "the Sahel, the Indo-Pacific and the Western Balkans",
            ["sahel", "indo-pacific", "western-balkans"],
        ),  # noqa: E501
        (
            "NATO, the EU, ASEAN, the OAS, the AU, the G7, the G20 and the Quad",
            [
                "nato",
                "european-union",
                "asean",
                "organization-of-american-states",
                "african-union",
                "g7",
                "g20",
                "quad",
            ],
        ),  # noqa: E501
        ("Latin America, not America", ["latin-america", "united-states"]),
        ("let us see", []),
        # A news outlet's name is not a place.
        ("Joey Garrison of USA Today, and Agence France-Presse", []),
    ],
)
def test_the_gazetteer_finds_the_places_a_text_is_about(text, places):
    assert about(text) == places


def transcript(*turns: str, day: int = 1) -> list[Utterance]:
    text = "\n\n".join(f"SECRETARY BLINKEN:  {turn}" for turn in turns)
    info = MeetingInfo(date=dt.date(2024, 3, day), title=f"Remarks {day}")
    meeting = ingest(text, info).meeting
    return list(meeting.utterances.order_by("sequence"))


def places_of(utterance: Utterance) -> set[str]:
    return set(utterance.place_taggings.values_list("place__slug", flat=True))


@pytest.mark.django_db
def test_utterances_are_tagged_with_places_on_ingest_and_say_why():
    (turn,) = transcript("North Korea's missiles worry South Koreans. Pyongyang must stop.")
    assert places_of(turn) == {"north-korea", "south-korea"}
    north = turn.place_taggings.get(place__slug="north-korea")
    assert (north.source, north.matched, north.mentions) == (
        "rule",
        ["North Korea", "Pyongyang"],
        2,
    )
    assert north.explanation == "Names it as North Korea, Pyongyang (2 times)"
    assert Place.objects.get(slug="south-korea").code == "KR"


@pytest.mark.django_db
def test_corrections_survive_every_retag_and_an_unchanged_retag_writes_nothing():
    turn, other = transcript("Mexico and Canada signed.", "We spoke about the weather.")
    canada, chile = Place.objects.get(slug="canada"), Place.objects.get(slug="chile")
    PlaceOverride.objects.create(utterance=turn, place=canada, applies=False)
    PlaceOverride.objects.create(utterance=other, place=chile, applies=True)
    for scope in ({}, {"meetings": [turn.meeting_id]}, {"utterance_ids": [other.pk]}, {}):
        place_tags.retag(**scope)
        assert places_of(turn) == {"mexico"}
        assert places_of(other) == {"chile"}
        assert other.place_taggings.get().explanation == "Added by an editor"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM statements_searchoutbox")
    assert place_tags.retag() == 0  # nothing changed: nothing written
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM statements_searchoutbox")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_a_retag_puts_only_the_changed_utterances_in_the_search_outbox():
    turn, other = transcript("Mexico and Canada signed.", "Chile agreed.")
    PlaceTagging.objects.filter(utterance=turn).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM statements_searchoutbox")
    assert place_tags.retag() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT utterance_id FROM statements_searchoutbox")
        assert [row[0] for row in cursor.fetchall()] == [turn.pk]


@pytest.fixture
def places_archive(db):
    transcript("Mexico and the United States agreed.", "Mexico again.", "Nothing here.", day=1)
    transcript("North Korea and South Korea.", "Mexico.", day=2)


@pytest.mark.django_db
def test_the_place_filter_and_facet_count_exactly(client, places_archive):
    data = client.get("/api/search?facets=place").json()
    counts = {value["value"]: value["count"] for value in data["facets"]["place"]}
    assert counts == {"mexico": 3, "united-states": 1, "north-korea": 1, "south-korea": 1}
    narrowed = client.get("/api/search?place=north-korea").json()
    assert narrowed["total"] == 1
    assert [p["slug"] for p in narrowed["results"][0]["places"]] == ["north-korea", "south-korea"]
    both = client.get("/api/search?place=mexico&place=north-korea").json()
    assert both["total"] == 4


@pytest.mark.django_db
def test_a_place_search_shows_its_facet_and_chips(client, places_archive):
    page = client.get("/?place=mexico").content.decode()
    assert "Utterances about Mexico" in page
    assert 'aria-label="Places"' in page and 'href="/places/united-states/"' in page


@pytest.mark.parametrize("value", ["atlantis", "", "%00", "mexico'--", "x" * 300])
@pytest.mark.django_db
def test_a_bad_place_is_a_400_as_a_bad_topic_is_never_a_500(client, places_archive, value):
    assert client.get("/", {"place": value}).status_code == 400
    assert client.get("/", {"topic": value}).status_code == 400
    api = client.get("/api/search", {"place": value})
    assert api.status_code == 400 and "place" in api.json()["fields"]


@pytest.mark.django_db
def test_the_api_lists_places_with_their_counts(client, places_archive):
    data = client.get("/api/places").json()
    mexico = next(p for p in data["results"] if p["slug"] == "mexico")
    assert (mexico["turns"], mexico["kind"], mexico["code"]) == (3, "country", "MX")
    assert client.get("/api/places/nato").json()["kind"] == "organisation"
    assert client.get("/api/places/atlantis").status_code == 404


@pytest.mark.django_db
def test_the_export_has_a_places_column(client, places_archive):
    response = client.get("/api/search?format=csv&sort=oldest")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert [row["places"] for row in rows][:3] == ["Mexico; United States", "Mexico", ""]


@pytest.mark.django_db
def test_place_pages_render_and_a_bad_slug_is_a_404(client, places_archive):
    page = client.get("/places/mexico/").content.decode()
    assert "<strong>3</strong> utterances about Mexico" in page
    assert "Antony J. Blinken" in page and "Meetings where it comes up most" in page
    listing = client.get("/places/").content.decode()
    assert 'href="/places/north-korea/"' in listing and "Organisations" in listing
    assert client.get("/places/atlantis/").status_code == 404
    turn = Utterance.objects.filter(place_taggings__place__slug="mexico").first()
    transcript_page = client.get(turn.meeting.get_absolute_url()).content.decode()
    assert 'title="Names it as Mexico (once)"' in transcript_page


@pytest.mark.django_db
def test_a_corrected_transcript_keeps_the_place_corrections_that_still_fit():
    turn, other = transcript("Mexico and Canada signed.", "We spoke about the weather.")
    meeting = turn.meeting
    PlaceOverride.objects.create(
        utterance=turn, place=Place.objects.get(slug="canada"), applies=False
    )
    corrected = "SECRETARY BLINKEN:  Mexico and Canada signed.\n\nSECRETARY BLINKEN:  Goodbye."
    info = MeetingInfo(date=meeting.date, title=meeting.title)
    result = ingest(corrected, info, replacing=meeting)
    assert result.corrections_kept == 1
    first = meeting.utterances.get(sequence=1)
    assert places_of(first) == {"mexico"}
    assert first.place_overrides.get().applies is False


@pytest.mark.django_db
def test_an_editor_removes_a_place_from_one_utterance_in_the_admin(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="x" * 20, is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="statements"))
    client.force_login(editor)
    (turn,) = transcript("Mexico and Canada signed.")
    url = f"/admin/statements/utterance/{turn.pk}/change/"
    assert "Names it as Canada (once)" in client.get(url).content.decode()
    form = {
        "speaker": turn.speaker_id,
        "kind": turn.kind,
        **{
            f"{prefix}-{n}_FORMS": "0"
            for prefix in ("taggings", "overrides", "place_taggings")
            for n in ("TOTAL", "INITIAL")
        },  # noqa: E501
        "place_overrides-TOTAL_FORMS": "1",
        "place_overrides-INITIAL_FORMS": "0",
        "place_overrides-0-place": Place.objects.get(slug="canada").pk,
        "place_overrides-0-applies": "",
        "place_overrides-0-note": "a passing mention",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert places_of(turn) == {"mexico"}
    assert turn.place_overrides.get().created_by == editor
    place_tags.retag()
    assert places_of(turn) == {"mexico"}


@pytest.mark.django_db
def test_a_meeting_page_lists_the_places_its_turns_speak_of(client, places_archive):
    meeting = Utterance.objects.get(text="Mexico again.").meeting
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f'?place=mexico&amp;meeting={meeting.slug}">Mexico <span class="n">2</span>' in page
    assert f'?place=united-states&amp;meeting={meeting.slug}">United States' in page


@pytest.mark.django_db
def test_the_place_facet_opens_whole(client, places_archive):
    page = client.get("/search/facets/place/?place=mexico").content.decode()
    assert 'value="north-korea"' in page and 'value="mexico"' in page


@pytest.mark.django_db
def test_seeding_the_places_into_an_archive_that_has_utterances_tags_them():
    from statements.models import Seeding
    from statements.seed import seed

    ingest(
        "SECRETARY BLINKEN: We spoke with Mexico and South Korea today.\n",
        MeetingInfo(title="Remarks", date=dt.date(2024, 5, 1)),
    )
    # An archive from before places: no Place rows, no taggings, the data set not yet seeded.
    Seeding.objects.filter(name="places").delete()
    Place.objects.all().delete()
    assert not PlaceTagging.objects.exists()
    notes: list[str] = []
    assert seed(notes) == ["places"]
    tagged = set(PlaceTagging.objects.values_list("place__slug", flat=True))
    assert tagged == {"mexico", "south-korea"}
    assert notes == ["Tagged the archive with its places: 2 taggings."]
