"""Markup that transcripts carry from their sources, shown as the source meant it.

Markdown and HTML sources keep strike-through (`<s>questions</s>`, `~~questions~~`), emphasis
(`*Namashkar*`, `_Namashkar_`, `**word**`, `<em>`, `<i>`, `<b>`, `<strong>`) and Markdown's
backslash escapes (`\\[inaudible\\]`). The stored text keeps them as they came; only what is shown
changes. `render()` works on text already escaped for HTML, so no character of a transcript ever
becomes a tag of its own: it only turns the escaped markup into `<del>`, `<em>` and `<strong>`.
"""

import html
import re

from django.utils.html import escape, strip_tags

# What Markdown lets a backslash escape, as it reads after escape(): `\<` is `\&lt;`.
ESCAPED = re.compile(r"\\(&lt;|&gt;|&amp;|&quot;|&#x27;|[\\`*_{}\[\]()#+\-.!~|])")
# PostgreSQL text never holds NUL, so an escaped character is set aside as NUL, its index, NUL.
SET_ASIDE = re.compile("\x00(\\d+)\x00")

# A source's tags, by the tag each is shown as.
TAGS = {"s": "del", "del": "del", "strike": "del", "em": "em", "i": "em"}
TAGS.update(b="strong", strong="strong")
# Its attributes (a class, a title) are dropped: only the tag's name is kept.
SOURCE_TAG = re.compile(
    r"&lt;(/?)(s|del|strike|em|i|strong|b)(?:\s(?:(?!&gt;).)*)?&gt;", re.IGNORECASE
)
# Pairs, Markdown's way: the opening mark before a non-space, the closing one after one; an
# underscore or an asterisk inside a word (snake_case, 5*3) is not a mark.
STRUCK = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
STRONG = re.compile(r"(?<![\w*])\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*(?![\w*])")
STRONG_UNDERSCORES = re.compile(r"(?<![\w_])__(?=[^\s_])(.+?)(?<=[^\s_])__(?![\w_])")
EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
EMPHASIS_UNDERSCORES = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
# A strike-through's mark left alone, where a snippet cut its pair in two: before a word it opens,
# after one it closes.
LONE_OPENING = re.compile(r"(?<!\S)~~(?=\S)")
LONE_CLOSING = re.compile(r"(?<=\S)~~(?!\S)")
OURS = re.compile(r"<(/?)(del|em|strong)>")
# ts_headline's FragmentDelimiter, and the mark search.highlight() puts between paragraphs.
SNIPPET_BREAKS = re.compile(r"( … | ¶ )")


def render(escaped: str) -> str:
    """One passage (a paragraph, a part of a snippet) of escaped HTML, its markup made tags. A
    strike-through a passage cuts (a snippet's part, a correction over two paragraphs) is struck
    from the passage's start, or to its end: a correction is never shown as if it stood."""
    kept: list[str] = []

    def set_aside(match: re.Match) -> str:
        kept.append(match.group(1))
        return f"\x00{len(kept) - 1}\x00"

    text = ESCAPED.sub(set_aside, escaped)
    text = SOURCE_TAG.sub(lambda m: f"<{m.group(1)}{TAGS[m.group(2).lower()]}>", text)
    text = STRUCK.sub(r"<del>\1</del>", text)
    for pattern, tag in (
        (STRONG, "strong"),
        (STRONG_UNDERSCORES, "strong"),
        (EMPHASIS, "em"),
        (EMPHASIS_UNDERSCORES, "em"),
    ):
        text = pattern.sub(rf"<{tag}>\1</{tag}>", text)
    text = LONE_CLOSING.sub("</del>", LONE_OPENING.sub("<del>", text))
    text = _balanced(text)
    return SET_ASIDE.sub(lambda m: kept[int(m.group(1))], text)


def _balanced(text: str) -> str:
    """Our tags nested properly: one closed that another crosses is closed and reopened around
    it; one closed but never opened opens at the start; one left open closes at the end."""
    out: list[str] = []
    open_: list[str] = []
    unopened: list[str] = []
    position = 0
    for match in OURS.finditer(text):
        out.append(text[position : match.start()])
        position = match.end()
        closing, tag = match.groups()
        if not closing:
            open_.append(tag)
            out.append(f"<{tag}>")
        elif tag in open_:
            crossing = open_[open_.index(tag) + 1 :]
            out.extend(f"</{t}>" for t in reversed(crossing))
            out.append(f"</{tag}>")
            del open_[open_.index(tag) :]
            out.extend(f"<{t}>" for t in crossing)
            open_.extend(crossing)
        else:
            # Closed before anything opened it: all that came before is inside it.
            unopened.append(tag)
            out.extend(f"</{t}>" for t in reversed(open_))
            out.append(f"</{tag}>")
            out.extend(f"<{t}>" for t in open_)
    out.append(text[position:])
    out.extend(f"</{tag}>" for tag in reversed(open_))
    return "".join(f"<{tag}>" for tag in reversed(unopened)) + "".join(out)


def render_snippet(escaped: str) -> str:
    """A snippet of escaped HTML, each of its parts and paragraphs rendered on its own."""
    parts = SNIPPET_BREAKS.split(escaped)
    return "".join(part if SNIPPET_BREAKS.fullmatch(part) else render(part) for part in parts)


STRUCK_TAGS = re.compile(r"<del>.*?</del>", re.DOTALL)
SPACES = re.compile(r"[ \t]{2,}")


def plain(text: str) -> str:
    """Raw transcript text as the source meant it to read, as plain text: what it struck out left
    out, its emphasis and escapes unmarked (for a quotation). Paragraph by paragraph."""
    return "\n\n".join(_plain_passage(paragraph) for paragraph in text.split("\n\n"))


def _plain_passage(text: str) -> str:
    kept = STRUCK_TAGS.sub("", render(escape(text)))
    return SPACES.sub(" ", html.unescape(strip_tags(kept))).strip()
