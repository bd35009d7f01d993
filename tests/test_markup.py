import pytest
from django.utils.html import escape

from statements.markup import plain, render, render_snippet


def shown(text: str) -> str:
    return render(escape(text))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("We have no <s>questions</s> answers.", "We have no <del>questions</del> answers."),
        ("We have no ~~questions~~ answers.", "We have no <del>questions</del> answers."),
        ("<DEL>old</DEL> and <strike>older</strike>", "<del>old</del> and <del>older</del>"),
        ("*Namashkar*, friends.", "<em>Namashkar</em>, friends."),
        ("_Namashkar_, friends.", "<em>Namashkar</em>, friends."),
        (
            "A **firm** <b>no</b> and <i>sí</i>.",
            "A <strong>firm</strong> <strong>no</strong> and <em>sí</em>.",
        ),
        (r"\[inaudible\] and \*not emphasis\*", "[inaudible] and *not emphasis*"),
        (r"a backslash: \\", "a backslash: \\"),
    ],
)
def test_markup_from_markdown_and_html_sources_shows_as_the_source_meant_it(source, expected):
    assert shown(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "Required fields are marked *",
        "5 * 3 * 2 is thirty.",
        "See https://www.state.gov/remarks_to_the_press_on_fentanyl for more.",
        "the_variable and snake_case_names",
        "An ~ approximate ~ figure",
    ],
)
def test_lone_or_intraword_marks_stay_as_they_are(source):
    assert shown(source) == escape(source)


def test_a_transcript_s_own_tags_never_become_tags():
    assert shown("<script>alert(1)</script> <s onclick=x>no</s>") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <del>no</del>"
    )
    assert shown(r"\<s>kept as written\</s>") == "&lt;s&gt;kept as written&lt;/s&gt;"


def test_a_strike_through_cut_by_a_passage_stays_struck():
    # A snippet that starts or ends inside a correction shows that part struck, not as if it
    # stood.
    assert shown("questions</s> answers") == "<del>questions</del> answers"
    assert shown("no <s>questions") == "no <del>questions</del>"
    assert shown("no ~~questions") == "no <del>questions</del>"
    assert shown("questions~~ answers") == "<del>questions</del> answers"


def test_crossing_tags_are_nested_properly():
    assert shown("<s>a <em>b</s> c</em>") == "<del>a <em>b</em></del><em> c</em>"
    assert shown("<em>a</s> b</em>") == "<del><em>a</em></del><em> b</em>"


def test_a_snippet_renders_each_part_and_keeps_its_marks():
    snippet = (
        "no ~~<mark>questions</mark> … <mark>answers</mark>~~ today ¶ *<mark>Namashkar</mark>*"
    )
    assert render_snippet(snippet) == (
        "no <del><mark>questions</mark></del> … <del><mark>answers</mark></del> today ¶ "
        "<em><mark>Namashkar</mark></em>"
    )


def test_plain_text_reads_as_the_source_meant_it():
    assert plain("We have no <s>questions</s> answers, *truly*.\n\nNext \\[inaudible\\].") == (
        "We have no answers, truly.\n\nNext [inaudible]."
    )
    assert plain("Fish & chips <3") == "Fish & chips <3"
