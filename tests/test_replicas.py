"""A real streaming replica on loopback (bench/clusters.py: a throwaway primary of its own and a
replica made by pg_basebackup -R), with the archive served by gunicorn from both: searches read
from the replica, an upload is seen through it once replayed, the primary serves when the
replica is down, and replication lag stays small. The shared cluster is never touched.

About 30 s; skipped without Debian's PostgreSQL 15 binaries."""

import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from archive.routers import PIN_COOKIE
from bench import clusters

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "transcripts"
FIRST = SAMPLES / "2021-10-08-blinken-interview-milenio-tv.txt"
SECOND = SAMPLES / "2023-10-05-hlsd-opening-session-mexico-city.txt"

pytestmark = pytest.mark.skipif(clusters.missing() is not None, reason=str(clusters.missing()))


class Site:
    """The archive served by gunicorn from a throwaway primary and its replica."""

    def __init__(self, root: Path):
        self.root = root
        self.primary = clusters.new_primary(root)
        self.primary.sql("CREATE DATABASE archive")
        self.env = {
            **os.environ,
            "DATABASE_URL": self.primary.url("archive"),
            "SEARCH_INDEX_DIR": str(root / "search-index"),
            "DEBUG": "true",  # static files without collectstatic
            "SEARCH_CACHE_SECONDS": "0",  # every search runs, on the replica
            "REDIS_URL": "",
            "REPLICA_RETRY_SECONDS": "1",
        }
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("seed")
        self.replica = clusters.new_replica(self.primary, root, log_statement="all")
        self.env["DATABASE_REPLICA_URLS"] = self.replica.url("archive")
        self.port = clusters.free_port()
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "archive.wsgi", "--workers", "2"]
            + ["--bind", f"127.0.0.1:{self.port}", "--no-control-socket"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(root / "gunicorn.log").open("w"),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.get("/meetings/")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise RuntimeError((root / "gunicorn.log").read_text()[-3000:]) from None
                time.sleep(0.2)

    def manage(self, *arguments: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def get(self, path: str, cookie: str = "") -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        if cookie:
            request.add_header("Cookie", cookie)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def replica_statements(self, since: int) -> str:
        """What the replica ran since its log was `since` bytes long."""
        with self.replica.log.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def replica_log_size(self) -> int:
        return self.replica.log.stat().st_size

    def replayed(self) -> None:
        clusters.replay_lag(self.primary, self.replica)

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=10)


@pytest.fixture(scope="module")
def site():
    with clusters.scratch() as root:
        served = Site(root)
        try:
            yield served
        finally:
            served.close()


def test_searches_read_from_the_replica(site):
    site.manage("ingest", str(FIRST))
    site.replayed()
    mark = site.replica_log_size()
    status, page = site.get("/?q=Mexico")
    assert status == 200
    assert "results" in page.lower()
    ran = site.replica_statements(mark)
    assert "FROM statements_utterance" in ran
    assert "statements_meeting" in ran


def test_an_upload_is_seen_through_the_replica_once_replayed(site):
    site.manage("ingest", str(SECOND))
    site.replayed()
    mark = site.replica_log_size()
    status, page = site.get("/meetings/")
    assert status == 200
    assert "High-Level Security Dialogue" in page or "Opening" in page
    assert "statements_meeting" in site.replica_statements(mark)


def test_a_reader_who_just_wrote_reads_from_the_primary(site):
    mark = site.replica_log_size()
    status, _ = site.get("/meetings/", cookie=f"{PIN_COOKIE}=1")
    assert status == 200
    assert "statements_" not in site.replica_statements(mark)


def test_replication_lag_is_small(site):
    lags = [site.replica and clusters.replay_lag(site.primary, site.replica) for _ in range(20)]
    print(
        f"replay lag over 20 writes: median {statistics.median(lags) * 1000:.1f} ms, "
        f"max {max(lags) * 1000:.1f} ms"
    )
    assert max(lags) < 1.0


def test_the_primary_serves_while_the_replica_is_down(site):
    site.replica.stop()
    try:
        for path in ("/?q=Mexico", "/meetings/", "/api/search?q=security"):
            status, _ = site.get(path)
            assert status == 200, path
    finally:
        site.replica.start()
    time.sleep(1.1)  # REPLICA_RETRY_SECONDS: the replica is tried again
    mark = site.replica_log_size()
    assert site.get("/?q=Mexico")[0] == 200
    assert site.get("/?q=Mexico")[0] == 200  # each worker, once it has tried again
    assert "FROM statements_utterance" in site.replica_statements(mark)
