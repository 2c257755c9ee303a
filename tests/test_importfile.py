"""Import files read in-process: shapes, defaults, line numbers, safety."""

from __future__ import annotations

import gc
import io
import json
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from pushctl import importfile
from pushctl.errors import InvalidInput
from tests.support.accounts import GATEWAY

DEFAULTS_FILE = textwrap.dedent(
    f"""\
    defaults:
      app_id: org.example.app.ios
      app_display_name: Example
      lang: en
      data:
        url: {GATEWAY}
        format: event_id_only
    pushers:
      - pushkey: key-1
        device_display_name: Alice's phone
      - pushkey: key-2
        device_display_name: Bob's tablet
        lang: de
        data: {{format: null, sound: bing}}
    """
)


def parse(text: str, name: str = "p.yaml") -> importfile.Document:
    return importfile.parse(text, name, importfile.guess_format(name, text))


def messages(text: str, name: str = "p.yaml") -> list[str]:
    document = parse(text, name)
    return [p.format(name) for p in importfile.check(document)]


def test_defaults_are_merged_under_each_entry_and_data_key_by_key() -> None:
    first, second = parse(DEFAULTS_FILE).entries
    assert first.pusher == {
        "kind": "http",
        "app_id": "org.example.app.ios",
        "app_display_name": "Example",
        "lang": "en",
        "data": {"url": GATEWAY, "format": "event_id_only"},
        "pushkey": "key-1",
        "device_display_name": "Alice's phone",
    }
    # the entry wins; a null takes the default's key away; other data keys are added
    assert second.pusher["lang"] == "de"
    assert second.pusher["data"] == {"url": GATEWAY, "sound": "bing"}


def test_every_entry_and_field_has_its_line() -> None:
    first, second = parse(DEFAULTS_FILE).entries
    assert (first.line, second.line) == (9, 11)
    assert first.lines["pushkey"] == 9 and first.lines["device_display_name"] == 10
    assert first.lines["app_id"] == 2, "a default's field points at the defaults"
    assert first.lines["data.url"] == 6
    assert second.lines["lang"] == 13 and second.lines["data.sound"] == 14
    assert second.line_of("data.url") == 6 and second.line_of("kind") == 11


def test_json_entries_have_lines_and_surrogate_pairs_decode() -> None:
    text = json.dumps(
        {"pushers": [{"pushkey": "😀", "app_id": "a"}, {"pushkey": "b", "data": {"x": 1}}]},
        indent=2,
    )
    document = parse(text, "p.json")
    assert document.format == "json"
    first, second = document.entries
    assert first.pusher["pushkey"] == "😀"  # written as \ud83d\ude00
    assert "\\ud83d" in text
    assert first.line == 3 and first.lines == {"pushkey": 4, "app_id": 5}
    assert second.lines["data.x"] == text.splitlines().index('        "x": 1') + 1


def test_a_top_level_list_is_accepted_in_both_formats() -> None:
    entry = {"pushkey": "k", "app_id": "a"}
    # flow-style YAML on stdin says so with ---: text starting with [ or { is JSON
    for text in (yaml.safe_dump([entry]), json.dumps([entry]), "---\n[{pushkey: k, app_id: a}]"):
        [found] = parse(text, "-").entries
        assert found.pusher == {"kind": "http", **entry}


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    text = textwrap.dedent(
        f"""\
        - app_id: org.example.app
          pushkey: k1
          app_display_name: Example
          device_display_name: Phone
          lang: en
          data: {{url: {GATEWAY}}}
        - app_id: org.example.app
          pushkey: 12345
          lang: [en]
        - app_id: org.example.app
          pushkey: k1
          app_display_name: Example
          device_display_name: Phone again
          lang: en
          data: {{url: {GATEWAY}}}
        - just a string
        """
    )
    assert messages(text) == [
        "p.yaml:7: app_display_name: is required",
        "p.yaml:7: data: is required",
        "p.yaml:7: device_display_name: is required",
        "p.yaml:8: pushkey: must be a string, not a number",
        "p.yaml:9: lang: must be a string, not a list",
        "p.yaml:11: pushkey: the same app_id and pushkey as the entry at line 1",
        "p.yaml:16: pusher: must be a mapping of fields, not a string",
    ]


def test_a_bad_default_is_reported_once_at_its_own_line() -> None:
    text = DEFAULTS_FILE.replace(GATEWAY, "https://push.example.org/notify")
    assert messages(text) == [
        "p.yaml:6: data.url: must have the path /_matrix/push/v1/notify, not '/notify'"
    ]


def test_structure_problems_are_reported_with_the_rest() -> None:
    text = textwrap.dedent(
        """\
        defaults: {lang: en}
        pusher: []
        pushers:
          - pushkey: k
            pushkey: k2
            since: 2024-01-01
            data: {when: 2024-01-02, n: .nan}
        """
    )
    found = messages(text)
    assert "p.yaml:2: pusher: unknown top-level key (known: defaults, pushers)" in found
    assert "p.yaml:5: pushkey: given twice (first at line 4)" in found
    assert any(m.startswith("p.yaml:6: since: 2024-01-01 reads as a date") for m in found)
    assert any(m.startswith("p.yaml:7: data.when: 2024-01-02 reads as a date") for m in found)
    assert "p.yaml:7: data.n: nan is not a JSON number" in found


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object:os.system {command: true}",
        "!!python/object/apply:os.system [true]",
        "!!python/name:os.system",
        "!custom x",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
    ],
)
def test_tags_are_refused_not_constructed(tagged: str) -> None:
    text = f"- pushkey: k\n  app_id: a\n  device_display_name: {tagged}\n"
    found = messages(text)
    assert any("p.yaml:3: device_display_name: the tag" in m and "not allowed" in m for m in found)


def test_merge_keys_and_aliases_work_like_yaml() -> None:
    text = textwrap.dedent(
        """\
        - &base {app_id: a, lang: en, pushkey: k1}
        - <<: *base
          pushkey: k2
        """
    )
    _, second = parse(text).entries
    assert second.pusher == {"kind": "http", "app_id": "a", "lang": "en", "pushkey": "k2"}
    assert second.lines["lang"] == 1 and second.lines["pushkey"] == 3


def test_an_alias_bomb_is_refused() -> None:
    lines = ["- &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"- &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(InvalidInput, match="aliases expand"):
        parse("\n".join(lines))


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("p.yaml", "- &x [*x]\n", "nested more than 32 levels"),
        ("p.yaml", "- data: " + "[" * 40 + "]" * 40 + "\n", "nested more than 32 levels"),
        ("p.yaml", "[" * 100_000 + "]" * 100_000, "exceeded maximum nesting depth"),
        ("p.yaml", "- " * 100_000 + "x", "exceeded maximum nesting depth"),
        ("p.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("p.json", '[{"data": ' + "[" * 40 + "]" * 40 + "}]", "nested more than 32 levels"),
        ("p.json", '[{"lang": ' + "[" * 40 + "]" * 40 + "}]", "nested more than 32 levels"),
    ],
)
def test_deep_nesting_is_refused(name: str, text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=rf"^{name}:1: .*{fragment}"):
        parse(text, name)


def test_the_pure_python_loader_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse(DEFAULTS_FILE).entries
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert importfile.yaml_loader() is yaml.SafeLoader
    slow = parse(DEFAULTS_FILE).entries
    assert [(e.pusher, e.line, e.lines) for e in slow] == [
        (e.pusher, e.line, e.lines) for e in fast
    ]
    with pytest.raises(InvalidInput, match=r"p.yaml:2: malformed YAML: mapping values"):
        parse("- a\n- b: c: d\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"pushers": [],\n "pushers": []}', "p.json:2: pushers: given twice (first at line 1)"),
        (
            '{"defaults": {},\n "defaults": {}, "pushers": []}',
            "p.json:2: defaults: given twice (first at line 1)",
        ),
        (
            '{"defaults": {"lang": "en",\n "lang": "de"}, "pushers": []}',
            "p.json:2: lang: given twice (first at line 1)",
        ),
        (
            '[{"pushkey": "a",\n "pushkey": "b"}]',
            "p.json:2: pushkey: given twice (first at line 1)",
        ),
        (
            '[{"data": {"url": "a",\n "url": "b"}}]',
            "p.json:2: data.url: given twice (first at line 1)",
        ),
        (
            '[{"data": {"x": {"a": 1,\n "a": 2}}}]',
            "p.json:2: data.x.a: given twice (first at line 1)",
        ),
    ],
)
def test_json_keys_given_twice_are_refused_as_in_yaml(text: str, expected: str) -> None:
    found = messages(text, "p.json")
    assert expected in found
    # JSON is flow-style YAML: read as YAML, the same text gives the same problems
    assert found == [m.replace("p.yaml:", "p.json:") for m in messages(text, "p.yaml")]


def test_the_json_front_end_builds_the_same_document_as_yaml() -> None:
    as_json = json.dumps(yaml.safe_load(DEFAULTS_FILE), indent=2)
    from_json, from_yaml = parse(as_json, "p.json"), parse(as_json, "p.yaml")
    assert (from_json.format, from_yaml.format) == ("json", "yaml")
    assert [(e.pusher, e.line, e.lines) for e in from_json.entries] == [
        (e.pusher, e.line, e.lines) for e in from_yaml.entries
    ]


def test_reading_leaves_the_cycle_collector_as_it_was() -> None:
    assert gc.isenabled()
    importfile.check(parse(DEFAULTS_FILE))
    with pytest.raises(InvalidInput):
        parse("- a\n- b: c: d\n")
    assert gc.isenabled()
    gc.disable()
    try:
        importfile.check(parse(DEFAULTS_FILE))
        assert not gc.isenabled()
    finally:
        gc.enable()


# -- hostile files: every outcome a problem with its line, never a crash --------

SURROGATE = "contains \\ud800, a lone surrogate that UTF-8 cannot encode"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"pushkey": "\\ud800"', f"pushkey: {SURROGATE}"),
        ('"device_display_name": "Phone \\ud800"', f"device_display_name: {SURROGATE}"),
        ('"profile_tag": "\\udfff"', f"profile_tag: {SURROGATE.replace('d800', 'dfff')}"),
        ('"data": {"url": "\\ud800"}', f"data.url: {SURROGATE}"),
        ('"data": {"x": ["a", {"b": "\\ud800"}]}', f"data.x: {SURROGATE}"),
        ('"data": {"x": {"\\ud800": 1}}', f"data.x: the key {SURROGATE}"),
        ('"data": {"\\ud800": 1}', f"data.\\ud800: the key {SURROGATE}"),
        ('"\\ud800": "x"', "\\ud800: unknown field"),
    ],
)
def test_a_lone_surrogate_is_refused_where_it_stands(value: str, expected: str) -> None:
    text = f'[{{"app_id": "a", "pushkey": "k",\n {value}}}]'
    found = messages(text, "p.json")
    assert any(m.startswith(f"p.json:2: {expected}") for m in found), found
    for message in found:
        message.encode("utf-8")  # every message can be shown


def test_a_lone_surrogate_from_yaml_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # libyaml refuses "\ud800" as malformed; the pure-Python loader reads it
    monkeypatch.delattr(yaml, "CSafeLoader")
    found = messages('- app_id: a\n  pushkey: "\\ud800"\n')
    assert f"p.yaml:2: pushkey: {SURROGATE}" in found


BIG = "1" * 5000


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("p.yaml", f"- app_id: a\n  pushkey: {BIG}\n", "p.yaml:2: pushkey"),
        ("p.yaml", f"- data: {{x: -{BIG}}}\n", "p.yaml:1: data.x"),
        ("p.yaml", f"- data:\n    ? {BIG}\n    : x\n", "p.yaml:2: data"),
        ("p.json", f'[{{"app_id": "a",\n "pushkey": {BIG}}}]', "p.json:2: pushkey"),
        ("p.json", f'[{{"data": {{"x": [-{BIG}]}}}}]', "p.json:1: data.x"),
    ],
)
def test_an_integer_longer_than_python_reads_is_one_problem(
    name: str, text: str, where: str
) -> None:
    limit = sys.get_int_max_str_digits()
    found = [m for m in messages(text, name) if "digits" in m]
    assert found == [f"{where}: a number of 5000 digits; at most {limit} are read"]


@pytest.mark.parametrize("name", ["p.yaml", "p.json"])
def test_an_integer_of_as_many_digits_as_python_reads_is_read(name: str) -> None:
    number = "-" + "7" * sys.get_int_max_str_digits()
    [entry] = parse(f'[{{"data": {{"x": {number}}}}}]', name).entries
    assert entry.pusher["data"]["x"] == int(number)


@pytest.mark.parametrize(
    ("tagged", "expected"),
    [
        ("!!float abc", "'abc' is not a valid !!float"),
        ("!!float ''", "'' is not a valid !!float"),
        ("!!int 0b", "'0b' is not a valid !!int"),
        ("!!int 0x", "'0x' is not a valid !!int"),
        ("!!int 09", "'09' is not a valid !!int"),
        ("!!int 1.5", "'1.5' is not a valid !!int"),
        ("!!int ''", "'' is not a valid !!int"),
        ("!!int '-'", "'-' is not a valid !!int"),
        ("!!int 1:x", "'1:x' is not a valid !!int"),
        ("!!bool maybe", "'maybe' is not a valid !!bool"),
        ("!!bool ''", "'' is not a valid !!bool"),
        ("!!null x", "'x' is not a valid !!null"),
        ("!!timestamp junk", "'junk' is not a valid !!timestamp"),
        ("!!map x", "'x' is not a valid !!map"),
        ("!!seq x", "'x' is not a valid !!seq"),
        ("!!str [a]", "a list cannot be !!str"),
        ("!!int {a: 1}", "a mapping cannot be !!int"),
    ],
)
def test_a_plain_tag_that_cannot_hold_its_value_is_a_problem(tagged: str, expected: str) -> None:
    text = f"- app_id: a\n  pushkey: k\n  data: {{x: {tagged}}}\n"
    assert f"p.yaml:3: data.x: {expected}" in messages(text)


def test_plain_tags_that_fit_their_values_are_read() -> None:
    text = textwrap.dedent(
        """\
        - data:
            a: !!int 0x1F
            b: !!float 1.5
            c: !!bool yes
            d: !!null ~
            e: !!str 12
            f: !!int 1_000
            g: !!null ''
        """
    )
    [entry] = parse(text).entries
    expected = {"a": 31, "b": 1.5, "c": True, "d": None, "e": "12", "f": 1000, "g": None}
    assert entry.pusher["data"] == expected
    assert parse(text).problems == []


def alias_bomb(shape: str, size: int) -> str:
    """A small file whose aliases or defaults expand to size * size nodes."""
    mapping = "{" + ", ".join(f"k{i}: v" for i in range(size)) + "}"
    if shape == "data":
        lines = [f"- {{pushkey: k, data: &d {mapping}}}"]
        lines += [f"- {{pushkey: k{n}, data: *d}}" for n in range(size)]
    elif shape == "entry":
        lines = [f"- &e {mapping}", *["- *e"] * size]
    elif shape == "merge":
        lines = [f"- &e {mapping}", *[f"- {{<<: *e, pushkey: k{n}}}" for n in range(size)]]
    else:
        lines = [f"defaults: {{data: {mapping}}}", "pushers:"]
        lines += [f"- {{pushkey: k{n}}}" for n in range(size)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("shape", ["data", "entry", "merge", "defaults"])
def test_aliases_and_defaults_count_every_node_they_expand_to(shape: str) -> None:
    text = alias_bomb(shape, 3000)  # about 100 KB, 9 million nodes
    started = time.monotonic()
    with pytest.raises(InvalidInput, match=r"^p.yaml:1: .*far more data than the file holds"):
        parse(text)
    assert time.monotonic() - started < 5


def test_defaults_count_once_per_entry_in_json_too() -> None:
    data = {f"k{i}": "v" for i in range(3000)}
    entries = [{"pushkey": f"k{n}"} for n in range(3000)]
    text = json.dumps({"defaults": {"data": data}, "pushers": entries})
    with pytest.raises(InvalidInput, match=r"^p.json:1: defaults: merged under every entry"):
        parse(text, "p.json")


def test_aliases_and_defaults_of_an_ordinary_file_are_within_the_budget() -> None:
    base = "{app_id: a, app_display_name: A, device_display_name: D, lang: en, data: &d {url: u}}"
    lines = [f"- &e {base}"]
    lines += [f"- {{<<: *e, pushkey: k{n}, data: *d}}" for n in range(5000)]
    assert len(parse("\n".join(lines)).entries) == 5001
    lines = ["defaults: " + base.replace("&d ", ""), "pushers:"]
    lines += [f"- pushkey: k{n}" for n in range(5000)]
    assert len(parse("\n".join(lines)).entries) == 5000


JSON_HINT = "so it was read as JSON (for YAML, begin it with ---)"


@pytest.mark.parametrize("name", ["-", "pushers.txt", "pushers"])
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[{"pushkey": "k", "data": {"n": 1e5}},]', "<>:1: malformed JSON: Expecting value"),
        ("[{pushkey: k, app_id: a}]", "<>:1: malformed JSON: Expecting property name"),
        ('{"pushers": []\n,}', "<>:2: malformed JSON: Expecting property name"),
    ],
)
def test_text_read_as_json_is_never_read_again_as_yaml(name: str, text: str, error: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse(text, name)
    message = raised.value.message
    assert message.startswith(error.replace("<>", name))
    assert message.endswith(f"it starts with {text[0]!r}, {JSON_HINT}")


def test_a_json_file_says_malformed_json_without_saying_why() -> None:
    with pytest.raises(InvalidInput, match=r"^p.json:1: malformed JSON: Expecting value \(col"):
        parse('[{"pushkey": "k"},]', "p.json")
    with pytest.raises(InvalidInput, match=r"malformed JSON: [^;]*$"):
        parse('[{"pushkey": "k"},]', "p.json")


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
@pytest.mark.parametrize("name", ["p.yaml", "p.json", "-"])
def test_lines_count_every_line_ending_alike(name: str, ending: str) -> None:
    if name == "p.yaml":
        lines = ["- app_id: a", "  pushkey: k", "  lang: [en]", "  data: {url: u}"]
    else:
        lines = ['[{"app_id": "a",', '"pushkey": "k",', '"lang": ["en"],', '"data": {"url": "u"}}]']
    found = messages(ending.join(lines) + ending, name)
    assert f"{name}:3: lang: must be a string, not a list" in found
    assert any(m.startswith(f"{name}:4: data.url:") for m in found)


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_undecodable_bytes_are_at_their_line_whatever_the_line_endings(
    tmp_path: Path, ending: bytes
) -> None:
    path = tmp_path / "p.yaml"
    for content, fragment in [(b"T\xe9l\xe9phone", "not UTF-8 text"), (b"\x00", "binary data")]:
        path.write_bytes(ending.join([b"- app_id: a", b"  pushkey: k", b"  lang: " + content]))
        with pytest.raises(InvalidInput, match=rf"^{path}:3: {fragment}"):
            importfile.load(str(path))


def test_stdin_is_the_stream_given() -> None:
    text = '[{"app_id": "a", "pushkey": 1}]'
    for stream in (io.BytesIO(text.encode()), io.StringIO(text), text_stream(text)):
        document = importfile.load("-", stream)
        assert (document.source, document.format) == ("<stdin>", "json")
        assert document.entries[0].pusher["pushkey"] == 1


def test_a_closed_or_missing_stdin_reads_as_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = text_stream("- pushkey: k\n")
    closed.close()
    with pytest.raises(InvalidInput, match=r"^<stdin>: cannot read: I/O operation on closed file"):
        importfile.load("-", closed)
    monkeypatch.setattr(sys, "stdin", None)  # started with <&-
    with pytest.raises(InvalidInput, match=r"^<stdin>:1: the file is empty"):
        importfile.load_valid("-")


def text_stream(text: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- !x {pushkey: k}\n", "p.yaml:1: pusher: the tag !x is not allowed (plain data only)"),
        ("- {<<: 1, pushkey: k}\n", "p.yaml:1: pusher: << must merge a mapping or a list of them"),
        ("defaults: !x {}\npushers: []\n", "p.yaml:1: defaults: the tag !x is not allowed"),
        ("pushers: !x []\n", "p.yaml:1: pushers: the tag !x is not allowed (plain data only)"),
        ("!x []\n", "p.yaml:1: pushers: the tag !x is not allowed (plain data only)"),
        ("!x {pushers: []}\n", "p.yaml:1: top level: the tag !x is not allowed"),
        ("- {'': 1, '': 2}\n", "p.yaml:1: '': given twice (first at line 1)"),
    ],
)
def test_a_problem_of_a_mapping_or_list_itself_names_it(text: str, expected: str) -> None:
    found = messages(text)
    assert any(m.startswith(expected) for m in found), found
    assert all(not m.startswith("p.yaml:1: the tag") for m in found)
