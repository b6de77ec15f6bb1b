"""The OpenAPI document: served publicly, valid 3.1, and exactly the app's routes (so it cannot drift)."""

from __future__ import annotations

import json
import re

import pytest
from lambdachat.web.openapi_document import document

from tests.apps import create_local_app
from tests.events import LambdaContext, function_url_event, http_api_event

METHODS = {"get", "post", "put", "patch", "delete"}


def flask_operations() -> set[tuple[str, str]]:
    app = create_local_app()
    found = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        found |= {(method.lower(), path) for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return found


def documented_operations() -> set[tuple[str, str]]:
    return {(method, path) for path, item in document()["paths"].items() for method in item if method in METHODS}


def test_every_route_is_documented_and_nothing_else():
    flask, documented = flask_operations(), documented_operations()
    assert flask - documented == set(), "routes missing from the OpenAPI document"
    assert documented - flask == set(), "documented operations the app does not serve"


def test_the_document_is_valid_openapi_3_1_with_every_path_parameter_declared():
    from openapi_spec_validator import validate

    doc = document()
    validate(doc)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
            assert op["responses"]["default"]["content"]["application/json"]["schema"] == doc[
                "components"]["schemas"]["Error"]


def test_served_publicly_in_keys_mode(monkeypatch):
    from tests.apps import create_app

    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    response = create_app(["openapi"]).test_client().get("/backend-api/v2/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == json.loads(json.dumps(document()))


@pytest.mark.parametrize("make_event", [http_api_event, function_url_event])
def test_lambda_handler_serves_the_document(make_event):
    from functions.openapi import handler

    event = make_event("GET", "/backend-api/v2/openapi.json")
    reply = handler(event, LambdaContext(function_name="lambdachat-dev-openapi"))
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"])["openapi"] == "3.1.0"
