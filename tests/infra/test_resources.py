"""infra/resources.json is what `lambdachat.storage.resources` and infra/access.py say, and the
SPA fallback rewrites app routes only."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from lambdachat.storage.resources import FILES_BUCKET, MAIN_TABLE

from infra import render_resources


def test_the_committed_render_is_current():
    # Stale means the deployed bucket/table/IAM would differ from what the code defines.
    assert render_resources.OUTPUT.read_text() == render_resources.rendered_text(), \
        "run `make package` and commit infra/resources.json"


def test_the_table_and_bucket_come_from_the_storage_module():
    resources = json.loads(render_resources.rendered_text())["Resources"]
    table = resources[MAIN_TABLE.logical_id]["Properties"]
    assert table["KeySchema"] == MAIN_TABLE.key_schema()
    assert table["AttributeDefinitions"] == MAIN_TABLE.attribute_definitions()
    assert table["TimeToLiveSpecification"] == {"AttributeName": MAIN_TABLE.ttl_attribute, "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    bucket = resources[FILES_BUCKET.logical_id]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    # Spilled bodies of expiring shares outlive their item's TTL only until the longest expiry.
    assert rules["expiring-share-bodies"]["TagFilters"] == [{"Key": "share-expires", "Value": "true"}]
    assert rules["expiring-share-bodies"]["ExpirationInDays"] >= 366


@pytest.mark.parametrize(("uri", "served"), [
    ("/", "/index.html"), ("/chat/abc-123", "/index.html"), ("/settings", "/index.html"),
    ("/assets/app-1f2e.js", "/assets/app-1f2e.js"), ("/favicon.ico", "/favicon.ico"),
])
def test_the_spa_fallback_serves_index_for_app_routes_only(uri, served):
    node = shutil.which("node")
    assert node, "node is needed for osls anyway"
    script = render_resources.SPA_FUNCTION.read_text() + \
        f"\nprocess.stdout.write(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);"
    assert subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout == served
