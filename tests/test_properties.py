"""Property-based checks of the validation rules and of the import-file reader."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pushctl import importfile
from pushctl.errors import InvalidInput
from pushctl.importfile import FileProblem
from pushctl.pushers import model
from tests.support.accounts import make_pusher

#: Halves of UTF-16 pairs, alone: JSON's "\ud800" gives one, and UTF-8 cannot encode it.
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]


def with_surrogates(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Any text, lone surrogates mixed in (``st.text`` leaves them out)."""
    chunks = st.text(max_size=20) | st.sampled_from(SURROGATES)
    text = st.lists(chunks, max_size=max(1, max_size // 10)).map("".join)
    return text.filter(lambda t: min_size <= len(t) <= max_size)


def has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


# Any Unicode text, with lone surrogates or without.
texts = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=600) | (
    with_surrogates(600, min_size=1)
)


def pushkey_problems(pushkey: str) -> list[str]:
    return [
        p.message
        for p in model.validate_pusher(make_pusher(pushkey=pushkey))
        if p.field == "pushkey"
    ]


@settings(max_examples=400)
@given(texts)
def test_pushkey_accepted_exactly_when_at_most_512_utf8_bytes(pushkey: str) -> None:
    problems = pushkey_problems(pushkey)
    if has_surrogate(pushkey):
        [problem] = problems
        assert problem.endswith("a lone surrogate that UTF-8 cannot encode")
        return
    size = len(pushkey.encode("utf-8"))
    if not pushkey.strip():
        assert problems == ["must not be empty"]
    elif size <= 512:
        assert problems == []
    else:
        assert problems == [f"is {size} bytes of UTF-8; the limit is 512 bytes"]


@settings(max_examples=200)
@given(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=120)
    | with_surrogates(120, min_size=1)
)
def test_app_id_accepted_exactly_when_at_most_64_characters(app_id: str) -> None:
    problems = [p for p in model.validate_pusher(make_pusher(app_id=app_id)) if p.field == "app_id"]
    assert (problems == []) == (
        len(app_id) <= 64 and bool(app_id.strip()) and not has_surrogate(app_id)
    )


json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | with_surrogates(20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10) | with_surrogates(10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_like)
def test_validation_never_crashes_on_junk(junk: object) -> None:
    problems = model.validate_pusher(junk)
    assert all(isinstance(p, model.Problem) and p.field and p.message for p in problems)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(model.FIELDS), json_like, min_size=1, max_size=8))
def test_a_pusher_without_problems_can_be_sent_as_utf8_json(fields: dict[str, object]) -> None:
    pusher = {**make_pusher(), **fields}
    if not model.errors_only(model.validate_pusher(pusher)):
        json.dumps(model.set_body(pusher), ensure_ascii=False, allow_nan=False).encode("utf-8")


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
    """What `pushctl validate` does with a file's text: a Document, or exit 3 with file:line."""
    try:
        document = importfile.parse(text, "junk.yaml", fmt)
    except InvalidInput as exc:
        [problem] = exc.problems
        assert isinstance(problem, FileProblem) and problem.line >= 1
        assert exc.message.startswith(f"junk.yaml:{problem.line}: ")
        assert "Traceback" not in exc.message
        exc.message.encode("utf-8")  # it can be shown
        return
    assert isinstance(document, importfile.Document)
    for problem in importfile.check(document):
        assert problem.line >= 1 and problem.field and problem.message
        problem.format("junk.yaml").encode("utf-8")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(documents_like)
def test_validate_never_crashes_on_yaml_shaped_junk(value: object) -> None:
    validate_text(yaml.safe_dump(value, allow_unicode=True), "yaml")


@settings(max_examples=300)
@given(st.text(max_size=300) | with_surrogates(300))
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


# -- files as written by hand: keys given twice, lone surrogates, huge integers --


class Written(list[tuple[Any, Any]]):
    """A mapping as the file writes it: its keys may repeat."""


@dataclass(frozen=True)
class LongInteger:
    """An integer of this many digits, around the most Python reads."""

    digits: int


def written(value: object) -> str:
    """JSON text (flow-style YAML too) of *value*, keys given twice and all."""
    if isinstance(value, Written):
        return "{" + ", ".join(f"{json.dumps(k)}: {written(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(written, value)) + "]"
    if isinstance(value, LongInteger):
        return "-" + "7" * value.digits
    return json.dumps(value)  # a lone surrogate as "\ud800"


limit = sys.get_int_max_str_digits()
file_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | with_surrogates(20)
    | st.integers(limit - 2, limit + 2).map(LongInteger)
)
file_keys = st.sampled_from([*model.FIELDS, "url", "<<"]) | st.text(max_size=8) | with_surrogates(8)
file_values = st.recursive(
    file_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(st.tuples(file_keys, children), max_size=5).map(Written)
    ),
    max_leaves=25,
)
file_entries = st.lists(
    st.tuples(st.sampled_from([*model.FIELDS, "append"]), file_values), max_size=9
).map(Written)
written_documents = (
    file_values
    | st.lists(file_entries, max_size=4)
    | st.lists(
        st.tuples(st.sampled_from(["defaults", "pushers"]), file_entries | st.lists(file_entries)),
        min_size=1,
        max_size=3,
    ).map(Written)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written_documents)
def test_validate_never_crashes_on_files_written_by_hand(document: object) -> None:
    text = written(document)
    validate_text(text, "json")
    validate_text(text, "yaml")
    with mock.patch.object(importfile.yaml_format, "yaml_loader", lambda: yaml.SafeLoader):
        validate_text(text, "yaml")  # reads "\ud800", which libyaml refuses


# -- hostile URLs: from a file, a flag or the server, a problem or a refusal, never a crash --

url_pieces = st.sampled_from(
    [
        "http://", "https://", "//", "[", "]", "[::1", "::1]", "[::1]", "[v1.x]", "[zz]", "@",
        ":", ":0", ":443", ":99999", ":abc", ":-1", ":８０", "%25", "%", "user:pw@", "a\uff03b",
        "a\u2100b", "\uff0f", "push.example.org", "127.0.0.1", "/_matrix/push/v1/notify", "?", "#",
    ]
)  # fmt: skip
hostile_urls = st.lists(url_pieces | st.text(max_size=4), max_size=8).map("".join)


@settings(max_examples=400)
@given(hostile_urls)
def test_hostile_gateway_urls_are_a_problem_of_data_url_never_a_crash(url: str) -> None:
    from pushctl.output.columns import gateway_label
    from pushctl.runs import gateway

    pusher = make_pusher(data={"url": url})
    problems = model.errors_only(model.validate_pusher(pusher))
    assert all(p.field == "data.url" for p in problems)
    if not problems:  # a URL the rules accept can be taken apart and probed
        assert gateway.refusal(pusher, allow_insecure_http=True) is None
    gateway.refusal(pusher, allow_insecure_http=False)
    gateway_label(pusher, wide=False)


@settings(max_examples=200)
@given(hostile_urls)
def test_hostile_homeserver_urls_are_a_usage_error_never_a_crash(url: str) -> None:
    from pushctl.errors import UsageError
    from pushctl.homeserver.address import normalise_homeserver

    try:
        normalise_homeserver(url)
    except UsageError as exc:
        assert "\n" not in exc.message
