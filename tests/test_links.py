import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from statements.forms import MetadataForm
from statements.ingest import MeetingInfo, ingest
from statements.links import UnsafeURL, safe_url
from statements.models import Meeting

HOSTILE = [
    "javascript:alert(1)//",
    "JavaScript:alert(document.cookie)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://files.example.org/briefing.txt",
    "//evil.example.org/x",
    "/meetings/",
    "www.state.gov/briefing",
    "http://",
    "https://exa mple.org/",
    "http://[::1",
    "https://example.org/" + "x" * 500,
]
TRANSCRIPT = (
    "Press Briefing\n\n(March 1, 2024)\n\nSECRETARY BLINKEN: Good morning.\n\n"
    "QUESTION: A question.\n"
)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.state.gov/secretary-blinken-remarks/",
        "http://example.org/a?b=c#d",
        "HTTPS://WWW.STATE.GOV/",
        "https://[2001:db8::1]/x",
    ],
)
def test_web_addresses_pass_unchanged(url):
    assert safe_url(f"  {url} ") == url


@pytest.mark.parametrize("url", HOSTILE)
def test_anything_but_an_http_or_https_address_is_refused(url):
    with pytest.raises(UnsafeURL):
        safe_url(url)


def test_no_address_is_no_address():
    assert safe_url("") == safe_url(None) == safe_url("   ") == ""


@pytest.mark.parametrize("url", HOSTILE[:3] + ["ftp://files.example.org/x"])
def test_the_upload_metadata_form_refuses_them(url):
    form = MetadataForm({"title": "T", "date": "2024-03-01", "kind": "briefing", "source_url": url})
    assert not form.is_valid()
    assert "source_url" in form.errors


@pytest.mark.django_db
def test_a_meeting_refuses_them_when_validated_as_the_admin_does():
    meeting = ingest(TRANSCRIPT, MeetingInfo()).meeting
    meeting.source_url = "javascript:alert(1)//"
    with pytest.raises(ValidationError) as refused:
        meeting.full_clean()
    assert "must start with http:// or https://" in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)//", "Enter a valid URL."),
        ("ftp://files.example.org/x", "must start with http:// or https://"),
    ],
)
def test_the_admin_edit_form_refuses_them(admin_client, url, message):
    meeting = ingest(TRANSCRIPT, MeetingInfo()).meeting
    page = admin_client.get(f"/admin/statements/meeting/{meeting.pk}/change/").content.decode()
    assert "source_url" in page
    response = admin_client.post(
        f"/admin/statements/meeting/{meeting.pk}/change/",
        {
            "title": meeting.title,
            "slug": meeting.slug,
            "date": "2024-03-01",
            "kind": "briefing",
            "source_url": url,
            "utterances-TOTAL_FORMS": "0",
            "utterances-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.source_url == ""


@pytest.mark.django_db
def test_the_ingest_command_refuses_a_sidecar_s_javascript_link_and_takes_the_rest(tmp_path):
    (tmp_path / "bad.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps({"source_url": "javascript:alert(1)//"}))
    (tmp_path / "good.txt").write_text(TRANSCRIPT.replace("Good", "Fine"), encoding="utf-8")
    (tmp_path / "good.json").write_text(json.dumps({"source_url": "https://www.state.gov/x"}))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 transcripts were refused"):
        call_command("ingest", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "bad.txt: its source URL is refused" in err.getvalue()
    assert "must start with http:// or https://" in err.getvalue()
    assert list(Meeting.objects.values_list("source_url", flat=True)) == ["https://www.state.gov/x"]


@pytest.mark.django_db
def test_the_ingest_command_refuses_a_javascript_link_given_as_an_option(tmp_path):
    (tmp_path / "a.txt").write_text(TRANSCRIPT, encoding="utf-8")
    with pytest.raises(CommandError, match="--source-url: The URL 'javascript:alert"):
        call_command("ingest", str(tmp_path), "--source-url=javascript:alert(1)//")
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_a_stored_javascript_link_is_not_rendered_as_a_link(client):
    meeting = ingest(TRANSCRIPT, MeetingInfo()).meeting
    # Stored before the check existed: written past every validator.
    Meeting.objects.filter(pk=meeting.pk).update(source_url="javascript:alert(1)//")
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "javascript:" not in page
    assert "Published at the source" not in page
    Meeting.objects.filter(pk=meeting.pk).update(source_url="https://www.state.gov/x")
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert '<a href="https://www.state.gov/x" rel="noopener">Published at the source</a>' in page
