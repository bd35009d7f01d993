"""The search parameters, validated: every state of the search page lives in its URL."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.db.models.query import EmptyQuerySet

from statements.models import Meeting, Speaker, Tagging, Topic, Utterance

SORTS = [("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]
INTERPRETED = [("yes", "Interpreted"), ("no", "Not interpreted")]
FIRST_YEAR = 1945


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


def months_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


class SearchForm(forms.Form):
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
    """Validates the search parameters and turns each facet's selection into a condition.

    Facets are combined by `search.run()`, which needs each condition on its own to count a facet
    with every filter but its own, so the filtering here is done by `conditions()`.
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

    def conditions(self) -> dict[str, Q | Exists]:
        """One condition per active facet, keyed by facet name."""
        data = self.form.cleaned_data
        conditions: dict[str, Q | Exists] = {}
        if data.get("speaker"):
            conditions["speaker"] = Q(speaker__in=data["speaker"])
        if data.get("country"):
            conditions["country"] = Q(speaker__country__in=data["country"])
        if data.get("topic"):
            conditions["topic"] = Exists(
                Tagging.objects.filter(utterance=OuterRef("pk"), topic__in=data["topic"])
            )
        if data.get("year"):
            conditions["year"] = _any_of(
                Q(date__range=(dt.date(int(y), 1, 1), dt.date(int(y), 12, 31)))
                for y in data["year"]
            )
        if data.get("month"):
            conditions["month"] = _any_of(
                Q(date__range=months_range(*map(int, m.split("-")))) for m in data["month"]
            )
        if data.get("meeting"):
            conditions["meeting"] = Q(meeting__in=data["meeting"])
        if data.get("kind"):
            conditions["kind"] = Q(kind__in=data["kind"])
        if data.get("interpreted") and len(set(data["interpreted"])) == 1:
            conditions["interpreted"] = Q(via_interpreter=data["interpreted"][0] == "yes")
        return conditions

    def date_range(self) -> Q:
        data = self.form.cleaned_data
        condition = Q()
        if data.get("date_from"):
            condition &= Q(date__gte=data["date_from"])
        if data.get("date_to"):
            condition &= Q(date__lte=data["date_to"])
        return condition


def _any_of(conditions) -> Q:
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined
