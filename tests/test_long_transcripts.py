"""Bounded work per page: a turn limit at ingest, long transcripts a page at a time, and a
statement timeout on every web request."""

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from playwright.sync_api import expect

from statements.ingest import IngestError, MeetingInfo, ingest
from statements.models import Meeting, Utterance

ROOT = Path(__file__).resolve().parent.parent


def transcript(turns: int) -> str:
    said = "\n\n".join(
        f"SECRETARY BLINKEN: Answer number {n}." if n % 2 else f"QUESTION: Question {n}?"
        for n in range(1, turns + 1)
    )
    return f"A Very Long Briefing\n\n(March 1, 2024)\n\n{said}\n\n# # #\n"


@pytest.mark.django_db
def test_a_transcript_over_the_turn_limit_is_refused_saying_why(settings, tmp_path):
    settings.TRANSCRIPT_MAX_TURNS = 50
    with pytest.raises(IngestError, match="has 51 speaker turns, more than the 50"):
        ingest(transcript(51), MeetingInfo())
    ingest(transcript(50), MeetingInfo())
    (tmp_path / "long.txt").write_text(transcript(51).replace("Very", "Truly"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "more than the 50 a transcript may have" in err.getvalue()
    assert Meeting.objects.count() == 1


@pytest.mark.django_db
def test_the_upload_form_refuses_it_too(admin_client, settings):
    settings.TRANSCRIPT_MAX_TURNS = 50
    response = admin_client.post(
        "/admin/statements/meeting/upload/", {"pasted": transcript(51)}, follow=True
    )
    assert "has 51 speaker turns, more than the 50" in response.content.decode()
    assert not Meeting.objects.exists()


@pytest.fixture
def long_meeting(db, settings) -> Meeting:
    settings.TURNS_PER_PAGE = 10
    return ingest(transcript(25), MeetingInfo()).meeting


def turn_ids(page: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'<article class="turn[^"]*" id="u(\d+)"', page)]


def test_a_long_transcript_is_shown_a_page_at_a_time(client, long_meeting):
    Meeting.objects.filter(pk=long_meeting.pk).update(header="Before.", trailer="After.")
    url = long_meeting.get_absolute_url()
    first = client.get(url).content.decode()
    assert turn_ids(first) == list(range(1, 11))
    assert "Turns 1–10 of 25 · page 1 of 3" in first
    assert 'rel="next" href="?page=2"' in first
    last = client.get(url, {"page": 3}).content.decode()
    assert turn_ids(last) == list(range(21, 26))
    assert 'rel="prev" href="?page=2"' in last
    assert "Trailer set aside" in last and "Trailer set aside" not in first
    assert "Header set aside" in first and "Header set aside" not in last
    second = client.get(url, {"page": 2}).content.decode()
    assert 'rel="prev" href="?"' in second


@pytest.mark.parametrize("page", ["4", "0", "²", "-1", "two", "99999999999999999999"])
def test_a_page_of_a_transcript_that_does_not_exist_is_a_400(client, long_meeting, page):
    response = client.get(long_meeting.get_absolute_url(), {"page": page})
    assert response.status_code == 400
    assert "page" in response.content.decode()


def test_a_turn_s_page_links_into_the_transcript_page_that_holds_it(client, long_meeting):
    turn = Utterance.objects.get(meeting=long_meeting, sequence=23)
    page = client.get(turn.get_absolute_url(), {"search": "q=answer"}).content.decode()
    link = f"{long_meeting.get_absolute_url()}?search=q%3Danswer&amp;page=3#u23"
    assert f'<a id="full-transcript" href="{link}">' in page
    target = client.get(long_meeting.get_absolute_url(), {"search": "q=answer", "page": 3})
    assert 23 in turn_ids(target.content.decode())
    early = Utterance.objects.get(meeting=long_meeting, sequence=4)
    page = client.get(early.get_absolute_url()).content.decode()
    assert f'href="{long_meeting.get_absolute_url()}#u4"' in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_old_link_to_a_turn_reaches_its_page(page, seeded, settings):
    settings.TURNS_PER_PAGE = 10
    meeting = ingest(transcript(25), MeetingInfo()).meeting
    page.goto(f"{meeting.get_absolute_url()}#u23")
    expect(page.locator("#u23")).to_be_visible()
    assert page.url.endswith("?page=3#u23")


@pytest.mark.django_db
def test_every_web_request_s_statements_are_cut_off_after_the_timeout(client, settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "10s"


def test_management_commands_run_without_the_statement_timeout(db):
    """migrate or an ingest of thousands of files must not be cut off after 10 seconds."""
    show = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    # The command connects to the test database, which exists wherever the suite runs (the
    # database DATABASE_URL names need not: a new machine has none until bin/serve makes it).
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres:///diplomatic_archive"))
    test_database = urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))
    env = {**os.environ, "STATEMENT_TIMEOUT": "10", "DATABASE_URL": test_database}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split()[-1] == "0", result.stderr
