"""Shell completion: `pushctl completion SHELL`, the committed scripts, the README's
install lines, bash/zsh/fish answers, values from the cache.

The shells run the script as `pushctl completion SHELL` prints it; the committed
files in completions/ are checked to be the same text.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.gen_completions import stale
from tests.support import COMMANDS, ROOT
from tests.support.accounts import Account, clean_env, new_account

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


def in_shell(
    home: Path, command: list[str], extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run *command* in the clean environment where `pushctl` is the one under test."""
    return subprocess.run(
        command, env=shell_env(home, extra), capture_output=True, text=True, timeout=60
    )


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


#: press Tab in bash: the line is $1, the words of the line the rest
BASH_TAB = """
        line=$1; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        COMP_LINE=$line; COMP_POINT=${#line}
        _pushctl_completion pushctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\\n' "${COMPREPLY[@]}"
"""


def bash_complete(home: Path, line: str, words: list[str], **extra: str) -> list[str]:
    """Run the real bash completion function as bash does for *line* (split into *words*)."""
    driver = f"""
        script=$(pushctl completion bash) || exit 1
        eval "$script"
        {BASH_TAB}
    """
    result = in_shell(
        home, ["bash", "--norc", "--noprofile", "-c", driver, "bash", line, *words], extra
    )
    assert result.returncode == 0, result.stderr
    return [w for w in result.stdout.splitlines() if w]


#: zsh's completion system needs a terminal; stand-ins for the builtins the script calls
ZSH_STUBS = """
        compdef() { :; }
        _describe() { print -rl -- "${(@P)3}"; }
        compadd() { print -rl -- "${(@P)${@[-1]}}"; }
        _path_files() { print -r -- "files"; }
"""

needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed here")
needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed here")


def run_pushctl(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return in_shell(home, [str(BIN / "pushctl"), *args])


# -- pushctl completion SHELL, and the committed scripts -------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_committed_script(shell: str, home: Path) -> None:
    result = run_pushctl(home, "completion", shell)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == SCRIPTS[shell].read_text(encoding="utf-8")


def test_completion_of_an_unknown_shell_is_a_usage_error(home: Path) -> None:
    result = run_pushctl(home, "completion", "tcsh")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Invalid value for 'SHELL': 'tcsh' is not one of 'bash', 'zsh', 'fish'." in (
        result.stderr
    )
    missing = run_pushctl(home, "completion")
    assert missing.returncode == 2
    assert "Missing argument 'SHELL'" in missing.stderr


def test_tab_offers_the_shells_to_completion(home: Path) -> None:
    assert protocol(home, "bash", "pushctl completion ") == [
        "plain,bash",
        "plain,zsh",
        "plain,fish",
    ]
    assert protocol(home, "bash", "pushctl completion f") == ["plain,fish"]


LOADED_COMMANDS = """
import atexit, sys
from pushctl.cli import main

def report():
    loaded = sorted(name for name in sys.modules if name.startswith("pushctl.cli."))
    sys.__stderr__.write("loaded: " + " ".join(loaded) + "\\n")

atexit.register(report)
main(sys.argv[1:])
"""


def loaded_cli_modules(home: Path, args: list[str], **extra: str) -> list[str]:
    """The modules of pushctl.cli a run of pushctl *args* has loaded when it exits."""
    result = in_shell(home, [sys.executable, "-c", LOADED_COMMANDS, *args], extra)
    last = result.stderr.splitlines()[-1]
    assert last.startswith("loaded: "), result.stderr
    return last.split()[1:]


def test_the_completion_command_loads_only_when_named(home: Path) -> None:
    # the registry imports a command's module only for a command line that names it
    shell = "pushctl.cli.shell"
    assert shell not in loaded_cli_modules(home, ["--help"])
    assert shell not in loaded_cli_modules(home, ["--version"])
    assert shell not in loaded_cli_modules(home, ["list", "--help"])
    tab = {"_PUSHCTL_COMPLETE": "complete_bash", "_PUSHCTL_COMPLETE_LINE": "pushctl list --w"}
    assert shell not in loaded_cli_modules(home, [], **tab)
    assert shell in loaded_cli_modules(home, ["completion", "bash"])


def test_the_completion_command_imports_nothing_heavy(home: Path) -> None:
    from tests.test_startup import heavy, imported_modules

    modules, result = imported_modules(["completion", "bash"], home)
    assert result.returncode == 0, result.stderr[-2000:]
    assert heavy(modules) == []


def test_committed_completion_scripts_are_current() -> None:
    outdated = [str(path.relative_to(ROOT)) for path in stale()]
    assert outdated == [], f"run scripts/gen-completions to update {outdated}"


def test_bash_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(SCRIPTS["bash"])], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- the README's install lines ---------------------------------------------------

BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")
SHELL_COMMANDS = {
    "bash": ["bash", "--norc", "--noprofile", "-c"],
    "zsh": ["zsh", "-f", "-c"],
    "fish": ["fish", "--no-config", "-c"],
}


def readme_install_lines() -> dict[str, str]:
    """Each shell's install line in the README, from the block under "Shell completion"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Shell completion\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None
    lines: dict[str, str] = {}
    shell = ""
    for line in block.group(1).splitlines():
        if line.startswith("# ") and line.split()[1].rstrip(":") in SHELL_COMMANDS:
            shell = line.split()[1].rstrip(":")
        elif line and not line.startswith("#"):
            assert shell and shell not in lines, f"one line for each shell: {line}"
            lines[shell] = line
    assert set(lines) == set(SHELL_COMMANDS)
    return lines


def install_as_the_readme_says(home: Path, shell: str) -> None:
    line = readme_install_lines()[shell]
    result = in_shell(home, [*SHELL_COMMANDS[shell], line])
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not BASH_COMPLETION.exists(), reason="bash-completion is not installed here")
def test_bash_completion_loads_the_script_the_readme_installs(home: Path) -> None:
    install_as_the_readme_says(home, "bash")
    installed = home / ".local/share/bash-completion/completions/pushctl"
    assert installed.read_text(encoding="utf-8") == SCRIPTS["bash"].read_text(encoding="utf-8")
    # bash-completion's loader for commands without completion yet, as at the first Tab
    driver = f"""
        source {BASH_COMPLETION}
        loader=$(complete -p -D | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
        "$loader" pushctl
        complete -p pushctl >&2 || exit 1
        {BASH_TAB}
    """
    result = in_shell(
        home, ["bash", "--norc", "--noprofile", "-c", driver, "bash", "pushctl li", "pushctl", "li"]
    )
    assert result.returncode == 0, result.stderr
    assert "-F _pushctl_completion pushctl" in result.stderr
    assert result.stdout.split() == ["list"]


@needs_zsh
def test_zsh_autoloads_the_script_the_readme_installs(home: Path) -> None:
    install_as_the_readme_says(home, "zsh")
    driver = f"""
        {ZSH_STUBS}
        fpath=(~/.zfunc $fpath); autoload -Uz _pushctl
        words=(pushctl li); CURRENT=2; _pushctl
    """
    result = in_shell(home, ["zsh", "-f", "-c", driver])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["list:Show the pushers of the account."]


@needs_fish
def test_fish_autoloads_the_script_the_readme_installs(home: Path) -> None:
    install_as_the_readme_says(home, "fish")
    # with its configuration (an empty home's): fish then looks in ~/.config/fish/completions
    result = in_shell(home, ["fish", "-c", "complete -C'pushctl li'"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["list\tShow the pushers of the account."]


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


@needs_fish
def test_fish_completes_file_names_for_a_file_option(home: Path, tmp_path: Path) -> None:
    (tmp_path / "bundle.pem").write_text("")
    line = f"pushctl --ca-bundle {tmp_path}/bun"
    result = in_shell(
        home,
        ["fish", "--no-config", "-c", f"pushctl completion fish | source; complete -C'{line}'"],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{tmp_path}/bundle.pem"]


@needs_zsh
def test_zsh_script_describes_commands(home: Path) -> None:
    driver = f"""
        {ZSH_STUBS}
        script=$(pushctl completion zsh) || exit 1
        eval "$script"
        words=(pushctl li); CURRENT=2; _pushctl
        words=(pushctl list --w); CURRENT=3; _pushctl
        words=(pushctl --ca-bundle ''); CURRENT=3; _pushctl
    """
    result = in_shell(home, ["zsh", "-f", "-c", driver])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "list:Show the pushers of the account.",
        "--wide:Show full pushkeys.",
        "files",
    ]


@needs_fish
def test_fish_script_completes_commands(home: Path) -> None:
    result = in_shell(
        home,
        ["fish", "--no-config", "-c", "pushctl completion fish | source; complete -C'pushctl li'"],
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
    return home / ".cache" / "pushctl" / "pushers.json"


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
    work = "work.alice"
    colleague = new_account(listed.server, "work")  # a profile is an account: another one
    colleague.add_pusher(app_id="org.example.web", pushkey="web+key/2=")
    colleague.add_pusher(pushkey="work-key")
    assert pushctl("--profile", work, "list", env=colleague.env()).returncode == 0
    line = f"pushctl --profile {work} delete --pushkey w"
    assert sorted(bash_complete(home, line, line.split(" "))) == ["web+key/2=", "work-key"]
    assert protocol(home, "bash", "pushctl delete --pushkey w") == ["plain,web+key/2="]


def test_a_damaged_cache_offers_nothing_and_says_nothing(home: Path) -> None:
    path = cache_file(home)
    path.parent.mkdir(parents=True)
    path.write_text('{"format": 2, "listings": [{"pushers": [{"pushkey": 7}')
    path.chmod(0o600)
    assert protocol(home, "bash", "pushctl delete --pushkey ") == []


def test_a_cache_of_the_former_format_is_not_read(listed: Account, pushctl, home: Path) -> None:
    # kept per profile, not per account: whose pushers they were is not known
    old = cache_file(home).with_name("pushers-default.json")
    old.write_text(json.dumps({"format": 1, "account": "own", "pushers": [{"pushkey": "old"}]}))
    old.chmod(0o600)
    cache_file(home).unlink()
    assert protocol(home, "bash", "pushctl delete --pushkey ") == []
    assert pushctl("list", env=listed.env()).returncode == 0
    assert protocol(home, "bash", "pushctl delete --pushkey i") == ["plain,ios-key-1"]


def test_tab_offers_the_listing_of_the_user_on_the_line(
    admin: Account, pushctl, home: Path
) -> None:
    # one profile, two accounts listed: the admin's own, and alice's through --user
    alice = new_account(admin.server, "alice")
    alice.add_pusher(pushkey="alices-key")
    admin.add_pusher(pushkey="admins-key")
    assert pushctl("list", "--user", alice.user_id, env=admin.env()).returncode == 0
    assert pushctl("list", env=admin.env()).returncode == 0
    line = f"pushctl delete --user {alice.user_id} --pushkey "
    assert protocol(home, "bash", line) == ["plain,alices-key"]
    assert protocol(home, "bash", "pushctl delete --pushkey ") == ["plain,admins-key"]


def test_tab_no_longer_offers_a_pusher_pushctl_deleted(
    listed: Account, pushctl, home: Path
) -> None:
    result = pushctl(
        "delete", "--app-id", "org.example.ios", "--pushkey", "ios-key-1", env=listed.env()
    )
    assert result.returncode == 0, result.stderr
    assert protocol(home, "bash", "pushctl delete --pushkey ") == ["plain,web+key/2="]


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


def test_a_profile_given_after_the_command_chooses_the_listing(
    listed: Account, pushctl, home: Path
) -> None:
    colleague = new_account(listed.server, "work")  # a profile is an account: another one
    colleague.add_pusher(pushkey="work-key")
    assert pushctl("--profile", "work", "list", env=colleague.env()).returncode == 0
    for line in (
        "pushctl delete --profile work --pushkey wo",
        "pushctl delete --pushkey wo --profile work --app-id org.example.app.ios --pushkey wo",
        "pushctl --profile default delete --profile=work --pushkey wo",
    ):
        assert protocol(home, "bash", line) == ["plain,work-key"], line
    # the default profile's listing has no work-key; the last --profile wins
    assert (
        protocol(home, "bash", "pushctl --profile work delete --profile default --pushkey wo") == []
    )
    assert protocol(home, "bash", "pushctl delete --pushkey wo", PUSHCTL_PROFILE="work") == [
        "plain,work-key"
    ]
    line = "pushctl delete --profile default --pushkey wo"
    assert protocol(home, "bash", line, PUSHCTL_PROFILE="work") == []


def test_a_profile_after_the_command_chooses_the_listing_on_stock_typer_too(
    listed: Account, pushctl, home: Path
) -> None:
    # the public way of finding what each command on the line was given
    colleague = new_account(listed.server, "work")  # a profile is an account: another one
    colleague.add_pusher(pushkey="work-key")
    assert pushctl("--profile", "work", "list", env=colleague.env()).returncode == 0
    stock = {"PUSHCTL_STOCK_TYPER": "1"}
    for line, offered in (
        (
            "pushctl delete --pushkey wo --profile work --app-id org.example.app.ios --pushkey wo",
            ["plain,work-key"],
        ),
        ("pushctl --profile default delete --profile=work --pushkey wo", ["plain,work-key"]),
        ("pushctl --profile work delete --profile default --pushkey wo", []),
        ("pushctl --profile work delete --pushkey wo", ["plain,work-key"]),
    ):
        assert protocol(home, "bash", line, **stock) == offered, line
