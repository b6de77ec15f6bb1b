"""The shared HTTP plumbing: reading each upstream's error bodies, and odd answers."""

from __future__ import annotations

import pytest
from lambdachat.providers.base import MissingAuthError, RateLimitError, UpstreamError
from lambdachat.providers.http import Upstream, content_parts, parse_error_body

from tests.fakes.upstream import Reply, json_reply


@pytest.mark.parametrize(("body", "message", "status"), [
    ({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                "code": "invalid_api_key"}}, "Incorrect API key provided", 401),                    # OpenAI
    ({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "Overloaded", 529),
    ({"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT",
                "details": [{"reason": "API_KEY_INVALID"}]}}, "API key not valid.", 401),            # Gemini
    ([{"error": {"code": 429, "message": "Quota", "status": "RESOURCE_EXHAUSTED"}}], "Quota", 429),
    ({"error": "model 'llama9' not found"}, "model 'llama9' not found", None),                       # Ollama
    ({"object": "error", "message": {"detail": [{"msg": "Extra inputs are not permitted"}]},   # Mistral
      "type": "invalid_request_error"}, '{"detail":[{"msg":"Extra inputs are not permitted"}]}', None),
    ({"detail": "Not Found"}, "Not Found", None),                                                  # FastAPI
])
def test_error_bodies_of_each_upstream_are_read(body, message, status):
    parsed = parse_error_body(body)
    assert parsed.message == message
    assert parsed.kind_status == status


def test_openrouter_numeric_codes_are_kept():
    assert parse_error_body({"error": {"code": 502, "message": "Provider disconnected"}}).code == 502


def test_an_html_error_page_still_gives_a_readable_message(upstream):
    upstream.script(Reply(status=502, frames=(b"<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>",),
                          stream=False, headers=(("Content-Type", "text/html"),)))
    with pytest.raises(UpstreamError) as info:
        Upstream("Custom").get_json(upstream.base_url + "/v1/models")
    assert info.value.status == 502
    assert "502 Bad Gateway" in str(info.value)


def test_a_success_that_is_not_an_event_stream_is_an_upstream_error(upstream):
    # A base URL pointing at the wrong server typically answers 200 with a web page or JSON.
    upstream.script(json_reply(200, {"message": "Welcome to nginx"}))
    with pytest.raises(UpstreamError) as info, \
            Upstream("Custom").open_sse(upstream.base_url + "/x", {}) as events:
        list(events)
    assert "did not answer with an event stream" in str(info.value)
    assert "Welcome to nginx" in str(info.value)


def test_retry_after_given_as_a_date_is_passed_on(upstream):
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    upstream.script(json_reply(429, {"error": {"message": "Slow down"}}, (("Retry-After", date),)))
    with pytest.raises(RateLimitError, match=f"retry after {date}"):
        Upstream("OpenAI").get_json(upstream.base_url + "/v1/models")


def test_the_key_is_scrubbed_even_from_plain_text_bodies(upstream):
    key = "sk-live-0123456789abcdefghij"
    upstream.script(Reply(status=403, frames=(f"key {key} is blocked".encode(),), stream=False,
                          headers=(("Content-Type", "text/plain"),)))
    with pytest.raises(MissingAuthError) as info:
        Upstream("Custom", {"Authorization": f"Bearer {key}"}, key).get_json(upstream.base_url + "/v1/models")
    assert key not in str(info.value)
    assert "is blocked" in str(info.value)
    assert key not in repr(Upstream("Custom", {"Authorization": f"Bearer {key}"}, key))


def test_content_parts_reads_strings_text_parts_and_images():
    parts = content_parts([{"type": "text", "text": "hi"},
                           {"type": "image_url", "image_url": "data:image/webp;base64,UklG"},
                           {"bucket_id": "b1"}, {"type": "text", "text": ""}])
    assert [type(p).__name__ for p in parts] == ["TextPart", "ImagePart"]
    assert (parts[1].mime, parts[1].data) == ("image/webp", "UklG")
    assert content_parts("") == []


def test_a_connection_closed_without_an_answer_is_sent_once_more():
    """A keep-alive connection the server closes just as it is reused gives "Server
    disconnected without sending a response"; the request had no answer, so it is retried."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted: list[int] = []

    def serve() -> None:
        for attempt in range(2):
            conn, _ = listener.accept()
            accepted.append(attempt)
            conn.recv(65536)
            if attempt == 1:
                body = b'{"data": [{"id": "m-1"}]}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    listing = Upstream("Peer").get_json(f"http://127.0.0.1:{port}/v1/models")
    thread.join(5)
    listener.close()
    assert listing == {"data": [{"id": "m-1"}]}
    assert accepted == [0, 1]
