"""Hand labels of real corpus turns, for judging theme and place tagging (issue 17).

Pure: reads tests/fixtures/topics/labels.jsonl, no Django, no corpus. A label names a turn by its
corpus file and its sequence (as `Utterance.sequence` numbers it in a loaded archive) and carries
the sha1 of the turn's text, so a loader can check that it finds the turn that was labelled. How
the turns were drawn and labelled: tests/fixtures/topics/README.md.

    from tests.topic_labels import load_labels
    for label in load_labels("final"):
        label.file, label.sequence, label.themes, label.places
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "fixtures" / "topics"
LABELS = FOLDER / "labels.jsonl"
EXTRA_PLACES = FOLDER / "extra_places.json"
SPLITS = ("dev", "heldout", "final")


@dataclass(frozen=True)
class Label:
    file: str  # corpus file name, as in the corpus manifest
    sequence: int  # the turn's number in its transcript, from 1
    split: str  # "dev" or "heldout" (rules may be tuned on both now), or "final" (never)
    words: int
    text_sha1: str  # sha1 of the turn's text as parsed (UTF-8)
    themes: tuple[str, ...]  # theme slugs (statements/data/themes.json)
    places: tuple[str, ...]  # gazetteer slugs, or those of extra_places()
    note: str = ""


def half_of(file: str) -> str:
    """The half (`dev` or `heldout`) a corpus file name falls in: the first byte of the name's
    sha1, even for dev. The dev and held-out turns were drawn by it."""
    return "dev" if hashlib.sha1(file.encode("utf-8")).digest()[0] % 2 == 0 else "heldout"


def split_of(file: str, labels: list[Label] | None = None) -> str:
    """The split a transcript belongs to: `final` when it holds a final label (of `labels`, else
    of the fixture), else its half (`half_of`). The `final` set was drawn from the transcripts
    holding no dev or held-out label, of either half."""
    if labels is None:
        labels = load_labels("final")
    if any(label.file == file and label.split == "final" for label in labels):
        return "final"
    return half_of(file)


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_labels(split: str | None = None, path: Path = LABELS) -> list[Label]:
    """The labels of one split (`dev`, `heldout` or `final`), or of all, in file order."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)} or None, not {split!r}.")
    labels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        label = Label(
            file=row["file"],
            sequence=row["sequence"],
            split=row["split"],
            words=row["words"],
            text_sha1=row["text_sha1"],
            themes=tuple(row["themes"]),
            places=tuple(row["places"]),
            note=row.get("note", ""),
        )
        if split is None or label.split == split:
            labels.append(label)
    return labels


def extra_places() -> dict[str, dict]:
    """Places the labels use that the gazetteer lacks: slug to kind and name."""
    return json.loads(EXTRA_PLACES.read_text(encoding="utf-8"))
