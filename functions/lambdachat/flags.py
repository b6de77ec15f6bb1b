"""Yes/no values as clients and operators write them: true/false, 1/0, yes/no, on/off."""

from __future__ import annotations

from lambdachat.errors import BadRequest

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def flag_value(raw: object) -> bool | None:
    """True or False for a recognised value, None for anything else."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def request_flag(name: str, raw: object, default: bool) -> bool:
    """A request parameter as a real boolean (V1 took any value, even "false", as true).
    Absent: the default; present but empty: false; anything unrecognised: 400."""
    if raw is None:
        return default
    if isinstance(raw, str) and not raw.strip():
        return False
    value = flag_value(raw)
    if value is None:
        raise BadRequest(f"'{name}' must be true or false")
    return value

