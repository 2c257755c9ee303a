"""The Typer application: global options and the commands of the registry.

Commands live in one module per group (see :mod:`pushctl.cli.registry`); each
parses its flags, calls the core and renders. A run imports and builds only the
commands its command line names (:func:`make_app`: importing and building all
eleven takes about 22 ms, as long as a fifth of ``import typer``; the app with
none built, 2 ms), and heavy modules (requests, keyring, yaml, rich tables) are
imported inside the commands. So ``--version``, ``--help`` and Tab completion
stay within a few milliseconds of ``python -c "import typer"``
(benchmarks/startup_and_list.py).

Only Typer's public API is used here; what Typer does not promise is in
:mod:`pushctl.cli.compat`.
"""

# No ``from __future__ import annotations`` here: Typer reads the root options'
# annotations on every run, and strings cost more to evaluate each time.

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import typer

from pushctl import __version__
from pushctl.accounts.settings import (
    DEFAULT_PROFILE,
    ENV_HOMESERVER,
    MAX_TIMEOUT,
    MIN_TIMEOUT,
    Settings,
)
from pushctl.cli import compat, completion, registry
from pushctl.cli.common import environment, setup_verbose
from pushctl.cli.compat import click_command
from pushctl.cli.completion import PROG_NAME
from pushctl.errors import ExitStatus
from pushctl.output.environment import Environment


def _show_version(ctx: typer.Context, value: bool) -> None:
    if value:
        environment(ctx).write(f"pushctl {__version__}\n")
        raise typer.Exit()


# how each global option was made, to make its hidden copy taken after the command
_GLOBAL_OPTIONS: dict[int, tuple[tuple[Any, ...], dict[str, Any]]] = {}


def _global_option(*names: Any, **settings: Any) -> Any:
    """``typer.Option(*names, **settings)``, remembered for :func:`_late_global_options`."""
    option = typer.Option(*names, **settings)
    _GLOBAL_OPTIONS[id(option)] = (names, settings)
    return option


def root(
    ctx: typer.Context,
    homeserver: Annotated[
        str | None,
        _global_option(
            "--homeserver", metavar="URL", envvar=ENV_HOMESERVER, help="Homeserver base URL."
        ),
    ] = None,
    profile: Annotated[
        str,
        _global_option(
            "--profile", metavar="NAME", envvar="PUSHCTL_PROFILE", help="Stored login to use."
        ),
    ] = DEFAULT_PROFILE,
    verbose: Annotated[
        bool, _global_option("-v", "--verbose", help="Trace HTTP requests on stderr.")
    ] = False,
    allow_insecure_http: Annotated[
        bool,
        _global_option("--allow-insecure-http", help="Allow http:// to a non-loopback homeserver."),
    ] = False,
    ca_bundle: Annotated[
        str | None,
        _global_option(
            "--ca-bundle",
            metavar="FILE",
            help="CA certificates file for a private CA (homeserver).",
        ),
    ] = None,
    gateway_ca_bundle: Annotated[
        str | None,
        _global_option(
            "--gateway-ca-bundle",
            metavar="FILE",
            help="CA certificates file for push gateways on a private CA.",
        ),
    ] = None,
    timeout: Annotated[
        float,
        _global_option(
            "--timeout",
            metavar="SECONDS",
            min=MIN_TIMEOUT,
            max=MAX_TIMEOUT,
            help="Seconds an answer may take to start or pause; a request ends in 3 times this.",
        ),
    ] = 30.0,
    retries: Annotated[
        int,
        _global_option(
            "--retries", min=0, metavar="N", help="Retries of a failed request (5xx, no answer)."
        ),
    ] = 4,
    rate_limit_wait: Annotated[
        float,
        _global_option(
            "--rate-limit-wait",
            min=0,
            metavar="SECONDS",
            help="How long in all to wait out the server's rate limits before giving up.",
        ),
    ] = 600.0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Administer Matrix pushers: list, set, delete and bulk-manage them."""
    env = environment(ctx)  # main hands it down as ctx.obj; from here on it is in ctx.meta
    if verbose:
        setup_verbose(env)
    ctx.obj = Settings(
        environ=env.environ,
        homeserver=homeserver,
        profile=profile,
        allow_insecure_http=allow_insecure_http,
        ca_bundle=ca_bundle,
        gateway_ca_bundle=gateway_ca_bundle,
        timeout=timeout,
        retries=retries,
        rate_limit_wait=rate_limit_wait,
    )


def make_app(words: Iterable[str]) -> typer.Typer:
    """The app, with the command *words* name built from its function.

    Every other command stands in as its name and summary from the registry:
    enough for ``--help``, Tab on command names and "No such command"
    suggestions, and its module is not imported. Click runs the command a
    command line names, so a stand-in never runs.
    """
    # help is click's plain formatter rather than rich panels: faster, and no rich at start
    app = typer.Typer(
        name=PROG_NAME,
        rich_markup_mode=None,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    named = command_named(words)
    for command in registry.COMMANDS:
        if command.name == named and command.group:
            app.add_typer(command.load()(), name=command.name, help=command.summary)
        elif command.name == named:
            app.command(command.name)(accepting_global_options(command.load()))
        else:
            app.command(command.name, help=command.summary)(_listed_only)
    return app


#: the root's options that take no value; every other root option takes the next word
ROOT_FLAGS = frozenset({"-v", "--verbose", "--allow-insecure-http", "--version", "-h", "--help"})


def command_named(words: Iterable[str]) -> str | None:
    """The command a command line (without the program's name) runs: its first word
    that is neither a root option nor an option's value. A group's subcommand
    (``fleet list``) comes after it, so never counts as a command of its own."""
    value_next = False
    for word in words:
        if value_next:
            value_next = False
        elif word == "--":
            return None
        elif word.startswith("-"):
            value_next = "=" not in word and not _flags(word)
        else:
            return word
    return None


def _flags(word: str) -> bool:
    """Whether *word* is a root flag, or short flags together (``-vh``)."""
    if word in ROOT_FLAGS:
        return True
    short = word[1:]
    return not word.startswith("--") and all(f"-{letter}" in ROOT_FLAGS for letter in short)


def _listed_only() -> None:  # pragma: no cover - see make_app
    raise AssertionError("a command that is only listed was run")


# -- global options after the command ------------------------------------------


def accepting_global_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """*function*, also accepting the root's options after the command name.

    ``pushctl list -v --timeout 5`` works as gh and kubectl accept theirs. The
    copies are hidden from the command's help, and apply their value once the
    root's own callback has run. An option the command has itself (``login
    --homeserver``) keeps its own meaning.
    """
    signature = inspect.signature(function, eval_str=True)
    late = [p for p in _late_global_options() if p.name not in signature.parameters]
    own = set(signature.parameters)

    @functools.wraps(function)
    def command(**kwargs: Any) -> Any:
        # Typer passes every parameter; the copies' values were applied by their callback
        return function(**{name: value for name, value in kwargs.items() if name in own})

    compat.set_signature(
        command, signature.replace(parameters=[*signature.parameters.values(), *late])
    )
    return command


@functools.cache
def _late_global_options() -> list[inspect.Parameter]:
    copies = []
    for param in inspect.signature(root).parameters.values():
        if param.name in ("ctx", "version"):
            continue
        kind = param.annotation.__origin__
        names, settings = _GLOBAL_OPTIONS[id(param.annotation.__metadata__[0])]
        hidden = {"hidden": True, "envvar": None, "callback": _apply_late_global}
        option = typer.Option(*names, **{**settings, **hidden})
        flag = kind is bool
        copies.append(
            inspect.Parameter(
                param.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=False if flag else None,
                annotation=Annotated[kind if flag else kind | None, option],
            )
        )
    return copies


def _apply_late_global(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """Apply a global option given after the command; its value stays in ``ctx.params``
    for Tab completion (``--profile`` chooses the listing), and the command drops it."""
    if ctx.resilient_parsing or value is None or value is False:
        return value  # not given after the command, or Tab completion
    if param.name == "verbose":
        setup_verbose(environment(ctx))
    else:
        setattr(ctx.find_root().obj, str(param.name), value)
    return value


# -- running -------------------------------------------------------------------


def invoke(args: list[str], env: Environment) -> int:
    """Run the command line *args* through the app; its exit status.

    The core's errors go up to :func:`pushctl.cli.main`, which words them; here
    only what click and Typer raise themselves.
    """
    json_errors = "--json" in args
    try:
        command = click_command(make_app(args))
        result = command.main(args=args, prog_name=PROG_NAME, standalone_mode=False, obj=env)
    except typer.Abort:
        env.error("aborted", ExitStatus.INTERRUPTED, json_errors)
        return ExitStatus.INTERRUPTED
    except typer.TyperException as exc:  # a bad option, value or argument
        return _usage_error(exc, env, json_errors)
    if result == ExitStatus.INTERRUPTED:  # Typer turns Ctrl-C into a silent Exit(130)
        env.error("interrupted", ExitStatus.INTERRUPTED, json_errors)
    return result if isinstance(result, int) else 0


def _usage_error(error: typer.TyperException, env: Environment, json_errors: bool) -> int:
    """click's own words (usage, hint, error), or under ``--json`` the error alone."""
    show = getattr(error, "show", None)  # click's errors (all of them, in Typer 0.29) have it
    if json_errors:
        env.error(error.format_message(), ExitStatus.USAGE, True)
    elif callable(show):
        show(file=env.stderr)
    else:  # pragma: no cover - a Typer error that is not click's
        env.error(error.format_message(), error.exit_code)
    return int(error.exit_code)


def complete(instruction: str, env: Environment) -> int:
    """Answer the completion scripts in completions/ (see :mod:`pushctl.cli.completion`)."""
    line = env.environ.get(completion.LINE_VAR, "")
    command = click_command(make_app(completion.split_line(line)[1:]))
    return completion.respond(command, instruction, line, env)
