"""Property-based checks of the validation rules."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pushctl import importfile, model
from pushctl.errors import InvalidInput
from tests.support.accounts import make_pusher

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


# -- import files: whatever the text, `validate` answers with problems, never a crash --


yaml_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
yaml_like = st.recursive(
    yaml_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=12) | st.integers(), children, max_size=5)
    ),
    max_leaves=30,
)
pusher_like = st.dictionaries(
    st.sampled_from([*model.FIELDS, "defaults", "pushers", "append"]), yaml_like, max_size=9
)
documents_like = (
    yaml_like
    | st.lists(pusher_like, max_size=4)
    | st.fixed_dictionaries(
        {"pushers": st.lists(pusher_like, max_size=4)}, optional={"defaults": pusher_like}
    )
)


def validate_text(text: str, fmt: str) -> None:
    """What `pushctl validate` does with a file's text: exit 3 or a clean result."""
    try:
        document = importfile.parse(text, "junk.yaml", fmt)
        for problem in importfile.check(document):
            assert problem.line >= 1 and problem.field and problem.message
    except InvalidInput as exc:
        assert exc.message.startswith("junk.yaml")
        assert "Traceback" not in exc.message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents_like)
def test_validate_never_crashes_on_yaml_shaped_junk(value: object) -> None:
    validate_text(yaml.safe_dump(value, allow_unicode=True), "yaml")


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_validate_never_crashes_on_arbitrary_text(text: str) -> None:
    validate_text(text, "yaml")
    validate_text(text, "json")


yaml_tokens = st.sampled_from(
    [
        "pushers:", "defaults:", "- ", "  ", "\n", "{", "}", "[", "]", ":", ",", "&a ", "*a",
        "<<: ", "!!python/object:os.system", "!!binary ", "'", '"', "#", "|", ">", "? ",
        "pushkey: k", "app_id: a", "data: {url: x}", "kind: http", "---", "...", "%YAML 1.1",
        "\t", "2024-01-01", ".nan", "~", "\\u00e9", "é", "😀",
    ]
)  # fmt: skip


@settings(max_examples=400)
@given(st.lists(yaml_tokens, max_size=40).map("".join))
def test_validate_never_crashes_on_yaml_token_soup(text: str) -> None:
    validate_text(text, "yaml")
