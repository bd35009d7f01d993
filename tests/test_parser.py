"""The transcript parser, against golden files and the cases that are easiest to get wrong.

Each transcript in tests/fixtures/parser/ and samples/transcripts/ has a golden file recording what
it parses to. After an intended change to the parser, rewrite them with
`UPDATE_GOLDEN=1 pytest tests/test_parser.py` and read the diff before committing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from statements import parser
from tests.golden import assert_matches_golden

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "parser"
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "transcripts"


def golden_path(source: Path) -> Path:
    folder = FIXTURES / "samples" if source.parent == SAMPLES else FIXTURES
    return folder / f"{source.stem}.golden.json"


TRANSCRIPTS = sorted(FIXTURES.glob("*.txt")) + sorted(SAMPLES.glob("*.txt"))


def read(source: Path) -> str:
    return source.read_text(encoding="utf-8")


def as_golden(transcript: parser.Transcript) -> dict[str, Any]:
    return {
        "title": transcript.title,
        "date": transcript.date.isoformat() if transcript.date else None,
        "time": transcript.time,
        "location": transcript.location,
        "venue": transcript.venue,
        "people": transcript.people,
        "header": transcript.header,
        "turns": [
            {
                "label": turn.label,
                "via_interpreter": turn.via_interpreter,
                "paragraphs": list(turn.paragraphs),
            }
            for turn in transcript.turns
        ],
        "trailer": transcript.trailer,
    }


def parse_fixture(name: str) -> parser.Transcript:
    return parser.parse(read(FIXTURES / f"{name}.txt"))


@pytest.mark.parametrize("source", TRANSCRIPTS, ids=lambda path: path.stem)
def test_it_parses_each_transcript_as_its_golden_file_records(source: Path) -> None:
    assert_matches_golden(as_golden(parser.parse(read(source))), golden_path(source))


@pytest.mark.parametrize("source", TRANSCRIPTS, ids=lambda path: path.stem)
def test_it_loses_no_word_and_keeps_them_in_order(source: Path) -> None:
    text = read(source)
    transcript = parser.parse(text)

    found = parser.words(transcript.header)
    for turn in transcript.turns:
        found += parser.words(turn.label) + parser.words(turn.text)
    found += parser.words(transcript.trailer)

    assert found == parser.words(text)


def test_every_golden_file_has_its_transcript() -> None:
    expected = {golden_path(source) for source in TRANSCRIPTS}
    assert set(FIXTURES.glob("**/*.golden.json")) <= expected


def test_the_samples_keep_their_turn_counts() -> None:
    counts = {
        path.stem: len(parser.parse(read(path)).turns) for path in sorted(SAMPLES.glob("*.txt"))
    }
    assert counts == {
        "2021-10-08-blinken-interview-milenio-tv": 30,
        "2022-10-13-hlsd-joint-press-conference-washington": 36,
        "2023-09-29-hled-joint-press-availability-washington": 28,
        "2023-10-05-hlsd-opening-session-mexico-city": 10,
        "2023-10-05-hlsd-press-conference-mexico-city": 40,
    }
