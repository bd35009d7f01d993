import datetime as dt
import html
import re

import pytest

from statements.ingest import MeetingInfo, ingest
from statements.models import Meeting, Utterance

pytestmark = pytest.mark.django_db

MARKED_UP = (
    "SECRETARY BLINKEN:  We have no <s>questions</s> answers on xylazine today.\n\n"
    "*Namashkar*, friends: \\[inaudible\\] and ~~carfentanil~~ fentanyl again.\n"
)


@pytest.fixture
def lima(archive):
    """A statement of 2019, two years before the samples, from a source of its own."""
    return ingest(
        MARKED_UP,
        MeetingInfo(
            title="Remarks in Lima",
            date=dt.date(2019, 5, 6),
            kind="statement",
            location="Lima, Peru",
            source_url="https://www.Example.org/remarks/lima",
            publisher="whitehouse",
        ),
    ).meeting


def text(page) -> str:
    """What a reader sees of a page: its text without tags."""
    body = page.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def title(page) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page.content.decode(), re.S)[1])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("speaker=antony-j-blinken&year=2023", "Utterances by Antony J. Blinken in 2023"),
        ("kind=question&sort=newest", "All questions"),
        ("kind=question&kind=answer&country=Mexico", "Answers or questions from Mexico"),
        (
            "interpreted=yes&topic=drugs",
            "Utterances on Drugs through an interpreter",
        ),
        ("date_from=2023-01-01", "Utterances from Jan 1, 2023"),
        ("q=fentanyl", "fentanyl · Search"),
        ("q=fentanyl&year=2022", "fentanyl · Utterances in 2022"),
    ],
)
def test_a_search_is_titled_by_what_it_asks(client, archive, query, expected):
    assert title(client.get(f"/?{query}")) == f"{expected} · Diplomatic Statements Archive"


def test_the_front_page_has_a_heading_and_focuses_the_search_box_alone(client, archive):
    front = client.get("/").content.decode()
    assert re.search(r"<h1[^>]*><label for=\"q\">Search what was said</label></h1>", front)
    assert "autofocus" in front
    results = client.get("/", {"q": "fentanyl"}).content.decode()
    assert "autofocus" not in results
    assert results.index("<h1") < results.index('<h3 id="facet-')
    assert results.index('href="#results">Skip to results') < results.index('id="results"')


def test_facet_options_are_checkboxes_of_a_form_that_keeps_the_search(client, archive):
    page = client.get(
        "/", {"q": "fentanyl", "speaker": "alicia-barcena-ibarra", "sort": "newest"}
    ).content.decode()
    form = page[
        page.index('<form id="filters"') : page.index("</form>", page.index('id="filters"'))
    ]
    assert re.search(
        r'<input type="checkbox" [^>]*name="speaker" value="alicia-barcena-ibarra" checked>', form
    )
    assert re.search(r'<input type="checkbox" [^>]*name="kind" value="answer">', form)
    hidden = set(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert hidden == {("q", "fentanyl"), ("sort", "newest")}  # the speaker is a checkbox


def test_year_charts_show_every_year_and_say_what_they_show(client, lima):
    page = client.get("/", {"q": "fentanyl"}).content.decode()
    bars = re.findall(r'aria-label="(\d{4}): (\d+) utterances?', page)
    years = [int(year) for year, _ in bars]
    assert years == list(range(2019, max(years) + 1)) and 2020 in years
    assert dict(bars)["2020"] == "0"
    summary = re.search(r'<p id="year-summary" class="visually-hidden">(.*?)</p>', page)[1]
    assert summary.startswith(f"Utterances per year from 2019 to {max(years)}: most in ")
    assert "none in 2020" in summary
    assert 'aria-describedby="year-summary"' in page

    topic = client.get("/topics/drugs/").content.decode()
    assert "Utterances per year from 2019 to 2023: most in 2023" in topic
    assert "none in 2020." in topic
    assert "style=" not in topic and "style=" not in page  # bars drawn without inline styles


def test_a_search_that_cannot_run_keeps_the_words_and_filters_and_says_why(client, archive):
    page = client.get(
        "/?q=fentanyl&speaker=alicia-barcena-ibarra&speaker=nobody&kind=answer"
        "&date_to=2023-02-30&sort=newest"
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert re.search(r'<input id="q" type="search" name="q" value="fentanyl"', body)
    # The valid filters ticked, the unknown official not, with why beside it.
    assert re.search(r'name="speaker" value="alicia-barcena-ibarra" checked', body)
    assert re.search(r'name="kind" value="answer" checked', body)
    assert re.search(
        r'name="speaker" value="nobody" aria-describedby="(filter-speaker-\d)-error"', body
    )
    shown = text(page)
    assert "Official: Alicia Bárcena Ibarra" in shown and "Kind of utterance: Answer" in shown
    assert "No one in the archive goes by “nobody”." in shown
    assert "“2023-02-30”: That is not a date: write it as year, month and day" in shown
    assert 'aria-describedby="date_to-error"' in body
    assert re.search(r'<option value="newest" selected>', body)
    # No parameter's name is shown, only what the reader knows the field by.
    assert "date_to" not in shown and "speaker" not in shown.lower().replace("speakers", "")


def test_a_page_past_the_last_keeps_the_search_and_says_so(client, archive):
    page = client.get("/", {"q": "fentanyl", "page": "3", "kind": "answer"})
    assert page.status_code == 400
    shown = text(page)
    assert "There is no page 3" in shown
    assert 'name="kind" value="answer" checked' in page.content.decode()
    assert 'name="page"' not in page.content.decode()


def test_transcript_markup_shows_as_the_source_meant_it(client, lima):
    page = client.get(lima.get_absolute_url()).content.decode()
    assert "no <del>questions</del> answers" in page
    assert "<em>Namashkar</em>, friends: [inaudible] and <del>carfentanil</del> fentanyl" in page
    permalink = client.get(lima.utterances.get().get_absolute_url()).content.decode()
    assert "no <del>questions</del> answers" in permalink
    # The text kept is the text sent.
    assert lima.utterances.get().text.startswith("We have no <s>questions</s> answers")
    original = client.get(f"/meetings/{lima.slug}/original.txt").content.decode()
    assert "<s>questions</s>" in original and "\\[inaudible\\]" in original


def test_a_snippet_keeps_a_correction_struck(client, lima):
    # A search without words shows the turn's opening; one with words, its matches in context.
    opening = client.get("/", {"meeting": lima.slug}).content.decode()
    assert "no <del>questions</del> answers" in opening
    searched = client.get("/api/search", {"q": "fentanyl", "meeting": lima.slug}).json()["results"][
        0
    ]
    assert "<del>carfentanil</del> <mark>fentanyl</mark> again" in searched["snippet_html"]


def test_a_searched_snippet_keeps_a_struck_html_tag(client, lima):
    found = client.get("/api/search", {"q": "answers", "meeting": lima.slug}).json()
    snippet = found["results"][0]["snippet_html"]
    assert "<del>questions</del> <mark>answers</mark>" in snippet


def test_the_meetings_list_filters_by_kind_year_place_participant_and_source(client, lima):
    def listed(**params) -> set[str]:
        page = client.get("/meetings/", params)
        assert page.status_code == 200
        return set(re.findall(r'<li><a href="/meetings/([\w-]+)/">', page.content.decode()))

    everything = set(Meeting.objects.values_list("slug", flat=True))
    assert listed() == everything
    assert listed(kind="statement") == {lima.slug}
    assert listed(year="2019") == {lima.slug}
    assert listed(place="Lima, Peru") == {lima.slug}
    assert listed(source="whitehouse") == {lima.slug}
    assert listed(source="state") == everything - {lima.slug}  # the samples
    garland = set(
        Meeting.objects.filter(utterances__speaker__slug="merrick-b-garland").values_list(
            "slug", flat=True
        )
    )
    assert listed(speaker="merrick-b-garland") == garland and lima.slug not in garland
    assert listed(speaker="antony-j-blinken", year="2019") == {lima.slug}
    assert listed(kind="interview", year="2019") == set()

    page = client.get("/meetings/", {"kind": "statement", "place": "Lima, Peru"})
    body = page.content.decode()
    assert title(page).startswith("Statements in Lima, Peru · ")
    assert '<option value="statement" selected>' in body
    assert '<option value="state">U.S. Department of State</option>' in body
    assert '<option value="whitehouse">The White House</option>' in body
    assert '<option value="2019">2019 (1)</option>' in body


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": "twenty"}, "year", "“twenty” is not a year"),
        ({"kind": "gala"}, "kind", "“gala” is not a kind of meeting."),
        ({"place": "Atlantis"}, "place", "No meeting in the archive took place in “Atlantis”."),
        ({"speaker": "nobody"}, "speaker", "No one in the archive goes by “nobody”."),
        ({"source": "nowhere"}, "source", "No meeting in the archive was published by"),
    ],
)
def test_a_bad_meetings_filter_is_a_400_with_the_reason_beside_it(
    client, archive, params, field, message
):
    page = client.get("/meetings/", params)
    assert page.status_code == 400
    body = page.content.decode()
    error = re.search(rf'<p class="field-error" id="m-{field}-error">(.*?)</p>', body)
    assert error and message in html.unescape(error[1])
    assert f'aria-describedby="m-{field}-error"' in body


def test_the_meetings_list_pages_keep_the_filters(client, archive, monkeypatch):
    monkeypatch.setattr("statements.views.MEETINGS_PER_PAGE", 1)
    first = client.get("/meetings/", {"year": "2023"}).content.decode()
    assert 'rel="next" href="?year=2023&amp;page=2"' in first
    second = client.get("/meetings/", {"year": "2023", "page": "2"}).content.decode()
    assert 'rel="prev" href="?year=2023&amp;page=1"' in second


def test_a_permalink_offers_the_quote_bibtex_csl_json_and_ris(client, lima):
    page = client.get(lima.utterances.get().get_absolute_url()).content.decode()
    for field in ("citation", "quoted", "bibtex", "csl-json", "ris"):
        assert f'<textarea id="{field}"' in page
    quoted = html.unescape(re.search(r'<textarea id="quoted"[^>]*>(.*?)</textarea>', page, re.S)[1])
    assert quoted.startswith("“We have no answers on xylazine today.\n\nNamashkar, friends: ")
    # In 2019 he held no office: the role nearest that day, his last before it.
    assert "Antony J. Blinken (Deputy Secretary of State, United States), in “Remarks in Lima”" in (
        quoted
    )


def test_a_speaker_s_labels_and_topics_come_before_the_long_list_of_appearances(client, archive):
    page = client.get("/speakers/antony-j-blinken/").content.decode()
    assert page.index('id="q"') < page.index('id="appears-as"') < page.index('id="appearances"')
    assert page.index('id="speaker-topics"') < page.index('<ol class="timeline">')


def test_the_meetings_list_offers_the_busiest_participants_and_any_one_chosen(
    client, archive, monkeypatch
):
    monkeypatch.setattr("statements.filters.PARTICIPANTS_OFFERED", 1)
    page = client.get("/meetings/").content.decode()
    offered = re.findall(
        r'<option value="([\w-]+)"', page.split('id="m-speaker"')[1].split("</select>")[0]
    )
    assert offered == ["antony-j-blinken"]  # in all five meetings
    chosen = client.get("/meetings/", {"speaker": "merrick-b-garland"}).content.decode()
    assert '<option value="merrick-b-garland" selected>Merrick B. Garland</option>' in chosen
    # Kept when another filter is refused, so that the form can be sent again as it was.
    refused = client.get("/meetings/", {"speaker": "merrick-b-garland", "year": "twenty"})
    assert refused.status_code == 400
    assert '<option value="merrick-b-garland" selected>' in refused.content.decode()
    # A speaker page with more meetings than it lists points to all of them here.
    monkeypatch.setattr("statements.views.APPEARANCES_SHOWN", 1)
    speaker = client.get("/speakers/antony-j-blinken/").content.decode()
    assert 'href="/meetings/?speaker=antony-j-blinken">the meetings list</a>' in speaker


def test_a_facet_opens_whole_on_a_page_of_its_own_that_narrows_by_name(client, archive):
    results = client.get("/?speaker_kind=official").content.decode()
    assert "/search/facets/speaker/?speaker_kind=official" in results  # "and ... more" links it
    page = client.get("/search/facets/speaker/?speaker_kind=official")
    html = page.content.decode()
    assert page.status_code == 200
    whole = client.get("/api/search?speaker_kind=official&facets=speaker&facet_limit=100000")
    officials = whole.json()["facets"]["speaker"]
    assert len(officials) > 12
    assert html.count('<li class="facet-value') == len(officials)
    narrowed = client.get("/search/facets/speaker/?speaker_kind=official&filter=GERTZ").content
    assert narrowed.decode().count('<li class="facet-value') == 1
    assert "1 of" in narrowed.decode() and "Alejandro Gertz Manero" in narrowed.decode()


def test_a_facet_page_keeps_chosen_values_it_does_not_show(client, archive):
    html = client.get(
        "/search/facets/speaker/?speaker=antony-j-blinken&filter=gertz&q=security"
    ).content.decode()
    assert '<input type="hidden" name="speaker" value="antony-j-blinken">' in html
    assert '<input type="hidden" name="q" value="security">' in html


def test_a_meetings_facet_page_finds_a_meeting_by_its_title(client, archive):
    html = client.get(
        "/search/facets/meeting/?speaker_kind=official&filter=milenio"
    ).content.decode()
    assert "Milenio TV" in html and html.count('<li class="facet-value') == 1


def test_a_facet_page_refuses_what_it_cannot_show(client, archive):
    assert client.get("/search/facets/colour/").status_code == 404
    assert client.get("/search/facets/speaker/?year=1066").status_code == 400
    assert client.get("/search/facets/speaker/?page=99").status_code == 400


def test_each_hit_shows_its_topics_and_places_as_links(client, archive):
    page = client.get("/", {"q": "fentanyl"}).content.decode()
    hits = page.split('<li class="hit">')[1:]
    assert hits
    for hit in hits:
        # The hit's own utterance, by its permalink, and the topics and places it is tagged with.
        path = re.search(r'class="permalink" href="([^"?]+)', hit).group(1)
        slug, sequence = path.strip("/").split("/")[1:]
        utterance = Utterance.objects.get(meeting__slug=slug, sequence=sequence)
        for topic in utterance.topics.all():
            assert f'href="{topic.get_absolute_url()}"' in hit
        for place in utterance.places.all():
            assert f'href="{place.get_absolute_url()}"' in hit
    assert any('aria-label="Topics"' in hit for hit in hits)
