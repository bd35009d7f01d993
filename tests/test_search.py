import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from statements import query as box
from statements import search, search_index
from statements.filters import UtteranceFilter
from statements.ingest import MeetingInfo, ingest, merge_speakers
from statements.models import Meeting, Speaker, Utterance
from statements.search import START, STOP, highlight
from statements.templatetags.archive import count
from tests.golden import assert_matches_golden

pytestmark = pytest.mark.django_db


def api(client, query: str) -> dict:
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def facet(data: dict, name: str) -> dict[str, int]:
    return {value["label"]: value["count"] for value in data["facets"][name]}


def firsts(data: dict, n: int = 3) -> list[tuple[str, str, int]]:
    return [(r["speaker_label"], r["meeting"]["date"], r["sequence"]) for r in data["results"][:n]]


def add_turn(text: str, **fields) -> Utterance:
    """A turn added at the end of the first sample meeting."""
    fields = {"speaker_label": "QUESTION", "kind": "question", "sequence": 999, **fields}
    return Utterance.objects.create(meeting=Meeting.objects.first(), text=text, **fields)


def test_fentanyl_ranks_by_bm25_over_every_match(client, archive):
    # BM25: the turns that say it most for their length first, whatever their date.
    data = api(client, "q=fentanyl")
    assert data["total"] == 34
    assert firsts(data) == [
        ("SECURITY SECRETARY RODRÍGUEZ", "2023-10-05", 25),
        ("QUESTION", "2023-10-05", 23),
        ("ATTORNEY GENERAL GARLAND", "2023-10-05", 7),
    ]
    ranked = [
        r["permalink"] for page in (1, 2) for r in api(client, f"q=fentanyl&page={page}")["results"]
    ]
    newest = [
        r["permalink"]
        for page in (1, 2)
        for r in api(client, f"q=fentanyl&sort=newest&page={page}")["results"]
    ]
    assert sorted(ranked) == sorted(newest) and ranked != newest  # every match, reordered


def test_results_can_be_sorted_by_date_either_way(client, archive):
    newest = [r["meeting"]["date"] for r in api(client, "q=fentanyl&sort=newest")["results"]]
    oldest = [r["meeting"]["date"] for r in api(client, "q=fentanyl&sort=oldest")["results"]]
    assert newest == sorted(newest, reverse=True) and newest[0] == "2023-10-05"
    assert oldest == sorted(oldest) and oldest[0] == "2022-10-13"


def test_twenty_results_a_page_with_the_total(client, archive):
    first, second = api(client, "q=fentanyl"), api(client, "q=fentanyl&page=2")
    assert (len(first["results"]), len(second["results"]), first["pages"]) == (20, 14, 2)
    assert not {r["permalink"] for r in first["results"]} & {
        r["permalink"] for r in second["results"]
    }


@pytest.mark.parametrize("spelling", ["barcena", "Bárcena", "BARCENA", "bárcena"])
def test_accents_are_forgiven_both_ways(client, archive, spelling):
    data = api(client, f"q={spelling}")
    assert data["total"] == 13
    assert "<mark>Bárcena</mark>" in data["results"][0]["snippet_html"]


def test_stemming_makes_trafficking_and_traffic_meet(client, archive):
    trafficking, traffic = api(client, "q=trafficking"), api(client, "q=traffic")
    assert trafficking["total"] == traffic["total"] == 32
    only_traffic = Utterance.objects.filter(text__iregex=r"\mtraffic\M").exclude(
        text__icontains="traffick"
    )
    assert only_traffic.exists()
    permalinks = {
        r["permalink"]
        for page in (1, 2)
        for r in api(client, f"q=trafficking&page={page}")["results"]
    }
    assert all(any(p.endswith(u.get_absolute_url()) for p in permalinks) for u in only_traffic)


def test_a_phrase_matches_the_words_in_order(client, archive):
    data = api(client, 'q="arms trafficking"')
    assert data["total"] == 14
    snippet = data["results"][0]["snippet_html"]
    assert "<mark>arms trafficking</mark>" in snippet  # the phrase, marked whole
    assert api(client, "q=arms trafficking")["total"] == 16  # both words, anywhere


def test_excluded_words_remove_results(client, archive):
    assert api(client, "q=fentanyl -mexico")["total"] == 1
    assert api(client, "q=fentanyl or cartels")["total"] == 39


def test_facet_counts_follow_a_filter_but_keep_their_own_choices(client, archive):
    before = api(client, "q=fentanyl")
    assert facet(before, "country") == {"United States": 17, "Mexico": 11}
    assert facet(before, "kind") == {"Statement": 17, "Answer": 11, "Question": 6}

    after = api(client, "q=fentanyl&speaker=alicia-barcena-ibarra")
    assert after["total"] == 4
    assert facet(after, "country") == {"Mexico": 4}
    assert facet(after, "kind") == {"Answer": 2, "Statement": 2}
    # The official facet ignores its own selection, so other officials stay on offer.
    assert facet(after, "speaker") == facet(before, "speaker")
    selected = [v["label"] for v in after["facets"]["speaker"] if v["selected"]]
    assert selected == ["Alicia Bárcena Ibarra"]


def test_values_of_one_facet_combine_with_or_and_facets_with_and(client, archive):
    one = api(client, "q=fentanyl&speaker=alicia-barcena-ibarra")["total"]
    two = api(client, "q=fentanyl&speaker=alicia-barcena-ibarra&speaker=merrick-b-garland")
    assert (one, two["total"]) == (4, 9)
    narrowed = api(
        client, "q=fentanyl&speaker=alicia-barcena-ibarra&speaker=merrick-b-garland&kind=answer"
    )
    answers = Utterance.objects.filter(
        speaker__slug__in=["alicia-barcena-ibarra", "merrick-b-garland"],
        kind="answer",
        text__icontains="fentanyl",
    )
    assert narrowed["total"] == answers.count() == 4


def test_years_drill_down_to_months(client, archive):
    data = api(client, "q=security&year=2023")
    assert facet(data, "year") == {"2021": 5, "2022": 11, "2023": 27}
    assert facet(data, "month") == {"Sep 2023": 9, "Oct 2023": 18}
    october = api(client, "q=security&year=2023&month=2023-10")
    assert october["total"] == 18
    assert facet(october, "year") == facet(data, "year")


def test_a_date_range_and_the_interpreter_facet_filter(client, archive):
    assert api(client, "date_from=2023-10-01&date_to=2023-10-31")["total"] == 50
    interpreted = api(client, "interpreted=yes")
    assert interpreted["total"] == Utterance.objects.filter(via_interpreter=True).count() == 45
    assert facet(interpreted, "interpreted") == {"Interpreted": 45, "Not interpreted": 99}


def test_a_meeting_facet_finds_a_transcript_s_turns(client, archive):
    meeting = Meeting.objects.get(kind="interview")
    data = api(client, f"meeting={meeting.slug}&sort=oldest")
    assert data["total"] == 30
    assert data["results"][0]["speaker_label"] == "QUESTION"
    assert data["results"][0]["speaker"]["name"] == "Alejandro Domínguez"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("speaker=nobody", "No one in the archive goes by “nobody”"),
        ("country=Atlantis", "No one in the archive is from “Atlantis”"),
        ("kind=speech", "“speech” is not a kind of utterance"),
        ("year=1066", "“1066” is not a year from 1945 to next year"),
        ("month=2023-13", "“2023-13” is not a month"),
        ("date_from=2023-02-30", "That is not a date: write it as year, month and day"),
        ("date_from=2024-01-01&date_to=2023-01-01", "The end date is before the start date"),
        ("sort=random", "“random” is not an order"),
        ("page=0", "The page must be a whole number"),
        ("page=abc", "The page must be a whole number"),
        ("q=fentanyl&page=3", "There is no page 3"),
        ("q=" + "x" * 501, "at most 500 characters long (these are 501)"),
        ("page_size=0", "page_size) must be a whole number from 1 to 500"),
        ("page_size=501", "page_size) must be a whole number from 1 to 500"),
        ("facet_limit=many", "facet_limit) must be a whole number from 1 to 100,000"),
    ],
)
def test_bad_parameters_get_a_400_with_a_message(client, archive, query, message):
    page = client.get(f"/?{query}")
    assert page.status_code == 400
    assert message in page.content.decode()
    data = client.get(f"/api/search?{query}")
    assert data.status_code == 400
    assert message in str(data.json()["fields"])


@pytest.mark.parametrize(
    "query",
    [
        "the",
        "-mexico",
        "(((",
        '"',
        "or",
        "!!!",
        "a & b | c",
        "'",
        "speaker:",
        'speaker:""',
        '"an unclosed phrase',
        '-"rule of law" fentanyl',
        "x" * 60,
        "fentanyl or or",
        "note:this",
        "日本語",
    ],
)
def test_odd_queries_never_fail(client, archive, query):
    page = client.get("/", {"q": query})
    assert page.status_code == 200
    assert client.get("/api/search", {"q": query}).status_code == 200


def test_a_query_of_common_words_or_exclusions_alone_is_explained(client, archive):
    assert "only very common words" in api(client, "q=the")["notice"]
    assert "exclusions alone" in api(client, "q=-mexico")["notice"]


def test_html_in_a_transcript_or_a_query_shows_as_text(client, archive):
    meeting = add_turn(
        "Is <script>alert('x')</script> a threat? If supply < demand & xylazine spreads…"
    ).meeting
    page = client.get("/", {"q": "xylazine <threat>"}).content.decode()
    assert "<script>alert" not in page
    assert "supply &lt; demand &amp; <mark>xylazine</mark>" in page
    assert "xylazine &lt;threat&gt;" in page and "<threat>" not in page  # the query, as text
    transcript = client.get(meeting.get_absolute_url()).content.decode()
    assert "<script>alert" not in transcript and "&lt;script&gt;alert" in transcript


@pytest.mark.parametrize(
    ("opening", "words", "query", "marked"),
    [
        ("", "the xylazine threat", "xylazine", "xylazine"),
        ("", "Foreign Secretary Bárcena said", "barcena", "Bárcena"),
        # The stem first appears inside another word, far from the word searched for.
        ("Flawed flaws, said the flawless. ", "the rule of law", "law", "law"),
        # A word of the phrase first appears alone, far from the phrase.
        ("International law applies. ", "the rule of law", '"rule of law"', "rule of law"),
    ],
)
def test_a_long_turn_is_snippeted_around_its_match(client, archive, opening, words, query, marked):
    filler = " ".join(["Cooperation continues between our two governments."] * 60)
    meeting = add_turn(f"{opening}{filler} And {words} matters. {filler}").meeting
    data = api(client, f"q={query}&meeting={meeting.slug}")
    snippets = [r["snippet_html"] for r in data["results"] if r["sequence"] == 999]
    assert len(snippets) == 1
    assert f"<mark>{marked}</mark>" in snippets[0]
    assert not snippets[0].startswith(opening or "Cooperation continues")


def test_a_speaker_without_a_country_counts_under_no_country(client, archive):
    nobody = Speaker.objects.create(name="A Reporter", slug="a-reporter", kind="journalist")
    add_turn("What about xylazine?", speaker=nobody, speaker_label="REPORTER")
    data = api(client, "q=xylazine")
    assert "A Reporter" in facet(data, "speaker")
    assert "" not in facet(data, "country")


def test_highlighting_escapes_before_it_marks():
    marked = highlight(f"{START}<b>{STOP} & <script> {START}x")
    assert marked == "<mark>&lt;b&gt;</mark> &amp; &lt;script&gt; x"


@pytest.mark.parametrize("path", ["/", "/api/search"])
@pytest.mark.parametrize("q", ["fentanyl", ""])
def test_a_search_takes_a_handful_of_queries(client, archive, path, q):
    # Whatever a result shows of its utterance, meeting and speaker is read with the page; the
    # first search built the index and read the speakers' names.
    client.get(path, {"q": "xylazine"})
    with CaptureQueriesContext(connection) as queries:
        client.get(path, {"q": q, "speaker": "alicia-barcena-ibarra", "year": "2023"})
    assert len(queries) <= 9


def test_the_speaker_is_a_lexeme_of_the_search_vector_that_no_query_makes(client, archive):
    utterance = Utterance.objects.exclude(speaker=None).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ %s::tsquery FROM statements_utterance WHERE id = %s",
            [f"'speaker {utterance.speaker_id}'", utterance.pk],
        )
        assert cursor.fetchone()[0]
    # Typed, the same words are two words, which no sample transcript says together.
    assert api(client, f"q=speaker+{utterance.speaker_id}")["total"] == 0
    assert api(client, f'q="speaker+{utterance.speaker_id}"')["total"] == 0


def test_the_search_page_shows_results_facets_and_chips(client, archive):
    page = client.get("/", {"q": "fentanyl", "speaker": "alicia-barcena-ibarra"}).content.decode()
    assert "1–4 of <strong>4</strong> utterances" in page
    assert 'aria-label="Remove Official: Alicia Bárcena Ibarra"' in page
    assert "Secretary of Foreign Affairs · Mexico" in page
    assert "Via interpreter" in page
    assert "<mark>fentanyl</mark>" in page


def test_the_front_page_lists_the_meetings(client, archive):
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert "144 utterances by 15 speakers in 5 meetings" in page
    # It shows no results, so it searches for none (the whole archive, counted: 30 ms at a
    # million); an order alone asks for nothing either.
    assert not any("statements_utterance AS u" in query["sql"] for query in queries)
    assert "144 utterances by" in client.get("/", {"sort": "oldest"}).content.decode()
    assert page.count('class="meeting-list"') == 1
    for meeting in Meeting.objects.all():
        assert meeting.get_absolute_url() in page


def test_the_front_page_counts_follow_ingests_and_merges(client, archive):
    assert "144 utterances by 15 speakers in 5 meetings" in client.get("/").content.decode()
    ingest("SECRETARY BLINKEN:  Good morning.\n", MeetingInfo(date=dt.date(2024, 5, 6)))
    assert "145 utterances by 15 speakers in 6 meetings" in client.get("/").content.decode()
    garland, mayorkas = Speaker.objects.filter(
        slug__in=["merrick-b-garland", "alejandro-n-mayorkas"]
    )
    merge_speakers(garland, [mayorkas])
    assert "145 utterances by 14 speakers in 6 meetings" in client.get("/").content.decode()


def test_the_meetings_list_goes_page_by_page_and_year_by_year(client, archive, monkeypatch):
    monkeypatch.setattr("statements.views.MEETINGS_PER_PAGE", 2)
    first = client.get("/meetings/").content.decode()
    assert "Page 1 of 3" in first and 'rel="next" href="?page=2"' in first
    assert first.count("turns</span></li>") == 2
    newest = Meeting.objects.order_by("-date").first()
    assert newest.get_absolute_url() in first
    assert f"· {newest.utterances.count()} turns</span>" in first

    years = sorted({m.date.year for m in Meeting.objects.all()})
    page = client.get("/meetings/", {"year": years[0]}).content.decode()
    listed = Meeting.objects.filter(date__year=years[0])
    assert all(m.get_absolute_url() in page for m in listed)
    assert page.count("turns</span></li>") == min(2, listed.count())
    assert client.get("/meetings/", {"year": "twenty"}).status_code == 400
    assert client.get("/meetings/", {"page": "999"}).status_code == 200  # the last page


def test_the_speakers_list_counts_turns_and_meetings(client, archive):
    page = client.get("/speakers/").content.decode()
    barcena = Speaker.objects.get(slug="alicia-barcena-ibarra")
    turns = barcena.utterances.count()
    meetings = barcena.utterances.values("meeting").distinct().count()
    assert f"{turns} utterance{'s' if turns > 1 else ''} in {meetings} meeting" in page


def test_a_speaker_page_lists_appearances_and_topics(client, archive, monkeypatch):
    monkeypatch.setattr("statements.views.APPEARANCES_SHOWN", 1)
    blinken = Speaker.objects.get(slug="antony-j-blinken")
    meetings = blinken.utterances.values("meeting").distinct().count()
    page = client.get(blinken.get_absolute_url()).content.decode()
    assert f"<strong>{meetings}</strong> meetings" in page
    assert f"The latest 1 of {meetings}, newest first" in page
    assert page.count("<time datetime=") == 1
    assert "?speaker=antony-j-blinken&amp;topic=drugs" in page
    turns, words = (
        blinken.utterances.count(),
        sum(blinken.utterances.values_list("word_count", flat=True)),
    )
    assert f"<strong>{turns}</strong> utterances · <strong>{words:,}</strong> words" in page
    latest = Meeting.objects.filter(utterances__speaker=blinken).order_by("-date", "title")[0]
    said = latest.utterances.filter(speaker=blinken).count()
    assert f'meeting={latest.slug}&amp;sort=oldest">{said} turn' in page

    silent = Speaker.objects.create(name="Ilse Varga", slug="ilse-varga")
    page = client.get(silent.get_absolute_url()).content.decode()
    assert "<strong>0</strong> utterances · <strong>0</strong> words" in page
    assert "No appearances yet." in page


def test_counts_print_with_thousands_separators():
    assert count(1094) == "1,094"
    assert count(12) == "12"
    assert count("") == "" and count(None) is None


def test_the_results_heading_quotes_the_words_once(client, archive):
    def heading(q: str) -> str:
        page = client.get("/", {"q": q}).content.decode()
        return re.search(r'<h1 id="results-heading".*?</h1>', page, re.DOTALL)[0]

    phrase = heading('"border security"')
    assert "for &quot;border security&quot;" in phrase and "<q>" not in phrase  # its own quotes
    assert "for <q>fentanyl</q>" in heading("fentanyl")


def test_a_search_can_count_only_the_facets_a_page_shows(archive):
    blinken = Speaker.objects.get(slug="antony-j-blinken")
    data = QueryDict(mutable=True)
    data.update({"q": "security", "speaker": blinken.slug})

    def searched(facets=None) -> search.Results:
        filterset = UtteranceFilter(data, queryset=Utterance.objects.none())
        assert filterset.is_valid()
        return search.run(filterset.params(), facets=facets)

    everything, topics = searched(), searched(["topic"])
    assert list(topics.facets) == ["topic"] and topics.facets["topic"].values
    assert topics.facets["topic"] == everything.facets["topic"]
    assert topics.total == everything.total


def hits_for(client, query: str) -> list[str]:
    """The texts of every result (the whole turn, read back by permalink order)."""
    data = api(client, f"{query}&page_size=500")
    return [r["snippet_html"] for r in data["results"]]


def test_a_quoted_phrase_is_its_words_in_order_never_across_a_gap(client, archive):
    gap = add_turn("Some countries changed their rules, their laws, and their courts.")
    exact = add_turn("We stand for the Rule-of-LAW, always.", sequence=998)
    folded = add_turn("Respect for the rule of law matters to Bárcena.", sequence=997)
    data = api(client, 'q="rule of law"&meeting=' + gap.meeting.slug)
    sequences = {r["sequence"]: r["snippet_html"] for r in data["results"]}
    assert gap.sequence not in sequences
    assert "<mark>Rule-of-LAW</mark>" in sequences[exact.sequence]
    assert "<mark>rule of law</mark>" in sequences[folded.sequence]
    # Every result of the phrase has the phrase marked, whole, in every meeting.
    everywhere = api(client, 'q="rule of law"&page_size=500')["results"]
    assert everywhere and all("<mark>" in r["snippet_html"] for r in everywhere)
    # Accents aside, and only in this order.
    both = api(client, f'q="rule of law" "barcena"&meeting={gap.meeting.slug}')["results"]
    assert folded.sequence in [r["sequence"] for r in both]
    assert api(client, 'q="law of rule"')["total"] == 0


def test_unquoted_words_keep_stemming_and_quoted_ones_their_order(client, archive):
    add_turn("The rules were broken; laws too.")
    unquoted = api(client, "q=rule law")["total"]
    quoted = api(client, 'q="rule law"')["total"]
    assert unquoted > quoted


def test_a_speaker_named_in_the_words_is_offered(client, archive):
    data = api(client, "q=barcena fentanyl")
    suggestion = data["suggestions"]["speaker"]
    assert suggestion["text"] == "what Alicia Bárcena Ibarra said about fentanyl"
    followed = client.get(suggestion["url"]).json()
    assert followed["total"] == 4
    assert {r["speaker"]["name"] for r in followed["results"]} == {"Alicia Bárcena Ibarra"}
    page = client.get("/", {"q": "barcena fentanyl"}).content.decode()
    assert (
        "Did you mean <a href=" in page and "what Alicia Bárcena Ibarra said about fentanyl" in page
    )
    assert "speaker=alicia-barcena-ibarra" in page


@pytest.mark.parametrize(
    ("words", "name", "rest"),
    [
        ("Ned Price", "Ned Price", ""),
        ("ned price sanctions", "Ned Price", "sanctions"),
        ("barzena fentanyl", "Alicia Bárcena Ibarra", "fentanyl"),  # a typo
        ("BÁRCENA", "Alicia Bárcena Ibarra", ""),
        ("Blinken mexico", "Antony J. Blinken", "mexico"),
    ],
)
def test_names_are_understood_with_accents_and_typos(client, archive, words, name, rest):
    suggestion = api(client, f"q={words}")["suggestions"]["speaker"]
    expected = f"what {name} said" + (f" about {rest}" if rest else "")
    assert suggestion and suggestion["text"] == expected


def test_ned_price_finds_his_turns_through_the_suggestion(client, archive):
    price = Speaker.objects.get(name="Ned Price")
    add_turn("We will keep the pressure on.", speaker=price, speaker_label="MR PRICE")
    suggestion = api(client, "q=Ned Price")["suggestions"]["speaker"]
    followed = client.get(suggestion["url"]).json()
    assert followed["total"] == price.utterances.count() >= 1
    assert {r["speaker"]["name"] for r in followed["results"]} == {"Ned Price"}


def test_no_name_no_suggestion_and_a_chosen_speaker_is_not_offered_again(client, archive):
    assert api(client, "q=fentanyl")["suggestions"]["speaker"] is None
    chosen = api(client, "q=barcena fentanyl&speaker=alicia-barcena-ibarra")
    assert chosen["suggestions"]["speaker"] is None


def test_the_speaker_prefix_is_the_explicit_form(client, archive):
    data = api(client, 'q=speaker:"Alicia Bárcena Ibarra" fentanyl')
    assert data["total"] == 4
    assert api(client, "q=speaker:barcena fentanyl")["total"] == 4
    everything = api(client, "q=speaker:barcena")["total"]
    assert 4 < api(client, "q=speaker:barcena -fentanyl")["total"] == everything - 4
    unknown = api(client, 'q=speaker:"Nobody Atall" fentanyl')
    assert unknown["total"] == 0 and "No speaker is known as “Nobody Atall”" in unknown["notice"]


def test_a_misspelled_word_gets_the_archive_s_spelling(client, archive):
    data = api(client, "q=fentanil")
    assert data["total"] == 0
    assert data["suggestions"]["spelling"]["text"] == "fentanyl"
    assert client.get(data["suggestions"]["spelling"]["url"]).json()["total"] == 34
    page = client.get("/", {"q": "fentanil"}).content.decode()
    assert 'Did you mean <a href="?q=fentanyl"><q>fentanyl</q></a>?' in page
    # A word spelled as the archive spells it, with results, gets no suggestion.
    assert api(client, "q=fentanyl")["suggestions"]["spelling"] is None
    assert (
        api(client, "q=fentanil cartels")["suggestions"]["spelling"]["text"] == "fentanyl cartels"
    )


LONG_QUERIES = [
    "barcena fentanyl",
    "security cooperation",
    "fentanyl precursors",
    "border security migration",
    "arms trafficking",
    '"arms trafficking" mexico',
    "human smuggling",
    "cartels or xylazine",
    "mexico -fentanyl",
    "ports chemicals",
    "extradition",
    '"United States" cooperation',
]


@pytest.mark.parametrize("words", LONG_QUERIES)
def test_every_snippet_shows_why_it_matched(client, archive, words):
    data = api(client, f"q={words}&page_size=500")
    assert data["total"] == len(data["results"]) > 0
    wanted = [w for w in re.findall(r'"[^"]+"|\S+', words) if not w.startswith("-") and w != "or"]
    for result in data["results"]:
        snippet = result["snippet_html"]
        marked = " | ".join(re.findall(r"<mark>(.*?)</mark>", snippet))
        assert marked, (words, snippet)
        if " or " not in words:
            # Each word (or phrase) searched for is marked somewhere in the snippet.
            for word in wanted:
                said = " ".join(search.stems(word.strip('"')))
                assert said in " ".join(search.stems(marked)), (word, snippet)


def test_long_turns_show_each_word_where_it_is(client, archive):
    filler = " ".join(["Cooperation continues between our two governments."] * 80)
    turn = add_turn(f"Bárcena spoke first. {filler} Then fentanyl came up. {filler}")
    data = api(client, f"q=barcena fentanyl&meeting={turn.meeting.slug}")
    (snippet,) = [r["snippet_html"] for r in data["results"] if r["sequence"] == 999]
    assert "<mark>Bárcena</mark>" in snippet and "<mark>fentanyl</mark>" in snippet
    assert " … " in snippet and len(snippet) < 600


GOLDEN = Path(__file__).parent / "fixtures" / "search" / "queries.json"
KINDS = {
    "rare word": {"q": "Pradrika"},
    "word": {"q": "vehicles"},
    "stop word alone": {"q": "the"},
    "phrase": {"q": '"rule of law"'},
    "phrase with a variant": {"q": '"arms trafficking"'},
    "words, or, excluded": {"q": "fentanyl or xylazine -mexico"},
    "a word that is two tokens": {"q": "U.S."},
    "speaker prefix": {"q": 'speaker:"Ned Price" sanctions'},
    "word with filters": {
        "q": "security",
        "speaker": ["1", "2"],
        "topic": ["3"],
        "year": ["2023"],
        "month": ["2023-10"],
        "country": ["Mexico"],
        "kind": ["answer"],
        "interpreted": ["yes"],
        "date_from": "2020-01-01",
        "date_to": "2024-12-31",
    },
    "filters alone": {"meeting": ["7"], "interpreted": ["yes", "no"]},
}


def test_the_generated_queries_and_sql_are_pinned():
    """What each kind of search asks the index, and the SQL search runs, in golden files:
    UPDATE_GOLDEN=1 rewrites them, then read the diff."""
    pinned = {}
    for kind, asked in KINDS.items():
        params = search.SearchParams(
            q=asked.get("q", ""),
            chosen={
                name: tuple(value)
                for name, value in asked.items()
                if name not in ("q", "date_from", "date_to")
            },
            date_from=dt.date.fromisoformat(asked["date_from"]) if "date_from" in asked else None,
            date_to=dt.date.fromisoformat(asked["date_to"]) if "date_to" in asked else None,
        )
        words = search.compile_words(box.read(params.q))
        filters = search.filter_queries(params, [5] if "speaker:" in params.q else [])
        pinned[kind] = {
            "read": repr(box.read(params.q)),
            "query": repr(search.combined(words.query, filters.values())),
            "marks": [sorted(words.marks.stems), [list(p) for p in words.marks.phrases]],
        }
    pinned["sql"] = {
        "hits": " ".join(search.HIT_SQL.split()),
        "named": {name: " ".join(sql.split()) for name, sql in search.NAMED.items()},
        "spelling": " ".join(search.SPELLING_SQL.split()),
        "names": " ".join(search.NAMES_KEY_SQL.split()),
        "documents": " ".join(search_index.DOCUMENTS_SQL.split()),
    }
    assert_matches_golden(pinned, GOLDEN)


def test_the_official_facet_lists_officials_and_reporters_outlets_have_a_facet_of_their_own(
    client, db
):
    import datetime as dt

    from statements.ingest import MeetingInfo, ingest

    text = (
        "Jalina Porter, Principal Deputy Spokesperson\n\n"
        "MS PORTER:  Good afternoon on sanctions.\n\n"
        "QUESTION:  Thanks. Said Arikat, Al-Quds.  On sanctions?\n\n"
        "MR. SORKIN:  And sanctions on whom?\n\n"
        "MS PORTER:  On those who break sanctions.\n\n"
        "MR. SORKIN:  Thank you for the sanctions talk?\n"
    )
    ingest(text, MeetingInfo(date=dt.date(2022, 3, 1), publisher="state", kind="briefing"))
    found = api(client, "q=sanctions")
    officials = [v["label"] for v in found["facets"]["speaker"]]
    assert officials == ["Jalina Porter"]  # not the reporter, nor the interviewer
    kinds = {v["value"]: v["count"] for v in found["facets"]["speaker_kind"]}
    assert kinds == {"official": 2, "journalist": 3}
    assert [(v["label"], v["count"]) for v in found["facets"]["outlet"]] == [("Al-Quds", 1)]
    assert api(client, "q=sanctions&outlet=Al-Quds")["total"] == 1
    assert api(client, "q=sanctions&speaker_kind=journalist")["total"] == 3
