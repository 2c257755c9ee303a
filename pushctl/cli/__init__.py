"""The Typer application: global options, command registration and ``main``.

Commands live in one module per group; each parses its flags, calls the core
and renders. Heavy modules (requests, keyring, yaml, rich tables) are imported
inside the commands, so ``--version``, ``--help`` and Tab completion stay fast.
"""

# No ``from __future__ import annotations`` here: Typer reads the root options'
# annotations on every run, twice, and strings cost more to evaluate each time.

import gc
import sys
from typing import Annotated

import typer

from pushctl import __version__
from pushctl.cli import auth, bulk, completion, pushers, support
from pushctl.cli.common import environment, setup_verbose
from pushctl.cli.lazy import LazyGroup
from pushctl.cli.lazy import Typer as LazyTyper
from pushctl.environment import Environment
from pushctl.errors import ExitStatus, PushctlError
from pushctl.settings import DEFAULT_PROFILE, ENV_HOMESERVER, Settings


# Commands are built only when run, and help is click's plain formatter rather
# than rich panels: both keep --version, --help and Tab completion fast.
def _late_global(ctx: typer.Context, name: str, value: object) -> None:
    """A global option given after the command: ``pushctl list -v --timeout 5``."""
    if name == "verbose":
        if value:
            setup_verbose(environment(ctx))
        return
    setattr(ctx.find_root().obj, name, value)


app = LazyTyper(
    cls=LazyGroup,
    late_global=_late_global,
    rich_markup_mode=None,
    name="pushctl",
    help="Administer Matrix pushers: list, set, delete and bulk-manage them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(ctx: typer.Context, value: bool) -> None:
    if value:
        environment(ctx).write(f"pushctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    homeserver: Annotated[
        str | None,
        typer.Option("--homeserver", envvar=ENV_HOMESERVER, help="Homeserver base URL."),
    ] = None,
    profile: Annotated[
        str,
        typer.Option("--profile", envvar="PUSHCTL_PROFILE", help="Stored login to use."),
    ] = DEFAULT_PROFILE,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Trace HTTP requests on stderr.")
    ] = False,
    allow_insecure_http: Annotated[
        bool,
        typer.Option("--allow-insecure-http", help="Allow http:// to a non-loopback homeserver."),
    ] = False,
    ca_bundle: Annotated[
        str | None,
        typer.Option("--ca-bundle", metavar="FILE", help="CA certificates file for a private CA."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each answer.")
    ] = 30.0,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a failed or rate-limited request.")
    ] = 4,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    env = environment(ctx)  # main hands it down as ctx.obj; from here on it is in ctx.meta
    if verbose:
        setup_verbose(env)
    ctx.obj = Settings(
        environ=env.environ,
        homeserver=homeserver,
        profile=profile,
        allow_insecure_http=allow_insecure_http,
        ca_bundle=ca_bundle,
        timeout=timeout,
        retries=retries,
    )


# The order of --help: logging in, one pusher at a time, files, support work.
auth.register(app)
pushers.register(app)
bulk.register(app)
support.register(app)


def main(argv: list[str] | None = None, env: Environment | None = None) -> None:
    """Run pushctl on *argv* (default: the process's arguments) and exit with its status.

    *env* is the world the run talks to: by default the process's own streams
    and environment variables; tests hand in their own.
    """
    if argv is None:  # a process of its own, not a call from Python
        # The modules loaded so far live until exit: spare the garbage collector
        # from walking them again at each collection and at exit (a tenth of a
        # listing's CPU, and most of what importing pushctl costs over Typer).
        gc.freeze()
    args = sys.argv[1:] if argv is None else argv
    env = Environment.create() if env is None else env
    sys.exit(_run(args, env))


def _run(args: list[str], env: Environment) -> int:
    """The exit status of one run; every message goes to *env*."""
    json_errors = "--json" in args
    if completion.COMPLETE_VAR in env.environ:
        completion.register()
    try:
        result = app(args=args, prog_name="pushctl", standalone_mode=False, obj=env)
        env.flush()
    except BrokenPipeError:
        env.discard_stdout()  # the reader is gone (``| head``): stop quietly, as Unix tools do
        return ExitStatus.BROKEN_PIPE
    except PushctlError as exc:
        from pushctl.cli.hints import message

        env.error(message(exc), exc.exit_status, json_errors)
        return exc.exit_status
    except KeyboardInterrupt:
        env.error("interrupted", ExitStatus.INTERRUPTED, json_errors)
        return ExitStatus.INTERRUPTED
    except typer.Abort:
        env.error("aborted", ExitStatus.INTERRUPTED, json_errors)
        return ExitStatus.INTERRUPTED
    except Exception as exc:
        from typer._click.exceptions import ClickException

        if not isinstance(exc, ClickException):
            raise
        if json_errors:
            env.error(exc.format_message(), ExitStatus.USAGE, True)
        else:
            exc.show(file=env.stderr)
        return exc.exit_code
    if result == ExitStatus.INTERRUPTED:  # Typer turns Ctrl-C into a silent Exit(130)
        env.error("interrupted", ExitStatus.INTERRUPTED, json_errors)
    return result if isinstance(result, int) else 0
