"""``export -o PATH`` writes where a shell's ``>`` would, and never leaves half a file.

A link is followed, a device or a named pipe is written through, a regular
file is replaced whole and keeps its permissions, and a failure leaves no
temporary file with pushkeys behind.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
import yaml

from tests.support.accounts import Account, assert_clean_failure

pytestmark = pytest.mark.synapse


def exported_keys(text: str) -> set[str]:
    return {entry["pushkey"] for entry in yaml.safe_load(text)["pushers"]}


@pytest.fixture
def with_pusher(account: Account) -> Account:
    account.add_pusher(pushkey="exported-key")
    return account


def test_a_symlink_is_followed_and_stays_a_link(with_pusher: Account, pushctl, tmp_path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    result = pushctl("export", "-o", str(link), env=with_pusher.env())
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert exported_keys(target.read_text()) == {"exported-key"}


def test_a_named_pipe_is_written_through(with_pusher: Account, pushctl, tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = pushctl("export", "-o", str(fifo), env=with_pusher.env())
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the pipe must stay a pipe"
    assert exported_keys(received[0]) == {"exported-key"}


def test_a_character_device_is_written_through(with_pusher: Account, pushctl, tmp_path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node (a copy of /dev/null) needs root")
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    result = pushctl("export", "-o", str(null), env=with_pusher.env())
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(null.lstat().st_mode), "the device must stay a device"


def test_an_existing_file_keeps_its_permissions(with_pusher: Account, pushctl, tmp_path) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    result = pushctl("export", "-o", str(path), env=with_pusher.env())
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert exported_keys(path.read_text()) == {"exported-key"}


def test_a_new_file_is_private(with_pusher: Account, pushctl, tmp_path) -> None:
    path = tmp_path / "new.yaml"
    assert pushctl("export", "-o", str(path), env=with_pusher.env()).returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_a_failed_export_leaves_nothing_behind(
    with_pusher: Account, pushctl, tmp_path: Path, where: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder if where == "directory" else folder / "no-such-dir" / "p.yaml"
    result = pushctl("export", "-o", str(path), env=with_pusher.env())
    assert_clean_failure(result, 1)
    assert str(path) in result.stderr
    beside = [p for p in tmp_path.iterdir() if p.name not in ("out", "home")]
    assert list(folder.rglob("*")) + beside == [], "a temporary file was left behind"
