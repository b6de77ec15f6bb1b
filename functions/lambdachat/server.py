"""`lambdachat serve`: the whole product from one multi-threaded WSGI server.

gunicorn, embedded (no config file, no argv parsing), with one `gthread` worker: one process,
because the embedded model is loaded once (and `LAMBDACHAT_LOCAL_STORE=memory` keeps moto in it);
many threads, because answers stream for minutes while other requests must still be served.
The gthread `timeout` is a heartbeat of the worker's main loop, not a per-request limit, so
a long stream is never killed by it. The streaming Lambda runs gunicorn with the same worker
model (`functions/run_web_adapter.sh`); this module is the laptop side of it.

Everything process-bound (in-memory moto's thread, the model) is started in the worker after the
fork, in `_build_worker_app`, never in the master. The durable local store is the exception: it is
its own process, started by the master (which outlives workers) and stopped when the master ends.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from lambdachat.observability import logger
from lambdachat.web import gunicorn_conf

if TYPE_CHECKING:
    from lambdachat.storage.local_store import LocalStore
    from lambdachat.wiring import Services

HEARTBEAT_TIMEOUT = 120      # seconds the worker's main loop may be unresponsive before a restart
GRACEFUL_TIMEOUT = 5         # SIGTERM lets open streams run this long (Ctrl-C does not wait); < docker stop
KEEPALIVE = 5

# The durable store this master started (a forked worker closes its copy of the store's pipe).
_STORES: list[LocalStore] = []


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    # Each open stream holds a thread while it generates; request heads and idle kept-alive
    # connections hold none (web/guarded_worker.py). 128 is four addresses' worth of streams at
    # the per-address bound (32); the pool starts threads only when they are needed.
    threads: int = 128


def create_local_app(services: Services | None = None) -> Flask:
    """Every API route group, plus the web page (which the CDN serves in the cloud)."""
    from lambdachat.web.app import create_app
    from lambdachat.web.routes.spa import bp as spa_bp

    app = create_app(None, services)
    app.register_blueprint(spa_bp)  # after the API, so an API rule always wins over the page
    return app


def _warm_up_model(app: Flask) -> None:
    """Load the embedded model before the first question, so the first answer starts quickly."""
    from lambdachat.web.context import EXTENSION

    started = time.perf_counter()
    try:
        provider = app.extensions[EXTENSION].providers().get_provider("Local")
        warm_up: Callable[[], Any] | None = getattr(provider, "warm_up", None)
        if warm_up is None:
            logger.warning("embedded model not available: nothing to warm up")
            return
        if warm_up() is False:
            return  # not installed: the provider has said why
    except Exception:  # a missing model must not take the server down: other providers still work
        logger.exception("embedded model warm-up failed")
        return
    logger.info("embedded model warm", extra={"ms": round((time.perf_counter() - started) * 1000)})


def _build_worker_app() -> Flask:
    """Runs once in the worker process, after the fork."""
    from lambdachat.config import reload_settings
    from lambdachat.storage.local_aws import start_embedded_aws, wants_embedded_aws

    settings = reload_settings()  # nothing read in the master may outlive the environment set here
    for store in _STORES:
        store.forget_in_child()
    if wants_embedded_aws():  # LAMBDACHAT_LOCAL_STORE=memory: moto in this process (the master set no endpoint)
        start_embedded_aws()
    app = create_local_app()
    if settings.warm_model:
        threading.Thread(target=_warm_up_model, args=(app,), name="model-warm-up", daemon=True).start()
    return app


def _announce(worker: Any) -> None:
    """gunicorn post_worker_init: log the address really bound (the port may have been 0)."""
    host, port = worker.sockets[0].sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    logger.info(f"lambdachat is ready at {url}", extra={"url": url, "pid": os.getpid()})


def _end_worker(_arbiter: Any, worker: Any) -> None:
    """gunicorn worker_exit: leave at once, without waiting for streams still open.

    gunicorn has already given in-flight requests `graceful_timeout` (or none, on Ctrl-C).
    A normal interpreter exit would then still join every request thread, so one open
    5-minute stream would hold the process until the master SIGKILLs it.
    """
    if os.getpid() != worker.pid or not worker.booted:
        return  # the master calls this hook too when it reaps; a boot failure keeps its exit code
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def gunicorn_options(options: ServeOptions) -> dict[str, Any]:
    host = f"[{options.host}]" if ":" in options.host else options.host
    options_map: dict[str, Any] = {
        **gunicorn_conf.SHARED,
        "bind": [f"{host}:{options.port}"],
        "threads": options.threads,
        "timeout": HEARTBEAT_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": KEEPALIVE,
        "accesslog": None,           # the app logs every request as a JSON line already
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "lambdachat",
        "post_worker_init": _announce,
        "worker_exit": _end_worker,
    }
    if os.path.isdir("/dev/shm"):
        options_map["worker_tmp_dir"] = "/dev/shm"  # the heartbeat file: keep it off a slow disk
    return options_map


class _EmbeddedGunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._factory()


def _stop_store(store: LocalStore, master: int) -> None:
    if os.getpid() == master:  # a forked worker inherits atexit hooks; only the master owns the store
        store.stop()


def serve(options: ServeOptions) -> None:
    """Run until interrupted. Configuration errors surface here, before the server starts."""
    # Before anything reads settings: limits and defaults follow from the mode.
    os.environ["LAMBDACHAT_MODE"] = "local"
    from lambdachat.config import reload_settings
    from lambdachat.storage.local_aws import start_durable_store, wants_embedded_aws
    from lambdachat.web.routes.spa import web_root

    # Invalid settings and a missing page fail now, in the terminal, not in the worker's log.
    settings = reload_settings()
    web_root(settings.web_dir)
    if settings.local_store == "durable" and wants_embedded_aws():
        store = start_durable_store()  # before the fork: the worker inherits its endpoint
        _STORES.append(store)
        atexit.register(_stop_store, store, os.getpid())
    _EmbeddedGunicorn(_build_worker_app, gunicorn_options(options)).run()
