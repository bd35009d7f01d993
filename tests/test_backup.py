"""Backups: pg_dump and pg_restore give the archive back whole, and a dump loaded with
loaddata brings back no seeded official or topic that had been deleted."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from statements.ingest import ingest
from statements.models import Meeting, Seeding, Tagging, Topic, Utterance
from statements.seed import seed
from tests.conftest import sample_info, sample_paths

ROOT = Path(__file__).resolve().parent.parent


def libpq_env(database: str) -> dict[str, str]:
    """The environment that points PostgreSQL's tools and manage.py at `database`."""
    settings = connection.settings_dict
    env = {**os.environ, "PGDATABASE": database}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings.get(key):
            env[variable] = str(settings[key])
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    # manage.py reads DATABASE_URL; with no host in it, libpq takes PGHOST and the rest.
    env["DATABASE_URL"] = f"postgres:///{database}"
    return env


@pytest.fixture
def scratch_database():
    """A database of its own for a restore, dropped afterwards whatever happens."""
    name = f"{connection.settings_dict['NAME']}_scratch_{uuid.uuid4().hex[:8]}"
    env = libpq_env(name)
    subprocess.run(["createdb", name], env=env, check=True)
    try:
        yield name
    finally:
        subprocess.run(["dropdb", "--if-exists", name], env=env, check=True)


def run(*command: str, database: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=ROOT, env=libpq_env(database), capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def query(database: str, sql: str) -> list[tuple]:
    with psycopg.connect("", **{"dbname": database}) as restored:
        return restored.execute(sql).fetchall()


# pg_dump sees committed rows only. Serialized rollback, as the other transactional tests here
# have it, so that the emptying that ends this test leaves the content types for the next.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_and_pg_restore_give_the_archive_back_whole(seeded, scratch_database, tmp_path):
    for path in sample_paths():
        ingest(path.read_text(encoding="utf-8"), sample_info(path))
    Topic.objects.filter(slug="energy").delete()
    dump = tmp_path / "archive.dump"
    source = connection.settings_dict["NAME"]
    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", database=source)
    run("pg_restore", "--no-owner", f"--dbname={scratch_database}", str(dump), database=source)

    counts = "SELECT (SELECT count(*) FROM statements_meeting), (SELECT count(*) FROM statements_utterance), (SELECT count(*) FROM statements_topic), (SELECT count(*) FROM statements_tagging)"  # noqa: E501
    [restored] = query(scratch_database, counts)
    assert restored == (
        Meeting.objects.count(),
        Utterance.objects.count(),
        Topic.objects.count(),
        Tagging.objects.count(),
    )
    # The search's own SQL came back with it: the configuration, the function, the index.
    [(found,)] = query(
        scratch_database,
        "SELECT count(*) FROM statements_utterance "
        "WHERE search_vector @@ archive_query('fentanyl')",
    )
    assert found == 34
    assert query(scratch_database, "SELECT slug FROM statements_topic WHERE slug = 'energy'") == []
    # And the restored archive is one the app runs on: migrations all applied, seeding recorded.
    result = run(sys.executable, "manage.py", "seed", database=scratch_database)
    assert "Already seeded." in result.stdout
    result = run(sys.executable, "manage.py", "migrate", "--check", database=scratch_database)


@pytest.mark.django_db
def test_a_deleted_seeded_topic_stays_deleted_through_dumpdata_and_loaddata(
    scratch_database, tmp_path
):
    Topic.objects.filter(slug="energy").delete()
    topics = Topic.objects.count()
    assert Seeding.objects.count() == 3
    dump = tmp_path / "archive.json"
    call_command(
        "dumpdata",
        "statements",
        "--natural-foreign",
        "--exclude=statements.utterance",
        f"--output={dump}",
        verbosity=0,
    )
    # Restored as a new install would be: migrate, load, then what bin/serve runs (seed).
    run(sys.executable, "manage.py", "migrate", "--noinput", "-v0", database=scratch_database)
    # Migrating seeds nothing any more: that was how deleted topics came back.
    assert query(scratch_database, "SELECT count(*) FROM statements_topic") == [(0,)]
    run(sys.executable, "manage.py", "loaddata", str(dump), database=scratch_database)
    result = run(sys.executable, "manage.py", "seed", database=scratch_database)
    assert "Already seeded." in result.stdout
    assert query(scratch_database, "SELECT slug FROM statements_topic WHERE slug = 'energy'") == []
    assert query(scratch_database, "SELECT count(*) FROM statements_topic") == [(topics,)]


@pytest.mark.django_db
def test_a_new_archive_is_seeded_once_and_never_again():
    Seeding.objects.all().delete()
    Topic.objects.all().delete()
    assert seed() == ["registry", "themes", "places"]
    assert Topic.objects.count() == 35
    Topic.objects.filter(slug="energy").delete()
    assert seed() == []
    assert Topic.objects.count() == 34
