"""No endpoint under /api/ answers a caller without credentials unless it is on the public allow-list below.

The URL resolver is walked, so an endpoint added later (by anyone, in any module included under /api/) is checked
without being listed here first.
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from tests.api.conftest import token_client
from tests.factories import drive
from workflows.machine import TicketState

PUBLIC = {
    "api/v1/auth/token/": {"POST"},
    "api/v1/public/notices/": {"GET"},
    "api/v1/public/decisions/": {"GET"},
    "api/v1/public/notices/<int:pk>/": {"GET"},
    "api/v1/public/notices/<int:pk>/feedback/": {"POST"},
    "api/schema/": {"GET"},
    "api/docs/": {"GET"},
    "api/redoc/": {"GET"},
    "api/^": {"GET", "POST", "PUT", "PATCH", "DELETE"},  # the JSON 404 for whatever no route matches
}
CHECKED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def api_routes(patterns=None, prefix: str = "") -> list[tuple[str, object]]:
    """(route, view callback) for every endpoint, with the routes of the resolvers above it joined in."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            found.append((route, entry.callback))
    return found


def methods_of(callback) -> list[str]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:  # a plain function view answers whatever it is sent
        return list(CHECKED_METHODS)
    return [m for m in CHECKED_METHODS if hasattr(view_class, m.lower())]


def concrete(route: str, pk: int) -> str:
    route = re.sub(r"<int:\w+>", str(pk), route)
    route = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "x", route)


def test_the_walk_finds_the_api():
    routes = {route for route, _callback in api_routes()}
    assert set(PUBLIC) <= routes
    assert {"api/v1/tickets/", "api/v1/tickets/<int:pk>/transitions/", "api/v1/stats/units/"} <= routes


def test_only_allow_listed_views_declare_themselves_open():
    for route, callback in api_routes():
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if route in PUBLIC or view_class is None or not issubclass(view_class, APIView):
            continue
        assert AllowAny not in view_class.permission_classes, route
        assert view_class.permission_classes, route


@pytest.mark.django_db
def test_no_endpoint_answers_anonymous_callers_unless_allow_listed(world):
    published = drive(world, world.ticket(), TicketState.EXPLAINED)
    anonymous = token_client()
    open_to_anonymous = {}
    for route, callback in api_routes():
        url = concrete(route, published.pk)
        for method in methods_of(callback):
            response = getattr(anonymous, method.lower())(url, {}, format="json")
            if response.status_code not in (401, 405):
                open_to_anonymous.setdefault(route, set()).add(method)
    assert open_to_anonymous == PUBLIC
