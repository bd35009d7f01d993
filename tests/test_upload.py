import datetime as dt
import hashlib
import io
import re

import docx
import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from statements.ingest import MeetingInfo, ingest
from statements.models import (
    Meeting,
    Speaker,
    SpeakerAlias,
    Topic,
    TopicOverride,
    Upload,
    Utterance,
)
from tests.conftest import SAMPLES, sample_info

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/statements/meeting/upload/"
LIMA = (
    "Remarks at the Lima Summit\n\n(May 21, 2024)\n\nLima, Peru\n\n"
    "PRIME MINISTER DUPONT:  Bonjour. We discussed fentanyl precursors today.\n\n"
    "SECRETARY BLINKEN:  Thank you, Prime Minister.\n\n"
    "QUESTION:  What about migration?\n"
)


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="long-enough-passphrase", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="statements"))
    client.force_login(user)
    return user


def named_file(name: str, data: bytes) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def send(client, name: str, data: bytes):
    return client.post(UPLOAD, {"file": named_file(name, data)})


def archive_size() -> tuple[int, int, int, int]:
    return (
        Meeting.objects.count(),
        Utterance.objects.count(),
        Speaker.objects.count(),
        SpeakerAlias.objects.count(),
    )


def preview_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def confirm(client, url: str, **changes):
    page = client.get(url).content.decode()
    data = {
        name: value
        for name, value in re.findall(r'name="(meeting-[\w_]+)"[^>]*value="([^"]*)"', page)
    }
    data["meeting-kind"] = re.search(
        r'name="meeting-kind".*?<option value="(\w+)" selected', page, re.S
    )[1]
    labels = len(re.findall(r'name="label-choice_\d+"', page))
    data.update({f"label-choice_{n}": "keep" for n in range(labels)})
    data.update(changes)
    return client.post(url, data)


def test_an_anonymous_visitor_gets_the_login_page(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post(UPLOAD, {"pasted": LIMA}).status_code == 302
    assert Upload.objects.count() == 0


def test_staff_without_the_permission_cannot_upload(client):
    user = User.objects.create_user("viewer", password="long-enough-passphrase", is_staff=True)
    client.force_login(user)
    assert client.get(UPLOAD).status_code == 403


def test_the_upload_page_is_reachable_from_the_admin(client, editor):
    page = client.get("/admin/statements/meeting/").content.decode()
    assert 'href="/admin/statements/meeting/upload/"' in page
    assert client.get(UPLOAD).status_code == 200


def test_a_form_without_its_csrf_token_is_refused(editor):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(UPLOAD, {"pasted": LIMA}).status_code == 403


def test_an_upload_is_previewed_before_anything_is_saved(client, editor):
    before = archive_size()
    url = preview_url(send(client, "lima.txt", LIMA.encode()))
    upload = Upload.objects.get()
    assert (upload.uploaded_by, upload.filename, upload.status) == (editor, "lima.txt", "previewed")
    assert upload.sha256 == hashlib.sha256(LIMA.encode()).hexdigest()
    assert bytes(upload.original) == LIMA.encode()

    page = client.get(url).content.decode()
    assert archive_size() == before
    assert 'value="Remarks at the Lima Summit"' in page  # title and date from the header
    assert 'value="2024-05-21"' in page
    assert "“PRIME MINISTER DUPONT”: Only the label names this speaker" in page
    assert "Antony J. Blinken" in page
    assert page.count('class="text"') == 3
    assert "Lima, Peru" in page


def test_confirming_writes_the_meeting_with_the_editor_s_speakers(client, editor):
    url = preview_url(send(client, "lima.txt", LIMA.encode()))
    response = confirm(
        client,
        url,
        **{
            "label-choice_0": "new",
            "label-name_0": "Jean Dupont",
            "label-role_0": "Prime Minister",
            "label-country_0": "France",
        },
    )
    meeting = Meeting.objects.get(title="Remarks at the Lima Summit")
    assert response.status_code == 302
    assert [
        (u.speaker_label, u.speaker and u.speaker.name, u.kind) for u in meeting.utterances.all()
    ] == [
        ("PRIME MINISTER DUPONT", "Jean Dupont", "statement"),
        ("SECRETARY BLINKEN", "Antony J. Blinken", "statement"),
        ("QUESTION", None, "question"),
    ]
    dupont = Speaker.objects.get(name="Jean Dupont")
    assert (dupont.role, dupont.country, dupont.needs_review) == ("Prime Minister", "France", False)
    assert SpeakerAlias.objects.get(key="prime minister dupont").speaker == dupont
    upload = Upload.objects.get()
    assert (upload.status, upload.meeting) == ("saved", meeting)


def test_an_editor_can_pick_another_existing_speaker(client, editor):
    url = preview_url(send(client, "lima.txt", LIMA.encode()))
    garland = Speaker.objects.get(name="Merrick B. Garland")
    confirm(client, url, **{"label-choice_1": "other", "label-other_1": str(garland.pk)})
    meeting = Meeting.objects.get()
    assert meeting.utterances.get(sequence=2).speaker == garland


def test_a_kept_unknown_label_becomes_a_speaker_to_review(client, editor):
    confirm(client, preview_url(send(client, "lima.txt", LIMA.encode())))
    dupont = Speaker.objects.get(name="Prime Minister Dupont")
    assert dupont.needs_review
    page = client.get("/admin/statements/speaker/?needs_review__exact=1").content.decode()
    assert "Prime Minister Dupont" in page


def test_a_new_speaker_needs_a_name(client, editor):
    url = preview_url(send(client, "lima.txt", LIMA.encode()))
    before = archive_size()
    response = confirm(client, url, **{"label-choice_0": "new"})
    assert response.status_code == 200
    assert "Give the new speaker’s name for “PRIME MINISTER DUPONT”." in response.content.decode()
    assert archive_size() == before


def test_a_missing_date_is_asked_for_and_nothing_is_written(client, editor):
    undated = LIMA.replace("(May 21, 2024)\n\n", "")
    url = preview_url(send(client, "lima.txt", undated.encode()))
    before = archive_size()
    response = confirm(client, url)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert archive_size() == before


def test_a_transcript_already_in_the_archive_points_to_its_meeting(client, editor, archive):
    path = SAMPLES / "2021-10-08-blinken-interview-milenio-tv.txt"
    before = archive_size()
    url = preview_url(send(client, path.name, path.read_bytes()))
    page = client.get(url).content.decode()
    meeting = Meeting.objects.get(kind="interview")
    assert "This transcript is already in the archive" in page
    assert meeting.get_absolute_url() in page
    assert 'value="Save to the archive"' not in page
    assert 'name="meeting-date"' not in page and "<select" not in page  # nothing to edit
    client.post(url, {"confirm": "Save to the archive"})  # sent anyway: nothing is saved
    assert archive_size() == before
    assert Upload.objects.get().status == "duplicate"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "The submitted file is empty."),
        ("blank.txt", b"  \n\n ", "blank.txt is empty."),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "is a binary file"),
        ("slides.pptx", b"PK\x03\x04 not a transcript", "is not a format the archive reads"),
        ("notes.rtf", b"{\\rtf1 QUESTION: hello}", "is not a format the archive reads"),
        ("legacy.txt", b"QUESTION: caf\x81\x8d\x8f\x90\x9d", "neither UTF-8 nor Windows-1252"),
        ("prose.txt", b"Just some prose.\n\nNo speakers here.", "No speaker turns were found"),
        ("broken.docx", b"PK\x03\x04 broken", "is not a readable Word document"),
        ("broken.pdf", b"%PDF-1.4 broken", "is not a readable PDF"),
    ],
)
def test_bad_files_are_refused_on_the_form(client, editor, name, data, message):
    before = archive_size()
    response = send(client, name, data)
    page = response.content.decode()
    if response.status_code == 302:  # read fine but refused when parsed
        page = client.get(response["Location"], follow=True).content.decode()
    assert message in page
    assert archive_size() == before
    assert not Upload.objects.filter(status="saved").exists()


def test_a_file_over_the_size_limit_is_refused_saying_so(client, editor, settings):
    settings.TRANSCRIPT_MAX_BYTES = 1024 * 1024
    response = send(client, "huge.txt", b"QUESTION: hello\n" * 80_000)
    assert "over the 1 MB limit" in response.content.decode()
    refused = Upload.objects.get()
    assert (refused.status, refused.size, bytes(refused.original)) == ("refused", 1_280_000, b"")


def test_nothing_to_read_or_two_things_at_once_are_refused(client, editor):
    assert "Choose a file, or paste" in client.post(UPLOAD, {}).content.decode()
    both = client.post(UPLOAD, {"file": named_file("a.txt", b"Q: hi"), "pasted": LIMA})
    assert "not both" in both.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("windows.txt", LIMA.replace("discussed", "discussed – ‘today’").encode("cp1252")),
        ("bom.txt", "\ufeff".encode() + LIMA.encode()),
        ("notes.md", LIMA.replace("Remarks at", "# Remarks at").encode()),
    ],
)
def test_legacy_encodings_and_markdown_just_work(client, editor, name, data):
    page = client.get(preview_url(send(client, name, data))).content.decode()
    assert page.count('class="text"') == 3
    assert "PRIME MINISTER DUPONT" in page


def test_pasted_text_works_like_a_file(client, editor):
    page = client.get(preview_url(client.post(UPLOAD, {"pasted": LIMA}))).content.decode()
    assert page.count('class="text"') == 3
    assert Upload.objects.get().filename == ""


def test_a_saved_web_page_is_read_without_its_furniture(client, editor):
    html = (
        "<html><head><title>x</title><script>var a = 1;</script></head><body>"
        "<nav>Home | About</nav><article><h1>Remarks at the Lima Summit</h1>"
        "<p>(May 21, 2024)</p><p>PRIME MINISTER DUPONT:&nbsp; Bonjour. We discussed fentanyl.</p>"
        "<p>SECRETARY BLINKEN: Thank you.</p></article><footer>© State</footer></body></html>"
    )
    page = client.get(preview_url(send(client, "page.html", html.encode()))).content.decode()
    assert page.count('class="text"') == 2
    assert "var a" not in page and "Home | About" not in page
    assert 'value="2024-05-21"' in page


def test_a_word_document_is_read_paragraph_by_paragraph(client, editor):
    document = docx.Document()
    for paragraph in LIMA.split("\n\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    page = client.get(preview_url(send(client, "lima.docx", buffer.getvalue()))).content.decode()
    assert page.count('class="text"') == 3


def pdf_with(text_lines: list[str]) -> bytes:
    """A one-page PDF with a text layer, written by hand."""
    stream = (
        "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in text_lines) + " ET"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = "%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{obj}\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    body += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return body.encode("latin-1")


def test_a_pdf_with_a_text_layer_is_read_and_a_scan_is_refused(client, editor):
    lines = ["May 21, 2024", "", "SECRETARY BLINKEN: Good morning.", "", "QUESTION: And fentanyl?"]
    page = client.get(preview_url(send(client, "lima.pdf", pdf_with(lines)))).content.decode()
    assert page.count('class="text"') == 2
    assert "has no text layer" in send(client, "scan.pdf", pdf_with([])).content.decode()


def test_a_corrected_transcript_keeps_the_corrections_that_still_apply(client, editor, archive):
    meeting = Meeting.objects.get(kind="interview")
    slug = meeting.slug
    first, second = meeting.utterances.get(sequence=1), meeting.utterances.get(sequence=2)
    energy = Topic.objects.get(slug="energy")
    TopicOverride.objects.create(utterance=second, topic=energy, applies=True, note="by hand")
    garland = Speaker.objects.get(name="Merrick B. Garland")
    Utterance.objects.filter(pk=first.pk).update(speaker=garland)  # a hand-fixed speaker

    path = SAMPLES / "2021-10-08-blinken-interview-milenio-tv.txt"
    corrected = path.read_text(encoding="utf-8").replace("committments", "commitments")
    response = client.post(
        f"/admin/statements/meeting/{meeting.pk}/replace/",
        {"file": named_file(path.name, corrected.encode())},
    )
    url = preview_url(response)
    page = client.get(url).content.decode()
    assert f'value="{sample_info(path).title}"' in page  # the meeting's own metadata
    confirm(client, url)

    meeting.refresh_from_db()
    assert meeting.slug == slug and "commitments" in meeting.raw_text
    assert meeting.utterances.count() == 30
    assert meeting.utterances.get(sequence=1).speaker == garland
    kept = meeting.utterances.get(sequence=2)
    assert kept.overrides.get().note == "by hand"
    assert "Energy" in set(kept.taggings.values_list("topic__name", flat=True))


def test_merging_speakers_moves_their_labels_and_utterances(client, editor, archive):
    blinken = Speaker.objects.get(name="Antony J. Blinken")
    twin = Speaker.objects.create(name="Tony Blinken", slug="tony-blinken", role="Diplomat")
    SpeakerAlias.objects.create(speaker=twin, label="MR BLINKEN", key="mr blinken")
    moved = Utterance.objects.filter(meeting__kind="interview", speaker=blinken)[:3]
    Utterance.objects.filter(pk__in=[u.pk for u in moved]).update(speaker=twin)
    turns = Utterance.objects.filter(speaker__in=[blinken, twin]).count()

    changelist = "/admin/statements/speaker/"
    selection = {"action": "merge", "_selected_action": [blinken.pk, twin.pk]}
    assert "Keep which speaker?" in client.post(changelist, selection).content.decode()
    client.post(changelist, {**selection, "keep": blinken.pk, "confirm": "yes"})

    assert not Speaker.objects.filter(pk=twin.pk).exists()
    blinken.refresh_from_db()
    assert (blinken.name, blinken.role) == ("Antony J. Blinken", "Secretary of State")
    assert blinken.utterances.count() == turns
    assert blinken.aliases.filter(label="MR BLINKEN").exists()


def test_splitting_a_wrong_alias_gives_the_label_its_own_speaker(client, editor, archive):
    mayorkas = Speaker.objects.get(name__contains="Mayorkas")
    alias = mayorkas.aliases.get(label="HOMELAND SECURITY SECRETARY MAYORKAS")
    client.post(
        "/admin/statements/speakeralias/", {"action": "split", "_selected_action": [alias.pk]}
    )
    alias.refresh_from_db()
    split = alias.speaker
    assert split != mayorkas and split.needs_review
    assert split.name == "Homeland Security Secretary Mayorkas"
    assert set(split.utterances.values_list("speaker_label", flat=True)) == {
        "HOMELAND SECURITY SECRETARY MAYORKAS"
    }
    assert mayorkas.utterances.filter(speaker_label="SECRETARY MAYORKAS").count() == 6


def test_an_editor_corrects_a_topic_on_one_utterance_in_the_admin(client, editor, archive):
    utterance = Utterance.objects.filter(taggings__topic__slug="drugs").first()
    arms = utterance.taggings.get(topic__slug="drugs").topic
    url = f"/admin/statements/utterance/{utterance.pk}/change/"
    page = client.get(url).content.decode()
    assert "Mentions " in page  # why each topic applies
    form = {
        "speaker": utterance.speaker_id or "",
        "kind": utterance.kind,
        "taggings-TOTAL_FORMS": "0",
        "taggings-INITIAL_FORMS": "0",
        "overrides-TOTAL_FORMS": "1",
        "overrides-INITIAL_FORMS": "0",
        "overrides-0-topic": arms.pk,
        "overrides-0-applies": "",
        "overrides-0-note": "passing mention",
        "place_taggings-TOTAL_FORMS": "0",
        "place_taggings-INITIAL_FORMS": "0",
        "place_overrides-TOTAL_FORMS": "0",
        "place_overrides-INITIAL_FORMS": "0",
    }
    if utterance.via_interpreter:
        form["via_interpreter"] = "on"
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    override = TopicOverride.objects.get()
    assert (override.applies, override.created_by) == (False, editor)
    assert not utterance.taggings.filter(topic=arms).exists()


def test_login_failures_are_rate_limited(client):
    User.objects.create_user("admin2", password="the-right-passphrase", is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin2", "password": "wrong"})
    locked = client.post(
        "/admin/login/", {"username": "admin2", "password": "the-right-passphrase"}
    )
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()


def test_failed_logins_are_limited_per_address_whatever_the_usernames(client):
    User.objects.create_user("admin3", password="the-right-passphrase", is_staff=True)
    for number in range(5):
        client.post("/admin/login/", {"username": f"guess{number}", "password": "wrong"})
    locked = client.post(
        "/admin/login/", {"username": "admin3", "password": "the-right-passphrase"}
    )
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    response = elsewhere.post(
        "/admin/login/", {"username": "admin3", "password": "the-right-passphrase"}
    )
    assert response.status_code == 302  # logged in


def test_the_original_file_can_be_downloaded_byte_for_byte(client, editor):
    send(client, "lima.txt", LIMA.encode("cp1252"))
    upload = Upload.objects.get()
    assert "Download" in client.get("/admin/statements/upload/").content.decode()
    response = client.get(f"/admin/statements/upload/{upload.pk}/original/")
    assert response.content == LIMA.encode("cp1252")
    assert 'filename="lima.txt"' in response["Content-Disposition"]


def test_the_preview_asks_to_save_only_after_every_turn(client, editor):
    page = client.get(preview_url(send(client, "lima.txt", LIMA.encode()))).content.decode()
    last_turn = page.rindex('<td class="text">')
    assert page.index('value="Save to the archive"') > last_turn
    assert "style=" not in page.split('id="content-main"')[1]  # styles from a stylesheet


def test_possible_duplicates_are_listed_with_why_and_merged_in_one_click(client, editor):
    from statements.models import SpeakerAlias

    ingest("MS. QUINTANILLA:  Hello.\n", MeetingInfo(date=dt.date(2022, 1, 2)))
    ingest(
        "Rosa Quintanilla, Deputy Spokesperson\n\nMS. QUINTANILLA:  Good morning.\n",
        MeetingInfo(date=dt.date(2030, 1, 2)),  # too far apart for the label to carry over
    )
    surname_only = Speaker.objects.get(name="Ms. Quintanilla")
    full = Speaker.objects.get(name="Rosa Quintanilla")
    page = client.get("/admin/statements/speaker/duplicates/").content.decode()
    assert "Ms. Quintanilla" in page and "Rosa Quintanilla" in page
    assert "one without a given name" in page
    client.post(
        "/admin/statements/speaker/duplicates/", {"keep": full.pk, "other": surname_only.pk}
    )
    assert not Speaker.objects.filter(pk=surname_only.pk).exists()
    assert set(full.utterances.values_list("speaker_label", flat=True)) == {"MS. QUINTANILLA"}
    assert SpeakerAlias.objects.get(key="ms quintanilla", speaker=full).source == "editor"


def test_a_speaker_s_kind_changed_in_the_admin_carries_to_their_turns(client, editor):
    ingest("MR. HOSTLY:  Welcome to the show?\n", MeetingInfo(date=dt.date(2022, 1, 2)))
    speaker = Speaker.objects.get(name="Mr. Hostly")
    form = client.get(f"/admin/statements/speaker/{speaker.pk}/change/")
    assert form.status_code == 200
    data = {
        "name": speaker.name,
        "family_name": "",
        "slug": speaker.slug,
        "role": "",
        "country": "",
        "organisation": "",
        "outlet": "",
        "kind": "journalist",
        "roles-TOTAL_FORMS": "0",
        "roles-INITIAL_FORMS": "0",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/statements/speaker/{speaker.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(speaker.utterances.values_list("speaker_kind", flat=True)) == {"journalist"}


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds these lines (a blank line is a gap), in the
    standard Helvetica: what a word processor's "Save as PDF" gives, at its smallest."""

    def text(line: str) -> bytes:
        escaped = line.replace("\\\\", "\\\\\\\\").replace("(", "\\\\(").replace(")", "\\\\)")
        return f"({escaped}) '".encode("cp1252")

    content = b"BT /F1 10 Tf 14 TL 56 760 Td " + b" ".join(text(line) for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        start,
    )
    return bytes(out)


def _five_formats(text: str) -> dict[str, bytes]:
    """One transcript as a user may have it: text, Markdown, a saved web page, Word and PDF."""
    import textwrap

    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    title, body = paragraphs[0], paragraphs[1:]
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    word = io.BytesIO()
    document.save(word)
    lines = []
    for paragraph in paragraphs:
        lines += [*textwrap.wrap(paragraph, 80), ""]
    bold = [re.sub(r"^([A-Z .]+):", r"**\1:**", p) for p in body]
    page = "".join(f"<p>{p.replace('(', '&#40;')}</p>\n" for p in body)
    return {
        "lima.txt": text.encode("utf-8"),
        "lima.md": (f"# {title}\n\n" + "\n\n".join(bold) + "\n").encode("utf-8"),
        "lima.html": (
            f"<!doctype html><html><head><title>{title}</title><script>track()</script></head>"
            f"<body><nav>Home · Press</nav><article><h1>{title}</h1>\n{page}</article>"
            "<footer>© The Department</footer></body></html>"
        ).encode(),
        "lima.docx": word.getvalue(),
        "lima.pdf": _pdf(lines),
    }


def test_the_same_transcript_in_five_formats_is_one_meeting(client, editor):
    """Saved once from its text, the same transcript sent again as Markdown, a web page, Word
    or PDF (other spaces, no-break spaces, line breaks and markup) is recognised, and nothing
    more is saved."""
    files = _five_formats(LIMA)
    first = preview_url(send(client, "lima.txt", files.pop("lima.txt")))
    confirm(client, first)
    meeting = Meeting.objects.get()
    for name, data in files.items():
        page = client.get(preview_url(send(client, name, data))).content.decode()
        assert "already in the archive" in page, name
        assert meeting.get_absolute_url() in page, name
    assert Meeting.objects.count() == 1


def test_another_copy_of_a_meeting_of_the_same_day_is_pointed_out_before_saving(client, editor):
    confirm(client, preview_url(send(client, "lima.txt", LIMA.encode())))
    edited = LIMA.replace("What about migration?", "What about migration and trade?")
    page = client.get(preview_url(send(client, "lima-2.txt", edited.encode()))).content.decode()
    assert "A meeting of the same day looks like this one" in page
    assert Meeting.objects.get().get_absolute_url() in page
    other_day = edited.replace("May 21, 2024", "May 22, 2024")
    page = client.get(preview_url(send(client, "lima-3.txt", other_day.encode()))).content.decode()
    assert "looks like this one" not in page
