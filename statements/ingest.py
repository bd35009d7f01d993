"""From a transcript's text and its metadata to meetings, speakers and utterances.

Ingesting is three steps, each a function of what the one before gave:

1. `prepare()` reads a transcript: parses it, takes what its header says, and resolves its
   labels to people (`speakers.Registry.resolve_meeting()`). It writes nothing, so many
   transcripts can be prepared side by side.
2. `learn()` writes what prepared transcripts taught about people, for all of them at once:
   the new speakers (one per person, however many transcripts name them), the labels each
   person was seen under and when, and the roles the transcripts gave them on their dates.
3. `write()` writes a prepared transcript's meeting and utterances (and the officials it does
   not name, who belong to it alone); in a `batch()`, many together with COPY.

`ingest()` does all three for one transcript, in one transaction: the admin's upload and the
tests use it. The ingest command prepares files in worker processes, learns once, then writes
in worker processes: the speakers are all known by then, so no two workers ever write the same
row. A transcript is known by its words (`content_hash()`), so one already in the archive is
left as it is. Bad input is refused with an `IngestError` that says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from statements import parser, place_tags, search_index, speakers, topics
from statements.models import (
    Meeting,
    OfficeTerm,
    PlaceOverride,
    Publisher,
    Speaker,
    SpeakerAlias,
    SpeakerRole,
    TopicOverride,
    Utterance,
)
from statements.speakers import (
    KnownSpeaker,
    NewSpeaker,
    Registry,
    Resolution,
    label_key,
    split_label,
)

# Control characters (Unicode's category Cc) but for line breaks, tabs and form feeds: many of
# them make a file binary.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# A turn this long usually means a speaker label was missed and two turns ran together.
LONG_TURN = 2500
# Markup a transcript may carry in one copy and not another (Markdown, HTML tags, entities).
MARKUP = re.compile(r"<[^<>\n]{1,200}>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.IGNORECASE)


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
    publisher: str = ""  # a Publisher's key
    transcript_kind: str = ""


@dataclass
class LabelChoice:
    """An editor's decision for one label in the preview: an existing speaker, or a new one
    (name, role, country, kind)."""

    speaker_id: int | None = None
    new_speaker: dict[str, str] | None = None


@dataclass
class Prepared:
    """A transcript read and its labels resolved, nothing written yet."""

    text: str
    digest: str
    transcript: parser.Transcript
    info: MeetingInfo
    plan: dict[str, Resolution]  # by label
    name: str = ""  # where it came from, for messages: a file's path

    @property
    def title(self) -> str:
        return (
            self.info.title
            or f"{Meeting.Kind(self.info.kind).label} of {self.info.date:%B %-d, %Y}"
        )

    def resolutions(self) -> list[Resolution]:
        """Each turn's resolution, in order."""
        return [self.plan[turn.label] for turn in self.transcript.turns]


@dataclass
class Learned:
    """What `learn()` wrote: each new person's speaker id by identity (`NewSpeaker.identity`),
    the speakers made, and for each surname-only label a person named in full elsewhere in the
    same load."""

    ids: dict[str, int] = field(default_factory=dict)
    created: list[Speaker] = field(default_factory=list)
    named_elsewhere: dict[tuple[str, str], int] = field(default_factory=dict)  # (digest, label)

    def speaker_id(self, prepared: Prepared, label: str, resolution: Resolution) -> int | None:
        if resolution.speaker_id is not None:
            return resolution.speaker_id
        if resolution.new is None or resolution.new.unidentified:
            return None
        elsewhere = self.named_elsewhere.get((prepared.digest, label))
        return elsewhere if elsewhere is not None else self.ids[resolution.new.identity]


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
class LabelPlan:
    """One label of a transcript as the preview shows it."""

    label: str
    turns: int
    resolution: Resolution
    suggestions: list[tuple[int, str]]  # speaker id, why


@dataclass
class Preview:
    prepared: Prepared
    labels: list[LabelPlan]
    kinds: list[str]
    warnings: list[str]
    duplicate: Meeting | None
    speakers: Mapping[int, KnownSpeaker]
    similar: list[Meeting] = field(default_factory=list)  # the same day, much the same

    @property
    def transcript(self) -> parser.Transcript:
        return self.prepared.transcript

    @property
    def info(self) -> MeetingInfo:
        return self.prepared.info


# -- Reading ------------------------------------------------------------------------------------


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
    """The identity of a transcript: its words in order. The same transcript saved as text, as
    Markdown or as a web page, with other line endings, spaces, no-break spaces or markup, is
    the same transcript."""
    words = parser.words(MARKUP.sub(" ", unicodedata.normalize("NFKC", text)))
    return hashlib.sha256(" ".join(words).casefold().encode("utf-8")).hexdigest()


def meeting_kind(value: str) -> str:
    """A meeting kind from its value or its label, any case: "press conference" works."""
    wanted = slugify(value).replace("-", "_")
    for kind in Meeting.Kind:
        if wanted in {kind.value, slugify(kind.label).replace("-", "_")}:
            return kind.value
    aliases = {
        "press_briefing": Meeting.Kind.BRIEFING,
        "gaggle": Meeting.Kind.BRIEFING,
        "joint_press_conference": Meeting.Kind.PRESS_CONFERENCE,
        "remarks": Meeting.Kind.STATEMENT,
    }
    if wanted in aliases:
        return aliases[wanted]
    raise IngestError(
        f"Unknown kind of meeting {value!r}: use one of "
        + ", ".join(kind.label.lower() for kind in Meeting.Kind)
        + "."
    )


def prepare(
    text: str,
    info: MeetingInfo | None = None,
    registry: Registry | None = None,
    dated: bool = True,
) -> Prepared:
    """Read a transcript and resolve its labels, writing nothing. Without a date it is refused,
    unless `dated` is false (a preview, whose form asks for one)."""
    if not text.strip():
        raise IngestError("The transcript is empty.")
    transcript = _parse(text)
    info = _with_header(info or MeetingInfo(), transcript)
    if info.date is None and dated:
        raise IngestError("The transcript has no date: give one (its header names none).")
    registry = registry or Registry.from_database()
    context = speakers.Context(
        date=info.date,
        title=info.title,
        header=transcript.header,
        text=text,
        publisher=info.publisher,
        publisher_country=registry.publishers.get(info.publisher, ""),
        kind=info.kind,
    )
    plan = registry.resolve_meeting([(turn.label, turn.text) for turn in transcript.turns], context)
    return Prepared(text, content_hash(text), transcript, info, plan)


def _publishers() -> dict[str, tuple[int, str]]:
    """Publishers' ids and countries by key."""
    return {
        key: (pk, country)
        for pk, key, country in Publisher.objects.values_list("pk", "key", "country")
    }


def publisher_key(value: str) -> str:
    """A publisher's key from its key or its name, any case; refused if the archive has none."""
    if not value:
        return ""
    wanted = slugify(value)
    for key, name in Publisher.objects.values_list("key", "name"):
        if wanted in {key, slugify(name)}:
            return key
    known = ", ".join(Publisher.objects.values_list("key", flat=True))
    raise IngestError(f"Unknown publisher {value!r}: add it in the admin, or use one of {known}.")


def preview(text: str, info: MeetingInfo | None = None) -> Preview:
    """What ingesting a transcript would do, without writing anything."""
    registry = Registry.from_database()
    prepared = prepare(text, info, registry, dated=False)
    transcript = prepared.transcript
    resolutions = prepared.resolutions()
    kinds = speakers.turn_kinds(
        resolutions, registry.speakers, [t.text for t in transcript.turns], prepared.info.date
    )
    counts = Counter(turn.label for turn in transcript.turns)
    together = _shared_meetings(
        [r.speaker_id for r in prepared.plan.values() if r.speaker_id is not None]
    )
    labels = [
        LabelPlan(label, counts[label], resolution, registry.suggestions(label, together=together))
        for label, resolution in prepared.plan.items()
    ]
    duplicate = Meeting.objects.without_text().filter(content_hash=prepared.digest).first()
    return Preview(
        prepared=prepared,
        labels=labels,
        kinds=kinds,
        warnings=_warnings(transcript, labels, registry),
        duplicate=duplicate,
        speakers=registry.speakers,
        similar=[] if duplicate else similar_meetings(prepared),
    )


# Meetings of the same day whose titles are at least this alike (trigram similarity), or whose
# texts share at least this share of their five-word runs, are probably the same one.
SIMILAR_TITLE, SIMILAR_TEXT = 0.6, 0.5


def similar_meetings(prepared: Prepared) -> list[Meeting]:
    """Meetings of the same date that are probably this transcript in another copy (edited,
    trimmed, saved from another page): a title much alike, or much of the same text."""
    if prepared.info.date is None:
        return []
    same_day = list(Meeting.objects.filter(date=prepared.info.date).only("title", "slug", "date"))
    if not same_day:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM statements_meeting WHERE date = %s AND similarity(title, %s) >= %s",
            [prepared.info.date, prepared.title, SIMILAR_TITLE],
        )
        alike = {pk for (pk,) in cursor.fetchall()}
    mine = _shingles(prepared.text)
    for meeting in same_day:
        if meeting.pk in alike or not mine:
            continue
        theirs = _shingles(Meeting.objects.values_list("raw_text", flat=True).get(pk=meeting.pk))
        if theirs and len(mine & theirs) / min(len(mine), len(theirs)) >= SIMILAR_TEXT:
            alike.add(meeting.pk)
    return [meeting for meeting in same_day if meeting.pk in alike]


def _shingles(text: str, size: int = 5, words: int = 3_000) -> set[tuple[str, ...]]:
    """A text's runs of five words (of its first few thousand), folded."""
    folded = [w.casefold() for w in parser.words(MARKUP.sub(" ", text))[:words]]
    return {tuple(folded[i : i + size]) for i in range(len(folded) - size + 1)}


def _shared_meetings(speaker_ids: list[int]) -> dict[int, int]:
    """For the speakers of a transcript: everyone else who spoke in a meeting with them, and in
    how many."""
    if not speaker_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT other.speaker_id, count(DISTINCT other.meeting_id) "
            "FROM statements_utterance AS mine JOIN statements_utterance AS other "
            "ON other.meeting_id = mine.meeting_id "
            "WHERE mine.speaker_id = ANY(%s) AND other.speaker_id IS NOT NULL "
            "AND NOT other.speaker_id = ANY(%s) GROUP BY other.speaker_id",
            [speaker_ids, speaker_ids],
        )
        return dict(cursor.fetchall())


# -- Learning about people ------------------------------------------------------------------------


def learn(prepared: Iterable[Prepared], registry: Registry | None = None) -> Learned:
    """Write what these transcripts taught about people, in the caller's transaction: a speaker
    for each new person, the labels each person was seen under and when, and the roles the
    transcripts gave them on their dates.

    A label that names only a surname (MS. PORTER) is the person another transcript of the same
    load names in full under the same label, nearest in time, rather than a second person."""
    prepared = list(prepared)
    learned = Learned()
    specs: dict[str, list[tuple[NewSpeaker, dt.date]]] = defaultdict(list)
    by_label: dict[str, list[tuple[dt.date, Resolution]]] = defaultdict(list)
    for item in prepared:
        for label, resolution in item.plan.items():
            if resolution.is_person and not (resolution.new and resolution.new.unidentified):
                by_label[label_key(label)].append((item.info.date, resolution))
    surname_only: list[tuple[Prepared, str, Resolution]] = []
    for item in prepared:
        for label, resolution in item.plan.items():
            new = resolution.new
            if new is None or new.unidentified:
                continue
            if resolution.how == "new" and _named_elsewhere(label, item, by_label) is not None:
                surname_only.append((item, label, resolution))
                continue
            specs[new.identity].append((new, item.info.date))
    existing = _existing_people(list(specs))
    for identity, seen in specs.items():
        if identity in existing:
            learned.ids[identity] = existing[identity]
            continue
        speaker = _create_speaker(_merged(seen))
        learned.ids[identity] = speaker.pk
        learned.created.append(speaker)
    for item, label, _ in surname_only:
        other = _named_elsewhere(label, item, by_label)
        learned.named_elsewhere[(item.digest, label)] = (
            other.speaker_id if other.speaker_id is not None else learned.ids[other.new.identity]
        )
    _remember_labels(prepared, learned)
    _remember_roles(prepared, learned, registry or Registry.from_database())
    return learned


def _named_elsewhere(
    label: str, item: Prepared, by_label: dict[str, list[tuple[dt.date, Resolution]]]
) -> Resolution | None:
    """The person a label names in full in another transcript nearest in time (within a few
    years), for a label that names only a surname here."""
    date = item.info.date
    key = label_key(label)
    named = [
        (abs((seen - date).days), resolution)
        for other in [key, *_near_keys(key, by_label)]
        for seen, resolution in by_label.get(other, [])
        if resolution.how not in {"new", "unidentified"}
        and (resolution.speaker_id is not None or resolution.new is not None)
        and abs((seen - date).days) <= speakers.ALIAS_REACH
    ]
    if not named:
        return None
    return min(named, key=lambda pair: pair[0])[1]


def _near_keys(key: str, keys: Iterable[str]) -> list[str]:
    """Labels a letter from this one with the same title: MR. SULLIAN, MR. SULLIVAN."""
    title, _, name = key.rpartition(" ")
    return [
        other
        for other in keys
        if other != key
        and other.rpartition(" ")[0] == title
        and speakers.misspelt(name, other.rpartition(" ")[2])
    ]


def _merged(seen: list[tuple[NewSpeaker, dt.date]]) -> NewSpeaker:
    """One person's specs from several transcripts as one: the latest role, the kind a role
    supports, and flagged only if no transcript was sure."""
    with_role = [(spec, date) for spec, date in seen if spec.role]
    latest = max(with_role or seen, key=lambda pair: pair[1])[0]
    kinds = Counter(spec.kind for spec, _ in (with_role or seen))
    if kinds[speakers.OFFICIAL]:
        kinds = Counter({speakers.OFFICIAL: 1})  # an office named once makes an official
    sure = [spec for spec, _ in seen if not spec.review_reason]
    return replace(
        latest,
        kind=kinds.most_common(1)[0][0],
        country=latest.country or next((s.country for s, _ in seen if s.country), ""),
        organisation=latest.organisation
        or next((s.organisation for s, _ in seen if s.organisation), ""),
        outlet=latest.outlet or next((s.outlet for s, _ in seen if s.outlet), ""),
        review_reason="" if sure else latest.review_reason,
    )


def _existing_people(identities: list[str]) -> dict[str, int]:
    """Speakers already in the archive under these identities (folded names), not unidentified:
    another load, or an earlier transcript of this one, made them."""
    if not identities:
        return {}
    found = {}
    for pk, name in Speaker.objects.filter(unidentified_in__isnull=True).values_list("pk", "name"):
        identity = parser.fold(name)
        if identity in identities and identity not in found:
            found[identity] = pk
    return found


def _create_speaker(spec: NewSpeaker, meeting: Meeting | None = None) -> Speaker:
    """A speaker for a new person; or for an official a meeting does not name, one of that
    meeting alone, its slug made from the meeting's id (unique without looking)."""
    if meeting is not None:
        slug = f"{slugify(spec.name)[:100]}-m{meeting.pk}"
    else:
        slug = _unique_slug(Speaker, spec.name)
    return Speaker.objects.create(
        name=spec.name[:200],
        family_name=spec.family_name[:100],
        slug=slug,
        role=spec.role[:200],
        country=spec.country[:100],
        organisation=spec.organisation[:100],
        outlet=spec.outlet[:100],
        kind=spec.kind,
        unidentified_in=meeting,
        needs_review=bool(spec.review_reason),
        review_reason=spec.review_reason[:300],
    )


def _remember_labels(prepared: list[Prepared], learned: Learned) -> None:
    """Each label each person was seen under, with the first and last date: an upsert, so a
    load that meets a label again widens its dates."""
    seen: dict[tuple[str, int], list] = {}
    for item in prepared:
        for label, resolution in item.plan.items():
            if not resolution.is_person or (resolution.new and resolution.new.unidentified):
                continue
            speaker_id = learned.speaker_id(item, label, resolution)
            if speaker_id is None:
                continue
            key = label_key(label)
            date = item.info.date
            entry = seen.setdefault((key, speaker_id), [label, date, date])
            entry[1], entry[2] = min(entry[1], date), max(entry[2], date)
    if not seen:
        return
    rows = [
        (key, speaker_id, label, first, last)
        for (key, speaker_id), (label, first, last) in seen.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO statements_speakeralias "
            "(key, speaker_id, label, source, first_seen, last_seen) "
            "VALUES (%s, %s, %s, 'ingest', %s, %s) "
            "ON CONFLICT (key, speaker_id) DO UPDATE SET "
            "first_seen = LEAST(statements_speakeralias.first_seen, EXCLUDED.first_seen), "
            "last_seen = GREATEST(statements_speakeralias.last_seen, EXCLUDED.last_seen)",
            sorted(rows),
        )


def _remember_roles(prepared: list[Prepared], learned: Learned, registry: Registry) -> None:
    """The roles transcripts gave people on their dates, each title's first and last date kept,
    where the registry or an editor gives them no role then."""
    observed: dict[tuple[int, str], list] = {}
    for item in prepared:
        date = item.info.date
        for label, resolution in item.plan.items():
            speaker_id = learned.speaker_id(item, label, resolution)
            if speaker_id is None:
                continue
            term = resolution.role_seen
            if term is None and resolution.new is not None and resolution.new.role:
                new = resolution.new
                term = speakers.Term(new.role, date, date, new.country, new.organisation)
            if term is None or not term.title:
                continue
            known = registry.speakers.get(speaker_id)
            if known is not None and any(
                role.holds(date) for role in known.roles if role.start or role.end
            ):
                continue  # the registry's or an editor's dated role says who they were then
            if known is not None and _says_no_more(term.title, known.roles):
                continue  # "President" of a former President of the United States
            entry = observed.setdefault(
                (speaker_id, term.title[:200]), [date, date, term.country, term.organisation]
            )
            entry[0], entry[1] = min(entry[0], date), max(entry[1], date)
    for (speaker_id, title), (first, last, country, organisation) in sorted(observed.items()):
        role = (
            SpeakerRole.objects.filter(speaker_id=speaker_id, title=title, source="transcript")
            .order_by("start")
            .first()
        )
        if role is None:
            SpeakerRole.objects.create(
                speaker_id=speaker_id,
                title=title,
                start=first,
                end=last,
                country=country[:100],
                organisation=organisation[:100],
                source=SpeakerRole.Source.TRANSCRIPT,
            )
        elif first < role.start or last > role.end:
            role.start, role.end = min(role.start, first), max(role.end, last)
            role.save(update_fields=["start", "end"])
    _refresh_latest_roles({speaker_id for speaker_id, _ in observed})


def _says_no_more(title: str, roles: Iterable[speakers.Term]) -> bool:
    """Whether a role seen is one a speaker is known to have held, in fewer words."""
    words = set(speakers._tokens(title))
    return any(words <= set(speakers._tokens(role.title)) for role in roles)


def _refresh_latest_roles(speaker_ids: set[int]) -> None:
    """A speaker's `role` is their latest role's title (what a page shows without a date)."""
    if not speaker_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE statements_speaker AS s SET role = latest.title, "
            "country = CASE WHEN s.country = '' THEN latest.country ELSE s.country END "
            "FROM (SELECT DISTINCT ON (speaker_id) speaker_id, title, country "
            "      FROM statements_speakerrole WHERE speaker_id = ANY(%s) "
            '      ORDER BY speaker_id, ("end" IS NULL AND start IS NOT NULL) DESC, '
            '               coalesce("end", start) DESC NULLS LAST) AS latest '
            "WHERE s.id = latest.speaker_id AND (s.role <> latest.title OR s.country = '')",
            [sorted(speaker_ids)],
        )


# -- Writing meetings ----------------------------------------------------------------------------


@dataclass
class Batch:
    """Transcripts being written together: the meetings whose utterances are still to be
    tagged; and those not yet written, with their utterances, which go in together with COPY
    (`flush()`): by the time the batch ends, or once FLUSH_ROWS utterances wait. Their ids are
    taken from the tables' sequences beforehand."""

    meetings: list[int] = field(default_factory=list)
    waiting: dict[str, Meeting] = field(default_factory=dict)  # by content hash
    registry: Registry | None = None  # the speakers, once learned
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
def batch(sync: bool = True) -> Iterator[Batch]:
    """Write many prepared transcripts in one transaction: `write(prepared, learned, batch=b)`
    or `ingest(text, info, batch=b)` for each. A transcript refused with an `IngestError` that
    the caller catches leaves the others in; any error that leaves the block leaves none of
    them. Meetings and utterances are written together and their topics tagged when the block
    ends (or, for the writing, every FLUSH_ROWS utterances): until then, a result's meeting is
    not yet in the database. The search index is synced after the commit, unless `sync` is
    false (the ingest command syncs once a round instead)."""
    with transaction.atomic():
        writing = Batch()
        yield writing
        writing.flush()
        if writing.meetings:
            topics.retag(meetings=writing.meetings, sync=sync)
            place_tags.retag(meetings=writing.meetings, sync=sync)
        if sync:
            search_index.sync_after_commit()


def write(
    prepared: Prepared,
    learned: Learned,
    batch: Batch | None = None,
    replacing: Meeting | None = None,
    chosen: Iterable[str] = (),
) -> IngestResult:
    """Write a prepared transcript's meeting and utterances, its people learned. In a `batch`,
    written when the batch says and tagged when it ends; alone (or replacing a meeting, keeping
    the hand corrections that still fit), at once, in one transaction."""
    existing = batch.waiting.get(prepared.digest) if batch is not None else None
    if existing is None and replacing is None and _exists(Meeting, content_hash=prepared.digest):
        existing = Meeting.objects.without_text().get(content_hash=prepared.digest)
    if existing is not None:
        return IngestResult(meeting=existing, created=False)
    info, transcript = prepared.info, prepared.transcript
    fields = {
        **{k: v for k, v in asdict(info).items() if k not in {"publisher", "transcript_kind"}},
        "kind": info.kind,
        "title": prepared.title[:500],
        "raw_text": prepared.text,
        "content_hash": prepared.digest,
        "header": transcript.header,
        "trailer": transcript.trailer,
        "publisher_id": _publishers()[info.publisher][0] if info.publisher else None,
        "transcript_kind": info.transcript_kind or Meeting.TranscriptKind.OFFICIAL,
    }
    deferred = batch is not None and replacing is None
    with transaction.atomic():
        if replacing is not None:
            if batch is not None:
                batch.flush()
            meeting = replacing
            corrections = _Corrections.of(meeting)
            meeting.utterances.all().delete()
            meeting.unidentified_speakers.all().delete()
            for name, value in fields.items():
                setattr(meeting, name, value)
            meeting.save()
        else:
            corrections = None
            taken = batch.slugs() if batch is not None else set()
            slug = _meeting_slug(f"{info.date:%Y-%m-%d} {prepared.title}", taken)
            meeting = (
                batch.new_meeting(slug=slug, **fields)
                if deferred
                else Meeting.objects.create(slug=slug, **fields)
            )
        # An unidentified official's speaker row names the meeting before a batch writes it: the
        # foreign key is checked when the transaction commits.
        registry = batch.registry if batch is not None else None
        rows, unidentified = _rows(prepared, learned, meeting, registry)
        ids = batch.add(meeting, rows) if deferred else _copy_utterances(rows)
        kept = dropped = 0
        if corrections is not None:
            utterances = [
                Utterance(pk, **dict(zip(UTTERANCE_COLUMNS, row, strict=True)))
                for pk, row in zip(ids, rows, strict=True)
            ]
            kept, dropped = corrections.restore(utterances, chosen=set(chosen))
        if batch is None:
            topics.retag(meetings=[meeting.pk])
            place_tags.retag(meetings=[meeting.pk], sync=False)
            search_index.sync_after_commit()
        elif not deferred:
            batch.meetings.append(meeting.pk)
    return IngestResult(
        meeting=meeting,
        created=True,
        utterances=len(rows),
        new_speakers=[*learned.created, *unidentified],
        corrections_kept=kept,
        corrections_dropped=dropped,
    )


def _rows(
    prepared: Prepared, learned: Learned, meeting: Meeting, registry: Registry | None = None
) -> tuple[list[tuple], list[Speaker]]:
    """The utterance rows of a transcript (tuples of UTTERANCE_COLUMNS), and the speakers made
    for the officials it does not name."""
    transcript = prepared.transcript
    resolutions = prepared.resolutions()
    unidentified: dict[str, Speaker] = {}
    ids = []
    for turn, resolution in zip(transcript.turns, resolutions, strict=True):
        new = resolution.new
        if new is not None and new.unidentified:
            name = slugify(new.name)
            if name not in unidentified:
                unidentified[name] = _create_speaker(new, meeting=meeting)
            ids.append(unidentified[name].pk)
        else:
            ids.append(learned.speaker_id(prepared, turn.label, resolution))
    known = (registry or Registry.from_database()).speakers
    as_known = [
        replace(r, speaker_id=pk) if pk is not None else r
        for r, pk in zip(resolutions, ids, strict=True)
    ]
    kinds = speakers.turn_kinds(
        as_known, known, [turn.text for turn in transcript.turns], meeting.date
    )
    interpreters = {
        label for label, r in prepared.plan.items() if r.speaker_kind == speakers.INTERPRETER
    }
    made = {speaker.pk for speaker in unidentified.values()}
    rows = []
    previous = ""
    for number, (turn, resolution, speaker_id, kind) in enumerate(
        zip(transcript.turns, as_known, ids, kinds, strict=True), start=1
    ):
        speaker = known.get(speaker_id) if speaker_id is not None else None
        speaker_kind = (
            speakers.OFFICIAL
            if speaker_id in made
            else (speaker.kind if speaker else resolution.speaker_kind)
        )
        outlet = resolution.outlet or (speaker.outlet if speaker else "")
        if kind == speakers.QUESTION and not outlet and speaker_kind == speakers.JOURNALIST:
            outlet = speakers.outlet_of_question(turn.text, previous)
            outlet = speakers.outlet_named(outlet) or outlet
        rows.append(
            (
                meeting.pk,
                meeting.date,
                number,
                speaker_id,
                turn.label,
                speaker_kind,
                outlet[:100],
                kind,
                turn.text,
                turn.via_interpreter or turn.label in interpreters,
                turn.word_count,
            )
        )
        # Whoever calls on a reporter by name and outlet moderates or answers: a question's
        # outlet is never the previous question's.
        previous = turn.text if kind != speakers.QUESTION else ""
    return rows, list(unidentified.values())


UTTERANCE_COLUMNS = (
    "meeting_id",
    "date",
    "sequence",
    "speaker_id",
    "speaker_label",
    "speaker_kind",
    "outlet",
    "kind",
    "text",
    "via_interpreter",
    "word_count",
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
    if not text.strip():
        raise IngestError("The transcript is empty.")
    digest = content_hash(text)
    if replacing is None and (
        (batch is not None and digest in batch.waiting) or _exists(Meeting, content_hash=digest)
    ):
        meeting = batch.waiting.get(digest) if batch is not None else None
        return IngestResult(
            meeting=meeting or Meeting.objects.get(content_hash=digest), created=False
        )
    # In a batch, the registry is read again only once a transcript has made a speaker (its
    # labels' dates aside, which the next transcripts need not see): at a few thousand
    # speakers, reading and indexing them is most of a small transcript's time.
    registry = batch.registry if batch is not None and batch.registry else None
    registry = registry or Registry.from_database()
    prepared = prepare(text, info, registry)
    prepared.plan = _with_choices(prepared.plan, choices or {})
    with transaction.atomic():
        learned = learn([prepared], registry)
        result = write(prepared, learned, batch=batch, replacing=replacing, chosen=choices or {})
    if batch is not None:
        # Only now that nothing can fail: had it failed, the speakers it made were rolled back
        # with it, and the batch's next transcripts must not name them.
        batch.registry = Registry.from_database() if learned.created else registry
    return result


def _with_choices(
    plan: dict[str, Resolution], choices: dict[str, LabelChoice]
) -> dict[str, Resolution]:
    """The plan with an editor's decisions in place of the archive's."""
    decided = {}
    for label, resolution in plan.items():
        choice = choices.get(label)
        if choice is not None and choice.speaker_id is not None:
            resolution = replace(resolution, how="chosen", speaker_id=choice.speaker_id, new=None)
        elif choice is not None and choice.new_speaker is not None:
            fields = {k: v for k, v in choice.new_speaker.items() if v}
            resolution = replace(
                resolution,
                how="chosen",
                speaker_id=None,
                new=NewSpeaker(**{"name": fields.pop("name"), **fields}),
                speaker_kind=fields.get("kind", speakers.OFFICIAL),
            )
        decided[label] = resolution
    return decided


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
    if "\x00" in text:  # PostgreSQL stores no NUL in text, and no transcript has one
        raise IngestError("The transcript holds binary data (NUL characters), not text.")
    transcript = parser.parse(text)
    if not transcript.turns:
        raise IngestError(
            "No speaker turns were found: a turn starts with a speaker label such as "
            "'SECRETARY BLINKEN:' or 'Q' at the start of a paragraph."
        )
    if len(transcript.turns) > settings.TRANSCRIPT_MAX_TURNS:
        raise IngestError(
            f"The transcript has {len(transcript.turns):,} speaker turns, more than the "
            f"{settings.TRANSCRIPT_MAX_TURNS:,} a transcript may have: split it into its "
            "sessions, or check that its speaker labels were read right."
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


def _warnings(
    transcript: parser.Transcript, labels: list[LabelPlan], registry: Registry
) -> list[str]:
    warnings = []
    for plan in labels:
        resolution = plan.resolution
        if resolution.new is not None and resolution.new.review_reason:
            warnings.append(
                f"“{plan.label}”: {resolution.new.review_reason} A new speaker, "
                f"“{resolution.new.name}”, will be made and marked for review, unless you pick one."
            )
        elif resolution.how == "fuzzy":
            name = registry.speakers[resolution.speaker_id].name
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
    transcript: the speaker an utterance was given and its topic and place overrides, found again
    by the turn's label and text."""

    def __init__(self, speakers: dict, overrides: dict, place_overrides: dict | None = None):
        self.speakers = speakers
        self.overrides = overrides
        self.place_overrides = place_overrides or {}

    @staticmethod
    def key(label: str, text: str) -> tuple[str, str]:
        return label_key(label), " ".join(parser.words(text)).casefold()

    @classmethod
    def of(cls, meeting: Meeting) -> _Corrections:
        speakers_, overrides, place_overrides = {}, {}, {}
        utterances = meeting.utterances.prefetch_related("overrides", "place_overrides")
        for utterance in utterances.select_related("speaker"):
            key = cls.key(utterance.speaker_label, utterance.text)
            if utterance.speaker is None or utterance.speaker.unidentified_in_id is None:
                speakers_[key] = utterance.speaker_id
            overrides[key] = [
                {
                    "topic_id": o.topic_id,
                    "applies": o.applies,
                    "note": o.note,
                    "created_by_id": o.created_by_id,
                }
                for o in utterance.overrides.all()
            ]
            place_overrides[key] = [
                {
                    "place_id": o.place_id,
                    "applies": o.applies,
                    "note": o.note,
                    "created_by_id": o.created_by_id,
                }
                for o in utterance.place_overrides.all()
            ]
        return cls(speakers_, overrides, place_overrides)

    def restore(self, utterances: list[Utterance], chosen: set[str]) -> tuple[int, int]:
        """Re-apply what still fits; how many corrections were kept and how many dropped."""
        kept, found = 0, set()
        for utterance in utterances:
            key = self.key(utterance.speaker_label, utterance.text)
            if key not in self.overrides:
                continue
            found.add(key)
            old_speaker = self.speakers.get(key, utterance.speaker_id)
            if utterance.speaker_label not in chosen and old_speaker != utterance.speaker_id:
                Utterance.objects.filter(pk=utterance.pk).update(speaker_id=old_speaker)
                kept += 1
            for override in self.overrides[key]:
                TopicOverride.objects.create(utterance=utterance, **override)
                kept += 1
            for override in self.place_overrides.get(key, []):
                PlaceOverride.objects.create(utterance=utterance, **override)
                kept += 1
        dropped = sum(
            len(v) + len(self.place_overrides.get(k, []))
            for k, v in self.overrides.items()
            if k not in found
        )
        return kept, dropped


# The key under which meeting slugs are claimed with PostgreSQL's advisory locks.
MEETING_SLUGS = 1_001


def _meeting_slug(text: str, taken: set[str]) -> str:
    """A free slug for a new meeting, claimed until the transaction ends, so that another
    worker's batch under way takes the next one instead of waiting for this one to commit."""

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
        (("briefing", "gaggle", "press call"), Meeting.Kind.BRIEFING),
        (("interview",), Meeting.Kind.INTERVIEW),
        (("dialogue", "session", "meeting"), Meeting.Kind.DIALOGUE_SESSION),
        (("statement", "remarks"), Meeting.Kind.STATEMENT),
    ):
        if any(word in lowered for word in words):
            return kind
    return Meeting.Kind.INTERVIEW if speakers.interviewer_name(title) else Meeting.Kind.OTHER


# -- Editors' corrections ------------------------------------------------------------------------


def merge_speakers(keep: Speaker, others: list[Speaker]) -> None:
    """Make several speakers one: their labels, roles, terms and utterances move to `keep`,
    which is otherwise left as it is, and the others are deleted. The labels become the
    editor's, so the next transcript that uses them resolves to `keep` too."""
    others = [other for other in others if other.pk != keep.pk]
    if not others:
        return
    with transaction.atomic():
        for alias in SpeakerAlias.objects.filter(speaker__in=others):
            SpeakerAlias.objects.update_or_create(
                key=alias.key,
                speaker=keep,
                defaults={"label": alias.label, "source": SpeakerAlias.Source.EDITOR},
            )
        for other in others:
            # The merged speaker's name is a label of the kept one from now on.
            SpeakerAlias.objects.get_or_create(
                key=label_key(other.name),
                speaker=keep,
                defaults={"label": other.name, "source": SpeakerAlias.Source.EDITOR},
            )
        SpeakerRole.objects.filter(speaker__in=others).exclude(
            title__in=keep.roles.values("title")
        ).update(speaker=keep)
        OfficeTerm.objects.filter(speaker__in=others).update(speaker=keep)
        Utterance.objects.filter(speaker__in=others).update(speaker=keep, speaker_kind=keep.kind)
        Speaker.objects.filter(pk__in=[other.pk for other in others]).delete()
        if keep.needs_review:
            Speaker.objects.filter(pk=keep.pk).update(needs_review=False, review_reason="")
        search_index.sync_after_commit()


@dataclass
class Duplicate:
    keep: Speaker
    other: Speaker
    reason: str


def possible_duplicates() -> list[Duplicate]:
    """Speakers who may be one person (`speakers.near_duplicates()`), each pair with the one to
    keep first: the one with the fuller name, then the more turns; each speaker with their
    turns counted."""
    registry = Registry.from_database()
    pairs = speakers.near_duplicates(registry.speakers.values())
    ids = {pk for first, second, _ in pairs for pk in (first, second)}
    found = Speaker.objects.in_bulk(ids)
    turns = dict(
        Utterance.objects.filter(speaker__in=ids)
        .order_by()
        .values_list("speaker")
        .annotate(n=models.Count("*"))
    )
    duplicates = []
    for first, second, reason in pairs:
        one, two = found[first], found[second]
        for speaker in (one, two):
            speaker.turns = turns.get(speaker.pk, 0)
        one, two = sorted((one, two), key=_fullness)
        duplicates.append(Duplicate(one, two, reason))
    return duplicates


def _fullness(speaker: Speaker) -> tuple:
    """Which of two speakers to keep, first first: one not flagged, named without an honorific
    ("Karine Jean-Pierre", not "Ms. Jean-Pierre"), with more names, with more turns."""
    honorific = speakers._tokens(speaker.name)[:1] and speakers._tokens(speaker.name)[0] in (
        speakers.HONORIFICS
    )
    return (speaker.needs_review, bool(honorific), -len(speaker.name.split()), -speaker.turns)


def split_alias(alias: SpeakerAlias) -> Speaker:
    """Undo a wrong match: the label becomes a speaker of its own, marked for review, and takes
    with it the utterances given under that label. The label is the new speaker's from then on,
    for every transcript to come."""
    with transaction.atomic():
        old = alias.speaker
        parts = split_label(alias.label)
        spec = NewSpeaker(
            name=speakers.title_case(alias.label.strip(" :")),
            role=Registry([])._label_role(parts),
            country=parts.country,
            review_reason="Split off by an editor: give their full name.",
        )
        speaker = _create_speaker(spec)
        labels = {
            label
            for label in old.utterances.values_list("speaker_label", flat=True).distinct()
            if label_key(label) == alias.key
        }
        old.utterances.filter(speaker_label__in=labels).update(speaker=speaker)
        alias.speaker = speaker
        alias.source = SpeakerAlias.Source.EDITOR
        alias.save(update_fields=["speaker", "source"])
        search_index.sync_after_commit()
    return speaker


def speaker_kind_changed(speaker: Speaker) -> int:
    """Carry a speaker's kind to their utterances, after an editor changed it."""
    return (
        Utterance.objects.filter(speaker=speaker)
        .exclude(speaker_kind=speaker.kind)
        .update(speaker_kind=speaker.kind)
    )
