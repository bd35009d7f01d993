from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchVector,
    SearchVectorCombinable,
    SearchVectorField,
)
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse

from statements.links import validate_safe_url

# Created in migration 0003: English stemming with accents folded, so Barcena finds Bárcena.
SEARCH_CONFIG = "english_unaccent"


class SpeakerLexeme(SearchVectorCombinable, models.Func):
    """An utterance's speaker as a lexeme of its search vector: "speaker 16". No text makes it
    (the parser splits words at spaces), and words said by a speaker are then found in one
    lookup of the words' index (`speaker_lexemes()`) rather than by intersecting the rows of
    the words with all of the speaker's. Nothing for an utterance without a speaker."""

    template = "array_to_tsvector(array_remove(ARRAY['speaker ' || %(expressions)s::text], NULL))"
    output_field = SearchVectorField()


def speaker_lexemes(speaker_ids: list[int]) -> str:
    """A tsquery's text that matches the utterances of any of these speakers (`SpeakerLexeme`)."""
    return " | ".join(f"'speaker {int(pk)}'" for pk in speaker_ids)


class YearLexeme(SearchVectorCombinable, models.Func):
    """An utterance's year as a lexeme of its search vector: "year 2024". The newest (or oldest)
    matches of a large result are then found in one lookup of the words' index, the words and the
    years together, rather than by intersecting the words' rows with all the rows of those
    years from the dates' index (100,000 of them for the newest matches of a phrase with a
    topic: 3-5 ms)."""

    template = (
        "array_to_tsvector(ARRAY['year ' || extract(year FROM %(expressions)s)::integer::text])"
    )
    output_field = SearchVectorField()


def year_lexemes(first: int, last: int) -> str:
    """A tsquery's text that matches the utterances of the years from `first` to `last`
    (`YearLexeme`)."""
    return " | ".join(f"'year {int(year)}'" for year in range(first, last + 1))


class CountedByUtterancesQuerySet(models.QuerySet):
    """For models with `utterances`: those that some utterances have, with how many."""

    def counted(self, **where) -> models.QuerySet:
        """e.g. `Topic.objects.counted(meeting=m)`: the topics of m's utterances, most first."""
        condition = models.Q(**{f"utterances__{name}": value for name, value in where.items()})
        return (
            self.filter(condition)
            .annotate(turns=models.Count("utterances", filter=condition))
            .order_by("-turns", "name")
        )


class TopicQuerySet(CountedByUtterancesQuerySet):
    def with_turns(self) -> list[Topic]:
        """Each topic with its number of utterances (`turns`), by name. The taggings are
        counted in one pass grouped by topic (20 ms at 150,000 taggings; a count a topic, as a
        subquery, took three times that)."""
        counts = dict(
            Tagging.objects.order_by()
            .values_list("topic")
            .annotate(n=models.Count("*"))
            .values_list("topic", "n")
        )
        topics = list(self.order_by("name"))
        for topic in topics:
            topic.turns = counts.get(topic.pk, 0)
        return topics


# A meeting's transcript, kept with it, is as long as all its utterances together: lists, results
# and facet labels never need it.
BULKY_MEETING_FIELDS = ("raw_text", "header", "trailer")


class MeetingQuerySet(models.QuerySet):
    def without_text(self) -> models.QuerySet:
        return self.defer(*BULKY_MEETING_FIELDS)

    def listed(self) -> models.QuerySet:
        """Meetings for a list: without the transcript's text, which is as long as all their
        utterances together, and with their number of turns, counted for just the meetings the
        list shows (after its slicing), not for all of them."""
        turns = (
            Utterance.objects.filter(meeting=models.OuterRef("pk"))
            .order_by()
            .values("meeting")
            .annotate(n=models.Count("*"))
            .values("n")
        )
        return self.without_text().annotate(turns=models.Subquery(turns))


class Publisher(models.Model):
    """Who published a transcript: a foreign ministry, a head of government's office, an
    international organisation. Its country is the government it speaks for (none for an
    organisation), which says whose offices a generic label such as THE PRESIDENT names."""

    key = models.SlugField(
        max_length=50, unique=True, help_text="Short name used by manifests, e.g. state."
    )
    name = models.CharField(max_length=200, help_text="e.g. U.S. Department of State.")
    country = models.CharField(max_length=100, blank=True)
    organisation = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """One transcript: a press conference, briefing, interview or session."""

    class Kind(models.TextChoices):
        PRESS_CONFERENCE = "press_conference", "Press conference"
        PRESS_AVAILABILITY = "press_availability", "Press availability"
        BRIEFING = "briefing", "Briefing"
        INTERVIEW = "interview", "Interview"
        DIALOGUE_SESSION = "dialogue_session", "Dialogue session"
        STATEMENT = "statement", "Statement"
        OTHER = "other", "Other"

    class TranscriptKind(models.TextChoices):
        OFFICIAL = "official", "Official transcript"
        MACHINE = "machine", "Machine transcript"
        UNOFFICIAL = "unofficial", "Unofficial transcript"

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=120, unique=True)
    date = models.DateField()
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    location = models.CharField(max_length=200, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    series = models.CharField(
        max_length=200, blank=True, help_text="The dialogue or summit this meeting belongs to."
    )
    source_url = models.URLField(max_length=500, blank=True, validators=[validate_safe_url])
    publisher = models.ForeignKey(
        Publisher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    transcript_kind = models.CharField(
        max_length=16, choices=TranscriptKind.choices, default=TranscriptKind.OFFICIAL
    )
    raw_text = models.TextField(help_text="The transcript as uploaded, never modified.")
    content_hash = models.CharField(max_length=64, unique=True, editable=False)
    header = models.TextField(blank=True, help_text="Text before the first turn.")
    trailer = models.TextField(blank=True, help_text="Text after the last turn that is not speech.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "title"]
        indexes = [
            models.Index(fields=["date"], name="meeting_date"),
            # The front page's counts are kept until a meeting changes (`views._archive_counts`):
            # the last change, read from this, rather than from every meeting's row (16 ms at
            # 35,000 meetings).
            models.Index(fields=["updated_at"], name="meeting_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("statements:meeting", kwargs={"slug": self.slug})

    @classmethod
    def short_label(cls, date: dt.date, kind: str, location: str) -> str:
        """Date, kind and city: enough to tell meetings apart in a list of facets (made from
        those three, not from a meeting, for a list of many)."""
        city = location.split(",")[0]
        try:
            kind_label = cls.Kind(kind).label
        except ValueError:  # a kind no longer offered
            kind_label = kind
        return " · ".join(filter(None, [f"{date:%b %-d, %Y}", kind_label, city]))


class Speaker(models.Model):
    """A person who speaks in the archive, with the labels transcripts use for them.

    An unidentified official (SENIOR ADMINISTRATION OFFICIAL) is no one person across meetings:
    each such label in each meeting is a speaker of its own, `unidentified_in` that meeting.
    """

    class Kind(models.TextChoices):
        OFFICIAL = "official", "Official"
        JOURNALIST = "journalist", "Journalist"
        MODERATOR = "moderator", "Moderator"
        INTERPRETER = "interpreter", "Interpreter"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, help_text="Canonical name, e.g. Alicia Bárcena Ibarra.")
    family_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="As citations sort it: Bárcena Ibarra for Alicia Bárcena Ibarra.",
    )
    slug = models.SlugField(max_length=120, unique=True)
    role = models.CharField(max_length=200, blank=True, help_text="The latest role known.")
    country = models.CharField(max_length=100, blank=True)
    organisation = models.CharField(
        max_length=100, blank=True, help_text="For an international organisation's officials."
    )
    outlet = models.CharField(max_length=100, blank=True, help_text="For journalists.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OFFICIAL)
    unidentified_in = models.ForeignKey(
        "Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="unidentified_speakers",
        help_text="For an official the transcript does not name: the one meeting they speak in.",
    )
    needs_review = models.BooleanField(
        default=False, help_text="Resolved with too little to go on: check who this is."
    )
    review_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CountedByUtterancesQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["country"], name="speaker_country")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("statements:speaker", kwargs={"slug": self.slug})

    @property
    def is_unidentified(self) -> bool:
        return self.unidentified_in_id is not None

    def role_on(self, date: dt.date | None) -> SpeakerRole | None:
        """The role held on a date: the one whose term holds it, else the nearest before it,
        else the first after it (the roles must have been read: `roles.all()`)."""
        roles = list(self.roles.all())
        if date is None or not roles:
            return roles[-1] if roles else None
        return max(roles, key=lambda role: role.closeness(date))


class SpeakerRole(models.Model):
    """A role a speaker held, from a date to a date where known: a spokesperson later an
    ambassador has two."""

    class Source(models.TextChoices):
        REGISTRY = "registry", "The archive's registry"
        TRANSCRIPT = "transcript", "Read from a transcript"
        EDITOR = "editor", "Set by an editor"

    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200)
    country = models.CharField(max_length=100, blank=True)
    organisation = models.CharField(max_length=100, blank=True)
    start = models.DateField(null=True, blank=True, help_text="Empty: since before the archive.")
    end = models.DateField(null=True, blank=True, help_text="Empty: still held, or not known.")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.EDITOR)

    class Meta:
        ordering = ["speaker", models.F("start").asc(nulls_first=True), "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["speaker", "title", "start"],
                name="speaker_role_unique_start",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return self.title

    def holds(self, date: dt.date) -> bool:
        return (self.start is None or self.start <= date) and (self.end is None or date <= self.end)

    def closeness(self, date: dt.date) -> tuple[int, int]:
        """How well the role fits a date, larger better: held then, else how near its term."""
        if self.holds(date):
            # Of roles held together, the one ending soonest, then the one taken last: the
            # most specific (Chief Medical Advisor to the President over his institute's).
            start = (self.start or dt.date.min).toordinal()
            return (1, -(self.end or dt.date.max).toordinal(), start)
        if self.end is not None and self.end < date:
            return (0, -(date - self.end).days, 0)
        return (0, -2 * (self.start - date).days, 0)  # a role taken later fits less well


class Office(models.Model):
    """An office whose holder a generic label names: THE PRESIDENT in a White House transcript
    is whoever was President of the United States on the meeting's date."""

    name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=100, blank=True)
    organisation = models.CharField(max_length=100, blank=True)
    labels = ArrayField(
        models.CharField(max_length=100),
        default=list,
        help_text="Labels that name its holder, one per line: THE PRESIDENT.",
    )
    publishers = models.ManyToManyField(
        Publisher,
        blank=True,
        related_name="offices",
        help_text="Where the labels name this office. None: every publisher of its country.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfficeTerm(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="terms")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="terms")
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Empty: still in office.")

    class Meta:
        ordering = ["office", "start"]
        constraints = [
            models.UniqueConstraint(fields=["office", "start"], name="office_term_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.speaker} as {self.office} from {self.start}"


class SpeakerAlias(models.Model):
    """A label that resolved to a speaker, e.g. FOREIGN SECRETARY BARCENA, and when it was seen:
    MR. PRICE is one person in 2022's briefings and may be another in 2030's."""

    class Source(models.TextChoices):
        REGISTRY = "registry", "The archive's registry"
        INGEST = "ingest", "Learned from a transcript"
        EDITOR = "editor", "Set by an editor"

    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="aliases")
    label = models.CharField(max_length=200)
    key = models.CharField(
        max_length=200, help_text="The label folded for case, accents and spacing."
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.EDITOR)
    first_seen = models.DateField(null=True, blank=True)
    last_seen = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name_plural = "speaker aliases"
        constraints = [
            models.UniqueConstraint(fields=["key", "speaker"], name="alias_unique_key_speaker")
        ]

    def __str__(self) -> str:
        return self.label


class Topic(models.Model):
    """A theme of diplomacy (statements/data/themes.json), with the rules that tag utterances
    with it (see topics.py)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    terms = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="Words and phrases that tag an utterance with this theme, one per line, matched "
        "as whole words, accents or not: a word matches only itself (list its other forms, or "
        "end it with * for every word it begins: sanction*); a phrase's words must be adjacent. "
        "@2022-02-24.. (or @..2021-01-20, or both dates) limits a term to utterances of those "
        "days.",
    )
    exclusions = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="Phrases, one per line, written as terms are, that mask this theme's terms "
        "where they occur (“nuclear weapons” keeps “weapons” from counting there).",
    )
    min_mentions = models.PositiveSmallIntegerField(
        default=2,
        help_text="How many times an utterance of 150 words or more must mention the terms to "
        "be tagged, one more every 400 words beyond; in a shorter one, one mention is enough.",
    )
    alone = models.BooleanField(
        default=False,
        help_text="Tag only utterances that no other theme's rules tag (a procedural theme, "
        "such as the business of a briefing).",
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("statements:topic", kwargs={"slug": self.slug})


class Utterance(models.Model):
    """One speaker's turn in a meeting, kept as paragraphs."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", "Statement"
        QUESTION = "question", "Question"
        ANSWER = "answer", "Answer"
        MODERATION = "moderation", "Moderation"

    # Looked up through utterance_unique_position, which starts with it: an index of its own
    # would only cost every insert.
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="utterances", db_index=False
    )
    # Kept equal to the meeting's by the database (migration 0011), so a search filters and
    # orders by date from this table's own indexes.
    date = models.DateField(editable=False, help_text="The meeting's date.")
    sequence = models.PositiveIntegerField(help_text="Position in the meeting, from 1.")
    # Looked up through utterance_speaker_meeting, which starts with it; words said by a
    # speaker are found through the search vector (`SpeakerLexeme`).
    speaker = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="utterances",
        help_text="Empty only where the label names no person (QUESTION, MODERATOR).",
    )
    speaker_label = models.CharField(max_length=200, help_text="The label as the source gave it.")
    # Who is speaking, even where no person is named (Q is a journalist, MODERATOR a moderator).
    speaker_kind = models.CharField(
        max_length=16, choices=Speaker.Kind.choices, default=Speaker.Kind.OFFICIAL
    )
    outlet = models.CharField(
        max_length=100, blank=True, help_text="The news outlet a question names as its asker's."
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STATEMENT)
    text = models.TextField(help_text="The turn's paragraphs, separated by blank lines.")
    via_interpreter = models.BooleanField(default=False)
    word_count = models.PositiveIntegerField(default=0)
    # The words of the text, and the speaker's id and the year as lexemes of their own
    # (`SpeakerLexeme`, `YearLexeme`): PostgreSQL computes it again whenever the text, the speaker
    # or the date changes. Search reads the search index (statements/search_index.py) and theme
    # tagging the text (statements/topics.py); the vector has no index since migration 0026.
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config=SEARCH_CONFIG)
        + SpeakerLexeme("speaker_id")
        + YearLexeme("date"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    topics = models.ManyToManyField(Topic, through="Tagging", related_name="utterances", blank=True)
    places = models.ManyToManyField(
        "Place", through="PlaceTagging", related_name="utterances", blank=True
    )

    class Meta:
        ordering = ["meeting", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "sequence"], name="utterance_unique_position"
            )
        ]
        indexes = [
            # A speaker's meetings, turns and words are read from this index alone.
            models.Index(
                fields=["speaker", "meeting"],
                include=["word_count"],
                name="utterance_speaker_meeting",
            ),
            models.Index(fields=["date"], name="utterance_date"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker_label} in {self.meeting.title[:60]} (#{self.sequence})"

    def get_absolute_url(self) -> str:
        return reverse(
            "statements:utterance",
            kwargs={"slug": self.meeting.slug, "sequence": self.sequence},
        )

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n\n")

    @property
    def role(self) -> str:
        """The role the speaker held on the day: read with the row where many are read at once
        (`speaker_role_on()`, statements/sql/speaker_role_on.sql), else from their roles."""
        if hasattr(self, "held_role"):
            return self.held_role or (self.speaker.role if self.speaker else "")
        if self.speaker is None:
            return ""
        held = self.speaker.role_on(self.date)
        return held.title if held is not None else self.speaker.role


class TaggingQuerySet(models.QuerySet):
    def topics_by_utterance(self, utterance_ids: list[int]) -> dict[int, list[Topic]]:
        """Each of these utterances' topics (their slug and name), by name, in one query."""
        topics: dict[int, list[Topic]] = {}
        taggings = (
            self.filter(utterance_id__in=utterance_ids)
            .order_by("topic__name")
            .values_list("utterance_id", "topic_id", "topic__slug", "topic__name")
        )
        for utterance_id, pk, slug, name in taggings:
            topics.setdefault(utterance_id, []).append(Topic(pk=pk, slug=slug, name=name))
        return topics


class Tagging(models.Model):
    """An utterance tagged with a topic, by the topic's rules or by hand, and why."""

    class Source(models.TextChoices):
        RULE = "rule", "Rule"
        MANUAL = "manual", "Added by hand"

    # Each is looked up through the index that starts with it, tagging_unique_pair and
    # tagging_topic_utterance.
    utterance = models.ForeignKey(
        Utterance, on_delete=models.CASCADE, related_name="taggings", db_index=False
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="taggings", db_index=False
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.RULE)
    matched = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="The topic's terms the utterance contains.",
    )
    mentions = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the utterance mentions the terms."
    )

    objects = TaggingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["utterance", "topic"], name="tagging_unique_pair")
        ]
        indexes = [models.Index(fields=["topic", "utterance"], name="tagging_topic_utterance")]

    def __str__(self) -> str:
        return f"{self.topic} on {self.utterance_id}"

    @property
    def explanation(self) -> str:
        if self.source == self.Source.MANUAL:
            return "Added by an editor"
        times = "once" if self.mentions == 1 else f"{self.mentions} times"
        return f"Mentions {', '.join(self.matched)} ({times})"


class TopicOverride(models.Model):
    """An editor's correction: this topic does or does not apply to this utterance.

    Corrections outlive every retag; the rules never undo them.
    """

    utterance = models.ForeignKey(Utterance, on_delete=models.CASCADE, related_name="overrides")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="overrides")
    applies = models.BooleanField(help_text="Checked: add the topic. Unchecked: remove it.")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["utterance", "topic"], name="override_unique_pair")
        ]

    def __str__(self) -> str:
        verb = "add" if self.applies else "remove"
        return f"{verb} {self.topic} on {self.utterance_id}"


class PlaceQuerySet(CountedByUtterancesQuerySet):
    def with_turns(self) -> models.QuerySet:
        """Each place with its number of utterances (`turns`), the most first, in one pass over
        the taggings."""
        turns = (
            PlaceTagging.objects.filter(place=models.OuterRef("pk"))
            .order_by()
            .values("place")
            .annotate(n=models.Count("*"))
            .values("n")
        )
        return self.annotate(turns=Coalesce(models.Subquery(turns), 0)).order_by("-turns", "name")


class Place(models.Model):
    """A country, region or international organisation that utterances are about: one row per
    place of the gazetteer (statements/places.py), which finds them in the text (place_tags.py)."""

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"
        ORGANISATION = "organisation", "Organisation"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2, for a country."
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("statements:place", kwargs={"slug": self.slug})


class PlaceTaggingQuerySet(models.QuerySet):
    def places_by_utterance(self, utterance_ids: list[int]) -> dict[int, list[Place]]:
        """Each of these utterances' places (their slug and name), by name, in one query."""
        places: dict[int, list[Place]] = {}
        taggings = (
            self.filter(utterance_id__in=utterance_ids)
            .order_by("place__name")
            .values_list("utterance_id", "place_id", "place__slug", "place__name")
        )
        for utterance_id, pk, slug, name in taggings:
            places.setdefault(utterance_id, []).append(Place(pk=pk, slug=slug, name=name))
        return places


class PlaceTagging(models.Model):
    """An utterance tagged with a place, found by the gazetteer or added by hand, and the forms
    that named it."""

    class Source(models.TextChoices):
        RULE = "rule", "Gazetteer"
        MANUAL = "manual", "Added by hand"

    # Each is looked up through the index that starts with it, placetagging_unique_pair and
    # placetagging_place_utterance.
    utterance = models.ForeignKey(
        Utterance, on_delete=models.CASCADE, related_name="place_taggings", db_index=False
    )
    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="taggings", db_index=False
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.RULE)
    matched = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="The forms that named the place, as written (accents folded).",
    )
    mentions = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the utterance names the place."
    )

    objects = PlaceTaggingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["utterance", "place"], name="placetagging_unique_pair")
        ]
        indexes = [models.Index(fields=["place", "utterance"], name="placetagging_place_utterance")]

    def __str__(self) -> str:
        return f"{self.place} on {self.utterance_id}"

    @property
    def explanation(self) -> str:
        if self.source == self.Source.MANUAL:
            return "Added by an editor"
        times = "once" if self.mentions == 1 else f"{self.mentions} times"
        return f"Names it as {', '.join(self.matched)} ({times})"


class PlaceOverride(models.Model):
    """An editor's correction: this place is or is not what this utterance is about. Kept
    through every retag; the gazetteer never undoes it."""

    utterance = models.ForeignKey(
        Utterance, on_delete=models.CASCADE, related_name="place_overrides"
    )
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="overrides")
    applies = models.BooleanField(help_text="Checked: add the place. Unchecked: remove it.")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["utterance", "place"], name="placeoverride_unique_pair")
        ]

    def __str__(self) -> str:
        verb = "add" if self.applies else "remove"
        return f"{verb} {self.place} on {self.utterance_id}"


class Upload(models.Model):
    """A transcript sent through the admin: who sent it, when, and the file exactly as sent."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed, not saved"
        SAVED = "saved", "Saved as a meeting"
        DUPLICATE = "duplicate", "Already in the archive"
        REFUSED = "refused", "Refused"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="uploads"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255, blank=True, help_text="Empty for pasted text.")
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original = models.BinaryField(help_text="The file as sent, byte for byte.")
    text = models.TextField(blank=True, help_text="The transcript text read from the file.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    message = models.TextField(blank=True, help_text="Why it was refused, if it was.")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    replaces = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The meeting whose transcript this corrected version replaces.",
    )

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["sha256"], name="upload_sha256")]

    def __str__(self) -> str:
        return f"{self.filename or 'Pasted text'} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class Seeding(models.Model):
    """A data set of statements/data (the registry, the topics) seeded into this archive. It is
    seeded once, by `manage.py seed`, never by a migration: its rows are the admins' from then
    on, and one they delete stays deleted. A dump restored into a new database carries these
    records, so the seeding is not done again there."""

    name = models.CharField(max_length=50, unique=True)
    seeded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, seeded {self.seeded_at:%Y-%m-%d}"


class SearchOutbox(models.Model):
    """An utterance whose document in the search index is to be written again, put here by the
    triggers of migration 0025 in the transaction that changed it, and taken off by
    `search_index.sync()` once the index has it. No foreign key: a deleted utterance's id is
    what tells the index to drop it. Without an utterance: the index is to be rebuilt."""

    utterance_id = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"utterance {self.utterance_id} to index"


class Word(models.Model):
    """A word of the archive's vocabulary, lower-cased and unaccented, with about how many
    utterances say it (exact after `manage.py search_index --rebuild`): what did-you-mean
    suggests from, by trigram similarity (pg_trgm)."""

    word = models.CharField(max_length=30, unique=True)
    documents = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["word"]
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="word_trigrams")]

    def __str__(self) -> str:
        return self.word
