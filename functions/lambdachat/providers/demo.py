"""Demo mode (`LAMBDACHAT_DEMO=on`, g4f's `app.demo`): the configured list of demo models.

`LAMBDACHAT_DEMO_MODELS` is `Provider:model, ...` (the model after the first colon may hold `/`
and `:`, as OpenRouter ids do). `/models` answers this list in the V1 shape with `"demo": true`
(the V1 client switches to its demo UI on it), and a conversation that names no provider is
served from it: by one of the providers listed for its model, picked at random as g4f does, or,
when its model is not on the list, by a random entry of the list (model included), so a public
demo never spends credit on a model the operator did not offer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from lambdachat.errors import NotFound
from lambdachat.providers.base import Provider

_T = TypeVar("_T")
Pick = Callable[[Sequence[_T]], _T]


@dataclass(frozen=True)
class DemoModel:
    name: str
    providers: tuple[Provider, ...]


def parse_demo_models(raw: str) -> list[tuple[str, str]]:
    """(provider name, model) pairs, in order; a malformed entry stops the server at start."""
    pairs = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        provider, colon, model = entry.partition(":")
        if not colon or not provider.strip() or not model.strip():
            raise RuntimeError(f"LAMBDACHAT_DEMO_MODELS: {entry!r} is not Provider:model")
        pairs.append((provider.strip(), model.strip()))
    return pairs


def demo_models(pairs: Sequence[tuple[str, str]], usable: Sequence[Provider],
                find: Callable[[str], Provider | None]) -> list[DemoModel]:
    """The demo list, merged by model, keeping only providers this server can use."""
    usable_names = {p.name for p in usable}
    merged: dict[str, list[Provider]] = {}
    for provider_name, model in pairs:
        provider = find(provider_name)
        if provider is not None and provider.name in usable_names and provider not in merged.get(model, []):
            merged.setdefault(model, []).append(provider)
    return [DemoModel(name, tuple(providers)) for name, providers in merged.items()]


def describe(models: Sequence[DemoModel]) -> list[dict[str, Any]]:
    """`GET /models` in demo mode: the V1 entry shape plus `"demo": true`."""
    out = []
    for model in models:
        known = [m for p in model.providers for m in p.known_models() if m.id == model.name]
        out.append({"name": model.name, "image": any(m.image for m in known),
                    "vision": any(m.vision for m in known),
                    "providers": [p.name for p in model.providers], "demo": True})
    return out


def choose(models: Sequence[DemoModel], model: str, pick: Pick[Any] = random.choice) -> tuple[Provider, str]:
    """The provider (and model) that serves a demo conversation naming no provider."""
    if not models:
        raise NotFound("No demo model is available: check LAMBDACHAT_DEMO_MODELS and the providers' keys")
    chosen = next((m for m in models if m.name == model), None) or pick(list(models))
    return pick(list(chosen.providers)), chosen.name
