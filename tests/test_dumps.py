"""Whole-archive dumps: export, import into a new database, export again gives the same files,
byte for byte; a database that holds anything is refused."""

import datetime as dt
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from statements import dumps
from statements.models import Meeting, Tagging, Topic, TopicOverride, Utterance
from tests.test_backup import ROOT, libpq_env, query, scratch_database  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def corrected(archive):
    """The samples, with an editor's topic correction (whose author stays out of a dump)."""
    editor = User.objects.create_user("editor", password="x" * 12)
    utterance = Utterance.objects.order_by("pk").first()
    TopicOverride.objects.create(
        utterance=utterance,
        topic=Topic.objects.get(slug="energy"),
        applies=True,
        note="Named in passing — “Haïti”",
        created_by=editor,
    )
    return archive


@pytest.fixture
def new_databases(scratch_database):  # noqa: F811
    """Two new databases, migrated and nothing else: the second copied from the first."""
    second = f"{scratch_database}_2"
    run(sys.executable, "manage.py", "migrate", "--noinput", "-v0", database=scratch_database)
    subprocess.run(["createdb", "-T", scratch_database, second], env=libpq_env(second), check=True)
    try:
        yield scratch_database, second
    finally:
        subprocess.run(["dropdb", "--if-exists", second], env=libpq_env(second), check=True)


def run(*command: str, database: str) -> subprocess.CompletedProcess:
    # The new database's search index beside this test's (a directory of its own).
    env = {**libpq_env(database), "SEARCH_INDEX_DIR": str(settings.SEARCH_INDEX_DIR)}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def files(directory) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_a_round_trip_through_a_new_database_gives_the_same_files(
    corrected, new_databases, tmp_path
):
    for output, database in zip(dumps.FORMATS, new_databases, strict=True):
        first, second = tmp_path / f"first-{output}", tmp_path / f"second-{output}"
        call_command("export", str(first), "--format", output, verbosity=0)
        result = run(sys.executable, "manage.py", "import_dump", str(first), database=database)
        assert f"{Utterance.objects.count():,} utterances" in result.stdout
        run(
            sys.executable,
            "manage.py",
            "export",
            str(second),
            "--format",
            output,
            database=database,
        )
        assert files(first) == files(second), output
        # What was loaded is the archive: searched in the new database, the same total.
        [(found,)] = query(
            database,
            "SELECT count(*) FROM statements_utterance "
            "WHERE search_vector @@ archive_query('fentanyl')",
        )
        assert found == 34
    # The dump brought the record of the seeding: seed does not add the registry again.
    assert "Already seeded." in run(sys.executable, "manage.py", "seed", database=database).stdout


def test_a_dump_has_every_table_with_its_rows_and_no_editor(corrected, tmp_path):
    manifest = dumps.export(tmp_path / "dump", "jsonl")
    tables = manifest["tables"]
    assert tables["meetings"]["rows"] == Meeting.objects.count() == 5
    assert tables["utterances"]["rows"] == Utterance.objects.count()
    assert tables["taggings"]["rows"] == Tagging.objects.count()
    meetings = [json.loads(line) for line in (tmp_path / "dump/meetings.jsonl").open()]
    assert {m["raw_text"] for m in meetings} == set(
        Meeting.objects.values_list("raw_text", flat=True)
    )
    [override] = [json.loads(line) for line in (tmp_path / "dump/topic_overrides.jsonl").open()]
    assert override["created_by_id"] is None and override["note"].endswith("“Haïti”")
    csv_dump = dumps.export(tmp_path / "csv", "csv")
    assert (tmp_path / "csv/speakers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert csv_dump["tables"]["speakers"]["rows"] == tables["speakers"]["rows"]


def test_since_keeps_the_meetings_of_that_day_on_and_everyone_who_speaks(archive, tmp_path):
    manifest = dumps.export(tmp_path / "dump", "jsonl", since=dt.date(2023, 1, 1))
    meetings = [json.loads(line) for line in (tmp_path / "dump/meetings.jsonl").open()]
    assert meetings and all(m["date"] >= "2023-01-01" for m in meetings)
    assert manifest["since"] == "2023-01-01"
    utterances = [json.loads(line) for line in (tmp_path / "dump/utterances.jsonl").open()]
    assert {u["meeting_id"] for u in utterances} == {m["id"] for m in meetings}
    speakers = {json.loads(line)["id"] for line in (tmp_path / "dump/speakers.jsonl").open()}
    assert {u["speaker_id"] for u in utterances} - {None} <= speakers


def test_a_database_that_holds_anything_is_refused_and_left_as_it_was(archive, tmp_path):
    dumps.export(tmp_path / "dump", "csv")
    before = Utterance.objects.count()
    with pytest.raises(CommandError, match="This database is not empty .* 35 topics"):
        call_command("import_dump", str(tmp_path / "dump"))
    assert Utterance.objects.count() == before


def test_a_damaged_dump_is_refused_before_anything_is_loaded(archive, tmp_path):
    dumps.export(tmp_path / "dump", "jsonl")
    with (tmp_path / "dump/utterances.jsonl").open("a") as file:
        file.write("{}\n")
    with pytest.raises(dumps.DumpError, match="not the file the manifest describes"):
        dumps.read_manifest(tmp_path / "dump")
    with pytest.raises(CommandError, match="has no manifest.json"):
        call_command("import_dump", str(tmp_path))


def test_export_refuses_a_directory_that_is_not_empty(archive, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("export", str(tmp_path), verbosity=0)
