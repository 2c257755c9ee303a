"""The quick path (:mod:`pushctl.cli.quick`): the same answers as Typer's, without Typer.

Each line it takes is run twice in this process against a real Synapse's
database, once as a user runs it and once with the quick path turned off, and
the two runs must print the same and exit the same. Its words are held to the
Typer commands' own options, and a line it does not know goes to Typer whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pushctl.cli import quick
from pushctl.cli.app import make_app
from pushctl.cli.compat import click_command
from pushctl.output.formats import Format
from tests.support import inprocess
from tests.support.accounts import clean_env, new_account
from tests.support.localsynapse import LocalSynapse
from tests.support.pushgateway import NOTIFY_PATH

pytestmark = pytest.mark.synapse

GATEWAY = f"https://quick.pushctl.invalid{NOTIFY_PATH}"


@pytest.fixture(scope="module")
def config(synapse: LocalSynapse) -> str:
    """Synapse's own configuration, with two users' pushers in its database."""
    first = new_account(synapse, "quick")
    first.add_pusher(pushkey="quick-1", app_id="org.example.quick", data={"url": GATEWAY})
    first.add_pusher(pushkey="quick-2", data={"url": GATEWAY, "format": "event_id_only"})
    new_account(synapse, "quicker").add_pusher(pushkey="quick-3", data={"url": GATEWAY})
    return str(synapse.directory / "homeserver.yaml")


def both_ways(args: list[str], environ: dict[str, str]) -> Iterator[Any]:
    yield inprocess.run(args, environ)
    commands = quick.COMMANDS
    quick.COMMANDS = ()  # type: ignore[assignment]  # every line to Typer
    try:
        yield inprocess.run(args, environ)
    finally:
        quick.COMMANDS = commands


def lines(config: str, tmp_path: Path) -> list[tuple[list[str], dict[str, str]]]:
    missing = str(tmp_path / "missing.yaml")
    foreign = tmp_path / "foreign.yaml"
    foreign.write_text("just: a mapping\n")
    directory = tmp_path / "conf.d"
    directory.mkdir()
    (directory / "homeserver.yaml").write_text(Path(config).read_text())
    (directory / "late.yaml").write_text("ip_range_whitelist: [127.0.0.9]\n")
    return [
        (["fleet", "list", "--json", "--synapse-config", config], {}),
        (["fleet", "list", "--csv", f"--synapse-config={config}", "--app-id", "org.example.quick"],
         {}),
        (["fleet", "list", "--json", "--gateway", GATEWAY, "--app-id=x", "--app-id",
          "org.example.quick"], {"PUSHCTL_SYNAPSE_CONFIG": config}),
        (["fleet", "list", "--gateway=", "--json"], {"PUSHCTL_SYNAPSE_CONFIG": f"  {config}  "}),
        (["fleet", "list", "--json", "--json", "--synapse-config", str(directory)], {}),
        (["fleet", "stats", "--json", "--synapse-config", config], {}),
        (["fleet", "stats", "--json"], {"PUSHCTL_SYNAPSE_CONFIG": f"{config} {directory}"}),
        (["fleet", "list", "--json", "--synapse-config", missing], {}),
        (["fleet", "list", "--csv", "--synapse-config", str(foreign)], {}),
        (["fleet", "stats", "--json"], {"PUSHCTL_SYNAPSE_CONFIG": f"{config} {missing}"}),
    ]  # fmt: skip


def test_each_line_prints_and_exits_as_through_typer(
    config: str, tmp_path: Path, home: Path
) -> None:
    printed = []
    for args, extra in lines(config, tmp_path):
        environ = clean_env(home, extra)
        assert quick.parse(args, environ) is not None, args
        fast, typer = both_ways(args, environ)
        assert (fast.returncode, fast.stdout, fast.stderr) == (
            typer.returncode,
            typer.stdout,
            typer.stderr,
        ), args
        assert "Traceback" not in fast.stderr
        printed.append(fast)
    assert [p.returncode for p in printed] == [0] * 7 + [2, 4, 2]
    listed = json.loads(printed[0].stdout)
    assert {"quick-1", "quick-2", "quick-3"} <= {p["pushkey"] for p in listed}


@pytest.mark.parametrize(
    "args",
    [
        ["fleet", "list", "--json", "--help"],
        ["fleet", "list", "-h", "--json"],
        ["fleet", "list", "--json", "-v"],
        ["-v", "fleet", "list", "--json"],
        ["fleet", "list", "--json", "--timeout", "5"],
        ["fleet", "list", "--json", "--csv"],
        ["fleet", "list", "--json", "--gateway", "--csv"],
        ["fleet", "list", "--json", "--gateway"],
        ["fleet", "list", "--json", "--gatway", "x"],
        ["fleet", "list", "--json", "extra"],
        ["fleet", "list", "--json", "--"],
        ["fleet", "list", "--json=1"],
        ["fleet", "list"],  # a table, for a person
        ["fleet", "stats", "--csv"],
        ["fleet", "health", "--json"],
        ["list", "--json"],
        [],
    ],
)
def test_any_other_line_goes_to_typer(args: list[str]) -> None:
    assert quick.parse(args, {"PUSHCTL_SYNAPSE_CONFIG": "/etc/synapse"}) is None


def test_without_synapse_config_the_admin_api_is_typers_to_read() -> None:
    assert quick.parse(["fleet", "list", "--json"], {}) is None
    assert quick.parse(["fleet", "list", "--json"], {"PUSHCTL_SYNAPSE_CONFIG": " "}) is None
    assert quick.parse(["fleet", "list", "--json", "--synapse-config", "a"], {}) is not None


def test_two_formats_are_refused_by_typer(config: str, home: Path) -> None:
    args = ["fleet", "list", "--json", "--csv", "--synapse-config", config]
    result = inprocess.run(args, clean_env(home))
    assert result.returncode == 2
    assert "--json and --csv exclude each other" in result.stderr


def test_its_words_are_the_typer_commands_own() -> None:
    """Every flag and option the quick path reads means the same to the Typer command."""
    group = click_command(make_app(["fleet"])).commands["fleet"]  # type: ignore[attr-defined]
    for command in quick.COMMANDS:
        assert command.words[0] == "fleet"
        params = {
            name: param
            for param in group.commands[command.words[1]].params
            for name in param.opts
            if not param.hidden
        }
        for flag, chosen in command.formats.items():
            assert params[flag].is_flag, flag
            assert isinstance(chosen, Format)
        for option, keyword in command.options.items():
            param = params[option]
            assert (param.name, param.is_flag, param.multiple) == (keyword, False, False)
        synapse_config = params[quick.SYNAPSE_CONFIG]
        assert synapse_config.multiple and synapse_config.envvar == "PUSHCTL_SYNAPSE_CONFIG"
        # what it leaves to Typer: the help, and the table (no flag)
        assert set(command.formats) | set(command.options) | {quick.SYNAPSE_CONFIG} <= set(params)


def test_a_quick_run_loads_no_typer_and_then_no_yaml(config: str, home: Path) -> None:
    report = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write(' '.join(sorted({m.split('.')[0] "
        "for m in sys.modules})) + '\\n'))\n"
        "import runpy; runpy.run_module('pushctl', run_name='__main__')\n"
    )
    args = ["fleet", "list", "--json", "--synapse-config", config]
    # a config changed within the last second is not remembered (configcache.SETTLED_NS)
    time.sleep(max(0.0, 1.1 - (time.time() - os.stat(config).st_ctime)))
    for _ in ("first run", "second run"):
        result = subprocess.run(
            [sys.executable, "-c", report, *args],
            env={**clean_env(home), "PYTHONPATH": os.pathsep.join(sys.path)},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        loaded = set(result.stderr.split())
        assert "pushctl" in loaded and "sqlite3" in loaded
        assert not loaded & {"typer", "click", "rich", "requests", "keyring", "pydantic"}
        assert json.loads(result.stdout)
    # the second run recalls what the first read of Synapse's config
    assert not loaded & {"yaml", "dataclasses"}
