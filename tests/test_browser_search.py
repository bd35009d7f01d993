import re

import pytest
from playwright.sync_api import expect

from statements.ingest import ingest
from tests.conftest import sample_info, sample_paths

# The live server sees only committed rows; serialized rollback puts the seeded officials back.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def live_archive(seeded):
    for path in sample_paths():
        ingest(path.read_text(encoding="utf-8"), sample_info(path))


def facet_count(page, facet: str, label: str) -> str:
    section = page.locator(f"section[aria-labelledby=facet-{facet}]")
    return section.locator("a", has_text=label).locator(".n").inner_text()


def test_a_journalist_finds_a_quote_cites_it_reads_it_in_context_and_comes_back(page, live_archive):
    page.goto("/")
    page.get_by_label("Search what was said").fill("fentanyl")
    page.get_by_label("Search what was said").press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("of 34 utterances")
    assert facet_count(page, "country", "Mexico") == "11"
    assert facet_count(page, "kind", "Answer") == "11"

    # Narrow to one official: the counts follow, the official's own facet keeps its choices.
    page.locator("section[aria-labelledby=facet-speaker]").get_by_text("Alicia Bárcena").click()
    expect(page.locator("#results-heading")).to_contain_text("of 4 utterances")
    assert facet_count(page, "country", "Mexico") == "4"
    assert facet_count(page, "kind", "Answer") == "2"
    assert facet_count(page, "speaker", "Antony J. Blinken") == "8"
    expect(page.get_by_role("link", name="Remove Official: Alicia Bárcena Ibarra")).to_be_visible()
    results_url = page.url
    first_quote = page.locator(".hit").first
    expect(first_quote.locator("mark").first).to_have_text(re.compile("fentanyl", re.I))

    # Open the permalink and copy its citation.
    first_quote.get_by_role("link", name="Quote & cite").click()
    expect(page.locator("h1")).to_have_text("Alicia Bárcena Ibarra")
    permalink = page.locator("#permalink").input_value()
    assert re.search(r"/meetings/[\w-]+/\d+/$", permalink)
    page.locator("button[data-copy=citation]").click()
    expect(page.locator(".copied")).to_have_text("Citation copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Alicia Bárcena Ibarra (Secretary of Foreign Affairs, Mexico), in “")
    assert permalink in copied
    assert "@misc{" in page.locator("#bibtex").input_value()

    # Jump to the full transcript at that turn.
    sequence = permalink.rstrip("/").rsplit("/", 1)[1]
    page.get_by_role("link", name="Read the full transcript from this turn").click()
    expect(page).to_have_url(re.compile(rf"#u{sequence}$"))
    turn = page.locator(f"#u{sequence}")
    expect(turn).to_be_in_viewport()
    expect(turn.locator(".label")).to_contain_text("BÁRCENA")

    # And come back to the same results.
    page.get_by_role("link", name="Back to your results").click()
    assert page.url == results_url
    expect(page.locator("#results-heading")).to_contain_text("of 4 utterances")


def test_search_and_facets_work_from_the_keyboard(page, live_archive):
    page.goto("/speakers/")
    page.keyboard.press("/")  # jumps to the search box
    page.keyboard.type("barcena")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("of 13 utterances")
    expect(page.locator(".hit mark").first).to_have_text("Bárcena")

    page.locator("section[aria-labelledby=facet-kind] a", has_text="Question").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("of 3 utterances")
    expect(page.get_by_role("checkbox", name=re.compile("Question"))).to_have_attribute(
        "aria-checked", "true"
    )


def test_a_name_in_the_words_is_offered_as_that_speaker_s_turns(page, live_archive):
    page.goto("/")
    page.get_by_label("Search what was said").fill("barcena fentanyl")
    page.get_by_label("Search what was said").press("Enter")
    # The words alone: turns that mention her, not only hers.
    expect(page.locator("#results-heading")).to_contain_text("utterances")
    suggestion = page.get_by_role("link", name="what Alicia Bárcena Ibarra said about fentanyl")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page.locator("#results-heading")).to_contain_text("of 4 utterances")
    expect(page.get_by_label("Search what was said")).to_have_value("fentanyl")
    expect(page.get_by_role("link", name="Remove Official: Alicia Bárcena Ibarra")).to_be_visible()
    for who in page.locator(".hit .who").all_inner_texts():
        assert who == "Alicia Bárcena Ibarra"
    expect(page.locator(".hit mark").first).to_have_text(re.compile("fentanyl", re.I))
