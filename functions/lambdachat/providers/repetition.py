"""Notice when a generation is only repeating itself, so it can be stopped.

A tiny model sometimes falls into a loop (`#pink #pink #pink …` until the token cap). The
sign is exact: the end of the text is one short unit repeated back to back. The thresholds
keep ordinary answers clear of it: the unit must come at least MIN_REPEATS times in a row and
the run must be MIN_RUN_CHARS long, or MIN_SYMBOL_RUN_CHARS for a unit of only punctuation
and spaces (a markdown table's `|---|---|` rule, a line of dashes), so a loop of words is
caught within about ten repeats and formatting is not taken for one.
"""

from __future__ import annotations

MAX_UNIT_CHARS = 200
MIN_REPEATS = 4
MIN_RUN_CHARS = 60
MIN_SYMBOL_RUN_CHARS = 200
# The text the check needs: the longest unit, repeated MIN_REPEATS times.
WINDOW_CHARS = MAX_UNIT_CHARS * MIN_REPEATS


def repeating_unit(text: str) -> str | None:
    """The unit the end of `text` repeats (shortest first), or None when it does not loop."""
    tail = text[-WINDOW_CHARS:]
    for unit in range(1, MAX_UNIT_CHARS + 1):
        if unit * MIN_REPEATS > len(tail):
            break
        if tail[-1] != tail[-1 - unit]:
            continue  # the cheap test first: most units fail it
        repeated = tail[-unit:]
        least = MIN_RUN_CHARS if any(c.isalnum() for c in repeated) else MIN_SYMBOL_RUN_CHARS
        run = max(unit * MIN_REPEATS, least)
        # The last `run` characters have period `unit` when they equal themselves shifted by it.
        if run <= len(tail) and tail[-run + unit:] == tail[-run:-unit]:
            return repeated
    return None


class RepetitionGuard:
    """Fed the answer chunk by chunk; says when the answer has started to loop."""

    def __init__(self) -> None:
        self._tail = ""
        self.unit: str | None = None

    def feed(self, text: str) -> bool:
        self._tail = (self._tail + text)[-WINDOW_CHARS:]
        if self.unit is None:
            self.unit = repeating_unit(self._tail)
        return self.unit is not None
