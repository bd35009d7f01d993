"""Forms for sending transcripts through the admin: the file, its metadata, and the speakers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from django import forms

from statements.ingest import IngestError, LabelChoice, LabelPlan, MeetingInfo, decode
from statements.links import validate_safe_url
from statements.models import Meeting, Speaker
from statements.speakers import KnownSpeaker
from statements.uploads import SUFFIXES, TooLarge, read_upload, too_large

KEEP, NEW = "keep", "new"


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
    """One decision per label: keep what the archive matched, pick a speaker, or make one."""

    def __init__(
        self, *args, labels: list[LabelPlan], speakers: Mapping[int, KnownSpeaker], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.labels = labels
        everyone = list(Speaker.objects.order_by("name").values_list("id", "name"))
        for number, plan in enumerate(labels):
            suggested = [(s, speakers[s].name) for s in plan.suggestions if s in speakers]
            self.fields[f"choice_{number}"] = forms.ChoiceField(
                label=plan.label,
                initial=KEEP,
                choices=[
                    (KEEP, _keep_label(plan, speakers)),
                    ("Suggested", [(str(i), name) for i, name in suggested]),
                    ("Everyone", [(str(i), name) for i, name in everyone]),
                    (NEW, "A new speaker: give the name, role and country below"),
                ],
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
                "name": self[f"name_{number}"],
                "role": self[f"role_{number}"],
                "country": self[f"country_{number}"],
            }

    def clean(self):
        data = super().clean()
        for number, plan in enumerate(self.labels):
            if data.get(f"choice_{number}") == NEW and not data.get(f"name_{number}", "").strip():
                self.add_error(f"name_{number}", f"Give the new speaker’s name for “{plan.label}”.")
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
            elif choice != KEEP:
                decided[plan.label] = LabelChoice(speaker_id=int(choice))
        return decided


def _keep_label(plan: LabelPlan, speakers: Mapping[int, KnownSpeaker]) -> str:
    resolution = plan.resolution
    if resolution.speaker_id in speakers:
        name = speakers[resolution.speaker_id].name
        return f"Keep: {name}" + (" (near spelling)" if resolution.how == "fuzzy" else "")
    if resolution.how == "new":
        return f"Keep: a new speaker “{resolution.suggested_speaker()['name']}”, to review"
    if resolution.how == "interviewer":
        return "Keep: the interviewer named in the title"
    return f"Keep: no named person ({resolution.generic_kind})"
