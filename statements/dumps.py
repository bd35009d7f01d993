"""Whole-archive dumps: every record a new archive needs, as files a researcher can read and
`import_dump` can load (`manage.py export` and `manage.py import_dump`).

A dump is a directory: one file a table (`meetings.jsonl` or `meetings.csv`, ...), each row a
record with the columns of its model as the database has them (ids and foreign ids included, so
`/api/utterances/ID` and permalinks stay what they were), in the order of their ids; and
`manifest.json`, which names the format, the tables with their columns, row counts and SHA-256,
and the `--since` date if any. Meetings carry their raw transcripts (`raw_text`, untouched),
header and trailer. What is left out: the search index and the vocabulary (derived: rebuilt on
import), the admin's users, sessions and upload records (an editor's topic or place correction
is kept, without who made it).

The files are the same for the same archive, byte for byte: rows in id order, values written
one way (dates and times in ISO 8601 as stored, lists as JSON, in CSV `true`/`false` and an
empty cell for a missing date or id), no time of export in them. So export, import into a new
database, export again gives identical files (tests/test_dumps.py).

CSV files start with a byte-order mark (spreadsheets then read UTF-8); lists (an office's labels,
a topic's terms) are JSON in their cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models, transaction

from statements import search_index
from statements.models import (
    Meeting,
    Office,
    OfficeTerm,
    Place,
    PlaceOverride,
    PlaceTagging,
    Publisher,
    Seeding,
    Speaker,
    SpeakerAlias,
    SpeakerRole,
    Tagging,
    Topic,
    TopicOverride,
    Utterance,
)

FORMAT = "diplomatic-archive-dump"
VERSION = 1
FORMATS = ("jsonl", "csv")
MANIFEST = "manifest.json"

# With --since, the meetings of that day and after, and what belongs to them; every speaker but
# those unidentified in a meeting left out; the registry, offices and topics whole.
MEETINGS_SINCE = "SELECT id FROM statements_meeting WHERE date >= %(since)s"
SPEAKERS_SINCE = (
    "SELECT id FROM statements_speaker WHERE unidentified_in_id IS NULL "
    f"OR unidentified_in_id IN ({MEETINGS_SINCE})"
)
UTTERANCES_SINCE = f"SELECT id FROM statements_utterance WHERE meeting_id IN ({MEETINGS_SINCE})"


@dataclass(frozen=True)
class Table:
    """A file of the dump: its name, its model (its table and columns) and, with --since, which
    rows it keeps."""

    name: str
    model: type[models.Model]
    since: str = ""

    @property
    def fields(self) -> list[models.Field]:
        return [
            f for f in self.model._meta.concrete_fields if not isinstance(f, models.GeneratedField)
        ]

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table


# In the order they load: each after the tables it refers to.
TABLES = (
    Table("seedings", Seeding),
    Table("publishers", Publisher),
    Table("offices", Office),
    Table("office_publishers", Office.publishers.through),
    Table("topics", Topic),
    Table("places", Place),
    Table("meetings", Meeting, f"id IN ({MEETINGS_SINCE})"),
    Table("speakers", Speaker, f"id IN ({SPEAKERS_SINCE})"),
    Table("speaker_roles", SpeakerRole, f"speaker_id IN ({SPEAKERS_SINCE})"),
    Table("speaker_aliases", SpeakerAlias, f"speaker_id IN ({SPEAKERS_SINCE})"),
    Table("office_terms", OfficeTerm, f"speaker_id IN ({SPEAKERS_SINCE})"),
    Table("utterances", Utterance, f"meeting_id IN ({MEETINGS_SINCE})"),
    Table("taggings", Tagging, f"utterance_id IN ({UTTERANCES_SINCE})"),
    Table("topic_overrides", TopicOverride, f"utterance_id IN ({UTTERANCES_SINCE})"),
    Table("place_taggings", PlaceTagging, f"utterance_id IN ({UTTERANCES_SINCE})"),
    Table("place_overrides", PlaceOverride, f"utterance_id IN ({UTTERANCES_SINCE})"),
)
# Columns written empty whatever the record holds: who, among the admin's users, made a topic
# correction stays out of a public dump.
WITHHELD = {
    "statements_topicoverride": {"created_by_id"},
    "statements_placeoverride": {"created_by_id"},
}


def kind(field: models.Field) -> str:
    """How a column is written: number, text, flag, date, time or list."""
    if isinstance(field, ArrayField):
        return "list"
    if isinstance(field, models.BooleanField):
        return "flag"
    if isinstance(field, models.DateTimeField):
        return "time"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.ForeignKey | models.AutoField | models.IntegerField):
        return "number"
    return "text"


# Writing.


def _rows(table: Table, since: dt.date | None) -> Iterator[tuple]:
    withheld = WITHHELD.get(table.db_table, set())
    columns = ", ".join("NULL" if column in withheld else f'"{column}"' for column in table.columns)
    where = f"WHERE {table.since}" if since and table.since else ""
    sql = f"SELECT {columns} FROM {table.db_table} {where} ORDER BY id"
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, {"since": since} if where else None)
        while rows := cursor.fetchmany(2_000):
            yield from rows


def _plain(kind_: str, value):
    """A value as JSON has it."""
    if value is None:
        return None
    if kind_ in ("date", "time"):
        return value.isoformat()
    return value


def _cell(kind_: str, value) -> str:
    """A value as a CSV cell."""
    if value is None:
        return ""
    if kind_ == "list":
        return json.dumps(value, ensure_ascii=False)
    if kind_ == "flag":
        return "true" if value else "false"
    if kind_ in ("date", "time"):
        return value.isoformat()
    return str(value)


def export(out: Path, output: str, since: dt.date | None = None) -> dict:
    """Write the dump into the directory `out` (made if missing, refused if not empty); its
    manifest."""
    if output not in FORMATS:
        raise ValueError(f"The format is one of {', '.join(FORMATS)}.")
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: a dump goes into a new directory.")
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "encoding": output,
        "since": since.isoformat() if since else None,
        "tables": {},
    }
    # One snapshot of the archive for every table, so that what refers to a row has it (inside
    # a transaction already begun, that transaction's).
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in TABLES:
            path = out / f"{table.name}.{output}"
            kinds = [kind(f) for f in table.fields]
            count = _write(path, output, table.columns, kinds, _rows(table, since))
            manifest["tables"][table.name] = {
                "file": path.name,
                "table": table.db_table,
                "columns": table.columns,
                "rows": count,
                "sha256": _sha256(path),
            }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _write(path: Path, output: str, columns: list[str], kinds: list[str], rows) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        if output == "csv":
            file.write("\ufeff")
            writer = csv.writer(file, lineterminator="\r\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(k, v) for k, v in zip(kinds, row, strict=True)])
                count += 1
        else:
            for row in rows:
                record = {c: _plain(k, v) for c, k, v in zip(columns, kinds, row, strict=True)}
                file.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# Reading.


class DumpError(ValueError):
    """A dump that cannot be loaded, or a database it cannot be loaded into, and why."""


def occupied() -> dict[str, int]:
    """The dump's tables that already hold rows in this database, with how many."""
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table.db_table}")
            (counts[table.name],) = cursor.fetchone()
    return {name: n for name, n in counts.items() if n}


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DumpError(f"{directory} has no {MANIFEST}: it is not an archive dump.") from None
    except ValueError:
        raise DumpError(f"{path} is not JSON.") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DumpError(f"{path} is not a dump of this archive's format {VERSION}.")
    if manifest.get("encoding") not in FORMATS:
        raise DumpError(f"{path} names no known encoding.")
    expected = [table.name for table in TABLES]
    if list(manifest.get("tables", {})) != expected:
        raise DumpError(f"{path} does not list this archive's tables: {', '.join(expected)}.")
    for table in TABLES:
        listed = manifest["tables"][table.name]
        if listed.get("columns") != table.columns:
            raise DumpError(
                f"{table.name}'s columns in the dump are not this archive's: it was made by "
                "another version of the archive."
            )
        file = directory / listed["file"]
        if not file.is_file() or _sha256(file) != listed.get("sha256"):
            raise DumpError(f"{file} is missing or not the file the manifest describes.")
    return manifest


def _parsed(kind_: str, value):
    """A value read from a file as the database takes it."""
    if value is None:
        return None
    if kind_ == "date":
        return dt.date.fromisoformat(value)
    if kind_ == "time":
        return dt.datetime.fromisoformat(value)
    return value


def _from_cell(kind_: str, cell: str):
    """A CSV cell as the database takes it: empty is no value, but for a text (no column of the
    dump's is a text that may have none)."""
    if cell == "" and kind_ != "text":
        return None
    if kind_ == "number":
        return int(cell)
    if kind_ == "flag":
        return cell == "true"
    if kind_ == "list":
        return json.loads(cell)
    return _parsed(kind_, cell)


def _records(path: Path, encoding: str, table: Table) -> Iterator[list]:
    kinds = [kind(f) for f in table.fields]
    if encoding == "csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file)
            if next(reader, None) != table.columns:
                raise DumpError(f"{path.name}'s header is not its columns.")
            for row in reader:
                yield [_from_cell(k, v) for k, v in zip(kinds, row, strict=True)]
    else:
        with path.open(encoding="utf-8") as file:
            for line in file:
                record = json.loads(line)
                yield [_parsed(k, record[c]) for k, c in zip(kinds, table.columns, strict=True)]


def load(directory: Path) -> dict[str, int]:
    """Load a dump into this database, which must hold none of its records (a new archive:
    migrated, not seeded); then rebuild the search index. The rows loaded, by table."""
    manifest = read_manifest(directory)
    taken = occupied()
    if taken:
        listed = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in taken.items())
        raise DumpError(
            f"This database is not empty (it has {listed}): a dump loads into a new archive. "
            "Make one with createdb and manage.py migrate (not seed: the dump brings the "
            "registry and the topics, and the record that they were seeded), then import."
        )
    loaded = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            listed = manifest["tables"][table.name]
            columns = ", ".join(f'"{c}"' for c in table.columns)
            count = 0
            with cursor.copy(f"COPY {table.db_table} ({columns}) FROM STDIN") as copy:
                for record in _records(directory / listed["file"], manifest["encoding"], table):
                    copy.write_row(record)
                    count += 1
            if count != listed["rows"]:
                raise DumpError(f"{listed['file']} has {count} rows, not {listed['rows']}.")
            loaded[table.name] = count
            if "id" in table.columns:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.db_table}', 'id'), "
                    f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.db_table}"
                )
    search_index.rebuild()
    return loaded
