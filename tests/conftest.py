import json
from pathlib import Path

import pytest

from statements.ingest import MeetingInfo, ingest

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "transcripts"


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


def sample_info(path: Path) -> MeetingInfo:
    import datetime as dt

    fields = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    fields["date"] = dt.date.fromisoformat(fields["date"])
    return MeetingInfo(
        **{k: v or "" for k, v in fields.items() if k != "date"}, date=fields["date"]
    )


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests run without collectstatic, so static files keep their plain names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def archive(db):
    """The five sample transcripts, ingested."""
    return [ingest(path.read_text(encoding="utf-8"), sample_info(path)) for path in sample_paths()]
