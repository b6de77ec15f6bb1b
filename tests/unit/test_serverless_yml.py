"""serverless.yml and the code agree: each function's handler exists and its HTTP API routes
are exactly the routes its Flask app serves (so a deployed route never 404s in the function)."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "serverless.yml").read_text())  # type: ignore[no-any-return]


def _flask_routes(module_name: str) -> set[tuple[str, str]]:
    app = importlib.import_module(module_name).handler.app
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<path:(\w+)>", r"{\1+}", rule.rule)       # HTTP API's greedy parameter
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_python_handler_serves_exactly_its_http_api_routes(config):
    python_functions = {name: fn for name, fn in config["functions"].items()
                        if fn["handler"].endswith(".handler")}
    assert {"version", "models", "provider_models", "providers"} <= set(python_functions)
    for name, fn in python_functions.items():
        module_name = fn["handler"].removesuffix(".handler").replace("/", ".")
        declared = {(e["httpApi"]["method"], e["httpApi"]["path"]) for e in fn["events"]}
        assert declared == _flask_routes(module_name), name


def test_the_conversation_function_runs_its_start_script_under_the_web_adapter(config):
    fn = config["functions"]["conversation"]
    script = REPO_ROOT / fn["handler"]
    assert script.is_file() and os.access(script, os.X_OK)
    assert fn["environment"]["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert fn["environment"]["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert fn["url"]["invokeMode"] == "RESPONSE_STREAM"
    # The layer must match the functions' architecture, or the adapter binary cannot run.
    assert config["provider"]["architecture"] == "arm64"
    assert ":layer:LambdaAdapterLayerArm64:" in config["params"]["default"]["lwaLayerArn"]
    assert fn["layers"] == ["${param:lwaLayerArn}"]


def test_every_function_ships_its_own_package(config):
    # infra/package_functions.py builds build/lambda/<name>.zip with the handler inside.
    assert config["package"]["individually"] is True
    for name, fn in config["functions"].items():
        assert fn["package"] == {"artifact": f"build/lambda/{name}.zip"}
        handler = fn["handler"]
        handler_file = handler if handler.endswith(".sh") else handler.rsplit(".", 1)[0] + ".py"
        assert (REPO_ROOT / handler_file).is_file(), handler_file


def test_every_api_origin_is_reachable_only_through_cloudfront(config):
    """CloudFront sends the generated secret to every API origin; the functions expect the same
    secret and read the caller from CloudFront-Viewer-Address, never from X-Forwarded-For hops."""
    from lambdachat.web.request_guard import ORIGIN_SECRET_HEADER

    cdn = yaml.safe_load((REPO_ROOT / "infra" / "cdn.yml").read_text())
    secret = {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "OriginSecret"}, ":SecretString}}"]]}
    assert cdn["Resources"]["OriginSecret"]["Type"] == "AWS::SecretsManager::Secret"
    origins = cdn["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["Origins"]
    api_origins = [o for o in origins if "CustomOriginConfig" in o]
    assert {o["Id"] for o in api_origins} == {"api", "conversation", "files", "create", "synthesize"}
    for origin in api_origins:
        assert origin["OriginCustomHeaders"] == [{"HeaderName": ORIGIN_SECRET_HEADER, "HeaderValue": secret}]
    env = config["provider"]["environment"]
    assert env["LAMBDACHAT_ORIGIN_SECRET"] == secret
    assert env["LAMBDACHAT_CLIENT_IP_HEADER"] == "CloudFront-Viewer-Address"
    assert "LAMBDACHAT_TRUSTED_PROXY_HOPS" not in env
