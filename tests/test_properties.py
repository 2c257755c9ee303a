"""Property-based checks of the validation rules."""

from __future__ import annotations

from conftest import make_pusher
from hypothesis import given, settings
from hypothesis import strategies as st

from pushctl import model

# Any Unicode text without surrogates (which cannot be encoded as UTF-8).
texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=600)


def pushkey_problems(pushkey: str) -> list[str]:
    return [
        p.message
        for p in model.validate_pusher(make_pusher(pushkey=pushkey))
        if p.field == "pushkey"
    ]


@settings(max_examples=400)
@given(texts)
def test_pushkey_accepted_exactly_when_at_most_512_utf8_bytes(pushkey: str) -> None:
    size = len(pushkey.encode("utf-8"))
    problems = pushkey_problems(pushkey)
    if not pushkey.strip():
        assert problems == ["must not be empty"]
    elif size <= 512:
        assert problems == []
    else:
        assert problems == [f"is {size} bytes of UTF-8; the limit is 512 bytes"]


@settings(max_examples=200)
@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=120))
def test_app_id_accepted_exactly_when_at_most_64_characters(app_id: str) -> None:
    problems = [p for p in model.validate_pusher(make_pusher(app_id=app_id)) if p.field == "app_id"]
    assert (problems == []) == (len(app_id) <= 64 and bool(app_id.strip()))


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_like)
def test_validation_never_crashes_on_junk(junk: object) -> None:
    problems = model.validate_pusher(junk)
    assert all(isinstance(p, model.Problem) and p.field and p.message for p in problems)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(model.FIELDS), json_like, max_size=8))
def test_validation_never_crashes_on_junk_fields(junk: dict[str, object]) -> None:
    problems = model.validate_pusher(junk)
    assert all(isinstance(p, model.Problem) for p in problems)
