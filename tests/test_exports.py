"""Every match of a search as a file: exact, whole, in order, and readable by a spreadsheet."""

import csv
import io
import json
import re

import pytest

from statements import exports
from statements.filters import UtteranceFilter
from statements.models import Utterance

pytestmark = pytest.mark.django_db


def download(client, query: str):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 200, response.content
    assert response.streaming
    return response, b"".join(response.streaming_content)


def csv_rows(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")  # the byte-order mark: spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_a_csv_export_is_every_match_with_its_full_text(client, archive):
    page = client.get("/api/search?q=fentanyl&country=Mexico").json()
    response, body = download(client, "q=fentanyl&country=Mexico&format=csv")
    rows = csv_rows(body)
    assert len(rows) == page["total"] == int(response["X-Export-Total"]) > 0
    assert list(rows[0]) == [column.name for column in exports.COLUMNS]
    texts = dict(Utterance.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "text"))
    assert all(row["text"] == texts[int(row["id"])] for row in rows)
    assert {row["speaker_country"] for row in rows} == {"Mexico"}
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="archive-search-')


def test_an_export_keeps_accents_roles_topics_and_links(client, archive):
    _, body = download(client, "speaker=alicia-barcena-ibarra&format=csv")
    rows = csv_rows(body)
    assert rows and {row["speaker_name"] for row in rows} == {"Alicia Bárcena Ibarra"}
    row = rows[0]
    utterance = Utterance.objects.select_related("meeting").get(pk=row["id"])
    assert row["speaker_role"] == utterance.role
    assert row["permalink"] == f"http://testserver{utterance.get_absolute_url()}"
    assert row["topics"] == "; ".join(sorted(utterance.topics.values_list("name", flat=True)))
    assert row["meeting_date"] == utterance.meeting.date.isoformat()
    assert row["interpreted"] in ("true", "false")


def test_an_export_is_in_date_order_newest_first_unless_asked_oldest(client, archive):
    _, body = download(client, "q=fentanyl&format=csv")
    newest = [(r["meeting_date"], r["id"]) for r in csv_rows(body)]
    assert [d for d, _ in newest] == sorted((d for d, _ in newest), reverse=True)
    _, body = download(client, "q=fentanyl&format=csv&sort=oldest")
    oldest = [(r["meeting_date"], r["id"]) for r in csv_rows(body)]
    assert [d for d, _ in oldest] == sorted(d for d, _ in oldest)
    assert sorted(newest) == sorted(oldest)


def test_a_jsonl_export_says_first_when_and_what_it_is(client, archive):
    response, body = download(client, "q=fentanyl&topic=drugs&format=jsonl")
    lines = body.decode().splitlines()
    about = json.loads(lines[0])["export"]
    records = [json.loads(line) for line in lines[1:]]
    assert about["total"] == len(records) == int(response["X-Export-Total"]) > 0
    assert about["query"] == "q=fentanyl&topic=drugs" == response["X-Export-Query"]
    assert about["made"] == response["X-Export-Made"] and about["made"].endswith("Z")
    assert about["search"] == "http://testserver/?q=fentanyl&topic=drugs"
    assert all("Drugs" in record["topics"] for record in records)
    assert isinstance(records[0]["interpreted"], bool) and isinstance(records[0]["id"], int)


def test_chunks_page_through_the_index_without_losing_or_repeating_a_match(archive):
    filterset = UtteranceFilter({"q": "the"})
    filterset.is_valid()
    found = exports.matches(filterset.params())
    assert found.query is None  # only very common words: nothing to export
    filterset = UtteranceFilter({})
    filterset.is_valid()
    found = exports.matches(filterset.params())
    chunks = list(exports.ids(found, chunk=7))
    ids = [pk for chunk in chunks for pk in chunk]
    assert len(chunks) == -(-found.total // 7)
    assert len(ids) == len(set(ids)) == found.total == Utterance.objects.count()


def test_a_search_that_finds_nothing_exports_only_its_header(client, archive):
    _, body = download(client, "q=zzzzqqq&format=csv")
    assert csv_rows(body) == []
    assert body.decode("utf-8-sig").startswith("id,permalink,")


def test_the_results_page_links_to_the_export_of_its_search_not_of_its_page(client, archive):
    html = client.get("/?q=fentanyl&country=Mexico&page=2&page_size=5").content.decode()
    link = re.search(r'<a href="(/api/search\?[^"]*format=csv[^"]*)" download>', html)[1]
    assert link.replace("&amp;", "&") == "/api/search?q=fentanyl&country=Mexico&format=csv"
    assert "Download these 11 results" in html
