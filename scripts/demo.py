"""The demo behind scripts/demo: pushctl against a throwaway local Synapse."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localsynapse import LocalSynapse

GATEWAY = "https://push.example.org/_matrix/push/v1/notify"


def pushctl(*args: str, env: dict[str, str]) -> None:
    print(f"\n$ pushctl {shlex.join(args)}", flush=True)
    subprocess.run([sys.executable, "-m", "pushctl", *args], env=env, check=True)


def main() -> None:
    with LocalSynapse() as server:
        try:
            user = server.register("demo", "demo-password")
            login = server.login(user)
            print(f"Synapse is up on {server.base_url}; logged in as {user.user_id}")
            env = {
                **os.environ,
                "PUSHCTL_HOMESERVER": server.base_url,
                "PUSHCTL_ACCESS_TOKEN": login["access_token"],
            }
            for pushkey, device, app_id in (
                ("APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ", "Alice's Pixel",
                 "org.example.app.android"),
                ("Xp/MzCt8/9DcSNE9cuiaoT5Ac55job3TdLSSmtmYl4A=", "Alice's iPhone",
                 "org.example.app.ios"),
            ):  # fmt: skip
                pushctl(
                    "set", "--pushkey", pushkey, "--app-id", app_id,
                    "--app-display-name", "Example", "--device-display-name", device,
                    "--lang", "en", "--url", GATEWAY,
                    env=env,
                )  # fmt: skip
            pushctl("list", env=env)
        finally:
            server.remove()
    print("\nSynapse stopped and its data removed.")


if __name__ == "__main__":
    main()
