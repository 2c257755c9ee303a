"""A terminal too narrow for a table gets the plain columns, whole, not a table of ``…``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.accounts import Account
from tests.test_terminal import lines_of, run_with_stdout_on_a_terminal

pytestmark = pytest.mark.synapse

KEYS = ["narrow-key-one", "narrow-key-two"]


@pytest.fixture
def two_pushers(account: Account) -> Account:
    for key in KEYS:
        account.add_pusher(pushkey=key, device_display_name=f"Phone {key[-3:]}")
    return account


@pytest.mark.parametrize("columns", [1, 2, 3, 4, 5, 6, 7, 20])
def test_list_below_a_usable_width_prints_the_plain_columns(
    two_pushers: Account, pushctl, home: Path, columns: int
) -> None:
    plain = pushctl("list", env=two_pushers.env()).stdout.splitlines()
    status, shown, errors = run_with_stdout_on_a_terminal(
        ["list"], two_pushers.env(COLUMNS=str(columns)), home
    )
    assert status == 0, errors
    assert lines_of(shown) == plain
    for key in KEYS:  # each pusher whole, on a line of its own
        assert len([line for line in plain if key in line]) == 1


def test_list_just_wide_enough_is_still_a_table(two_pushers: Account, home: Path) -> None:
    status, shown, errors = run_with_stdout_on_a_terminal(
        ["list"], two_pushers.env(COLUMNS="40"), home
    )
    assert status == 0, errors
    lines = lines_of(shown)
    assert len(lines) == 2 + len(KEYS) and set(lines[1]) == {"─"}  # header, rule, rows
    assert all(len(line) <= 40 for line in lines)


@pytest.mark.parametrize("columns", [1, 7, 20])
def test_status_below_a_usable_width_prints_label_and_value_lines(
    account: Account, pushctl, home: Path, columns: int
) -> None:
    status, shown, errors = run_with_stdout_on_a_terminal(
        ["status"], account.env(COLUMNS=str(columns)), home
    )
    assert status == 0, errors
    assert lines_of(shown) == pushctl("status", env=account.env()).stdout.splitlines()
