"""The conversation stream's bytes on the wire stay exactly what g4f clients parse today."""

import pytest

from tests.unit.stream_scenarios import FORMATS, golden, scenarios, stream_bytes


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(scenarios()))
def test_each_scenario_streams_the_recorded_bytes(name, fmt):
    assert stream_bytes(name, fmt).decode() == golden()[name][fmt]
