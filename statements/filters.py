"""The search parameters, validated: every state of the search page lives in its URL."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef
from django.db.models.functions import ExtractYear
from django.db.models.query import EmptyQuerySet

from statements.models import Meeting, Place, Publisher, Speaker, Topic, Utterance
from statements.search import (
    FACET_LIMIT,
    INTERPRETED,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    SORTS,
    SearchParams,
)
from statements.search_index import fold

FIRST_YEAR = 1945
# The most values a facet lists when asked (`facet_limit`).
MAX_FACET_LIMIT = 100_000
DATE_MESSAGE = "That is not a date: write it as year, month and day, such as 2023-10-05."


class MonthField(forms.MultipleChoiceField):
    """Months as YYYY-MM, several allowed."""

    def valid_value(self, value: str) -> bool:
        """A month of the years the year facet offers (a month of year 9999 once ran past the
        calendar's end)."""
        try:
            month = dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            return False
        return len(value) == 7 and FIRST_YEAR <= month.year <= dt.date.today().year + 1


class NamesField(forms.MultipleChoiceField):
    """Names as given (a reporter's outlet), several allowed: any short text. Listing every
    outlet to check one against would read every question of the archive; an outlet no question
    names finds nothing."""

    def valid_value(self, value: str) -> bool:
        return 0 < len(value) <= 100


class NamesFilter(django_filters.MultipleChoiceFilter):
    field_class = NamesField


class MonthFilter(django_filters.MultipleChoiceFilter):
    field_class = MonthField


def year_choices():
    return [(str(year), str(year)) for year in range(FIRST_YEAR, dt.date.today().year + 2)]


def country_choices():
    countries = Speaker.objects.exclude(country="").values_list("country", flat=True).distinct()
    return [(country, country) for country in countries.order_by("country")]


def months_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def page_size_field() -> forms.IntegerField:
    """How many results a page (`page_size`), for the API's search and its lists alike."""
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        required=False,
        error_messages={
            kind: f"The results a page (page_size) must be a whole number from 1 to "
            f"{MAX_PAGE_SIZE}."
            for kind in ("invalid", "min_value", "max_value")
        },
    )


class SearchForm(forms.Form):
    # For /api/search: how many results a page, how many values a long facet lists.
    page_size = page_size_field()
    facet_limit = forms.IntegerField(
        min_value=1,
        max_value=MAX_FACET_LIMIT,
        required=False,
        error_messages={
            kind: f"The values a facet lists (facet_limit) must be a whole number from 1 to "
            f"{MAX_FACET_LIMIT:,}."
            for kind in ("invalid", "min_value", "max_value")
        },
    )

    def clean(self):
        data = super().clean()
        # Chosen speakers, topics, places and meetings as lists: read once, and an empty choice
        # is an empty list rather than a queryset that compiles a query each time it is tested.
        for name in ("speaker", "topic", "place", "meeting"):
            chosen = data.get(name)
            if chosen is not None:
                data[name] = [] if isinstance(chosen, EmptyQuerySet) else list(chosen)
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class UtteranceFilter(django_filters.FilterSet):
    """Validates the search parameters, and hands them to search as a frozen `SearchParams`.

    It filters nothing itself (each filter's method keeps the queryset): search counts each
    facet with every filter but its own, so it needs the choices, not a filtered queryset.
    """

    # Messages in plain words, for the page beside each field and for the API.
    q = django_filters.CharFilter(
        label="Search",
        max_length=500,
        method="keep",
        error_messages={
            "max_length": "Search words can be at most %(limit_value)d characters long "
            "(these are %(show_value)d)."
        },
    )
    speaker = django_filters.ModelMultipleChoiceFilter(
        label="Official",
        queryset=Speaker.objects.all(),
        to_field_name="slug",
        method="keep",
        error_messages={"invalid_choice": "No one in the archive goes by “%(value)s”."},
    )
    country = django_filters.MultipleChoiceFilter(
        choices=country_choices,
        method="keep",
        error_messages={"invalid_choice": "No one in the archive is from “%(value)s”."},
    )
    topic = django_filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        method="keep",
        error_messages={"invalid_choice": "There is no topic “%(value)s”."},
    )
    place = django_filters.ModelMultipleChoiceFilter(
        queryset=Place.objects.all(),
        to_field_name="slug",
        method="keep",
        error_messages={"invalid_choice": "There is no place “%(value)s”."},
    )
    year = django_filters.MultipleChoiceFilter(
        choices=year_choices,
        method="keep",
        error_messages={
            "invalid_choice": f"“%(value)s” is not a year from {FIRST_YEAR} to next year."
        },
    )
    month = MonthFilter(
        method="keep",
        error_messages={
            "invalid_choice": "“%(value)s” is not a month: write it as year and month, "
            "such as 2023-10."
        },
    )
    meeting = django_filters.ModelMultipleChoiceFilter(
        queryset=Meeting.objects.all(),
        to_field_name="slug",
        method="keep",
        error_messages={"invalid_choice": "There is no meeting “%(value)s”."},
    )
    kind = django_filters.MultipleChoiceFilter(
        label="Kind of utterance",
        choices=Utterance.Kind.choices,
        method="keep",
        error_messages={
            "invalid_choice": "“%(value)s” is not a kind of utterance: they are statements, "
            "questions, answers and moderation."
        },
    )
    speaker_kind = django_filters.MultipleChoiceFilter(
        label="Who is speaking",
        choices=Speaker.Kind.choices,
        method="keep",
        error_messages={
            "invalid_choice": "“%(value)s” is not a kind of speaker: they are officials, "
            "journalists, moderators, interpreters and others."
        },
    )
    outlet = NamesFilter(
        label="Reporter's outlet",
        method="keep",
        error_messages={"invalid_choice": "“%(value)s” is too long to be an outlet's name."},
    )
    interpreted = django_filters.MultipleChoiceFilter(
        label="Interpretation",
        choices=INTERPRETED,
        method="keep",
        error_messages={"invalid_choice": "“%(value)s” is neither yes nor no."},
    )
    date_from = django_filters.DateFilter(
        label="From", method="keep", error_messages={"invalid": DATE_MESSAGE}
    )
    date_to = django_filters.DateFilter(
        label="To", method="keep", error_messages={"invalid": DATE_MESSAGE}
    )
    sort = django_filters.ChoiceFilter(
        label="Order",
        choices=SORTS,
        method="keep",
        empty_label=None,
        error_messages={
            "invalid_choice": "“%(value)s” is not an order: results come by relevance, "
            "newest first or oldest first."
        },
    )

    class Meta:
        model = Utterance
        fields: list[str] = []
        form = SearchForm

    def keep(self, queryset, name, value):
        return queryset

    def get_form_class(self):
        """The form, made once rather than for every search: its fields are always the same
        (each form copies them, as Django's forms do)."""
        filterset = type(self)
        if "form_class" not in filterset.__dict__:
            filterset.form_class = super().get_form_class()
        return filterset.form_class

    def params(self, page: int = 1) -> SearchParams:
        """The validated parameters, as search takes them: `is_valid()` must have been checked.
        Chosen speakers, topics, places and meetings become their ids, as the index holds them."""
        data = self.form.cleaned_data
        chosen = {}
        for name in ("speaker", "topic", "place", "meeting"):
            if data.get(name):
                chosen[name] = tuple(str(row.pk) for row in data[name])
        for name in ("country", "year", "month", "kind", "interpreted", "speaker_kind", "outlet"):
            if data.get(name):
                chosen[name] = tuple(data[name])
        return SearchParams(
            q=(data.get("q") or "").strip(),
            chosen=chosen,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort") or "",
            page=page,
            page_size=data.get("page_size") or PAGE_SIZE,
            facet_limit=data.get("facet_limit") or FACET_LIMIT,
        )


def archive_version() -> str:
    """What changes whenever the meetings or the speakers do (an ingest, a replacement, a
    deletion, a merge or a split): a cache key for what is read from all of them."""
    meeting_count = Meeting.objects.count()
    # Apart from the count, from its own index: together, every row's would be read (16 ms).
    last = Meeting.objects.aggregate(last=Max("updated_at"))["last"]
    changed = last.timestamp() if last else 0
    return f"{meeting_count}:{changed}:{Speaker.objects.count()}"


# The meetings list offers the participants of the most meetings (a select of every speaker of a
# large archive would be thousands long); any other is chosen from their speaker page.
PARTICIPANTS_OFFERED = 300


def meeting_choices() -> dict[str, list[tuple[str, str]]]:
    """What the meetings list's filters offer: the years with meetings (and how many), the
    places, the sources and the participants of the most meetings. Reading them takes a pass over
    every meeting and every speaker's meetings, so they are kept in the cache while the meetings
    and speakers are unchanged, and ten minutes at most."""

    def read() -> dict[str, list[tuple[str, str]]]:
        years = (
            Meeting.objects.annotate(year=ExtractYear("date"))
            .values_list("year")
            .annotate(count=Count("*"))
            .order_by("-year")
        )
        places = Meeting.objects.exclude(location="").values_list("location", flat=True)
        publishers = Publisher.objects.filter(meetings__isnull=False).distinct().order_by("name")
        # Counted from the (speaker, meeting) index alone.
        busiest = (
            Utterance.objects.exclude(speaker=None)
            .order_by()
            .values_list("speaker")
            .annotate(meetings=Count("meeting", distinct=True))
            .order_by("-meetings", "speaker")
            .values_list("speaker", flat=True)[:PARTICIPANTS_OFFERED]
        )
        participants = Speaker.objects.filter(pk__in=list(busiest)).order_by("name")
        return {
            "year": [(str(year), f"{year} ({count:,})") for year, count in years],
            "place": [(place, place) for place in places.distinct().order_by("location")],
            "source": list(publishers.values_list("key", "name")),
            "speaker": list(participants.values_list("slug", "name")),
        }

    return cache.get_or_set(f"meeting-choices:{archive_version()}", read, timeout=600)


class MeetingFilter(django_filters.FilterSet):
    """The meetings list's filters, validated; every one lives in the URL, as the search's do."""

    kind = django_filters.ChoiceFilter(
        label="Kind",
        choices=Meeting.Kind.choices,
        error_messages={"invalid_choice": "“%(value)s” is not a kind of meeting."},
    )
    year = django_filters.ChoiceFilter(
        label="Year",
        field_name="date",
        lookup_expr="year",
        choices=year_choices,
        error_messages={
            "invalid_choice": f"“%(value)s” is not a year from {FIRST_YEAR} to next year."
        },
    )
    place = django_filters.ChoiceFilter(
        label="Place",
        field_name="location",
        choices=lambda: meeting_choices()["place"],
        error_messages={"invalid_choice": "No meeting in the archive took place in “%(value)s”."},
    )
    speaker = django_filters.ModelChoiceFilter(
        label="Participant",
        queryset=Speaker.objects.all(),
        to_field_name="slug",
        method="with_participant",
        error_messages={"invalid_choice": "No one in the archive goes by “%(value)s”."},
    )
    source = django_filters.ChoiceFilter(
        label="Published by",
        field_name="publisher__key",
        choices=lambda: meeting_choices()["source"],
        error_messages={
            "invalid_choice": "No meeting in the archive was published by “%(value)s”."
        },
    )

    class Meta:
        model = Meeting
        fields: list[str] = []

    def with_participant(self, queryset, name, speaker):
        spoke = Utterance.objects.filter(meeting=OuterRef("pk"), speaker=speaker)
        return queryset.filter(Exists(spoke))


class SpeakerFilter(django_filters.FilterSet):
    """The API's speakers list: by kind, country and part of the name."""

    kind = django_filters.ChoiceFilter(
        choices=Speaker.Kind.choices,
        error_messages={
            "invalid_choice": "“%(value)s” is not a kind of speaker: they are official, "
            "journalist, moderator, interpreter and other."
        },
    )
    country = django_filters.ChoiceFilter(
        choices=country_choices,
        error_messages={"invalid_choice": "No one in the archive is from “%(value)s”."},
    )
    name = django_filters.CharFilter(
        method="named",
        max_length=200,
        error_messages={"max_length": "A name is at most %(limit_value)d characters long."},
    )

    class Meta:
        model = Speaker
        fields: list[str] = []

    def named(self, queryset, name, value):
        return queryset.filter(name__unaccent__icontains=fold(value))
