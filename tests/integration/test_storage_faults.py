"""Storage faults (moto with injected throttling, 5xx and lost connections): retried with backoff by
botocore's standard mode, then 503 with Retry-After; and no multi-object write leaves a half state
a reader can see (shares with a spilled body, multi-file uploads, usage record + totals).

Faults are injected with a `before-send` hook placed ahead of moto's: botocore treats the fake
response exactly like one from the wire, retries included. Backoff delays are recorded, not slept.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError
from lambdachat.storage.faults import unavailable
from lambdachat.usage import recorder

from tests.apps import create_app, use_real
from tests.aws import mocked_aws

SID = "5b0f4c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b"
SHARE = f"/backend-api/v2/chat/{SID}"
BUCKET = "/backend-api/v2/files/6c1e2d3f-4a5b-4c7d-8e9f-0a1b2c3d4e5f"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _reply(status: int, body: bytes, headers: dict[str, str]) -> AWSResponse:
    return AWSResponse("https://fault.invalid/", status, headers, _Raw(body))


THROTTLED = _reply(400, json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                                    "message": "Rate of requests exceeds the allowed throughput."}).encode(),
                   {"x-amzn-ErrorType": "ThrottlingException", "content-type": "application/x-amz-json-1.0"})
DDB_500 = _reply(500, json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                                  "message": "Internal server error"}).encode(),
                 {"content-type": "application/x-amz-json-1.0"})
S3_SLOWDOWN = _reply(503, b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
                     {"content-type": "application/xml"})


class Faults:
    """Fails the next `times` calls of one operation. With `error`, the request never arrives (moto
    does not see it). With `reply`, moto still runs it and its answer is replaced: a 5xx after the
    write landed, the ambiguous case a client cannot tell from a failed write."""

    def __init__(self, client: Any, operation: str, times: int, reply: AWSResponse | None = None,
                 error: Exception | None = None) -> None:
        self.calls = 0
        self.times, self.reply, self.error, self.operation = times, reply, error, operation
        client.meta.events.register_first(f"before-send.*.{operation}", self)

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.calls += 1
        if self.calls > self.times:
            return None  # through to moto
        if self.error is not None:
            raise self.error
        return self.reply


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from botocore.retries import standard

    delays: list[float] = []
    original = standard.ExponentialBackoff.delay_amount

    def recorded(self: Any, context: Any) -> float:
        delays.append(original(self, context))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", recorded)
    with mocked_aws(monkeypatch) as client:
        client.delays = delays  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def app(aws: Any) -> Any:
    return create_app()


def _conversation(text: str) -> str:
    return json.dumps({"id": "c1", "title": "t", "added": 1, "updated": 2,
                       "items": [{"role": "user", "content": text}]})


# ---- retried, then 503 ---------------------------------------------------------------------------

def test_throttled_reads_are_retried_with_backoff_and_then_succeed(app: Any, aws: Any) -> None:
    client = app.test_client()
    assert client.post(SHARE, data=_conversation("hi"), content_type="application/json").status_code == 200
    faults = Faults(aws("dynamodb"), "GetItem", times=2, reply=THROTTLED)
    response = client.get(SHARE)
    assert response.status_code == 200 and b"hi" in response.get_data()
    assert faults.calls == 3
    assert len(aws.delays) == 2 and all(d >= 0 for d in aws.delays)


def test_a_dynamodb_5xx_that_persists_is_503_with_retry_after(app: Any, aws: Any) -> None:
    faults = Faults(aws("dynamodb"), "GetItem", times=99, reply=DDB_500)
    response = app.test_client().get(SHARE)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "try again" in response.get_json()["error"]["message"]
    assert faults.calls == 5  # standard mode, max_attempts=4 in storage.aws: 4 retries after the first


def test_s3_slowdown_that_persists_is_503(app: Any, aws: Any) -> None:
    client = app.test_client()
    assert client.post(SHARE, data=_conversation("x" * 40_000), content_type="application/json").status_code == 200
    faults = Faults(aws("s3"), "GetObject", times=99, reply=S3_SLOWDOWN)
    response = client.get(SHARE)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert faults.calls == 5


def test_an_unreachable_endpoint_is_503(app: Any, aws: Any) -> None:
    Faults(aws("dynamodb"), "GetItem", times=99, error=EndpointConnectionError(endpoint_url="http://ddb"))
    assert app.test_client().get(SHARE).status_code == 503


def test_refusals_that_are_not_faults_stay_what_they_are() -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"},
                          "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetItem")
    cancelled = ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "x"},
                             "CancellationReasons": [{"Code": "ThrottlingError"}, {"Code": "None"}],
                             "ResponseMetadata": {"HTTPStatusCode": 400}}, "TransactWriteItems")
    assert unavailable(denied) is None
    assert unavailable(ValueError("x")) is None
    assert unavailable(cancelled) is not None


# ---- no half state -------------------------------------------------------------------------------

def _spilled_bodies(aws: Any) -> list[str]:
    listing = aws("s3").list_objects_v2(Bucket="lambdachat-files", Prefix=f"shares/{SID}/")
    return [o["Key"] for o in listing.get("Contents", [])]


LOST = EndpointConnectionError(endpoint_url="http://dynamodb")


def test_a_share_update_whose_item_write_never_lands_leaves_the_old_version_readable(app: Any, aws: Any) -> None:
    owner = app.test_client()
    assert owner.post(SHARE, data=_conversation("old" * 15_000), content_type="application/json").status_code == 200
    Faults(aws("dynamodb"), "PutItem", times=99, error=LOST)  # the new body is in S3, the item write is lost
    assert owner.post(SHARE, data=_conversation("new" * 15_000), content_type="application/json").status_code == 503
    reader = app.test_client().get(SHARE)
    assert reader.status_code == 200 and b"oldold" in reader.get_data() and b"newnew" not in reader.get_data()


def test_a_share_update_answered_5xx_after_it_landed_is_readable_whole(app: Any, aws: Any) -> None:
    owner = app.test_client()
    assert owner.post(SHARE, data=_conversation("old" * 15_000), content_type="application/json").status_code == 200
    Faults(aws("dynamodb"), "PutItem", times=99, reply=DDB_500)
    assert owner.post(SHARE, data=_conversation("new" * 15_000), content_type="application/json").status_code == 503
    reader = app.test_client().get(SHARE)
    # Either version, but a whole one: the item never points at a body that was cleaned away.
    assert reader.status_code == 200
    assert json.loads(reader.get_data())["items"][0]["content"] in {"old" * 15_000, "new" * 15_000}
    assert len(_spilled_bodies(aws)) >= 1


def test_a_share_whose_body_upload_fails_does_not_exist(app: Any, aws: Any) -> None:
    Faults(aws("s3"), "PutObject", times=99, reply=S3_SLOWDOWN)
    client = app.test_client()
    assert client.post(SHARE, data=_conversation("big" * 15_000), content_type="application/json").status_code == 503
    assert client.get(SHARE).status_code == 404


def test_an_upload_failing_on_its_second_file_lists_only_complete_files(app: Any, aws: Any) -> None:
    # Each file is its object, then its record: a record never points at a missing object.
    def second_record_fails(request: Any, **_: Any) -> None:
        if b"b.txt" in (request.body or b""):
            raise LOST

    aws("dynamodb").meta.events.register_first("before-send.*.PutItem", second_record_fails)
    client = app.test_client()
    files = {"files": [(io.BytesIO(b"first"), "a.txt"), (io.BytesIO(b"second"), "b.txt")]}
    assert client.post(BUCKET, data=files, content_type="multipart/form-data").status_code == 503
    status = client.get(BUCKET + "/status").get_json()
    assert [f["name"] for f in status["files"]] == ["a.txt"]
    assert client.get(BUCKET).get_data(as_text=True).count("first") == 1


def test_usage_record_and_totals_commit_together_or_not_at_all(aws: Any) -> None:
    use_real("usage")   # the DynamoDB-backed service, on moto
    try:
        client = create_app().test_client()
        Faults(aws("dynamodb"), "TransactWriteItems", times=99, error=LOST)
        record = {"model": "m", "provider": "P", "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        assert client.post("/backend-api/v2/usage", json=record).status_code == 503
        day = datetime.now(UTC).date().isoformat()
        assert client.get(f"/backend-api/v2/usage/{day}").get_json() == []
        assert client.get("/backend-api/v2/stats?days=1").get_json()["totals"]["requests"] == 0
    finally:
        recorder.drain()
