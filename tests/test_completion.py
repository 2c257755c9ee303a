"""Shell completion: the committed scripts, bash/zsh/fish answers, values from the cache."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.gen_completions import stale
from tests.support import COMMANDS, ROOT
from tests.support.accounts import Account, clean_env

BIN = Path(sys.executable).parent
SCRIPTS = {
    "bash": ROOT / "completions" / "pushctl.bash",
    "zsh": ROOT / "completions" / "_pushctl",
    "fish": ROOT / "completions" / "pushctl.fish",
}


def shell_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment in which `pushctl` is the one under test."""
    env = clean_env(home, extra)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def protocol(home: Path, shell: str, line: str, **extra: str) -> list[str]:
    """pushctl's answer to one completion request, as the shell scripts make it."""
    env = shell_env(home, {"_PUSHCTL_COMPLETE": f"complete_{shell}", **extra})
    env["_PUSHCTL_COMPLETE_LINE"] = line
    result = subprocess.run(
        [str(BIN / "pushctl")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]


def bash_complete(home: Path, line: str, words: list[str], **extra: str) -> list[str]:
    """Run the real bash completion function as bash does for *line* (split into *words*)."""
    driver = """
        source "$1"; line=$2; shift 2
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        COMP_LINE=$line; COMP_POINT=${#line}
        _pushctl_completion pushctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\\n' "${COMPREPLY[@]}"
    """
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", driver, "bash", str(SCRIPTS["bash"]), line, *words],
        env=shell_env(home, extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [w for w in result.stdout.splitlines() if w]


# -- the committed scripts -----------------------------------------------------


def test_committed_completion_scripts_are_current() -> None:
    outdated = [str(path.relative_to(ROOT)) for path in stale()]
    assert outdated == [], f"run scripts/gen-completions to update {outdated}"


def test_bash_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(SCRIPTS["bash"])], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- commands and options ------------------------------------------------------


def test_bash_completes_li_to_list(home: Path) -> None:
    assert bash_complete(home, "pushctl li", ["pushctl", "li"]) == ["list"]


def test_protocol_offers_list_for_li(home: Path) -> None:
    assert protocol(home, "bash", "pushctl li") == ["plain,list"]


def test_bash_offers_every_command_in_order(home: Path) -> None:
    offered = bash_complete(home, "pushctl ", ["pushctl", ""])
    assert offered == COMMANDS


def test_bash_completes_options_of_the_command(home: Path) -> None:
    assert bash_complete(home, "pushctl list --w", ["pushctl", "list", "--w"]) == ["--wide"]
    offered = bash_complete(
        home, "pushctl --verbose delete --", ["pushctl", "--verbose", "delete", "--"]
    )
    assert {"--app-id", "--pushkey", "--yes", "--dry-run"} <= set(offered)


def test_fish_answer_carries_help(home: Path) -> None:
    assert protocol(home, "fish", "pushctl li") == ["plain,list\tShow the pushers of the account."]


def test_files_complete_where_a_file_is_wanted_and_only_there(home: Path) -> None:
    # bash, zsh and fish then complete file names themselves
    assert protocol(home, "bash", "pushctl --ca-bundle /etc/ss") == ["file,/etc/ss"]
    assert protocol(home, "zsh", "pushctl --ca-bundle=") == ["file", "_"]  # value: ""
    assert protocol(home, "bash", "pushctl list ") == []
    assert protocol(home, "bash", "pushctl --timeout ") == []


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed here")
def test_fish_completes_file_names_for_a_file_option(home: Path, tmp_path: Path) -> None:
    (tmp_path / "bundle.pem").write_text("")
    line = f"pushctl --ca-bundle {tmp_path}/bun"
    result = subprocess.run(
        ["fish", "--no-config", "-c", f"source {SCRIPTS['fish']}; complete -C'{line}'"],
        env=shell_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{tmp_path}/bundle.pem"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed here")
def test_zsh_script_describes_commands(home: Path) -> None:
    # zsh's completion system needs a terminal; stand in for the builtins it would call
    driver = """
        compdef() { :; }
        _describe() { print -rl -- "${(@P)3}"; }
        compadd() { print -rl -- "${(@P)${@[-1]}}"; }
        _path_files() { print -r -- "files"; }
        source "$1"
        words=(pushctl li); CURRENT=2; _pushctl
        words=(pushctl list --w); CURRENT=3; _pushctl
        words=(pushctl --ca-bundle ''); CURRENT=3; _pushctl
    """
    result = subprocess.run(
        ["zsh", "-f", "-c", driver, "zsh", str(SCRIPTS["zsh"])],
        env=shell_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "list:Show the pushers of the account.",
        "--wide:Show full pushkeys.",
        "files",
    ]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed here")
def test_fish_script_completes_commands(home: Path) -> None:
    result = subprocess.run(
        ["fish", "--no-config", "-c", f"source {SCRIPTS['fish']}; complete -C'pushctl li'"],
        env=shell_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["list\tShow the pushers of the account."]


# -- values from the cache of the last listing ------------------------------------


@pytest.fixture
def listed(account: Account, pushctl, home: Path) -> Account:
    """An account with two pushers of different apps, listed once with pushctl."""
    account.add_pusher(app_id="org.example.ios", pushkey="ios-key-1", device_display_name="Pixel")
    account.add_pusher(app_id="org.example.web", pushkey="web+key/2=", device_display_name="Web")
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    return account


def cache_file(home: Path) -> Path:
    return home / ".cache" / "pushctl" / "pushers-default.json"


def test_listing_writes_a_private_cache_without_the_token(listed: Account, home: Path) -> None:
    path = cache_file(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert listed.token not in text
    assert "ios-key-1" in text and "web+key/2=" in text


def test_a_later_listing_makes_a_loosened_cache_private_again(
    listed: Account, pushctl, home: Path
) -> None:
    path = cache_file(home)
    path.chmod(0o644)
    assert pushctl("list", "--json", env=listed.env()).returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_pushkeys_complete_from_the_last_listing(listed: Account, home: Path) -> None:
    offered = bash_complete(
        home, "pushctl delete --pushkey ", ["pushctl", "delete", "--pushkey", ""]
    )
    assert sorted(offered) == ["ios-key-1", "web+key/2="]
    assert sorted(p["pushkey"] for p in listed.pushers()) == sorted(offered)


def test_pushkeys_narrow_to_the_app_id_given(listed: Account, home: Path) -> None:
    line = "pushctl delete --app-id org.example.web --pushkey "
    offered = bash_complete(home, line, line.split(" "))
    assert offered == ["web+key/2="]


def test_app_ids_complete_also_after_an_equals_sign(listed: Account, home: Path) -> None:
    words = ["pushctl", "set", "--app-id", "=", "org.example.i"]
    assert bash_complete(home, "pushctl set --app-id=org.example.i", words) == ["org.example.ios"]
    zsh_answer = protocol(home, "zsh", "pushctl set --app-id=org.example.i")
    assert zsh_answer == ["plain", "--app-id=org.example.ios", "Example"]


def test_fish_describes_pushkeys_by_device(listed: Account, home: Path) -> None:
    answer = protocol(home, "fish", "pushctl delete --pushkey ios")
    assert answer == ["plain,ios-key-1\tPixel (org.example.ios)"]


def test_tab_never_contacts_the_homeserver(listed: Account, home: Path) -> None:
    # a homeserver that cannot exist, and no token: the answer still comes from the cache
    offered = bash_complete(
        home,
        "pushctl delete --pushkey ios",
        ["pushctl", "delete", "--pushkey", "ios"],
        PUSHCTL_HOMESERVER="https://pushctl-completion.invalid",
    )
    assert offered == ["ios-key-1"]


def test_each_profile_completes_its_own_listing(listed: Account, pushctl, home: Path) -> None:
    line = "pushctl --profile other delete --pushkey "
    assert bash_complete(home, line, line.split(" ")) == []
    assert protocol(home, "bash", "pushctl delete --pushkey ", PUSHCTL_PROFILE="other") == []
    listed.add_pusher(pushkey="work-key")
    work = "work.alice"
    assert pushctl("--profile", work, "list", env=listed.env()).returncode == 0
    line = f"pushctl --profile {work} delete --pushkey w"
    assert sorted(bash_complete(home, line, line.split(" "))) == ["web+key/2=", "work-key"]
    assert protocol(home, "bash", "pushctl delete --pushkey w") == ["plain,web+key/2="]


def test_a_damaged_cache_offers_nothing_and_says_nothing(home: Path) -> None:
    path = cache_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('{"format": 1, "pushers": [{"pushkey": 7}')
    path.chmod(0o600)
    assert protocol(home, "bash", "pushctl delete --pushkey ") == []


def test_a_listing_still_works_when_the_cache_cannot_be_written(
    account: Account, pushctl, home: Path
) -> None:
    account.add_pusher(pushkey="key-a")
    blocker = home / "not-a-directory"
    blocker.write_text("")
    result = pushctl("list", "--json", env=account.env(XDG_CACHE_HOME=str(blocker)))
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in json.loads(result.stdout)] == ["key-a"]
    assert result.stderr == ""
