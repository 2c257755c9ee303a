"""Write completions/ from pushctl's own completion scripts; see scripts/gen-completions.

The text is what `pushctl completion SHELL` prints (both come from
pushctl.cli.completion.source), so a clone and a pip install get the same scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from pushctl.cli.completion import SCRIPT_FILES, source  # noqa: E402


def expected() -> dict[Path, str]:
    """Each completion file and the text pushctl generates for it now."""
    return {ROOT / name: source(shell) for shell, name in SCRIPT_FILES.items()}


def stale() -> list[Path]:
    """The completion files that are missing or differ from what pushctl generates."""
    return [
        path
        for path, text in expected().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        outdated = stale()
        for path in outdated:
            print(f"out of date: {path.relative_to(ROOT)} (run scripts/gen-completions)")
        return 1 if outdated else 0
    if argv:
        print("usage: scripts/gen-completions [--check]", file=sys.stderr)
        return 2
    for path, text in expected().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
