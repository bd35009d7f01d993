"""The hand labels of corpus turns (tests/fixtures/topics/): whole, consistent, and aligned with
the corpus they name."""

from __future__ import annotations

import json
import tarfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.conf import settings

from statements import parser
from statements.ingest import decode
from statements.places import gazetteer
from tests.topic_labels import (
    SPLITS,
    extra_places,
    load_labels,
    split_of,
    text_sha1,
)

THEMES = Path(settings.BASE_DIR) / "statements" / "data" / "themes.json"
CORPUS = Path(settings.SHARED_CORPUS)
# Each split holds at least this many labelled turns.
AT_LEAST = {"dev": 230, "heldout": 230, "final": 230}


def test_every_split_has_its_labels():
    counts = Counter(label.split for label in load_labels())
    assert set(counts) <= set(SPLITS)
    for split, least in AT_LEAST.items():
        assert counts[split] >= least, f"{split}: {counts[split]} labels"
    assert len(load_labels("dev")) == counts["dev"]


def test_a_split_is_one_of_the_three():
    with pytest.raises(ValueError):
        load_labels("test")


def test_labels_use_known_themes_and_places():
    themes = {theme["slug"] for theme in json.loads(THEMES.read_text())["themes"]}
    places = {place.slug for place in gazetteer().places}
    extra = extra_places()
    assert not set(extra) & places, "an extra place the gazetteer now has"
    for label in load_labels():
        where = f"{label.file}#{label.sequence}"
        assert set(label.themes) <= themes, where
        assert set(label.places) <= places | set(extra), where
        assert len(set(label.themes)) == len(label.themes), where
        assert len(set(label.places)) == len(label.places), where


def test_extra_places_are_used():
    used = {place for label in load_labels() for place in label.places}
    assert set(extra_places()) <= used


def test_splits_share_no_transcript():
    labels = load_labels()
    splits = defaultdict(set)
    for label in labels:
        splits[label.file].add(label.split)
        assert label.split == split_of(label.file, labels), label.file
    assert all(len(held) == 1 for held in splits.values())
    files = {split: {label.file for label in load_labels(split)} for split in SPLITS}
    assert not files["dev"] & files["heldout"]
    assert not files["final"] & (files["dev"] | files["heldout"])


def test_a_turn_is_labelled_once_and_a_transcript_gives_two_at_most():
    labels = load_labels()
    turns = Counter((label.file, label.sequence) for label in labels)
    assert max(turns.values()) == 1
    assert max(Counter(label.file for label in labels).values()) <= 2
    assert all(label.words >= 15 and len(label.text_sha1) == 40 for label in labels)


@pytest.mark.skipif(
    not (CORPUS / "transcripts.tar.xz").is_file(),
    reason="the shared corpus (../shared/corpus/transcripts.tar.xz) is absent",
)
def test_labels_find_the_turns_they_were_made_from():
    """Parsed and numbered as ingest does, each labelled turn has the text that was labelled."""
    labels = load_labels()
    wanted = {label.file for label in labels}
    texts = {}
    with tarfile.open(CORPUS / "transcripts.tar.xz") as archive:
        for member in archive:
            name = member.name.removeprefix("./")
            if name in wanted:
                texts[name] = decode(archive.extractfile(member).read(), name)
    assert set(texts) == wanted
    turns = {file: parser.parse(text).turns for file, text in texts.items()}
    for label in labels:
        turn = turns[label.file][label.sequence - 1]
        assert text_sha1(turn.text) == label.text_sha1, f"{label.file}#{label.sequence}"
        assert turn.word_count == label.words
