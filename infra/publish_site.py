"""Upload the built SPA to the stack's site bucket and invalidate the CDN (the end of `make deploy`).

    .venv/bin/python infra/publish_site.py --stack lambdachat-dev [--dir web/dist] [--region us-east-1]

Reads WebBucketName and DistributionId from the stack's outputs. index.html is revalidated on
every load (it names the hashed assets); everything else is cached for a year. Objects no
longer in the build are deleted. Needs AWS credentials (boto3's usual chain).
"""

from __future__ import annotations

import argparse
import mimetypes
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def cache_control(key: str) -> str:
    return "no-cache" if key.endswith(".html") else "public, max-age=31536000, immutable"


def publish(s3: Any, bucket: str, site: Path) -> list[str]:
    keys = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        key = path.relative_to(site).as_posix()
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type,
                                                          "CacheControl": cache_control(key)})
        keys.append(key)
    stale = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for o in page.get("Contents", []) if o["Key"] not in set(keys)]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start:start + 1000]]})
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--region", default=None)
    default_dir = REPO_ROOT / "web" / "dist"
    parser.add_argument("--dir", type=Path, default=default_dir if default_dir.is_dir() else REPO_ROOT / "web")
    args = parser.parse_args()
    import boto3

    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack)
    keys = publish(session.client("s3"), outputs["WebBucketName"], args.dir)
    session.client("cloudfront").create_invalidation(DistributionId=outputs["DistributionId"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())})
    print(f"{len(keys)} files to s3://{outputs['WebBucketName']}; invalidated; {outputs.get('SiteUrl', '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
