"""The embedded AWS of the local server.

By default (`LAMBDACHAT_LOCAL_STORE=durable`) it is a store in its own process that keeps every
write in the data directory (`storage.local_store`), started by `lambdachat serve` before the fork.
`memory` keeps moto inside the serving process, with nothing kept: that one must start in the
process that serves requests (the gunicorn worker, never the master): moto keeps its state in
memory and runs on a thread, and neither survives a fork. Everything here happens before the
first boto3 client is built, because clients read the endpoint and credentials when they are
made. The buckets and tables are the cloud stack's own definitions (`storage.resources`), so
local data has the same shape as in the cloud.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdachat.config import get_settings
from lambdachat.observability import logger

if TYPE_CHECKING:
    from lambdachat.storage.local_store import LocalStore

# Fake credentials: moto accepts anything, and a real key must never be sent anywhere from here.
_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass(frozen=True)
class EmbeddedAws:
    endpoint: str
    server: Any  # moto.server.ThreadedMotoServer

    def stop(self) -> None:
        self.server.stop()


def wants_embedded_aws() -> bool:
    """On unless told not to; a configured endpoint (real AWS, LocalStack) always wins."""
    settings = get_settings()
    if settings.aws_endpoint_url:
        return False
    return settings.embedded_aws is not False


def point_boto3_at(endpoint: str) -> None:
    """Every boto3 client made from now on (in this process and its children) uses `endpoint`."""
    from lambdachat.config import reload_settings
    from lambdachat.storage import aws

    os.environ.pop("AWS_PROFILE", None)  # a profile's real credentials must not be picked up
    os.environ.update(_FAKE_AWS_ENV, AWS_ENDPOINT_URL=endpoint)
    reload_settings()   # the endpoint just set is a setting
    aws.client.cache_clear()


def start_durable_store() -> LocalStore:
    """The store in its own process, on the data directory; boto3 pointed at it."""
    from lambdachat.storage.local_store import start_store

    data_dir = Path(get_settings().data_directory)
    store = start_store(data_dir)
    point_boto3_at(store.endpoint)
    logger.info(f"embedded AWS ready, data in {data_dir}",
                extra={"data_dir": str(data_dir), "endpoint": store.endpoint})
    return store


def start_embedded_aws() -> EmbeddedAws:
    """Start moto on a free loopback port, point boto3 at it and create every bucket and table."""
    from moto.server import ThreadedMotoServer

    from lambdachat.storage import aws
    from lambdachat.storage.resources import BUCKETS, TABLES, create_all

    # moto's werkzeug server would otherwise log every storage call in plain text.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    point_boto3_at(endpoint)
    create_all(aws.client("s3"), aws.client("dynamodb"))
    logger.info("embedded AWS ready", extra={
        "endpoint": endpoint, "buckets": [b.name for b in BUCKETS], "tables": [t.name for t in TABLES]})
    return EmbeddedAws(endpoint=endpoint, server=server)
