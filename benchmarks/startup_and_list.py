"""How fast pushctl starts and lists, next to what it cannot beat. Run by hand:

    .venv/bin/python -m benchmarks.startup_and_list [--runs 30] [--pushers 500]
    .venv/bin/python -m benchmarks.startup_and_list --startup-only

Starts a throwaway Synapse (tests/support/localsynapse.py), gives one user N pushers
and times, side by side and interleaved (so that a busy machine slows every
command alike), in fresh processes of this venv:

- ``pushctl --version``, ``pushctl --help`` and three Tab presses, against
  ``python -c "import typer"`` (target: at most 1.1 times);
- the same Tab press on stock Typer (``PUSHCTL_STOCK_TYPER=1``: option values
  converted through pydantic), which shows what pushctl/cli/compat.py
  buys;
- ``pushctl list --json``, against a bare script doing the same GET with
  requests and dumping the JSON (target: at most 1.3 times); the plain table
  in a pipe; and the table a person sees, drawn on a pseudo-terminal that the
  benchmark reads to the end, 200 and 80 columns wide (at most 2 times).

``--startup-only`` times the start-up cases alone, without a Synapse (the Tab
press on ``--pushkey`` then has no cached pushers to offer).

Prints median and fastest wall times, the ratios of the medians (judged against
the targets; exit 1 when one is missed) and of the fastest runs. Absolute
times depend on the machine; ratios much less. A busy machine makes the
median ratios wander by a few hundredths; the fastest runs move less.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from benchmarks.bytecode import compile_pushctl
from tests.support.localsynapse import LocalSynapse

ROOT = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
PUSHCTL = str(Path(sys.executable).parent / "pushctl")
GATEWAY = "https://push.example.org/_matrix/push/v1/notify"

BARE_GET = """\
import json, os, sys
import requests
response = requests.get(
    os.environ["PUSHCTL_HOMESERVER"] + "/_matrix/client/v3/pushers",
    headers={"Authorization": "Bearer " + os.environ["PUSHCTL_ACCESS_TOKEN"]},
    timeout=30,
)
response.raise_for_status()
sys.stdout.write(json.dumps(response.json()["pushers"], indent=2, ensure_ascii=False) + "\\n")
"""


@dataclass
class Case:
    label: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    baseline: str | None = None  # label of the case it is compared with
    target: float | None = None

    terminal: bool = False  # stdout on a pseudo-terminal, read as a terminal would
    times: list[float] = field(default_factory=list)

    def run(self, base_env: dict[str, str]) -> None:
        env = {**base_env, **self.env}
        started = time.perf_counter()
        if self.terminal:
            status, errors = run_on_terminal(self.argv, env)
        else:
            result = subprocess.run(
                self.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            status, errors = result.returncode, result.stderr
        elapsed = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"{self.label} failed ({status}): {errors}")
        self.times.append(elapsed)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def run_on_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run *argv* with stdout on a pseudo-terminal, reading all it draws; (status, stderr)."""
    import pty

    controller, terminal = pty.openpty()
    process = subprocess.Popen(argv, env=env, stdout=terminal, stderr=subprocess.PIPE)
    os.close(terminal)
    try:
        while True:
            try:
                if not os.read(controller, 65536):
                    break
            except OSError:  # the terminal closed: the command has exited
                break
    finally:
        os.close(controller)
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    return process.wait(), errors


def startup_cases() -> list[Case]:
    tab = {"_PUSHCTL_COMPLETE": "complete_bash"}
    typer_label = 'python -c "import typer"'

    def tab_press(line: str, **extra: str) -> dict[str, str]:
        return {**tab, "_PUSHCTL_COMPLETE_LINE": line, **extra}

    return [
        Case(typer_label, [PYTHON, "-c", "import typer"]),
        Case("pushctl --version", [PUSHCTL, "--version"], baseline=typer_label, target=1.1),
        Case("pushctl --help", [PUSHCTL, "--help"], baseline=typer_label, target=1.1),
        Case(
            "Tab: pushctl li",
            [PUSHCTL],
            tab_press("pushctl li"),
            baseline=typer_label,
            target=1.1,
        ),
        Case(
            "Tab: pushctl --timeout 5 list --w",
            [PUSHCTL],
            tab_press("pushctl --timeout 5 list --w"),
            baseline=typer_label,
            target=1.1,
        ),
        Case(
            "  same on stock Typer",
            [PUSHCTL],
            tab_press("pushctl --timeout 5 list --w", PUSHCTL_STOCK_TYPER="1"),
            baseline=typer_label,
        ),
        Case(
            "Tab: pushctl delete --pushkey",
            [PUSHCTL],
            tab_press("pushctl delete --pushkey "),
            baseline=typer_label,
            target=1.1,
        ),
    ]


def listing_cases() -> list[Case]:
    get_label = "bare requests GET + json dump"
    return [
        Case(get_label, [PYTHON, "-c", BARE_GET]),
        # what any Typer CLI pays on top: the same script, importing typer first
        Case(
            "  same + import typer (floor)",
            [PYTHON, "-c", "import typer\n" + BARE_GET],
            baseline=get_label,
        ),
        Case("pushctl list --json", [PUSHCTL, "list", "--json"], baseline=get_label, target=1.3),
        # the plain columns scripts read: stdout in a pipe
        Case("pushctl list | ... (plain)", [PUSHCTL, "list"], baseline=get_label),
        # the table a person sees: framed, in colour, on a pseudo-terminal
        Case(
            "pushctl list (terminal, 200 cols)",
            [PUSHCTL, "list"],
            {"TERM": "xterm-256color"},
            baseline=get_label,
            target=2.0,
            terminal=True,
        ),
        Case(
            "pushctl list (terminal, 80 cols)",
            [PUSHCTL, "list"],
            {"TERM": "xterm-256color", "COLUMNS": "80"},
            baseline=get_label,
            target=2.0,
            terminal=True,
        ),
    ]


def add_pushers(server: LocalSynapse, token: str, count: int) -> None:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for number in range(count):
        pusher = {
            "app_id": f"org.example.app.{('ios', 'android', 'web')[number % 3]}",
            # a realistic APNs/FCM-sized token
            "pushkey": f"{number:04d}-" + "Xp/MzCt8+aB3k9QvLw2N" * 8,
            "kind": "http",
            "app_display_name": "Example",
            "device_display_name": f"Phone {number}",
            "lang": "en",
            "data": {"url": GATEWAY, "format": "event_id_only"},
        }
        session.post(
            f"{server.base_url}/_matrix/client/v3/pushers/set", json=pusher, timeout=30
        ).raise_for_status()


def report(all_cases: list[Case], runs: int, pushers: int) -> bool:
    by_label = {case.label: case for case in all_cases}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\n{runs} runs each, interleaved; {pushers} pushers; Python {platform.python_version()},"
        f" typer {version('typer')}, requests {version('requests')}, rich {version('rich')};"
        f" {os.cpu_count()} CPUs, load {load:.1f}\n"
    )
    columns = ("median", 8), ("fastest", 8), ("ratio", 6), ("(fastest)", 9), ("target", 7)
    print(f"{'command':34}" + "".join(f" {name:>{width}}" for name, width in columns))
    all_met = True
    for case in all_cases:
        line = f"{case.label:34} {case.median * 1000:6.0f}ms {min(case.times) * 1000:6.0f}ms"
        if case.baseline:
            base = by_label[case.baseline]
            ratio = case.median / base.median
            line += f" {ratio:5.2f}x {min(case.times) / min(base.times):8.2f}x"
            if case.target:
                met = ratio <= case.target
                all_met &= met
                line += f" {'<=' + str(case.target):>7}  {'ok' if met else 'MISSED'}"
        print(line)
    print(
        "\nratio: of the medians, against `import typer` or the bare GET above;"
        " (fastest): of the fastest runs"
    )
    return all_met


def main() -> int:
    compile_pushctl()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pushers", type=int, default=500)
    parser.add_argument("--startup-only", action="store_true", help="no Synapse, no listings")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        base_env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "XDG_CACHE_HOME": f"{home}/.cache",
            "XDG_CONFIG_HOME": f"{home}/.config",
            "COLUMNS": "200",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
        }
        if options.startup_only:
            all_cases = startup_cases()
            time_cases(all_cases, base_env, options.runs)
            return 0 if report(all_cases, options.runs, 0) else 1
        with LocalSynapse() as server:
            user = server.register("bench")
            token = server.login(user)["access_token"]
            print(f"Synapse on {server.base_url}; adding {options.pushers} pushers...", flush=True)
            add_pushers(server, token, options.pushers)
            base_env["PUSHCTL_HOMESERVER"] = server.base_url
            base_env["PUSHCTL_ACCESS_TOKEN"] = token
            list_json = [PUSHCTL, "list", "--json"]
            listed = subprocess.run(
                list_json, env=base_env, capture_output=True, text=True, check=True
            )
            assert len(json.loads(listed.stdout)) == options.pushers  # and Tab has its cache
            all_cases = startup_cases() + listing_cases()
            time_cases(all_cases, base_env, options.runs)
    return 0 if report(all_cases, options.runs, options.pushers) else 1


def time_cases(all_cases: list[Case], base_env: dict[str, str], runs: int) -> None:
    for _ in range(3):  # warm the file cache (and Synapse)
        for case in all_cases:
            case.run(base_env)
            case.times.clear()
    for _ in range(runs):
        for case in all_cases:
            case.run(base_env)


if __name__ == "__main__":
    sys.exit(main())
