"""The local validation rules, each at its boundary: the homeserver checks none of them."""

from __future__ import annotations

from typing import Any

import pytest

from pushctl.pushers import model
from tests.support.accounts import make_pusher


def problems_of(**fields: Any) -> list[str]:
    return [str(p) for p in model.errors_only(model.validate_pusher(make_pusher(**fields)))]


def fields_of(pusher: Any) -> set[str]:
    return {p.field for p in model.errors_only(model.validate_pusher(pusher))}


def warnings_of(pusher: Any) -> list[str]:
    return [str(p) for p in model.validate_pusher(pusher) if p.warning]


def test_a_complete_http_pusher_is_valid() -> None:
    assert model.validate_pusher(make_pusher()) == []


@pytest.mark.parametrize(
    ("pushkey", "ok"),
    [
        ("a" * 512, True),
        ("a" * 513, False),
        ("é" * 256, True),  # 2 bytes each: 512 bytes
        ("é" * 256 + "a", False),  # 513 bytes but only 257 characters
        ("€" * 170 + "ab", True),  # 3 bytes each: 510 + 2
        ("€" * 171, False),  # 513 bytes, 171 characters
        ("😀" * 128, True),  # 4 bytes each
        ("😀" * 128 + "x", False),
    ],
)
def test_pushkey_limit_counts_utf8_bytes(pushkey: str, ok: bool) -> None:
    problems = problems_of(pushkey=pushkey)
    if ok:
        assert problems == []
    else:
        assert problems == [
            f"pushkey: is {len(pushkey.encode())} bytes of UTF-8; the limit is 512 bytes"
        ]


@pytest.mark.parametrize(("length", "ok"), [(64, True), (65, False), (1, True)])
def test_app_id_limit_is_64_characters(length: int, ok: bool) -> None:
    assert (problems_of(app_id="a" * length) == []) is ok


def test_app_id_limit_counts_characters_not_bytes() -> None:
    assert problems_of(app_id="é" * 64) == []
    assert problems_of(app_id="é" * 65) == ["app_id: is 65 characters; the limit is 64"]


def test_an_empty_kind_is_refused() -> None:
    assert "kind" in fields_of(make_pusher(kind=""))


@pytest.mark.parametrize("kind", ["carrier-pigeon", "HTTP", "null", "org.matrix.msc4174.webpush"])
def test_unknown_kinds_are_carried_with_a_warning(kind: str) -> None:
    # Synapse stores any kind (and pushes nothing to it): never a reason to refuse
    pusher = make_pusher(kind=kind)
    assert fields_of(pusher) == set()
    [warning] = warnings_of(pusher)
    assert warning.startswith(f"kind: {kind!r} is not a kind pushctl knows")
    assert "pushes nothing" in warning


@pytest.mark.parametrize(
    "field",
    ["app_id", "pushkey", "kind", "app_display_name", "device_display_name", "lang", "data"],
)
def test_every_required_field_is_required(field: str) -> None:
    pusher = make_pusher()
    del pusher[field]
    assert f"{field}: is required" in [str(p) for p in model.validate_pusher(pusher)]


def test_profile_tag_is_optional_but_must_be_a_string() -> None:
    assert problems_of(profile_tag="xyz") == []
    assert problems_of(profile_tag=7) == ["profile_tag: must be a string, not a number"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("pushkey", 123, "pushkey: must be a string, not a number"),
        ("app_id", ["a"], "app_id: must be a string, not a list"),
        ("lang", True, "lang: must be a string, not a boolean"),
        ("data", "url", "data: must be a mapping, not a string"),
        ("data", [], "data: must be a mapping, not a list"),
        ("app_id", " ", "app_id: must not be empty"),
        ("pushkey", "", "pushkey: must not be empty"),
    ],
)
def test_types_are_checked(field: str, value: Any, expected: str) -> None:
    assert expected in problems_of(**{field: value})


@pytest.mark.parametrize("field", ["device_display_name", "app_display_name", "lang"])
@pytest.mark.parametrize("value", ["", "  "])
def test_empty_names_and_lang_are_warnings(field: str, value: str) -> None:
    # the spec requires the field, not a value; Synapse stores it (Element Android sends "")
    pusher = make_pusher(**{field: value})
    assert fields_of(pusher) == set()
    [warning] = warnings_of(pusher)
    assert warning.startswith(f"{field}: is empty; the homeserver stores it")


@pytest.mark.parametrize(
    "url",
    [
        "https://push.example.org/_matrix/push/v1/notify",
        "http://127.0.0.1:5000/_matrix/push/v1/notify",
        "http://localhost/_matrix/push/v1/notify",
        "http://[::1]:8080/_matrix/push/v1/notify",
    ],
)
def test_good_gateway_urls(url: str) -> None:
    assert model.validate_pusher(make_pusher(data={"url": url})) == []


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://push.example.org/_matrix/push/v1/notify", "absolute http(s) URL"),
        ("/_matrix/push/v1/notify", "absolute http(s) URL"),
        ("https:///_matrix/push/v1/notify", "absolute http(s) URL"),
        ("https://push.example.org/", "must have the path /_matrix/push/v1/notify"),
        ("https://push.example.org/_matrix/push/v1/notify/", "must have the path"),
        ("https://push.example.org", "must have the path"),
        # urlsplit drops or strips these, so they once passed as a clean URL
        ("https://push.exa\nmple.org/_matrix/push/v1/notify", "control characters"),
        ("https://push.example.org/_matrix/push/v1/no\ttify", "control characters"),
        (" https://push.example.org/_matrix/push/v1/notify", "spaces"),
        ("https://push.example.org:99999/_matrix/push/v1/notify", "invalid port"),
        ("https://push.example.org:abc/_matrix/push/v1/notify", "invalid port"),
        ("https://push.example.org:0/_matrix/push/v1/notify", "invalid port"),
    ],
)
def test_bad_gateway_urls(url: str, fragment: str) -> None:
    problems = problems_of(data={"url": url})
    assert len(problems) == 1 and problems[0].startswith("data.url: ")
    assert fragment in problems[0]


def test_http_pusher_needs_a_url() -> None:
    assert problems_of(data={}) == ["data.url: is required for an http pusher"]
    assert problems_of(data={"url": 5}) == ["data.url: must be a string, not a number"]


def test_plain_http_to_a_remote_gateway_is_a_warning_only() -> None:
    problems = model.validate_pusher(
        make_pusher(data={"url": "http://push.example.org/_matrix/push/v1/notify"})
    )
    assert [p.warning for p in problems] == [True]
    assert "plain http" in problems[0].message


@pytest.mark.parametrize("data_format", ["full", " ", ""])
def test_a_data_format_other_than_event_id_only_is_a_warning(data_format: str) -> None:
    # NeoChat sends " "; Synapse then sends the full event to the gateway
    url = make_pusher()["data"]["url"]
    assert model.validate_pusher(make_pusher(data={"url": url, "format": "event_id_only"})) == []
    pusher = make_pusher(data={"url": url, "format": data_format})
    assert problems_of(data=pusher["data"]) == []
    assert warnings_of(pusher) == [
        f"data.format: is {data_format!r}, not event_id_only: the homeserver sends the whole "
        "event, message text included, to the push gateway"
    ]


@pytest.mark.parametrize("lang", ["en", "en-US", "zh-Hant-TW", "de_DE", "fil"])
def test_language_tags(lang: str) -> None:
    assert problems_of(lang=lang) == []


@pytest.mark.parametrize(
    "lang", ["e n", "english language", "en--US", "-en", "123456789x", "en\n", "en-US\n"]
)
def test_bad_language_tags_are_warnings(lang: str) -> None:
    pusher = make_pusher(lang=lang)
    assert fields_of(pusher) == set()
    assert [p.field for p in model.validate_pusher(pusher)] == ["lang"]
    assert "is not a language tag" in warnings_of(pusher)[0]


def test_email_pusher_rules() -> None:
    email = make_pusher(kind="email", app_id="m.email", pushkey="alice@example.org", data={})
    assert model.validate_pusher(email) == []
    assert fields_of({**email, "app_id": "org.example"}) == {"app_id"}
    assert fields_of({**email, "pushkey": "not-an-address"}) == {"pushkey"}
    assert fields_of({**email, "pushkey": "alice@example.org\n"}) == {"pushkey"}


def test_unknown_fields_are_carried_with_a_warning() -> None:
    pusher = make_pusher(**{"app-id": "x"})
    assert fields_of(pusher) == set()
    [warning] = warnings_of(pusher)
    assert warning.startswith("app-id: unknown field; sent to the homeserver as it is")
    assert model.set_body(pusher)["app-id"] == "x"


def test_all_problems_are_reported_at_once() -> None:
    pusher = make_pusher(pushkey="k" * 600, app_id="a" * 65, kind="", lang="?")
    assert fields_of(pusher) == {"pushkey", "app_id", "kind"}
    assert [p.field for p in model.validate_pusher(pusher) if p.warning] == ["lang"]


def test_a_pusher_must_be_a_mapping() -> None:
    assert [str(p) for p in model.validate_pusher(["a"])] == [
        "pusher: must be a mapping of fields, not a list"
    ]


def test_normalise_treats_empty_profile_tag_as_none() -> None:
    assert model.same_pusher(make_pusher(pushkey="k"), make_pusher(pushkey="k", profile_tag=""))
    assert not model.same_pusher(make_pusher(pushkey="k"), make_pusher(pushkey="k", lang="de"))


def test_set_body_and_delete_body() -> None:
    body = model.set_body(make_pusher(pushkey="k", profile_tag=""), append=True)
    assert body["append"] is True and "profile_tag" not in body
    assert model.delete_body("a", "k") == {"app_id": "a", "pushkey": "k", "kind": None}
