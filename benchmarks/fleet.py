"""How fast `pushctl fleet` reads and rewrites a server's pushers, next to a bare script.

Run by hand (not part of the tests), from the repository root:

    .venv/bin/python -m benchmarks.fleet            # --users 100,1000 --rounds 3

It starts a throwaway Synapse on loopback, creates users through the admin API
(each with one pusher on an "old" gateway) and measures, side by side:

1. ``pushctl fleet list --json`` against a bare script that pages the users
   list and fetches each user's pushers with 8 threads (target: at most 1.2x);
2. ``pushctl fleet move-gateway --from OLD --to NEW --yes`` over every user,
   and how its time grows with the number of users.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import requests

from tests.support.localsynapse import LocalSynapse

OLD = "https://old.push.example.org/_matrix/push/v1/notify"
NEW = "https://new.push.example.org/_matrix/push/v1/notify"
TARGET = 1.2


def populate(server: LocalSynapse, admin: str, prefix: str, count: int) -> None:
    """*count* users, each with one pusher on the old gateway (made through the admin API)."""
    headers = {"Authorization": f"Bearer {admin}"}

    def one(number: int) -> None:
        with requests.Session() as session:
            session.headers.update(headers)
            user_id = f"@{prefix}{number}:localhost"
            base = f"{server.base_url}/_synapse/admin"
            session.put(f"{base}/v2/users/{quote(user_id)}", json={}).raise_for_status()
            token = session.post(f"{base}/v1/users/{quote(user_id)}/login", json={}).json()[
                "access_token"
            ]
            pusher = {
                "app_id": "org.example.app.ios", "pushkey": f"{prefix}-{number}", "kind": "http",
                "app_display_name": "Example", "device_display_name": "Phone", "lang": "en",
                "data": {"url": OLD},
            }  # fmt: skip
            session.post(
                f"{server.base_url}/_matrix/client/v3/pushers/set",
                json=pusher,
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(count)))


def bare_list(server: LocalSynapse, admin: str) -> list[Any]:
    """The baseline: page the users, then each user's pushers with 8 threads."""
    headers = {"Authorization": f"Bearer {admin}"}
    base = f"{server.base_url}/_synapse/admin"
    users: list[str] = []
    with requests.Session() as session:
        session.headers.update(headers)
        start: str | None = "0"
        while start is not None:
            page = session.get(f"{base}/v2/users?from={start}&limit=500").json()
            users += [u["name"] for u in page["users"]]
            start = page.get("next_token")

    def pushers(user_id: str) -> list[Any]:
        response = requests.get(f"{base}/v1/users/{quote(user_id)}/pushers", headers=headers)
        found: list[Any] = response.json()["pushers"]
        return found

    with ThreadPoolExecutor(8) as pool:
        return [p for found in pool.map(pushers, users) for p in found]


def pushctl(server: LocalSynapse, admin: str, *args: str) -> float:
    env = {**os.environ, "PUSHCTL_HOMESERVER": server.base_url, "PUSHCTL_ACCESS_TOKEN": admin}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pushctl", "fleet", *args], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"pushctl fleet {' '.join(args)} failed:\n{result.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="100,1000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.users.split(",")]
    for size in sizes:
        with LocalSynapse() as server:
            admin = server.login(server.register("benchadmin", admin=True))["access_token"]
            populate(server, admin, "u", size)
            ours, bare = [], []
            for _ in range(args.rounds):
                started = time.perf_counter()
                bare_list(server, admin)
                bare.append(time.perf_counter() - started)
                ours.append(pushctl(server, admin, "list", "--json"))
            move = pushctl(server, admin, "move-gateway", "--from", OLD, "--to", NEW, "--yes")
            again = pushctl(server, admin, "move-gateway", "--from", OLD, "--to", NEW, "--yes")
            ratio = statistics.median(ours) / statistics.median(bare)
            print(
                f"{size} users: fleet list --json {statistics.median(ours):.2f}s, bare script "
                f"{statistics.median(bare):.2f}s, ratio {ratio:.2f} (target <= {TARGET}) "
                f"{'met' if ratio <= TARGET else 'NOT MET'}; move-gateway {move:.2f}s "
                f"({size / move:.0f} users/s), re-run with nothing to move {again:.2f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
