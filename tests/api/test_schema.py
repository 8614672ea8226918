"""The OpenAPI description is valid and complete, and its documentation pages load nothing from the internet."""

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

from tests.api.conftest import token_client
from tests.api.test_anonymous_allow_list import api_routes, methods_of

NOT_OPERATIONS = {"api/schema/", "api/docs/", "api/redoc/", "api/^"}


@pytest.fixture
def openapi(db) -> dict:
    response = token_client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    validate_schema(openapi)


def test_every_endpoint_and_method_is_described(openapi):
    described = {(path, method.upper()) for path, ops in openapi["paths"].items() for method in ops}
    for route, callback in api_routes():
        if route in NOT_OPERATIONS:
            continue
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", "{id}", route)
        for method in methods_of(callback):
            assert (path, method) in described, f"{method} {path} is not in the schema"


def test_every_error_an_operation_can_give_is_described_with_its_body(openapi):
    components = openapi["components"]["schemas"]
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            public = operation.get("security") in (None, [{}]) or {} in operation.get("security", [])
            expected = set()
            if not public:
                expected.add("401")
            if "{" in path:
                expected.add("404")
            if method in ("post", "put", "patch"):
                expected |= {"400", "413", "415"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for status, response in responses.items():
                if not status.startswith("4"):
                    continue
                ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                assert {"code", "detail"} <= set(components[ref]["required"]), (method, path, status)
                if status == "400":
                    assert "errors" in components[ref]["required"]


def test_transition_conflicts_and_refusals_are_described(openapi):
    operation = openapi["paths"]["/api/v1/tickets/{id}/transitions/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(openapi["components"]["schemas"][conflict]["required"]) == {
        "code",
        "detail",
        "state",
        "version",
        "available_transitions",
    }
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    variants = openapi["components"]["schemas"][body]
    assert set(variants["discriminator"]["mapping"]) == {
        "submit_plan",
        "accept",
        "sign_plan",
        "approve_plan",
        "return_plan",
        "return_ticket",
        "insist",
        "continue_rectifying",
        "reassign",
        "explain",
        "verify",
        "reject",
        "close",
        "reopen",
        "withdraw",
    }


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_load_only_local_static_files(db, page):
    response = token_client().get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html), "the page loads something from elsewhere"
    assert "cdn" not in html.lower()
    if page == "/api/docs/":
        assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    assets = re.findall(r"""(?:src|href)\s*=\s*["']/static/([^"']+)["']""", html)
    assert assets
    for asset in assets:
        assert finders.find(asset), f"/static/{asset} is not among the static files"
