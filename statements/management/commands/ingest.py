"""Ingest transcripts: files, directories of them, or a corpus described by a manifest.

Three phases a round (ROUND_FILES files at a time, so memory stays bounded whatever the corpus):
the files are read and their labels resolved side by side in worker processes (nothing written);
what they taught about people is written once, in one short transaction; then the meetings and
utterances are written side by side, in batches each committed on its own. Speakers are all
known by the time the batches are written, so no worker ever waits for or collides with
another's rows.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, OperationalError, connections, transaction
from tqdm import tqdm

from statements import search_index, speakers
from statements.ingest import (
    IngestError,
    Learned,
    MeetingInfo,
    Prepared,
    batch,
    content_hash,
    decode,
    learn,
    prepare,
    publisher_key,
    write,
)
from statements.links import UnsafeURL, safe_url
from statements.models import Meeting, Speaker

TRANSCRIPT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
FIELDS = (
    "title",
    "date",
    "kind",
    "location",
    "venue",
    "series",
    "source_url",
    "publisher",
    "transcript_kind",
)
# A manifest's names for some fields (the shared corpus's `source` is its publisher).
MANIFEST_NAMES = {"source": "publisher"}
# Transcripts committed together: an interruption loses at most the batches under way.
BATCH_SIZE = 200
# With several workers, the files are cut into this many batches a worker at least (when there
# are enough), so that none is left to ingest a large last batch alone while the others idle.
BATCHES_A_WORKER = 4
# Files read, learned from and written per round: what a round holds in memory.
ROUND_FILES = 2_000
# Times a batch is tried when a writer outside this command wrote the same transcript or slug
# first (the command's own workers never do): once that one is committed, the batch finds it.
ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    """A file to ingest and what is known of it besides its text."""

    path: Path
    fields: dict


@dataclass
class Summary:
    """What the command did, in plain data."""

    files: int = 0
    meetings: int = 0
    unchanged: int = 0
    utterances: int = 0
    failures: list[str] = field(default_factory=list)
    new_speakers: list[Speaker] = field(default_factory=list)
    reading: float = 0.0
    writing: float = 0.0
    indexing: float = 0.0


def batches(items: list, workers: int) -> list[list]:
    """The items cut into batches of at most BATCH_SIZE, of even sizes, and for several workers
    into BATCHES_A_WORKER each at least (never fewer than one item a batch)."""
    if not items:
        return []
    count = -(-len(items) // BATCH_SIZE)
    if workers > 1:
        count = max(count, min(len(items), workers * BATCHES_A_WORKER))
    size = -(-len(items) // count)
    return [items[start : start + size] for start in range(0, len(items), size)]


# -- Reading (in worker processes) ---------------------------------------------------------------

# What a worker forked for a round reads: the registry of that round, and for writing, the
# round's prepared transcripts and what was learned from them.
_REGISTRY: speakers.Registry | None = None
_PREPARED: list[Prepared] = []
_LEARNED: Learned | None = None


def _prepare_files(jobs: list[Job]) -> list[tuple[Job, Prepared | None, str]]:
    """Read and resolve files: each with what it gave, or why it was refused."""
    done = []
    for job in jobs:
        try:
            text = decode(job.path.read_bytes(), job.path.name)
            if Meeting.objects.filter(content_hash=content_hash(text)).exists():
                done.append((job, None, ""))
                continue
            prepared = prepare(text, read_info(job), _REGISTRY)
            prepared.name = str(job.path)
            done.append((job, prepared, ""))
        except (IngestError, OSError) as error:
            done.append((job, None, f"{job.path}: {error}"))
    return done


def read_info(job: Job) -> MeetingInfo:
    """A job's metadata: options, manifest or sidecar, checked."""
    fields = job.fields
    date = fields.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise IngestError(f"the date {date!r} is not a date in the form YYYY-MM-DD.") from None
    try:
        source_url = safe_url(str(fields.get("source_url") or ""))
    except UnsafeURL as error:
        raise IngestError(f"its source URL is refused: {error}") from None
    return MeetingInfo(
        **{
            name: str(fields.get(name) or "")
            for name in FIELDS
            if name not in {"date", "publisher", "source_url"}
        },
        date=date or None,
        publisher=publisher_key(str(fields.get("publisher") or "")),
        source_url=source_url,
    )


def _sidecar(path: Path) -> dict:
    for candidate in (path.with_suffix(".json"), path.with_name(path.name + ".json")):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                raise IngestError(
                    f"its sidecar {candidate.name} is not valid JSON ({error})."
                ) from None
            if not isinstance(data, dict):
                raise IngestError(f"its sidecar {candidate.name} must hold a JSON object.")
            return {MANIFEST_NAMES.get(k, k): v for k, v in data.items()}
    return {}


# -- Writing (in worker processes) ---------------------------------------------------------------


def _write_batch(indexes: list[int]) -> tuple[int, int, int, int, list[str]]:
    """Write these prepared transcripts in one batch, committed: meetings added, unchanged,
    utterances, files, and refusals."""
    for attempt in range(1, ATTEMPTS + 1):
        added = unchanged = utterances = 0
        try:
            # The search index is synced once a round, by the command, not by each batch.
            with batch(sync=False) as writing:
                writing.registry = speakers.Registry.from_database()
                for index in indexes:
                    result = write(_PREPARED[index], _LEARNED, batch=writing)
                    if result.created:
                        added += 1
                        utterances += result.utterances
                    else:
                        unchanged += 1
            return added, unchanged, utterances, len(indexes), []
        except (IntegrityError, OperationalError) as error:
            if attempt == ATTEMPTS:
                reason = str(error).splitlines()[0]
                return (
                    0,
                    0,
                    0,
                    len(indexes),
                    [
                        f"{_PREPARED[index].name}: its batch met another writer's rows "
                        f"{ATTEMPTS} times ({reason}); nothing of it was written, run the command "
                        "again."
                        for index in indexes
                    ],
                )
    raise AssertionError("unreachable")


def _forget_connections() -> None:
    """In a worker just forked: let go of the connections it inherited, without closing them
    (that would close the parent's), so that it opens its own."""
    for connection in connections.all(initialized_only=True):
        connection.connection = None


def _in_worker(function, job):
    try:
        return function(job)
    finally:
        if multiprocessing.parent_process() is not None:
            # A worker process leaves without closing anything: close its connection now.
            connections.close_all()


def _read_job(job):
    return _in_worker(_prepare_files, job)


def _write_job(job):
    return _in_worker(_write_batch, job)


class Command(BaseCommand):
    help = (
        "Ingest transcripts: files, directories of them, or the files a manifest (JSON lines: "
        "file, title, date, kind, source, source_url) lists. Metadata comes from the options, "
        "else the manifest, else a sidecar NAME.json beside each file, else the transcript's "
        "header."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
        parser.add_argument(
            "--manifest",
            type=Path,
            help="a JSON-lines manifest; its files are found under --root",
        )
        parser.add_argument(
            "--root",
            type=Path,
            help="where a manifest's files are (default: the manifest's folder)",
        )
        parser.add_argument("--title")
        parser.add_argument("--date", help="YYYY-MM-DD")
        parser.add_argument("--kind", help='e.g. "press conference", "interview"')
        parser.add_argument("--location")
        parser.add_argument("--venue")
        parser.add_argument("--series")
        parser.add_argument("--source-url", dest="source_url")
        parser.add_argument("--publisher", help="a publisher's key, e.g. state or whitehouse")
        parser.add_argument(
            "--transcript-kind",
            dest="transcript_kind",
            choices=[kind.value for kind in Meeting.TranscriptKind],
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes reading and writing side by side (one a core)",
        )

    def handle(self, *args, **options):
        try:
            options["source_url"] = safe_url(options.get("source_url") or "")
        except UnsafeURL as error:
            raise CommandError(f"--source-url: {error}") from None
        overrides = {name: options[name] for name in FIELDS if options.get(name)}
        jobs = self._jobs(options, overrides)
        workers = max(1, min(options["workers"], len(jobs)))
        quiet = options["verbosity"] < 1 or len(jobs) < 2
        summary = Summary(files=len(jobs))
        for start in range(0, len(jobs), ROUND_FILES):
            self._round(jobs[start : start + ROUND_FILES], workers, quiet, summary)
        self._report(summary)

    def _round(self, jobs: list[Job], workers: int, quiet: bool, summary: Summary) -> None:
        global _REGISTRY, _PREPARED, _LEARNED
        started = time.monotonic()
        _REGISTRY = speakers.Registry.from_database()
        prepared: list[Prepared] = []
        seen: set[str] = set()
        with tqdm(total=len(jobs), desc="Reading", unit="file", disable=quiet) as progress:
            for done in self._pool_map(_read_job, batches(jobs, workers), workers):
                for _, item, failure in done:
                    if failure:
                        summary.failures.append(failure)
                    elif item is None or item.digest in seen:
                        summary.unchanged += 1
                    else:
                        seen.add(item.digest)
                        prepared.append(item)
                progress.update(len(done))
        with transaction.atomic():
            _LEARNED = learn(prepared, _REGISTRY)
        summary.new_speakers += _LEARNED.created
        summary.reading += time.monotonic() - started

        started = time.monotonic()
        _PREPARED = prepared
        indexes = list(range(len(prepared)))
        with tqdm(total=len(prepared), desc="Writing", unit="file", disable=quiet) as progress:
            for added, unchanged, utterances, files, failures in self._pool_map(
                _write_job, batches(indexes, workers), workers
            ):
                summary.meetings += added
                summary.unchanged += unchanged
                summary.utterances += utterances
                summary.failures += failures
                progress.update(files)
        summary.writing += time.monotonic() - started
        _PREPARED, _LEARNED = [], None
        started = time.monotonic()
        search_index.sync()
        summary.indexing += time.monotonic() - started

    def _pool_map(self, function, jobs: list, workers: int):
        """The function over the jobs, in worker processes forked now (so they see this
        round's registry and prepared transcripts), results as they come."""
        if workers == 1:
            yield from map(function, jobs)
            return
        pool = multiprocessing.get_context("fork").Pool(workers, _forget_connections)
        try:
            yield from pool.imap_unordered(function, jobs)
        finally:
            pool.terminate()
            pool.join()

    def _report(self, summary: Summary) -> None:
        elapsed = summary.reading + summary.writing + summary.indexing
        rate = summary.utterances / elapsed if elapsed else 0
        self.stdout.write(
            f"{summary.meetings} meetings added ({summary.unchanged} already in the archive), "
            f"{summary.utterances:,} utterances in {elapsed:.1f} s ({rate:,.0f} a second: "
            f"{summary.reading:.1f} s reading and learning, {summary.writing:.1f} s writing, "
            f"{summary.indexing:.1f} s indexing for search)."
        )
        people = [s for s in summary.new_speakers if s.unidentified_in_id is None]
        kinds = Counter(s.get_kind_display().lower() for s in people)
        review = [s for s in people if s.needs_review]
        by_kind = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        self.stdout.write(
            f"{len(people)} new speakers{f' ({by_kind})' if by_kind else ''}, "
            f"{len(review)} to review."
        )
        for speaker in review:
            self.stdout.write(f"  to review: {speaker.name} — {speaker.review_reason}")
        pairs = _near_duplicates(people)
        if pairs:
            self.stdout.write(
                f"{len(pairs)} possible duplicates (merge them in the admin: Speakers › "
                "Possible duplicates):"
            )
            for first, second, reason in pairs:
                self.stdout.write(f"  {first} / {second}: {reason}")
        if summary.failures:
            for failure in sorted(summary.failures):
                self.stderr.write(f"Refused {failure}")
            raise CommandError(
                f"{len(summary.failures)} of {summary.files} transcripts were refused."
            )

    def _jobs(self, options: dict, overrides: dict) -> list[Job]:
        manifest = options.get("manifest")
        if manifest is not None:
            if options["paths"]:
                raise CommandError("Give a manifest or paths, not both.")
            entries = manifest_entries(manifest, options.get("root"))
            return [Job(path, {**fields, **overrides}) for path, fields in entries]
        if not options["paths"]:
            raise CommandError("Give the transcripts to ingest: paths, or --manifest.")
        jobs = []
        for path in transcript_files(options["paths"]):
            try:
                fields = {**_sidecar(path), **overrides}
            except IngestError as error:
                raise CommandError(f"{path}: {error}") from None
            jobs.append(Job(path, fields))
        return jobs


def transcript_files(paths: list[Path], recursive: bool = False) -> list[Path]:
    """The transcripts named: files, and the .txt and .md files of folders (and of their
    subfolders, `recursive`)."""
    files = []
    for path in paths:
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            files.extend(sorted(p for p in found if p.suffix.lower() in TRANSCRIPT_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{path}: no such file or directory.")
    if not files:
        raise CommandError("No transcripts found (looked for .txt and .md files).")
    return files


def manifest_entries(manifest: Path, root: Path | None = None) -> list[tuple[Path, dict]]:
    """A JSON-lines manifest's files (under `root`, by default its folder) with their fields,
    named as ingest names them (`source` is the publisher)."""
    if not manifest.is_file():
        raise CommandError(f"{manifest}: no such manifest.")
    root = root or manifest.parent
    entries = []
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as error:
            raise CommandError(f"{manifest}, line {number}: not JSON ({error}).") from None
        if not isinstance(entry, dict) or not entry.get("file"):
            raise CommandError(f"{manifest}, line {number}: an entry needs a 'file'.")
        fields = {MANIFEST_NAMES.get(k, k): v for k, v in entry.items()}
        entries.append((root / entry["file"], fields))
    if not entries:
        raise CommandError(f"{manifest} lists no transcripts.")
    if not any(path.is_file() for path, _ in entries):
        raise CommandError(
            f"None of the manifest's files is under {root} (the first: {entries[0][0]}): "
            "give --root, the folder they were unpacked to."
        )
    return entries


def _near_duplicates(people: list[Speaker]) -> list[tuple[Speaker, Speaker, str]]:
    """New speakers who may be the same person as another speaker."""
    if not people:
        return []
    registry = speakers.Registry.from_database()
    new = {s.pk for s in people}
    found = []
    for first, second, reason in speakers.near_duplicates(registry.speakers.values()):
        if first in new or second in new:
            found.append((registry.speakers[first].name, registry.speakers[second].name, reason))
    return found
