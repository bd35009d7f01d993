import json
import os
from pathlib import Path

import pytest

from statements.ingest import MeetingInfo, ingest

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "transcripts"


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


def sample_info(path: Path) -> MeetingInfo:
    import datetime as dt

    fields = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    fields["date"] = dt.date.fromisoformat(fields["date"])
    return MeetingInfo(
        **{k: v or "" for k, v in fields.items() if k != "date"}, date=fields["date"]
    )


@pytest.fixture(autouse=True)
def search_index_of_its_own(settings, tmp_path):
    """Each test's search index in a directory of its own: a test's transaction is rolled back
    at its end, and an index it synced would no longer agree with the database."""
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests run without collectstatic, so static files keep their plain names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing a password as production does takes most of a second on these machines."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def archive(db):
    """The five sample transcripts, ingested."""
    return [ingest(path.read_text(encoding="utf-8"), sample_info(path)) for path in sample_paths()]


# Browser tests: Debian's /usr/bin/chromium driven by Playwright. Playwright's own browser
# download cannot work on these machines; bin/test installs the chromium package, and these
# flags keep it from dialling out.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    # Playwright's sync API keeps an event loop in this thread, which Django would take for
    # async code calling the ORM; the test's own ORM calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not CHROMIUM.exists():
        pytest.fail(
            "Browser tests need Debian's chromium package: run bin/test, which installs it."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as `bin/serve` leaves a new one: migrated, then seeded."""
    from statements.seed import seed

    with django_db_blocker.unblock():
        seed()


@pytest.fixture
def seeded(transactional_db):
    """The seeded registry and topics. A transactional test (a browser test, or one whose
    ingest workers need committed rows) ends by emptying the tables, their record of the
    seeding with them, and for a test that the live server makes transactional, serialized
    rollback was seen not to bring them back: the seeding is run again."""
    from statements.seed import seed

    seed()


@pytest.fixture
def live_archive(seeded):
    """The samples ingested for a browser test: committed, so that the live server sees them."""
    for path in sample_paths():
        ingest(path.read_text(encoding="utf-8"), sample_info(path))


@pytest.fixture
def page(chromium, live_server, seeded):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Anything the Content-Security-Policy blocked is reported on the console: none may be.
    blocked = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    yield page
    context.close()
    assert blocked == []
