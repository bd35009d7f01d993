"""Which database a request reads from (archive/routers.py): the replica for an anonymous
reader's GET, the primary for everything else. tests/test_replicas.py runs it against a real
replica; these check each rule, with a replica that is only named."""

import pytest
from django.contrib.sessions.models import Session
from django.db import router
from django.test import RequestFactory

from archive import routers
from statements.models import Meeting, Utterance


@pytest.fixture
def one_replica(monkeypatch):
    reachable = {"replica1": True}
    monkeypatch.setattr(routers, "replicas", lambda: list(reachable))
    monkeypatch.setattr(routers, "reachable", lambda alias: reachable[alias])
    return reachable


@pytest.fixture
def anonymous_get():
    token = routers._request_reads.set(routers._Reads())
    yield
    routers._request_reads.reset(token)


def test_an_anonymous_reader_s_reads_go_to_the_replica(one_replica, anonymous_get):
    assert router.db_for_read(Utterance) == "replica1"
    assert router.db_for_read(Meeting) == "replica1"
    assert router.db_for_write(Meeting) == "default"


def test_sessions_and_users_are_always_read_from_the_primary(one_replica, anonymous_get):
    assert router.db_for_read(Session) == "default"


def test_an_unreachable_replica_s_readers_read_from_the_primary(one_replica, anonymous_get):
    one_replica["replica1"] = False
    assert router.db_for_read(Utterance) == "default"


def test_outside_a_request_everything_reads_from_the_primary(one_replica):
    assert router.db_for_read(Utterance) == "default"


@pytest.mark.parametrize(
    ("method", "path", "cookies", "replica"),
    [
        ("get", "/", {}, True),
        ("head", "/api/search", {}, True),
        ("post", "/", {}, False),
        ("get", "/admin/", {}, False),
        ("get", "/", {"sessionid": "x"}, False),
        ("get", "/", {routers.PIN_COOKIE: "1"}, False),
    ],
)
def test_only_an_anonymous_reader_s_get_reads_from_replicas(method, path, cookies, replica):
    request = getattr(RequestFactory(), method)(path)
    request.COOKIES.update(cookies)
    assert routers.reads_from_replicas(request) is replica


@pytest.mark.django_db
def test_a_write_pins_its_reader_to_the_primary_for_a_while(client, one_replica, settings):
    settings.REPLICA_PIN_SECONDS = 10
    written = client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert written.cookies[routers.PIN_COOKIE]["max-age"] == 10
    assert routers.PIN_COOKIE not in client.get("/meetings/").cookies


@pytest.mark.django_db
def test_without_replicas_no_cookie_is_set(client):
    written = client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert routers.PIN_COOKIE not in written.cookies
