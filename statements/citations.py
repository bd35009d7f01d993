"""Citations for an utterance, with its permalink: plain text (with the quote or without), BibTeX,
CSL-JSON (Zotero, Mendeley, citeproc) and RIS (EndNote, Zotero, most reference managers)."""

import datetime as dt
import json

from statements.links import safe_url_or_blank
from statements.markup import plain
from statements.models import Meeting, Speaker, Utterance

ARCHIVE = "Diplomatic Statements Archive"


def _who(utterance: Utterance) -> str:
    speaker = utterance.speaker
    if speaker is None:
        return utterance.speaker_label.title()
    detail = ", ".join(filter(None, [utterance.role, speaker.country]))
    return f"{speaker.name} ({detail})" if detail else speaker.name


def name_parts(speaker: Speaker) -> tuple[str, str]:
    """The family name and the given names. The family name as stored when there is one (two
    surnames, as in Bárcena Ibarra, or one written first); else the name's last word."""
    name = speaker.name.strip()
    family = (getattr(speaker, "family_name", "") or "").strip()
    if not family:
        *given, family = name.split()
        return family, " ".join(given)
    if name.endswith(family):
        return family, name[: -len(family)].strip()
    if name.startswith(family):
        return family, name[len(family) :].strip()
    return family, " ".join(word for word in name.split() if word not in family.split())


def _source(meeting: Meeting) -> str:
    """Who published the transcript and where, for a citation: "Published by the U.S.
    Department of State (official transcript), https://www.state.gov/…"."""
    publisher = meeting.publisher.name if meeting.publisher_id else ""
    kind = meeting.get_transcript_kind_display().lower()
    article = "An" if kind[0] in "aeiou" else "A"
    said = f"Published by {publisher} ({kind})" if publisher else f"{article} {kind}"
    original = safe_url_or_blank(meeting.source_url)
    return f"{said}, {original}" if original else said


def plain_citation(
    utterance: Utterance, permalink: str, accessed: dt.date, quote: bool = False
) -> str:
    """The reference in words; with `quote`, after the words quoted, as the source meant them
    (what it struck out left out)."""
    meeting = utterance.meeting
    place = f", {meeting.location}" if meeting.location else ""
    reference = (
        f"{_who(utterance)}, in “{meeting.title}”{place}, {meeting.date:%B %-d, %Y}, "
        f"turn {utterance.sequence}. {_source(meeting)}. "
        f"{ARCHIVE}, {permalink} (accessed {accessed:%B %-d, %Y})."
    )
    return f"“{plain(utterance.text)}”\n\n{reference}" if quote else reference


def _key(utterance: Utterance) -> str:
    return f"{utterance.meeting.slug[:40]}-{utterance.sequence}"


def _bibtex_escape(text: str) -> str:
    for char in "\\{}&%$#_":
        text = text.replace(char, "\\" + char)
    return text


def bibtex(utterance: Utterance, permalink: str, accessed: dt.date) -> str:
    meeting, speaker = utterance.meeting, utterance.speaker
    if speaker is not None:
        family, given = name_parts(speaker)
        author = _bibtex_escape(f"{family}, {given}" if given else family)
    else:
        author = f"{{{utterance.speaker_label.title()}}}"
    fields = {
        "author": author,
        "title": _bibtex_escape(meeting.title),
        "howpublished": _bibtex_escape(
            ", ".join(filter(None, [meeting.get_kind_display(), meeting.location]))
        ),
        "year": str(meeting.date.year),
        "month": meeting.date.strftime("%b").lower(),
        "day": str(meeting.date.day),
        "note": _bibtex_escape(
            f"Turn {utterance.sequence}. {_source(meeting)}. {ARCHIVE}, "
            f"accessed {accessed:%Y-%m-%d}"
        ),
        "url": permalink,
    }
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields.items()
    )
    return f"@misc{{{_key(utterance)},\n{body}\n}}"


def _date_parts(date: dt.date) -> dict:
    return {"date-parts": [[date.year, date.month, date.day]]}


def csl_json(utterance: Utterance, permalink: str, accessed: dt.date) -> str:
    """A CSL-JSON item, of type speech, in a list as reference managers import it."""
    meeting, speaker = utterance.meeting, utterance.speaker
    if speaker is not None:
        family, given = name_parts(speaker)
        author = {"family": family, "given": given} if given else {"family": family}
    else:
        author = {"literal": utterance.speaker_label.title()}
    item = {
        "id": _key(utterance),
        "type": "speech",
        "title": meeting.title,
        "author": [author],
        "genre": meeting.get_kind_display(),
        "event-title": meeting.series,
        "event-place": meeting.location,
        "issued": _date_parts(meeting.date),
        "archive": ARCHIVE,
        "publisher": meeting.publisher.name if meeting.publisher_id else "",
        "source": safe_url_or_blank(meeting.source_url),
        "note": f"Turn {utterance.sequence}. {_source(meeting)}",
        "URL": permalink,
        "accessed": _date_parts(accessed),
    }
    return json.dumps([{k: v for k, v in item.items() if v}], ensure_ascii=False, indent=2)


def ris(utterance: Utterance, permalink: str, accessed: dt.date) -> str:
    """A RIS record (a generic work: RIS has no type for a speech), one field a line."""
    meeting, speaker = utterance.meeting, utterance.speaker
    if speaker is not None:
        family, given = name_parts(speaker)
        author = f"{family}, {given}" if given else family
    else:
        author = utterance.speaker_label.title()
    fields = [
        ("TY", "GEN"),
        ("AU", author),
        ("TI", meeting.title),
        ("M3", meeting.get_kind_display()),
        ("T3", meeting.series),
        ("CY", meeting.location),
        ("PY", str(meeting.date.year)),
        ("DA", f"{meeting.date:%Y/%m/%d}"),
        ("N1", f"Turn {utterance.sequence}. {_source(meeting)}"),
        ("PB", meeting.publisher.name if meeting.publisher_id else ""),
        ("DB", ARCHIVE),
        ("UR", permalink),
        ("Y2", f"{accessed:%Y/%m/%d}"),
    ]
    # A field is one line: a newline in a title would start a field of its own.
    lines = [f"{tag}  - {' '.join(value.split())}" for tag, value in fields if value]
    return "\n".join([*lines, "ER  - "])
