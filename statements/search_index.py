"""The search index: a tantivy index of every utterance, derived from PostgreSQL, which stays the
record.

Search reads the index for what PostgreSQL cannot give at a million utterances in a few
milliseconds: the BM25 ranking of every match, the exact total, and exact facet counts over all
of them (tantivy's columnar "fast fields"). The index is a directory, one per database
(`settings.SEARCH_INDEX_DIR` / the database's name), rebuilt from PostgreSQL by
`manage.py search_index --rebuild` and kept in step with it:

- Triggers (migration 0020, `statements/sql/search_outbox.sql`) put the id of every utterance
  whose document changes into an outbox table, in the writing transaction itself: utterances
  written (ingest's COPY included), updated or deleted, taggings changed, a speaker's country or
  kind changed, a meeting's date, kind or place changed. A TRUNCATE of the utterances asks for a
  rebuild.
- `sync()` applies the outbox to the index: each utterance's document is deleted and, when the
  row still exists, added again as PostgreSQL has it now; the index is committed, then the outbox
  rows are deleted. Applying an id twice gives the same index, so a sync that dies half-way
  (before PostgreSQL commits the deletion of its outbox rows) is simply done again by the next.
  One sync at a time, under a transaction-level advisory lock (tantivy allows one writer).
- Every write path syncs after its commit (`sync_after_commit()`; the ingest command also at its
  end), and every search first checks the outbox (`sync_if_pending()`, one indexed read), so a
  search never misses a committed write even if a sync after it died. A search that finds the
  lock taken does not wait: the sync under way is applying those very rows.
- Readers (one `Index` per process) reload when the index's meta.json changed on disk.

An index made for another database (or one whose database was created anew) is rebuilt, as is
a missing one and one made with other fields (`SCHEMA_VERSION`: a facet added since).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tantivy
from django.conf import settings
from django.db import connection, transaction

# The analyzer of the text: words split at anything not a letter or a digit, lower-cased,
# accents folded (Bárcena = barcena), English stemming (vehicles = vehicle). Stop words are
# indexed, so a quoted phrase keeps its small words ("rule of law" is not "rules, their laws").
ANALYZER = "archive_english"
# Tokens longer than this (in bytes) are not indexed: no word is, only pasted junk.
LONGEST_TOKEN = 40


def analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(LONGEST_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def folder() -> tantivy.TextAnalyzer:
    """Words as the vocabulary keeps them: lower-cased, accents folded, not stemmed."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


@dataclass(frozen=True)
class IndexField:
    """One field of an utterance's document: its name in the index, the SQL that reads it (over
    the utterance `u`, its speaker `s` and its meeting `m`), and its kind:

    - "id": a whole number, indexed (to filter on) and fast (to count and sort by);
    - "ids": several whole numbers (an SQL array), e.g. the topics;
    - "keyword": a string taken whole, indexed and fast (a country, a kind);
    - "number": a whole number, fast only (a sort key, a date's day, a word count).

    A new facet is one more line in FIELDS, as the places are.
    """

    name: str
    sql: str
    kind: str


# Dates as days since 0001-01-01, day 1 (Python's date.toordinal()); sort keys that order
# newest first (date descending, then the meeting and the turn ascending, as the transcript
# reads) and oldest first, each a single number tantivy can order by.
DAY = "(u.date - DATE '0001-01-01' + 1)"
MEETING_BITS, SEQUENCE_BITS = 24, 16
NEWEST = (
    f"({DAY}::bigint << {MEETING_BITS + SEQUENCE_BITS}) "
    f"+ (({(1 << MEETING_BITS) - 1} - least(u.meeting_id, {(1 << MEETING_BITS) - 1})) "
    f"<< {SEQUENCE_BITS}) + ({(1 << SEQUENCE_BITS) - 1} - least(u.sequence, "
    f"{(1 << SEQUENCE_BITS) - 1}))"
)
OLDEST = (
    f"({DAY}::bigint << {MEETING_BITS + SEQUENCE_BITS}) "
    f"+ (least(u.meeting_id, {(1 << MEETING_BITS) - 1}) << {SEQUENCE_BITS}) "
    f"+ least(u.sequence, {(1 << SEQUENCE_BITS) - 1})"
)
FIELDS = (
    IndexField("id", "u.id", "id"),
    IndexField("meeting", "u.meeting_id", "id"),
    IndexField("speaker", "u.speaker_id", "id"),
    IndexField("country", "s.country", "keyword"),
    IndexField("speaker_kind", "u.speaker_kind", "keyword"),
    IndexField("outlet", "u.outlet", "keyword"),
    IndexField("kind", "u.kind", "keyword"),
    IndexField("interpreted", "CASE WHEN u.via_interpreter THEN 'yes' ELSE 'no' END", "keyword"),
    IndexField("year", "extract(year FROM u.date)::integer", "id"),
    IndexField("month", "to_char(u.date, 'YYYY-MM')", "keyword"),
    IndexField(
        "topic",
        "ARRAY(SELECT t.topic_id FROM statements_tagging AS t WHERE t.utterance_id = u.id)",
        "ids",
    ),
    IndexField(
        "place",
        "ARRAY(SELECT t.place_id FROM statements_placetagging AS t WHERE t.utterance_id = u.id)",
        "ids",
    ),
    IndexField("day", DAY, "number"),
    IndexField("word_count", "u.word_count", "number"),
    IndexField("newest", NEWEST, "number"),
    IndexField("oldest", OLDEST, "number"),
)
TEXT = "words"  # the text's field: stemmed, with positions for phrases
DOCUMENTS_SQL = f"""
    SELECT u.text, {", ".join(field.sql for field in FIELDS)}
    FROM statements_utterance AS u
    JOIN statements_meeting AS m ON m.id = u.meeting_id
    LEFT JOIN statements_speaker AS s ON s.id = u.speaker_id"""


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(TEXT, tokenizer_name=ANALYZER, index_option="position")
    for field in FIELDS:
        if field.kind in ("id", "ids"):
            builder.add_unsigned_field(field.name, indexed=True, fast=True)
        elif field.kind == "keyword":
            builder.add_text_field(field.name, tokenizer_name="raw", fast=True)
        else:
            builder.add_integer_field(field.name, fast=True)
    return builder.build()


SCHEMA = schema()
ADDERS: dict[str, Callable] = {
    "id": lambda doc, name, value: doc.add_unsigned(name, value),
    "ids": lambda doc, name, values: [doc.add_unsigned(name, v) for v in values],
    "keyword": lambda doc, name, value: doc.add_text(name, value),
    "number": lambda doc, name, value: doc.add_integer(name, value),
}


def document(row: tuple) -> tantivy.Document:
    """An utterance's document from a row of DOCUMENTS_SQL. A value that is NULL (an utterance
    without a speaker, a speaker without a country) is left out: it counts under no value."""
    doc = tantivy.Document()
    doc.add_text(TEXT, row[0])
    for field, value in zip(FIELDS, row[1:], strict=True):
        if value is not None and value != "":
            ADDERS[field.kind](doc, field.name, value)
    return doc


# The outbox, written by the triggers of migration 0020. A row without an utterance asks for a
# rebuild (the table was truncated).
OUTBOX = "statements_searchoutbox"
# Outbox rows applied in one index commit.
SYNC_BATCH = 20_000
# A sync that applied this many vacuums the outbox after it.
VACUUM_AFTER = 10_000
# The key of the advisory lock that one sync (or rebuild) at a time holds.
LOCK = 1_002
WRITER_HEAP = 200_000_000
# What identifies the database an index was made for: a database made anew has another oid.
IDENTITY_SQL = (
    "SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' || "
    "(SELECT oid FROM pg_database WHERE datname = current_database())::text"
)
MADE_FOR = "archive.json"


def path() -> Path:
    """This database's index directory."""
    return Path(settings.SEARCH_INDEX_DIR) / connection.settings_dict["NAME"]


class _Open:
    """This process's open indexes, by directory: opened once, reloaded when they change."""

    lock = threading.Lock()
    indexes: dict[tuple[int, Path], tuple[tantivy.Index, int]] = {}


def _stamp(directory: Path) -> int:
    try:
        return (directory / "meta.json").stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def version() -> str:
    """What changes whenever the index does (its directory, and when it was last committed): the
    key of a cache of what is counted over all of it."""
    directory = path()
    return f"{directory}:{_stamp(directory)}"


def searcher_version() -> str:
    """The version of the index as this process's searcher() last opened it (the index it
    searches is that one or a later one): the key of a cache of what that searcher counted."""
    directory = path()
    with _Open.lock:
        opened = _Open.indexes.get((os.getpid(), directory))
    return f"{directory}:{opened[1] if opened else 0}"


def _index(directory: Path) -> tantivy.Index:
    directory.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(SCHEMA, str(directory), reuse=True)
    index.register_tokenizer(ANALYZER, analyzer())
    index.config_reader(reload_policy="Manual")
    return index


def searcher() -> tantivy.Searcher:
    """A searcher over the index as last committed, after applying any pending writes."""
    sync_if_pending()
    directory = path()
    key = (os.getpid(), directory)  # an index opened before a fork is not the child's
    stamp = _stamp(directory)
    with _Open.lock:
        opened = _Open.indexes.get(key)
        if opened is None:
            opened = (_index(directory), stamp)
        elif opened[1] != stamp:
            opened[0].reload()
            opened = (opened[0], stamp)
        _Open.indexes[key] = opened
    return opened[0].searcher()


# What the index's fields are: an index made with other fields (before a facet was added) cannot
# be opened with these, and is rebuilt.
SCHEMA_VERSION = hashlib.sha1(
    json.dumps([TEXT, ANALYZER, [(f.name, f.kind) for f in FIELDS]]).encode()
).hexdigest()[:12]


def _made_for(directory: Path) -> str | None:
    """The database the index was made for, if it was made with these fields."""
    try:
        made = json.loads((directory / MADE_FOR).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(made, dict) or made.get("schema") != SCHEMA_VERSION:
        return None
    return made.get("database")


def _identity(cursor) -> str:
    """The database's identity, read once a connection (a database made anew is another
    connection)."""
    raw = connection.connection
    if getattr(raw, "archive_identity", None) is None:
        cursor.execute(IDENTITY_SQL)
        raw.archive_identity = cursor.fetchone()[0]
    return raw.archive_identity


def pending() -> bool:
    """Whether writes wait in the outbox, or the index is missing or another database's."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {OUTBOX})")
        waiting = cursor.fetchone()[0]
        return waiting or _made_for(path()) != _identity(cursor)


def sync_if_pending() -> None:
    """What a search does first: apply pending writes, unless a sync is under way elsewhere."""
    if pending():
        sync(wait=False)


def sync_after_commit() -> None:
    """Sync once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: sync(wait=False))


@dataclass
class Synced:
    applied: int = 0  # utterances whose documents were written again or deleted
    rebuilt: bool = False
    skipped: bool = False  # another process held the lock


def sync(wait: bool = True) -> Synced:
    """Apply the outbox to the index, in batches, each committed to the index before its outbox
    rows are deleted; rebuild the index when it is missing or another database's. With
    `wait=False`, return at once if another process is syncing."""
    done = Synced()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if not _lock(cursor, wait):
                done.skipped = True
                return done
            directory = path()
            if _made_for(directory) != _identity(cursor):
                _rebuild_locked(cursor, directory)
                done.rebuilt = True
                continue
            # The first SYNC_BATCH rows, as one range of the primary key: written as
            # `id IN (SELECT ... LIMIT n)`, a freshly filled outbox that the planner's statistics
            # took for empty ran the subquery once a row (90,000 rows: minutes).
            cursor.execute(
                f"DELETE FROM {OUTBOX} WHERE id <= coalesce("
                f"(SELECT id FROM {OUTBOX} ORDER BY id OFFSET {SYNC_BATCH - 1} LIMIT 1), "
                "9223372036854775807) RETURNING utterance_id"
            )
            ids = {pk for (pk,) in cursor.fetchall()}
            if not ids:
                break
            if None in ids:  # the utterances were truncated
                (directory / MADE_FOR).unlink(missing_ok=True)
                continue
            _apply(cursor, directory, sorted(ids))
            done.applied += len(ids)
    if (done.applied >= VACUUM_AFTER or done.rebuilt) and not connection.in_atomic_block:
        # What was deleted from the outbox, cleared now rather than when autovacuum comes by:
        # every search reads the outbox first.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {OUTBOX}")
    return done


def _lock(cursor, wait: bool) -> bool:
    if wait:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        return True
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
    return cursor.fetchone()[0]


def _apply(cursor, directory: Path, ids: list[int]) -> None:
    """Delete these utterances' documents and add them again as PostgreSQL now has them."""
    index = _index(directory)
    writer = index.writer(WRITER_HEAP // 4, 1)
    try:
        # (delete_documents_by_term() takes a Python int for a signed field's term, and would
        # delete nothing from this unsigned one.)
        writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "id", ids))
        cursor.execute(f"{DOCUMENTS_SQL} WHERE u.id = ANY(%s)", [ids])
        rows = cursor.fetchall()
        for row in rows:
            writer.add_document(document(row))
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise
    _count_words(cursor, (row[0] for row in rows), replace=False)


def rebuild() -> int:
    """Index every utterance anew, under the lock; how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, wait=True)
        count = _rebuild_locked(cursor, path())
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {OUTBOX}")
    return count


def _rebuild_locked(cursor, directory: Path) -> int:
    """Every utterance as this transaction sees it. The outbox rows it sees are deleted with it:
    what they ask for is in what it reads. Rows written by transactions that commit later stay
    in the outbox for the next sync (a rebuild runs in one snapshot of the database)."""
    cursor.execute("SET LOCAL work_mem = '64MB'")
    identity = _identity(cursor)
    (directory / MADE_FOR).unlink(missing_ok=True)
    try:
        index = _index(directory)
    except ValueError:  # made with other fields: its files go, and it is made anew
        for old in directory.iterdir():
            if old.is_file():
                old.unlink()
        index = _index(directory)
    writer = index.writer(WRITER_HEAP, 0)
    count = 0
    pieces = Counter()  # the texts' pieces between spaces, by how many utterances have them
    try:
        writer.delete_all_documents()
        cursor.execute(f"DELETE FROM {OUTBOX}")
        for row in _rows(f"{DOCUMENTS_SQL} ORDER BY u.id"):
            writer.add_document(document(row))
            pieces.update(set(row[0].lower().split()))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise
    words = Counter()
    for piece, documents in pieces.items():
        # (An utterance that says "law," and "law." counts twice for "law": about is enough.)
        for word in set(WORD.findall(piece)):
            words[word] += documents
    _write_words(cursor, words, replace=True)
    made = {"database": identity, "schema": SCHEMA_VERSION}
    (directory / MADE_FOR).write_text(json.dumps(made))
    return count


def _rows(sql: str, size: int = 5_000) -> Iterator[tuple]:
    """The rows of a large statement, read a few thousand at a time (a server-side cursor)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(size):
            yield from rows


# The vocabulary did-you-mean draws on (`statements_word`, with a trigram index): each word of
# three letters or more, lower-cased and unaccented, with how many utterances said it at the
# last rebuild. A sync adds the words it has not seen (with the utterances of its batch that say
# them) and leaves the others' counts as they are: updating thousands of rows and their trigrams
# took most of a sync's time, and a suggestion only needs a word's rough frequency (suggested
# words are checked against the index before they are offered).
WORD = re.compile(r"[^\W\d_]{3,30}")


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _count_words(cursor, texts: Iterable[str], replace: bool) -> None:
    """A sync's words: those it has not seen go in as said once (one pass over all its texts
    together; counting each utterance's words apart took as long as indexing them)."""
    pieces = set("\n".join(texts).lower().split())  # the regex then runs on each once
    words = Counter({word for piece in pieces for word in WORD.findall(piece)})
    _write_words(cursor, words, replace)


def _write_words(cursor, words: Counter, replace: bool) -> None:
    folded = Counter()
    for word, count in words.items():
        folded[fold(word) if not word.isascii() else word] += count
    if replace:
        cursor.execute("TRUNCATE statements_word")
    if not folded:
        return
    cursor.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS counted_word (word text, documents integer) "
        "ON COMMIT DROP"
    )
    with cursor.copy("COPY counted_word (word, documents) FROM STDIN") as copy:
        for word, count in folded.items():
            copy.write_row((word, count))
    cursor.execute(
        "INSERT INTO statements_word (word, documents) "
        "SELECT word, documents FROM counted_word AS counted WHERE NOT EXISTS "
        "(SELECT 1 FROM statements_word AS known WHERE known.word = counted.word) "
        "ORDER BY word ON CONFLICT (word) DO NOTHING"
    )
    cursor.execute("DROP TABLE counted_word")
    if replace:
        cursor.execute("ANALYZE statements_word")
