"""What the read API answers, field by field: each serializer is both the JSON a view returns
and its part of the OpenAPI schema (`/api/openapi.json`), so the documentation cannot drift from
the answers (a property-based test checks every answer against the schema).

Links are absolute: `url` is the page a reader opens, `api_url` the JSON of the same thing. A
page of a hundred results has hundreds of links, so each URL's pattern is reversed once and
filled in (`path_to`), and the site's address read once a request (`context["site"]`).
"""

from __future__ import annotations

import functools

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from statements.models import Meeting, Place, Speaker, Utterance

# Stand-ins reversed into a URL's pattern, then replaced by each object's values.
MARKS = {"slug": "slug-mark-0x", "pk": 987654321, "sequence": 987654322}


@functools.cache
def _pattern(name: str, arguments: tuple[str, ...]) -> str:
    path = reverse(name, kwargs={argument: MARKS[argument] for argument in arguments})
    for argument in arguments:
        path = path.replace(str(MARKS[argument]), "{" + argument + "}")
    return path


def path_to(name: str, **values) -> str:
    """`reverse(name, kwargs=values)`, the pattern reversed once."""
    return _pattern(name, tuple(sorted(values))).format(**values)


def context_for(request) -> dict:
    return {"request": request, "site": request.build_absolute_uri("/")[:-1]}


def absolute(serializer: serializers.Field, path: str) -> str:
    """A path as an absolute URL of this site, as the request that asked names it."""
    return serializer.context["site"] + path


class LinksMixin:
    """`url` (the page) and `api_url` (its JSON), made from the object's slug."""

    page_name = ""
    api_name = ""

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return absolute(self, path_to(self.page_name, slug=obj.slug))

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj) -> str:
        return absolute(self, path_to(self.api_name, slug=obj.slug))


class TopicRefSerializer(LinksMixin, serializers.Serializer):
    page_name, api_name = "statements:topic", "api:topic"
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()


class PlaceRefSerializer(LinksMixin, serializers.Serializer):
    page_name, api_name = "statements:place", "api:place"
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()


class MeetingRefSerializer(LinksMixin, serializers.Serializer):
    """A meeting as a result names it."""

    page_name, api_name = "statements:meeting", "api:meeting"
    slug = serializers.CharField()
    title = serializers.CharField()
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    location = serializers.CharField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()


class SpeakerRefSerializer(LinksMixin, serializers.Serializer):
    """A speaker as a turn names them, with the role they held on its day (`role`)."""

    page_name, api_name = "statements:speaker", "api:speaker"
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Speaker.Kind.choices)
    country = serializers.CharField()
    role = serializers.CharField(
        source="role_that_day", help_text="The role held on the day of the turn."
    )
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()


class UtteranceSerializer(serializers.Serializer):
    """One speaker's turn, whole: its text, who said it (the label as the source gave it beside
    the person it was resolved to), where and when, its topics and its places."""

    id = serializers.IntegerField()
    permalink = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    sequence = serializers.IntegerField(help_text="The turn's position in its meeting, from 1.")
    meeting = MeetingRefSerializer()
    speaker = SpeakerRefSerializer(allow_null=True)
    speaker_label = serializers.CharField(help_text="The label as the transcript gave it.")
    speaker_kind = serializers.ChoiceField(
        choices=Speaker.Kind.choices, help_text="Who is speaking, even where no person is named."
    )
    outlet = serializers.CharField(help_text="The news outlet a question names as its asker's.")
    kind = serializers.ChoiceField(choices=Utterance.Kind.choices)
    via_interpreter = serializers.BooleanField()
    word_count = serializers.IntegerField()
    topics = TopicRefSerializer(many=True, source="topic_list")
    places = PlaceRefSerializer(
        many=True,
        source="place_list",
        help_text="The countries, regions and organisations the turn names.",
    )
    text = serializers.CharField(help_text="The turn's paragraphs, separated by blank lines.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_permalink(self, obj: Utterance) -> str:
        path = path_to("statements:utterance", slug=obj.meeting.slug, sequence=obj.sequence)
        return absolute(self, path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj: Utterance) -> str:
        return absolute(self, path_to("api:utterance", pk=obj.pk))


class HitSerializer(UtteranceSerializer):
    snippet_html = serializers.CharField(
        help_text="Where the turn matched, escaped HTML with each match in <mark>."
    )


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="As the filter of the same name takes it.")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Exact, over every match.")
    selected = serializers.BooleanField()


class FacetMoreSerializer(serializers.Serializer):
    values = serializers.IntegerField(help_text="Values counted but left off (facet_limit).")
    results = serializers.IntegerField(
        help_text="Results whose values are beyond the facet limit, not counted one by one."
    )


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.URLField()


class SuggestionsSerializer(serializers.Serializer):
    speaker = SuggestionSerializer(allow_null=True)
    spelling = SuggestionSerializer(allow_null=True)


class SearchSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Every match, counted exactly.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    sort = serializers.ChoiceField(choices=["relevance", "newest", "oldest"])
    notice = serializers.CharField()
    suggestions = SuggestionsSerializer()
    results = HitSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))
    facets_more = serializers.DictField(child=FacetMoreSerializer())
    export = serializers.DictField(
        child=serializers.URLField(), help_text="Every match of this search, as CSV and JSON Lines."
    )


class PageSerializer(serializers.Serializer):
    """The envelope of a list: the total, where this page is, and the links to its neighbours."""

    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class PublisherSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    country = serializers.CharField()
    organisation = serializers.CharField()
    url = serializers.CharField()


class MeetingSerializer(LinksMixin, serializers.Serializer):
    page_name, api_name = "statements:meeting", "api:meeting"
    slug = serializers.CharField()
    title = serializers.CharField()
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    location = serializers.CharField()
    venue = serializers.CharField()
    series = serializers.CharField()
    source_url = serializers.CharField(help_text="Where the transcript was published (http(s)).")
    publisher = PublisherSerializer(allow_null=True)
    transcript_kind = serializers.ChoiceField(choices=Meeting.TranscriptKind.choices)
    turns = serializers.IntegerField(help_text="How many utterances it has.")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    transcript_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_transcript_url(self, obj: Meeting) -> str:
        return absolute(self, path_to("statements:meeting_original", slug=obj.slug))


class MeetingListSerializer(PageSerializer):
    results = MeetingSerializer(many=True)


class MeetingDetailSerializer(MeetingSerializer):
    header = serializers.CharField(help_text="Text before the first turn.")
    trailer = serializers.CharField(help_text="Text after the last turn that is not speech.")
    utterances = UtteranceSerializer(many=True, source="utterance_list")


class RoleSerializer(serializers.Serializer):
    title = serializers.CharField()
    country = serializers.CharField()
    organisation = serializers.CharField()
    start = serializers.DateField(allow_null=True, help_text="Empty: since before the archive.")
    end = serializers.DateField(allow_null=True, help_text="Empty: still held, or not known.")


class AliasSerializer(serializers.Serializer):
    label = serializers.CharField()
    first_seen = serializers.DateField(allow_null=True)
    last_seen = serializers.DateField(allow_null=True)


class SpeakerSerializer(LinksMixin, serializers.Serializer):
    page_name, api_name = "statements:speaker", "api:speaker"
    slug = serializers.CharField()
    name = serializers.CharField()
    family_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Speaker.Kind.choices)
    role = serializers.CharField(help_text="The latest role known.")
    country = serializers.CharField()
    organisation = serializers.CharField()
    outlet = serializers.CharField()
    turns = serializers.IntegerField(help_text="How many utterances they have.")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()


class SpeakerListSerializer(PageSerializer):
    results = SpeakerSerializer(many=True)


class SpeakerDetailSerializer(SpeakerSerializer):
    meetings = serializers.IntegerField(help_text="How many meetings they speak in.")
    words = serializers.IntegerField(help_text="How many words they have spoken.")
    roles = RoleSerializer(many=True, source="role_list", help_text="Dated, oldest first.")
    aliases = AliasSerializer(many=True, source="alias_list")
    feed_url = serializers.SerializerMethodField()
    search_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_feed_url(self, obj: Speaker) -> str:
        return absolute(self, path_to("feeds:speaker", slug=obj.slug))

    @extend_schema_field(OpenApiTypes.URI)
    def get_search_url(self, obj: Speaker) -> str:
        return absolute(self, f"{reverse('api:search')}?speaker={obj.slug}")


class TopicSerializer(LinksMixin, serializers.Serializer):
    page_name, api_name = "statements:topic", "api:topic"
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())
    turns = serializers.IntegerField(help_text="How many utterances it tags.")
    url = serializers.SerializerMethodField()
    feed_url = serializers.SerializerMethodField()
    search_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_feed_url(self, obj) -> str:
        return absolute(self, path_to("feeds:topic", slug=obj.slug))

    @extend_schema_field(OpenApiTypes.URI)
    def get_search_url(self, obj) -> str:
        return absolute(self, f"{reverse('api:search')}?topic={obj.slug}")


class TopicListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = TopicSerializer(many=True)


class PlaceSerializer(LinksMixin, serializers.Serializer):
    page_name, api_name = "statements:place", "api:place"
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Place.Kind.choices)
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2, for a country; else empty.")
    turns = serializers.IntegerField(help_text="How many utterances are about it.")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    search_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_search_url(self, obj) -> str:
        return absolute(self, f"{reverse('api:search')}?place={obj.slug}")


class PlaceListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = PlaceSerializer(many=True)


class UtteranceDetailSerializer(UtteranceSerializer):
    previous = serializers.SerializerMethodField(help_text="The turn before, in the meeting.")
    next = serializers.SerializerMethodField(help_text="The turn after, in the meeting.")
    citation = serializers.CharField(help_text="The reference in words, accessed today.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_previous(self, obj: Utterance) -> str | None:
        return self._neighbour(obj.previous_id)

    @extend_schema_field(OpenApiTypes.URI)
    def get_next(self, obj: Utterance) -> str | None:
        return self._neighbour(obj.next_id)

    def _neighbour(self, pk: int | None) -> str | None:
        return absolute(self, path_to("api:utterance", pk=pk)) if pk else None


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, in words.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For each parameter refused, why.",
    )


class RootSerializer(serializers.Serializer):
    description = serializers.CharField()
    links = serializers.DictField(child=serializers.CharField())
