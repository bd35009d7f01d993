"""The read API under /api/: what a program gets from each endpoint, its refusals, and the
headers that let it be read from anywhere and asked again cheaply."""

import pytest

from statements.models import Meeting, Speaker, Topic, Utterance

pytestmark = pytest.mark.django_db


def get(client, url: str, status: int = 200, **headers) -> dict:
    response = client.get(url, **headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_root_links_to_every_endpoint_the_docs_and_the_feeds(client):
    links = get(client, "/api/")["links"]
    assert set(links) == {
        "meetings",
        "speakers",
        "topics",
        "places",
        "search",
        "utterance",
        "openapi",
        "docs",
        "search_feed",
        "trends",
    }
    assert links["utterance"] == "http://testserver/api/utterances/{id}"
    for name, url in links.items():
        if name != "utterance":
            assert client.get(url).status_code == 200, url


def test_meetings_list_newest_first_with_their_turns_and_pages(client, archive):
    first = get(client, "/api/meetings?page_size=2")
    assert (first["count"], first["pages"], len(first["results"])) == (5, 3, 2)
    dates = [m["date"] for m in first["results"]]
    assert dates == sorted(dates, reverse=True)
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/meetings?page_size=2&page=2"
    last = get(client, first["next"].replace("page=2", "page=3"))
    assert len(last["results"]) == 1 and last["next"] is None
    meeting = Meeting.objects.get(slug=first["results"][0]["slug"])
    assert first["results"][0]["turns"] == meeting.utterances.count()
    interviews = get(client, "/api/meetings?kind=interview")
    assert [m["kind"] for m in interviews["results"]] == ["interview"]


def test_a_meeting_comes_with_all_its_utterances_whole_in_order(client, archive):
    meeting = Meeting.objects.get(kind="interview")
    data = get(client, f"/api/meetings/{meeting.slug}")
    assert data["title"] == meeting.title and data["transcript_kind"] == "official"
    assert [u["sequence"] for u in data["utterances"]] == list(
        meeting.utterances.order_by("sequence").values_list("sequence", flat=True)
    )
    first = meeting.utterances.order_by("sequence").first()
    assert data["utterances"][0]["text"] == first.text
    assert data["utterances"][0]["id"] == first.pk
    assert data["transcript_url"].endswith(f"/meetings/{meeting.slug}/original.txt")


def test_a_speaker_has_kind_aliases_and_dated_roles(client, archive):
    data = get(client, "/api/speakers/antony-j-blinken")
    speaker = Speaker.objects.get(slug="antony-j-blinken")
    assert data["kind"] == "official" and data["country"] == "United States"
    assert data["turns"] == speaker.utterances.count() > 0
    assert {a["label"] for a in data["aliases"]} == set(
        speaker.aliases.values_list("label", flat=True)
    )
    assert data["roles"] and all({"title", "start", "end"} <= set(r) for r in data["roles"])
    assert any(r["title"] == "Secretary of State" for r in data["roles"])
    assert data["feed_url"] == "http://testserver/feeds/speakers/antony-j-blinken.atom"


def test_speakers_filter_by_kind_country_and_part_of_a_name_accents_aside(client, archive):
    found = get(client, "/api/speakers?name=barcena")["results"]
    assert [s["name"] for s in found] == ["Alicia Bárcena Ibarra"]
    mexicans = get(client, "/api/speakers?country=Mexico&kind=official&page_size=500")
    assert mexicans["count"] > 1
    assert {s["country"] for s in mexicans["results"]} == {"Mexico"}


def test_topics_list_every_topic_with_its_count(client, archive):
    data = get(client, "/api/topics")
    assert data["count"] == Topic.objects.count() == len(data["results"])
    arms = next(t for t in data["results"] if t["slug"] == "drugs")
    assert arms["turns"] == Topic.objects.get(slug="drugs").taggings.count() > 0


def test_an_utterance_whole_with_topics_role_that_day_neighbours_and_citation(client, archive):
    utterance = Utterance.objects.filter(speaker__slug="antony-j-blinken", sequence__gt=1).first()
    data = get(client, f"/api/utterances/{utterance.pk}")
    assert data["text"] == utterance.text
    assert data["speaker"]["role"] == utterance.role
    assert {t["slug"] for t in data["topics"]} == set(
        utterance.topics.values_list("slug", flat=True)
    )
    before = Utterance.objects.get(meeting=utterance.meeting, sequence=utterance.sequence - 1)
    assert data["previous"] == f"http://testserver/api/utterances/{before.pk}"
    assert utterance.meeting.title in data["citation"]


def test_search_gives_full_texts_ids_and_topics_up_to_500_a_page(client, archive):
    data = get(client, "/api/search?q=fentanyl&page_size=500")
    assert data["total"] == 34 == len(data["results"])
    assert data["pages"] == 1 and data["next"] is None
    hit = data["results"][0]
    utterance = Utterance.objects.get(pk=hit["id"])
    assert hit["text"] == utterance.text and "<mark>" in hit["snippet_html"]
    assert {t["name"] for t in hit["topics"]} == set(
        utterance.topics.values_list("name", flat=True)
    )
    assert "drugs" in {t["slug"] for t in hit["topics"]}
    assert data["export"]["csv"] == "http://testserver/api/search?q=fentanyl&format=csv"


def test_search_pages_link_to_each_other(client, archive):
    first = get(client, "/api/search?q=fentanyl&page_size=10")
    assert first["pages"] == 4
    second = get(client, first["next"])
    assert second["page"] == 2 and second["previous"].endswith("page=1")
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_a_facet_opens_whole_with_facet_limit_and_says_what_it_left_off(client, archive):
    cut = get(client, "/api/search?q=fentanyl&facet_limit=2&facets=speaker")
    assert list(cut["facets"]) == ["speaker"]
    assert len(cut["facets"]["speaker"]) == 2
    shown = sum(value["count"] for value in cut["facets"]["speaker"])
    left_off = cut["facets_more"]["speaker"]["results"]
    assert left_off > 0
    whole = get(client, "/api/search?q=fentanyl&facet_limit=100000&facets=speaker")
    assert len(whole["facets"]["speaker"]) > 2
    assert sum(value["count"] for value in whole["facets"]["speaker"]) == shown + left_off
    assert whole["facets_more"]["speaker"] == {"values": 0, "results": 0}


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/search?q=fentanyl&format=xml", "format", "The format must be json, csv or jsonl"),
        ("/api/search?qq=fentanyl", "qq", "“qq” is not a parameter here"),
        ("/api/search?q=fentanyl&facets=colour", "facets", "“colour” is not a facet"),
        ("/api/search?q=fentanyl&format=csv&page=2", "page", "An export is every match"),
        ("/api/search?page_size=501", "page_size", "from 1 to 500"),
        ("/api/search?country=Atlantis", "country", "No one in the archive is from"),
        ("/api/meetings?sort=date", "sort", "“sort” is not a parameter here"),
        ("/api/meetings?kind=party", "kind", "is not a kind of meeting"),
        ("/api/meetings?page=0", "page", "The page must be a whole number"),
        ("/api/speakers?kind=spy", "kind", "is not a kind of speaker"),
        ("/api/topics?page=1", "page", "is not a parameter here"),
        ("/api/utterances/1?full=1", "full", "is not a parameter here"),
    ],
)
def test_bad_or_unknown_parameters_are_a_400_that_says_which(client, archive, url, field, message):
    data = get(client, url, status=400)
    assert message in " ".join(data["fields"][field]), data


def test_missing_things_are_a_404_in_json(client, archive):
    assert get(client, "/api/meetings/no-such-meeting", status=404) == {
        "error": "No Meeting matches the given query."
    }
    assert "error" in get(client, "/api/utterances/999999", status=404)
    assert "There is no page 9" in get(client, "/api/meetings?page=9", status=404)["error"]


def test_any_origin_may_read_the_api_and_ask_before_it_reads(client, archive):
    response = client.get("/api/topics", HTTP_ORIGIN="https://newsroom.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/search",
        HTTP_ORIGIN="https://newsroom.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    # Not for the site's own pages, nor with credentials.
    assert "Access-Control-Allow-Origin" not in client.get("/topics/")
    assert "Access-Control-Allow-Credentials" not in response


def test_an_unchanged_answer_is_a_304_and_a_changed_one_is_not(client, archive):
    first = client.get("/api/search?q=fentanyl")
    etag = first["ETag"]
    again = client.get("/api/search?q=fentanyl", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    Utterance.objects.filter(pk=first.json()["results"][0]["id"]).update(text="Fentanyl. Fentanyl.")
    changed = client.get("/api/search?q=fentanyl", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_schema_and_the_docs_page_are_served_from_this_site(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/search", "/api/meetings/{slug}", "/api/utterances/{id}"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "speaker", "topic", "page", "page_size", "format", "facet_limit"} <= parameters
    docs = client.get("/api/docs").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert "<style" not in docs and "http" not in docs.split("<body>")[1]
    script = client.get("/api/docs?script=")
    assert script["Content-Type"] == "application/javascript"
    assert "/api/openapi.json" in script.content.decode()
