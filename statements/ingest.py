"""From a transcript's text and its metadata to meetings, speakers and utterances.

`ingest()` is the one way rows are written for a transcript: in one transaction, idempotent by
the text's content hash, refusing bad input with an `IngestError` that says what is wrong. Many
transcripts go in faster together, in a `batch()`: one transaction, the speakers read once, the
topics tagged once at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, replace

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from statements import parser, search_index, topics
from statements.models import Meeting, Speaker, SpeakerAlias, TopicOverride, Utterance
from statements.speakers import (
    QUESTION,
    KnownSpeaker,
    Registry,
    Resolution,
    interviewer_name,
    label_key,
)
from statements.speakers import turn_kinds as classify_turns

# Control characters (Unicode's category Cc) but for line breaks, tabs and form feeds: many of
# them make a file binary.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# A turn this long usually means a speaker label was missed and two turns ran together.
LONG_TURN = 2500


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
    corrections_kept: int = 0
    corrections_dropped: int = 0

    @property
    def speakers_to_review(self) -> list[Speaker]:
        return [s for s in self.new_speakers if s.needs_review]


@dataclass
class LabelChoice:
    """An editor's decision for one label in the preview: an existing speaker, or a new one
    (name, role, country, kind)."""

    speaker_id: int | None = None
    new_speaker: dict[str, str] | None = None


@dataclass
class LabelPlan:
    """One label of a transcript as the preview shows it."""

    label: str
    turns: int
    resolution: Resolution
    suggestions: list[int]


@dataclass
class Preview:
    transcript: parser.Transcript
    info: MeetingInfo
    labels: list[LabelPlan]
    kinds: list[str]
    warnings: list[str]
    duplicate: Meeting | None
    speakers: Mapping[int, KnownSpeaker]


@dataclass
class Batch:
    """Transcripts being ingested together: the archive's speakers as the batch has left them;
    the meetings whose utterances are still to be tagged; and those not yet written, with their
    utterances, which go in together with COPY (`flush()`): by the time the batch ends, or once
    FLUSH_ROWS utterances wait. Their ids are taken from the tables' sequences beforehand."""

    registry: Registry
    meetings: list[int] = field(default_factory=list)
    waiting: dict[str, Meeting] = field(default_factory=dict)  # by content hash
    rows: list[tuple] = field(default_factory=list)  # id and UTTERANCE_COLUMNS
    reserved: dict[str, list[int]] = field(default_factory=dict)  # ids by table

    def new_meeting(self, **fields) -> Meeting:
        """A meeting with its id, to be written with its utterances by `add()`."""
        now = timezone.now()
        meeting = Meeting(pk=self._ids(Meeting, 1)[0], created_at=now, updated_at=now, **fields)
        meeting._state.adding = False  # written by the batch, not by save()
        return meeting

    def add(self, meeting: Meeting, rows: list[tuple]) -> list[int]:
        """Queue a meeting and its utterances (tuples of UTTERANCE_COLUMNS); their ids."""
        ids = self._ids(Utterance, len(rows))
        self.waiting[meeting.content_hash] = meeting
        self.rows.extend((pk, *row) for pk, row in zip(ids, rows, strict=True))
        self.meetings.append(meeting.pk)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()
        return ids

    def slugs(self) -> set[str]:
        return {meeting.slug for meeting in self.waiting.values()}

    def flush(self) -> None:
        """Write the meetings waiting and their utterances."""
        if not self.waiting:
            return
        # COPY goes past Django's cursor: its errors are made Django's here (IntegrityError...).
        with connection.wrap_database_errors, connection.cursor() as cursor:
            _write_meetings(cursor, list(self.waiting.values()))
            _copy(cursor, self.rows)
        self.waiting.clear()
        self.rows.clear()

    def _ids(self, model, count: int) -> list[int]:
        """`count` ids from the model's sequence, reserved a block at a time."""
        reserved = self.reserved.setdefault(model._meta.db_table, [])
        if len(reserved) < count:
            reserved.extend(_next_ids(model._meta.db_table, max(count, ID_BLOCK)))
        taken = reserved[:count]
        del reserved[:count]
        return taken


# Utterances a batch keeps waiting before it writes them (about 10 MB), and ids reserved at once.
FLUSH_ROWS = 10_000
ID_BLOCK = 5_000


@contextmanager
def batch() -> Iterator[Batch]:
    """Ingest many transcripts in one transaction: `ingest(text, info, batch=b)` for each. A
    transcript refused with an `IngestError` that the caller catches leaves the others in; any
    error that leaves the block leaves none of them. Meetings and utterances are written together
    and their topics tagged when the block ends (or, for the writing, every FLUSH_ROWS
    utterances): until then, `IngestResult.meeting` is not yet in the database."""
    with transaction.atomic():
        ingesting = Batch(Registry.from_database())
        yield ingesting
        ingesting.flush()
        if ingesting.meetings:
            topics.retag(meetings=ingesting.meetings)
        search_index.sync_after_commit()


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
    controls = len(CONTROLS.findall(text))
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


def preview(text: str, info: MeetingInfo | None = None) -> Preview:
    """What ingesting a transcript would do, without writing anything."""
    transcript = _parse(text)
    info = _with_header(info or MeetingInfo(), transcript)
    registry = Registry.from_database()
    plan, _ = _plan_speakers(transcript, info, registry)
    kinds = classify_turns([plan[turn.label] for turn in transcript.turns], registry.speakers)
    counts = Counter(turn.label for turn in transcript.turns)
    labels = [
        LabelPlan(label, counts[label], resolution, registry.suggestions(label))
        for label, resolution in plan.items()
    ]
    return Preview(
        transcript=transcript,
        info=info,
        labels=labels,
        kinds=kinds,
        warnings=_warnings(transcript, labels, registry),
        duplicate=Meeting.objects.filter(content_hash=content_hash(text)).first(),
        speakers=registry.speakers,
    )


def ingest(
    text: str,
    info: MeetingInfo | None = None,
    choices: dict[str, LabelChoice] | None = None,
    replacing: Meeting | None = None,
    batch: Batch | None = None,
) -> IngestResult:
    """Store a transcript as a meeting with its utterances, in one transaction.

    A transcript already in the archive is not stored again: its meeting is returned. `choices`
    are an editor's decisions from the preview, label by label. `replacing` puts a corrected
    transcript in place of a meeting's, keeping the corrections that still apply to it. In a
    `batch`, its topics are tagged when the batch ends.
    """
    info = info or MeetingInfo()
    if not text.strip():
        raise IngestError("The transcript is empty.")
    digest = content_hash(text)
    existing = batch.waiting.get(digest) if batch is not None else None
    if existing is None and _exists(Meeting, content_hash=digest):
        existing = Meeting.objects.get(content_hash=digest)
    if existing is not None:
        return IngestResult(meeting=existing, created=False)

    transcript = _parse(text)
    info = _with_header(info, transcript)
    if info.date is None:
        raise IngestError("The transcript has no date: give one (its header names none).")
    title = info.title or f"{Meeting.Kind(info.kind).label} of {info.date:%B %-d, %Y}"
    fields = {
        **asdict(info),
        "title": title[:500],
        "raw_text": text,
        "content_hash": digest,
        "header": transcript.header,
        "trailer": transcript.trailer,
    }
    registry = batch.registry if batch else Registry.from_database()
    plan, interviewer = _plan_speakers(transcript, info, registry)
    # In a batch, a new meeting and its utterances are written when the batch says; a meeting
    # replaced is written at once, after what the batch holds. What is written now is written in
    # a savepoint, so a transcript refused half-way leaves nothing behind; in a batch, most
    # transcripts write nothing until then (their speakers are known), and need none.
    deferred = batch is not None and replacing is None
    writes = not deferred or bool(choices) or _learns(plan, registry)
    with transaction.atomic() if writes else nullcontext():
        if replacing is None:
            taken = batch.slugs() if batch is not None else set()
            slug = _meeting_slug(f"{info.date:%Y-%m-%d} {title}", taken)
            if deferred:
                meeting = batch.new_meeting(slug=slug, **fields)
            else:
                meeting = Meeting.objects.create(slug=slug, **fields)
            corrections = None
        else:
            if batch is not None:
                batch.flush()
            meeting = replacing
            corrections = _Corrections.of(meeting)
            meeting.utterances.all().delete()
            for name, value in fields.items():
                setattr(meeting, name, value)
            meeting.save()
        by_label, new_speakers, learned = _apply_plan(plan, choices or {}, interviewer, registry)
        if new_speakers or learned:
            registry = Registry.from_database()
        resolutions = [by_label[turn.label] for turn in transcript.turns]
        kinds = classify_turns(resolutions, registry.speakers)
        interpreters = {
            label for label in plan if label_key(label) in {"interpreter", "translator"}
        }
        rows = [
            (
                meeting.pk,
                meeting.date,
                number,
                resolution.speaker_id,
                turn.label,
                kind_,
                turn.text,
                turn.via_interpreter or turn.label in interpreters,
                turn.word_count,
            )
            for number, (turn, resolution, kind_) in enumerate(
                zip(transcript.turns, resolutions, kinds, strict=True), start=1
            )
        ]
        if not deferred:
            ids = _copy_utterances(rows)
        kept = dropped = 0
        if corrections is not None:
            utterances = [
                Utterance(pk, **dict(zip(UTTERANCE_COLUMNS, row, strict=True)))
                for pk, row in zip(ids, rows, strict=True)
            ]
            kept, dropped = corrections.restore(utterances, chosen=set(choices or {}))
        if batch is None:
            topics.retag(meetings=[meeting.pk])
            search_index.sync_after_commit()
    if deferred:
        # Only now that nothing can fail: had it failed, what the registry learned from it
        # would have been rolled back, and the batch must not write it.
        batch.add(meeting, rows)
    elif batch is not None:
        batch.meetings.append(meeting.pk)
    if batch is not None:
        batch.registry = registry
    return IngestResult(
        meeting=meeting,
        created=True,
        utterances=len(rows),
        new_speakers=new_speakers,
        corrections_kept=kept,
        corrections_dropped=dropped,
    )


UTTERANCE_COLUMNS = (
    "meeting_id",
    "date",
    "sequence",
    "speaker_id",
    "speaker_label",
    "kind",
    "text",
    "via_interpreter",
    "word_count",
)


def _copy_utterances(rows: list[tuple]) -> list[int]:
    """Write utterances (tuples of UTTERANCE_COLUMNS) with COPY, which takes half the time an
    INSERT of as many rows does; their ids, taken from the table's sequence beforehand."""
    ids = _next_ids(Utterance._meta.db_table, len(rows))
    with connection.wrap_database_errors, connection.cursor() as cursor:
        _copy(cursor, [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
    return ids


def _write_meetings(cursor, meetings: list[Meeting]) -> None:
    """Insert a batch's meetings: copied into a temporary table, then inserted from there. Their
    slugs were claimed as they were made (`_meeting_slug()`); should one be taken all the same,
    by a writer that claims none, its meeting is skipped rather than the batch failing, and goes
    in again under the next free slug."""
    fields = Meeting._meta.concrete_fields
    columns = ", ".join(field.column for field in fields)
    cursor.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS waiting_meeting (LIKE statements_meeting) "
        "ON COMMIT DELETE ROWS"
    )
    while meetings:
        with cursor.copy(f"COPY waiting_meeting ({columns}) FROM STDIN") as copy:
            for meeting in meetings:
                copy.write_row([getattr(meeting, field.attname) for field in fields])
        # In slug order, so that two batches waiting on each other's slugs would wait in the
        # same order, one after the other, rather than each for the other (a deadlock).
        cursor.execute(
            f"INSERT INTO statements_meeting ({columns}) "
            f"SELECT {columns} FROM waiting_meeting ORDER BY slug "
            "ON CONFLICT (slug) DO NOTHING RETURNING id"
        )
        written = {pk for (pk,) in cursor.fetchall()}
        cursor.execute("DELETE FROM waiting_meeting")
        meetings = [meeting for meeting in meetings if meeting.pk not in written]
        for meeting in meetings:
            others = {other.slug for other in meetings if other is not meeting}
            text = f"{meeting.date:%Y-%m-%d} {meeting.title}"
            meeting.slug = _meeting_slug(text, others)


def _next_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy(cursor, rows: list[tuple]) -> None:
    """COPY utterances given as their id and UTTERANCE_COLUMNS."""
    columns = ", ".join(("id", *UTTERANCE_COLUMNS))
    with cursor.copy(f"COPY statements_utterance ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _parse(text: str) -> parser.Transcript:
    if not text.strip():
        raise IngestError("The transcript is empty.")
    transcript = parser.parse(text)
    if not transcript.turns:
        raise IngestError(
            "No speaker turns were found: a turn starts with a speaker label such as "
            "'SECRETARY BLINKEN:' or 'Q' at the start of a paragraph."
        )
    return transcript


def _with_header(info: MeetingInfo, transcript: parser.Transcript) -> MeetingInfo:
    """The uploader's metadata, with what they left out taken from the transcript's header."""
    title = info.title or transcript.title
    return replace(
        info,
        title=title,
        date=info.date or transcript.date,
        kind=meeting_kind(info.kind) if info.kind else _guess_kind(title),
        location=info.location or transcript.location,
        venue=info.venue or transcript.venue,
    )


def _plan_speakers(
    transcript: parser.Transcript, info: MeetingInfo, registry: Registry
) -> tuple[dict[str, Resolution], dict[str, str] | None]:
    """How each label resolves, and the interviewer to create if the title names an unknown
    one. Writes nothing."""
    interviewer_id, interviewer = None, None
    named = interviewer_name(info.title) if info.kind == Meeting.Kind.INTERVIEW else None
    if named is not None:
        name, outlet = named
        interviewer_id = registry.find_person(name)
        if interviewer_id is None:
            interviewer = {"name": name, "role": f"Journalist, {outlet}", "kind": "journalist"}
    plan = {}
    for label in dict.fromkeys(turn.label for turn in transcript.turns):
        resolution = registry.resolve(label)
        if resolution.generic_kind == QUESTION and resolution.how == "generic" and named:
            resolution = replace(resolution, how="interviewer", speaker_id=interviewer_id)
        plan[label] = resolution
    return plan, interviewer


def _learns(plan: dict[str, Resolution], registry: Registry) -> bool:
    """Whether `_apply_plan()` will write: a speaker to create, or a label to remember."""
    return any(
        resolution.how == "new"
        or (resolution.how == "interviewer" and resolution.speaker_id is None)
        or _unknown_label(label, resolution, registry)
        for label, resolution in plan.items()
    )


def _unknown_label(label: str, resolution: Resolution, registry: Registry) -> bool:
    """Whether a label that names a person is not yet known as theirs, and is to be learned.
    (Generic labels, QUESTION or MODERATOR, name different people in different meetings.)"""
    return (
        resolution.speaker_id is not None
        and resolution.generic_kind is None
        and label_key(label) not in registry.by_alias
    )


def _apply_plan(
    plan: dict[str, Resolution],
    choices: dict[str, LabelChoice],
    interviewer: dict | None,
    registry: Registry,
) -> tuple[dict[str, Resolution], list[Speaker], bool]:
    """Create the speakers the plan and the editor's choices call for, and the aliases that let
    the next transcript resolve the same way; and whether the registry has anything to learn."""
    new_speakers: list[Speaker] = []
    learned = False
    created_interviewer = None
    resolved = {}
    for label, resolution in plan.items():
        choice = choices.get(label)
        if choice is not None and choice.speaker_id is not None:
            resolution = replace(resolution, how="chosen", speaker_id=choice.speaker_id)
        elif choice is not None and choice.new_speaker is not None:
            speaker = _create_speaker(**choice.new_speaker, needs_review=False)
            new_speakers.append(speaker)
            resolution = replace(resolution, how="chosen", speaker_id=speaker.id)
        elif resolution.how == "new":
            speaker = _create_speaker(**resolution.suggested_speaker(), needs_review=True)
            new_speakers.append(speaker)
            resolution = replace(resolution, speaker_id=speaker.id)
        elif resolution.how == "interviewer" and resolution.speaker_id is None:
            if created_interviewer is None:
                created_interviewer = _create_speaker(**interviewer, needs_review=True)
                new_speakers.append(created_interviewer)
            resolution = replace(resolution, speaker_id=created_interviewer.id)
        if _unknown_label(label, resolution, registry):
            _, created = SpeakerAlias.objects.get_or_create(
                key=label_key(label), defaults={"speaker_id": resolution.speaker_id, "label": label}
            )
            learned = learned or created
        resolved[label] = resolution
    return resolved, new_speakers, learned


def _warnings(
    transcript: parser.Transcript, labels: list[LabelPlan], registry: Registry
) -> list[str]:
    warnings = []
    for plan in labels:
        if plan.resolution.how == "new":
            warnings.append(
                f"No known speaker answers to “{plan.label}”: a new speaker will be created "
                "and marked for review, unless you pick one."
            )
        elif plan.resolution.how == "fuzzy":
            name = registry.speakers[plan.resolution.speaker_id].name
            warnings.append(f"“{plan.label}” was matched to {name} by a near spelling: check it.")
    for number, turn in enumerate(transcript.turns, start=1):
        if turn.word_count > LONG_TURN:
            warnings.append(
                f"Turn {number} ({turn.label}) has {turn.word_count} words: a speaker label may "
                "have been missed, merging two turns."
            )
    for miss in transcript.near_misses:
        warnings.append(
            f"Line {miss.line} looks like a speaker label but was read as speech: “{miss.text}”."
        )
    return warnings


class _Corrections:
    """The hand-made corrections on a meeting's utterances, to carry over to a corrected
    transcript: the speaker an utterance was given and its topic overrides, found again by the
    turn's label and text."""

    def __init__(self, speakers: dict, overrides: dict):
        self.speakers = speakers
        self.overrides = overrides

    @staticmethod
    def key(label: str, text: str) -> tuple[str, str]:
        return label_key(label), " ".join(parser.words(text)).casefold()

    @classmethod
    def of(cls, meeting: Meeting) -> _Corrections:
        speakers, overrides = {}, {}
        for utterance in meeting.utterances.prefetch_related("overrides"):
            key = cls.key(utterance.speaker_label, utterance.text)
            speakers[key] = utterance.speaker_id
            overrides[key] = [
                {
                    "topic_id": o.topic_id,
                    "applies": o.applies,
                    "note": o.note,
                    "created_by_id": o.created_by_id,
                }
                for o in utterance.overrides.all()
            ]
        return cls(speakers, overrides)

    def restore(self, utterances: list[Utterance], chosen: set[str]) -> tuple[int, int]:
        """Re-apply what still fits; how many corrections were kept and how many dropped."""
        kept, found = 0, set()
        for utterance in utterances:
            key = self.key(utterance.speaker_label, utterance.text)
            if key not in self.speakers:
                continue
            found.add(key)
            old_speaker = self.speakers[key]
            if utterance.speaker_label not in chosen and old_speaker != utterance.speaker_id:
                Utterance.objects.filter(pk=utterance.pk).update(speaker_id=old_speaker)
                kept += 1
            for override in self.overrides[key]:
                TopicOverride.objects.create(utterance=utterance, **override)
                kept += 1
        dropped = sum(len(v) for k, v in self.overrides.items() if k not in found)
        return kept, dropped


def _create_speaker(**fields) -> Speaker:
    return Speaker.objects.create(slug=_unique_slug(Speaker, fields["name"]), **fields)


# The key under which meeting slugs are claimed with PostgreSQL's advisory locks.
MEETING_SLUGS = 1_001


def _meeting_slug(text: str, taken: set[str]) -> str:
    """A free slug for a new meeting, claimed until the transaction ends, so that another
    worker's batch under way takes the next one instead of waiting for this one to commit.
    (Speakers' slugs are not claimed: two batches that name the same new speaker are to meet on
    it, the second being tried again once the first has committed.)"""

    def claim(slug: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [MEETING_SLUGS, slug]
            )
            return cursor.fetchone()[0]

    return _unique_slug(Meeting, text, taken, claim=claim)


def _unique_slug(
    model,
    text: str,
    taken: set[str] = frozenset(),
    max_length: int = 80,
    claim: Callable[[str], bool] | None = None,
) -> str:
    """A slug of the text that no row of the model has, nor any of the `taken` ones, and that
    `claim(slug)`, if given, could claim."""
    base = slugify(text)
    if len(base) > max_length:
        base = base[: max_length + 1].rsplit("-", 1)[0]
    base = base or "untitled"
    numbered = base[: max_length - 6]
    # The slugs already made from this text, read at once rather than tried one by one.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT slug FROM {model._meta.db_table} WHERE slug = %s OR slug LIKE %s",
            [base, numbered.replace("_", r"\_") + "-%"],
        )
        taken = {*taken, *(slug for (slug,) in cursor.fetchall())}
    slug, number = base, 2
    while slug in taken or (claim is not None and not claim(slug)):
        slug = f"{numbered}-{number}"
        number += 1
    return slug


def _exists(model, **where) -> bool:
    """Whether a row has this value (`_exists(Meeting, content_hash=h)`): the query without the
    ORM, which costs more than the query itself, once a transcript."""
    ((column, value),) = where.items()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {model._meta.db_table} WHERE {column} = %s)", [value]
        )
        return cursor.fetchone()[0]


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


def merge_speakers(keep: Speaker, others: list[Speaker]) -> None:
    """Make several speakers one: their labels and utterances move to `keep`, which is otherwise
    left as it is, and the others are deleted."""
    others = [other for other in others if other.pk != keep.pk]
    with transaction.atomic():
        SpeakerAlias.objects.filter(speaker__in=others).update(speaker=keep)
        Utterance.objects.filter(speaker__in=others).update(speaker=keep)
        Speaker.objects.filter(pk__in=[other.pk for other in others]).delete()
        search_index.sync_after_commit()


def split_alias(alias: SpeakerAlias) -> Speaker:
    """Undo a wrong match: the label becomes a speaker of its own, marked for review, and takes
    with it the utterances given under that label."""
    with transaction.atomic():
        old = alias.speaker
        fields = Registry([]).resolve(alias.label).suggested_speaker()
        speaker = _create_speaker(**fields, needs_review=True)
        labels = {
            label
            for label in old.utterances.values_list("speaker_label", flat=True).distinct()
            if label_key(label) == alias.key
        }
        old.utterances.filter(speaker_label__in=labels).update(speaker=speaker)
        alias.speaker = speaker
        alias.save(update_fields=["speaker"])
        search_index.sync_after_commit()
    return speaker
