"""axe-core on every page type, at a phone's width and a desktop's: no serious or critical
violation of WCAG 2.2 A and AA (nor of axe's best practices). axe.min.js comes bundled with the
axe-playwright-python package (a dev dependency), so nothing is fetched at run time."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import expect

from statements.models import Meeting, Speaker, Topic

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
AXE = Axe()


@pytest.fixture
def axe_page(chromium, live_server, seeded):
    # axe is injected into each page: a content security policy must not stop it.
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def serious_violations(page) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": RULES}})
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_no_page_type_has_a_serious_or_critical_accessibility_violation(axe_page, live_archive):
    page = axe_page
    meeting = Meeting.objects.order_by("-date").first()
    speaker = Speaker.objects.get(slug="antony-j-blinken")
    topic = Topic.objects.get(slug="drugs")
    pages = {
        "front page": ("/", 200),
        "results": ("/?q=fentanyl&speaker=alicia-barcena-ibarra&year=2023", 200),
        "results without words": ("/?kind=question&sort=oldest", 200),
        "no results": ("/?q=zzyzx", 200),
        "meeting": (meeting.get_absolute_url(), 200),
        "utterance permalink": (f"{meeting.get_absolute_url()}3/", 200),
        "speaker": (speaker.get_absolute_url(), 200),
        "speakers": ("/speakers/", 200),
        "topic": (topic.get_absolute_url(), 200),
        "topics": ("/topics/", 200),
        "place": ("/places/mexico/", 200),
        "places": ("/places/", 200),
        "results by place": ("/?place=mexico&place=united-states", 200),
        "meetings": ("/meetings/?kind=press_conference", 200),
        "meetings with a bad filter": ("/meetings/?year=twenty", 400),
        "search that cannot run": ("/?q=fentanyl&speaker=nobody&date_to=2023-02-30", 400),
        "not found": ("/meetings/no-such-meeting/", 404),
        "trends": ('/trends/?terms=fentanyl,"rule of law"', 200),
        "trends by country": ("/trends/?terms=fentanyl&by=country", 200),
        "a facet opened whole": ("/search/facets/speaker/?speaker_kind=official", 200),
    }
    # At a phone's width, the pages whose layout changes most (filters, summaries, forms).
    phone = ["front page", "results", "meeting", "utterance permalink", "meetings", "trends"]
    phone.append("search that cannot run")
    found = {}
    for width, height, names in ((1280, 900, list(pages)), (390, 844, phone)):
        page.set_viewport_size({"width": width, "height": height})
        for name in names:
            path, status = pages[name]
            assert page.goto(path).status == status, name
            if problems := serious_violations(page):
                found[f"{name} at {width} px"] = problems
    # The filters opened over the results on a phone.
    page.goto(pages["results"][0])
    page.get_by_role("button", name=re.compile("^Filters")).click()
    expect(page.locator("#filters")).to_be_visible()
    if problems := serious_violations(page):
        found["filters open at 390 px"] = problems

    # The admin's upload preview.
    page.set_viewport_size({"width": 1280, "height": 900})
    User.objects.create_superuser("editor", "editor@example.org", "a-long-enough-passphrase")
    page.goto("/admin/login/?next=/admin/statements/meeting/upload/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Or paste the transcript").fill(
        "Remarks\n\n(June 3, 2024)\n\nSECRETARY BLINKEN:  We will keep working on it.\n"
    )
    page.get_by_role("button", name="Read it and show the preview").click()
    expect(page.get_by_role("button", name="Save to the archive")).to_be_visible()
    if problems := serious_violations(page):
        found["upload preview"] = problems

    assert not found, "\n".join(
        f"{name}:\n  " + "\n  ".join(problems) for name, problems in found.items()
    )
