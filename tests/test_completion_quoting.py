"""Completion inserts data, never code: real bash, zsh and fish, typed into on a terminal.

Whoever registers a pusher chooses its pushkey. Tab offers it from the cache
of the last listing; pressing Tab then Enter must hand pushctl exactly that
pushkey, whatever it holds, and run nothing else.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pushctl.cli.completion import Answer, bash_replacements
from pushctl.cli.shellwords import bash_quote, lex
from tests.support.accounts import Account
from tests.support.typing import Terminal
from tests.test_completion import bash_complete, protocol, shell_env

SHELLS = [
    pytest.param(shell, marks=pytest.mark.skipif(not shutil.which(shell), reason=f"no {shell}"))
    for shell in ("bash", "zsh", "fish")
]


def hostile_pushkeys(marker: Path) -> dict[str, tuple[str, str]]:
    """app ID → (pushkey, what is typed of it before Tab); each touches *marker* if run."""
    return {
        "org.example.subst": (f"$(touch${{IFS}}{marker})", ""),
        "org.example.quoted": (f"$(touch${{IFS}}{marker}) '!'", "'$(to"),
        "org.example.backtick": (f"`touch {marker}` a'b\"c\\d!#*?[x]{{y,z}};|&<>", '"'),
        "org.example.tilde": ("~root -x é 中", ""),
        "org.example.dash": ("-dash=k:v w", "-dash=k"),
    }


@pytest.fixture
def hostile(account: Account, pushctl, home: Path, tmp_path: Path) -> dict[str, tuple[str, str]]:
    """An account whose pushers have hostile pushkeys, listed once with pushctl."""
    keys = hostile_pushkeys(tmp_path / "marker")
    for app_id, (pushkey, _) in keys.items():
        account.add_pusher(app_id=app_id, pushkey=pushkey)
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    return keys


@pytest.mark.parametrize("shell", SHELLS)
def test_tab_then_enter_hands_pushctl_the_exact_pushkey_and_runs_nothing(
    shell: str, hostile: dict[str, tuple[str, str]], account: Account, home: Path, tmp_path: Path
) -> None:
    terminal = Terminal(shell, shell_env(home, account.env()))
    try:
        for app_id, (_, typed) in hostile.items():
            terminal.tab(f"pushctl delete --yes --app-id {app_id} --pushkey {typed}")
            terminal.enter()
    finally:
        terminal.close()
    assert not (tmp_path / "marker").exists(), "a pushkey ran as a command"
    # pushctl deleted each pusher by its exact pushkey: it received each one whole
    left = {p["app_id"]: p["pushkey"] for p in account.pushers()}
    assert left == {}, terminal.shown.decode(errors="replace")[-6000:]


def test_bash_replies_are_quoted_for_where_readline_puts_them(
    hostile: dict[str, tuple[str, str]], home: Path
) -> None:
    key = hostile["org.example.subst"][0]
    line = "pushctl delete --app-id org.example.subst --pushkey "
    # readline's text ($2) is the end of the word: here empty
    offered = bash_complete(home, line, [*line.split(" ")[:-1], ""])
    assert offered == [bash_quote(key)]
    assert offered[0].startswith("\\$\\(touch\\$\\{IFS\\}")
    # after an open quote readline replaces what follows the quote, and closes it
    answer = protocol(home, "bash", line + "'$(to", _PUSHCTL_COMPLETE_WORD="$(to")
    assert answer == ["plain," + key]


@pytest.mark.parametrize(
    ("line", "word", "value", "inserted"),
    [
        ("p --pushkey ", "", "a b", "a\\ b"),
        ("p --pushkey 'a", "a", "a'b c", "a'\\''b c"),
        ("p --pushkey 'a", "a", "a'", "a'\\'''"),
        ('p --pushkey "a', "a", 'a$`"\\!', 'a\\$\\`\\"\\\\"\'!\'""'),
        ('p --pushkey "a', "a", 'a"', 'a\\""'),
        ("p --pushkey k=", "", "k=v$", "v\\$"),
        ("p --pushkey a\\ b:", "", "a b:c d", "c\\ d"),
        ("p --app-id=org", "org", "--app-id=org.x~", "org.x\\~"),
    ],
)
def test_bash_reply_is_the_rest_of_the_value_after_the_text_before_readlines(
    line: str, word: str, value: str, inserted: str
) -> None:
    (reply,) = bash_replacements([Answer("plain", value)], line, word)
    assert reply.value == inserted
    # what bash makes of the line once readline has inserted the reply and closed the
    # quote (which it does only when the reply does not end in it)
    _, quote = lex(line[: len(line) - len(word)])
    closing = "" if inserted.endswith(quote) else quote
    words, still_open = lex(line[: len(line) - len(word)] + inserted + closing)
    assert (words[-1], still_open) == (value, "")


def test_values_with_blanks_and_leading_dashes_are_offered(
    hostile: dict[str, tuple[str, str]], home: Path
) -> None:
    answer = protocol(home, "zsh", "pushctl delete --pushkey -da")
    assert answer == ["plain", "-dash=k\\:v w", "Phone (org.example.dash)"]  # for _describe
    answer = protocol(home, "fish", "pushctl delete --pushkey '~ro")
    assert answer == ["plain,~root -x é 中\tPhone (org.example.tilde)"]
