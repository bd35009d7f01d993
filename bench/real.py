"""The benchmark's archive of real material: the whole shared corpus (../shared/corpus), loaded as
a user would load it (`manage.py ingest --manifest --workers 2`, timed), then topped up with
synthetic turns learned from the same corpus to the size asked for (a million by default).

`python -m bench --build-real` builds it in the database DATABASE_URL names, which must be
migrated and seeded and hold no meetings yet; then `python -m bench` runs its mix on it.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from statements.management.commands.synth import synthesize
from statements.models import Meeting, Utterance


def build(target: int = 1_000_000, workers: int = 2) -> dict:
    """Load the corpus, then top up to `target` utterances; what each step took."""
    corpus = Path(settings.SHARED_CORPUS)
    if not (corpus / "manifest.jsonl").is_file():
        raise SystemExit(
            f"No shared corpus at {corpus}: set CORPUS_DIR, or build from synth alone."
        )
    if Meeting.objects.exists():
        raise SystemExit(
            "The database already holds meetings: build the real archive in a new one."
        )
    with tempfile.TemporaryDirectory(prefix="corpus-") as texts:
        subprocess.run([str(corpus / "unpack"), texts], check=True, capture_output=True)
        out = io.StringIO()
        started = time.perf_counter()
        call_command(
            "ingest",
            manifest=corpus / "manifest.jsonl",
            root=Path(texts),
            workers=workers,
            stdout=out,
            stderr=io.StringIO(),
            verbosity=0,
        )
        ingest_seconds = time.perf_counter() - started
    corpus_utterances = Utterance.objects.count()
    started = time.perf_counter()
    report = synthesize(max(0, target - corpus_utterances), text="corpus")
    return {
        "corpus_meetings": Meeting.objects.count() - report.meetings,
        "corpus_utterances": corpus_utterances,
        "corpus_ingest_seconds": round(ingest_seconds, 1),
        "corpus_ingest_rate": round(corpus_utterances / ingest_seconds),
        "corpus_ingest_summary": out.getvalue().strip().splitlines()[0],
        "synthetic_utterances": report.utterances,
        "synthetic_seconds": round(time.perf_counter() - started, 1),
        "utterances": Utterance.objects.count(),
    }
