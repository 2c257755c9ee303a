"""Every command that talks to a server, against hostile answers: never a traceback.

A fake homeserver and a fake push gateway on 127.0.0.1
(:mod:`tests.support.fuzzserver`) answer each endpoint validly, except the ones
a case replaces with a fuzzed answer (:mod:`tests.support.fuzzanswers`). For
every run: no traceback and no "internal error", an exit status from the
documented set (0 only when what pushctl relied on was a usable answer), a
message on stderr when it fails (the JSON error under ``--json``), no control
or invisible character from an answer on the terminal, and never the token.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import inprocess
from tests.support.accounts import clean_env
from tests.support.fuzzanswers import answers, is_bad
from tests.support.fuzzserver import (
    ACTING_TOKEN,
    ALICE,
    APP_ID,
    BOB,
    NOTIFY,
    TOKEN,
    Answer,
    FakeServer,
    baseline,
    baseline_values,
    pusher,
)

pytestmark = pytest.mark.inprocess

#: a bad answer is final: no retry, no waiting out a rate limit
NO_WAITING = ["--retries", "0", "--rate-limit-wait", "0", "--timeout", "5"]
FAIL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
PASSWORD = "correct-horse-battery-staple"
BRIDGE = "@bridge:localhost"

#: endpoints whose answer a command relies on: a bad one must not end in exit 0
#: (``versions`` is only asked when an old server is suspected, ``logout`` of a
#: temporary token may fail with a warning, a gateway's answer is a result)
RELIED_ON = {"whoami", "pushers", "set", "devices", "login", "admin_pushers", "admin_devices",
             "admin_login", "admin_user"}  # fmt: skip

_SET = ["--app-id", APP_ID, "--app-display-name", "App", "--device-display-name", "Phone",
        "--lang", "en", "--url", "{gateway}" + NOTIFY]  # fmt: skip


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    #: the endpoints this command asks (the ones worth fuzzing)
    endpoints: tuple[str, ...]
    stdin: str = ""
    #: how pushctl finds its token: the environment, a stored login, or none (login)
    token: str = "env"
    #: valid answers that differ from the baseline for this command
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(self.args)

    @property
    def json(self) -> bool:
        return "--json" in self.args

    @property
    def yaml(self) -> bool:
        """Writes YAML on stdout."""
        return (self.args[0] == "export" and "json" not in self.args) or "--yaml" in self.args

    def secrets(self, status: int) -> tuple[str, ...]:
        """The secrets pushctl holds in this run, which must never be shown.

        A password login holds no token until the server gives it one: a server
        that echoes an unknown string in its refusal cannot be helped.
        """
        password_login = "--password-stdin" in self.args
        if password_login and status != 0:
            return ()
        return (TOKEN, ACTING_TOKEN)


def command(args: str | list[str], endpoints: str, **kwargs: Any) -> Command:
    words = args.split() if isinstance(args, str) else args
    return Command(tuple(words), tuple(endpoints.split()), **kwargs)


ADMIN_WRITE = "whoami admin_login set logout"
#: pushers whose enabled state the homeserver reports (MSC3881), one of them paused
_PAUSABLE = {
    "pushers": {
        "pushers": [
            pusher(key, "https://push.invalid", **{"org.matrix.msc3881.enabled": key == "k1"})
            for key in ("k1", "k2")
        ]
    }
}
# fmt: off
COMMANDS = [
    command("list", "pushers versions"),
    command("list --json", "pushers"),
    command("list --yaml", "pushers"),
    command("list --wide", "pushers"),
    command("list --devices", "pushers devices"),
    command("list --devices --json", "pushers devices"),
    command(f"list --user {BOB}", "admin_pushers"),
    command(f"list --devices --user {BOB} --json", "admin_pushers admin_devices"),
    command(f"list --user {BOB} --json", "whoami pushers", token="appservice",
            overrides={"whoami": {"user_id": BOB}}),
    command(["set", "--pushkey", "k3", *_SET], "set"),
    command(["set", "--pushkey", "k3", "--user", BOB, *_SET], ADMIN_WRITE),
    command(f"delete --app-id {APP_ID} --pushkey k1", "pushers set"),
    command(f"delete --app-id {APP_ID} --yes", "pushers set"),
    command("delete --all --yes", "pushers set"),
    command("delete --all --yes --json", "pushers set"),
    command("delete --all --dry-run", "pushers"),
    command("delete --all --dry-run --json", "pushers"),
    command("pause --all --yes", "pushers set", overrides=_PAUSABLE),
    command("resume --all --yes --json", "pushers set", overrides=_PAUSABLE),
    command("resume --all --dry-run", "pushers", overrides=_PAUSABLE),
    command(f"pause --all --yes --user {BOB}", f"{ADMIN_WRITE} pushers", overrides=_PAUSABLE),
    command("import {file} --yes", "pushers set"),
    command("import {file} --dry-run", "pushers"),
    command("import {file} --yes --prune", "pushers set"),
    command("import {file} --yes --prune --json", "pushers set"),
    command(f"import {{file}} --yes --prune --user {BOB}",
            f"admin_pushers admin_user {ADMIN_WRITE}"),
    command("export", "pushers"),
    command("export --format json", "pushers"),
    command(f"export --user {BOB}", "admin_pushers"),
    command("test", "pushers notify"),
    command("test --json", "pushers notify"),
    command("prune --rejected --yes", "pushers notify set"),
    command("prune --inactive 1d --yes", "pushers devices set"),
    command("prune --rejected --inactive 1d --yes --json", "pushers devices notify set"),
    command("prune --rejected --inactive 1d --dry-run", "pushers devices notify"),
    command("status", "whoami versions"),
    command("status --json", "whoami versions"),
    command("status", "whoami versions", token="stored"),
    command("login --token-stdin --insecure-storage --homeserver {homeserver}", "whoami",
            stdin=TOKEN, token="none"),
    command(f"login --token-stdin --insecure-storage --user {ALICE} --homeserver {{homeserver}}",
            "whoami", stdin=TOKEN, token="none"),
    command(f"login --user {ALICE} --password-stdin --insecure-storage --homeserver {{homeserver}}",
            "login", stdin=PASSWORD, token="none"),
    command("login --appservice --token-stdin --insecure-storage --homeserver {homeserver}",
            "whoami", stdin=TOKEN, token="none", overrides={"whoami": {"user_id": BRIDGE}}),
    command("logout --revoke --yes", "logout", token="stored"),
]
# fmt: on


# -- the world of the runs -----------------------------------------------------


@dataclass
class World:
    homeserver: FakeServer
    gateway: FakeServer
    import_file: Path
    logged_in_home: Path
    scratch: Path

    def run(self, command: Command, fuzzed: Mapping[str, Answer]) -> Run:
        """*command* against the baseline answers, except the *fuzzed* ones."""
        valid = {**baseline_values(self.gateway.url), **command.overrides}
        answers = {name: Answer.of(value) for name, value in valid.items()}
        answers.update(fuzzed)
        self.homeserver.serve(answers)
        self.gateway.serve(answers)
        with self._home(command) as home:
            result = inprocess.run(
                [*NO_WAITING, *self._args(command)],
                clean_env(home, self._environ(command)),
                command.stdin,
            )
        served = self.homeserver.served + self.gateway.served
        return Run(command, dict(fuzzed), served, result)

    def _args(self, command: Command) -> list[str]:
        values = {
            "gateway": self.gateway.url,
            "homeserver": self.homeserver.url,
            "file": str(self.import_file),
        }
        return [arg.format(**values) for arg in command.args]

    def _environ(self, command: Command) -> dict[str, str]:
        environ = dict(FAIL_KEYRING)
        if command.token == "env":
            environ["PUSHCTL_ACCESS_TOKEN"] = TOKEN
        elif command.token == "appservice":
            environ["PUSHCTL_APPSERVICE_TOKEN"] = TOKEN
        if command.token != "none":
            environ["PUSHCTL_HOMESERVER"] = self.homeserver.url
        return environ

    @contextlib.contextmanager
    def _home(self, command: Command) -> Iterator[Path]:
        home = Path(tempfile.mkdtemp(dir=self.scratch))
        try:
            if command.token == "stored":
                shutil.copytree(self.logged_in_home, home, dirs_exist_ok=True)
            yield home
        finally:
            shutil.rmtree(home, ignore_errors=True)


IMPORT_FILE = """\
defaults:
  app_id: {app_id}
  app_display_name: App
  lang: en
  data:
    url: {gateway}{notify}
pushers:
  - pushkey: k1
    device_display_name: Phone
  - pushkey: k3
    device_display_name: Laptop
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    homeserver, gateway = FakeServer().start(), FakeServer().start()
    base = tmp_path_factory.mktemp("fuzz")
    import_file = base / "pushers.yaml"
    import_file.write_text(IMPORT_FILE.format(app_id=APP_ID, gateway=gateway.url, notify=NOTIFY))
    logged_in = base / "logged-in"
    logged_in.mkdir()
    homeserver.serve(baseline(gateway.url))
    login = inprocess.run(
        ["login", "--token-stdin", "--insecure-storage", "--homeserver", homeserver.url],
        clean_env(logged_in, FAIL_KEYRING),
        TOKEN,
    )
    assert login.returncode == 0, login.stderr
    scratch = base / "homes"
    scratch.mkdir()
    try:
        yield World(homeserver, gateway, import_file, logged_in, scratch)
    finally:
        homeserver.stop()
        gateway.stop()


# -- what every run must show --------------------------------------------------


@dataclass
class Run:
    command: Command
    fuzzed: dict[str, Answer]
    served: list[str]
    result: subprocess.CompletedProcess[str]

    def __str__(self) -> str:
        r = self.result
        return (
            f"pushctl {self.command} -> {r.returncode}\nfuzzed: {self.fuzzed}\n"
            f"served: {self.served}\nstdout: {r.stdout[:2000]!r}\nstderr: {r.stderr[:2000]!r}"
        )


DOCUMENTED = {0, 1, 2, 3, 4, 5, 130, 141}
#: what a server's answer can lead to: no usage error, invalid input or interrupt
FROM_ANSWERS = {0, 1, 4, 5}
# C0 and C1 controls but the line break, and lone surrogates
CONTROL = "\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff"
RAW_CONTROL = re.compile(f"[{CONTROL}]")
# ... and bidi controls, zero-width characters, line and paragraph separators, the BOM
RAW = re.compile(f"[{CONTROL}\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def check(run: Run) -> None:
    result = run.result
    out, err = result.stdout, result.stderr
    assert "Traceback" not in err, run
    assert "internal error" not in err, run
    assert result.returncode in DOCUMENTED, run
    assert result.returncode in FROM_ANSWERS, run
    for secret in run.command.secrets(result.returncode):
        assert secret not in out and secret not in err, run
    assert not RAW.search(err), run
    # YAML escapes controls, not bidi or zero-width characters: those stay data
    assert not (RAW_CONTROL if run.command.yaml else RAW).search(out), run
    if result.returncode != 0:
        assert err.strip(), run
        if run.command.json:
            error = json.loads(err.strip().splitlines()[-1])["error"]
            assert error["code"] == result.returncode, run
            assert isinstance(error["message"], str) and error["message"], run
    if result.returncode == 0:
        relied = [name for name in run.served if name in RELIED_ON]
        bad = [name for name in relied if name in run.fuzzed and is_bad(run.fuzzed[name])]
        assert not bad, run
        if run.command.json:
            json.loads(out)


# -- the tests -----------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_valid_answers_succeed(world: World, command: Command) -> None:
    run = world.run(command, {})
    assert run.result.returncode == 0, run
    check(run)


def draw_case(data: st.DataObject, gateway: str) -> tuple[Command, dict[str, Answer]]:
    """A command, and hostile answers for one or two of the endpoints it asks."""
    command = data.draw(st.sampled_from(COMMANDS), label="command")
    names = data.draw(
        st.lists(st.sampled_from(command.endpoints), min_size=1, max_size=2, unique=True),
        label="fuzzed endpoints",
    )
    valid = {**baseline_values(gateway), **command.overrides}
    return command, {name: data.draw(answers(valid[name]), label=name) for name in names}


@settings(
    max_examples=300,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_fuzzed_answers(world: World, data: st.DataObject) -> None:
    command, fuzzed = draw_case(data, world.gateway.url)
    check(world.run(command, fuzzed))


# -- hand-picked hostile answers -----------------------------------------------

ESCAPE = "\x1b]0;pwned\x07\x1b[2J\u202e"
SHOWN_ESCAPED = "\\x1b]0;pwned\\x07\\x1b[2J\\u202e"


def _pushers(*changes: dict[str, Any], drop: str | None = None) -> Any:
    """The baseline pushers answer with the first pusher changed (or a field dropped)."""
    value = baseline_values("http://127.0.0.1:1")["pushers"]
    first = value["pushers"][0]
    for change in changes:
        first.update(change)
    if drop:
        del first[drop]
    return value


def _json(value: Any, status: int = 200, *headers: tuple[str, str]) -> Answer:
    return Answer(status, json.dumps(value).encode(), "application/json", headers)


def _raw(body: bytes, status: int = 200, content_type: str | None = "application/json",
         *headers: tuple[str, str]) -> Answer:  # fmt: skip
    return Answer(status, body, content_type, headers)


def _error(status: int, errcode: str, text: str, *headers: tuple[str, str], **more: Any) -> Answer:
    return _json({"errcode": errcode, "error": text, **more}, status, *headers)


#: (what, endpoint, answer); each runs against commands that ask the endpoint
# fmt: off
NASTY_CASES: list[tuple[str, str, Answer]] = [
    ("pusher without pushkey", "pushers", _json(_pushers(drop="pushkey"))),
    ("pusher without app_id", "pushers", _json(_pushers(drop="app_id"))),
    ("pushkey a number", "pushers", _json(_pushers({"pushkey": 12345}))),
    ("data a list", "pushers", _json(_pushers({"data": ["url"]}))),
    ("data.url an object", "pushers", _json(_pushers({"data": {"url": {"x": 1}}}))),
    ("kind null", "pushers", _json(_pushers({"kind": None}))),
    ("device id a list", "pushers", _json(_pushers({"device_id": ["DEV1"]}))),
    ("pushers a dict", "pushers", _json({"pushers": {"k1": {}}})),
    ("pushers null", "pushers", _json({"pushers": None})),
    ("pushers of strings", "pushers", _json({"pushers": ["k1", 2]})),
    ("escape sequences in fields", "pushers",
     _json(_pushers({"app_id": ESCAPE, "pushkey": ESCAPE, "device_display_name": ESCAPE}))),
    ("a huge pushkey", "pushers", _json(_pushers({"pushkey": "k" * 1_000_000}))),
    ("a huge number", "pushers", _json(_pushers({"lang": 10**4000}))),
    ("NaN", "pushers", _raw(b'{"pushers": [{"pushkey": NaN, "app_id": Infinity}]}')),
    ("1e400", "pushers", _raw(b'{"pushers": [{"pushkey": 1e400, "app_id": "a"}]}')),
    ("lone surrogate", "pushers", _raw(b'{"pushers": [{"pushkey": "\\ud800", "app_id": "a"}]}')),
    ("surrogate as UTF-8 bytes", "whoami", _raw(b'{"user_id": "@alice\xed\xa0\x80:localhost"}')),
    ("invalid UTF-8", "pushers", _raw(b'{"pushers": [{"pushkey": "\xff\xfe", "app_id": "a"}]}')),
    ("UTF-8 claimed Latin-1", "pushers", _raw(b'{"pushers": []}', 200, "text/plain")),
    ("100000 nested arrays", "pushers", _raw(b"[" * 100_000 + b"]" * 100_000)),
    ("truncated JSON", "pushers", _raw(b'{"pushers": [{"app_id": "org.exa')),
    ("HTML 200", "pushers", _raw(b"<html><body>Welcome</body></html>", 200, "text/html")),
    ("empty 200", "pushers", _raw(b"", 200, None)),
    ("204", "pushers", _raw(b"", 204, None)),
    ("302 without Location", "pushers", _raw(b'{"pushers": []}', 302)),
    ("301 to itself", "pushers",
     _raw(b"", 301, None, ("Location", "/_matrix/client/v3/pushers"))),
    ("302 to a scheme requests cannot follow", "pushers",
     _raw(b"", 302, None, ("Location", "a:b"))),
    ("302 to a refused port", "pushers",
     _raw(b"", 302, None, ("Location", "http://127.0.0.1:1/x"))),
    ("429 with Retry-After nan", "pushers",
     _error(429, "M_LIMIT_EXCEEDED", "slow", ("Retry-After", "nan"))),
    ("429 with retry_after_ms past a float", "pushers",
     _raw(b'{"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 1' + b"0" * 400 + b"}", 429)),
    ("429 with negative retry_after_ms", "pushers",
     _raw(b'{"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": -1' + b"0" * 400 + b"}", 429)),
    ("401 echoing the token with escapes", "pushers",
     _error(401, "M_UNKNOWN_TOKEN", f"{ESCAPE} token {TOKEN} {ESCAPE}")),
    ("403 errcode with escapes", "pushers", _error(403, ESCAPE, ESCAPE)),
    ("400 error text an object", "pushers",
     _json({"errcode": "M_UNKNOWN", "error": {"a": 1}}, 400)),
    ("500 HTML", "pushers", _raw(b"<html>Internal</html>", 500, "text/html")),
    ("502 empty", "pushers", _raw(b"", 502, None)),
    ("503 with a date", "pushers",
     _raw(b"", 503, None, ("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"))),
    ("gzip that is not", "pushers",
     _raw(b"not gzip at all", 200, "application/json", ("Content-Encoding", "gzip"))),
    ("set: 302 without Location", "set", _raw(b"{}", 302)),
    ("set: 303 to the listing", "set",
     _raw(b"", 303, None, ("Location", "/_matrix/client/v3/pushers"))),
    ("set: 500 with escapes", "set", _error(500, "M_UNKNOWN", ESCAPE)),
    ("set: a list", "set", _json([])),
    ("whoami without user_id", "whoami", _json({"device_id": "DEV1"})),
    ("whoami user_id a number", "whoami", _json({"user_id": 7, "device_id": "DEV1"})),
    ("whoami device_id an object", "whoami", _json({"user_id": ALICE, "device_id": {"a": 1}})),
    ("whoami of another user", "whoami", _json({"user_id": "@mallory:localhost"})),
    ("whoami user_id with escapes", "whoami", _json({"user_id": f"@{ESCAPE}:localhost"})),
    ("whoami a list", "whoami", _json([ALICE])),
    ("versions a string", "versions", _json({"versions": "v1.1"})),
    ("versions of numbers", "versions", _json({"versions": [1, None, {"a": 1}]})),
    ("devices null", "devices", _json({"devices": None})),
    ("devices of strings", "devices", _json({"devices": ["DEV1"]})),
    ("last seen past any clock", "devices",
     _json({"devices": [{"device_id": "DEV1", "last_seen_ts": 10**30}]})),
    ("last seen before 1970", "devices",
     _json({"devices": [{"device_id": "DEV1", "last_seen_ts": -(10**30)}]})),
    ("last seen a string", "devices",
     _json({"devices": [{"device_id": "DEV1", "last_seen_ts": "yesterday"}]})),
    ("device id a number", "devices", _json({"devices": [{"device_id": 1, "last_seen_ts": 1}]})),
    ("device name with escapes", "devices",
     _json({"devices": [{"device_id": "DEV1", "display_name": ESCAPE, "last_seen_ts": 1}]})),
    ("login without a token", "login", _json({"user_id": ALICE, "device_id": "D"})),
    ("login token a number", "login", _json({"access_token": 5, "user_id": ALICE})),
    ("login user_id an object", "login", _json({"access_token": TOKEN, "user_id": {"a": 1}})),
    ("login refused with escapes", "login", _error(403, "M_FORBIDDEN", ESCAPE)),
    ("admin: devices a dict", "admin_devices", _json({"devices": {}})),
    ("admin: pushers a number", "admin_pushers", _json({"pushers": 3})),
    ("admin: login without a token", "admin_login", _json({})),
    ("admin: 403 with escapes", "admin_pushers", _error(403, "M_FORBIDDEN", ESCAPE)),
    ("logout: 500 HTML", "logout", _raw(b"<html>down</html>", 500, "text/html")),
    ("logout: 401", "logout", _error(401, "M_UNKNOWN_TOKEN", "gone")),
    ("gateway: redirect with escapes", "notify", _raw(b"", 302, None, ("Location", ESCAPE))),
    ("gateway: rejected a string", "notify", _json({"rejected": "k1"})),
    ("gateway: rejected of lists", "notify", _json({"rejected": [["k1"], {"k": 1}]})),
    ("gateway: NaN", "notify", _raw(b'{"rejected": NaN}')),
    ("gateway: HTML 500", "notify", _raw(b"<html>oops</html>", 500, "text/html")),
    ("gateway: nested", "notify", _raw(b"[" * 100_000 + b"]" * 100_000)),
]
# fmt: on


def _nasty_runs() -> list[Any]:
    """Each case against one command of each verb that asks its endpoint; which one
    turns with the case, so that every command meets some of the cases."""
    runs = []
    for number, (what, endpoint, answer) in enumerate(NASTY_CASES):
        verbs: dict[str, list[Command]] = {}
        for command in COMMANDS:
            if endpoint in command.endpoints:
                verbs.setdefault(command.args[0], []).append(command)
        chosen = [same_verb[number % len(same_verb)] for same_verb in verbs.values()]
        chosen += [c for c in COMMANDS if (what, str(c)) in PINNED and c not in chosen]
        runs += [pytest.param(c, endpoint, answer, id=f"{what} / {c}") for c in chosen]
    return runs


#: pairs that broke once, run whichever command the turn gives the case
PINNED = {
    ("pusher without pushkey", "delete --all --yes"),
    ("pusher without pushkey", "import {file} --yes --prune"),
    ("pusher without pushkey", "import {file} --yes --prune --json"),
    ("data a list", "import {file} --dry-run"),
    ("whoami user_id with escapes", "status"),
    ("devices null", "prune --inactive 1d --yes"),
    ("last seen past any clock", "list --devices"),
    ("last seen past any clock", "prune --inactive 1d --yes"),
    ("302 to a scheme requests cannot follow", "list --json"),
    ("301 to itself", "delete --all --yes --json"),
    ("set: 303 to the listing", "set --pushkey k3 " + " ".join(_SET)),
    ("429 with retry_after_ms past a float", "list"),
}


@pytest.mark.parametrize(("command", "endpoint", "answer"), _nasty_runs())
def test_hand_picked_answers(world: World, command: Command, endpoint: str, answer: Answer) -> None:
    run = world.run(command, {endpoint: answer})
    check(run)
    if ESCAPE.encode() in answer.body or any(ESCAPE in value for _, value in answer.headers):
        shown = run.result.stdout + run.result.stderr
        # shown escaped where shown at all (JSON escapes its own way)
        assert ESCAPE not in shown, run


# -- flags that no clock can honour ----------------------------------------------


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "-inf", "86401"])
@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_timeout_no_clock_can_wait_is_a_usage_error(
    world: World, value: str, where: str, as_json: bool
) -> None:
    args = ["list", *(["--json"] if as_json else [])]
    args = ["--timeout", value, *args] if where == "before" else [*args, "--timeout", value]
    home = Path(tempfile.mkdtemp(dir=world.scratch))
    environ = {"PUSHCTL_HOMESERVER": world.homeserver.url, "PUSHCTL_ACCESS_TOKEN": TOKEN}
    result = inprocess.run(args, clean_env(home, environ))
    assert result.returncode == 2, result.stderr
    assert "--timeout" in result.stderr and "Traceback" not in result.stderr
    if as_json:
        assert json.loads(result.stderr)["error"]["code"] == 2


# -- whose token a login stores ------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [("alice", True), ("bob", False), (ALICE, True), (BOB, False), ("alice:localhost", True),
     ("alice:elsewhere", False)],
)  # fmt: skip
def test_a_token_login_names_its_user_by_id_or_localpart(
    world: World, given: str, stored: bool
) -> None:
    login = command(
        ["login", "--token-stdin", "--insecure-storage", "--user", given,
         "--homeserver", "{homeserver}"],
        "whoami", stdin=TOKEN, token="none",
    )  # fmt: skip
    run = world.run(login, {})  # whoami answers @alice:localhost
    if stored:
        assert run.result.returncode == 0, run
    else:
        assert run.result.returncode == 4, run
        assert f"the token belongs to {ALICE}, not {given}; nothing was stored" in run.result.stderr


@pytest.mark.parametrize("user", [f"{BOB}/x", f"{BOB}?x=1", f"{BOB}#x", "@bob:local host"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_user_id_with_a_path_or_query_is_a_usage_error(
    world: World, user: str, as_json: bool
) -> None:
    run = world.run(command(["list", "--user", user, *(["--json"] * as_json)], "pushers"), {})
    assert run.result.returncode == 2, run
    assert run.served == [], "nothing may be sent for a malformed --user"
    if as_json:
        assert json.loads(run.result.stderr)["error"]["code"] == 2
