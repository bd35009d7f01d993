"""Atom feeds per search, speaker, topic and place, read by a feed parser as a feed reader would."""

import feedparser
import pytest

from statements.models import Place, Speaker, Utterance

pytestmark = pytest.mark.django_db


def read(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception  # well-formed
    assert feed.version == "atom10"
    return feed


def test_a_search_feed_is_valid_atom_newest_first_with_whole_turns(client, archive):
    feed = read(client, "/feeds/search.atom?q=fentanyl&country=Mexico")
    assert "fentanyl" in feed.feed.title
    assert feed.feed.link == "http://testserver/?q=fentanyl&country=Mexico"
    total = client.get("/api/search?q=fentanyl&country=Mexico").json()["total"]
    assert len(feed.entries) == total > 0
    dates = [entry.updated_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    first = feed.entries[0]
    utterance = Utterance.objects.get(
        meeting__slug=first.link.split("/meetings/")[1].split("/")[0],
        sequence=int(first.link.rstrip("/").rsplit("/", 1)[1]),
    )
    assert utterance.speaker.country == "Mexico"
    assert first.id == first.link
    assert first.author == utterance.speaker.name
    assert utterance.paragraphs[0][:60] in first.summary
    assert {tag.term for tag in first.tags} == set(utterance.topics.values_list("name", flat=True))


def test_a_speaker_feed_and_a_topic_feed(client, archive):
    speaker = read(client, "/feeds/speakers/antony-j-blinken.atom")
    blinken = Speaker.objects.get(slug="antony-j-blinken")
    assert speaker.feed.title.startswith("Antony J. Blinken")
    assert len(speaker.entries) == min(50, blinken.utterances.count())
    assert {entry.author for entry in speaker.entries} == {"Antony J. Blinken"}
    topic = read(client, "/feeds/topics/drugs.atom")
    assert all("Drugs" in {t.term for t in entry.tags} for entry in topic.entries)


def test_a_place_feed_holds_the_newest_turns_about_it(client, archive):
    mexico = Place.objects.get(slug="mexico")
    feed = read(client, "/feeds/places/mexico.atom")
    assert feed.feed.title.startswith("Mexico")
    about = Utterance.objects.filter(places=mexico)
    assert len(feed.entries) == min(50, about.count()) > 0
    permalinks = {f"http://testserver{u.get_absolute_url()}" for u in about}
    assert {entry.link for entry in feed.entries} <= permalinks
    dates = [entry.updated_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    assert client.get("/feeds/places/atlantis.atom").status_code == 404


def test_a_feed_of_a_bad_search_is_a_400_and_of_no_one_a_404(client, archive):
    response = client.get("/feeds/search.atom?year=1066")
    assert response.status_code == 400
    assert "is not a year" in response.content.decode()
    assert client.get("/feeds/speakers/nobody.atom").status_code == 404


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/?q=fentanyl", "/feeds/search.atom?q=fentanyl"),
        ("/speakers/antony-j-blinken/", "/feeds/speakers/antony-j-blinken.atom"),
        ("/topics/drugs/", "/feeds/topics/drugs.atom"),
        ("/places/mexico/", "/feeds/places/mexico.atom"),
    ],
)
def test_results_speaker_and_topic_pages_link_their_feed(client, archive, page, feed):
    html = client.get(page).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="{feed}"' in html.replace("&amp;", "&")
    assert html.count(feed.replace("&", "&amp;")) >= 2  # in the head and on the page


def test_a_search_with_characters_xml_cannot_hold_still_gives_a_valid_feed(client, archive):
    feed = read(client, "/feeds/search.atom?q=fentanyl%0b%1f%08")
    assert "fentanyl" in feed.feed.title and feed.entries
