"""The demo behind scripts/demo: pushctl against a throwaway local Synapse."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from tests.support.localsynapse import LocalSynapse

GATEWAY = "https://push.example.org/_matrix/push/v1/notify"


def pushctl(*args: str, env: dict[str, str], expect: int = 0) -> None:
    shown = [a if len(a) <= 60 else f"{a[:12]}…({len(a)} characters)" for a in args]
    print(f"\n$ pushctl {shlex.join(shown)}", flush=True)
    result = subprocess.run([sys.executable, "-m", "pushctl", *args], env=env)
    if result.returncode != expect:
        raise SystemExit(f"demo: pushctl exited {result.returncode}, expected {expect}")
    if expect:
        print(f"(exit {result.returncode}: refused before anything was sent)")


def main() -> None:
    with LocalSynapse() as server:  # removes its data directory on the way out
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
        # the homeserver would store this; pushctl refuses it locally
        pushctl(
            "set", "--pushkey", "x" * 600, "--app-id", "org.example.app.ios",
            "--app-display-name", "Example", "--device-display-name", "Broken",
            "--lang", "en", "--url", "https://push.example.org/notify",
            env=env, expect=3,
        )  # fmt: skip
    print("\nSynapse stopped and its data removed.")


if __name__ == "__main__":
    main()
