"""From a transcript's text and its metadata to meetings, speakers and utterances.

`ingest()` is the one way rows are written for a transcript: in one transaction, idempotent by
the text's content hash, refusing bad input with an `IngestError` that says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from statements import parser, topics
from statements.models import Meeting, Speaker, SpeakerAlias, Utterance
from statements.speakers import QUESTION, Registry, Resolution, interviewer_name, label_key
from statements.speakers import turn_kinds as classify_turns


class IngestError(ValueError):
    """A transcript that cannot go in, with a message fit for the person who sent it."""


@dataclass
class MeetingInfo:
    """What the uploader says about a transcript; empty fields are taken from its header."""

    title: str = ""
    date: dt.date | None = None
    kind: str = ""
    location: str = ""
    venue: str = ""
    series: str = ""
    source_url: str = ""


@dataclass
class IngestResult:
    meeting: Meeting
    created: bool
    utterances: int = 0
    new_speakers: list[Speaker] = field(default_factory=list)

    @property
    def speakers_to_review(self) -> list[Speaker]:
        return [s for s in self.new_speakers if s.needs_review]


def decode(data: bytes, name: str = "the file") -> str:
    """Bytes to text: UTF-8 (with or without a BOM), else Windows-1252; never binary."""
    if not data.strip():
        raise IngestError(f"{name} is empty.")
    if len(data) > settings.TRANSCRIPT_MAX_BYTES:
        limit = settings.TRANSCRIPT_MAX_BYTES // (1024 * 1024)
        raise IngestError(f"{name} is larger than the {limit} MB limit for a transcript.")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{name} is a binary file, not a text transcript.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise IngestError(
                f"{name} is not readable text: it is neither UTF-8 nor Windows-1252."
            ) from None
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if controls > max(8, len(text) // 100):
        raise IngestError(f"{name} is a binary file, not a text transcript.")
    return text


def content_hash(text: str) -> str:
    """The identity of a transcript: the same text, whatever its line endings or trailing
    spaces, is the same transcript."""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    canonical = "\n".join(line.rstrip() for line in lines.strip().split("\n"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def meeting_kind(value: str) -> str:
    """A meeting kind from its value or its label, any case: "press conference" works."""
    wanted = slugify(value).replace("-", "_")
    for kind in Meeting.Kind:
        if wanted in {kind.value, slugify(kind.label).replace("-", "_")}:
            return kind.value
    raise IngestError(
        f"Unknown kind of meeting {value!r}: use one of "
        + ", ".join(kind.label.lower() for kind in Meeting.Kind)
        + "."
    )


def ingest(text: str, info: MeetingInfo | None = None) -> IngestResult:
    """Store a transcript as a meeting with its utterances, or return the one already stored."""
    info = info or MeetingInfo()
    if not text.strip():
        raise IngestError("The transcript is empty.")
    digest = content_hash(text)
    existing = Meeting.objects.filter(content_hash=digest).first()
    if existing is not None:
        return IngestResult(meeting=existing, created=False)

    transcript = parser.parse(text)
    if not transcript.turns:
        raise IngestError(
            "No speaker turns were found: a turn starts with a speaker label such as "
            "'SECRETARY BLINKEN:' or 'Q' at the start of a paragraph."
        )
    date = info.date or transcript.date
    if date is None:
        raise IngestError("The transcript has no date: give one (its header names none).")
    kind = meeting_kind(info.kind) if info.kind else _guess_kind(info.title or transcript.title)
    title = info.title or transcript.title or f"{Meeting.Kind(kind).label} of {date:%B %-d, %Y}"

    with transaction.atomic():
        meeting = Meeting.objects.create(
            title=title[:500],
            slug=_unique_slug(Meeting, f"{date:%Y-%m-%d} {title}"),
            date=date,
            kind=kind,
            location=info.location or transcript.location,
            venue=info.venue or transcript.venue,
            series=info.series,
            source_url=info.source_url,
            raw_text=text,
            content_hash=digest,
            header=transcript.header,
            trailer=transcript.trailer,
        )
        resolutions, new_speakers, registry = _resolve_speakers(transcript, meeting)
        kinds = classify_turns(resolutions, registry.speakers)
        Utterance.objects.bulk_create(
            Utterance(
                meeting=meeting,
                sequence=number,
                speaker_id=resolution.speaker_id,
                speaker_label=turn.label,
                kind=kind_,
                text=turn.text,
                via_interpreter=turn.via_interpreter
                or label_key(turn.label) in {"interpreter", "translator"},
                word_count=turn.word_count,
            )
            for number, (turn, resolution, kind_) in enumerate(
                zip(transcript.turns, resolutions, kinds, strict=True), start=1
            )
        )
        topics.retag(meeting=meeting)
    return IngestResult(
        meeting=meeting,
        created=True,
        utterances=len(transcript.turns),
        new_speakers=new_speakers,
    )


def _resolve_speakers(
    transcript: parser.Transcript, meeting: Meeting
) -> tuple[list[Resolution], list[Speaker], Registry]:
    """Resolve every label, creating speakers for labels no known person answers to."""
    registry = Registry.from_database()
    new_speakers: list[Speaker] = []
    by_label: dict[str, Resolution] = {}
    interviewer = _interviewer(meeting, registry, new_speakers)

    for label in dict.fromkeys(turn.label for turn in transcript.turns):
        resolution = registry.resolve(label)
        if resolution.how == "generic" and resolution.generic_kind == QUESTION and interviewer:
            resolution = Resolution(
                label, "interviewer", interviewer.id, QUESTION, parts=resolution.parts
            )
        elif resolution.how == "new":
            speaker = _create_speaker(**resolution.suggested_speaker(), needs_review=True)
            new_speakers.append(speaker)
            resolution = Resolution(label, "new", speaker.id, parts=resolution.parts)
        if resolution.how in {"alias", "name", "fuzzy", "new"}:
            SpeakerAlias.objects.get_or_create(
                key=label_key(label),
                defaults={"speaker_id": resolution.speaker_id, "label": label},
            )
        by_label[label] = resolution

    if new_speakers:
        registry = Registry.from_database()
    return [by_label[turn.label] for turn in transcript.turns], new_speakers, registry


def _interviewer(
    meeting: Meeting, registry: Registry, new_speakers: list[Speaker]
) -> Speaker | None:
    """In an interview whose title names the journalist, that journalist asks the questions."""
    if meeting.kind != Meeting.Kind.INTERVIEW:
        return None
    named = interviewer_name(meeting.title)
    if named is None:
        return None
    name, outlet = named
    speaker_id = registry.find_person(name)
    if speaker_id is not None:
        return Speaker.objects.get(pk=speaker_id)
    speaker = _create_speaker(
        name=name, role=f"Journalist, {outlet}", country="", kind="journalist", needs_review=True
    )
    new_speakers.append(speaker)
    return speaker


def _create_speaker(**fields) -> Speaker:
    return Speaker.objects.create(slug=_unique_slug(Speaker, fields["name"]), **fields)


def _unique_slug(model, text: str, max_length: int = 80) -> str:
    base = slugify(text)
    if len(base) > max_length:
        base = base[: max_length + 1].rsplit("-", 1)[0]
    base = base or "untitled"
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base[: max_length - 6]}-{number}"
        number += 1
    return slug


def _guess_kind(title: str) -> str:
    lowered = title.lower()
    for words, kind in (
        (("press conference",), Meeting.Kind.PRESS_CONFERENCE),
        (("press availability",), Meeting.Kind.PRESS_AVAILABILITY),
        (("briefing",), Meeting.Kind.BRIEFING),
        (("interview",), Meeting.Kind.INTERVIEW),
        (("dialogue", "session", "meeting"), Meeting.Kind.DIALOGUE_SESSION),
        (("statement", "remarks"), Meeting.Kind.STATEMENT),
    ):
        if any(word in lowered for word in words):
            return kind
    return Meeting.Kind.INTERVIEW if interviewer_name(title) else Meeting.Kind.OTHER
