from collections import defaultdict
from urllib.parse import quote, urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import ExtractYear
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from statements import search as search_
from statements.citations import bibtex, plain_citation
from statements.filters import UtteranceFilter
from statements.models import Meeting, Speaker, Tagging, Topic, Utterance

MAX_PAGE = 10_000


def bad_request(request, message: str, errors=None):
    return render(
        request,
        "statements/bad_request.html",
        {"message": message, "errors": errors or {}},
        status=400,
    )


def _run_search(request, landing: bool = False):
    """Validate the parameters and search: the filterset, the results and an error (a message
    or the form's errors). With `landing`, a request that asks nothing is not searched (the
    page shows the archive at a glance instead) and its results are None."""
    filterset = UtteranceFilter(request.GET, queryset=Utterance.objects.none())
    page = request.GET.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
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
        if isinstance(error, str):
            return bad_request(request, error)
        return bad_request(request, "Some search parameters are not valid.", error)
    asked = results is not None  # a landing request that asks nothing is not searched
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "results": results,
        "asked": asked,
        "sorts": search_.SORTS,
        "kept_for_query": _kept(request, {"q", "page"}),
        "kept_for_dates": _kept(request, {"date_from", "date_to", "page"}),
    }
    if results is not None:
        context["facets"] = [results.facets[name] for name in LISTED_FACETS]
        context["active_filters"] = _chips(filterset, results)
        # The search, for each result's links to its quote and its transcript to come back to.
        context["back"] = quote(request.GET.urlencode())
    if not asked:
        context.update(
            meetings=Meeting.objects.listed().order_by("-date", "title")[:10],
            **_archive_counts(),
        )
    return render(request, "statements/search.html", context)


def _asked(request, filterset) -> bool:
    """Whether the request asks for anything: words or a filter, not just an order."""
    return any(request.GET.get(name) for name in filterset.filters if name != "sort")


def _archive_counts() -> dict[str, int]:
    """How many meetings, utterances and speakers the archive holds. Counting a million
    utterances takes 50 ms, so the counts are kept in the cache while the meetings and the
    speakers are unchanged (an ingest, a replacement, a deletion, a merge or a split changes
    them), and ten minutes at most."""
    meeting_count = Meeting.objects.count()
    # Apart from the count, from its own index: together, every row's would be read (16 ms).
    last = Meeting.objects.aggregate(last=Max("updated_at"))["last"]
    changed = last.timestamp() if last else 0
    key = f"archive-counts:{meeting_count}:{changed}:{Speaker.objects.count()}"

    def count() -> dict[str, int]:
        speaking = Utterance.objects.filter(speaker=OuterRef("pk"))
        return {
            "meeting_count": meeting_count,
            "utterance_count": Utterance.objects.count(),
            "speaker_count": Speaker.objects.filter(Exists(speaking)).count(),
        }

    return cache.get_or_set(key, count, timeout=600)


LISTED_FACETS = ["speaker", "country", "topic", "meeting", "kind", "interpreted"]


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


def api_search(request):
    """The search page's results and facets as JSON, with the same parameters."""
    filterset, results, error = _run_search(request)
    if error is not None:
        errors = {"page": [error]} if isinstance(error, str) else error
        return JsonResponse({"error": "Invalid search parameters.", "fields": errors}, status=400)
    return JsonResponse(
        {
            "total": results.total,
            "page": results.page,
            "page_size": results.page_size,
            "pages": results.pages,
            "sort": results.sort,
            "notice": results.notice,
            "suggestions": {
                kind: suggestion
                and {
                    "text": suggestion.text,
                    "url": request.build_absolute_uri(
                        f"{reverse('statements:api_search')}?"
                        + urlencode(suggestion.params, doseq=True)
                    ),
                }
                for kind, suggestion in (
                    ("speaker", results.speaker_suggestion),
                    ("spelling", results.spelling_suggestion),
                )
            },
            "results": [
                _hit_json(request, hit.utterance, str(hit.snippet)) for hit in results.hits
            ],
            "facets": {
                name: [
                    {
                        "value": v.value,
                        "label": v.label,
                        "count": v.count,
                        "selected": v.selected,
                    }
                    for v in facet.values
                ]
                for name, facet in results.facets.items()
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _hit_json(request, utterance: Utterance, snippet: str) -> dict:
    meeting, speaker = utterance.meeting, utterance.speaker
    return {
        "permalink": request.build_absolute_uri(utterance.get_absolute_url()),
        "meeting": {
            "title": meeting.title,
            "date": meeting.date.isoformat(),
            "kind": meeting.kind,
            "location": meeting.location,
            "url": request.build_absolute_uri(meeting.get_absolute_url()),
        },
        "sequence": utterance.sequence,
        "speaker": speaker
        and {
            "name": speaker.name,
            "role": speaker.role,
            "country": speaker.country,
            "url": request.build_absolute_uri(speaker.get_absolute_url()),
        },
        "speaker_label": utterance.speaker_label,
        "kind": utterance.kind,
        "via_interpreter": utterance.via_interpreter,
        "word_count": utterance.word_count,
        "snippet_html": snippet,
    }


def meeting(request, slug):
    meeting = get_object_or_404(Meeting, slug=slug)
    utterances = meeting.utterances.select_related("speaker").prefetch_related(
        Prefetch("taggings", queryset=Tagging.objects.select_related("topic"))
    )
    participants = Speaker.objects.counted(meeting=meeting)
    topics = Topic.objects.counted(meeting=meeting)
    return render(
        request,
        "statements/meeting.html",
        {
            "meeting": meeting,
            "utterances": utterances,
            "participants": participants,
            "topics": topics,
            "back": _back_to_search(request),
        },
    )


def meeting_original(request, slug):
    meeting = get_object_or_404(Meeting, slug=slug)
    response = HttpResponse(meeting.raw_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meeting.slug}.txt"'
    return response


def utterance(request, slug, sequence):
    utterance = get_object_or_404(
        Utterance.objects.select_related("meeting", "speaker").prefetch_related(
            Prefetch("taggings", queryset=Tagging.objects.select_related("topic"))
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
            "bibtex": bibtex(utterance, permalink, today),
            "back": _back_to_search(request),
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
    speaker = get_object_or_404(Speaker.objects.prefetch_related("aliases"), slug=slug)
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
    results = _search_for({"topic": [topic.slug]}, ["year", "speaker", "meeting"])
    facets = results.facets
    per_year = [
        {"year": v.value, "turns": v.count, "share": v.share} for v in facets["year"].values
    ]
    speakers = Speaker.objects.in_bulk(
        [v.value for v in facets["speaker"].values], field_name="slug"
    )
    for value in facets["speaker"].values:
        speakers[value.value].turns = value.count
    # The meetings where it comes up most, by the facet's exact counts.
    on_topic = {v.value: v.count for v in facets["meeting"].values[:10]}
    listed = Meeting.objects.listed().in_bulk(list(on_topic), field_name="slug")
    meetings = sorted(
        listed.values(), key=lambda m: (-on_topic[m.slug], -m.date.toordinal(), m.title)
    )
    for meeting in meetings:
        meeting.on_topic = on_topic[meeting.slug]
        meeting.share = round(100 * meeting.on_topic / meeting.turns) if meeting.turns else 0
    return render(
        request,
        "statements/topic.html",
        {
            "topic": topic,
            "total": results.total,
            "per_year": per_year,
            "speakers": [speakers[v.value] for v in facets["speaker"].values][:10],
            "meetings": meetings,
        },
    )


def meetings(request):
    """Every meeting, newest first, a page at a time, with links to each year."""
    listed = Meeting.objects.listed().order_by("-date", "title")
    years = list(
        Meeting.objects.annotate(year=ExtractYear("date"))
        .values_list("year")
        .annotate(count=Count("*"))
        .order_by("-year")
    )
    year = request.GET.get("year", "")
    if year:
        if not year.isdigit():
            return bad_request(request, "The year must be a number, such as 2023.")
        listed = listed.filter(date__year=int(year))
    page = Paginator(listed, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    by_year = defaultdict(list)
    for meeting in page.object_list:
        by_year[meeting.date.year].append(meeting)
    return render(
        request,
        "statements/meetings.html",
        {"by_year": dict(by_year), "page": page, "years": years, "year": year},
    )


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
    for speaker in Speaker.objects.filter(pk__in=counts).order_by("country", "name"):
        speaker.turns, speaker.meetings = counts[speaker.pk]
        by_country[speaker.country or "Not given"].append(speaker)
    return render(request, "statements/speakers.html", {"by_country": dict(by_country)})


def topics(request):
    counts = dict(
        Tagging.objects.order_by()
        .values_list("topic")
        .annotate(n=Count("*"))
        .values_list("topic", "n")
    )
    listed = list(Topic.objects.order_by("name"))
    for topic in listed:
        topic.turns = counts.get(topic.pk, 0)
    return render(request, "statements/topics.html", {"topics": listed})
