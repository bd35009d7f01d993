"""Getting the data out, in the browser: a filtered search downloaded as CSV holds exactly the
results the page counts, with their full texts; a long facet opens whole and narrows by name; the
API's documentation and the trends chart work under the Content-Security-Policy (the `page`
fixture fails a test on anything the policy blocks)."""

import csv
import re

import pytest
from playwright.sync_api import expect

from statements.models import Utterance

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_filtered_search_downloads_as_a_csv_of_every_result_with_full_texts(
    page, live_archive, tmp_path
):
    page.goto("/?q=fentanyl")
    page.locator("section[aria-labelledby=facet-country]").get_by_text("Mexico").click()
    heading = page.locator("#results-heading")
    expect(heading).to_contain_text("of 11 utterances")
    total = int(re.search(r"of ([\d,]+) utterances", heading.inner_text())[1].replace(",", ""))

    link = page.get_by_role("link", name=f"Download these {total} results")
    with page.expect_download() as download:
        link.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("archive-search-") and path.suffix == ".csv"

    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == total
    assert {row["speaker_country"] for row in rows} == {"Mexico"}
    texts = dict(Utterance.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "text"))
    assert len(texts) == total
    assert all(row["text"] == texts[int(row["id"])] for row in rows)
    assert any("\n\n" in row["text"] for row in rows)  # whole turns, paragraphs and all
    assert "Bárcena" in " ".join(row["speaker_name"] for row in rows)


def test_a_long_facet_opens_whole_and_narrows_by_name(page, live_archive):
    page.goto("/?speaker_kind=official")
    officials = page.locator("section[aria-labelledby=facet-speaker]")
    officials.get_by_role("link", name=re.compile("^and other values")).click()
    expect(page.locator("h1")).to_have_text("Official")
    listed = page.locator(".facet-values .facet-value")
    assert listed.count() > 12
    page.get_by_label("Find a value").fill("gertz")
    page.get_by_role("button", name="Find").click()
    expect(listed).to_have_count(1)
    listed.get_by_text("Alejandro Gertz Manero").click()
    page.get_by_role("button", name="Search with these").click()
    expect(page.locator("#results-heading")).to_contain_text("of 1 utterance")
    expect(page.get_by_role("link", name="Remove Official: Alejandro Gertz Manero")).to_be_visible()


def test_the_api_documentation_runs_from_this_site_under_its_policy(page, live_archive):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Diplomatic Statements Archive API"
    )
    expect(page.locator(".opblock-summary-path", has_text="/api/search").first).to_be_visible()
    base = page.url.split("/api/docs")[0]
    assert requested and all(url.startswith(base) or url.startswith("data:") for url in requested)


def test_the_trends_chart_and_its_links(page, live_archive):
    page.goto("/trends/")
    page.get_by_label("Words or phrases").fill('fentanyl, "rule of law"')
    page.get_by_role("button", name="Chart").click()
    chart = page.get_by_role("group", name="Mentions")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    page.get_by_role("link", name="27", exact=True).click()
    expect(page.locator("#results-heading")).to_contain_text("of 27 utterances")
