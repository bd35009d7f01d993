"""Atom feeds of the newest utterances: of any search (`/feeds/search.atom?` with the search's
parameters: "fentanyl" from Mexico's foreign ministry), of a speaker, a topic and a place.

Each entry is one utterance, newest first (by the meeting's date, then in transcript order): its
speaker and the first words as the title, the whole turn as the summary, its permalink as link
and id, its topics as categories. Django's syndication framework writes them; a bad parameter
is a 400 that says which, as on the search page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from statements import search, search_index
from statements.filters import UtteranceFilter
from statements.models import Place, Speaker, Tagging, Topic, Utterance

ENTRIES = 50
# What XML 1.0 cannot hold (a search's words may have it, a transcript rarely): left out.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TITLE_WORDS = 14
ARCHIVE = "Diplomatic Statements Archive"


@dataclass
class Subject:
    """What a feed follows: its title, the page it mirrors, and its newest utterances."""

    title: str
    subtitle: str
    link: str
    feed_url: str
    utterances: list[Utterance] = field(default_factory=list)


def newest(params: search.SearchParams, count: int = ENTRIES) -> list[Utterance]:
    """The search's newest matches, each with its meeting, speaker, role that day and topics."""
    query = search.match_query(params)
    if query is None:
        return []
    _, ids = search.find(search_index.searcher(), query, {}, "newest", 1, count)
    utterances = search.fetch_hits(ids)
    topics = Tagging.objects.topics_by_utterance(ids)
    for utterance in utterances:
        utterance.topic_list = topics.get(utterance.pk, [])
    return utterances


def _params(query: dict[str, list[str]]) -> search.SearchParams:
    data = QueryDict(mutable=True)
    for name, values in query.items():
        data.setlist(name, values)
    filterset = UtteranceFilter(data)
    filterset.is_valid()
    return filterset.params()


class UtteranceFeed(Feed):
    """What the three feeds share: how an utterance reads as an entry."""

    feed_type = Atom1Feed
    author_name = ARCHIVE

    def title(self, subject: Subject) -> str:
        return xml_safe(f"{subject.title} · {ARCHIVE}")

    def subtitle(self, subject: Subject) -> str:
        return xml_safe(subject.subtitle)

    def link(self, subject: Subject) -> str:
        return xml_safe(subject.link)

    def feed_url(self, subject: Subject) -> str:
        return xml_safe(subject.feed_url)

    def items(self, subject: Subject) -> list[Utterance]:
        # The search's newest, each meeting's in transcript order; a feed's newest first, by
        # the time each entry is given (a later turn of a day is later).
        return sorted(subject.utterances, key=self.item_pubdate, reverse=True)

    def item_title(self, utterance: Utterance) -> str:
        words = utterance.text.split()
        opening = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
        return xml_safe(f"{_who(utterance)}: “{opening}”")

    def item_description(self, utterance: Utterance) -> str:
        meeting = utterance.meeting
        where = ", ".join(filter(None, [meeting.title, meeting.location]))
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in utterance.paragraphs)
        return xml_safe(f"<p><em>{escape(where)}, {meeting.date:%B %-d, %Y}</em></p>{paragraphs}")

    def item_link(self, utterance: Utterance) -> str:
        return utterance.get_absolute_url()

    def item_pubdate(self, utterance: Utterance) -> dt.datetime:
        # A meeting has a day, not a time: its utterances are dated at its start, UTC, each a
        # second after the one before so that readers keep the transcript's order.
        day = dt.datetime.combine(utterance.meeting.date, dt.time(), tzinfo=dt.UTC)
        return day + dt.timedelta(seconds=utterance.sequence)

    def item_updateddate(self, utterance: Utterance) -> dt.datetime:
        return self.item_pubdate(utterance)

    def item_author_name(self, utterance: Utterance) -> str:
        return xml_safe(_who(utterance))

    def item_categories(self, utterance: Utterance) -> list[str]:
        return [xml_safe(topic.name) for topic in utterance.topic_list]


def xml_safe(text: str) -> str:
    return NOT_XML.sub("", text)


def _who(utterance: Utterance) -> str:
    if utterance.speaker is None:
        return utterance.speaker_label.title()
    return utterance.speaker.name


class SearchFeed(UtteranceFeed):
    """`/feeds/search.atom?q=fentanyl&country=Mexico`: the search's newest matches."""

    def __call__(self, request, *args, **kwargs):
        filterset = UtteranceFilter(request.GET)
        if not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.form.errors.items()
            )
            return HttpResponse(
                f"This feed's search cannot be run: {problems}",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request) -> Subject:
        filterset = UtteranceFilter(request.GET)
        filterset.is_valid()
        params = filterset.params()
        asked = [(k, v) for k, values in request.GET.lists() for v in values if v]
        described = ", ".join(f"{k}={v}" for k, v in asked) or "everything"
        title = f"“{params.q}”" if params.q else "All utterances"
        if any(k != "q" for k, _ in asked):
            title += " (filtered)"
        return Subject(
            title=f"Search: {title}",
            subtitle=f"The newest utterances that match the search {described}.",
            link=f"{reverse('statements:home')}?{urlencode(asked)}",
            feed_url=request.get_full_path(),
            utterances=newest(params),
        )


class SpeakerFeed(UtteranceFeed):
    """`/feeds/speakers/SLUG.atom`: what they said, newest first."""

    def get_object(self, request, slug: str) -> Subject:
        speaker = get_object_or_404(Speaker, slug=slug)
        return Subject(
            title=speaker.name,
            subtitle=f"The newest utterances of {speaker.name}.",
            link=speaker.get_absolute_url(),
            feed_url=request.path,
            utterances=newest(_params({"speaker": [speaker.slug]})),
        )


class TopicFeed(UtteranceFeed):
    """`/feeds/topics/SLUG.atom`: the newest utterances on a topic."""

    def get_object(self, request, slug: str) -> Subject:
        topic = get_object_or_404(Topic, slug=slug)
        return Subject(
            title=topic.name,
            subtitle=f"The newest utterances on {topic.name}.",
            link=topic.get_absolute_url(),
            feed_url=request.path,
            utterances=newest(_params({"topic": [topic.slug]})),
        )


class PlaceFeed(UtteranceFeed):
    """`/feeds/places/SLUG.atom`: the newest utterances about a place."""

    def get_object(self, request, slug: str) -> Subject:
        place = get_object_or_404(Place, slug=slug)
        return Subject(
            title=place.name,
            subtitle=f"The newest utterances about {place.name}.",
            link=place.get_absolute_url(),
            feed_url=request.path,
            utterances=newest(_params({"place": [place.slug]})),
        )
