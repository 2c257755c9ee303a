"""Invalid import files: exit 3, every problem as FILE:LINE: field: message, nothing sent."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.accounts import GATEWAY, Account, assert_clean_failure

pytestmark = pytest.mark.inprocess

GOOD_ENTRY = f"""\
  - app_id: org.example.app
    pushkey: good
    app_display_name: Example
    device_display_name: Phone
    lang: en
    data: {{url: {GATEWAY}}}
"""
GOOD_FILE = "pushers:\n" + GOOD_ENTRY
#: GOOD_FILE as JSON: the entry starts at line 4, its pushkey is at line 5,
#: device_display_name at 7, data at 9 and its url at 10
GOOD_JSON = json.dumps(yaml.safe_load(GOOD_FILE), indent=2)
SURROGATE = "contains \\ud800, a lone surrogate that UTF-8 cannot encode"
BIG = "1" * 5000
DIGITS = f"a number of 5000 digits; at most {sys.get_int_max_str_digits()} are read"

# (file name, content, what stderr must say); {f} is the file's path
INVALID = {
    "malformed-yaml": ("p.yaml", GOOD_FILE + "  - pushkey: a: b\n", "{f}:8: malformed YAML"),
    "unclosed": (
        "p.yaml",
        GOOD_FILE + "  - pushkey: [unclosed\n",
        "{f}:9: malformed YAML: did not find expected ',' or ']', column 1 "
        "(while parsing a flow sequence, line 8)",
    ),
    "bad-indent": ("p.yaml", GOOD_FILE + "   lang: en\n  bad\n", "{f}:8: malformed YAML"),
    "malformed-json": ("p.json", '{"pushers": [\n  {"a": 1},\n]}', "{f}:3: malformed JSON"),
    "json-key-twice": (
        "p.json",
        '{"pushers": [],\n "pushers": []}',
        "{f}:2: pushers: given twice (first at line 1)",
    ),
    "missing-fields": (
        "p.yaml",
        GOOD_FILE + "  - pushkey: other\n    app_id: org.example.app\n",
        "{f}:8: device_display_name: is required",
    ),
    "wrong-types": (
        "p.yaml",
        GOOD_FILE.replace("lang: en", "lang: [en]").replace("pushkey: good", "pushkey: 42"),
        "{f}:3: pushkey: must be a string, not a number",
    ),
    "data-not-mapping": (
        "p.yaml",
        GOOD_FILE.replace(f"data: {{url: {GATEWAY}}}", "data: yes"),
        "{f}:7: data: must be a mapping, not a boolean",
    ),
    "duplicates": (
        "p.yaml",
        GOOD_FILE + GOOD_ENTRY,
        "{f}:9: pushkey: the same app_id and pushkey as the entry at line 2",
    ),
    "python-object-tag": (
        "p.yaml",
        GOOD_FILE.replace(
            "device_display_name: Phone",
            "device_display_name: !!python/object/apply:os.system ['touch /tmp/pushctl-pwned']",
        ),
        "{f}:5: device_display_name: the tag !!python/object/apply:os.system is not allowed",
    ),
    "empty": ("p.yaml", "", "{f}:1: the file is empty"),
    "only-comments": ("p.yaml", "# nothing here\n", "{f}:1: the file holds no data"),
    "not-a-list": ("p.yaml", "pushers: {pushkey: x}\n", "{f}:1: pushers: must be a list"),
    "a-scalar": ("p.yaml", "just words\n", "{f}:1: expected a list of pushers"),
    "no-pushers-key": ("p.yaml", "defaults: {}\n", "{f}:1: no pushers: key"),
    "entries-not-mappings": (
        "p.yaml",
        GOOD_FILE + "  - just a string\n  - [a, list]\n",
        "{f}:9: pusher: must be a mapping of fields, not a list",
    ),
    "enabled-not-a-boolean": (
        "p.yaml",
        GOOD_FILE + "    enabled: often\n",
        "{f}:8: enabled: must be true or false, not a string",
    ),
    "two-documents": ("p.yaml", GOOD_FILE + "---\n" + GOOD_FILE, "{f}:8: malformed YAML"),
    "deeply-nested": ("p.yaml", "[" * 5000 + "]" * 5000, "{f}:1: malformed YAML: exceeded"),
    "deeply-nested-json": ("p.json", "[" * 100_000 + "]" * 100_000, "{f}:1: nested too deeply"),
    "json-defaults-twice": (
        "p.json",
        '{"defaults": {},\n "defaults": {}, "pushers": []}',
        "{f}:2: defaults: given twice (first at line 1)",
    ),
    "json-field-twice": (
        "p.json",
        GOOD_JSON.replace('"pushkey": "good",', '"pushkey": "good", "pushkey": "other",'),
        "{f}:5: pushkey: given twice (first at line 5)",
    ),
    "json-data-key-twice": (
        "p.json",
        GOOD_JSON.replace('"url":', '"url": "x",\n"url":'),
        "{f}:11: data.url: given twice (first at line 10)",
    ),
    "json-surrogate-pushkey": (
        "p.json",
        GOOD_JSON.replace('"good"', '"\\ud800"'),
        f"{{f}}:5: pushkey: {SURROGATE}",
    ),
    "json-surrogate-device-name": (
        "p.json",
        GOOD_JSON.replace('"Phone"', '"Phone \\ud800"'),
        f"{{f}}:7: device_display_name: {SURROGATE}",
    ),
    "json-surrogate-data-key": (
        "p.json",
        GOOD_JSON.replace('"url":', '"\\ud800": 1, "url":'),
        f"{{f}}:10: data.\\ud800: the key {SURROGATE}",
    ),
    "json-huge-integer": (
        "p.json",
        GOOD_JSON.replace('"good"', BIG),
        f"{{f}}:5: pushkey: {DIGITS}",
    ),
    "yaml-huge-integer": (
        "p.yaml",
        GOOD_FILE.replace("pushkey: good", f"pushkey: {BIG}"),
        f"{{f}}:3: pushkey: {DIGITS}",
    ),
    "float-tag-not-a-float": (
        "p.yaml",
        GOOD_FILE.replace("lang: en", "lang: !!float abc"),
        "{f}:6: lang: 'abc' is not a valid !!float",
    ),
    "bool-tag-not-a-bool": (
        "p.yaml",
        GOOD_FILE.replace("Phone", "!!bool maybe"),
        "{f}:5: device_display_name: 'maybe' is not a valid !!bool",
    ),
    "null-tag-not-null": (
        "p.yaml",
        GOOD_FILE.replace("Phone", "!!null x"),
        "{f}:5: device_display_name: 'x' is not a valid !!null",
    ),
    "yaml-cr-line-endings": (
        "p.yaml",
        (GOOD_FILE + "    enabled: often\n").replace("\n", "\r"),
        "{f}:8: enabled: must be true or false, not a string",
    ),
    "json-cr-line-endings": (
        "p.json",
        GOOD_JSON.replace('"good"', "42").replace("\n", "\r"),
        "{f}:5: pushkey: must be a string, not a number",
    ),
    "alias-expansion": (
        "p.yaml",
        "x: &d {"
        + ", ".join(f"k{i}: v" for i in range(2000))
        + "}\npushers:\n"
        + "".join(f"  - {{pushkey: k{n}, data: *d}}\n" for n in range(2000)),
        "{f}:1: aliases expand to far more data than the file holds",
    ),
    "deep-data": (
        "p.yaml",
        GOOD_FILE.replace(f"{{url: {GATEWAY}}}", "{x: " + "[" * 40 + "]" * 40 + "}"),
        "{f}:7: nested more than 32 levels deep",
    ),
}

BINARY = {
    "binary": (b"pushers:\n  - \x00\x01\x02\xff", "{f}:2: binary data"),
    "latin-1": (
        GOOD_FILE.replace("Phone", "T\xe9l\xe9phone").encode("latin-1"),
        "{f}:5: not UTF-8 text: byte 0xe9",
    ),
    "utf-16": (GOOD_FILE.encode("utf-16"), "{f}:1: the file is UTF-16"),
    "control-character": (GOOD_FILE.replace("Phone", "Ph\x07one").encode(), "{f}:5: malformed"),
    "latin-1-cr-line-endings": (
        GOOD_FILE.replace("Phone", "T\xe9l\xe9phone").replace("\n", "\r").encode("latin-1"),
        "{f}:5: not UTF-8 text: byte 0xe9",
    ),
}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(INVALID))
def test_validate_refuses_an_invalid_file(pushctl, tmp_path: Path, case: str) -> None:
    name, content, expected = INVALID[case]
    path = write(tmp_path, name, content)
    result = pushctl("validate", str(path))
    assert_clean_failure(result, 3)
    assert expected.format(f=path) in result.stderr


@pytest.mark.parametrize("case", sorted(BINARY))
def test_validate_refuses_binary_and_other_encodings(pushctl, tmp_path: Path, case: str) -> None:
    content, expected = BINARY[case]
    path = write(tmp_path, "p.yaml", content)
    result = pushctl("validate", str(path))
    assert_clean_failure(result, 3)
    assert expected.format(f=path) in result.stderr


def test_a_huge_file_is_refused_unread(pushctl, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as stream:
        stream.write("pushers:\n")
        stream.truncate(65 * 2**20)
    result = pushctl("validate", str(path))
    assert_clean_failure(result, 3)
    assert f"{path}: larger than 64 MiB" in result.stderr


def test_a_missing_file_is_a_clean_error(pushctl, tmp_path: Path) -> None:
    result = pushctl("validate", str(tmp_path / "nope.yaml"))
    assert_clean_failure(result, 3)
    assert "nope.yaml: cannot read: No such file or directory" in result.stderr


def test_all_problems_are_reported_at_once(pushctl, tmp_path: Path) -> None:
    content = GOOD_FILE.replace("pushkey: good", "pushkey: 42") + GOOD_ENTRY.replace(
        "lang: en", "lang: not a tag"
    ).replace(GATEWAY, "ftp://push.example.org/_matrix/push/v1/notify")
    path = write(tmp_path, "p.yaml", content)
    result = pushctl("validate", str(path))
    assert_clean_failure(result, 3)
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{path}:")]
    assert lines == [
        f"{path}:3: pushkey: must be a string, not a number",
        f"{path}:13: data.url: must be an absolute http(s) URL, not "
        "'ftp://push.example.org/_matrix/push/v1/notify'",
    ]
    # a language that is not a tag works (the homeserver stores it): a warning, with its line
    assert (
        f"pushctl: warning: {path}:12: lang: 'not a tag' is not a language tag such as 'en' "
        "or 'en-US'" in result.stderr
    )


def test_validate_json_lists_errors_and_warnings(pushctl, tmp_path: Path) -> None:
    content = GOOD_FILE.replace("https://", "http://") + "    enabled: often\n"
    path = write(tmp_path, "p.yaml", content)
    result = pushctl("validate", "--json", str(path))
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["entries"] is None
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(8, "enabled")]
    assert [(w["line"], w["field"]) for w in report["warnings"]] == [(7, "data.url")]
    plain = pushctl("validate", str(path))
    assert f"pushctl: warning: {path}:7: data.url: uses plain http" in plain.stderr
    assert f"{path}:8: enabled: must be true or false" in plain.stderr
    fatal = pushctl("validate", "--json", str(write(tmp_path, "e.yaml", "")))
    assert json.loads(fatal.stdout)["errors"][0]["line"] == 1


def test_validate_needs_no_server_and_no_token(pushctl, tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", GOOD_FILE.replace("https://", "http://"))
    result = pushctl("-v", "validate", str(path), env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{path}: 1 pusher, valid\n"
    assert f"pushctl: warning: {path}:7: data.url: uses plain http" in result.stderr
    as_json = pushctl("validate", "--json", str(path))
    report = json.loads(as_json.stdout)
    assert report["valid"] is True and report["entries"] == 1
    assert report["warnings"][0]["field"] == "data.url"


def test_validate_reads_stdin(pushctl) -> None:
    result = pushctl("validate", "-", input=GOOD_FILE.replace("pushkey: good", "pushkey: 1"))
    assert_clean_failure(result, 3)
    assert "<stdin>:3: pushkey: must be a string" in result.stderr
    assert pushctl("validate", "-", input=GOOD_FILE).returncode == 0


@pytest.mark.parametrize("command", ["validate", "import"])
def test_json_on_stdin_that_does_not_parse_is_a_json_error(pushctl, command: str) -> None:
    entries = json.dumps(yaml.safe_load(GOOD_FILE)["pushers"])
    # a trailing comma: read again as YAML it was allowed, and 1e5 became the string "1e5"
    text = entries.replace('"url":', '"n": 1e5, "url":').removesuffix("]") + ",]"
    result = pushctl(command, "-", input=text)
    assert_clean_failure(result, 3)
    assert "<stdin>:1: malformed JSON: Expecting value" in result.stderr
    assert (
        "it starts with '[', so it was read as JSON (for YAML, begin it with ---)" in result.stderr
    )
    assert pushctl("validate", "-", input=text.replace(",]", "]")).returncode == 0
    assert pushctl("validate", "-", input="---\n" + text).returncode == 0, "YAML, as it says"


def test_validate_json_shows_a_surrogate_escaped(pushctl, tmp_path: Path) -> None:
    path = write(tmp_path, "p.json", GOOD_JSON.replace('"url":', '"\\ud800": 1, "url":'))
    result = pushctl("validate", "--json", str(path))
    assert result.returncode == 3, result.stderr
    [error] = json.loads(result.stdout)["errors"]
    assert error == {"line": 10, "field": "data.\\ud800", "message": f"the key {SURROGATE}"}


@pytest.mark.synapse
@pytest.mark.parametrize(
    "case",
    ["malformed-yaml", "duplicates", "python-object-tag", "empty", "json-surrogate-device-name"],
)
def test_import_of_an_invalid_file_sends_nothing(
    account: Account, pushctl, tmp_path: Path, case: str
) -> None:
    name, content, expected = INVALID[case]
    path = write(tmp_path, name, content)
    result = pushctl("-v", "import", str(path), "--yes", env=account.env())
    assert_clean_failure(result, 3)
    assert expected.format(f=path) in result.stderr
    assert "GET" not in result.stderr and "POST" not in result.stderr, "not even a read"
    assert account.pushers() == []
    assert not Path("/tmp/pushctl-pwned").exists()
