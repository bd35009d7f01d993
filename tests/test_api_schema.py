"""The API against its own OpenAPI schema, by property-based requests (schemathesis): for every
operation of /api/openapi.json, requests drawn from the schema, each sent through the whole
application (its middleware included, as a server runs it), and every answer checked: never a
5xx, a status code the schema lists, its content type, and a body that matches the schema.

Bounded: 25 requests an operation, about twenty seconds in all."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# The schema as the API serves it (made from the code alone: no database is read), loaded when
# the tests are collected. (A schema loaded by a fixture, schemathesis.pytest.from_fixture,
# needs a node attribute pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def connection_kept():
    """The test's connection kept open between requests, as Django's test client keeps it: a
    WSGI request's end would close it, and with it the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_of_the_api_matches_its_schema_and_none_is_a_5xx(
    case, archive, connection_kept
):
    case.call_and_validate(checks=CHECKS, headers={"Host": "testserver"})


def test_the_schema_has_every_endpoint():
    paths = {result.ok().path for result in schema.get_all_operations()}
    assert paths == {
        "/api/",
        "/api/meetings",
        "/api/meetings/{slug}",
        "/api/speakers",
        "/api/speakers/{slug}",
        "/api/topics",
        "/api/topics/{slug}",
        "/api/places",
        "/api/places/{slug}",
        "/api/utterances/{id}",
        "/api/search",
    }
