from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import Count
from django.utils.html import format_html_join

from statements import topics
from statements.models import (
    Meeting,
    Speaker,
    SpeakerAlias,
    Tagging,
    Topic,
    TopicOverride,
    Utterance,
)


class LinesField(SimpleArrayField):
    """A list edited as a textarea, one item per line."""

    def __init__(self, **kwargs):
        super().__init__(forms.CharField(max_length=100), delimiter="\n", **kwargs)
        self.widget = forms.Textarea(attrs={"rows": 8, "cols": 60})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        lines = [line.strip() for line in (value or "").splitlines()]
        return super().to_python("\n".join(line for line in lines if line))


class TopicForm(forms.ModelForm):
    terms = LinesField(required=False, help_text=Topic._meta.get_field("terms").help_text)
    exclusions = LinesField(required=False, help_text=Topic._meta.get_field("exclusions").help_text)

    class Meta:
        model = Topic
        fields = ["name", "slug", "description", "terms", "exclusions", "min_mentions"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicForm
    list_display = ["name", "tagged", "min_mentions", "description"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tagged_count=Count("taggings"))

    @admin.display(description="Utterances", ordering="tagged_count")
    def tagged(self, topic):
        return topic.tagged_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        count = topics.retag(topic=obj)
        self.message_user(request, f"The rules now tag {count} utterances with “{obj}”.")


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    extra = 0
    fields = ["label", "key"]
    readonly_fields = ["key"]


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "country", "kind", "needs_review", "utterance_count"]
    list_filter = ["needs_review", "kind", "country"]
    search_fields = ["name", "role", "aliases__label"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SpeakerAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("utterances"))

    @admin.display(description="Utterances", ordering="n")
    def utterance_count(self, speaker):
        return speaker.n


class TaggingInline(admin.TabularInline):
    model = Tagging
    extra = 0
    can_delete = False
    fields = ["topic", "source", "matched_terms"]
    readonly_fields = fields
    verbose_name_plural = "Topics now applied (rules and corrections)"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Why")
    def matched_terms(self, tagging):
        return tagging.explanation


class TopicOverrideInline(admin.TabularInline):
    model = TopicOverride
    extra = 1
    fields = ["topic", "applies", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    verbose_name_plural = "Topic corrections (kept through every retag)"


@admin.register(Utterance)
class UtteranceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "speaker", "kind", "via_interpreter", "word_count", "topic_list"]
    list_filter = ["kind", "via_interpreter", "meeting"]
    search_fields = ["text", "speaker_label", "speaker__name"]
    raw_id_fields = ["meeting", "speaker"]
    readonly_fields = ["meeting", "sequence", "speaker_label", "text", "word_count"]
    fields = [
        "meeting",
        "sequence",
        "speaker_label",
        "speaker",
        "kind",
        "via_interpreter",
        "word_count",
        "text",
    ]
    inlines = [TaggingInline, TopicOverrideInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meeting", "speaker")

    @admin.display(description="Topics")
    def topic_list(self, utterance):
        return format_html_join(
            ", ",
            '<span title="{}">{}</span>',
            ((t.explanation, t.topic.name) for t in utterance.taggings.select_related("topic")),
        )

    def save_formset(self, request, form, formset, change):
        for override in formset.save(commit=False):
            if override.created_by_id is None:
                override.created_by = request.user
            override.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        topics.retag(utterance_ids=[form.instance.pk])


class UtteranceInline(admin.TabularInline):
    model = Utterance
    extra = 0
    fields = ["sequence", "speaker_label", "speaker", "kind", "via_interpreter", "word_count"]
    readonly_fields = ["sequence", "speaker_label", "word_count"]
    raw_id_fields = ["speaker"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "date", "kind", "location", "utterance_count"]
    list_filter = ["kind", "date"]
    search_fields = ["title", "location", "venue", "series"]
    date_hierarchy = "date"
    readonly_fields = ["content_hash", "header", "trailer", "raw_text", "created_at", "updated_at"]
    inlines = [UtteranceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("utterances"))

    @admin.display(description="Utterances", ordering="n")
    def utterance_count(self, meeting):
        return meeting.n
