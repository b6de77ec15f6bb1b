"""A stand-in for xllamacpp's in-process `Server`, for LocalModel tests without the model.

`handle_chat_completions(body, callback)` records the request body llama.cpp would get and
streams the scripted tokens as llama.cpp's own `chat.completion.chunk`s, one token per chunk,
stopping as llama.cpp does when the callback returns True (a cancelled task sends nothing
more). Its listener is a real loopback HTTP server answering `/apply-template` and
`/tokenize` in llama.cpp's shapes, one token per whitespace-separated word of the prompt.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lambdachat.providers.local import MODEL_ID, EmbeddedModel, Endpoint, LoadedModel

API_KEY = "fake-llama-key"


def template(messages: list[dict[str, Any]]) -> str:
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + \
        "<|im_start|>assistant\n"


class _Listener(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            self._send(401, {"error": {"message": "Invalid API Key"}})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if self.path == "/apply-template":
            self._send(200, {"prompt": template(body["messages"])})
        elif self.path == "/tokenize":
            self._send(200, {"tokens": list(range(len(body["content"].split())))})
        else:
            self._send(404, {"error": {"message": "File Not Found"}})

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@dataclass
class FakeLlamaServer:
    tokens: Sequence[str] = ()
    finish: str = "stop"
    delay: float = 0.0       # seconds between tokens, as a real model takes them
    bodies: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0            # token chunks handed to the callback
    cancelled: bool = False  # the callback asked to stop

    def handle_chat_completions(self, body: dict[str, Any], callback: Callable[[dict[str, Any]], bool]) -> None:
        self.bodies.append(body)
        for token in self.tokens:
            time.sleep(self.delay)
            self.sent += 1
            if callback(_chunk({"content": token}, None)):
                self.cancelled = True
                return
        final = _chunk({}, self.finish)
        final["timings"] = {"prompt_n": 10, "cache_n": 0, "predicted_n": len(self.tokens)}
        callback(final)


def _chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"choices": [{"finish_reason": finish, "index": 0, "delta": delta}], "created": 0,
            "id": "chatcmpl-fake", "model": MODEL_ID, "object": "chat.completion.chunk"}


@contextmanager
def fake_embedded_model(server: FakeLlamaServer) -> Iterator[EmbeddedModel]:
    """An EmbeddedModel whose 'loaded model' is `server`, with its listener on loopback."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = Endpoint(f"http://127.0.0.1:{httpd.server_address[1]}", API_KEY)
        yield EmbeddedModel(lambda: LoadedModel(server, endpoint, 0.0))
    finally:
        httpd.shutdown()
        httpd.server_close()
