"""The Content-Security-Policy: on every response, and no page needs more than it allows."""

import lxml.html
import pytest

from statements.models import Meeting, Speaker, Topic, Upload, Utterance

pytestmark = pytest.mark.django_db

LIMA = (
    "Remarks at the Lima Summit\n\n(May 21, 2024)\n\n"
    "SECRETARY BLINKEN:  Thank you.\n\nQUESTION:  What about migration?\n"
)


def policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives}


def public_pages() -> list[str]:
    meeting = Meeting.objects.get(kind="interview")
    utterance = Utterance.objects.filter(meeting=meeting).first()
    speaker = Speaker.objects.get(name="Antony J. Blinken")
    topic = Topic.objects.get(slug="drugs")
    return [
        "/",
        "/?q=fentanyl",
        "/?q=fentanyl&year=2023",
        "/api/search?q=fentanyl",
        "/meetings/",
        meeting.get_absolute_url(),
        utterance.get_absolute_url(),
        "/speakers/",
        speaker.get_absolute_url(),
        "/topics/",
        topic.get_absolute_url(),
        "/?page=abc",  # 400
        "/meetings/no-such-meeting/",  # 404
    ]


def test_every_response_carries_a_policy_without_inline_script(client, archive):
    for path in public_pages():
        response = client.get(path)
        found = policy(response)
        assert found["script-src"] == ["'self'"], path
        assert found["style-src"] == ["'self'"], path
        assert found["object-src"] == ["'none'"], path
        assert found["frame-ancestors"] == ["'none'"], path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def inline_code(html: str) -> list[str]:
    """What the policy would block in a page: inline scripts and styles, event handlers."""
    found = []
    for element in lxml.html.document_fromstring(html).iter():
        if not isinstance(element.tag, str):
            continue
        runs = element.get("type") != "application/json"  # a JSON script is data, never run
        if element.tag == "script" and not element.get("src") and runs:
            found.append(lxml.html.tostring(element, encoding="unicode")[:80])
        if element.tag == "style":
            found.append("<style>")
        for name, value in element.attrib.items():
            if name == "style" or name.startswith("on"):
                found.append(f"<{element.tag} {name}={value!r}>")
            if name in {"href", "src", "action"} and value.strip().lower().startswith(
                "javascript:"
            ):
                found.append(f"<{element.tag} {name}={value!r}>")
    return found


def test_no_public_page_holds_inline_code(client, archive):
    for path in public_pages():
        response = client.get(path)
        if response["Content-Type"].startswith("text/html"):
            assert inline_code(response.content.decode()) == [], path


def test_no_admin_page_holds_inline_code(admin_client, admin_user, archive):
    meeting = Meeting.objects.get(kind="interview")
    upload = Upload.objects.create(
        uploaded_by=admin_user, size=len(LIMA), sha256="0", original=LIMA.encode(), text=LIMA
    )
    for path in [
        "/admin/",
        "/admin/statements/meeting/",
        f"/admin/statements/meeting/{meeting.pk}/change/",
        "/admin/statements/meeting/upload/",
        f"/admin/statements/meeting/upload/{upload.pk}/",
        "/admin/statements/topic/add/",
        "/admin/statements/speaker/",
        f"/admin/statements/utterance/{meeting.utterances.first().pk}/change/",
        "/admin/statements/upload/",
    ]:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert inline_code(response.content.decode()) == [], path


def test_the_login_page_carries_the_policy(client):
    response = client.get("/admin/login/")
    assert policy(response)["script-src"] == ["'self'"]
    assert inline_code(response.content.decode()) == []


def test_a_histogram_bar_s_height_is_an_attribute_not_a_style(client, archive):
    page = client.get("/?q=fentanyl").content.decode()
    assert '<svg class="bar" width="100%" height="100%"' in page
    assert inline_code(page) == []
