"""Forms for sending transcripts through the admin: the file, its metadata, and the speakers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from statements.ingest import IngestError, LabelChoice, LabelPlan, MeetingInfo, decode
from statements.links import validate_safe_url
from statements.models import Meeting, Speaker, Utterance
from statements.speakers import KnownSpeaker
from statements.uploads import SUFFIXES, TooLarge, read_upload, too_large

KEEP, OTHER, NEW = "keep", "other", "new"


class UploadForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text="A transcript as .txt, .md, .html (a saved web page), .docx or .pdf with a "
        "text layer.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(SUFFIXES))}),
    )
    pasted = forms.CharField(
        label="Or paste the transcript",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
    )

    def clean(self):
        data = super().clean()
        upload, pasted = data.get("file"), data.get("pasted") or ""
        if upload and pasted.strip():
            raise forms.ValidationError("Send a file or paste text, not both.")
        if not upload and not pasted.strip():
            raise forms.ValidationError("Choose a file, or paste the transcript's text.")
        if isinstance(upload, TooLarge):
            raise forms.ValidationError(too_large(upload.name, upload.size))
        if upload:
            data["filename"], data["original"] = upload.name, upload.read()
            data["content_type"] = upload.content_type or ""
        else:
            data["filename"], data["original"] = "", pasted.encode("utf-8")
            data["content_type"] = "text/plain"
        try:
            data["text"] = (
                read_upload(upload.name, data["original"])
                if upload
                else decode(data["original"], "The pasted text")
            )
        except IngestError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class MetadataForm(forms.Form):
    title = forms.CharField(max_length=500)
    date = forms.DateField(
        help_text="Required. Taken from the transcript's header when it gives one.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    kind = forms.ChoiceField(choices=Meeting.Kind.choices)
    location = forms.CharField(max_length=200, required=False)
    venue = forms.CharField(max_length=200, required=False)
    series = forms.CharField(max_length=200, required=False)
    source_url = forms.URLField(
        label="Source URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[validate_safe_url],
    )

    @classmethod
    def initial_from(cls, info: MeetingInfo) -> dict:
        return asdict(info)

    def info(self) -> MeetingInfo:
        return MeetingInfo(**self.cleaned_data)


class SpeakersForm(forms.Form):
    """One decision per label: keep what the archive matched, take a suggestion, find any
    speaker by name (the admin's searchable picker), or make a new one."""

    def __init__(
        self, *args, labels: list[LabelPlan], speakers: Mapping[int, KnownSpeaker], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.labels = labels
        picker = AutocompleteSelect(Utterance._meta.get_field("speaker"), admin.site)
        for number, plan in enumerate(labels):
            suggested = [
                (str(pk), f"{speakers[pk].name} ({why})")
                for pk, why in plan.suggestions
                if pk in speakers
            ]
            self.fields[f"choice_{number}"] = forms.ChoiceField(
                label=plan.label,
                initial=KEEP,
                choices=[
                    (KEEP, _keep_label(plan, speakers)),
                    *([("Suggested", suggested)] if suggested else []),
                    (OTHER, "Another speaker: find them by name below"),
                    (NEW, "A new speaker: give the name, role and country below"),
                ],
            )
            self.fields[f"other_{number}"] = forms.ModelChoiceField(
                queryset=Speaker.objects.filter(unidentified_in__isnull=True),
                required=False,
                widget=picker,
                label=f"Another speaker for {plan.label}",
            )
            for field, size in (("name", 200), ("role", 200), ("country", 100)):
                self.fields[f"{field}_{number}"] = forms.CharField(
                    max_length=size,
                    required=False,
                    widget=forms.TextInput(attrs={"placeholder": field.capitalize()}),
                )

    def rows(self):
        """Each label with its bound fields, for the template."""
        for number, plan in enumerate(self.labels):
            yield {
                "plan": plan,
                "choice": self[f"choice_{number}"],
                "other": self[f"other_{number}"],
                "name": self[f"name_{number}"],
                "role": self[f"role_{number}"],
                "country": self[f"country_{number}"],
            }

    def clean(self):
        data = super().clean()
        for number, plan in enumerate(self.labels):
            choice = data.get(f"choice_{number}")
            if choice == NEW and not data.get(f"name_{number}", "").strip():
                self.add_error(f"name_{number}", f"Give the new speaker’s name for “{plan.label}”.")
            if choice == OTHER and not data.get(f"other_{number}"):
                self.add_error(f"other_{number}", f"Find the speaker for “{plan.label}”.")
        return data

    def choices(self) -> dict[str, LabelChoice]:
        decided = {}
        for number, plan in enumerate(self.labels):
            choice = self.cleaned_data[f"choice_{number}"]
            if choice == NEW:
                decided[plan.label] = LabelChoice(
                    new_speaker={
                        "name": self.cleaned_data[f"name_{number}"].strip(),
                        "role": self.cleaned_data[f"role_{number}"].strip(),
                        "country": self.cleaned_data[f"country_{number}"].strip(),
                        "kind": Speaker.Kind.OFFICIAL,
                    }
                )
            elif choice == OTHER:
                decided[plan.label] = LabelChoice(
                    speaker_id=self.cleaned_data[f"other_{number}"].pk
                )
            elif choice != KEEP:
                decided[plan.label] = LabelChoice(speaker_id=int(choice))
        return decided


def _keep_label(plan: LabelPlan, speakers: Mapping[int, KnownSpeaker]) -> str:
    resolution = plan.resolution
    if resolution.speaker_id in speakers:
        name = speakers[resolution.speaker_id].name
        return f"Keep: {name}" + (" (near spelling)" if resolution.how == "fuzzy" else "")
    if resolution.new is not None:
        new = resolution.new
        if new.unidentified:
            return f"Keep: an official this meeting does not name (“{new.name}”)"
        checked = ", to review" if new.review_reason else ""
        described = ", ".join(filter(None, [new.role, new.country or new.organisation]))
        return (
            f"Keep: a new speaker “{new.name}”" + (f" ({described})" if described else "") + checked
        )
    kind = Speaker.Kind(resolution.speaker_kind).label.lower()
    return (
        f"Keep: no named person (a {kind}{', ' + resolution.outlet if resolution.outlet else ''})"
    )
