"""Indented JSON at json's C speed is json's own text, character for character."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pushctl.output import jsontext, render
from pushctl.output.escaping import escape_json

MARKER = "\x00nested\x00"  # what stands for a nested list while its parent is written

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from([MARKER, '"', "\\", "\n", "\u2028", "\x85", "\ud800", "é"])
)
keys = st.text(max_size=8) | st.integers() | st.booleans() | st.none() | st.just(MARKER)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=40,
)


class StrLike(str):
    pass


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(values)
def test_the_text_is_jsons_own(value: Any) -> None:
    assert jsontext.dumps(value) == as_json(value)
    assert "".join(jsontext.pieces(value)) == as_json(value)


def test_nested_text_that_looks_like_the_marker_is_kept() -> None:
    for value in (
        {"a": MARKER, "b": [1, 2]},
        [MARKER, {"x": [MARKER]}],
        {MARKER: {MARKER: [MARKER]}},
        {"a": StrLike("x"), "b": [StrLike("y")], "c": {"d": 1.5}},
    ):
        assert jsontext.dumps(value) == as_json(value)
        assert "".join(jsontext.pieces(value)) == as_json(value)


def test_what_json_refuses_is_refused() -> None:
    for value in ({"a": object()}, [{1, 2}], {(1, 2): "tuple key"}):
        with pytest.raises(TypeError):
            as_json(value)
        with pytest.raises(TypeError):
            jsontext.dumps(value)


def test_a_large_document_is_written_in_pieces_as_one_text() -> None:
    class Out:
        def __init__(self) -> None:
            self.writes: list[str] = []

        def write(self, text: str) -> None:
            self.writes.append(text)

    pushers = [
        {"user_id": f"@u{n}:x", "pushkey": "k\u200b" * 50, "data": {"url": "https://g/", "n": [n]}}
        for n in range(20_000)
    ]
    document = {"pushers": pushers, "summary": {"pushers": len(pushers), "by_app_id": []}}
    out = Out()
    render.write_json(out, document)  # type: ignore[arg-type]
    assert len(out.writes) > 3
    assert "".join(out.writes) == render.dump_json(document)
    assert "\u200b" not in "".join(out.writes), "invisible characters are escaped in every piece"


def test_plain_ascii_json_is_left_as_it_is_and_del_is_still_escaped() -> None:
    text = as_json({"a": "plain"})
    assert escape_json(text) is text
    assert escape_json('"a\x7fb"') == '"a\\u007fb"'
    assert json.loads(escape_json(json.dumps("a\x7f\u200bb", ensure_ascii=False))) == "a\x7f\u200bb"
