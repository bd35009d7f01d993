"""The benchmark at a small scale, so that it keeps working; and search's large-archive paths,
made to run on a small one by lowering the limits they start at."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import run as bench
from statements import search
from statements.management.commands.synth import synthesize
from statements.models import Meeting, Speaker, Utterance

pytestmark = pytest.mark.django_db

SEARCHES = [
    f"{kind}{suffix}"
    for kind in ("rare", "medium", "common", "phrase")
    for suffix in ("", " + speaker", " + topic", " + date")
] + ["speaker alone", "topic alone", "date alone"]


@pytest.fixture
def archive():
    return synthesize(4_000, seed=11)


def test_the_benchmark_times_every_kind_of_search_and_agrees_with_the_floor(archive, tmp_path):
    before = (Meeting.objects.count(), Utterance.objects.count())
    result = bench.run(repeat=2, synth_batch=150, ingest_runs=1)

    assert [row["name"] for row in result["searches"]] == SEARCHES
    for row in result["searches"]:
        assert row["samples"] == 2 and row["p50_ms"] > 0 and row["floor_p50_ms"] > 0, row
        # A small archive is counted exactly, so the app's totals are the floor's.
        assert not row["estimate"] and row["total"] == row["floor_total"], row
    totals = {row["name"]: row["total"] for row in result["searches"]}
    assert totals["common"] > totals["medium"] > totals["rare"]
    assert totals["common"] > 500 and totals["phrase"] > 0
    assert [row["name"] for row in result["pages"]] == [
        "page: medium word",
        "page: very common word",
        "api: very common word",
        "front page",
        "meetings list",
        "topic page",
        "speaker page",
    ]
    assert all(row["samples"] >= 3 and row["p95_ms"] >= row["p50_ms"] for row in result["pages"])

    samples, synthetic = result["ingest"]["samples"], result["ingest"]["synthetic"]
    assert samples["utterances"] == 144 and samples["utterances_per_second"] > 0
    assert synthetic["utterances"] >= 150 and 0 < synthetic["retag_seconds"] < synthetic["seconds"]
    # Ingest was timed in a transaction rolled back: the archive is as it was.
    assert (Meeting.objects.count(), Utterance.objects.count()) == before

    path = tmp_path / "result.json"
    bench.write(result, path)
    assert json.loads(path.read_text())["utterances"] == 4_000
    table = bench.table(result)
    assert all(name in table for name in SEARCHES) and "ingest samples" in table


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_ingest_command_is_timed_with_workers_and_leaves_the_archive_as_it_was():
    synthesize(1_000, seed=5)
    before = (Meeting.objects.count(), Utterance.objects.count(), Speaker.objects.count())
    measured = bench.time_command_ingest(300, workers=2)
    assert measured["workers"] == 2 and measured["utterances"] >= 300
    assert measured["utterances_per_second"] > 0
    assert (Meeting.objects.count(), Utterance.objects.count(), Speaker.objects.count()) == before


@pytest.fixture
def large(monkeypatch):
    """Search as if the archive were large: samples beyond a few hundred rows."""
    monkeypatch.setattr(search, "LARGE_ARCHIVE", 0)
    monkeypatch.setattr(search, "EXACT_LIMIT", 300)
    monkeypatch.setattr(search, "RANK_LIMIT", 100)


def floor_count(sql_condition: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM statements_utterance AS u WHERE {sql_condition}", params
        )
        return cursor.fetchone()[0]


def test_a_large_result_is_counted_from_a_sample_and_says_so(archive, large, client):
    results = bench.search_once({"q": "security"})
    exact = floor_count("u.search_vector @@ archive_query(%s)", ["security"])
    assert results.total_is_estimate and str(results.total) == f"≈{int(results.total):,}"
    assert abs(results.total - exact) / exact < 0.5
    # Every facet with values is estimated (months are counted only within a year chosen).
    assert not results.facets["month"].values
    assert all(facet.estimate for name, facet in results.facets.items() if name != "month")
    assert all(str(v.count).startswith("≈") for v in results.facets["kind"].values)
    # Relevance ranks the newest RANK_LIMIT matches, and says so.
    assert results.ranked_among == 100 and len(results.hits) == search.PAGE_SIZE

    data = client.get("/api/search", {"q": "security"}).json()
    assert isinstance(data["total"], int)  # an estimate is still a number in the API
    page = client.get("/", {"q": "security"}).content.decode()
    assert f"≈{int(results.total):,}" in page  # and never looks exact on the page
    assert f"Page 1 of ≈{int(results.pages):,}" in page


def test_counts_of_thousands_print_with_separators(archive, client):
    total = Utterance.objects.count()
    assert total >= 1_000
    assert f"{total:,} utterances by" in client.get("/").content.decode()


def matches_in_order(order: str, limit: int, offset: int = 0) -> list[int]:
    """What an exact reading of every match of "security" gives, in this order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.id FROM statements_utterance AS u "
            "WHERE u.search_vector @@ archive_query('security') "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [limit, offset],
        )
        return [pk for (pk,) in cursor.fetchall()]


NEWEST = "u.date DESC, u.meeting_id, u.sequence"
OLDEST = "u.date, u.meeting_id, u.sequence"


# A quarter of the archive says "security": its window's rows are checked one by one, unless
# no word is taken for that common.
@pytest.mark.parametrize("dense_share", [search.DENSE_SHARE, 1.0], ids=["row by row", "index"])
def test_the_page_of_a_large_result_is_the_one_reading_every_match_would_give(
    archive, large, monkeypatch, dense_share
):
    monkeypatch.setattr(search, "DENSE_SHARE", dense_share)
    for sort, order in (("newest", NEWEST), ("oldest", OLDEST)):
        for page in (1, 4):
            with CaptureQueriesContext(connection) as queries:
                results = bench.search_once({"q": "security", "sort": sort}, page=page)
            checked = any("ts_match_vq" in query["sql"] for query in queries)
            assert checked == (dense_share < 1), "the window's words checked row by row"
            # Or looked up in their index with the window's years.
            by_years = any("'year " in query["sql"] for query in queries)
            assert by_years == (dense_share == 1), "the window's years looked up with the words"
            assert results.total_is_estimate
            expected = matches_in_order(order, search.PAGE_SIZE, (page - 1) * search.PAGE_SIZE)
            assert [hit.utterance.pk for hit in results.hits] == expected, (sort, page)

    # By relevance: the RANK_LIMIT newest matches, ranked.
    ranked = []
    for page in range(1, search.RANK_LIMIT // search.PAGE_SIZE + 1):
        ranked += [hit.utterance.pk for hit in bench.search_once({"q": "security"}, page).hits]
    assert sorted(ranked) == sorted(matches_in_order(NEWEST, search.RANK_LIMIT))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM statements_utterance WHERE id = ANY(%s) ORDER BY "
            "ts_rank_cd(search_vector, archive_query('security'), 1) DESC, "
            "date DESC, meeting_id, sequence",
            [ranked],
        )
        assert ranked == [pk for (pk,) in cursor.fetchall()]


def test_the_page_of_a_large_result_of_filters_alone_is_the_newest_of_them(archive, large):
    results = bench.search_once({"kind": "answer"}, page=2)
    assert results.total_is_estimate
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id FROM statements_utterance AS u WHERE u.kind = 'answer' ORDER BY {NEWEST} "
            "LIMIT %s OFFSET %s",
            [search.PAGE_SIZE, search.PAGE_SIZE],
        )
        expected = [pk for (pk,) in cursor.fetchall()]
    assert [hit.utterance.pk for hit in results.hits] == expected


def test_a_window_too_narrow_for_the_page_is_widened(archive, large, monkeypatch):
    last = Utterance.objects.order_by("-date").values_list("date", flat=True)[0]
    # As if the sample had put every match in the last meeting's day.
    monkeypatch.setattr(search._Search, "_cutoff", lambda self, needed: last)
    results = bench.search_once({"q": "security", "sort": "newest"}, page=3)
    assert [hit.utterance.pk for hit in results.hits] == matches_in_order(
        NEWEST, search.PAGE_SIZE, 2 * search.PAGE_SIZE
    )


def test_a_result_smaller_than_postgresql_expects_is_counted_exactly(archive, large, monkeypatch):
    monkeypatch.setattr(search, "_estimated_rows", lambda rows: 10**6)
    results = bench.search_once({"q": "vehicles"})
    exact = floor_count("u.search_vector @@ archive_query(%s)", ["vehicles"])
    assert 0 < exact <= search.EXACT_LIMIT
    assert not results.total_is_estimate and results.total == exact
    assert not any(facet.estimate for facet in results.facets.values())
    assert sum(v.count for v in results.facets["kind"].values) == exact


def test_a_small_result_in_a_large_archive_stays_exact(archive, large):
    speaker = bench.Filters.choose().speaker
    results = bench.search_once({"q": "security", "speaker": speaker.slug})
    exact = floor_count(
        "u.search_vector @@ archive_query(%s) AND u.speaker_id = %s", ["security", speaker.pk]
    )
    assert exact < search.EXACT_LIMIT < floor_count("u.search_vector @@ 'secur'", [])
    assert not results.total_is_estimate and results.total == exact
    # The official facet counts over every speaker, a large set: it alone is estimated.
    assert [name for name, facet in results.facets.items() if facet.estimate] == ["speaker"]
    assert not results.facets["kind"].estimate
    assert sum(v.count for v in results.facets["kind"].values) == exact


def test_a_phrase_with_a_topic_is_counted_by_its_pass_alone(archive, large, monkeypatch):
    """Its rows are not sized beforehand: the sample pass counts them, and they are read
    whole, exactly, when it finds them few."""
    monkeypatch.setattr(search, "WORDS_SAMPLE", 2)
    topic = bench.Filters.choose().topic
    params = {"q": '"united states"', "topic": topic.slug, "sort": "newest"}
    matching = (
        "u.search_vector @@ archive_query(%s) AND EXISTS (SELECT 1 FROM statements_tagging AS t "
        "WHERE t.utterance_id = u.id AND t.topic_id = %s)"
    )
    exact = floor_count(matching, [params["q"], topic.pk])
    assert (
        search.EXACT_LIMIT < exact < floor_count("u.search_vector @@ 'unit & state'::tsquery", [])
    )

    def searched() -> search.Results:
        with CaptureQueriesContext(connection) as queries:
            results = bench.search_once(params)
        sized = [q["sql"] for q in queries if q["sql"].startswith("SELECT count(*)")]
        assert sized and not any("statements_tagging" in sql for sql in sized)
        # Its sample pass counted it: a pass over the sample of the phrase with the topic.
        assert any(
            q["sql"].startswith("WITH base") and "u.id % 2 = 0" in q["sql"] and "EXISTS" in q["sql"]
            for q in queries
        )
        return results

    many = searched()
    assert many.total_is_estimate and abs(many.total - exact) / exact < 0.25
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id FROM statements_utterance AS u WHERE {matching} "
            f"ORDER BY {NEWEST} LIMIT %s",
            [params["q"], topic.pk, search.PAGE_SIZE],
        )
        assert [hit.utterance.pk for hit in many.hits] == [pk for (pk,) in cursor.fetchall()]

    # As many as the pass finds in its sample (one utterance in two): few enough.
    sampled = floor_count(f"{matching} AND u.id %% 2 = 0", [params["q"], topic.pk])
    monkeypatch.setattr(search, "EXACT_LIMIT", int(search.Estimate.scaled(sampled, 2)))
    few = searched()
    assert not few.total_is_estimate and few.total == exact
    assert not few.facets["kind"].estimate


def test_later_pages_of_a_large_result_go_on_newest_first(archive, large):
    ranked = bench.search_once({"q": "security"})
    beyond = bench.search_once({"q": "security"}, page=6)  # past RANK_LIMIT: 5 pages
    newest = bench.search_once({"q": "security", "sort": "newest"}, page=6)
    assert [h.utterance.pk for h in beyond.hits] == [h.utterance.pk for h in newest.hits]
    assert not {h.utterance.pk for h in ranked.hits} & {h.utterance.pk for h in beyond.hits}
    dates = [h.utterance.meeting.date for h in newest.hits]
    assert dates == sorted(dates, reverse=True)


def test_words_said_by_a_speaker_are_looked_up_with_the_speaker_and_follow_a_correction(
    archive, large
):
    speaker = bench.Filters.choose().speaker
    other = Speaker.objects.exclude(pk=speaker.pk).filter(utterances__isnull=False).first()
    params = {"q": "security", "sort": "newest"}

    def found(who: Speaker) -> set[int]:
        with CaptureQueriesContext(connection) as queries:
            results = bench.search_once({**params, "speaker": who.slug})
        # The speaker is one of the words' lexemes, not a second index intersected with them.
        assert any(f"'speaker {who.pk}'" in query["sql"] for query in queries)
        exact = floor_count(
            "u.search_vector @@ archive_query(%s) AND u.speaker_id = %s", ["security", who.pk]
        )
        assert results.total == exact and not results.total_is_estimate
        return {hit.utterance.pk for hit in results.hits}

    moved = sorted(found(speaker))[0]
    assert moved not in found(other)
    # An editor gives the turn to another speaker: the database computes its vector again.
    Utterance.objects.filter(pk=moved).update(speaker=other)
    assert moved in found(other) and moved not in found(speaker)
