"""How long `pushctl doctor` takes on an account with 10 slow gateways, next to one.

Run by hand (not part of the tests), from the repository root:

    .venv/bin/python -m benchmarks.doctor            # --rounds 3

It starts a throwaway Synapse on loopback and ten gateways that each take a
second to answer anything (a GET on the notify path, then the test
notification: two seconds per gateway). One user has ten pushers, one per
gateway; another has one. Doctor probes gateways concurrently, so the ten
should take about as long as the one: the goal is at most 1.5 times, medians
of the rounds, both timed as a user runs them (a new process each).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack

from tests.support.fakegateways import FakeGateway
from tests.support.localsynapse import LocalSynapse

TARGET = 1.5


def add_pusher(server: LocalSynapse, token: str, number: int, url: str) -> None:
    body = {
        "app_id": "org.example.app.ios",
        "pushkey": f"doctor-bench-{number}",
        "kind": "http",
        "app_display_name": "Example",
        "device_display_name": f"Phone {number}",
        "lang": "en",
        "data": {"url": url},
    }
    server.call("POST", "/_matrix/client/v3/pushers/set", body, token=token)


def timed_doctor(server: LocalSynapse, token: str) -> float:
    env = {**os.environ, "PUSHCTL_HOMESERVER": server.base_url, "PUSHCTL_ACCESS_TOKEN": token}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pushctl", "doctor"], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    if result.returncode not in (0, 6):
        raise SystemExit(f"pushctl doctor failed ({result.returncode}):\n{result.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with LocalSynapse() as server, ExitStack() as stack:
        gateways = [stack.enter_context(FakeGateway("slow")) for _ in range(11)]
        ten = server.login(server.register("ten"))["access_token"]
        one = server.login(server.register("one"))["access_token"]
        for number, gateway in enumerate(gateways[:10]):
            add_pusher(server, ten, number, gateway.url)
        add_pusher(server, one, 10, gateways[10].url)
        times: dict[str, list[float]] = {"one": [], "ten": []}
        for round_number in range(args.rounds):
            times["one"].append(timed_doctor(server, one))
            times["ten"].append(timed_doctor(server, ten))
            print(
                f"  round {round_number + 1}: one pusher {times['one'][-1]:.2f}s, "
                f"ten pushers {times['ten'][-1]:.2f}s",
                flush=True,
            )
    one_median, ten_median = statistics.median(times["one"]), statistics.median(times["ten"])
    ratio = ten_median / one_median
    verdict = "met" if ratio <= TARGET else "NOT MET"
    print(
        f"doctor, 10 pushers on 10 slow gateways: {ten_median:.2f}s; one: {one_median:.2f}s; "
        f"ratio {ratio:.2f} (target <= {TARGET}) {verdict}"
    )


if __name__ == "__main__":
    main()
