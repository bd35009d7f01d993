import re

import pytest
from playwright.sync_api import expect

# The live server sees only committed rows; serialized rollback puts the seeded officials back.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def facet_count(page, facet: str, label: str) -> str:
    section = page.locator(f"section[aria-labelledby=facet-{facet}]")
    return section.locator("label", has_text=label).locator(".n").inner_text()


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
    expect(page.locator("#q")).not_to_be_focused()  # autofocus is the front page's alone

    # A facet's options are checkboxes: Space ticks one, and the focus is on it again once the
    # results have followed.
    question = page.get_by_role("checkbox", name=re.compile("^Question"))
    question.focus()
    page.keyboard.press("Space")
    expect(page.locator("#results-heading")).to_contain_text("of 3 utterances")
    expect(page).to_have_url(re.compile("kind=question"))
    question = page.get_by_role("checkbox", name=re.compile("^Question"))
    expect(question).to_be_checked()
    expect(question).to_be_focused()
    # Enter toggles it as well; unticked, the results are all there again.
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("of 13 utterances")
    expect(page.get_by_role("checkbox", name=re.compile("^Question"))).not_to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile("^Question"))).to_be_focused()


def test_the_first_result_is_a_few_tab_presses_away(page, live_archive):
    page.goto("/")
    expect(page.locator("#q")).to_be_focused()  # the front page, nothing asked yet
    expect(page.locator("h1")).to_have_text("Search what was said")
    page.goto("/?q=fentanyl")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to results")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    presses = 0
    while not page.evaluate("!!document.activeElement.closest('.hit')") and presses < 10:
        page.keyboard.press("Tab")
        presses += 1
    assert presses <= 3  # past the two other orders, not 55 filters
    expect(page.locator(".hit").first.locator(":focus")).to_have_count(1)


def test_results_come_before_the_filters_yet_show_on_their_right(page, live_archive):
    page.goto("/?q=fentanyl")
    order = page.evaluate(
        """() => {
            const results = document.getElementById("results");
            const filters = document.getElementById("filters");
            const h1 = document.querySelector("h1"), h3 = document.querySelector(".facet h3");
            const after = (a, b) => Boolean(a.compareDocumentPosition(b) & 4);  // FOLLOWING
            return [after(results, filters), after(h1, h3)];
        }"""
    )
    assert order == [True, True]
    results, filters = (
        page.locator("#results").bounding_box(),
        page.locator("#filters").bounding_box(),
    )
    assert filters["x"] + filters["width"] <= results["x"]  # the filters on the left
    expect(page.locator(".filters-toggle")).to_be_hidden()
    expect(page.locator(".facets-close")).to_be_hidden()


def test_on_a_phone_the_filters_open_from_the_top_of_the_results(page, live_archive):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/?q=fentanyl&speaker=alicia-barcena-ibarra")
    toggle = page.get_by_role("button", name=re.compile("^Filters"))
    expect(toggle).to_contain_text("1 chosen")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # The control and the chips are at the top, above the first result; the filters are closed.
    chip = page.get_by_role("link", name="Remove Official: Alicia Bárcena Ibarra")
    first = page.locator(".hit").first.bounding_box()
    assert toggle.bounding_box()["y"] < chip.bounding_box()["y"] < first["y"] < 844
    expect(page.locator("#filters")).to_be_hidden()

    toggle.click()
    expect(page.locator("#filters")).to_be_visible()
    expect(page.locator("#filters-heading")).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    answer = page.get_by_role("checkbox", name=re.compile("^Answer"))
    answer.check()
    # The results follow; the filters are open again, on the option chosen.
    expect(page.locator("#results-heading")).to_contain_text("of 2 utterances")
    expect(page.locator("#filters")).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile("^Answer"))).to_be_focused()
    page.get_by_role("button", name="Show 2 results").click()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("^Filters"))).to_be_focused()
    expect(page.get_by_role("button", name=re.compile("^Filters"))).to_contain_text("2 chosen")
    # Escape closes them too.
    page.get_by_role("button", name=re.compile("^Filters")).click()
    page.keyboard.press("Escape")
    expect(page.locator("#filters")).to_be_hidden()


def test_on_a_phone_a_meeting_shows_who_took_part_before_its_transcript(page, live_archive):
    from statements.models import Meeting

    page.set_viewport_size({"width": 390, "height": 844})
    meeting = Meeting.objects.order_by("-date").first()
    page.goto(meeting.get_absolute_url())
    participants = page.get_by_role("heading", name="Participants")
    expect(participants).to_be_in_viewport()
    assert participants.bounding_box()["y"] < page.locator(".turn").first.bounding_box()["y"]
    page.goto(meeting.get_absolute_url() + "3/")
    expect(page.get_by_role("heading", name="Cite this")).to_be_in_viewport()


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
