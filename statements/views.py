import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import replace
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
)
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from statements import search as search_
from statements import trends as trends_
from statements.citations import bibtex, csl_json, plain_citation, ris
from statements.filters import (
    MAX_FACET_LIMIT,
    SORTS,
    MeetingFilter,
    MonthField,
    UtteranceFilter,
    archive_version,
    meeting_choices,
)
from statements.models import Meeting, Place, PlaceTagging, Speaker, Tagging, Topic, Utterance
from statements.places import gazetteer
from statements.search_index import fold

MAX_PAGE = 10_000


def _run_search(request, landing: bool = False):
    """Validate the parameters and search: the filterset, the results and an error (a message
    or the form's errors). With `landing`, a request that asks nothing is not searched (the
    page shows the archive at a glance instead) and its results are None."""
    filterset = UtteranceFilter(request.GET, queryset=Utterance.objects.none())
    page = request.GET.get("page", "1")
    if not _whole_number(page) or not 1 <= int(page) <= MAX_PAGE:
        return filterset, None, "The page must be a whole number from 1."
    if not filterset.is_valid():
        return filterset, None, filterset.form.errors
    if landing and not _asked(request, filterset):
        return filterset, None, None
    try:
        return filterset, search_.run(filterset.params(int(page))), None
    except search_.PageOutOfRange as error:
        return filterset, None, str(error)


def home(request):
    """The search page, and with nothing asked yet, the archive at a glance."""
    filterset, results, error = _run_search(request, landing=True)
    if error is not None:
        return _search_refused(request, filterset, error)
    asked = results is not None  # a landing request that asks nothing is not searched
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "results": results,
        "asked": asked,
        "sorts": search_.SORTS,
        "kept_for_query": _kept(request, {"q", "page"}),
        "title": "Search",
    }
    if results is not None:
        shown = [hit.utterance.pk for hit in results.hits]
        topics = Tagging.objects.topics_by_utterance(shown)
        places = PlaceTagging.objects.places_by_utterance(shown)
        for hit in results.hits:
            hit.utterance.topic_list = topics.get(hit.utterance.pk, [])
            hit.utterance.place_list = places.get(hit.utterance.pk, [])
        context["facets"] = [results.facets[name] for name in LISTED_FACETS]
        context["active_filters"] = _chips(filterset, results)
        context["kept_for_filters"] = _kept_for_filters(request, results)
        context["years"] = _year_chart(results.facets["year"])
        context["title"] = _search_title(filterset.form.cleaned_data, results)
        # The search, for each result's links to its quote and its transcript to come back to.
        context["back"] = quote(request.GET.urlencode())
    if not asked:
        context.update(
            meetings=Meeting.objects.listed().order_by("-date", "title")[:10],
            **_archive_counts(),
        )
    return render(request, "statements/search.html", context)


def _search_refused(request, filterset, error):
    """The search page for parameters that cannot be searched: the form as the reader sent it,
    each problem beside its field in plain words, and what was valid kept (status 400)."""
    filterset.is_valid()  # a bad page is found before the parameters are read
    form = filterset.form
    errors = form.errors if not isinstance(error, str) else {}
    data = form.cleaned_data
    fields = {}
    for name in ("q", "date_from", "date_to", "sort"):
        value = request.GET.get(name, "")
        fields[name] = {
            "label": form[name].label,
            "value": value,
            "valid": data.get(name) or "",
            "errors": errors.get(name, []),
        }
    # The API's own parameters have no field on the page: their errors are its message.
    sizes = [text for name in ("page_size", "facet_limit") for text in errors.get(name, [])]
    return render(
        request,
        "statements/search_refused.html",
        {
            "message": error if isinstance(error, str) else " ".join(sizes),
            "fields": fields,
            "filters": _filters_refused(request, form),
            "sorts": SORTS,
            "title": "Search not run",
        },
        status=400,
    )


# The search's parameters shown as a list of filters on the page that refuses one.
LISTED_PARAMETERS = (
    "speaker",
    "country",
    "topic",
    "place",
    "speaker_kind",
    "outlet",
    "year",
    "month",
    "meeting",
    "kind",
    "interpreted",
)


def _filters_refused(request, form) -> list[dict]:
    """Each filter value of the request, named, with the reason it is refused if it is: a value
    refused alone, so one unknown official leaves the others chosen."""
    rows = []
    for name in LISTED_PARAMETERS:
        field = form.fields[name]
        for value in request.GET.getlist(name):
            if not value:
                continue
            try:
                cleaned = field.clean([value])
            except ValidationError as error:
                label, problem = value, " ".join(error.messages)
            else:
                label, problem = _value_label(field, cleaned, value), ""
            rows.append(
                {
                    "name": name,
                    "value": value,
                    "facet": form[name].label,
                    "label": label,
                    "error": problem,
                    "id": f"filter-{name}-{len(rows)}",
                }
            )
    return rows


def _value_label(field, cleaned, value: str) -> str:
    """How a valid value of a filter reads: the official's name, the topic's, Oct 2023."""
    if hasattr(cleaned, "model"):  # a queryset of the speaker, topic or meeting chosen
        return str(cleaned.first())
    if isinstance(field, MonthField):
        return dt.date.fromisoformat(f"{value}-01").strftime("%b %Y")
    return dict(field.choices).get(value, value)


KIND_PLURALS = {
    "statement": "statements",
    "question": "questions",
    "answer": "answers",
    "moderation": "moderators' turns",
}


def _search_title(data: dict, results: search_.Results) -> str:
    """The page's title in words: the words searched for, then what the filters ask for
    ("Questions by Antony J. Blinken in 2023"), or "All utterances"."""
    facets = results.facets

    def chosen(name: str) -> list[str]:
        return [value.label for value in facets[name].selected] if name in facets else []

    kinds = data.get("kind") or []
    noun = _either([KIND_PLURALS[kind] for kind in sorted(kinds)]) if kinds else "utterances"
    details = [
        ("by", chosen("speaker")),
        ("from", chosen("country")),
        ("on", chosen("topic")),
        ("about", chosen("place")),
        ("in", chosen("meeting")),
        ("in", chosen("month") or chosen("year")),
    ]
    parts = [f"{word} {_either(values)}" for word, values in details if values]
    interpreted = set(data.get("interpreted") or [])
    if len(interpreted) == 1:
        parts.append("through an interpreter" if "yes" in interpreted else "not interpreted")
    if data.get("date_from"):
        parts.append(f"from {data['date_from']:%b %-d, %Y}")
    if data.get("date_to"):
        parts.append(f"to {data['date_to']:%b %-d, %Y}")
    if not parts:
        words = data.get("q")
        return f"{words} · Search" if words else f"All {noun}"
    described = " ".join([noun[:1].upper() + noun[1:], *parts])
    return f"{data['q']} · {described}" if data.get("q") else described


def _either(values: list[str]) -> str:
    """Values as a list in words: "A", "A or B", "A, B or C"."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _year_chart(facet: search_.Facet) -> dict:
    """A year facet as a chart: every year from its first to its last, those without a match
    counted 0 rather than left out (2023 would sit next to 2025), and the chart in words."""
    counted = {int(value.value): value for value in facet.values}
    if not counted:
        return {"bars": [], "summary": ""}
    first, last = min(counted), max(counted)
    bars = [
        counted.get(year) or search_.FacetValue(value=str(year), label=str(year), count=0)
        for year in range(first, last + 1)
    ]
    busiest = max(bars, key=lambda bar: bar.count)
    empty = [bar.label for bar in bars if not bar.count]
    summary = (
        f"Utterances per year from {first} to {last}: most in {busiest.label} ({busiest.count:,})"
        if first != last
        else f"Utterances in {first}: {busiest.count:,}"
    )
    if empty:
        summary += f"; none in {_both(empty)}"
    return {"bars": bars, "summary": f"{summary}."}


def _both(values: list[str]) -> str:
    """Values as a list in words: "A", "A and B", "A, B and C"."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} and {values[-1]}"


def _asked(request, filterset) -> bool:
    """Whether the request asks for anything: words or a filter, not just an order."""
    return any(request.GET.get(name) for name in filterset.filters if name != "sort")


def _archive_counts() -> dict[str, int]:
    """How many meetings, utterances and speakers the archive holds. Counting a million
    utterances takes 50 ms, so the counts are kept in the cache while the meetings and the
    speakers are unchanged (an ingest, a replacement, a deletion, a merge or a split changes
    them), and ten minutes at most."""
    version = archive_version()

    def count() -> dict[str, int]:
        speaking = Utterance.objects.filter(speaker=OuterRef("pk"))
        return {
            "meeting_count": Meeting.objects.count(),
            "utterance_count": Utterance.objects.count(),
            "speaker_count": Speaker.objects.filter(Exists(speaking)).count(),
        }

    return cache.get_or_set(f"archive-counts:{version}", count, timeout=600)


LISTED_FACETS = [
    "speaker",
    "country",
    "topic",
    "place",
    "speaker_kind",
    "outlet",
    "meeting",
    "kind",
    "interpreted",
]


# Facets whose values are checkboxes of the filters' form; years are the chart's links.
CHECKBOX_FACETS = (*LISTED_FACETS, "month")


def _kept_for_filters(request, results) -> list[tuple[str, str]]:
    """The parameters the filters' form keeps as hidden fields: all but its own checkboxes and
    dates (and the page, which a new filter starts again from 1)."""
    shown = {
        (name, value.value)
        for name in CHECKBOX_FACETS
        if name in results.facets
        for value in results.facets[name].values
    }
    return [
        (name, value)
        for name, value in _kept(request, {"page", "date_from", "date_to"})
        if (name, value) not in shown
    ]


def _kept(request, dropped: set[str]) -> list[tuple[str, str]]:
    """The current parameters as hidden fields, for a form that changes only some of them."""
    return [(k, v) for k, values in request.GET.lists() if k not in dropped for v in values if v]


def _chips(filterset, results) -> list[dict]:
    """Every active filter, with a link that removes just it."""
    chips = [
        {"facet": facet.label, "label": value.label, "name": facet.name, "value": value.value}
        for facet in results.facets.values()
        for value in facet.selected
    ]
    for name in ("date_from", "date_to"):
        if filterset.form.cleaned_data.get(name):
            label = filterset.form.cleaned_data[name].strftime("%b %-d, %Y")
            chips.append({"facet": filterset.filters[name].label, "label": label, "name": name})
    return chips


def bad_request(request, message: str, heading: str = "That page does not exist", back: str = ""):
    """A 400 for a page asked for with a value it cannot take, with the reason in plain words
    (the search's has a page of its own, with its form: `_search_refused()`)."""
    context = {"message": message, "heading": heading, "back": back, "back_label": "Go back to it"}
    return render(request, "statements/bad_request.html", context, status=400)


def meeting(request, slug):
    """A meeting's transcript, TURNS_PER_PAGE turns a page (`transcript_url()` finds a turn's)."""
    meeting = get_object_or_404(Meeting.objects.select_related("publisher"), slug=slug)
    page = request.GET.get("page", "1")
    if not _whole_number(page) or int(page) < 1:
        return bad_request(
            request, "The page must be a whole number from 1.", back=meeting.get_absolute_url()
        )
    per_page = settings.TURNS_PER_PAGE
    turn_count = meeting.utterances.count()
    pages = max(1, -(-turn_count // per_page))
    number = int(page)
    if number > pages:
        return bad_request(
            request,
            f"There is no page {number}: this transcript has {pages}.",
            back=meeting.get_absolute_url(),
        )
    first = (number - 1) * per_page + 1
    utterances = (
        meeting.utterances.order_by("sequence")
        .select_related("speaker")
        .prefetch_related(
            Prefetch("taggings", queryset=Tagging.objects.select_related("topic")),
            Prefetch(
                "place_taggings",
                queryset=PlaceTagging.objects.select_related("place").order_by("place__name"),
            ),
        )
    )[first - 1 : first - 1 + per_page]
    participants = Speaker.objects.counted(meeting=meeting).annotate(
        held_role=Func(
            F("id"), Value(meeting.date), function="speaker_role_on", output_field=CharField()
        )
    )
    topics = Topic.objects.counted(meeting=meeting)
    places = Place.objects.counted(meeting=meeting)[:PLACES_SHOWN]
    search = request.GET.get("search", "")
    return render(
        request,
        "statements/meeting.html",
        {
            "meeting": meeting,
            "utterances": utterances,
            "turn_pages": {
                "number": number,
                "pages": pages,
                "per_page": per_page,
                "first": first,
                "last": min(first + per_page - 1, turn_count),
                "count": turn_count,
                "previous": (_transcript_page(search, number - 1) or "?") if number > 1 else "",
                "next": _transcript_page(search, number + 1) if number < pages else "",
            },
            "participants": participants,
            "topics": topics,
            "places": places,
            "back": _back_to_search(request),
        },
    )


# A meeting's page lists the places its turns speak of most.
PLACES_SHOWN = 15


def transcript_url(utterance: Utterance, search: str = "") -> str:
    """The meeting's page that shows this turn, at the turn."""
    before = Utterance.objects.filter(
        meeting_id=utterance.meeting_id, sequence__lt=utterance.sequence
    ).count()
    page = before // settings.TURNS_PER_PAGE + 1
    return (
        f"{utterance.meeting.get_absolute_url()}{_transcript_page(search, page)}"
        f"#u{utterance.sequence}"
    )


def _transcript_page(search: str, page: int) -> str:
    """The query string of a transcript's page, keeping the search to go back to."""
    params = {"search": search} if search else {}
    if page > 1:
        params["page"] = page
    return f"?{urlencode(params)}" if params else ""


def _whole_number(value: str) -> bool:
    """Digits 0-9 only: "²" is a digit to str.isdigit(), and not to int()."""
    return value.isascii() and value.isdigit()


def meeting_original(request, slug):
    meeting = get_object_or_404(Meeting, slug=slug)
    response = HttpResponse(meeting.raw_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meeting.slug}.txt"'
    return response


def utterance(request, slug, sequence):
    utterance = get_object_or_404(
        Utterance.objects.select_related("meeting__publisher", "speaker").prefetch_related(
            "speaker__roles",
            Prefetch("taggings", queryset=Tagging.objects.select_related("topic")),
            Prefetch(
                "place_taggings",
                queryset=PlaceTagging.objects.select_related("place").order_by("place__name"),
            ),
        ),
        meeting__slug=slug,
        sequence=sequence,
    )
    around = (
        Utterance.objects.filter(
            meeting=utterance.meeting, sequence__range=(sequence - 1, sequence + 1)
        )
        .exclude(pk=utterance.pk)
        .select_related("speaker")
    )
    permalink = request.build_absolute_uri(utterance.get_absolute_url())
    today = timezone.localdate()
    return render(
        request,
        "statements/utterance.html",
        {
            "utterance": utterance,
            "meeting": utterance.meeting,
            "before": [_excerpt(u, tail=True) for u in around if u.sequence < sequence],
            "after": [_excerpt(u, tail=False) for u in around if u.sequence > sequence],
            "permalink": permalink,
            "citation": plain_citation(utterance, permalink, today),
            "quoted": plain_citation(utterance, permalink, today, quote=True),
            "bibtex": bibtex(utterance, permalink, today),
            "csl_json": csl_json(utterance, permalink, today),
            "ris": ris(utterance, permalink, today),
            "back": _back_to_search(request),
            "transcript_url": transcript_url(utterance, request.GET.get("search", "")),
        },
    )


CONTEXT_PARAGRAPHS = 2


def _excerpt(utterance: Utterance, tail: bool) -> Utterance:
    """A neighbouring turn cut to the paragraphs nearest the quote."""
    paragraphs = utterance.paragraphs
    utterance.excerpt = (
        paragraphs[-CONTEXT_PARAGRAPHS:] if tail else paragraphs[:CONTEXT_PARAGRAPHS]
    )
    utterance.trimmed = len(paragraphs) > CONTEXT_PARAGRAPHS
    return utterance


def _back_to_search(request) -> str:
    """The search a reader came from, carried in `?search=` so permalinks stay clean."""
    search = request.GET.get("search", "")
    return f"{reverse('statements:home')}?{search}" if search else ""


def speaker(request, slug):
    speaker = get_object_or_404(
        Speaker.objects.prefetch_related("aliases", "roles").select_related("unidentified_in"),
        slug=slug,
    )
    # Turns and words in each meeting, added up in the database: a busy official's 76,000
    # turns in 10 ms at a million, through the (speaker, meeting) index.
    by_meeting = (
        speaker.utterances.order_by()
        .values("meeting")
        .annotate(turns=Count("*"), words=Sum("word_count"))
    )
    totals = by_meeting.aggregate(
        meeting_count=Count("*"), turn_count=Sum("turns"), word_count=Sum("words")
    )
    # The latest meetings, by their dates' index, each looked up in the speaker's (not by the
    # ids of thousands of meetings in the query), with the speaker's turns in each.
    turns = by_meeting.filter(meeting=OuterRef("pk")).values("turns")
    appearances = list(
        Meeting.objects.without_text()
        .filter(pk__in=speaker.utterances.values("meeting"))
        .annotate(turns=Subquery(turns))
        .order_by("-date", "title")[:APPEARANCES_SHOWN]
    )
    return render(
        request,
        "statements/speaker.html",
        {
            "speaker": speaker,
            "appearances": appearances,
            "meeting_count": totals["meeting_count"],
            "turns": totals["turn_count"] or 0,
            "words": totals["word_count"] or 0,
            "topics": _search_for({"speaker": [speaker.slug]}, ["topic"]).facets["topic"].values,
            "labels": sorted({alias.label for alias in speaker.aliases.all()}),
        },
    )


# A speaker page lists this many of the latest meetings; the search has them all.
APPEARANCES_SHOWN = 100


def _search_for(params: dict[str, list[str]], facets: list[str]) -> search_.Results:
    """The search for these filters, for its total and these facets, counted exactly."""
    data = QueryDict(mutable=True)
    for name, values in params.items():
        data.setlist(name, values)
    filterset = UtteranceFilter(data, queryset=Utterance.objects.none())
    filterset.is_valid()
    return search_.run(filterset.params(), facets=facets)


def topic(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    return render(
        request, "statements/topic.html", {"topic": topic, **_filed_under("topic", topic.slug)}
    )


def _filed_under(name: str, slug: str) -> dict:
    """What a topic's or a place's page shows of the utterances filed under it, all from one
    search's exact facets: how many, by year, who says them most, the meetings where they come up
    most (with their share of each meeting's turns), and the other of the two facets' top values
    (a topic's places, a place's topics)."""
    other = "place" if name == "topic" else "topic"
    results = _search_for({name: [slug]}, ["year", "speaker", "meeting", other])
    facets = results.facets
    speakers = Speaker.objects.in_bulk(
        [v.value for v in facets["speaker"].values], field_name="slug"
    )
    for value in facets["speaker"].values:
        speakers[value.value].turns = value.count
    counts = {v.value: v.count for v in facets["meeting"].values[:10]}
    listed = Meeting.objects.listed().in_bulk(list(counts), field_name="slug")
    meetings = sorted(
        listed.values(), key=lambda m: (-counts[m.slug], -m.date.toordinal(), m.title)
    )
    for meeting in meetings:
        meeting.matching = counts[meeting.slug]
        meeting.share = round(100 * meeting.matching / meeting.turns) if meeting.turns else 0
    return {
        "filter": name,
        "slug": slug,
        "total": results.total,
        "years": _year_chart(facets["year"]),
        "speakers": [speakers[v.value] for v in facets["speaker"].values][:10],
        "meetings": meetings,
        "other": other,
        "others": facets[other].values[:10],
    }


def meetings(request):
    """Every meeting, newest first, a page at a time; filtered by kind, year, place,
    participant and source, each in the URL and validated as the search's filters are."""
    filterset = MeetingFilter(
        request.GET, queryset=Meeting.objects.listed().order_by("-date", "title")
    )
    valid = filterset.is_valid()
    form = filterset.form
    context = {
        "fields": [
            {
                "name": name,
                "label": form[name].label,
                "chosen": request.GET.get(name, ""),
                "options": options,
                "errors": form.errors.get(name, []),
            }
            for name, options in _meeting_options(form).items()
        ],
        "title": _meetings_title(form.cleaned_data) if valid else "Meetings",
        "filtered": any(request.GET.get(name) for name in filterset.filters),
        "page": None,
    }
    if not valid:
        return render(request, "statements/meetings.html", context, status=400)
    page = Paginator(filterset.qs, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    by_year = defaultdict(list)
    for meeting in page.object_list:
        by_year[meeting.date.year].append(meeting)
    context.update(by_year=dict(by_year), page=page)
    return render(request, "statements/meetings.html", context)


def _meeting_options(form) -> dict[str, list[tuple[str, str]]]:
    """Each filter's options (`filters.meeting_choices()`), the participant chosen among them
    even when not among those offered."""
    offered = meeting_choices()
    participants = offered["speaker"]
    chosen = form.cleaned_data.get("speaker")  # there when valid, whatever the other fields
    if chosen and chosen.slug not in dict(participants):
        participants = sorted([*participants, (chosen.slug, chosen.name)], key=lambda p: p[1])
    return {
        "kind": Meeting.Kind.choices,
        "year": offered["year"],
        "place": offered["place"],
        "speaker": participants,
        "source": offered["source"],
    }


MEETING_KIND_PLURALS = {
    "press_conference": "Press conferences",
    "press_availability": "Press availabilities",
    "briefing": "Briefings",
    "interview": "Interviews",
    "dialogue_session": "Dialogue sessions",
    "statement": "Statements",
    "other": "Other meetings",
}


def _meetings_title(data: dict) -> str:
    """ "Press conferences with Antony J. Blinken in Mexico City, 2023"; or "Meetings"."""
    title = MEETING_KIND_PLURALS.get(data.get("kind") or "", "Meetings")
    if data.get("speaker"):
        title += f" with {data['speaker'].name}"
    if data.get("place"):
        title += f" in {data['place']}"
    if data.get("source"):
        title += f" from {data['source']}"
    if data.get("year"):
        title += f", {data['year']}" if len(title) > len("Meetings") else f" of {data['year']}"
    return title


MEETINGS_PER_PAGE = 100


def speakers(request):
    by_country = defaultdict(list)
    # Counted from the (speaker, meeting) index alone, then given to the speakers.
    counts = {
        speaker_id: (turns, meetings)
        for speaker_id, turns, meetings in Utterance.objects.order_by()
        .values_list("speaker")
        .annotate(turns=Count("*"), meetings=Count("meeting", distinct=True))
        .values_list("speaker", "turns", "meetings")
    }
    listed = Speaker.objects.filter(pk__in=counts)
    # Officials a transcript does not name are no one across meetings: counted, not listed.
    unidentified = listed.filter(unidentified_in__isnull=False)
    for speaker in listed.filter(unidentified_in__isnull=True).order_by("country", "name"):
        speaker.turns, speaker.meetings = counts[speaker.pk]
        by_country[speaker.country or speaker.organisation or "Not given"].append(speaker)
    return render(
        request,
        "statements/speakers.html",
        {
            "by_country": dict(by_country),
            "unidentified": unidentified.count(),
            "unidentified_turns": sum(
                counts[pk][0] for pk in unidentified.values_list("pk", flat=True)
            ),
        },
    )


def place(request, slug):
    """A place: how much the archive speaks of it, when, who and in which meetings, and the
    forms of its name that the gazetteer finds."""
    place = get_object_or_404(Place, slug=slug)
    context = {
        "place": place,
        "found_as": gazetteer().by_slug.get(place.slug),
        **_filed_under("place", place.slug),
    }
    return render(request, "statements/place.html", context)


def places(request):
    """Every place with how many utterances are about it, by kind; those never named last."""
    by_kind = {kind: [] for kind, _ in Place.Kind.choices}
    for listed in Place.objects.with_turns():
        by_kind.setdefault(listed.kind, []).append(listed)
    kinds = [
        {"name": label_plural, "kind": kind, "places": by_kind.get(kind, [])}
        for kind, label_plural in PLACE_KINDS
    ]
    return render(request, "statements/places.html", {"kinds": kinds})


PLACE_KINDS = (
    (Place.Kind.COUNTRY, "Countries"),
    (Place.Kind.ORGANISATION, "Organisations"),
    (Place.Kind.REGION, "Regions"),
)


def topics(request):
    return render(request, "statements/topics.html", {"topics": Topic.objects.with_turns()})


# The facets whose every value a page of their own lists ("and N more" leads there), a page of
# values at a time, with a box that narrows them by name.
FACET_VALUES_PER_PAGE = 200


def facet(request, name):
    """Every value of one facet of a search, each with its exact count over every match, to tick
    into the search: what "and N more" opens. Without JavaScript: a form of checkboxes, and a
    filter box for long facets (officials, meetings)."""
    if name not in LISTED_FACETS:
        raise Http404("There is no such facet.")
    filterset = UtteranceFilter(request.GET, queryset=Utterance.objects.none())
    page = request.GET.get("page", "1")
    if not _whole_number(page) or not 1 <= int(page) <= MAX_PAGE:
        return _search_refused(request, filterset, "The page must be a whole number from 1.")
    if not filterset.is_valid():
        return _search_refused(request, filterset, filterset.form.errors)
    params = replace(filterset.params(), facet_limit=MAX_FACET_LIMIT)
    results = search_.run(params, facets=[name])
    counted = results.facets[name]
    values = counted.values
    if name == "meeting":  # a meeting's date, kind and city, with its title to find it by
        titles = dict(
            Meeting.objects.filter(slug__in=[v.value for v in values]).values_list("slug", "title")
        )
        for value in values:
            value.label = f"{titles.get(value.value, '')} · {value.label}"
    wanted = request.GET.get("filter", "").strip()[:200]
    folded = fold(wanted)
    shown = [v for v in values if folded in fold(v.label)] if wanted else values
    pages = Paginator(shown, FACET_VALUES_PER_PAGE)
    number = int(page)
    if number > pages.num_pages:
        return bad_request(request, f"There is no page {number}: this list has {pages.num_pages}.")
    listed = pages.page(number)
    on_page = {v.value for v in listed.object_list}
    kept = _kept(request, {"page", "filter", name})
    return render(
        request,
        "statements/facet.html",
        {
            "facet": counted,
            "values": listed,
            "count": len(values),
            "matching": len(shown),
            "filter": wanted,
            "results": results,
            # The search's other parameters, and the values chosen that this page does not show.
            "kept": kept
            + [(name, v.value) for v in values if v.selected and v.value not in on_page],
            "kept_for_filter": _kept(request, {"page", "filter"}),
            "back": f"{reverse('statements:home')}?{urlencode(_kept(request, {'page', 'filter'}))}",
            "previous": _facet_page(request, number - 1) if listed.has_previous() else "",
            "next": _facet_page(request, number + 1) if listed.has_next() else "",
            "title": f"{counted.label}: every value",
        },
    )


def _facet_page(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return f"?{query.urlencode()}"


def trends(request):
    """Mentions of up to five terms a year, charted, tabled, and as CSV (statements/trends.py)."""
    text = request.GET.get("terms", "")
    terms = trends_.read_terms(text)
    by = request.GET.get("by", "")
    output = request.GET.get("format", "html")
    problems = []
    if len(terms) > trends_.MAX_TERMS:
        problems.append(f"Up to {trends_.MAX_TERMS} terms at once: these are {len(terms)}.")
    problems += [p for p in map(trends_.term_problem, terms[: trends_.MAX_TERMS]) if p]
    if by not in ("", *trends_.SPLITS):
        problems.append(f"“{by[:40]}” is not a split: split by country or by speaker.")
    if output not in ("html", "csv"):
        problems.append(f"“{output[:40]}” is not a format: the trend is a page or CSV.")
    if problems and output == "csv":
        return HttpResponse(
            " ".join(problems), status=400, content_type="text/plain; charset=utf-8"
        )
    trend = trends_.count(terms, by) if terms and not problems else None
    if trend is not None and output == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer, lineterminator="\r\n").writerows(trends_.csv_rows(trend))
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="archive-trends.csv"'
        return response
    charts = []
    if trend is not None:
        if by:
            charts = [
                (term, trends_.chart(f"“{term}” by {by}", trend.years, series), series)
                for term, series in trend.by_term()
            ]
        else:
            charts = [("", trends_.chart("Mentions", trend.years, trend.series), trend.series)]
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "statements/trends.html",
        {
            "terms": text,
            "by": by,
            "splits": trends_.SPLITS.items(),
            "problems": problems,
            "trend": trend,
            "charts": charts,
            "csv": f"?{query.urlencode()}",
            "max_terms": trends_.MAX_TERMS,
            "title": "Trends" + (f": {', '.join(terms)}" if terms else ""),
        },
        status=400 if problems else 200,
    )
