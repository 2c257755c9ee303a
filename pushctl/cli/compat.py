"""The one module that relies on what typer, click and rich do not promise.

Everything else in pushctl uses what ``import typer`` and rich export (a test
greps for the rest). Each trick here says what it buys, is checked against the
installed version, and has a public way to the same result, taken when the
check fails or when ``PUSHCTL_STOCK_TYPER=1`` is set (as the tests do, to show
both ways give the same output):

- **Option values without pydantic** (:func:`click_command`). Typer (0.29)
  converts every option value, defaults and absent values included, through a
  pydantic ``TypeAdapter``. Importing pydantic and building the adapters costs
  every run that parses options about 100 ms; ``--version`` and ``--help`` stop
  before any value is converted. Measured (fastest of 30 interleaved runs on a
  shared two-core machine, typer 0.29.2, where ``python -c "import typer"``
  took 78 ms): Tab on ``pushctl --timeout 5 list --w`` 77 ms here against 181
  ms on stock Typer; ``pushctl validate FILE`` 98 ms against 224 ms. For
  strings, numbers with bounds, flags and lists of those, each parameter gets
  here a plain converter with the same results and error messages. Any other
  type (paths, choices, files, custom parsers; a flag given as a word) keeps
  Typer's own conversion, built only when a value actually comes outside Tab
  completion. Needs ``typer._coercion.RuntimeParam`` (a frozen dataclass of
  ``parameter_info`` and ``annotation`` with an abstract ``_coerce_value``),
  ``typer._coercion.build_runtime_param``, and parameters with a
  ``type_descriptor`` and a ``_runtime_param`` slot that ``get_runtime_param``
  fills; without them (:data:`ENABLED` false) stock Typer converts, slower.
- **Help names an argument by its metavar** (``FILE``, not ``FILE <str>``):
  replaces Typer's ``display_type_rich`` on such arguments; without that
  method nothing needs replacing.
- **What a group left for its subcommand** (:func:`leftover_args`, for Tab
  completion): the context's ``_protected_args``, as click's own completion
  reads them. The public way parses the words again on a throwaway context,
  one made-up word added so that the group's public ``parse_args`` (which
  keeps the subcommand's name to itself) shows how many words were left.
- **Options added to a command's signature** (:func:`set_signature`): the
  root's options are also accepted after the command through hidden copies
  that Typer finds in the function's ``__signature__`` (Python's documented
  way, which Typer honours through ``inspect.signature``). There is no other
  way to add parameters to a function short of writing its source; the tests
  of options after the command pin it on both ways.

This is also the one module that imports ``typer.main``, for the documented
``get_command``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

import typer
import typer.main

#: set to 1 to take the public way everywhere: stock Typer, no trick of this module
STOCK_VAR = "PUSHCTL_STOCK_TYPER"
STOCK = os.environ.get(STOCK_VAR) == "1"

try:
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer.core import _TyperParameter

    _IMPORTED = True
except ImportError:  # pragma: no cover - depends on the installed Typer
    RuntimeParam = object  # type: ignore[assignment,misc]
    _IMPORTED = False


def _typer_has_what_it_needs() -> bool:
    if not _IMPORTED:  # pragma: no cover
        return False
    fields = getattr(RuntimeParam, "__dataclass_fields__", {})
    return (
        {"parameter_info", "annotation"} <= set(fields)
        and "_coerce_value" in getattr(RuntimeParam, "__abstractmethods__", ())
        and "_runtime_param" in getattr(_TyperParameter, "__annotations__", {})
        and "type_descriptor" in getattr(_TyperParameter, "__annotations__", {})
        and callable(getattr(_TyperParameter, "get_runtime_param", None))
    )


ENABLED = not STOCK and _typer_has_what_it_needs()


def click_command(app: typer.Typer) -> Any:
    """The click command Typer makes of *app*, its values converted without pydantic."""
    command = typer.main.get_command(app)
    _argument_help_by_metavar(command)
    if ENABLED:
        _use_plain_values_in(command, None)
    return command


def _argument_help_by_metavar(command: Any) -> None:
    """Help names an argument that has a metavar by it alone: ``FILE``, not ``FILE <str>``.

    Typer shows an option's metavar instead of its type, but an argument's type
    after its metavar (``display_type_rich``); without that method (another
    Typer) nothing changes.
    """
    for param in command.params:
        named = param.param_type_name == "argument" and param.metavar
        if named and callable(getattr(param, "display_type_rich", None)):
            param.display_type_rich = _no_type
    for subcommand in getattr(command, "commands", {}).values():
        _argument_help_by_metavar(subcommand)


def _no_type(ctx: Any = None) -> None:
    return None


def _use_plain_values_in(command: Any, parent: typer.Context | None) -> None:
    """The plain converters for *command*'s parameters, its help flag and its subcommands'."""
    # click makes the help flag on first use, once per command; it is converted too
    ctx = typer.Context(command, parent=parent, **command.context_settings)
    use_plain_values([*command.params, command.get_help_option(ctx)])
    for subcommand in getattr(command, "commands", {}).values():
        _use_plain_values_in(subcommand, ctx)


def use_plain_values(params: Iterable[Any]) -> None:
    """Give each parameter that has no converter yet the plain or deferred one."""
    for param in params:
        if param is not None and getattr(param, "_runtime_param", True) is None:
            param._runtime_param = plain_converter(param)


def plain_converter(param: Any) -> PlainValue:
    descriptor = param.type_descriptor
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    many = descriptor.is_list
    if many:
        (annotation,) = getattr(annotation, "__args__", (None,))
    if (
        getattr(info, "parser", None) is not None
        or getattr(info, "clamp", False)
        or descriptor.is_file
        or descriptor.is_path
        or descriptor.is_choice
        or annotation not in (str, int, float, bool)
    ):
        return PlainValue(descriptor, None, many)  # Typer's own, when a value comes
    return PlainValue(descriptor, annotation, many)


_KIND_NAMES = {int: "a valid integer", float: "a valid number"}
_UNPARSABLE = {
    int: "unable to parse string as an integer",
    float: "unable to parse string as a number",
}


class PlainValue(RuntimeParam):
    # a plain subclass: making a dataclass costs a millisecond at every start
    descriptor: Any
    kind: type | None  # None: leave every value to Typer
    many: bool
    minimum: float | None
    maximum: float | None

    def __init__(self, descriptor: Any, kind: type | None, many: bool) -> None:
        info = descriptor.parameter_info
        super().__init__(parameter_info=info, annotation=descriptor.annotation)
        for name, value in (
            ("descriptor", descriptor),
            ("kind", kind),
            ("many", many),
            ("minimum", info.min),
            ("maximum", info.max),
        ):
            object.__setattr__(self, name, value)  # the base dataclass is frozen

    @cached_property
    def typer_converter(self) -> Any:
        """Typer's own conversion, for the values this one does not handle."""
        return build_runtime_param(self.descriptor)

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.kind is None:
            if ctx is not None and ctx.resilient_parsing:
                return value  # Tab completion: the raw text is all it needs
            return self.typer_converter._coerce_value(value, param=param, ctx=ctx)
        if self.many:
            return [self.convert(item, param, ctx) for item in value]
        return self.convert(value, param, ctx)

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            return self.typer_converter._coerce_value(value, param=param, ctx=ctx)
        if self.kind is str:
            return value.decode() if isinstance(value, bytes) else str(value)
        number = self.number(value, param, ctx)
        if self.minimum is not None and not number >= self.minimum:
            raise typer.BadParameter(
                f"Input should be greater than or equal to {self.minimum}", ctx=ctx, param=param
            )
        if self.maximum is not None and not number <= self.maximum:
            raise typer.BadParameter(
                f"Input should be less than or equal to {self.maximum}", ctx=ctx, param=param
            )
        return number

    def number(self, value: Any, param: Any, ctx: Any) -> Any:
        kind = self.kind
        assert kind in (int, float)
        if isinstance(value, kind) and not isinstance(value, bool):
            return value
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        try:
            return kind(str(value).strip())
        except ValueError:
            message = f"Input should be {_KIND_NAMES[kind]}, {_UNPARSABLE[kind]}"
            raise typer.BadParameter(message, ctx=ctx, param=param) from None


# -- what a group left for its subcommand ----------------------------------------

# a word no command line holds: the group keeps it (or the word before it) to itself
_MADE_UP_WORD = "\x00"


def leftover_args(ctx: typer.Context, args: list[str]) -> list[str]:
    """What the command of *ctx*, made from *args*, left for a subcommand: its name
    and the words after it (nothing for a command that is not a group)."""
    if not hasattr(ctx.command, "resolve_command"):
        return list(ctx.args)
    protected = None if STOCK else getattr(ctx, "_protected_args", None)
    if isinstance(protected, list):
        return [*protected, *ctx.args]
    # A group stops at its first positional word and keeps it; the rest is public.
    # With one more word at the end, exactly as many words are public as were left.
    probe = typer.Context(
        ctx.command, info_name=ctx.info_name, resilient_parsing=True, **ctx.command.context_settings
    )
    public = ctx.command.parse_args(probe, [*args, _MADE_UP_WORD])
    return list(args[len(args) - len(public) :])


# -- options added to a command's signature --------------------------------------


def set_signature(function: Callable[..., Any], signature: inspect.Signature) -> None:
    """The parameters Typer makes options and arguments of, for *function*."""
    function.__signature__ = signature  # type: ignore[attr-defined]
