import datetime as dt
import json
import multiprocessing
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, OperationalError, connections
from tqdm import tqdm

from statements import search_index
from statements.ingest import IngestError, MeetingInfo, batch, decode, ingest

TRANSCRIPT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
FIELDS = ("title", "date", "kind", "location", "venue", "series", "source_url")
# Transcripts committed together: an interruption loses at most the batches under way.
BATCH_SIZE = 200
# With several workers, the files are cut into this many batches a worker at least (when there
# are enough), so that none is left to ingest a large last batch alone while the others idle.
BATCHES_A_WORKER = 4
# Times a batch is tried when another worker's batch wrote the same speaker, transcript or slug
# first (or the two waited on each other): once that one is committed, the batch finds it.
ATTEMPTS = 3


@dataclass
class Summary:
    """What the batches did, in plain data a worker process can send back."""

    meetings: int = 0
    unchanged: int = 0
    utterances: int = 0
    new_speakers: list[tuple[str, bool]] = field(default_factory=list)  # name, needs review
    failures: list[str] = field(default_factory=list)
    files: int = 0

    def add(self, other: "Summary") -> None:
        self.meetings += other.meetings
        self.unchanged += other.unchanged
        self.utterances += other.utterances
        self.new_speakers += other.new_speakers
        self.failures += other.failures
        self.files += other.files


def batches(files: list[Path], workers: int) -> list[list[Path]]:
    """The files cut into batches of at most BATCH_SIZE, of even sizes, and for several workers
    into BATCHES_A_WORKER each at least (never fewer than one file a batch)."""
    count = -(-len(files) // BATCH_SIZE)
    if workers > 1:
        count = max(count, min(len(files), workers * BATCHES_A_WORKER))
    size = -(-len(files) // count)
    return [files[start : start + size] for start in range(0, len(files), size)]


def ingest_batch(files: list[Path], overrides: dict) -> Summary:
    """Ingest these files in one batch, committed; a file refused is reported and skipped."""
    for attempt in range(1, ATTEMPTS + 1):
        summary = Summary(files=len(files))
        try:
            with batch() as ingesting:
                for path in files:
                    try:
                        text = decode(path.read_bytes(), path.name)
                        result = ingest(text, read_info(path, overrides), batch=ingesting)
                    except (IngestError, OSError) as error:
                        summary.failures.append(f"{path}: {error}")
                        continue
                    if result.created:
                        summary.meetings += 1
                        summary.utterances += result.utterances
                        summary.new_speakers += [
                            (s.name, s.needs_review) for s in result.new_speakers
                        ]
                    else:
                        summary.unchanged += 1
            return summary
        except (IntegrityError, OperationalError) as error:
            if attempt == ATTEMPTS:
                reason = str(error).splitlines()[0]
                return Summary(
                    files=len(files),
                    failures=[
                        f"{path}: its batch collided with other workers' {ATTEMPTS} times "
                        f"({reason}); nothing of it was written, run the command again."
                        for path in files
                    ],
                )
    raise AssertionError("unreachable")


def _forget_connections() -> None:
    """In a worker just forked: let go of the connections it inherited, without closing them
    (that would close the parent's), so that it opens its own."""
    for connection in connections.all(initialized_only=True):
        connection.connection = None


def _ingest_batch(job: tuple[list[Path], dict]) -> Summary:
    try:
        return ingest_batch(*job)
    finally:
        if multiprocessing.parent_process() is not None:
            # A worker process leaves without closing anything: close its connection now.
            connections.close_all()


def read_info(path: Path, overrides: dict) -> MeetingInfo:
    """The metadata of a transcript file: the options' overrides, else its sidecar's."""
    fields = {**_sidecar(path), **overrides}
    date = fields.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise IngestError(f"the date {date!r} is not a date in the form YYYY-MM-DD.") from None
    return MeetingInfo(
        **{name: fields.get(name) or "" for name in FIELDS if name != "date"},
        date=date or None,
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
            return {k: v for k, v in data.items() if k in FIELDS}
    return {}


class Command(BaseCommand):
    help = (
        "Ingest transcripts: files, or directories of them. Metadata comes from the options, "
        "else from a sidecar NAME.json beside each file, else from the transcript's header."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--title")
        parser.add_argument("--date", help="YYYY-MM-DD")
        parser.add_argument("--kind", help='e.g. "press conference", "interview"')
        parser.add_argument("--location")
        parser.add_argument("--venue")
        parser.add_argument("--series")
        parser.add_argument("--source-url", dest="source_url")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help=f"processes ingesting batches of up to {BATCH_SIZE} files side by side "
            "(one a core: PostgreSQL's text parsing is most of the work)",
        )

    def handle(self, *args, **options):
        files = self._transcripts(options["paths"])
        overrides = {name: options[name] for name in FIELDS if options.get(name)}
        workers = max(1, min(options["workers"], len(files)))
        jobs = [(files, overrides) for files in batches(files, workers)]
        total = Summary()
        progress = tqdm(
            total=len(files),
            desc="Ingesting",
            unit="file",
            disable=len(files) < 2 or options["verbosity"] < 1,
        )
        if workers == 1:
            done = map(_ingest_batch, jobs)
        else:
            pool = multiprocessing.get_context("fork").Pool(workers, _forget_connections)
            done = pool.imap_unordered(_ingest_batch, jobs)
        try:
            for summary in done:
                total.add(summary)
                progress.update(summary.files)
        finally:
            if workers > 1:
                pool.terminate()
                pool.join()
        progress.close()
        # Each batch synced the search index after its commit, unless another worker's sync was
        # under way; whatever is left waits for this one.
        search_index.sync()

        review = [name for name, needs_review in total.new_speakers if needs_review]
        self.stdout.write(
            f"{total.meetings} meetings added ({total.unchanged} already in the archive), "
            f"{total.utterances} utterances, {len(total.new_speakers)} new speakers, "
            f"{len(review)} speakers to review."
        )
        for name in review:
            self.stdout.write(f"  to review: {name}")
        if total.failures:
            for failure in sorted(total.failures):
                self.stderr.write(f"Refused {failure}")
            raise CommandError(f"{len(total.failures)} of {len(files)} transcripts were refused.")

    def _transcripts(self, paths: list[Path]) -> list[Path]:
        files = []
        for path in paths:
            if path.is_dir():
                files.extend(
                    sorted(p for p in path.iterdir() if p.suffix.lower() in TRANSCRIPT_SUFFIXES)
                )
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{path}: no such file or directory.")
        if not files:
            raise CommandError("No transcripts found (looked for .txt and .md files).")
        return files
