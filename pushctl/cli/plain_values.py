"""Plain-Python conversion of option values, so that a run does not load pydantic.

Typer (0.2x) converts every option value, defaults and absent values included,
through a pydantic ``TypeAdapter``. Importing pydantic and building the
adapters costs more than importing Typer itself, on every run and every Tab
press. For strings, numbers with bounds, flags and lists of those, the
conversion is given here, with the same error messages. Any other type (paths,
choices, files, custom parsers; a flag given as a word) keeps Typer's own
conversion, built only when a value is actually given outside of Tab
completion: ``--help`` and Tab never need it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from typer._click import Context, Parameter
from typer._click.exceptions import BadParameter

try:  # Typer's coercion layer (0.2x); older versions convert through click types
    from typer._coercion import RuntimeParam
except ImportError:  # pragma: no cover - depends on the installed Typer
    RuntimeParam = None  # type: ignore[assignment,misc]

_KIND_NAMES = {int: "a valid integer", float: "a valid number"}
_UNPARSABLE = {
    int: "unable to parse string as an integer",
    float: "unable to parse string as a number",
}


def use_plain_values(params: Iterable[Parameter]) -> None:
    """Give each parameter the plain or deferred converter (a no-op on older Typer)."""
    if RuntimeParam is None:
        return
    for param in params:
        if getattr(param, "_runtime_param", True) is not None:
            continue  # already has one, or this Typer has no such thing
        converter = plain_converter(param)
        if converter is not None:
            param._runtime_param = converter  # type: ignore[attr-defined]


def plain_converter(param: Parameter) -> Any:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return None
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


if RuntimeParam is not None:

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
            from typer._coercion import build_runtime_param

            return build_runtime_param(self.descriptor)

        def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
            if self.kind is None:
                if ctx is not None and ctx.resilient_parsing:
                    return value  # Tab completion: the raw text is all it needs
                return self.typer_converter._coerce_value(value, param=param, ctx=ctx)
            if self.many:
                return [self.convert(item, param, ctx) for item in value]
            return self.convert(value, param, ctx)

        def convert(self, value: Any, param: Any, ctx: Context) -> Any:
            if self.kind is bool:
                if isinstance(value, bool):
                    return value
                return self.typer_converter._coerce_value(value, param=param, ctx=ctx)
            if self.kind is str:
                return value.decode() if isinstance(value, bytes) else str(value)
            number = self.number(value, param, ctx)
            if self.minimum is not None and not number >= self.minimum:
                raise BadParameter(
                    f"Input should be greater than or equal to {self.minimum}",
                    ctx=ctx,
                    param=param,
                )
            if self.maximum is not None and not number <= self.maximum:
                raise BadParameter(
                    f"Input should be less than or equal to {self.maximum}", ctx=ctx, param=param
                )
            return number

        def number(self, value: Any, param: Any, ctx: Context) -> Any:
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
                raise BadParameter(message, ctx=ctx, param=param) from None
