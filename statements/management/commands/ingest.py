import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from statements.ingest import IngestError, MeetingInfo, batch, decode, ingest

TRANSCRIPT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
FIELDS = ("title", "date", "kind", "location", "venue", "series", "source_url")
# Transcripts committed together: an interruption loses at most the batch under way.
BATCH_SIZE = 200


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

    def handle(self, *args, **options):
        files = self._transcripts(options["paths"])
        overrides = {name: options[name] for name in FIELDS if options.get(name)}
        meetings = unchanged = utterances = 0
        new_speakers, failures = [], []
        progress = tqdm(total=len(files), desc="Ingesting", unit="file", disable=len(files) < 2)
        for start in range(0, len(files), BATCH_SIZE):
            with batch() as ingesting:
                for path in files[start : start + BATCH_SIZE]:
                    progress.update()
                    try:
                        text = decode(path.read_bytes(), path.name)
                        result = ingest(text, self._info(path, overrides), batch=ingesting)
                    except (IngestError, OSError) as error:
                        failures.append(f"{path}: {error}")
                        continue
                    if result.created:
                        meetings += 1
                        utterances += result.utterances
                        new_speakers.extend(result.new_speakers)
                    else:
                        unchanged += 1
        progress.close()

        review = [s for s in new_speakers if s.needs_review]
        self.stdout.write(
            f"{meetings} meetings added ({unchanged} already in the archive), "
            f"{utterances} utterances, {len(new_speakers)} new speakers, "
            f"{len(review)} speakers to review."
        )
        for speaker in review:
            self.stdout.write(f"  to review: {speaker.name}")
        if failures:
            for failure in failures:
                self.stderr.write(f"Refused {failure}")
            raise CommandError(f"{len(failures)} of {len(files)} transcripts were refused.")

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

    def _info(self, path: Path, overrides: dict) -> MeetingInfo:
        fields = {**self._sidecar(path), **overrides}
        date = fields.get("date")
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                raise IngestError(
                    f"the date {date!r} is not a date in the form YYYY-MM-DD."
                ) from None
        return MeetingInfo(
            **{name: fields.get(name) or "" for name in FIELDS if name != "date"},
            date=date or None,
        )

    def _sidecar(self, path: Path) -> dict:
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
