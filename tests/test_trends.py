"""Term trends: exact mentions a year, their rate, the chart and its table, and the CSV."""

import csv
import io
import re

import pytest

from statements import trends
from statements.models import Utterance

pytestmark = pytest.mark.django_db


def test_terms_are_split_at_commas_but_not_inside_a_phrase():
    assert trends.read_terms('fentanyl, "rule of law",migration,,') == [
        "fentanyl",
        '"rule of law"',
        "migration",
    ]
    assert trends.read_terms("“arms, guns”, drugs") == ['"arms, guns"', "drugs"]


def test_each_years_mentions_are_the_total_of_the_search_it_links_to(client, archive):
    trend = trends.count(["fentanyl", '"rule of law"'])
    assert trend.years == [2021, 2022, 2023]
    for series in trend.series:
        for point in series.points:
            linked = client.get(point.link.replace("/?", "/api/search?")).json()["total"]
            assert point.mentions == linked, (series.term, point.year)
    fentanyl = trend.series[0]
    assert fentanyl.total == client.get("/api/search?q=fentanyl").json()["total"] == 34


def test_the_rate_is_mentions_per_10000_words_spoken_that_year(archive):
    [series] = trends.count(["fentanyl"]).series
    for point in series.points:
        words = sum(
            Utterance.objects.filter(date__year=point.year).values_list("word_count", flat=True)
        )
        assert point.words == words
        assert point.rate == pytest.approx(10_000 * point.mentions / words)


def test_split_by_country_gives_each_countrys_mentions_and_rate(client, archive):
    trend = trends.count(["fentanyl"], by="country")
    countries = {s.split for s in trend.series}
    assert countries <= {"United States", "Mexico"} and "Mexico" in countries
    mexico = next(s for s in trend.series if s.split == "Mexico")
    facet = client.get("/api/search?q=fentanyl").json()["facets"]["country"]
    assert mexico.total == next(v["count"] for v in facet if v["value"] == "Mexico")
    point = next(p for p in mexico.points if p.mentions)
    spoken = sum(
        Utterance.objects.filter(date__year=point.year, speaker__country="Mexico").values_list(
            "word_count", flat=True
        )
    )
    assert point.words == spoken
    assert client.get(point.link.replace("/?", "/api/search?")).json()["total"] == point.mentions


def test_split_by_speaker_links_to_their_turns(client, archive):
    trend = trends.count(["fentanyl"], by="speaker")
    assert 0 < len(trend.series) <= trends.TOP
    top = trend.series[0]
    assert top.split_label and "speaker=" in top.points[-1].link
    assert sum(p.mentions for p in top.points) == top.total > 0


def test_the_page_draws_an_accessible_chart_with_a_table_and_no_inline_style(client, archive):
    response = client.get('/trends/?terms=fentanyl,"rule of law",migration')
    assert response.status_code == 200
    html = response.content.decode()
    svg = html[html.index("<svg viewBox") : html.index("</svg>")]
    assert 'role="group"' in svg and "<title" in svg and "<desc" in svg
    assert "style=" not in html and "<script>" not in html
    assert svg.count("<polyline") == 3
    assert 'href="/?q=fentanyl&amp;year=2023"' in svg
    assert "fentanyl: 34 mentions, most in 2023" in svg
    cells = re.findall(r'<a href="/\?q=fentanyl&amp;year=(\d+)">(\d+)</a>', html)
    assert sum(int(n) for _, n in cells) == 34
    assert "Download the table (CSV)" in html


def test_the_csv_has_a_row_a_term_and_year(client, archive):
    response = client.get("/trends/?terms=fentanyl&by=country&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "year",
        "term",
        "country",
        "mentions",
        "words_spoken",
        "per_10000_words",
    ]
    assert sum(int(r["mentions"]) for r in rows if r["country"] == "Mexico") > 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("terms=a1,b2,c3,d4,e5,f6", "Up to 5 terms at once: these are 6"),
        ("terms=the", "“the” has nothing to count"),
        ("terms=fentanyl&by=colour", "is not a split"),
        ("terms=fentanyl&format=xls", "is not a format"),
    ],
)
def test_bad_trends_are_a_400_that_says_why(client, archive, query, message):
    response = client.get(f"/trends/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_no_terms_is_the_form_alone(client, archive):
    response = client.get("/trends/")
    assert response.status_code == 200
    assert "<svg viewBox" not in response.content.decode()
