"""A smoke deploy of the packaged template into moto's CloudFormation, the way `osls deploy` does
it: create the stack (deployment bucket), upload the zips, update with the full template.

moto models S3 buckets, DynamoDB tables, IAM roles, Lambda functions and log groups. It has no
model for CloudFront (distribution, OAC, policies, function), ApiGatewayV2, Lambda URLs or S3
bucket policies: those resources are dropped here (cfn-lint and test_template.py check them
instead), with the Lambda permissions and versions that name them or that moto resolves
wrongly, the outputs, and the properties that point at them (the files bucket's CORS origin
is the distribution's domain; the functions' origin secret resolves the Secrets Manager secret).
moto ignores the table's TimeToLiveSpecification and reads its
SSESpecification under the API's key (`Enabled`, not CloudFormation's `SSEEnabled`), so the
table's TTL and encryption are checked on the template. Of a bucket's properties moto applies
only the name, encryption and tags: public access block, lifecycle and CORS are checked on the
template (test_resources.py).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from lambdachat.storage.resources import FILES_BUCKET, MAIN_TABLE

from tests.infra.conftest import BUILD

pytest.importorskip("moto")
from moto import mock_aws
from moto.cloudformation.parsing import get_model_map

STACK = "lambdachat-ci"
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")   # moto: "no support for <type>"


def _references(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["Ref"]} if "Ref" in value and isinstance(value["Ref"], str) else set()
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        return found | {r for v in value.values() for r in _references(v)}
    if isinstance(value, list):
        return {r for v in value for r in _references(v)}
    return set()


def for_moto(template: dict[str, Any]) -> dict[str, Any]:
    modeled = set(get_model_map())
    out = copy.deepcopy(template)
    out["Resources"] = {k: v for k, v in out["Resources"].items()
                        if v["Type"] in modeled - {"AWS::Lambda::Version", "AWS::Lambda::Permission"}}
    out.pop("Outputs", None)
    out["Resources"][FILES_BUCKET.logical_id]["Properties"].pop("CorsConfiguration")
    for resource in out["Resources"].values():
        resource.pop("DependsOn", None)
        # moto models no Secrets Manager resource nor its dynamic references: the origin secret
        # (a {{resolve:secretsmanager:...}} of OriginSecret) becomes a literal here.
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        if "LAMBDACHAT_ORIGIN_SECRET" in variables:
            variables["LAMBDACHAT_ORIGIN_SECRET"] = "resolved-by-cloudformation"
    dangling = {r for r in _references(out["Resources"]) if not r.startswith("AWS::")} - set(out["Resources"])
    assert not dangling, f"kept resources refer to dropped ones: {dangling}"
    return out


@pytest.fixture(scope="module")
def stack(template, create_template, monkeypatch_module):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch_module.setenv(key, value)
    monkeypatch_module.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        import boto3

        cfn = boto3.client("cloudformation")
        cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(create_template))
        deploy_bucket = cfn.describe_stack_resource(StackName=STACK, LogicalResourceId="ServerlessDeploymentBucket")
        bucket = deploy_bucket["StackResourceDetail"]["PhysicalResourceId"]
        s3 = boto3.client("s3")
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                key = resource["Properties"]["Code"]["S3Key"]
                s3.upload_file(str(BUILD / key.rsplit("/", 1)[1]), bucket, key)
        cfn.update_stack(StackName=STACK, TemplateBody=json.dumps(for_moto(template)),
                         Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        status = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
        assert status == "UPDATE_COMPLETE", status
        physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                    for r in cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]}
        yield physical


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_the_table_deploys_with_its_keys(stack):
    import boto3

    table = boto3.client("dynamodb").describe_table(TableName=stack[MAIN_TABLE.logical_id])["Table"]
    assert table["KeySchema"] == MAIN_TABLE.key_schema()
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_the_template_turns_ttl_and_encryption_on_for_the_table(template):
    properties = template["Resources"][MAIN_TABLE.logical_id]["Properties"]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": MAIN_TABLE.ttl_attribute, "Enabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}


def test_the_files_bucket_deploys_encrypted_under_the_name_functions_use(stack):
    import boto3

    s3 = boto3.client("s3")
    name = stack[FILES_BUCKET.logical_id]
    assert name == f"{STACK}-files-123456789012"     # what every function's environment names
    rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_every_function_deploys_with_its_own_role_and_the_resource_names(stack, template):
    import boto3

    lam = boto3.client("lambda")
    functions = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Lambda::Function"]
    roles = set()
    for logical_id in functions:
        config = lam.get_function_configuration(FunctionName=stack[logical_id])
        env = config["Environment"]["Variables"]
        assert env[FILES_BUCKET.env] == stack[FILES_BUCKET.logical_id]
        assert env[MAIN_TABLE.env] == stack[MAIN_TABLE.logical_id]
        roles.add(config["Role"])
    assert len(roles) == len(functions)
