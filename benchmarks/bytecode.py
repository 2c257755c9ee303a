"""An installed pushctl runs from bytecode, as pip compiled it at install; so do the benchmarks.

A source checkout under ``PYTHONDONTWRITEBYTECODE=1`` (which some shells and
CI images set) would compile every module it imports at every run: 60 ms of a
``fleet list`` that no installed copy pays. Each benchmark compiles pushctl
first, whatever the environment says.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pushctl"


def compile_pushctl() -> None:
    compileall.compile_dir(PACKAGE, quiet=1)
