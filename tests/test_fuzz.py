"""Every public URL with any parameters: a page or a 4xx with a message, never a 5xx.

Hypothesis draws the query strings: the parameters the pages read, and others, with values
that are valid, nearly valid (years and months at the calendar's edges, Unicode digits), and
anything at all. A few hundred requests, well under a minute.
"""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statements.models import Meeting, Speaker, Topic, Utterance

PARAMETERS = [
    "q",
    "speaker",
    "country",
    "topic",
    "place",
    "year",
    "month",
    "meeting",
    "kind",
    "interpreted",
    "date_from",
    "date_to",
    "sort",
    "page",
    "search",
    "page_size",
    "facet_limit",
    "facets",
    "format",
    "terms",
    "by",
    "filter",
]
EDGES = [
    "",
    "0",
    "-1",
    "1",
    "²",
    "٣",
    "9999",
    "10000",
    "99999999999999999999",
    "1e9",
    "0001-01",
    "9999-12",
    "2023-13",
    "2023-02-30",
    "9999-12-31",
    "0001-01-01",
    "\x00",
    "'",
    '"',
    "%",
    "<script>",
    "relevance",
    "newest",
    "yes",
    "answer",
    "Mexico",
    "fentanyl",
    '"rule of law" -mexico or',
    "x" * 600,
    "csv",
    "jsonl",
    "country",
    "speaker",
    'fentanyl,"rule of law"',
]
values = st.one_of(
    st.sampled_from(EDGES),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(str),
    st.text(max_size=40),
)
queries = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10)), values),
    max_size=6,
)


@pytest.fixture
def public_paths(archive) -> list[str]:
    meeting = Meeting.objects.get(kind="interview")
    return [
        "/",
        "/api/search",
        "/meetings/",
        meeting.get_absolute_url(),
        f"{meeting.get_absolute_url()}original.txt",
        Utterance.objects.filter(meeting=meeting).first().get_absolute_url(),
        "/speakers/",
        Speaker.objects.get(name="Antony J. Blinken").get_absolute_url(),
        "/topics/",
        Topic.objects.get(slug="drugs").get_absolute_url(),
        "/places/",
        "/places/mexico/",
        "/api/places",
        "/trends/",
        "/search/facets/speaker/",
        "/feeds/search.atom",
        "/api/meetings",
        "/api/speakers",
        "/api/utterances/1",
    ]


@pytest.mark.django_db
@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.integers(min_value=0, max_value=15), query=queries)
def test_no_public_url_answers_any_parameters_with_a_5xx(client, public_paths, path, query):
    url = f"{public_paths[path]}?{urlencode(query)}"
    response = client.get(url)
    assert response.status_code < 500, url
    if response.streaming:  # an export: every row of it
        b"".join(response.streaming_content)
    if public_paths[path].startswith("/api/"):
        assert response["Content-Type"] == "application/json", url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/", "page=²"),
        ("/api/search", "page=²"),
        ("/meetings/", "year=²"),
        ("/meetings/", "year=0"),
        ("/meetings/", "year=10000"),
        ("/meetings/", "year=99999999999999999999"),
        ("/", "month=9999-12"),
        ("/api/search", "month=9999-12"),
    ],
)
def test_the_inputs_that_gave_a_500_give_a_400(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["error"] == "Invalid search parameters."
