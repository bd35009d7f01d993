"""bench.figures at a tiny size, every part, so that the script cannot rot: the same code as the
full figures (README, bench/README.md), on one throwaway archive of the samples. About a
minute; skipped without Debian's PostgreSQL 15 binaries."""

import os

import pytest

from bench import clusters, figures

pytestmark = pytest.mark.skipif(clusters.missing() is not None, reason=str(clusters.missing()))


@pytest.fixture(scope="module")
def measured(chromium):
    sizes = figures.Sizes(
        fuzz_requests=60,
        fuzz_seconds=60,
        clients=2,
        load_seconds=3,
        ingest_utterances=300,
        browse_pages=5,
        browse_seconds=60,
    )
    workers = os.environ.get("WEB_CONCURRENCY")
    os.environ["WEB_CONCURRENCY"] = "2"  # each server starts sooner
    try:
        measured = figures.run(sizes, browser=chromium)
        print("bench.figures, tiny, seconds:", measured["run"]["seconds"])
        return measured
    finally:
        if workers is None:
            del os.environ["WEB_CONCURRENCY"]
        else:
            os.environ["WEB_CONCURRENCY"] = workers


def test_fuzzing_every_public_url_gives_no_server_error(measured):
    fuzzed = measured["fuzz"]
    assert fuzzed["requests"] == 60
    assert fuzzed["server_errors"] == 0, fuzzed["first_server_errors"]
    assert {"200", "400"} <= fuzzed["statuses"].keys()


def test_load_is_measured_without_and_with_the_cache(measured):
    for name in ("without_cache", "with_cache"):
        run = measured["load"][name]
        assert run["requests"] > 0, run
        assert run["errors"] == 0, run["statuses"]
        assert 0 < run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"]
    assert measured["load"]["without_cache"]["searches_from_cache"] == 0


def test_faults_leave_no_partial_meeting_and_the_site_recovers(measured):
    killed = measured["faults"]["ingest_killed"]
    assert killed["partial_meetings_after_kill"] == 0
    assert killed["meetings_after_ingesting_again"] == killed["transcripts"]
    restart = measured["faults"]["database_restart"]
    assert restart["statuses_while_down"] == [503, 503, 503]
    assert restart["retry_after_while_down"] == ["30", "30", "30"]
    assert restart["api_json_while_down"]
    assert restart["recovered_after_start_seconds"] is not None
    assert set(measured["faults"]["replica_down"]["statuses_replica_down"]) == {"200"}


def test_security_finds_a_clean_deploy_check_csp_everywhere_and_no_dialog(measured):
    secured = measured["security"]
    assert secured["check_deploy"]["clean"], secured["check_deploy"]["output"]
    assert secured["responses_without_csp"] == []
    assert secured["payload_meetings_stored"] == len(figures.XSS_PAYLOADS)
    assert secured["browser"]["pages"] == 5
    assert secured["browser"]["dialogs"] == 0, secured["browser"]["first_dialogs"]
    assert secured["browser"]["pages_without_csp"] == []


def test_the_table_names_every_part(measured):
    shown = figures.table(measured)
    for part in ("fuzz", "load", "faults", "security"):
        assert part in shown
