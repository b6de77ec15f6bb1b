"""Render the stack's storage, IAM and CloudFront Function as CloudFormation (infra/resources.json).

    .venv/bin/python infra/render_resources.py            # write infra/resources.json
    .venv/bin/python infra/render_resources.py --check    # exit 1 when the file is stale

serverless.yml includes the file (`resources: - ${file(infra/resources.json)}`), so the bucket
and table deployed are the ones `lambdachat.storage.resources` defines for the local server and
the tests: one definition. The IAM roles come from `infra/access.py`, the SPA fallback from
`infra/spa-fallback.js`. `make package` regenerates the file; tests/infra checks it is current.

Names are built from the stack name and account id (never `Ref` to the bucket): the bucket's
CORS rule names the CloudFront domain, and the distribution depends on the functions, whose
roles name the bucket; a `Ref` there would close a dependency cycle.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "functions")]

from lambdachat.config import Settings  # noqa: E402
from lambdachat.limits.rules import ENDPOINT_GROUPS  # noqa: E402
from lambdachat.shares.store import EXPIRING_TAG  # noqa: E402
from lambdachat.storage import keys  # noqa: E402
from lambdachat.storage.resources import FILES_BUCKET, MAIN_TABLE, BucketDef, TableDef  # noqa: E402

from infra.access import ACCESS, KEY_LOOKUP, Access, merge_items  # noqa: E402

OUTPUT = REPO_ROOT / "infra" / "resources.json"
SPA_FUNCTION = REPO_ROOT / "infra" / "spa-fallback.js"
CREATE_CACHE_DAYS = 30                  # an answer cache: a miss only costs one more model call
ABANDONED_UPLOAD_DAYS = 1               # parts of multipart uploads that never completed

Json = dict[str, Any]


def join(*parts: Any) -> Json:
    return {"Fn::Join": ["", list(parts)]}


def ref(name: str) -> Json:
    return {"Ref": name}


def bucket_name(bucket: BucketDef) -> Json:
    """`<stack>-<suffix>-<account>`: unique per account and stage, known before the bucket exists."""
    suffix = bucket.default.removeprefix("lambdachat-")
    return join(ref("AWS::StackName"), f"-{suffix}-", ref("AWS::AccountId"))


def logical_id(function: str) -> str:
    return "".join(part.capitalize() for part in function.split("_"))


def role_id(function: str) -> str:
    return f"{logical_id(function)}Role"


def parameter_prefix() -> Json:
    """LAMBDACHAT_PARAMETER_PREFIX: provider keys live at <prefix>/providers/<Name>/api_key."""
    return join("/", ref("AWS::StackName"))


# -- storage ------------------------------------------------------------------------------------


def files_bucket(bucket: BucketDef) -> Json:
    expiring_days = math.ceil(Settings.from_env().share_max_expires / 86400) + 1
    key, value = EXPIRING_TAG.split("=", 1)
    return {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": bucket_name(bucket),
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            # Presigned uploads are form POSTs from the SPA's origin straight to S3.
            "CorsConfiguration": {"CorsRules": [{
                "AllowedMethods": ["POST"], "AllowedHeaders": ["*"], "MaxAge": 3600,
                "AllowedOrigins": [join("https://", {"Fn::GetAtt": ["WebDistribution", "DomainName"]})]}]},
            "LifecycleConfiguration": {"Rules": [
                {"Id": "abandoned-multipart-uploads", "Status": "Enabled", "Prefix": "",
                 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABANDONED_UPLOAD_DAYS}},
                {"Id": "create-answer-cache", "Status": "Enabled", "Prefix": keys.CREATE_CACHE,
                 "ExpirationInDays": CREATE_CACHE_DAYS},
                # DynamoDB's TTL removes an expiring share's item, never its spilled body.
                {"Id": "expiring-share-bodies", "Status": "Enabled", "Prefix": keys.SHARES,
                 "TagFilters": [{"Key": key, "Value": value}], "ExpirationInDays": expiring_days},
            ]},
        },
    }


def table(definition: TableDef) -> Json:
    properties: Json = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": definition.attribute_definitions(),
        "KeySchema": definition.key_schema(),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    if definition.ttl_attribute:
        properties["TimeToLiveSpecification"] = {"AttributeName": definition.ttl_attribute, "Enabled": True}
    if definition.indexes:
        properties["GlobalSecondaryIndexes"] = list(definition.indexes)
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": properties}


# -- IAM ----------------------------------------------------------------------------------------


def _objects(patterns: tuple[str, ...]) -> list[Json]:
    return [join("arn:", ref("AWS::Partition"), ":s3:::", bucket_name(FILES_BUCKET), "/", p) for p in patterns]


def rate_limit_items(function: str) -> dict[str, tuple[str, ...]]:
    """The token buckets the function's routes take from (lambdachat.limits: one conditional
    UpdateItem per bucket, `rate#<limit group>#...`), read off the app's endpoints."""
    from lambdachat.web.app import create_app
    from lambdachat.web.routes import blueprints

    endpoints = create_app(blueprints(function)).view_functions
    groups = sorted({ENDPOINT_GROUPS[e] for e in endpoints if e in ENDPOINT_GROUPS})
    return {keys.rate_group(group): ("UpdateItem",) for group in groups}


def statements(function: str, access: Access) -> list[Json]:
    log_group = join("arn:", ref("AWS::Partition"), ":logs:", ref("AWS::Region"), ":", ref("AWS::AccountId"),
                     ":log-group:/aws/lambda/", ref("AWS::StackName"), f"-{function}:*")
    out: list[Json] = [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": [log_group]}]
    object_rules: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (("s3:GetObject",), access.s3_read), (("s3:PutObject",), access.s3_write),
        (("s3:PutObject", "s3:PutObjectTagging"), access.s3_tagged_write),
        (("s3:DeleteObject",), access.s3_delete)]
    for actions, patterns in object_rules:
        if patterns:
            out.append({"Effect": "Allow", "Action": list(actions), "Resource": _objects(patterns)})
    if access.s3_list:
        out.append({"Effect": "Allow", "Action": ["s3:ListBucket"],
                    "Resource": [join("arn:", ref("AWS::Partition"), ":s3:::", bucket_name(FILES_BUCKET))],
                    "Condition": {"StringLike": {"s3:prefix": list(access.s3_list)}}})
    # One statement per action set, each limited to the item prefixes that need it.
    by_actions: dict[tuple[str, ...], list[str]] = {}
    for prefix, actions in merge_items(access.table, rate_limit_items(function), KEY_LOOKUP).items():
        by_actions.setdefault(tuple(sorted(actions)), []).append(prefix)
    for actions, prefixes in by_actions.items():
        out.append({"Effect": "Allow", "Action": [f"dynamodb:{a}" for a in actions],
                    "Resource": [{"Fn::GetAtt": [MAIN_TABLE.logical_id, "Arn"]}],
                    "Condition": {"ForAllValues:StringLike": {
                        "dynamodb:LeadingKeys": [f"{p}*" for p in sorted(prefixes)]}}})
    if access.provider_keys:
        out.append({"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": [join(
            "arn:", ref("AWS::Partition"), ":ssm:", ref("AWS::Region"), ":", ref("AWS::AccountId"),
            ":parameter/", ref("AWS::StackName"), "/providers/*")]})
    return out


def role(function: str, access: Access) -> Json:
    return {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]},
        "Policies": [{"PolicyName": function, "PolicyDocument": {
            "Version": "2012-10-17", "Statement": statements(function, access)}}],
    }}


# -- CDN ----------------------------------------------------------------------------------------


def spa_function() -> Json:
    return {"Type": "AWS::CloudFront::Function", "Properties": {
        "Name": join(ref("AWS::StackName"), "-spa-fallback"),
        "AutoPublish": True,
        "FunctionConfig": {"Comment": "SPA routes to /index.html", "Runtime": "cloudfront-js-2.0"},
        "FunctionCode": SPA_FUNCTION.read_text(),
    }}


def render() -> Json:
    resources: Json = {FILES_BUCKET.logical_id: files_bucket(FILES_BUCKET), MAIN_TABLE.logical_id: table(MAIN_TABLE)}
    resources |= {role_id(name): role(name, access) for name, access in ACCESS.items()}
    resources["SpaFallbackFunction"] = spa_function()
    return {"Resources": resources}


def rendered_text() -> str:
    return json.dumps(render(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    text = rendered_text()
    if "--check" in argv:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale: run `make package` (or {Path(__file__).name})", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
