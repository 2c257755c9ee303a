"""Shell completion for bash, zsh and fish.

The scripts in ``completions/`` are small and generic: at each Tab they run
``pushctl`` with ``_PUSHCTL_COMPLETE=complete_<shell>`` and the command line up
to the cursor in ``_PUSHCTL_COMPLETE_LINE``. pushctl answers from its own
commands and options (so new ones complete without regenerating the scripts),
and for ``--app-id`` and ``--pushkey`` from the private cache of the last
``pushctl list`` (:mod:`pushctl.pushers.listing_cache`). Tab never touches the network
and never imports requests, keyring, yaml or rich.

:func:`pushctl.cli.scripts.source` makes each script: ``pushctl completion bash`` prints it
(:mod:`pushctl.cli.shell`), ``scripts/gen-completions`` writes it to
``completions/``, and ``_PUSHCTL_COMPLETE=source_bash pushctl`` prints it too.

Each answer line is ``TYPE,VALUE`` (bash), ``TYPE,VALUE<TAB>HELP`` (fish) or
the three lines ``TYPE``, ``VALUE``, ``HELP`` (zsh); ``TYPE`` is ``plain``,
``file`` or ``dir``. For zsh and fish a value is the whole shell word, unquoted
(``--app-id=org.ex`` completes to ``--app-id=org.example.app``): both shells
quote what they insert. bash inserts a reply as it is, in place of the text
readline completes (``$2``: after an open quote, after ``=`` or ``:``), so for
bash pushctl answers with that text already quoted for where it goes
(:func:`bash_replacements`): a pushkey is data whoever registered the pusher
chose, and must never become shell code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import typer

from pushctl.accounts.settings import DEFAULT_PROFILE
from pushctl.cli import compat
from pushctl.cli.common import settings
from pushctl.cli.scripts import (  # the names pushctl.cli and scripts/ use from here
    COMPLETE_VAR as COMPLETE_VAR,
)
from pushctl.cli.scripts import LINE_VAR as LINE_VAR
from pushctl.cli.scripts import PROG_NAME as PROG_NAME
from pushctl.cli.scripts import SCRIPT_FILES as SCRIPT_FILES
from pushctl.cli.scripts import WORD_VAR
from pushctl.cli.scripts import source as source
from pushctl.cli.shellwords import bash_quote, lex
from pushctl.cli.shellwords import split_line as split_line  # for pushctl.cli
from pushctl.errors import PushctlError
from pushctl.output.environment import Environment
from pushctl.pushers import listing_cache

if TYPE_CHECKING:
    from pushctl.acting.target import Target

SHELLS = ("bash", "zsh", "fish")


class Answer(NamedTuple):
    """One completion: ``type`` is plain, file or dir; ``help`` is shown by zsh and fish."""

    type: str
    value: str
    help: str | None = None


def respond(command: Any, instruction: str, line: str, env: Environment) -> int:
    """Answer ``_PUSHCTL_COMPLETE=<instruction>`` for the click *command*; the exit status.

    ``complete_<shell>`` answers for *line*; ``source_<shell>`` prints the script.
    """
    if "_" not in instruction:
        env.stderr.write("Invalid completion instruction.\n")
        return 1
    action, _, shell = instruction.partition("_")
    if shell not in SHELLS:
        env.stderr.write(f"Shell {shell} not supported.\n")
        return 1
    if action == "source":
        env.stdout.write(source(shell))
        return 0
    if action != "complete":
        env.stderr.write(f'Completion instruction "{action}" not supported.\n')
        return 1
    answers = complete(command, line, with_help=shell != "bash")
    if shell == "bash":
        answers = bash_replacements(answers, line, env.environ.get(WORD_VAR))
    env.stdout.write("\n".join(_FORMATS[shell](answer) for answer in answers) + "\n")
    return 0


def bash_replacements(answers: list[Answer], line: str, word: str | None) -> list[Answer]:
    """*answers* as bash must insert them: each value as the replacement of *word*.

    bash puts a reply in place of *word* (readline's text: the end of the last
    shell word, after an open quote or a ``=`` or ``:``) and, for a single
    reply that does not end in it, closes the open quote. So a reply is the
    rest of the value after what the line already holds before *word*, quoted
    for the quote open there. Without *word* (a script from before it was
    passed), values are whole words, quoted.
    """
    if word is None or not line.endswith(word):
        before, quote = "", ""
    else:
        words, quote = lex(line[: len(line) - len(word)])
        before = words[-1]
    replies = []
    for answer in answers:
        if answer.type != "plain":
            replies.append(answer)
        elif answer.value.startswith(before):
            reply = bash_quote(answer.value[len(before) :], quote)
            if quote and reply[-1:] in ("", quote):
                # readline closes the quote only when the reply does not end in one
                reply += quote
            replies.append(answer._replace(value=reply))
    return replies


def complete(command: Any, line: str, with_help: bool = True) -> list[Answer]:
    """The answers for *line*, each a whole shell word (``--app-id=org.ex...``)."""
    words, _ = lex(line)
    args, incomplete = words[1:-1], words[-1] if len(words) > 1 else ""
    answers = []
    for kind, value, help_text in candidates(command, args, incomplete):
        if not value.isprintable():
            continue  # would break the line protocol, and cannot be seen in a menu
        shown = _one_line(help_text) if with_help and help_text else None
        answers.append(Answer(kind, value, shown or None))
    return answers


def candidates(command: Any, args: list[str], incomplete: str) -> list[Answer]:
    """What click offers after *args*, each a whole word (``--app-id=org.ex...``); file
    names where a file is wanted and nothing else is."""
    ctx = _resolve_context(command, args)
    target, incomplete, prefix = _resolve_incomplete(ctx, list(args), incomplete)
    offered = [
        Answer(
            item.type, prefix + str(item.value) if item.type == "plain" else item.value, item.help
        )
        for item in target.shell_complete(ctx, incomplete)
    ]
    if not offered and _is_parameter(target) and wants_a_path(target):
        return [Answer("dir" if _shown_as(target) == "DIR" else "file", incomplete)]
    return offered


# The walk below is click's own (``click.shell_completion``), written against
# the public methods of click's commands, contexts and parameters.


def _resolve_context(command: Any, args: list[str]) -> Any:
    """The context of the innermost command *args* name, parsed without running anything."""
    with command.make_context(PROG_NAME, list(args), resilient_parsing=True) as ctx:
        rest = _positional(ctx, args)
        while rest and hasattr(ctx.command, "resolve_command"):  # a group: the next command
            name, subcommand, rest = ctx.command.resolve_command(ctx, rest)
            if subcommand is None:
                return ctx
            with subcommand.make_context(
                name, list(rest), parent=ctx, resilient_parsing=True
            ) as ctx:
                rest = _positional(ctx, rest)
    return ctx


def _positional(ctx: Any, args: list[str]) -> list[str]:
    """What is left of *args* once the options of *ctx*'s command are taken out.

    A ``--profile`` given at this level (also after the command, where it is a
    hidden copy that applies itself only when the command runs) is kept for
    :func:`_cached_pushers`: the last one on the line wins, as when it runs.
    """
    source = ctx.get_parameter_source("profile")
    profile = ctx.params.get("profile")
    if getattr(source, "name", None) == "COMMANDLINE" and isinstance(profile, str):
        ctx.meta[_PROFILE_KEY] = profile
    return compat.leftover_args(ctx, args)


def _resolve_incomplete(ctx: Any, args: list[str], incomplete: str) -> tuple[Any, str, str]:
    """The command or parameter that completes *incomplete*, the text it completes, and
    what goes before each answer to make the whole word (``--app-id=``)."""
    params = ctx.command.get_params(ctx)
    for param in params:
        if _wants_a_value(args, param):
            return param, incomplete, ""  # even "-x...": a value may start with a dash
    if "=" in incomplete and incomplete.startswith("-"):
        name, _, value = incomplete.partition("=")
        for param in params:
            if _wants_a_value([*args, name], param):
                return param, value, name + "="
    if "--" not in args and incomplete.startswith("-"):
        return ctx.command, incomplete, ""  # an option's name
    for param in params:
        if _argument_still_open(ctx, param):
            return param, incomplete, ""
    return ctx.command, incomplete, ""  # a command's name


def _wants_a_value(args: list[str], param: Any) -> bool:
    """An option whose name ends *args*, still waiting for its value."""
    if param.param_type_name != "option" or param.is_flag or param.count:
        return False
    for index, arg in enumerate(reversed(args)):
        if index + 1 > param.nargs:
            return False
        if arg.startswith("-"):
            return arg in param.opts
    return False


def _argument_still_open(ctx: Any, param: Any) -> bool:
    if param.param_type_name != "argument":
        return False
    value = ctx.params.get(param.name)
    source = getattr(ctx.get_parameter_source(param.name), "name", None)
    return bool(
        param.nargs == -1
        or source != "COMMANDLINE"
        or (param.nargs > 1 and isinstance(value, tuple | list) and len(value) < param.nargs)
    )


def _is_parameter(target: Any) -> bool:
    return hasattr(target, "param_type_name")


def _shown_as(param: Any) -> str:
    return str(param.metavar or "").upper()


def wants_a_path(param: Any) -> bool:
    """A positional argument, or an option shown as FILE, DIR or PATH."""
    return param.param_type_name == "argument" or _shown_as(param) in ("FILE", "DIR", "PATH")


def _one_line(text: str) -> str:
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())


def _bash(answer: Answer) -> str:
    return f"{answer.type},{answer.value}"


def _zsh(answer: Answer) -> str:
    if not answer.help:
        return f"{answer.type}\n{answer.value}\n_"
    # _describe splits value and help at the first unescaped colon, and unescapes the value
    value = answer.value.replace("\\", "\\\\").replace(":", "\\:")
    return f"{answer.type}\n{value}\n{answer.help}"


def _fish(answer: Answer) -> str:
    line = f"{answer.type},{answer.value}"
    return f"{line}\t{answer.help}" if answer.help else line


_FORMATS = {"bash": _bash, "zsh": _zsh, "fish": _fish}


# -- values from the cache of the last listing ---------------------------------


_PROFILE_KEY = "pushctl.completion.profile"


def _cached_pushers(ctx: typer.Context) -> list[dict[str, str]]:
    """The listing of the line's ``--user``, else of the profile's own account."""
    # the line's last --profile, else the root's (which has PUSHCTL_PROFILE)
    profile = ctx.meta.get(_PROFILE_KEY) or ctx.find_root().params.get("profile")
    profile = profile or DEFAULT_PROFILE
    user = ctx.params.get("user")
    return listing_cache.recall(str(profile), user if isinstance(user, str) else None)


def complete_app_id(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """App IDs of the last listing (of the pushkey given, if one is), with app names."""
    pushkey = ctx.params.get("pushkey")
    found: dict[str, str] = {}
    for pusher in _cached_pushers(ctx):
        app_id = pusher.get("app_id", "")
        if app_id.startswith(incomplete) and pushkey in (None, pusher["pushkey"]):
            found.setdefault(app_id, pusher.get("app_display_name", ""))
    return list(found.items())


def complete_pushkey(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Pushkeys of the last listing (of the app ID given, if one is), with device names."""
    app_id = ctx.params.get("app_id")
    found: dict[str, str] = {}
    for pusher in _cached_pushers(ctx):
        pushkey = pusher["pushkey"]
        if pushkey.startswith(incomplete) and app_id in (None, pusher.get("app_id")):
            found.setdefault(pushkey, _describe_device(pusher))
    return list(found.items())


def _describe_device(pusher: dict[str, str]) -> str:
    device = pusher.get("device_display_name", "")
    app_id = pusher.get("app_id", "")
    return f"{device} ({app_id})" if device else app_id


def remember_listing(ctx: typer.Context, where: Target, pushers: Iterable[dict[str, Any]]) -> None:
    """Keep the listing of *where*'s account for Tab and for ``doctor``.

    A cache that cannot be written is only traced.
    """
    current = settings(ctx)
    own = None if where.user_id else current.profile
    try:
        user_id = where.account_id()
        listing_cache.remember(
            where.client.homeserver, user_id, pushers, current.environ, profile=own
        )
    except (OSError, PushctlError) as exc:
        import logging

        logging.getLogger("pushctl.completion").info("cannot write the completion cache: %s", exc)
