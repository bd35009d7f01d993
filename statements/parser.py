"""Turn a transcript's text into a header, speaker turns and a trailer.

Pure: text in, dataclasses out, no Django. The rule it keeps is that nothing is lost: every word
of the input ends up in a turn (its label or its paragraphs), in the header, or in the trailer.

Transcripts come from the State Department, the White House, the EU and the UN, often through
republishing sites. A turn starts with a speaker label at the start of a paragraph
(``SECRETARY BLINKEN:``, ``MS. JEAN-PIERRE:``, ``Deputy Secretary Sherman:``,
``Peter Stano, Moderator:``, the White House's ``Q`` with no colon) or with a speaker line of its
own (``**Costa Rica | Representative**``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

# Python's str.isspace() knows the no-break space; the zero-width ones it does not.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# A token holding none of these, such as a dash standing alone, is no word.
LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# CommonMark lets a backslash escape any ASCII punctuation: `\_`, `\$`, `\&`, `\"`.
MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
WORD = re.compile(r"[^\W_]+")

# A hard-wrapped paragraph has lines of at most ~80 columns; a longer line ends its paragraph.
WRAP_MAX = 100
LABEL_MAX_CHARS = 80
LABEL_MAX_WORDS = 9

# Capital letters of the Latin alphabets (with Latin Extended-A and -B, whose capitals and small
# letters alternate: ŠIMONYTĖ; a label is then checked to be all capitals), Greek and Cyrillic.
UPPER = "A-ZÀ-ÖØ-ÞĀ-ɏΆ-ΫЀ-Я"
# `SECRETARY BLINKEN:`, `MS. JEAN-PIERRE:`, `FOREIGN SECRETARY BÁRCENA:`, `PETER STANO, MODERATOR:`,
# optionally followed by a parenthetical such as `(via interpreter)` before the colon.
CAPS_LABEL = re.compile(
    rf"^(?P<label>[{UPPER}][{UPPER}.'’\- ]*[{UPPER}.](?:, [{UPPER}][{UPPER}.'’\- ]*[{UPPER}.])?"
    # A label in capitals may run into its speech with no space: "MS. JEAN-PIERRE:Yeah".
    rf"(?: ?\([^()]{{1,40}}\))?)\s?:(?=\s|$|[^\s\d/:])"
)
# `Deputy Secretary Sherman:`, `Question:`, `Peter Stano, Moderator:`, `Politico:`.
CONNECTORS = {"of", "the", "for", "and", "de", "del", "la", "van", "von", "der", "al", "el", "y"}
TITLE_WORD = rf"(?:[{UPPER}][\w.'’\-]*|Mc\w+|d’\w+|d'\w+)"
CONNECTOR = r"(?:of|the|for|and|de|del|la|las|los|van|von|der|da|do|dos|bin|al|el|y|e|du|le)"
MIXED_LABEL = re.compile(
    rf"^(?P<label>{TITLE_WORD}(?: (?:{TITLE_WORD}|{CONNECTOR}))*"
    rf"(?:, {TITLE_WORD}(?: (?:{TITLE_WORD}|{CONNECTOR}))*)?"
    rf"(?: ?\([^()]{{1,40}}\))?)\s?:(?=\s|$)"
)
# The White House reporter label: `Q` and the question, with no colon (a colon is allowed too).
Q_LABEL = re.compile(r"^(?P<label>Q)(?::|\.)?(?=\s+\S)")
# A speaker on a line of its own, in Markdown bold: `**Costa Rica | Representative**`.
BOLD_LINE = re.compile(r"^\*\*(?P<label>[^*]{2,80}?):?\*\*:?$")
# A bold inline label: `**SECRETARY BLINKEN:** Thank you.`
BOLD_INLINE = re.compile(r"^\*\*(?P<label>[^*]{1,80}?)(?::\*\*|\*\*:)(?=\s|$)")

# A label's closing parenthetical: `MINISTER KULEBA (via interpreter)`.
PARENTHETICAL_END = re.compile(r"\s*\([^()]*\)$")
# Capitalised words that end with a colon but name no speaker.
NOT_SPEAKERS = {
    # Enumerations inside speech: "One: targeted outreach ...", "Second: testing."
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "finally",
    "next",
    "last",
    "lastly",
    "note",
    "notes",
    "editor's note",
    "editor’s note",
    "update",
    "updated",
    "source",
    "sources",
    "related",
    "tags",
    "tag",
    "subject",
    "date",
    "time",
    "location",
    "place",
    "venue",
    "participants",
    "attendees",
    "present",
    "transcript",
    "embargoed",
    "for immediate release",
    "released",
    "posted",
    "category",
    "categories",
    "filed under",
    "share",
    "print",
    "email",
    "contact",
    "media contact",
    "read more",
    "see also",
    "summary",
    "background",
    "agenda",
    "topics",
    "keywords",
    "photo",
    "video",
    "audio",
    "watch",
    "listen",
    "end",
    "as prepared",
    "as prepared for delivery",
    "as delivered",
    "correction",
    "clarification",
    "warning",
}

INTERPRETER_MARK = re.compile(
    r"\((?:via|through|by) (?:an? )?interpret(?:er|ers|ation)\.?\)|\(as interpreted\.?\)",
    re.IGNORECASE,
)
STAGE_NOTE = re.compile(
    r"\((?:laughter|applause|inaudible|cross-?talk|off[- ]mi(?:ke|c)|pause|audio (?:break|gap)"
    r"|technical difficult(?:y|ies)|interruption|simultaneous interpretation|unintelligible"
    r"|in [A-Z][a-z]+(?: and [A-Z][a-z]+)?|speaks? in [A-Z][a-z]+|video (?:plays|played)"
    r"|music|phone rings|microphone [a-z ]+|no audio|laughs|chuckles|sic)\.?\)",
    re.IGNORECASE,
)

WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# Whole month names only: "Mayor 5" and "Decision 2" are no dates.
MONTH_NAME = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?"
)
DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
YEAR = r"(?P<year>(?:19|20)\d\d)"
# "May 21, 2022", "Sept. 29 2023", "OCTOBER 5TH, 2023"; "14 February 2024", "5th of October 2023".
DATE_MDY = re.compile(rf"\b(?P<month>{MONTH_NAME}) {DAY},? {YEAR}\b", re.IGNORECASE)
DATE_DMY = re.compile(rf"\b{DAY} (?:of )?(?P<month>{MONTH_NAME}),? {YEAR}\b", re.IGNORECASE)
DATE_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b")
TIME = re.compile(
    r"\b\d{1,2}(?::\d\d)? ?[ap]\.? ?m\.?(?: [A-Z]{2,4}\b)?|\b\d{1,2}:\d\d(?: [A-Z]{2,4}\b)?",
    re.IGNORECASE,
)
ROLE_WORDS = re.compile(
    r"\b(?:Secretary|Minister|Ambassador|President|Spokesperson|Spokesman|Spokeswoman|Advis[eo]r|"
    r"Attorney|Director|Representative|Chancellor|Commissioner|Governor|Senator|Envoy|"
    r"Press Secretary|Administrator|Chair|Chief|Coordinator|Deputy|Under Secretary|Counselor|"
    r"General|Prime|King|Queen|Premier|Mayor|Officer|Moderator)\b"
)
VENUE_WORDS = re.compile(
    r"\b(?:Hotel|Room|Palace|Hall|House|Building|Cent(?:er|re)|Ministry|Embassy|Office|"
    r"Auditorium|Library|Museum|Residence|Headquarters|Chamber|Pavilion|Plaza|Garden|Club|"
    r"Airport|Base|Forum|Campus|University|Institute|Theater|Theatre|Salon|Sal[oó]n)\b"
)
LETTERHEAD = re.compile(
    r"^(?:the white house|office of the (?:press secretary|spokesperson)|u\.?s\.? department of "
    r"state|department of state|for immediate release|remarks|transcript|press briefing|"
    r"european commission|united nations|media note|interview|press release|"
    r"[\w.\- ]+ press office)$",
    re.IGNORECASE,
)

# Tail material that is never speech: once seen, everything after it is trailer too. END counts
# only in capitals, as the White House writes it; a lone "End" may be speech.
TRAILER_START = re.compile(
    r"^(?:\[\d+\]|\d+\.?\s.*↑\s*$|.*↑\s*$|\[back to (?:top|transcript)\]|"
    r"(?-i:END)\b(?: \d|\s*$)|\*\s*\*\s*\*\s*$|"
    r"\((?:the )?(?:[\w\-]+ ){0,3}(?:briefing|press conference|conference|meeting|call|"
    r"interview|session|event|availability|remarks|hearing)\b[^()]*\b(?:concluded|ended|"
    r"adjourned|closed)\b[^()]*\)$|"
    r"the (?:meeting|session) (?:rose|was (?:adjourned|closed)) at [\d.: ]+[ap]\.? ?m\.?$|"
    r"your email address will not be published|official news published at|"
    r".*\boriginally published at\b|©|copyright (?:©|\(c\)|\d{4})|all rights reserved)",
    re.IGNORECASE,
)
# A republishing site's furniture. These words can also open a sentence of speech ("More from
# me on that in a moment."), so they open the trailer only in a paragraph that is no sentence.
WEB_FURNITURE = re.compile(
    r"^(?:related (?:articles|posts|stories|news|content)|leave a (?:reply|comment)|back to top|"
    r"share this(?: article| story| post|:|\s*$)|tags:|filed under|previous (?:article|post)|"
    r"next (?:article|post)|you (?:may|might) also like|recent posts|post navigation|"
    r"more (?:from|stories|news)\b|subscribe to|follow us|print this|posted in|"
    r"comments?\s*$|\d+ comments?)",
    re.IGNORECASE,
)
CLOSES_A_SENTENCE = re.compile(r"[.?!…][\"”’')\]]*\s*$")
# A title or an initial ends no sentence, so a long line ending in one was broken mid-sentence
# ("... wishing everyone a happy St." / "Patrick's Day: We'd like ...").
ABBREVIATION_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Messrs|Dr|St|Mt|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Prof|Rev|Hon|Amb)"
    r"|(?<![\w.])[A-Z])\.\s*$"
)
SENTENCE_END = re.compile(r"[.?!…:;)\]\"”’'—–\-]\s*$")


@dataclass(frozen=True)
class Turn:
    """One speaker's turn: the label as written and its paragraphs."""

    label: str
    paragraphs: tuple[str, ...]
    line: int

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def via_interpreter(self) -> bool:
        # The mark may sit in the label ("MINISTER KULEBA (via interpreter):") or in the speech.
        return any(INTERPRETER_MARK.search(text) for text in (self.label, *self.paragraphs))

    @property
    def word_count(self) -> int:
        return count_words(self.text)


@dataclass(frozen=True)
class NearMiss:
    """A paragraph that opens like a speaker label but was read as speech."""

    line: int
    text: str


@dataclass
class Transcript:
    """What the parser found: the header, the turns, the trailer, and header metadata."""

    turns: list[Turn]
    header: str = ""
    trailer: str = ""
    title: str = ""
    date: dt.date | None = None
    time: str = ""
    location: str = ""
    venue: str = ""
    people: list[str] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)


@dataclass
class _Paragraph:
    start: int  # first line, 0-based
    end: int  # last line, inclusive
    text: str
    label: str | None = None


def parse(text: str) -> Transcript:
    """Split a transcript into header, turns and trailer."""
    text = without_layout_markup(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.lstrip("\ufeff").split("\n")
    paragraphs, near_misses = _paragraphs(lines)
    _demote_stray_labels(paragraphs, near_misses)

    first = next((i for i, p in enumerate(paragraphs) if p.label is not None), None)
    if first is None:
        return Transcript(turns=[], header=_verbatim(lines, 0, len(lines)), near_misses=near_misses)

    body = paragraphs[first:]
    trailer_at = _trailer_start(body)
    spoken, tail = body[:trailer_at], body[trailer_at:]

    turns: list[Turn] = []
    label, line, texts = None, 0, []
    for paragraph in spoken:
        if paragraph.label is not None:
            if label is not None:
                turns.append(Turn(label=label, paragraphs=tuple(texts), line=line + 1))
            label, line, texts = paragraph.label, paragraph.start, []
        if paragraph.text:
            texts.append(paragraph.text)
    turns.append(Turn(label=label, paragraphs=tuple(texts), line=line + 1))

    header = _verbatim(lines, 0, paragraphs[first].start)
    trailer = _verbatim(lines, tail[0].start, len(lines)) if tail else ""
    transcript = Transcript(turns=turns, header=header, trailer=trailer, near_misses=near_misses)
    _read_header(header, transcript)
    return transcript


# A web page's layout in a Markdown or text copy of it (a table cell around the transcript,
# <br /> line breaks): read as the line breaks it stands for. Markup inside the text, such as a
# <s>correction</s>, is kept for the page to render.
LAYOUT_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
LAYOUT_TAG = re.compile(
    r"</?(?:table|thead|tbody|tfoot|tr|td|th|colgroup|col|div|p|span|section|article|center)"
    r"(?:\s[^<>]{0,300})?/?>",
    re.IGNORECASE,
)
# Words that end a heading, not a speaker's label: ON-THE-RECORD BRIEFING:, PRESS STATEMENT:.
DOCUMENT_WORDS = {
    "briefing",
    "call",
    "statement",
    "readout",
    "remarks",
    "transcript",
    "conference",
    "release",
    "sheet",
    "advisory",
    "schedule",
    "guidance",
}


# Words no speaker's label opens with: "ACROSS NORTH AFRICA:", "AND MOODY'S:" are headings or
# speech.
NO_LABEL_STARTS = {
    "and",
    "or",
    "but",
    "across",
    "on",
    "in",
    "to",
    "for",
    "with",
    "at",
    "from",
    "by",
    "about",
    "regarding",
    "re",
    "as",
    "if",
    "when",
    "while",
    "so",
}


def without_layout_markup(text: str) -> str:
    """The text with a web page's layout tags read as line breaks (when it has some)."""
    if (
        "<" not in text
        or len(LAYOUT_TAG.findall(text[:20_000])) + len(LAYOUT_BREAK.findall(text[:20_000])) < 3
    ):
        return text
    text = LAYOUT_BREAK.sub("\n", text)
    return LAYOUT_TAG.sub("\n\n", text)


def _demote_stray_labels(paragraphs: list[_Paragraph], near_misses: list[NearMiss]) -> None:
    """In a transcript whose speakers are labelled in capitals, a mixed-case "label" seen once
    ("Climate: We are 15 percent ...", "To Indian Foreign Minister Jaishankar: ...") is speech:
    it goes back into its paragraph's text."""
    labelled = [p for p in paragraphs if p.label is not None]
    plain = [p for p in labelled if _is_a_plain_speaker(p.label)]
    if len(plain) < 5 or len(plain) < 0.9 * len(labelled):
        return
    counts = Counter(p.label for p in labelled)
    for paragraph in labelled:
        label = paragraph.label
        shouted = any(len(word) > 1 and word.isupper() for word in label.split())
        if _is_a_plain_speaker(label) or counts[label] > 1 or "," in label or shouted:
            continue
        paragraph.text = f"{label}: {paragraph.text}".strip()
        paragraph.label = None
        near_misses.append(NearMiss(line=paragraph.start + 1, text=paragraph.text[:120]))


def label_form(label: str) -> str:
    """The way a label is written, for reports: "SECRETARY BLINKEN", "Q", "Deputy Secretary
    Sherman", "Peter Stano, Moderator", "Costa Rica | Representative"."""
    bare = PARENTHETICAL_END.sub("", label).strip()
    if "|" in bare:
        return "Country | Role"
    if bare == "Q":
        return "Q (no colon)"
    if "," in bare:
        return "Name, Role"
    if bare.isupper():
        return "CAPITALS"
    if any(len(word) > 1 and word.isupper() for word in bare.split()):
        return "CAPITAL TITLE Mixed name"
    return "Mixed case"


def words_lost(text: str, transcript: Transcript) -> Counter:
    """The words of a text (its layout markup aside) that the parsed transcript does not hold,
    with how many times each: by the nothing-lost rule, none."""
    given = Counter(w.casefold() for w in words(_unescape(without_layout_markup(text))))
    parts = [transcript.header, transcript.trailer]
    for turn in transcript.turns:
        parts += [turn.label, *turn.paragraphs]
    kept = Counter(w.casefold() for part in parts for w in words(_unescape(part)))
    return given - kept


def count_words(text: str) -> int:
    """Words as a reader counts them: "U.S.", "Russia’s" and "shoulder-to-shoulder" are one each,
    a dash standing alone none. (Only a token that does not open with a letter or digit can be
    no word: the others are not looked into, which takes a third of the time.)"""
    tokens = text.split()
    return len(tokens) - sum(
        1 for token in tokens if not token[0].isalnum() and not LETTER_OR_DIGIT.search(token)
    )


def words(text: str) -> list[str]:
    """The words of a text, as the nothing-lost rule compares them."""
    return WORD.findall(unicodedata.normalize("NFC", text))


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse spaces: Bárcena and BARCENA fold alike."""
    if not text.isascii():  # ASCII has nothing to decompose
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return collapse_spaces(text).casefold()


def collapse_spaces(text: str) -> str:
    """Each run of spaces (tabs, no-break and zero-width spaces too) as one space, none at the
    ends."""
    for invisible in ZERO_WIDTH:
        if invisible in text:
            text = text.replace(invisible, " ")
    return " ".join(text.split())


def clean_label(label: str) -> str:
    """A label with its spacing normalised (no-break spaces and all)."""
    return collapse_spaces(label)


def _verbatim(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start:end]).strip()


def _clean(text: str) -> str:
    return _unescape(collapse_spaces(text))


def _unescape(text: str) -> str:
    return MARKDOWN_ESCAPE.sub(r"\1", text) if "\\" in text else text


def _indent(line: str) -> int:
    stripped = line.lstrip(" \t\u00a0" + ZERO_WIDTH)
    prefix = line[: len(line) - len(stripped)]
    return sum(4 if c == "\t" else 1 for c in prefix)


def _is_blank(line: str) -> bool:
    return not line.strip(" \t\u00a0\f\v" + ZERO_WIDTH)


def _paragraphs(lines: list[str]) -> tuple[list[_Paragraph], list[NearMiss]]:
    """Group lines into paragraphs, noting which open with a speaker label."""
    paragraphs: list[_Paragraph] = []
    near_misses: list[NearMiss] = []
    block: list[int] = []
    for number, line in enumerate([*lines, ""]):
        if not _is_blank(line):
            block.append(number)
        elif block:
            paragraphs.extend(_split_block(lines, block, near_misses))
            block = []
    return paragraphs, near_misses


def _split_block(
    lines: list[str], block: list[int], near_misses: list[NearMiss]
) -> list[_Paragraph]:
    """One run of non-blank lines: unwrap hard-wrapped lines, split where a new turn starts."""
    base_indent = min(_indent(lines[n]) for n in block)
    result: list[_Paragraph] = []
    current: _Paragraph | None = None
    lines_of: list[list[str]] = []  # each paragraph's lines, cleaned together at the end
    for position, number in enumerate(block):
        line = collapse_spaces(lines[number])
        # The layout says where a paragraph starts: at the block's first line, at an indented
        # line, or after a line too long to have been wrapped.
        at_paragraph_start = (
            current is None
            or _indent(lines[number]) > base_indent
            or _ends_an_unwrapped_paragraph(lines[block[position - 1]])
        )
        # Inside a wrapped paragraph a turn can start only where a sentence ended: "... then we
        # will take" / "Q and A." and "... a statement by" / "NATO: the ..." are speech.
        if at_paragraph_start or SENTENCE_END.search(lines[block[position - 1]]):
            label, rest = _label(line, at_paragraph_start)
        else:
            label, rest = None, line
        if label is None and at_paragraph_start:
            _note_near_miss(line, number, near_misses)
        if at_paragraph_start or label is not None:
            current = _Paragraph(start=number, end=number, text="", label=label)
            result.append(current)
            lines_of.append([rest])
        else:
            lines_of[-1].append(rest)
            current.end = number
    for paragraph, parts in zip(result, lines_of, strict=True):
        # Its lines' spaces are collapsed already; a label cut from the first may leave one.
        text = parts[0].strip() if len(parts) == 1 else collapse_spaces(" ".join(parts))
        paragraph.text = _unescape(text)
    return result


def _ends_an_unwrapped_paragraph(line: str) -> bool:
    return len(line.strip()) > WRAP_MAX and not ABBREVIATION_END.search(line)


def _label(line: str, at_paragraph_start: bool) -> tuple[str | None, str]:
    """The speaker label a line opens with, if any, and the rest of the line.

    Mixed-case labels and speaker lines are looked for only where the layout starts a paragraph:
    inside a wrapped paragraph, "Patrick's Day: We'd like" is speech.
    """
    match = BOLD_LINE.match(line)
    if match and at_paragraph_start and _is_speaker_line(match["label"]):
        return clean_label(match["label"]), ""
    match = BOLD_INLINE.match(line) or CAPS_LABEL.match(line) or Q_LABEL.match(line)
    if match is None and at_paragraph_start:
        match = MIXED_LABEL.match(line)
    if match is None or not _is_label(match["label"], line[match.end() :]):
        return None, line
    return clean_label(match["label"]), line[match.end() :]


def _is_speaker_line(label: str) -> bool:
    label = label.strip()
    return "|" in label or bool(CAPS_LABEL.match(label + ":")) or label.endswith(":")


def _is_label(label: str, rest: str) -> bool:
    bare = PARENTHETICAL_END.sub("", label).strip(" :")
    if fold(bare) in NOT_SPEAKERS or any(ch.isdigit() for ch in bare):
        return False
    folded = fold(bare).split()
    if folded[-1] in DOCUMENT_WORDS or folded[0] in NO_LABEL_STARTS:
        return False
    if len(bare) > LABEL_MAX_CHARS or len(bare.split()) > LABEL_MAX_WORDS:
        return False
    if bare == "Q":
        return True
    if len(bare.replace(".", "")) < 2:
        return False
    if bare.isupper():
        return True
    # Mixed-case labels are easily confused with prose ("These include: ..."), so the speech
    # after one must open like a sentence.
    rest = rest.strip()
    return (
        not rest or bool(re.match(r"[\"“‘'(\[¿¡—–\-.…]|[^\W\d_]", rest)) and not rest[0].islower()
    )


def _note_near_miss(line: str, number: int, near_misses: list[NearMiss]) -> None:
    """A line whose opening looks like a speaker label (a few capitalised words and a colon)
    but was read as speech."""
    head = line.split(":", 1)[0].strip("*_ ")
    words_ = head.split()
    if ":" not in line or not 1 <= len(words_) <= 6 or fold(head) in NOT_SPEAKERS:
        return
    capitalised = all(w[:1].isupper() or w.lower() in CONNECTORS for w in words_)
    if capitalised and words_[0][:1].isupper() and not any(c.isdigit() for c in head):
        near_misses.append(NearMiss(line=number + 1, text=line[:120]))


def _trailer_start(body: list[_Paragraph]) -> int:
    """Where the speech ends: the index of the first paragraph of the trailer.

    The trailer opens at the first unmistakable non-speech paragraph (a footnote, END, a web
    page's "Related Articles"), even if headlines after it look like speaker labels, or else at
    a run of headline-like lines closing the file. It never opens before a turn with a label in
    capitals or on a line of its own: speech goes on after a "* * *" break.
    """
    last_speaker = max(
        (i for i, paragraph in enumerate(body) if _is_a_plain_speaker(paragraph.label)), default=0
    )
    start = next(
        (
            i
            for i, paragraph in enumerate(body)
            if i > last_speaker and paragraph.label is None and _opens_the_trailer(paragraph.text)
        ),
        len(body),
    )
    while (
        start - 1 > 0
        and body[start - 1].label is None
        and _looks_like_a_headline(body[start - 1].text)
    ):
        start -= 1
    return start


def _is_a_plain_speaker(label: str | None) -> bool:
    """A label no headline is mistaken for: in capitals, the White House's Q, a speaker line."""
    if label is None:
        return False
    bare = PARENTHETICAL_END.sub("", label)
    return bare.isupper() or bare == "Q" or "|" in bare


def _opens_the_trailer(text: str) -> bool:
    return bool(
        TRAILER_START.match(text)
        or (WEB_FURNITURE.match(text) and not CLOSES_A_SENTENCE.search(text))
    )


def _looks_like_a_headline(text: str) -> bool:
    """Short title-cased text with no closing punctuation: a site's footer, not speech."""
    tokens = text.split()
    if not tokens or len(tokens) > 15 or SENTENCE_END.search(text) or INTERPRETER_MARK.search(text):
        return False
    significant = [t for t in tokens if len(t) > 3 or t[:1].isupper()]
    capitalised = [t for t in significant if t[:1].isupper() or t[:1].isdigit()]
    return bool(significant) and len(capitalised) / len(significant) >= 0.6


def _read_header(header: str, transcript: Transcript) -> None:
    """Pick the title, date, time, place, venue and people out of the header lines."""
    seen: set[str] = set()
    for raw in header.split("\n"):
        line = _clean(raw).strip("*#_ ").strip()
        if not line or fold(line) in seen:
            continue
        seen.add(fold(line))
        date = parse_date(line)
        if date and transcript.date is None:
            transcript.date = date
        time = TIME.search(line)
        if time and not transcript.time and (date or len(line) < 30):
            transcript.time = time.group(0)
        if LETTERHEAD.match(line):
            continue
        # A date or time may share a line with a title or a place ("Brussels, 14 February 2024");
        # a line that is nothing else ("Friday, May 21, 2022") names nothing more.
        rest = _without_dates_and_times(line)
        if not [word for word in words(rest) if word.casefold() not in WEEKDAYS]:
            continue
        if not transcript.title:
            transcript.title = line
            continue
        line = rest
        if "," in line and ROLE_WORDS.search(line.split(",", 1)[1]):
            transcript.people.append(line)
        elif VENUE_WORDS.search(line) and not transcript.venue:
            transcript.venue = line
        elif ROLE_WORDS.match(line) and _is_a_short_proper_name(line):
            transcript.people.append(line)  # "Secretary Colin L. Powell"
        elif _is_a_short_proper_name(line) and not transcript.location:
            transcript.location = line


def _without_dates_and_times(line: str) -> str:
    for pattern in (DATE_MDY, DATE_DMY, DATE_ISO, TIME):
        line = pattern.sub(" ", line)
    return collapse_spaces(line).strip(" ,;:|–—-()")


def _is_a_short_proper_name(line: str) -> bool:
    """A person's or a place's name: a few capitalised words, not a sentence."""
    words_ = line.replace(",", " ").split()
    return (
        0 < len(words_) <= 6
        and not SENTENCE_END.search(line.rstrip("."))
        and all(w[:1].isupper() or w in {"of", "de", "la", "the", "D.C."} for w in words_)
    )


def parse_date(text: str) -> dt.date | None:
    """The first calendar date written in a text, in any of the usual ways, if valid."""
    for pattern in (DATE_MDY, DATE_DMY, DATE_ISO):
        match = pattern.search(text)
        if not match:
            continue
        month = match["month"].rstrip(".").lower()
        month_number = int(month) if month.isdigit() else MONTHS[month]
        try:
            return dt.date(int(match["year"]), month_number, int(match["day"]))
        except (TypeError, ValueError):
            continue
    return None


def stage_notes(text: str) -> list[str]:
    """The stage notes a text holds, such as (Laughter.) or (In Arabic.)."""
    return [match.group(0) for match in STAGE_NOTE.finditer(text)]
