import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TRANSCRIPT = (
    "Remarks on Water Cooperation\n\n(June 3, 2024)\n\nCiudad Juárez, Mexico\n\n"
    "WATER COMMISSIONER SALINAS:  The aquifer treaty protects both countries.\n\n"
    "SECRETARY BLINKEN:  We will keep working on the aquifer together.\n"
)


def test_an_editor_uploads_fixes_a_speaker_and_finds_the_meeting(page, live_server, tmp_path):
    User.objects.create_superuser("editor", "editor@example.org", "a-long-enough-passphrase")
    path = tmp_path / "water.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")

    page.goto("/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Meetings").first.click()
    page.get_by_role("link", name="Upload a transcript").click()
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Read it and show the preview").click()

    expect(
        page.get_by_role("heading", name="Check the transcript before it goes in")
    ).to_be_visible()
    expect(page.locator("#id_meeting-date")).to_have_value("2024-06-03")
    expect(
        page.get_by_text("“WATER COMMISSIONER SALINAS”: Only the label names this speaker")
    ).to_be_visible()
    page.get_by_label("WATER COMMISSIONER SALINAS", exact=True).select_option("new")
    page.get_by_label("Name for WATER COMMISSIONER SALINAS").fill("Adriana Salinas")
    page.get_by_label("Role for WATER COMMISSIONER SALINAS").fill("Water Commissioner")
    page.get_by_label("Country for WATER COMMISSIONER SALINAS").fill("Mexico")
    page.get_by_role("button", name="Save to the archive").click()
    expect(page.locator(".messagelist")).to_contain_text("Saved 2 turns")

    page.goto("/?q=aquifer+treaty")
    expect(page.locator("#results-heading")).to_contain_text("of 1 utterance")
    hit = page.locator(".hit").first
    expect(hit.locator(".who")).to_have_text("Adriana Salinas")
    expect(hit.locator(".role")).to_contain_text("Water Commissioner · Mexico")
    expect(hit).to_contain_text("Remarks on Water Cooperation")


def test_an_anonymous_visitor_is_sent_to_the_login_page(page, live_server):
    page.goto("/admin/statements/meeting/upload/")
    expect(page).to_have_url(
        live_server.url + "/admin/login/?next=/admin/statements/meeting/upload/"
    )
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
