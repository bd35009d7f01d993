import hashlib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from statements import ingest, place_tags, search_index, topics
from statements.forms import MetadataForm, SpeakersForm, UploadForm
from statements.models import (
    Meeting,
    Office,
    OfficeTerm,
    Place,
    PlaceOverride,
    PlaceTagging,
    Publisher,
    Speaker,
    SpeakerAlias,
    SpeakerRole,
    Tagging,
    Topic,
    TopicOverride,
    Upload,
    Utterance,
)
from statements.topics import RuleError, parse_term

admin.site.site_header = "Diplomatic Statements Archive"
admin.site.site_title = "Archive admin"
admin.site.index_title = "Archive administration"


class SyncsSearchIndex:
    """An admin whose saves and deletions can change what the search index holds (a speaker's
    country, a meeting's date, an utterance's speaker or kind, a deletion): the triggers of
    migration 0025 put the utterances in the index's outbox, and it is applied once the
    request's transaction commits."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        search_index.sync_after_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        search_index.sync_after_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        search_index.sync_after_commit()


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
        fields = ["name", "slug", "description", "terms", "exclusions", "min_mentions", "alone"]

    def _clean_rules(self, name: str) -> list[str]:
        lines = self.cleaned_data.get(name) or []
        errors = []
        for line in lines:
            try:
                parse_term(line)
            except RuleError as error:
                errors.append(str(error))
        if errors:
            raise forms.ValidationError(errors)
        return lines

    def clean_terms(self):
        return self._clean_rules("terms")

    def clean_exclusions(self):
        return self._clean_rules("exclusions")


@admin.register(Topic)
class TopicAdmin(SyncsSearchIndex, admin.ModelAdmin):
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


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """The gazetteer's places (statements/places.py and data/places.json say how each is found;
    `manage.py retag` applies a change there). Names shown here can be edited."""

    list_display = ["name", "kind", "code", "tagged"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "code"]
    readonly_fields = ["slug", "kind", "code"]
    fields = ["name", "slug", "kind", "code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tagged_count=Count("taggings"))

    @admin.display(description="Utterances", ordering="tagged_count")
    def tagged(self, place):
        return place.tagged_count

    def has_add_permission(self, request):
        return False  # places come from the gazetteer


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    extra = 0
    fields = ["label", "key", "source", "first_seen", "last_seen"]
    readonly_fields = ["key", "first_seen", "last_seen"]


class SpeakerRoleInline(admin.TabularInline):
    """A speaker's roles, each from a date to a date: pages show the one held on a meeting's
    date. A role an editor sets (source "Set by an editor") is never overwritten by ingest."""

    model = SpeakerRole
    extra = 1
    fields = ["title", "country", "organisation", "start", "end", "source"]


class UnidentifiedFilter(admin.SimpleListFilter):
    title = "identified"
    parameter_name = "identified"

    def lookups(self, request, model_admin):
        return [("yes", "People"), ("no", "Officials a meeting does not name")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(unidentified_in__isnull=True)
        if self.value() == "no":
            return queryset.filter(unidentified_in__isnull=False)
        return queryset


@admin.register(Speaker)
class SpeakerAdmin(SyncsSearchIndex, admin.ModelAdmin):
    change_list_template = "admin/statements/speaker/change_list.html"
    list_display = ["name", "role", "country", "kind", "needs_review", "utterance_count"]
    list_filter = ["needs_review", "kind", UnidentifiedFilter, "country"]
    search_fields = ["name", "family_name", "role", "aliases__label"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["unidentified_in", "review_reason"]
    inlines = [SpeakerRoleInline, SpeakerAliasInline]
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("utterances"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "duplicates/",
                view(self.duplicates_view),
                name="statements_speaker_duplicates",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "kind" in form.changed_data:
            # Each turn carries its speaker's kind (the facets count officials by it).
            ingest.speaker_kind_changed(obj)

    def duplicates_view(self, request):
        """Speakers who may be one person, each pair with why and a one-click merge into the
        one with the fuller name."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            keep = get_object_or_404(Speaker, pk=request.POST.get("keep"))
            other = get_object_or_404(Speaker, pk=request.POST.get("other"))
            ingest.merge_speakers(keep, [other])
            self.message_user(request, f"Merged {other} into {keep}.")
            return redirect("admin:statements_speaker_duplicates")
        pairs = ingest.possible_duplicates()
        context = {
            **self.admin_site.each_context(request),
            "title": "Possible duplicates",
            "pairs": pairs,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/statements/duplicates.html", context)

    @admin.action(description="Merge the selected speakers into one", permissions=["change"])
    def merge(self, request, queryset):
        speakers = list(queryset.order_by("name"))
        if len(speakers) < 2:
            self.message_user(request, "Select at least two speakers to merge.", messages.WARNING)
            return None
        keep_id = request.POST.get("keep")
        if keep_id and request.POST.get("confirm"):
            keep = next((s for s in speakers if str(s.pk) == keep_id), None)
            if keep is None:
                self.message_user(request, "Choose the speaker to keep.", messages.ERROR)
                return None
            ingest.merge_speakers(keep, speakers)
            self.message_user(request, f"Merged {len(speakers)} speakers into {keep}.")
            return None
        return TemplateResponse(
            request,
            "admin/statements/merge_speakers.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge speakers",
                "speakers": speakers,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.display(description="Utterances", ordering="n")
    def utterance_count(self, speaker):
        return speaker.n


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "country", "organisation"]
    search_fields = ["name", "key"]


class OfficeTermInline(admin.TabularInline):
    model = OfficeTerm
    extra = 1
    autocomplete_fields = ["speaker"]


class OfficeForm(forms.ModelForm):
    labels = LinesField(required=False, help_text=Office._meta.get_field("labels").help_text)

    class Meta:
        model = Office
        fields = ["name", "country", "organisation", "labels", "publishers"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    """Offices whose holder a generic label names on a date (THE PRESIDENT): their terms."""

    form = OfficeForm
    list_display = ["name", "country", "organisation"]
    search_fields = ["name"]
    filter_horizontal = ["publishers"]
    inlines = [OfficeTermInline]


@admin.register(SpeakerAlias)
class SpeakerAliasAdmin(SyncsSearchIndex, admin.ModelAdmin):
    list_display = ["label", "speaker", "key"]
    search_fields = ["label", "speaker__name"]
    autocomplete_fields = ["speaker"]
    readonly_fields = ["key"]
    actions = ["split"]

    @admin.action(description="Split into a speaker of its own", permissions=["change"])
    def split(self, request, queryset):
        for alias in queryset.select_related("speaker"):
            old = alias.speaker
            speaker = ingest.split_alias(alias)
            self.message_user(
                request,
                f"“{alias.label}” is now {speaker}, no longer {old}; review the new speaker.",
            )


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


class PlaceTaggingInline(admin.TabularInline):
    model = PlaceTagging
    extra = 0
    can_delete = False
    fields = ["place", "source", "matched_forms"]
    readonly_fields = fields
    verbose_name_plural = "Places now applied (gazetteer and corrections)"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Why")
    def matched_forms(self, tagging):
        return tagging.explanation


class PlaceOverrideInline(admin.TabularInline):
    model = PlaceOverride
    extra = 1
    fields = ["place", "applies", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["place"]
    verbose_name_plural = "Place corrections (kept through every retag)"


@admin.register(Utterance)
class UtteranceAdmin(SyncsSearchIndex, admin.ModelAdmin):
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
    inlines = [TaggingInline, TopicOverrideInline, PlaceTaggingInline, PlaceOverrideInline]

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
        place_tags.retag(utterance_ids=[form.instance.pk])


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
class MeetingAdmin(SyncsSearchIndex, admin.ModelAdmin):
    change_list_template = "admin/statements/meeting/change_list.html"
    change_form_template = "admin/statements/meeting/change_form.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="statements_meeting_upload"),
            path(
                "upload/<int:upload_id>/",
                view(self.preview_view),
                name="statements_meeting_upload_preview",
            ),
            path(
                "<int:meeting_id>/replace/",
                view(self.replace_view),
                name="statements_meeting_replace",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _require_permission(request, replacing: bool) -> None:
        """A new transcript needs *add meeting*; one that replaces a meeting's, *change meeting*
        (an add-only uploader must not overwrite what they could not edit)."""
        needed = "statements.change_meeting" if replacing else "statements.add_meeting"
        if not request.user.has_perm(needed):
            raise PermissionDenied

    def upload_view(self, request, replaces: Meeting | None = None):
        """Step one: a file or pasted text, read and checked; nothing goes in the archive yet."""
        self._require_permission(request, replacing=replaces is not None)
        posted = request.method == "POST"
        form = UploadForm(request.POST, request.FILES) if posted else UploadForm()
        if posted:
            if form.is_valid():
                upload = _record_upload(request, form.cleaned_data, replaces=replaces)
                return redirect("admin:statements_meeting_upload_preview", upload.pk)
            _record_refusal(request, form)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Replace the transcript of {replaces}" if replaces else "Upload a transcript",
            "form": form,
            "replaces": replaces,
            "opts": self.model._meta,
            "max_mb": settings.TRANSCRIPT_MAX_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/statements/upload.html", context)

    def replace_view(self, request, meeting_id: int):
        # Asked before the meeting is looked up, so that whether it exists is not told either.
        self._require_permission(request, replacing=True)
        return self.upload_view(request, replaces=get_object_or_404(Meeting, pk=meeting_id))

    def preview_view(self, request, upload_id: int):
        """Step two: every turn as it would be stored, the speakers to settle, then confirm.
        A preview is its uploader's alone: anyone else is told there is no such upload."""
        uploaders = ("statements.add_meeting", "statements.change_meeting")
        if not any(request.user.has_perm(permission) for permission in uploaders):
            raise PermissionDenied
        upload = get_object_or_404(Upload, pk=upload_id, uploaded_by=request.user)
        self._require_permission(request, replacing=upload.replaces is not None)
        if upload.status == Upload.Status.SAVED and upload.meeting:
            return redirect("admin:statements_meeting_change", upload.meeting.pk)
        try:
            plan = ingest.preview(upload.text)
        except ingest.IngestError as error:
            upload.status, upload.message = Upload.Status.REFUSED, str(error)
            upload.save(update_fields=["status", "message"])
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:statements_meeting_upload")
        initial = MetadataForm.initial_from(plan.info)
        if upload.replaces:
            initial = {name: getattr(upload.replaces, name) for name in initial}
        data = request.POST if request.method == "POST" else None
        metadata = MetadataForm(data, initial=initial, prefix="meeting")
        speakers = SpeakersForm(data, labels=plan.labels, speakers=plan.speakers, prefix="label")
        duplicate = plan.duplicate
        if data is not None and duplicate is None and metadata.is_valid() and speakers.is_valid():
            try:
                result = ingest.ingest(
                    upload.text, metadata.info(), speakers.choices(), replacing=upload.replaces
                )
            except ingest.IngestError as error:
                metadata.add_error(None, str(error))
            else:
                return self._saved(request, upload, result)
        if duplicate is not None and upload.status == Upload.Status.PREVIEWED:
            upload.status, upload.meeting = Upload.Status.DUPLICATE, duplicate
            upload.save(update_fields=["status", "meeting"])
        context = {
            **self.admin_site.each_context(request),
            "title": "Check the transcript before it goes in",
            "upload": upload,
            "plan": plan,
            "metadata": metadata,
            "speakers": speakers,
            "turns": _preview_rows(plan),
            "duplicate": duplicate,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/statements/upload_preview.html", context)

    def _saved(self, request, upload: Upload, result: ingest.IngestResult):
        upload.status = Upload.Status.SAVED if result.created else Upload.Status.DUPLICATE
        upload.meeting = result.meeting
        upload.save(update_fields=["status", "meeting"])
        if not result.created:
            self.message_user(
                request, "This transcript is already in the archive.", messages.WARNING
            )
        else:
            kept = (
                f" Kept {result.corrections_kept} earlier corrections; "
                f"{result.corrections_dropped} no longer fit."
                if upload.replaces
                else ""
            )
            self.message_user(
                request,
                format_html(
                    'Saved {} turns. {} <a href="{}">See it in the archive</a>.',
                    result.utterances,
                    kept,
                    result.meeting.get_absolute_url(),
                ),
            )
        return redirect("admin:statements_meeting_change", result.meeting.pk)


def _preview_rows(plan: ingest.Preview) -> list[dict]:
    resolutions = {label.label: label.resolution for label in plan.labels}
    rows = []
    for number, (turn, kind) in enumerate(zip(plan.transcript.turns, plan.kinds, strict=True), 1):
        resolution = resolutions[turn.label]
        known = plan.speakers.get(resolution.speaker_id)
        if known is not None:
            speaker = known.name
        elif resolution.new is not None:
            speaker = f"{resolution.new.name} (new)"
        else:
            speaker = f"({Speaker.Kind(resolution.speaker_kind).label.lower()})"
        rows.append({"number": number, "turn": turn, "kind": kind, "speaker": speaker})
    return rows


def _record_upload(request, data: dict, replaces: Meeting | None = None, **fields) -> Upload:
    original = data.get("original", b"")
    return Upload.objects.create(
        uploaded_by=request.user,
        filename=data.get("filename", ""),
        content_type=data.get("content_type", "")[:100],
        size=len(original),
        sha256=hashlib.sha256(original).hexdigest(),
        original=original,
        text=data.get("text", ""),
        replaces=replaces,
        **fields,
    )


def _record_refusal(request, form: UploadForm) -> None:
    """Refused uploads are recorded too, without their bytes when they are over the limit."""
    upload = form.files.get("file")
    if upload is not None:
        too_big = upload.size > settings.TRANSCRIPT_MAX_BYTES
        original = b"" if too_big else upload.read()
        name, content_type, size = upload.name, upload.content_type or "", upload.size
    elif form.data.get("pasted", "").strip():
        original = form.data["pasted"].encode("utf-8")
        name, content_type, size = "", "text/plain", len(original)
    else:
        return
    Upload.objects.create(
        uploaded_by=request.user,
        filename=name,
        content_type=content_type[:100],
        size=size,
        sha256=hashlib.sha256(original).hexdigest() if original else "",
        original=original,
        status=Upload.Status.REFUSED,
        message=" ".join(form.non_field_errors()),
    )


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "uploaded_by",
        "status",
        "size",
        "short_sha256",
        "meeting_link",
        "download",
    ]
    list_filter = ["status"]
    search_fields = ["filename", "sha256", "message"]
    readonly_fields = [
        "uploaded_by",
        "uploaded_at",
        "filename",
        "content_type",
        "size",
        "sha256",
        "status",
        "message",
        "meeting",
        "replaces",
        "text",
    ]
    exclude = ["original"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:upload_id>/original/",
                self.admin_site.admin_view(self.original_view),
                name="statements_upload_original",
            ),
            *super().get_urls(),
        ]

    def original_view(self, request, upload_id: int):
        """The file exactly as it was sent."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        upload = get_object_or_404(Upload, pk=upload_id)
        response = HttpResponse(bytes(upload.original), content_type="application/octet-stream")
        name = upload.filename or f"pasted-{upload.pk}.txt"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.display(description="Original")
    def download(self, upload):
        if not upload.original:
            return "-"
        url = reverse("admin:statements_upload_original", args=[upload.pk])
        return format_html('<a href="{}">Download</a>', url)

    @admin.display(description="SHA-256")
    def short_sha256(self, upload):
        return upload.sha256[:12]

    @admin.display(description="Meeting")
    def meeting_link(self, upload):
        if upload.meeting is None:
            return "-"
        url = reverse("admin:statements_meeting_change", args=[upload.meeting.pk])
        return format_html('<a href="{}">{}</a>', url, upload.meeting)
