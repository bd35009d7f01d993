"""The cache: anonymous readers' pages of searches and facet counts kept under the archive's
version, never read stale after a change; Redis when named, local memory without it."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from archive.cache import CACHE_HEADER, ForgivingRedisCache
from statements import search_index
from statements.ingest import merge_speakers
from statements.models import Meeting, Speaker
from tests.test_upload import LIMA, confirm, preview_url, send

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def archive(archive):
    """The samples, taken into the search index (a write waiting for it is part of the
    archive's version: the first search after it is made again once the index has it)."""
    search_index.sync()
    return archive


@pytest.fixture
def editor_client(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(
        "editor", password="long-enough-passphrase", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="statements"))
    staff = Client()
    staff.force_login(user)
    return staff


def test_an_anonymous_search_page_is_made_once_then_kept(client, archive):
    first = client.get("/", {"q": "security", "sort": "newest"})
    again = client.get("/", {"sort": "newest", "q": "security"})  # the same, in another order
    assert (first[CACHE_HEADER], again[CACHE_HEADER]) == ("miss", "hit")
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    # What the middleware outside the cache adds, a kept page has too.
    assert "Content-Security-Policy" in again
    other = client.get("/", {"q": "security", "page": "2"})
    assert other[CACHE_HEADER] == "miss"


@pytest.mark.parametrize("path", ["/speakers/", "/topics/", "/places/", "/meetings/"])
def test_the_lists_that_count_over_the_archive_are_kept_until_it_changes(client, archive, path):
    assert client.get(path)[CACHE_HEADER] == "miss"
    assert client.get(path)[CACHE_HEADER] == "hit"
    meeting = Meeting.objects.order_by("pk").first()
    meeting.save()  # a change to the archive: its version moves
    assert client.get(path)[CACHE_HEADER] == "miss"


def test_nobody_reads_a_stale_search_after_an_upload(client, archive, editor_client):
    before = client.get("/", {"q": "fentanyl"})
    assert client.get("/", {"q": "fentanyl"})[CACHE_HEADER] == "hit"
    assert "Lima Summit" not in before.content.decode()
    api_before = client.get("/api/search", {"q": "fentanyl", "facets": "meeting"}).json()

    response = confirm(editor_client, preview_url(send(editor_client, "lima.txt", LIMA.encode())))
    assert response.status_code == 302
    assert Meeting.objects.filter(title="Remarks at the Lima Summit").exists()

    after = client.get("/", {"q": "fentanyl"})
    assert after[CACHE_HEADER] == "miss"
    assert "Lima Summit" in after.content.decode()
    api_after = client.get("/api/search", {"q": "fentanyl", "facets": "meeting"}).json()
    assert api_after["total"] == api_before["total"] + 1


def test_a_merge_of_speakers_is_seen_at_once_in_kept_pages_and_counts(client, archive):
    asked = {"q": "security", "facets": "speaker", "facet_limit": "50"}
    before = client.get("/api/search", asked).json()
    assert client.get("/api/search", asked)[CACHE_HEADER] == "hit"
    names = {value["label"]: value["count"] for value in before["facets"]["speaker"]}
    speakers = Speaker.objects.filter(name__in=names).order_by("name")[:2]
    keep, other = speakers
    merge_speakers(keep, [other])

    after = client.get("/api/search", asked)
    assert after[CACHE_HEADER] == "miss"
    merged = {value["label"]: value["count"] for value in after.json()["facets"]["speaker"]}
    assert other.name not in merged
    assert merged[keep.name] == names[keep.name] + names[other.name]


def test_staff_never_get_a_kept_page(client, archive, editor_client):
    client.get("/", {"q": "security"})
    staff = editor_client.get("/", {"q": "security"})
    assert staff.status_code == 200
    assert CACHE_HEADER not in staff


def test_a_refused_search_is_not_kept(client, archive):
    for _ in range(2):
        response = client.get("/", {"q": "security", "page": "²"})
        assert response.status_code == 400
        assert CACHE_HEADER not in response


def test_facet_counts_are_kept_until_the_index_changes(client, archive, monkeypatch):
    from statements import search

    counted = []
    real = search.count_facets
    monkeypatch.setattr(search, "count_facets", lambda *a: counted.append(1) or real(*a))
    client.get("/api/search", {"q": "security", "page": "1"})
    client.get("/api/search", {"q": "security", "page": "2"})  # another page, the same counts
    client.get("/", {"q": "security", "sort": "oldest"})  # another order, the same counts
    assert len(counted) == 1
    Meeting.objects.filter(pk=archive[0].meeting.pk).delete()
    client.get("/api/search", {"q": "security", "page": "1"})
    assert len(counted) == 2


def redis_listening() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_listening(), reason="No Redis on 127.0.0.1:6379")
def test_redis_keeps_what_every_worker_shares():
    shared = ForgivingRedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": f"t{os.getpid()}"})
    shared.set("answer", {"counts": [1, 2]}, 30)
    assert ForgivingRedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": f"t{os.getpid()}"}).get(
        "answer"
    ) == {"counts": [1, 2]}
    shared.delete("answer")


def test_redis_away_is_a_cache_that_keeps_nothing():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    away = ForgivingRedisCache(f"redis://127.0.0.1:{port}/0", {})
    away.set("answer", 42)
    assert away.get("answer", "missed") == "missed"
    assert away.get_or_set("answer", lambda: 43) == 43


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/0", "archive.cache.ForgivingRedisCache"),
    ],
)
def test_redis_url_chooses_the_cache(redis_url, backend):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip().splitlines()[-1] == backend


def test_a_retagging_is_seen_at_once_in_kept_pages(client, archive):
    from statements import topics
    from statements.models import Topic

    asked = {"q": "fentanyl", "facets": "topic", "facet_limit": "50"}
    before = client.get("/api/search", asked).json()
    assert client.get("/api/search", asked)[CACHE_HEADER] == "hit"
    topic = Topic.objects.create(
        name="Precursor chemicals", slug="precursors", terms=["fentanyl"], min_mentions=1
    )
    topics.retag(topic=topic)

    after = client.get("/api/search", asked)
    assert after[CACHE_HEADER] == "miss"
    labels = {value["label"]: value["count"] for value in after.json()["facets"]["topic"]}
    assert "Precursor chemicals" not in {value["label"] for value in before["facets"]["topic"]}
    # Every turn the retagging tagged (a long turn needs more than one mention) is counted.
    tagged = topic.taggings.count()
    assert 0 < tagged <= before["total"]
    assert labels["Precursor chemicals"] == tagged
