"""Reading Synapse's rows the fast way gives what the plain way gives."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pushctl.homeserver_host import health
from pushctl.homeserver_host.database import _decoded
from tests.test_jsontext import values


@settings(max_examples=300, deadline=None)
@given(
    values.map(lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False))
    | values.map(lambda v: " " + json.dumps(v, indent=1) + "\n")
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "{", '{"a":1}x', '{"a":1} ', "[1,2", "NaN", "nul", "1 2"])
)
def test_a_pushers_data_is_read_as_json_loads_reads_it(text: str) -> None:
    """Synapse's ``data`` column, decoded the fast way, is what json.loads makes of it."""
    try:
        expected: Any = json.loads(text)
    except ValueError:
        with pytest.raises(ValueError):
            _decoded(text)
        return
    assert json.dumps(_decoded(text)) == json.dumps(expected)  # NaN != NaN, its text is


#: from 0001-01-01 to 9999-12-31, the years datetime writes
MILLISECONDS = st.integers(min_value=-62135596800000, max_value=253402300799999)


@settings(max_examples=500, deadline=None)
@given(MILLISECONDS | st.sampled_from([0, -1, 999, 1000, -1000, -1001]))
def test_times_are_written_as_datetime_writes_them(ms: int) -> None:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    assert health.iso(ms) == moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def test_the_cycle_collector_is_back_on_after_a_failed_read() -> None:
    import gc

    from pushctl import collector

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        raise RuntimeError("the database went away")
    assert gc.isenabled()
