"""What a visitor gets when the archive cannot answer: a 503 to come back to, never a 500 page."""

import pytest
from django.db import connection
from django.test import Client

from statements import views


@pytest.fixture
def database_away(django_db_blocker):
    """Requests that find the database unreachable: its connection pointed at a closed port."""
    with django_db_blocker.unblock():
        connection.close()
        saved = dict(connection.settings_dict)
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


def test_the_database_down_is_a_503_with_a_retry_hint(database_away, client):
    page = client.get("/", {"q": "fentanyl"})
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "cannot reach its database" in page.content.decode()
    assert "Content-Security-Policy" in page
    api = client.get("/api/search", {"q": "fentanyl"})
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert api.json() == {
        "error": "The archive cannot reach its database just now. Try again in a moment."
    }


def test_the_archive_answers_again_once_the_database_is_back(django_db_blocker, client):
    with django_db_blocker.unblock():
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
        assert client.get("/topics/").status_code == 503
        connection.settings_dict.update(saved)
        assert client.get("/topics/").status_code == 200  # no restart needed
        connection.close()


@pytest.mark.django_db
def test_a_statement_cut_off_by_the_timeout_is_a_503_too(client, monkeypatch):
    def slow_search(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(views.search_, "run", slow_search)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '100ms'")
    response = client.get("/api/search", {"q": "fentanyl"})
    assert response.status_code == 503
    assert "took too long" in response.json()["error"]


@pytest.mark.django_db
def test_an_unexpected_error_on_the_api_is_answered_in_json(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.search_, "run", broken)
    response = Client(raise_request_exception=False).get("/api/search", {"q": "x"})
    assert response.status_code == 500
    assert response.json() == {"error": "The archive could not answer this request."}
    page = Client(raise_request_exception=False).get("/", {"q": "x"})
    assert page.status_code == 500 and "Something went wrong" in page.content.decode()
