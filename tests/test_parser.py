"""The transcript parser, against golden files and the cases that are easiest to get wrong.

Each transcript in tests/fixtures/parser/ and samples/transcripts/ has a golden file recording what
it parses to. After an intended change to the parser, rewrite them with
`UPDATE_GOLDEN=1 pytest tests/test_parser.py` and read the diff before committing it.
"""

from __future__ import annotations

import datetime as dt
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


def test_it_keeps_a_wrapped_line_that_looks_like_a_label_in_the_paragraph() -> None:
    # "...wishing everyone a happy St." then a line "Patrick's Day: We'd like to welcome ..."
    transcript = parse_fixture("false_labels")

    assert [turn.label for turn in transcript.turns] == [
        "MS. PSAKI",
        "Deputy Secretary Sherman",
        "Q",
        "Deputy Secretary Sherman",
    ]
    first = transcript.turns[0].paragraphs[0]
    assert "happy St. Patrick's Day: We'd like to welcome our friends from Ireland" in first


def test_it_starts_no_turn_at_a_wrapped_line_that_opens_mid_sentence() -> None:
    # "... and then we will take" / "Q and A.  ..." / "... put out this morning by" / "NATO: the"
    transcript = parse_fixture("false_labels")

    assert (
        "The Deputy Secretary will speak for a few minutes, and then we will take Q and A. She"
        " has also asked me to flag a statement put out this morning by NATO: the Secretary"
        " General spoke with the President about the summit."
    ) in transcript.turns[0].paragraphs


def test_it_keeps_lines_ending_in_a_colon_in_the_speech() -> None:
    transcript = parse_fixture("false_labels")

    assert "These include:" in transcript.turns[0].paragraphs
    assert transcript.turns[2].label == "Q"
    assert transcript.turns[2].paragraphs == (
        "Thank you. Deputy Secretary, on the talks with Iran, I wanted to ask you:",
        "What is the timeline the United States is working on? Is there a deadline?",
    )


def test_it_reads_a_label_with_no_break_spaces_inside_it() -> None:
    text = "FOREIGN\u00a0SECRETARY EBRARD:\u00a0\u00a0(Via interpreter) Thank you,\u00a0Antony."

    [turn] = parser.parse(text).turns

    assert turn.label == "FOREIGN SECRETARY EBRARD"
    assert turn.paragraphs == ("(Via interpreter) Thank you, Antony.",)
    assert turn.via_interpreter


def test_it_reads_the_white_house_q_with_no_colon() -> None:
    transcript = parse_fixture("white_house_briefing")

    assert transcript.turns[1].label == "Q"
    assert transcript.turns[1].paragraphs[0].startswith("Thank you, Karine. Two questions.")


def test_it_rejoins_hard_wrapped_lines_into_whole_paragraphs() -> None:
    transcript = parse_fixture("hard_wrapped_lines")

    assert transcript.turns[0].paragraphs == (
        "Thank you very much, and good morning, everyone. It's a real pleasure to be back in"
        " Mexico City for the second High-Level Economic Dialogue between our two countries.",
        "We focused today on three things: supply chains, the border, and investment in the"
        " people of southern Mexico and Central America.",
    )


def test_it_starts_a_turn_at_an_indented_mixed_case_label() -> None:
    transcript = parse_fixture("indented_paragraphs")

    assert [turn.label for turn in transcript.turns] == [
        "SECRETARY POWELL",
        "FOREIGN SECRETARY CASTANEDA",
        "Question",
        "SECRETARY POWELL",
    ]


def test_it_marks_a_turn_interpreted_wherever_the_mark_is() -> None:
    turns = parse_fixture("interpretation_and_stage_notes").turns

    # "(Via interpreter)" in the middle of the turn, "(As interpreted.)", "(via interpreter)" in
    # the label; a question asked "(In Arabic.)" with no interpretation mark is not interpreted.
    assert [turn.via_interpreter for turn in turns] == [
        True,
        False,
        False,
        True,
        False,
        False,
        True,
        True,
        False,
    ]


def test_it_keeps_stage_notes_in_the_text_where_stage_notes_finds_them() -> None:
    turns = parse_fixture("interpretation_and_stage_notes").turns

    assert parser.stage_notes(turns[1].text) == ["(Laughter.)"]
    assert parser.stage_notes(turns[3].text) == ["(In Arabic.)"]
    assert parser.stage_notes(turns[5].text) == ["(cross-talk)", "(Cross-talk.)"]
    assert parser.stage_notes(turns[7].text) == ["(Inaudible.)", "(Applause.)"]


def test_it_sends_footnotes_to_the_trailer_and_leaves_the_mark_in_the_turn() -> None:
    transcript = parse_fixture("trailer_footnotes")

    assert transcript.turns[-1].paragraphs == ("Thank you all.",)
    assert "Secretary[1] Tai" in transcript.turns[1].text
    assert transcript.trailer.startswith("[1] Ambassador Tai [back to transcript]")


def test_it_sends_a_headline_that_looks_like_a_label_after_related_articles_to_the_trailer() -> (
    None
):
    transcript = parse_fixture("trailer_web_junk")

    assert [turn.label for turn in transcript.turns] == [
        "SECRETARY BLINKEN",
        "FOREIGN SECRETARY BÁRCENA",
        "SECRETARY BLINKEN",
    ]
    assert "Blinken: U.S. Will Keep Pressing Mexico" in transcript.trailer


def test_it_keeps_speech_that_opens_like_a_web_footer() -> None:
    transcript = parse_fixture("speech_that_looks_like_a_trailer")

    assert len(transcript.turns) == 3
    assert transcript.turns[1].paragraphs[1].startswith("More from both of us after the meeting")
    assert transcript.trailer == "END                 4:58 P.M. CST"


def test_it_reads_the_header() -> None:
    transcript = parse_fixture("header_metadata")

    assert transcript.title == (
        "Secretary Antony J. Blinken and Mexican Foreign Secretary Marcelo Ebrard"
        " Before Their Meeting"
    )
    assert transcript.date == dt.date(2022, 5, 21)
    assert transcript.time == "2:03 p.m. EDT"
    assert transcript.location == "Washington, D.C."
    assert transcript.venue == "Harry S Truman Building"
    assert transcript.people == [
        "Antony J. Blinken, Secretary of State",
        "Marcelo Ebrard, Foreign Secretary of Mexico",
    ]


def test_it_keeps_a_title_that_holds_a_date() -> None:
    transcript = parse_fixture("eu_name_role_and_outlet_labels")

    assert transcript.title == "Midday briefing of 14 February 2024"
    assert transcript.date == dt.date(2024, 2, 14)
    assert transcript.location == "Brussels"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("May 21, 2022", dt.date(2022, 5, 21)),
        ("(May 21, 2022)", dt.date(2022, 5, 21)),
        ("Friday, October 6, 2023", dt.date(2023, 10, 6)),
        ("Sept. 29, 2023", dt.date(2023, 9, 29)),
        ("Oct 5 2023", dt.date(2023, 10, 5)),
        ("MARCH 17, 2023", dt.date(2023, 3, 17)),
        ("October 5th, 2023", dt.date(2023, 10, 5)),
        ("14 February 2024", dt.date(2024, 2, 14)),
        ("5th of October 2023", dt.date(2023, 10, 5)),
        ("2023-10-05", dt.date(2023, 10, 5)),
        ("Department Press Briefing – March 7, 2023", dt.date(2023, 3, 7)),
    ],
)
def test_it_reads_the_usual_date_shapes(text: str, expected: dt.date) -> None:
    assert parser.parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["February 30, 2023", "2023-13-01", "May 2023", "Mayor 5, 2023", "Decision 2, 2023", "no date"],
)
def test_it_finds_no_date_where_there_is_none(text: str) -> None:
    assert parser.parse_date(text) is None


def test_it_counts_words_as_a_reader_would() -> None:
    [turn] = parser.parse("SECRETARY BLINKEN:  The U.S. and Mexico – shoulder-to-shoulder.").turns

    assert turn.word_count == 5
