"""Citations for an utterance: a plain-text reference and a BibTeX entry, with its permalink."""

import datetime as dt

from statements.models import Utterance

ARCHIVE = "Diplomatic Statements Archive"


def _who(utterance: Utterance) -> str:
    speaker = utterance.speaker
    if speaker is None:
        return utterance.speaker_label.title()
    detail = ", ".join(filter(None, [utterance.role, speaker.country]))
    return f"{speaker.name} ({detail})" if detail else speaker.name


def plain_citation(utterance: Utterance, permalink: str, accessed: dt.date) -> str:
    meeting = utterance.meeting
    place = f", {meeting.location}" if meeting.location else ""
    return (
        f"{_who(utterance)}, in “{meeting.title}”{place}, {meeting.date:%B %-d, %Y}, "
        f"turn {utterance.sequence}. {ARCHIVE}, {permalink} (accessed {accessed:%B %-d, %Y})."
    )


def _bibtex_escape(text: str) -> str:
    for char in "\\{}&%$#_":
        text = text.replace(char, "\\" + char)
    return text


def bibtex(utterance: Utterance, permalink: str, accessed: dt.date) -> str:
    meeting, speaker = utterance.meeting, utterance.speaker
    if speaker is not None:
        *given, family = speaker.name.split()
        author = f"{family}, {' '.join(given)}" if given else family
    else:
        author = f"{{{utterance.speaker_label.title()}}}"
    fields = {
        "author": _bibtex_escape(author) if speaker else author,
        "title": _bibtex_escape(meeting.title),
        "howpublished": _bibtex_escape(
            ", ".join(filter(None, [meeting.get_kind_display(), meeting.location]))
        ),
        "year": str(meeting.date.year),
        "month": meeting.date.strftime("%b").lower(),
        "day": str(meeting.date.day),
        "note": f"Turn {utterance.sequence}. {ARCHIVE}, accessed {accessed:%Y-%m-%d}",
        "url": permalink,
    }
    key = f"{meeting.slug[:40]}-{utterance.sequence}"
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields.items()
    )
    return f"@misc{{{key},\n{body}\n}}"
