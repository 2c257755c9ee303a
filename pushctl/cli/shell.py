"""``pushctl completion SHELL``: the Tab completion script, from the installed package.

A pip or pipx install has no ``completions/`` folder; this command prints the
same script (:func:`pushctl.cli.completion.source`, which
``scripts/gen-completions`` writes there too).
"""

from __future__ import annotations

from typing import Annotated

import typer

from pushctl.cli.common import environment
from pushctl.cli.completion import SHELLS, source


def _check_shell(value: str) -> str:
    # a plain string rather than an Enum: Typer would convert an Enum through pydantic
    if value not in SHELLS:
        listed = ", ".join(repr(shell) for shell in SHELLS)
        raise typer.BadParameter(f"{value!r} is not one of {listed}.")
    return value


def _offer_shells(incomplete: str) -> list[str]:
    return [shell for shell in SHELLS if shell.startswith(incomplete)]


ShellArgument = Annotated[
    str,
    typer.Argument(
        metavar="SHELL",
        help="bash, zsh or fish.",
        callback=_check_shell,
        autocompletion=_offer_shells,
        show_default=False,
    ),
]


def completion_command(ctx: typer.Context, shell: ShellArgument) -> None:
    """Print the Tab completion script for bash, zsh or fish.

    \b
    Install it once for your shell:
      bash: pushctl completion bash > ~/.local/share/bash-completion/completions/pushctl
      zsh:  pushctl completion zsh > ~/.zfunc/_pushctl   (~/.zfunc in $fpath before compinit)
      fish: pushctl completion fish > ~/.config/fish/completions/pushctl.fish
    """
    environment(ctx).write(source(shell))
