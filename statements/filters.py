"""The search parameters, validated: every state of the search page lives in its URL."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models.query import EmptyQuerySet

from statements.models import Meeting, Speaker, Topic, Utterance
from statements.search import (
    FACET_LIMIT,
    INTERPRETED,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    SORTS,
    SearchParams,
)

FIRST_YEAR = 1945
# The most values a facet lists when asked (`facet_limit`).
MAX_FACET_LIMIT = 10_000


class MonthField(forms.MultipleChoiceField):
    """Months as YYYY-MM, several allowed."""

    def valid_value(self, value: str) -> bool:
        try:
            dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            return False
        return len(value) == 7


class MonthFilter(django_filters.MultipleChoiceFilter):
    field_class = MonthField


def year_choices():
    return [(str(year), str(year)) for year in range(FIRST_YEAR, dt.date.today().year + 2)]


def country_choices():
    countries = Speaker.objects.exclude(country="").values_list("country", flat=True).distinct()
    return [(country, country) for country in countries.order_by("country")]


class SearchForm(forms.Form):
    # For /api/search: how many results a page, how many values a long facet lists.
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
    facet_limit = forms.IntegerField(min_value=1, max_value=MAX_FACET_LIMIT, required=False)

    def clean(self):
        data = super().clean()
        # Chosen speakers, topics and meetings as lists: read once, and an empty choice is an
        # empty list rather than a queryset that compiles a query each time it is tested.
        for name in ("speaker", "topic", "meeting"):
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

    q = django_filters.CharFilter(label="Search", max_length=500, method="keep")
    speaker = django_filters.ModelMultipleChoiceFilter(
        label="Official", queryset=Speaker.objects.all(), to_field_name="slug", method="keep"
    )
    country = django_filters.MultipleChoiceFilter(choices=country_choices, method="keep")
    topic = django_filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(), to_field_name="slug", method="keep"
    )
    year = django_filters.MultipleChoiceFilter(choices=year_choices, method="keep")
    month = MonthFilter(method="keep")
    meeting = django_filters.ModelMultipleChoiceFilter(
        queryset=Meeting.objects.all(), to_field_name="slug", method="keep"
    )
    kind = django_filters.MultipleChoiceFilter(
        label="Kind of utterance", choices=Utterance.Kind.choices, method="keep"
    )
    interpreted = django_filters.MultipleChoiceFilter(choices=INTERPRETED, method="keep")
    date_from = django_filters.DateFilter(label="From", method="keep")
    date_to = django_filters.DateFilter(label="To", method="keep")
    sort = django_filters.ChoiceFilter(choices=SORTS, method="keep", empty_label=None)

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
        Chosen speakers, topics and meetings become their ids, as the index holds them."""
        data = self.form.cleaned_data
        chosen = {}
        for name in ("speaker", "topic", "meeting"):
            if data.get(name):
                chosen[name] = tuple(str(row.pk) for row in data[name])
        for name in ("country", "year", "month", "kind", "interpreted"):
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
