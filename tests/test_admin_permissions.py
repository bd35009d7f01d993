"""Every admin view, asked by each kind of user: what each may see and do.

An add-only uploader once could replace any meeting's transcript and open anyone's preview; the
table below is what each role gets now, view by view.
"""

import io

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from statements.ingest import MeetingInfo, ingest
from statements.models import Meeting, Speaker, SpeakerAlias, Topic, Upload

pytestmark = pytest.mark.django_db

LIMA = (
    "Remarks at the Lima Summit\n\n(May 21, 2024)\n\nLima, Peru\n\n"
    "SECRETARY BLINKEN:  Thank you, Prime Minister.\n\nQUESTION:  What about migration?\n"
)
ROLES = ["anonymous", "staff", "add_only", "change", "superuser"]
# An editor: changes (and sees) everything but adds only meetings and deletes nothing.
EDITOR_PERMISSIONS = [
    "add_meeting",
    *(
        f"{action}_{model}"
        for action in ("view", "change")
        for model in ("meeting", "speaker", "speakeralias", "utterance", "topic")
    ),
    "view_upload",
]
LOGIN, OK, FOUND, FORBIDDEN, MISSING = "login", 200, 302, 403, 404

# view: what anonymous, staff without permissions, add-only, change and superuser get.
EXPECTED = {
    "index": (LOGIN, OK, OK, OK, OK),
    "meeting list": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "meeting add": (LOGIN, FORBIDDEN, OK, OK, OK),
    "meeting edit": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "meeting history": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "meeting delete": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "upload page": (LOGIN, FORBIDDEN, OK, OK, OK),
    "upload sent": (LOGIN, FORBIDDEN, FOUND, FOUND, FOUND),
    "replace page": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "replace sent": (LOGIN, FORBIDDEN, FORBIDDEN, FOUND, FOUND),
    "replace of a missing meeting": (LOGIN, FORBIDDEN, FORBIDDEN, MISSING, MISSING),
    "own preview": (LOGIN, FORBIDDEN, OK, OK, OK),
    "own preview of a replacement": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "another's preview": (LOGIN, FORBIDDEN, MISSING, MISSING, MISSING),
    "upload list": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "upload record": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "upload add": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "upload delete": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "upload original": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "speaker list": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "speaker add": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "speaker edit": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "speaker delete": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "speaker merge": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "possible duplicates": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "office list": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "publisher list": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "alias list": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "alias edit": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "alias split": (LOGIN, FORBIDDEN, FORBIDDEN, FOUND, FOUND),
    "utterance list": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "utterance edit": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "topic list": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
    "topic add": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "topic edit": (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK),
}


def make_user(role: str) -> User | None:
    if role == "anonymous":
        return None
    if role == "superuser":
        return User.objects.create_superuser(role, password="long-enough-passphrase")
    user = User.objects.create_user(role, password="long-enough-passphrase", is_staff=True)
    codenames = {"staff": [], "add_only": ["add_meeting"], "change": EDITOR_PERMISSIONS}[role]
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="statements", codename__in=codenames)
    )
    return user


def named_file(name: str, data: bytes) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def upload_of(user: User | None, replaces: Meeting | None = None) -> Upload:
    return Upload.objects.create(
        uploaded_by=user,
        filename="lima.txt",
        size=len(LIMA),
        sha256="0" * 64,
        original=LIMA.encode(),
        text=LIMA.replace("Thank you", "Thanks"),
        replaces=replaces,
    )


def requests(user: User | None) -> dict:
    """Each view of the table as a request: (method, path, data)."""
    meeting = ingest(LIMA, MeetingInfo()).meeting
    other = User.objects.create_user("other-uploader", is_staff=True)
    theirs = upload_of(other)
    mine = upload_of(user) if user else theirs
    my_replacement = upload_of(user, replaces=meeting) if user else theirs
    blinken = meeting.utterances.exclude(speaker=None).first().speaker_id
    speakers = [blinken, Speaker.objects.exclude(pk=blinken).first().pk]
    alias = SpeakerAlias.objects.filter(speaker_id=speakers[0]).first()
    topic = Topic.objects.first()
    utterance = meeting.utterances.first()
    admin = "/admin/statements"
    return {
        "index": ("get", "/admin/", None),
        "meeting list": ("get", f"{admin}/meeting/", None),
        "meeting add": ("get", f"{admin}/meeting/add/", None),
        "meeting edit": ("get", f"{admin}/meeting/{meeting.pk}/change/", None),
        "meeting history": ("get", f"{admin}/meeting/{meeting.pk}/history/", None),
        "meeting delete": ("get", f"{admin}/meeting/{meeting.pk}/delete/", None),
        "upload page": ("get", f"{admin}/meeting/upload/", None),
        "upload sent": (
            "post",
            f"{admin}/meeting/upload/",
            {"pasted": LIMA.replace("Lima", "Quito")},
        ),
        "replace page": ("get", f"{admin}/meeting/{meeting.pk}/replace/", None),
        "replace sent": (
            "post",
            f"{admin}/meeting/{meeting.pk}/replace/",
            {"file": named_file("lima.txt", LIMA.replace("migration", "trade").encode())},
        ),
        "replace of a missing meeting": ("get", f"{admin}/meeting/999999/replace/", None),
        "own preview": ("get", f"{admin}/meeting/upload/{mine.pk}/", None),
        "own preview of a replacement": (
            "get",
            f"{admin}/meeting/upload/{my_replacement.pk}/",
            None,
        ),
        "another's preview": ("get", f"{admin}/meeting/upload/{theirs.pk}/", None),
        "upload list": ("get", f"{admin}/upload/", None),
        "upload record": ("get", f"{admin}/upload/{theirs.pk}/change/", None),
        "upload add": ("get", f"{admin}/upload/add/", None),
        "upload delete": ("get", f"{admin}/upload/{theirs.pk}/delete/", None),
        "upload original": ("get", f"{admin}/upload/{theirs.pk}/original/", None),
        "speaker list": ("get", f"{admin}/speaker/", None),
        "speaker add": ("get", f"{admin}/speaker/add/", None),
        "speaker edit": ("get", f"{admin}/speaker/{speakers[0]}/change/", None),
        "speaker delete": ("get", f"{admin}/speaker/{speakers[0]}/delete/", None),
        "speaker merge": (
            "post",
            f"{admin}/speaker/",
            {"action": "merge", "_selected_action": speakers[:2]},
        ),
        "possible duplicates": ("get", f"{admin}/speaker/duplicates/", None),
        "office list": ("get", f"{admin}/office/", None),
        "publisher list": ("get", f"{admin}/publisher/", None),
        "alias list": ("get", f"{admin}/speakeralias/", None),
        "alias edit": ("get", f"{admin}/speakeralias/{alias.pk}/change/", None),
        "alias split": (
            "post",
            f"{admin}/speakeralias/",
            {"action": "split", "_selected_action": [alias.pk]},
        ),
        "utterance list": ("get", f"{admin}/utterance/", None),
        "utterance edit": ("get", f"{admin}/utterance/{utterance.pk}/change/", None),
        "topic list": ("get", f"{admin}/topic/", None),
        "topic add": ("get", f"{admin}/topic/add/", None),
        "topic edit": ("get", f"{admin}/topic/{topic.pk}/change/", None),
    }


def outcome(response) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_it_may_in_every_admin_view(role):
    user = make_user(role)
    client = Client()
    if user is not None:
        client.force_login(user)
    expected = {view: statuses[ROLES.index(role)] for view, statuses in EXPECTED.items()}
    observed = {}
    for view, (method, path, data) in requests(user).items():
        observed[view] = outcome(getattr(client, method)(path, data))
    assert observed == expected


def test_an_add_only_uploader_cannot_replace_a_meeting(client):
    meeting = ingest(LIMA, MeetingInfo()).meeting
    user = make_user("add_only")
    client.force_login(user)
    replaced = LIMA.replace("migration", "trade")
    response = client.post(
        f"/admin/statements/meeting/{meeting.pk}/replace/",
        {"file": named_file("lima.txt", replaced.encode())},
    )
    assert response.status_code == 403
    assert not Upload.objects.exists()
    # Nor by confirming a replacement someone else started for it, or one of their own.
    for upload in (upload_of(make_user("change"), replaces=meeting), upload_of(user, meeting)):
        response = client.post(
            f"/admin/statements/meeting/upload/{upload.pk}/",
            {"meeting-title": "Hijacked", "meeting-date": "2024-05-21", "meeting-kind": "other"},
        )
        assert response.status_code in {403, 404}
    meeting.refresh_from_db()
    assert (meeting.title, meeting.raw_text) == ("Remarks at the Lima Summit", LIMA)


def test_a_preview_is_only_its_uploader_s(client):
    first, second = make_user("change"), User.objects.create_superuser("boss")
    upload = upload_of(first)
    client.force_login(second)
    page = client.get(f"/admin/statements/meeting/upload/{upload.pk}/")
    assert page.status_code == 404
    assert "Thanks, Prime Minister" not in page.content.decode()
    client.force_login(first)
    page = client.get(f"/admin/statements/meeting/upload/{upload.pk}/")
    assert "Thanks, Prime Minister" in page.content.decode()
