"""How fast bulk import and validate are, side by side with their baselines, in one run.

Run by hand (not part of the tests), from the repository root:

    .venv/bin/python -m benchmarks.bulk            # --rounds 5 --entries 400 --large 50000

It starts a throwaway Synapse on loopback (tests/support/localsynapse.py) and measures,
taking the median of the rounds:

1. ``pushctl import FILE --yes`` of N new pushers, against a bare pool of 8
   threads with one ``requests.Session`` each posting the same N entries to
   another fresh account (the target), and a sequential loop (for reference).
2. ``pushctl import FILE --yes`` again, with nothing changed.
3. ``pushctl validate FILE`` of a generated file of 50,000 entries, against
   PyYAML's ``CSafeLoader`` only loading the same file.

pushctl is timed as a user runs it: a new process, wall clock, startup, file
reading, validation, plan and output included. The baselines are timed inside
this process, without any startup: the comparison is the strict one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.support.localsynapse import LocalSynapse

ROOT = Path(__file__).resolve().parent.parent

GATEWAY = "https://push.example.org/_matrix/push/v1/notify"
#: ratios to the baseline each row is judged against (import: against the 8-thread pool)
TARGETS = {"import": 1.05, "reimport": 0.1, "validate": 1.5}
POOL_THREADS = 8


def pusher(number: int) -> dict[str, Any]:
    return {
        "app_id": "org.example.app.ios",
        "pushkey": f"bench-{number:06d}-" + "x" * 40,
        "kind": "http",
        "app_display_name": "Example",
        "device_display_name": f"Phone {number}",
        "lang": "en",
        "data": {"url": GATEWAY, "format": "event_id_only"},
    }


def write_file(path: Path, count: int) -> Path:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    document = {"pushers": [pusher(i) for i in range(count)]}
    path.write_text(yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True))
    return path


def timed(action: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def run_pushctl(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pushctl", *args],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"pushctl {' '.join(args)} failed:\n{result.stderr}")


def sequential_loop(base_url: str, token: str, path: Path) -> None:
    """The baseline: read the file, then one POST after another on one session."""
    with path.open() as stream:
        entries = yaml.load(stream, Loader=yaml.CSafeLoader)["pushers"]
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for entry in entries:
            response = session.post(
                f"{base_url}/_matrix/client/v3/pushers/set", json={**entry, "append": False}
            )
            response.raise_for_status()


def thread_pool(base_url: str, token: str, path: Path, threads: int = POOL_THREADS) -> None:
    """The best hand-written script: a pool of threads, one requests session each."""
    import queue
    import threading

    with path.open() as stream:
        entries = yaml.load(stream, Loader=yaml.CSafeLoader)["pushers"]
    pending: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
    for entry in entries:
        pending.put(entry)

    def work() -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            while True:
                try:
                    entry = pending.get_nowait()
                except queue.Empty:
                    return
                response = session.post(
                    f"{base_url}/_matrix/client/v3/pushers/set", json={**entry, "append": False}
                )
                response.raise_for_status()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux); 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def csafeloader_only(path: Path) -> None:
    with path.open() as stream:
        yaml.load(stream, Loader=yaml.CSafeLoader)


def measure_imports(
    server: LocalSynapse, path: Path, rounds: int, count: int
) -> dict[str, list[float]]:
    """Each round: the sequential loop, then the pool and pushctl, in turns first.

    Every run writes the same pushkeys with ``append: false``, so each one also
    deletes the previous run's pushers, and the server's database grows from
    run to run: whichever runs second in a round has it slightly harder. The
    pool and pushctl swap places every round, so that neither always does.
    """
    times: dict[str, list[float]] = {
        "loop": [],
        "pool": [],
        "import": [],
        "reimport": [],
        "server": [],
    }
    assert server.process is not None

    def fresh_token(name: str) -> str:
        return str(server.login(server.register(name))["access_token"])

    def pool(round_number: int) -> None:
        token = fresh_token(f"pool{round_number}")
        times["pool"].append(timed(thread_pool, server.base_url, token, path))
        assert len(server.pushers(token)) == count

    def pushctl(round_number: int) -> None:
        token = fresh_token(f"import{round_number}")
        env = {"PUSHCTL_HOMESERVER": server.base_url, "PUSHCTL_ACCESS_TOKEN": token}
        times["import"].append(timed(run_pushctl, "import", str(path), "--yes", env=env))
        assert len(server.pushers(token)) == count
        times["reimport"].append(timed(run_pushctl, "import", str(path), "--yes", env=env))

    for round_number in range(rounds):
        loop_token = fresh_token(f"loop{round_number}")
        server_cpu = cpu_seconds(server.process.pid)
        times["loop"].append(timed(sequential_loop, server.base_url, loop_token, path))
        times["server"].append(cpu_seconds(server.process.pid) - server_cpu)
        assert len(server.pushers(loop_token)) == count
        order = (pool, pushctl) if round_number % 2 == 0 else (pushctl, pool)
        for run in order:
            run(round_number)
        print(
            f"  round {round_number + 1}: loop {times['loop'][-1]:.2f}s "
            f"(Synapse busy {times['server'][-1]:.2f}s of it), "
            f"{POOL_THREADS}-thread pool {times['pool'][-1]:.2f}s, "
            f"import {times['import'][-1]:.2f}s "
            f"({times['import'][-1] / times['pool'][-1]:.2f} of the pool), "
            f"re-import {times['reimport'][-1]:.2f}s",
            flush=True,
        )
    return times


def measure_scale(server: LocalSynapse, scratch: Path, sizes: list[int]) -> None:
    """How import and an unchanged re-import grow with the number of pushers."""
    print("scale: import N new pushers, then re-import them unchanged (zero writes):")
    for size in sizes:
        path = write_file(scratch / f"scale-{size}.yaml", size)
        user = server.register(f"scale{size}")
        token = server.login(user)["access_token"]
        env = {"PUSHCTL_HOMESERVER": server.base_url, "PUSHCTL_ACCESS_TOKEN": token}
        first = timed(run_pushctl, "import", str(path), "--yes", env=env)
        assert len(server.pushers(token)) == size
        again = timed(run_pushctl, "import", str(path), "--yes", env=env)
        print(
            f"  {size:6d} pushers: import {first:7.2f}s ({size / first:6.0f}/s), "
            f"re-import {again:6.2f}s",
            flush=True,
        )


def measure_validate(path: Path, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"csafeloader": [], "validate": []}
    for round_number in range(rounds):
        times["csafeloader"].append(timed(csafeloader_only, path))
        times["validate"].append(timed(run_pushctl, "validate", str(path), env={}))
        print(
            f"  round {round_number + 1}: CSafeLoader {times['csafeloader'][-1]:.2f}s, "
            f"validate {times['validate'][-1]:.2f}s",
            flush=True,
        )
    return times


def verdict(ratio: float, target: float) -> str:
    return "met" if ratio <= target else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--entries", type=int, default=400)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument(
        "--scale",
        default="",
        help="comma-separated sizes for the scale run, e.g. 500,1000,2500,5000 (off by default)",
    )
    args = parser.parse_args()
    if not getattr(yaml, "__with_libyaml__", False):
        raise SystemExit("PyYAML has no libyaml here: the CSafeLoader baseline cannot be run")

    with tempfile.TemporaryDirectory(prefix="pushctl-bench-") as scratch:
        small = write_file(Path(scratch) / "small.yaml", args.entries)
        large = write_file(Path(scratch) / "large.yaml", args.large)
        print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; PyYAML {yaml.__version__}")
        with LocalSynapse() as server:
            print(f"import of {args.entries} entries, {args.rounds} rounds:", flush=True)
            imports = measure_imports(server, small, args.rounds, args.entries)
            if args.scale:
                sizes = [int(size) for size in args.scale.split(",")]
                measure_scale(server, Path(scratch), sizes)
        print(f"validate of {args.large} entries ({large.stat().st_size / 2**20:.1f} MiB):")
        validation = measure_validate(large, args.rounds)

    median = {name: statistics.median(values) for name, values in {**imports, **validation}.items()}
    rows = [
        (f"import {args.entries} new", "import", "pool", f"{POOL_THREADS}-thread requests pool"),
        (f"re-import {args.entries} unchanged", "reimport", "loop", "sequential requests loop"),
        (f"validate {args.large}", "validate", "csafeloader", "CSafeLoader load only"),
    ]
    print(
        f"\nSynapse's own CPU time during the loop: {median['server']:.2f}s "
        f"({median['server'] / median['loop']:.0%} of the loop's wall time); writes cannot go "
        "faster than the server handles them, so no client can import in less than that."
    )
    print(
        f"against the sequential loop: pushctl import {median['import'] / median['loop']:.2f}, "
        f"{POOL_THREADS}-thread pool {median['pool'] / median['loop']:.2f}"
    )
    paired = statistics.median(
        ours / pool for ours, pool in zip(imports["import"], imports["pool"], strict=True)
    )
    print(f"import against the pool of the same round, median of the rounds: {paired:.2f}")
    print("medians:")
    for title, ours, baseline, baseline_name in rows:
        ratio = median[ours] / median[baseline]
        target = TARGETS[ours]
        print(
            f"  {title:<24} pushctl {median[ours]:6.2f}s  {baseline_name} {median[baseline]:6.2f}s"
            f"  ratio {ratio:.2f} (target <= {target}) {verdict(ratio, target)}"
        )


if __name__ == "__main__":
    main()
