"""The CloudFormation `osls package` generates, checked against the code it deploys.

Routes: every Flask route is reachable through CloudFront, with its method, at exactly one
function: the HTTP API route of the same method and path for buffered groups, the function's
URL for streaming ones. IAM: each function has its own role naming only its own resources,
and no statement anywhere allows a wildcard action.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from fnmatch import fnmatchcase
from typing import Any

import pytest
from lambdachat.web.routes import all_groups

from tests.apps import create_app
from tests.infra.conftest import REPO_ROOT, cfn_lint

ROUTE_GROUPS = sorted(all_groups())

STAGE_PREFIX = "lambdachat-ci-"
SAMPLE = {"path": "a/b.png", "default": "abc12345"}


def flask_routes(group: str) -> set[tuple[str, str]]:
    """(method, path) in HTTP API syntax: `<x>` -> `{x}`, `<path:x>` -> `{x+}`."""
    routes = set()
    for rule in create_app([group]).url_map.iter_rules():
        path = re.sub(r"<path:(\w+)>", r"{\1+}", rule.rule)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def concrete(path: str) -> str:
    path = re.sub(r"\{\w+\+\}", SAMPLE["path"], path)
    return re.sub(r"\{\w+\}", SAMPLE["default"], path)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def function_of(template: dict[str, Any], logical_id: str) -> str:
    name = template["Resources"][logical_id]["Properties"]["FunctionName"]
    return str(name).removeprefix(STAGE_PREFIX)


def http_api_routes(template: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    integrations = {k: function_of(template, v["Properties"]["IntegrationUri"]["Fn::GetAtt"][0])
                    for k, v in resources(template, "AWS::ApiGatewayV2::Integration").items()}
    routes: dict[tuple[str, str], list[str]] = {}
    for route in resources(template, "AWS::ApiGatewayV2::Route").values():
        method, path = route["Properties"]["RouteKey"].split(" ", 1)
        integration = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        routes.setdefault((method, path), []).append(integrations[integration])
    return routes


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    (dist,) = resources(template, "AWS::CloudFront::Distribution").values()
    return dist["Properties"]["DistributionConfig"]  # type: ignore[no-any-return]


def origin_targets(template: dict[str, Any]) -> dict[str, str]:
    """Origin id -> "api", "web" or the function whose URL it is."""
    targets = {}
    for origin in distribution(template)["Origins"]:
        domain = origin["DomainName"]
        if "Fn::Select" in domain:
            url_id = domain["Fn::Select"][1]["Fn::Split"][1]["Fn::GetAtt"][0]
            url = template["Resources"][url_id]["Properties"]
            targets[origin["Id"]] = function_of(template, url["TargetFunctionArn"]["Fn::GetAtt"][0])
        elif "S3OriginConfig" in origin:
            targets[origin["Id"]] = "web"
        else:
            assert domain["Fn::Join"][1][0] == {"Ref": "HttpApi"}
            targets[origin["Id"]] = "api"
    return targets


def behaviour_for(template: dict[str, Any], path: str) -> dict[str, Any]:
    """CloudFront's choice: the first path pattern that matches, else the default behaviour."""
    config = distribution(template)
    for behaviour in config["CacheBehaviors"]:
        if fnmatchcase(path, behaviour["PathPattern"]):
            return behaviour  # type: ignore[no-any-return]
    return config["DefaultCacheBehavior"]  # type: ignore[no-any-return]


def test_every_route_group_is_one_function(config):
    assert set(config["functions"]) == set(ROUTE_GROUPS)


@pytest.mark.parametrize("group", ROUTE_GROUPS)
def test_each_function_module_serves_exactly_its_group(group):
    """`functions/<group>.py` imports its blueprint itself: what serverless.yml names is what runs."""
    module = importlib.import_module(f"functions.{group}")
    assert list(module.app.blueprints.values()) == [all_groups()[group]]
    assert module.handler.app is module.app


@pytest.mark.parametrize("group", list(ROUTE_GROUPS))
def test_every_flask_route_reaches_exactly_its_function(template, group):
    api = http_api_routes(template)
    targets = origin_targets(template)
    for method, path in flask_routes(group):
        behaviour = behaviour_for(template, concrete(path))
        assert method in behaviour.get("AllowedMethods", ["GET", "HEAD"]), (method, path)
        target = targets[behaviour["TargetOriginId"]]
        if target == "api":
            assert api.get((method, path)) == [group], (method, path)
        else:
            assert target == group, (method, path, target)
            assert (method, path) not in api


def test_no_function_has_a_route_it_does_not_serve(template):
    targets = origin_targets(template)
    for (method, path), functions in http_api_routes(template).items():
        assert len(functions) == 1
        assert (method, path) in flask_routes(functions[0]), (method, path)
        assert targets[behaviour_for(template, concrete(path))["TargetOriginId"]] == "api", path
    url_functions = {t for t in targets.values() if t not in {"api", "web"}}
    for function in url_functions:   # each URL origin serves its whole group and nothing else
        assert all(targets[behaviour_for(template, concrete(p))["TargetOriginId"]] == function
                   for _, p in flask_routes(function))


def test_streaming_functions_stream_through_the_web_adapter(template, config):
    urls = resources(template, "AWS::Lambda::Url")
    streaming = {name for name, fn in config["functions"].items() if "url" in fn}
    assert streaming == {"conversation", "files", "create", "synthesize"}
    assert {function_of(template, u["Properties"]["TargetFunctionArn"]["Fn::GetAtt"][0]) for u in urls.values()} \
        == streaming
    permissions = list(resources(template, "AWS::Lambda::Permission").values())
    for url in urls.values():
        props = url["Properties"]
        fn_id = props["TargetFunctionArn"]["Fn::GetAtt"][0]
        assert props["InvokeMode"] == "RESPONSE_STREAM"
        fn = template["Resources"][fn_id]["Properties"]
        assert fn["Handler"] == "functions/run_web_adapter.sh"
        assert fn["Environment"]["Variables"]["AWS_LWA_INVOKE_MODE"] == "response_stream"
        assert fn["Environment"]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
        assert fn["Environment"]["Variables"]["LAMBDACHAT_FUNCTION"] == function_of(template, fn_id)
        assert any(":layer:LambdaAdapterLayerArm64:" in layer for layer in fn["Layers"])
        arn = {"Fn::GetAtt": [fn_id, "Arn"]}
        mine = [p["Properties"] for p in permissions if p["Properties"]["FunctionName"] == arn]
        # Public Function URLs created since Oct 2025 need both permissions.
        assert {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} <= {p["Action"] for p in mine}
        assert all(p["Principal"] == "*" for p in mine)


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def _text(value: Any) -> str:
    """A resource ARN with intrinsic functions flattened: Refs become <Name>."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_text(v) for v in value)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    return _text(value["Fn::Join"][1])


def test_each_function_has_its_own_role_naming_only_its_resources(template):
    import sys

    sys.path.insert(0, str(REPO_ROOT))
    from infra.access import ACCESS, KEY_LOOKUP, merge_items
    from infra.render_resources import rate_limit_items

    functions = resources(template, "AWS::Lambda::Function")
    roles = [fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions.values()]
    assert len(set(roles)) == len(functions) == len(ACCESS)
    bucket = "arn:<AWS::Partition>:s3:::<AWS::StackName>-files-<AWS::AccountId>"
    for fn_id, fn in functions.items():
        name = function_of(template, fn_id)
        access = ACCESS[name]
        allowed_objects = {*access.s3_read, *access.s3_write, *access.s3_tagged_write, *access.s3_delete}
        items = merge_items(access.table, rate_limit_items(name), KEY_LOOKUP)
        for statement in _statements(template["Resources"][fn["Properties"]["Role"]["Fn::GetAtt"][0]]):
            arns = [_text(r) for r in statement["Resource"]]
            services = {a.split(":")[0] for a in statement["Action"]}
            assert len(services) == 1, statement
            service = services.pop()
            for arn in arns:
                if service == "logs":
                    assert arn.endswith(f":log-group:/aws/lambda/<AWS::StackName>-{name}:*"), arn
                elif service == "s3" and statement["Action"] == ["s3:ListBucket"]:
                    assert arn == bucket
                    assert set(statement["Condition"]["StringLike"]["s3:prefix"]) == set(access.s3_list)
                elif service == "s3":
                    assert arn.removeprefix(bucket + "/") in allowed_objects, (name, arn)
                elif service == "dynamodb":
                    assert arn == "<MainTable.Arn>"
                    for key in statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]:
                        actions = {a.removeprefix("dynamodb:") for a in statement["Action"]}
                        assert actions <= set(items[key.removesuffix("*")]), (name, key, actions)
                else:
                    assert service == "ssm" and access.provider_keys, (name, arn)
                    assert arn.endswith(":parameter/<AWS::StackName>/providers/*")


def test_no_wildcard_allow_anywhere(template):
    for logical_id, resource in template["Resources"].items():
        documents = [p["PolicyDocument"] for p in resource.get("Properties", {}).get("Policies", [])]
        if "PolicyDocument" in resource.get("Properties", {}):
            documents.append(resource["Properties"]["PolicyDocument"])
        for document in documents:
            # osls's deployment bucket policy denies s3:* without TLS: a Deny may be broad.
            for statement in (s for s in document["Statement"] if s["Effect"] == "Allow"):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert all("*" not in action for action in actions), (logical_id, actions)
                assert "NotAction" not in statement


def test_provider_keys_are_never_in_the_template(template):
    for fn in resources(template, "AWS::Lambda::Function").values():
        names = set(fn["Properties"]["Environment"]["Variables"])
        assert not {n for n in names if n.endswith("_API_KEY")}
        assert "LAMBDACHAT_PARAMETER_PREFIX" in names


def test_cfn_lint_finds_no_errors(package_dir):
    lint = cfn_lint()
    assert lint, "cfn-lint is a dev dependency"
    # W3005 is osls's own redundant DependsOn next to a Ref; everything else must be clean.
    result = subprocess.run([lint, "--ignore-checks", "W3005", "--",
                             str(package_dir / "cloudformation-template-update-stack.json")],
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
