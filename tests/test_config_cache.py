"""The parsed Synapse configuration kept between runs, and what loading it costs.

Real files in a temporary directory; no server. Each test has its own
``XDG_CACHE_HOME`` (tests/conftest.py), so no cache leaks from one to another.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.accounts import clean_env


def imported_by(code: str, env: dict[str, str] | None = None) -> tuple[list[str], str]:
    """The modules of interest that *code* leaves in sys.modules, and what it printed."""
    probe = (
        f"{code}\nimport sys\n"
        "print(sorted(m for m in ('yaml', 'dataclasses', 'inspect') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    *printed, modules = result.stdout.splitlines()
    return json.loads(modules.replace("'", '"')), "\n".join(printed)


def test_config_and_database_modules_import_neither_yaml_nor_dataclasses(tmp_path: Path) -> None:
    code = "import pushctl.homeserver_host.config, pushctl.homeserver_host.database"
    modules, _ = imported_by(code, clean_env(tmp_path))
    assert modules == []
