"""The read API under /api/: meetings, speakers, topics, utterances and the search, as JSON, with
its OpenAPI 3 schema (`/api/openapi.json`) and its documentation page (`/api/docs`).

Django REST framework with drf-spectacular (README: Dependencies). Each view validates its
parameters with the same FilterSet or form the pages use (statements/filters.py), refuses any
parameter it does not know (a typo is a 400 that says so, never a silently broader answer), and
answers with a serializer of statements/serializers.py, which is also its schema. The search
takes `format=csv` or `format=jsonl` for every match (statements/exports.py).

Errors are JSON: `{"error": "...", "fields": {"parameter": ["why", ...]}}`.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.paginator import EmptyPage, Paginator
from django.db.models import CharField, Count, F, Func, OuterRef, Subquery, Sum
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from statements import exports, serializers
from statements import search as search_
from statements.api_protocol import Refused, refuse
from statements.citations import plain_citation
from statements.filters import (
    MAX_FACET_LIMIT,
    MeetingFilter,
    SpeakerFilter,
    UtteranceFilter,
    page_size_field,
)
from statements.markup import render_snippet
from statements.models import (
    Meeting,
    Place,
    PlaceTagging,
    Speaker,
    Tagging,
    Topic,
    Utterance,
)
from statements.serializers import context_for

MAX_PAGE_SIZE = search_.MAX_PAGE_SIZE
LIST_PAGE_SIZE = 100
MAX_PAGE = 10_000
SEARCH_FORMATS = ("json", "csv", "jsonl")


def unknown_parameters(request: HttpRequest, known: set[str]) -> dict[str, list[str]]:
    """Each parameter the view does not take, with the ones it does."""
    listed = ", ".join(sorted(known)) or "none"
    return {
        name: [f"“{name}” is not a parameter here. The parameters are: {listed}."]
        for name in request.GET
        if name not in known
    }


class ListForm(forms.Form):
    """A list's page and page size."""

    page = forms.IntegerField(
        min_value=1,
        max_value=MAX_PAGE,
        required=False,
        error_messages={
            kind: f"The page must be a whole number from 1 to {MAX_PAGE:,}."
            for kind in ("invalid", "min_value", "max_value")
        },
    )
    page_size = page_size_field()


def page_link(request: HttpRequest, page: int | None) -> str | None:
    """The URL of the same request at another page (None for no such page)."""
    if page is None:
        return None
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request: HttpRequest, queryset, data: dict) -> tuple[dict, list]:
    """The envelope of a list's page and the page's objects; a page past the last is a 404."""
    size = data.get("page_size") or LIST_PAGE_SIZE
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(data.get("page") or 1)
    except EmptyPage:
        raise exceptions.NotFound(
            f"There is no page {data.get('page')}: there are {paginator.num_pages}."
        ) from None
    envelope = {
        "count": paginator.count,
        "page": page.number,
        "page_size": size,
        "pages": paginator.num_pages,
        "next": page_link(request, page.next_page_number() if page.has_next() else None),
        "previous": page_link(
            request, page.previous_page_number() if page.has_previous() else None
        ),
    }
    return envelope, list(page.object_list)


# The schema's parameters, read from the FilterSets and forms that validate them: one place says
# what a parameter takes.


def _parameter(name: str, declared: django_filters.Filter, description: str) -> OpenApiParameter:
    """A filter as the schema describes it: a list where it takes several values, the values it
    takes where they are fixed (kinds; not those read from the archive, such as countries)."""
    field_class = declared.field_class
    many = issubclass(field_class, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
    kind = (
        OpenApiTypes.DATE if isinstance(declared, django_filters.DateFilter) else OpenApiTypes.STR
    )
    choices = declared.extra.get("choices")
    enum = [str(value) for value, _ in choices] if isinstance(choices, list | tuple) else None
    return OpenApiParameter(
        name,
        kind,
        OpenApiParameter.QUERY,
        required=False,
        many=many,
        enum=enum or None,
        description=description,
    )


def filter_parameters(
    filterset_class: type[django_filters.FilterSet], descriptions: dict[str, str]
) -> list[OpenApiParameter]:
    """The schema's parameters for a FilterSet's filters, read from their declarations."""
    return [
        _parameter(name, declared, descriptions[name])
        for name, declared in filterset_class.base_filters.items()
        if name in descriptions
    ]


SEARCH_DESCRIPTIONS = {
    "q": 'Words in web-search syntax: words, "exact phrases", or, -excluded, speaker:NAME.',
    "speaker": "An official's slug (several: any of them).",
    "country": "A speaker's country (several: any of them).",
    "topic": "A topic's slug (several: any of them).",
    "place": "A place's slug: a country, region or organisation (several: any of them).",
    "year": "A year (several: any of them).",
    "month": "A month as YYYY-MM (several: any of them).",
    "meeting": "A meeting's slug (several: any of them).",
    "kind": "A kind of utterance (several: any of them).",
    "speaker_kind": "Who is speaking (several: any of them).",
    "outlet": "A reporter's outlet, as named (several: any of them).",
    "interpreted": "yes: through an interpreter; no: not.",
    "date_from": "From this day on (YYYY-MM-DD).",
    "date_to": "Up to this day (YYYY-MM-DD).",
    "sort": "relevance (with words), newest or oldest; newest first by default without words.",
}
SEARCH_OWN_PARAMETERS = [
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        description=f"Results a page, 1 to {MAX_PAGE_SIZE} (20).",
    ),
    OpenApiParameter(
        "facet_limit",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        description=f"Values a long facet lists (officials, countries, outlets, meetings), 1 to "
        f"{MAX_FACET_LIMIT:,} (12): as many as a facet has opens it whole.",
    ),
    OpenApiParameter(
        "page",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        description=f"The page, from 1 (at most {MAX_PAGE:,}).",
    ),
    OpenApiParameter(
        "facets",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        many=True,
        enum=list(search_.FACETS),
        description="Count only these facets (all by default).",
    ),
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        enum=list(SEARCH_FORMATS),
        description="json (a page, the default); csv or jsonl: every match, streamed, "
        "without page, page_size, facet_limit or facets.",
    ),
]
SEARCH_PARAMETERS = {*SEARCH_DESCRIPTIONS, "page", "page_size", "facet_limit", "facets", "format"}

ERRORS = {400: serializers.ErrorSerializer, 404: serializers.ErrorSerializer}


class Root(APIView):
    """Links to everything the API, its documentation and the feeds offer."""

    @extend_schema(
        operation_id="root",
        summary="Links to everything",
        responses={200: serializers.RootSerializer, 400: serializers.ErrorSerializer},
    )
    def get(self, request):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)

        def link(name: str, **kwargs) -> str:
            return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))

        return Response(
            {
                "description": "The Diplomatic Statements Archive's read API: JSON, open to any "
                "origin, no key. Every list and search takes page and page_size (up to "
                f"{MAX_PAGE_SIZE}); a search takes format=csv or format=jsonl for every match.",
                "links": {
                    "meetings": link("api:meetings"),
                    "speakers": link("api:speakers"),
                    "topics": link("api:topics"),
                    "places": link("api:places"),
                    "search": link("api:search"),
                    "utterance": link("api:utterance", pk=1).replace("/1", "/{id}"),
                    "openapi": link("api:schema"),
                    "docs": link("api:docs"),
                    "search_feed": link("feeds:search"),
                    "trends": link("statements:trends"),
                },
            }
        )


MEETING_DESCRIPTIONS = {
    "kind": "A kind of meeting.",
    "year": "A year.",
    "place": "Where it took place, as the meetings list names it.",
    "speaker": "A participant's slug.",
    "source": "The host its transcript was published at, e.g. state.gov.",
}
PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description=f"From 1 (at most {MAX_PAGE:,})."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description=f"1 to {MAX_PAGE_SIZE} ({LIST_PAGE_SIZE})."
    ),
]


def _validated_list(request, filterset_class, queryset) -> tuple[object, dict]:
    """A list's FilterSet and page, validated together: unknown parameters, bad values and a bad
    page are all refused, each with its reason."""
    known = {*filterset_class.base_filters, "page", "page_size"}
    problems = unknown_parameters(request, known)
    filterset = filterset_class(request.GET, queryset=queryset)
    if not filterset.is_valid():
        problems.update({k: list(v) for k, v in filterset.form.errors.items()})
    paging = ListForm(request.GET)
    if not paging.is_valid():
        problems.update({k: list(v) for k, v in paging.errors.items()})
    if problems:
        raise Refused(problems)
    return filterset.qs, paging.cleaned_data


class MeetingList(APIView):
    """Every meeting, newest first, filtered as the meetings list is."""

    @extend_schema(
        operation_id="meetings_list",
        summary="Meetings",
        parameters=[*filter_parameters(MeetingFilter, MEETING_DESCRIPTIONS), *PAGE_PARAMETERS],
        responses={200: serializers.MeetingListSerializer, **ERRORS},
    )
    def get(self, request):
        queryset = Meeting.objects.listed().select_related("publisher").order_by("-date", "title")
        meetings, paging = _validated_list(request, MeetingFilter, queryset)
        envelope, page = paginate(request, meetings, paging)
        envelope["results"] = serializers.MeetingSerializer(
            page, many=True, context=context_for(request)
        ).data
        return Response(envelope)


def prepared(utterances: list[Utterance]) -> list[Utterance]:
    """Utterances ready for their serializer: each with its topics and its places (read in a
    query each) and its speaker with the role held that day (each row's speaker is an object of
    its own)."""
    ids = [u.pk for u in utterances]
    topics = Tagging.objects.topics_by_utterance(ids)
    places = PlaceTagging.objects.places_by_utterance(ids)
    for utterance in utterances:
        utterance.topic_list = topics.get(utterance.pk, [])
        utterance.place_list = places.get(utterance.pk, [])
        if utterance.speaker is not None:
            utterance.speaker.role_that_day = utterance.role
    return utterances


HELD_ROLE = Func(F("speaker_id"), F("date"), function="speaker_role_on", output_field=CharField())


class MeetingDetail(APIView):
    """A meeting with all its utterances, whole, in transcript order."""

    @extend_schema(
        operation_id="meeting",
        summary="A meeting and its utterances",
        responses={200: serializers.MeetingDetailSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)
        meeting = get_object_or_404(
            Meeting.objects.listed().select_related("publisher").defer(None), slug=slug
        )
        utterances = list(
            meeting.utterances.order_by("sequence")
            .select_related("speaker")
            .annotate(held_role=HELD_ROLE)
            .defer("search_vector")
        )
        for utterance in utterances:
            utterance.meeting = meeting
        meeting.utterance_list = prepared(utterances)
        return Response(
            serializers.MeetingDetailSerializer(meeting, context=context_for(request)).data
        )


SPEAKER_DESCRIPTIONS = {
    "kind": "A kind of speaker.",
    "country": "A country, as speakers' are written (United States).",
    "name": "Part of the name, accents and case aside.",
}


def _turns_subquery():
    return Subquery(
        Utterance.objects.filter(speaker=OuterRef("pk"))
        .order_by()
        .values("speaker")
        .annotate(n=Count("*"))
        .values("n")
    )


class SpeakerList(APIView):
    """Every speaker, by name, with their number of utterances."""

    @extend_schema(
        operation_id="speakers_list",
        summary="Speakers",
        parameters=[*filter_parameters(SpeakerFilter, SPEAKER_DESCRIPTIONS), *PAGE_PARAMETERS],
        responses={200: serializers.SpeakerListSerializer, **ERRORS},
    )
    def get(self, request):
        speakers, paging = _validated_list(
            request, SpeakerFilter, Speaker.objects.order_by("name", "slug")
        )
        envelope, page = paginate(request, speakers, paging)
        turns = dict(
            Utterance.objects.filter(speaker__in=page)
            .order_by()
            .values_list("speaker")
            .annotate(n=Count("*"))
            .values_list("speaker", "n")
        )
        for speaker in page:
            speaker.turns = turns.get(speaker.pk, 0)
        envelope["results"] = serializers.SpeakerSerializer(
            page, many=True, context=context_for(request)
        ).data
        return Response(envelope)


class SpeakerDetail(APIView):
    """A speaker: kind, country, dated roles, the labels transcripts give them, and totals."""

    @extend_schema(
        operation_id="speaker",
        summary="A speaker",
        responses={200: serializers.SpeakerDetailSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)
        speaker = get_object_or_404(Speaker.objects.prefetch_related("roles", "aliases"), slug=slug)
        totals = (
            speaker.utterances.order_by()
            .values("meeting")
            .annotate(turns=Count("*"), words=Sum("word_count"))
            .aggregate(meeting_count=Count("*"), turn_count=Sum("turns"), word_count=Sum("words"))
        )
        speaker.meetings = totals["meeting_count"] or 0
        speaker.turns = totals["turn_count"] or 0
        speaker.words = totals["word_count"] or 0
        speaker.role_list = list(speaker.roles.all())
        speaker.alias_list = sorted(speaker.aliases.all(), key=lambda a: (a.label, a.pk))
        return Response(
            serializers.SpeakerDetailSerializer(speaker, context=context_for(request)).data
        )


class TopicList(APIView):
    """Every topic, with its description, the terms that tag it and its number of utterances."""

    @extend_schema(
        operation_id="topics_list",
        summary="Topics",
        responses={200: serializers.TopicListSerializer, 400: serializers.ErrorSerializer},
    )
    def get(self, request):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)
        topics = Topic.objects.with_turns()
        data = serializers.TopicSerializer(topics, many=True, context=context_for(request)).data
        return Response({"count": len(topics), "results": data})


class TopicDetail(APIView):
    """A topic (the same as in the list)."""

    @extend_schema(
        operation_id="topic",
        summary="A topic",
        responses={200: serializers.TopicSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)
        topic = get_object_or_404(Topic, slug=slug)
        topic.turns = topic.taggings.count()
        return Response(serializers.TopicSerializer(topic, context=context_for(request)).data)


class PlaceList(APIView):
    """Every place of the gazetteer (countries, regions, organisations) with its number of
    utterances, the most first."""

    @extend_schema(
        operation_id="places_list",
        summary="Places",
        responses={200: serializers.PlaceListSerializer, 400: serializers.ErrorSerializer},
    )
    def get(self, request):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)
        places = list(Place.objects.with_turns())
        data = serializers.PlaceSerializer(places, many=True, context=context_for(request)).data
        return Response({"count": len(places), "results": data})


class PlaceDetail(APIView):
    """A place (the same as in the list)."""

    @extend_schema(
        operation_id="place",
        summary="A place",
        responses={200: serializers.PlaceSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)
        place = get_object_or_404(Place, slug=slug)
        place.turns = place.taggings.count()
        return Response(serializers.PlaceSerializer(place, context=context_for(request)).data)


class UtteranceDetail(APIView):
    """One utterance, whole, with its neighbours in the meeting and a citation."""

    @extend_schema(
        operation_id="utterance",
        summary="An utterance",
        responses={200: serializers.UtteranceDetailSerializer, **ERRORS},
    )
    def get(self, request, pk: int):
        unknown = unknown_parameters(request, set())
        if unknown:
            return refuse(unknown)
        utterance = get_object_or_404(
            Utterance.objects.select_related("meeting", "speaker")
            .annotate(held_role=HELD_ROLE)
            .defer("search_vector", *(f"meeting__{f}" for f in ("raw_text", "header", "trailer"))),
            pk=pk,
        )
        neighbours = dict(
            Utterance.objects.filter(
                meeting_id=utterance.meeting_id,
                sequence__in=[utterance.sequence - 1, utterance.sequence + 1],
            ).values_list("sequence", "pk")
        )
        utterance.previous_id = neighbours.get(utterance.sequence - 1)
        utterance.next_id = neighbours.get(utterance.sequence + 1)
        prepared([utterance])
        permalink = request.build_absolute_uri(utterance.get_absolute_url())
        utterance.citation = plain_citation(utterance, permalink, timezone.localdate())
        return Response(
            serializers.UtteranceDetailSerializer(utterance, context=context_for(request)).data
        )


def search_parameters() -> list[OpenApiParameter]:
    return [*filter_parameters(UtteranceFilter, SEARCH_DESCRIPTIONS), *SEARCH_OWN_PARAMETERS]


class Search(APIView):
    """The search page's results, with every turn's full text and topics, its exact facet
    counts and its suggestions; with `format=csv` or `format=jsonl`, every match."""

    @extend_schema(
        operation_id="search",
        summary="Search utterances",
        parameters=search_parameters(),
        responses={
            (200, "application/json"): serializers.SearchSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            400: serializers.ErrorSerializer,
        },
    )
    def get(self, request):
        problems = unknown_parameters(request, SEARCH_PARAMETERS)
        output = request.GET.get("format", "json")
        if output not in SEARCH_FORMATS:
            problems["format"] = ["The format must be json, csv or jsonl."]
        facets = request.GET.getlist("facets")
        wrong = [name for name in facets if name not in search_.FACETS]
        if wrong:
            problems["facets"] = [
                f"“{wrong[0]}” is not a facet: they are {', '.join(search_.FACETS)}."
            ]
        if output != "json":
            for name in ("page", "page_size", "facet_limit", "facets"):
                if name in request.GET:
                    problems[name] = [
                        f"An export is every match: {name} does not apply to format={output}."
                    ]
        page = request.GET.get("page", "1")
        if not (page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE):
            problems["page"] = [f"The page must be a whole number from 1 to {MAX_PAGE:,}."]
        filterset = UtteranceFilter(without(request.GET, "format", "facets"))
        if not filterset.is_valid():
            problems.update({k: list(v) for k, v in filterset.form.errors.items()})
        if problems:
            return refuse(problems, "Invalid search parameters.")
        params = filterset.params(int(page))
        if output != "json":
            return exports.response(request, params, output)
        try:
            results = search_.run(params, facets=facets or None)
        except search_.PageOutOfRange as error:
            return refuse({"page": [str(error)]}, "Invalid search parameters.")
        return Response(self.answer(request, results))

    def answer(self, request, results: search_.Results) -> dict:
        utterances = prepared([hit.utterance for hit in results.hits])
        for hit in results.hits:
            hit.utterance.snippet_html = render_snippet(hit.snippet)
        context = serializers.context_for(request)
        pages = results.pages if results.total else 1
        query = without(request.GET, "page", "page_size", "facet_limit", "facets", "format")
        return {
            "total": results.total,
            "page": results.page,
            "page_size": results.page_size,
            "pages": results.pages,
            "next": page_link(request, results.page + 1 if results.page < pages else None),
            "previous": page_link(request, results.page - 1 if results.page > 1 else None),
            "sort": results.sort,
            "notice": results.notice,
            "suggestions": {
                kind: suggestion
                and {
                    "text": suggestion.text,
                    "url": request.build_absolute_uri(
                        f"{reverse('api:search')}?" + urlencode(suggestion.params, doseq=True)
                    ),
                }
                for kind, suggestion in (
                    ("speaker", results.speaker_suggestion),
                    ("spelling", results.spelling_suggestion),
                )
            },
            "results": serializers.HitSerializer(utterances, many=True, context=context).data,
            "facets": {
                name: serializers.FacetValueSerializer(facet.values, many=True).data
                for name, facet in results.facets.items()
            },
            "facets_more": {
                name: {"values": facet.more, "results": facet.more_matches}
                for name, facet in results.facets.items()
            },
            "export": {
                output: request.build_absolute_uri(
                    f"{reverse('api:search')}?{_with(query, 'format', output)}"
                )
                for output in ("csv", "jsonl")
            },
        }


def without(query: QueryDict, *names: str) -> QueryDict:
    kept = query.copy()
    for name in names:
        kept.pop(name, None)
    return kept


def _with(query: QueryDict, name: str, value: str) -> str:
    changed = query.copy()
    changed[name] = value
    return changed.urlencode()
