"""The sdist and wheel: they build without deprecation warnings, pass ``twine check
--strict``, and carry the licence and the type information.

Built from a copy of the working tree in a temporary directory, so nothing
lands in the repository, and without build isolation: the build uses the
setuptools of the test environment (``build`` checks it meets
``build-system.requires``) and needs no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from pushctl import __version__
from tests.support import ROOT

#: what a fresh clone would not have: caches, virtual environments, earlier builds
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".cache",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "synapse-data",
)


@dataclass
class Built:
    sdist: Path
    wheel: Path
    output: str  # what `python -m build` printed, stdout and stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    source = tmp_path_factory.mktemp("source") / "pushctl"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    [sdist] = dist.glob("*.tar.gz")
    [wheel] = dist.glob("*.whl")
    return Built(sdist, wheel, output)


def wheel_names(built: Built) -> set[str]:
    with zipfile.ZipFile(built.wheel) as wheel:
        return set(wheel.namelist())


def wheel_metadata(built: Built) -> str:
    with zipfile.ZipFile(built.wheel) as wheel:
        return wheel.read(f"pushctl-{__version__}.dist-info/METADATA").decode()


def test_the_build_prints_no_deprecation_warning_about_our_metadata(built: Built) -> None:
    # setuptools stops building a deprecated licence table after 2027-02-18. Only
    # warnings about what this project declares count: a deprecation inside a
    # newer setuptools itself must not fail the suite.
    ours = re.compile(r"licen[cs]e|classifier|pyproject|project\.", re.I)
    warnings = [
        line
        for line in built.output.splitlines()
        if re.search("deprecat", line, re.I) and ours.search(line)
    ]
    assert warnings == [], built.output


def test_twine_check_strict_passes(built: Built) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(built.sdist), str(built.wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_wheel_carries_the_licence_and_type_information(built: Built) -> None:
    names = wheel_names(built)
    assert "pushctl/py.typed" in names
    licence = f"pushctl-{__version__}.dist-info/licenses/LICENSE"
    assert licence in names
    with zipfile.ZipFile(built.wheel) as wheel:
        assert wheel.read(licence) == (ROOT / "LICENSE").read_bytes()


def test_the_metadata_states_the_licence_as_an_spdx_expression(built: Built) -> None:
    headers = wheel_metadata(built).split("\n\n", 1)[0].splitlines()
    assert "License-Expression: Apache-2.0" in headers
    assert "License-File: LICENSE" in headers
    assert not [h for h in headers if h.startswith(("License:", "Classifier: License"))]


def test_the_wheel_prints_the_completion_scripts_itself(built: Built) -> None:
    # the scripts are not package data: `pushctl completion SHELL` generates them
    names = wheel_names(built)
    assert {"pushctl/cli/completion.py", "pushctl/cli/shell.py"} <= names
    assert not [name for name in names if name.startswith("completions/")]


def test_the_sdist_carries_the_licence_and_type_information(built: Built) -> None:
    top = f"pushctl-{__version__}"
    with tarfile.open(built.sdist) as sdist:
        names = set(sdist.getnames())
    assert {f"{top}/LICENSE", f"{top}/pushctl/py.typed", f"{top}/README.md"} <= names


def test_the_licence_is_the_apache_license_2_0() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text
