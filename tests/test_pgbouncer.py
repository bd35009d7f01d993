"""The archive through pgbouncer in transaction mode (README, "Scaling"), in front of a throwaway
cluster of its own (bench/clusters.py): ingest, search and Django's iterator() work with
DATABASE_POOLER=pgbouncer, which turns off server-side cursors and prepared statements (they
would outlive the transaction that pgbouncer lends a server connection for); the advisory locks
the archive takes are transaction-level ones, which pgbouncer keeps whole; and the statement
timeout comes from the role, as pgbouncer refuses startup options. About 15 s; skipped without
pgbouncer or Debian's PostgreSQL 15 binaries."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bench import clusters

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "transcripts" / "2021-10-08-blinken-interview-milenio-tv.txt"

pytestmark = pytest.mark.skipif(
    clusters.pgbouncer_missing() is not None, reason=str(clusters.pgbouncer_missing())
)

# Run by manage.py shell, through pgbouncer: what the web and the ingest do, and what they see.
THROUGH_POOLER = """
import json
from django.db import connection
from statements import search, search_index
from statements.models import Meeting, Utterance
from statements.ingest import ingest
from tests.conftest import sample_info
from pathlib import Path

path = Path(%r)
result = ingest(path.read_text(encoding="utf-8"), sample_info(path))
search_index.sync()
found = search.run(search.SearchParams(q="Mexico"))
iterated = sum(1 for _ in Utterance.objects.order_by("pk").iterator(chunk_size=7))
counts = {Meeting.objects.count() for _ in range(20)}  # past psycopg's prepare threshold
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    timeout = cursor.fetchone()[0]
print(json.dumps({
    "meeting": result.meeting.title,
    "found": found.total,
    "iterated": iterated,
    "utterances": Utterance.objects.count(),
    "counts": sorted(counts),
    "server_side_cursors_disabled": connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
    "prepare_threshold": connection.settings_dict["OPTIONS"].get("prepare_threshold", "unset"),
    "statement_timeout": timeout,
}))
"""


@pytest.fixture(scope="module")
def pooled():
    with clusters.scratch() as root:
        primary = clusters.new_primary(root)
        primary.sql("CREATE DATABASE archive")
        primary.sql("ALTER ROLE postgres IN DATABASE archive SET statement_timeout = '10s'")
        env = {
            **os.environ,
            "DATABASE_URL": primary.url("archive"),
            "SEARCH_INDEX_DIR": str(root / "search-index"),
        }
        for command in (["migrate", "--noinput", "-v", "0"], ["seed"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        pooler = clusters.start_pgbouncer(primary, root, pool_size=2)
        try:
            yield pooler, {**env, "DATABASE_URL": pooler.url("archive"), "DATABASE_POOLER": "1"}
        finally:
            pooler.stop()


def test_ingest_search_and_iteration_work_through_pgbouncer(pooled):
    _, env = pooled
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", THROUGH_POOLER % str(SAMPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["meeting"]
    assert seen["found"] > 0
    assert seen["iterated"] == seen["utterances"] > 0
    assert seen["counts"] == [1]
    assert seen["server_side_cursors_disabled"] is True
    assert seen["prepare_threshold"] is None
    # Not the -c statement_timeout the settings send without a pooler: the role's.
    assert seen["statement_timeout"] == "10s"


def test_the_archive_s_advisory_locks_hold_through_pgbouncer(pooled):
    from statements.search_index import LOCK

    pooler, _ = pooled
    url = pooler.url("archive")
    with psycopg.connect(url) as holder, psycopg.connect(url) as other:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        assert not other.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK]).fetchone()[0]
        other.rollback()
        holder.commit()  # the lock ends with its transaction, on whichever server connection
        assert other.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK]).fetchone()[0]
        other.commit()


def test_the_archive_takes_no_session_level_advisory_lock():
    """A session-level lock would stay on the server connection pgbouncer lends to the next
    client: the archive takes transaction-level ones only."""
    session_level = re.compile(r"pg_(try_)?advisory_(lock|unlock)(_shared)?\(")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("archive", "statements", "bench")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if session_level.search(line)
    ]
    assert found == []
