import datetime as dt
import json

import pytest

from statements.citations import bibtex, csl_json, name_parts, plain_citation, ris
from statements.models import Meeting, Speaker, Utterance

pytestmark = pytest.mark.django_db

PERMALINK = "https://archive.example.org/meetings/x/12/"
ACCESSED = dt.date(2026, 1, 15)


@pytest.fixture
def quote(archive) -> Utterance:
    """A turn of Alicia Bárcena Ibarra's."""
    return (
        Utterance.objects.select_related("meeting", "speaker")
        .filter(speaker__slug="alicia-barcena-ibarra")
        .order_by("date", "sequence")
        .first()
    )


def with_family_name(speaker: Speaker, family_name: str) -> Speaker:
    # The speaker's family name as the admin stores it: set on the object, so that this holds
    # whether or not the model has the field yet.
    speaker.family_name = family_name
    return speaker


def test_a_family_name_of_two_words_is_kept_whole(quote):
    with_family_name(quote.speaker, "Bárcena Ibarra")
    assert name_parts(quote.speaker) == ("Bárcena Ibarra", "Alicia")
    assert "  author = {Bárcena Ibarra, Alicia}," in bibtex(quote, PERMALINK, ACCESSED)
    item = json.loads(csl_json(quote, PERMALINK, ACCESSED))[0]
    assert item["author"] == [{"family": "Bárcena Ibarra", "given": "Alicia"}]
    assert "AU  - Bárcena Ibarra, Alicia" in ris(quote, PERMALINK, ACCESSED).splitlines()


def test_a_family_name_written_first_is_found_at_the_start():
    speaker = with_family_name(Speaker(name="Xi Jinping"), "Xi")
    assert name_parts(speaker) == ("Xi", "Jinping")


def test_without_a_family_name_the_last_word_is_taken(quote):
    with_family_name(quote.speaker, "")
    assert name_parts(quote.speaker) == ("Ibarra", "Alicia Bárcena")
    assert "  author = {Ibarra, Alicia Bárcena}," in bibtex(quote, PERMALINK, ACCESSED)


def test_the_plain_citation_can_carry_the_quote(quote):
    reference = plain_citation(quote, PERMALINK, ACCESSED)
    quoted = plain_citation(quote, PERMALINK, ACCESSED, quote=True)
    opening = quote.text.split()[0]
    assert quoted.startswith(f"“{opening}") and quoted.endswith(reference)
    assert reference.startswith(
        "Alicia Bárcena Ibarra (Secretary of Foreign Affairs, Mexico), in “"
    )
    assert "(accessed January 15, 2026)." in reference


def test_csl_json_is_a_speech_reference_managers_read(quote):
    meeting = quote.meeting
    [item] = json.loads(csl_json(quote, PERMALINK, ACCESSED))
    assert item["type"] == "speech"
    assert item["title"] == meeting.title
    assert item["issued"] == {
        "date-parts": [[meeting.date.year, meeting.date.month, meeting.date.day]]
    }
    assert item["accessed"] == {"date-parts": [[2026, 1, 15]]}
    assert item["URL"] == PERMALINK
    assert item["note"] == (
        f"Turn {quote.sequence}. Published by U.S. Department of State (official transcript)"
    )
    assert item["genre"] == meeting.get_kind_display()


def test_ris_has_one_field_a_line_and_ends_its_record(quote):
    quote.meeting.title = "A title\nover two lines"
    lines = ris(quote, PERMALINK, ACCESSED).splitlines()
    assert lines[0] == "TY  - GEN" and lines[-1] == "ER  - "
    assert "TI  - A title over two lines" in lines
    assert f"DA  - {quote.meeting.date:%Y/%m/%d}" in lines
    assert f"UR  - {PERMALINK}" in lines and "Y2  - 2026/01/15" in lines


def test_a_turn_without_a_known_speaker_is_cited_by_its_label():
    meeting = Meeting(title="Briefing", slug="briefing", date=dt.date(2024, 3, 1), kind="briefing")
    turn = Utterance(meeting=meeting, sequence=4, speaker_label="MODERATOR", text="Next question.")
    assert "  author = {{Moderator}}," in bibtex(turn, PERMALINK, ACCESSED)
    assert json.loads(csl_json(turn, PERMALINK, ACCESSED))[0]["author"] == [
        {"literal": "Moderator"}
    ]
    assert "AU  - Moderator" in ris(turn, PERMALINK, ACCESSED)


def test_every_citation_names_the_publisher_and_links_the_original(quote):
    from statements.models import Publisher

    meeting = quote.meeting
    meeting.publisher = Publisher.objects.get(key="state")
    meeting.source_url = "https://www.state.gov/secretary-blinken-remarks/"
    reference = plain_citation(quote, PERMALINK, ACCESSED)
    assert (
        "Published by U.S. Department of State (official transcript), "
        "https://www.state.gov/secretary-blinken-remarks/." in reference
    )
    [item] = json.loads(csl_json(quote, PERMALINK, ACCESSED))
    assert item["publisher"] == "U.S. Department of State"
    assert item["source"] == meeting.source_url
    assert "https://www.state.gov/secretary-blinken-remarks/" in bibtex(quote, PERMALINK, ACCESSED)
    assert "PB  - U.S. Department of State" in ris(quote, PERMALINK, ACCESSED).splitlines()
    # A link stored before URLs were checked is never cited.
    meeting.source_url = "javascript:alert(1)"
    assert "javascript" not in plain_citation(quote, PERMALINK, ACCESSED)
