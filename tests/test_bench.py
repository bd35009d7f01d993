"""The benchmark at a small scale, so that it keeps working, and its check of search's answers
against exact SQL."""

import json

import pytest

from bench import data as bench_data
from bench import run as bench
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
    return synthesize(4_000, seed=11, text="samples")


def test_the_benchmark_times_every_kind_of_search_and_finds_its_answers_exact(archive, tmp_path):
    before = (Meeting.objects.count(), Utterance.objects.count())
    result = bench.run(repeat=2, synth_batch=150, ingest_runs=1, rebuild_index=True)

    assert [row["name"] for row in result["searches"]] == SEARCHES
    for row in result["searches"]:
        assert row["samples"] == 2 and row["p50_ms"] > 0, row
        # Against exact SQL over the record: the total, every facet count shown and the true
        # top values, and the relevance page as the top of every match ranked.
        assert row["total_exact"] and row["total"] == row["sql_total"], row
        assert row["facet_worst_error"] == 0 and row["facet_top_missing"] == 0, row
        assert row["top20_exact"] is (True if "q" in _params(row["name"]) else None), row
    assert result["search_index"]["megabytes"] > 0 and result["search_index"]["rebuild_seconds"]
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
    assert "NO" not in table  # no answer found inexact

    # The data's ways out: the API's search at page_size=100, trends, exports of every match.
    data = bench_data.run_data(repeat=2)
    assert [row["name"] for row in data["api"]][0] == "api 100: rare word"
    assert all(row["samples"] == 2 and row["p95_ms"] >= row["p50_ms"] > 0 for row in data["api"])
    common = next(row for row in data["api"] if row["name"] == "api 100: common word")
    assert common["total"] > 500
    assert [row["name"] for row in data["trends"]][0] == "trends: 3 terms"
    everything = next(row for row in data["exports"] if row["name"] == "export CSV: everything")
    assert everything["rows"] == Utterance.objects.count() and everything["rows_per_second"] > 0
    exported = next(row for row in data["exports"] if row["name"] == "export CSV: common word")
    assert exported["rows"] == common["total"]
    assert "rows/s" in bench_data.data_table(data)


def _params(name: str) -> dict:
    return {} if name.endswith("alone") else {"q": name}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_ingest_command_is_timed_with_workers_and_leaves_the_archive_as_it_was():
    synthesize(1_000, seed=5, text="samples")
    before = (Meeting.objects.count(), Utterance.objects.count(), Speaker.objects.count())
    measured = bench.time_command_ingest(300, workers=2)
    assert measured["workers"] == 2 and measured["utterances"] >= 300
    assert measured["utterances_per_second"] > 0
    assert (Meeting.objects.count(), Utterance.objects.count(), Speaker.objects.count()) == before
    # What it wrote went into the search index with it, and out again when it was deleted.
    assert not bench.search_index.pending()


def test_counts_of_thousands_print_with_separators(archive, client):
    total = Utterance.objects.count()
    assert total >= 1_000
    assert f"{total:,} utterances by" in client.get("/").content.decode()
