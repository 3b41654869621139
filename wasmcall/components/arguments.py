"""Fit command-line arguments to a component function's WIT params.

Two ways in, never mixed: the typed options already parsed by
``wasmcall.arguments`` (``--str`` fills a ``string``, ``--bytes``/``--hex``/
``--b64``/``--file`` a ``list<u8>``, ``--i32``/``--i64``/``--f32``/``--f64`` any
integer or float param, range-checked against its exact type), or plain VALUES
parsed as WAVE typed by each param.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wasmcall.arguments import ArgKind, FileArg, ScalarArg, fits_f32
from wasmcall.arguments import TypedArgument as Argument
from wasmcall.components.types import (
    FLOATS,
    INTEGER_RANGES,
    FuncSignature,
    ListType,
    Param,
    Primitive,
    render_type,
)
from wasmcall.components.wave import parse_wave
from wasmcall.errors import ArgumentValueError, SignatureMismatchError, UsageError

BYTES = ListType(Primitive("u8"))
INTEGER_KINDS = (ArgKind.I32, ArgKind.I64)


def fit_arguments(
    export: str, signature: FuncSignature, arguments: Sequence[Argument], values: Sequence[str]
) -> tuple[Any, ...]:
    """The WAVE values for the call, one per param, from typed ``arguments`` or plain ``values``."""
    if arguments and values:
        raise UsageError("plain VALUES cannot be mixed with typed argument options")
    given = len(arguments) or len(values)
    if given != len(signature.params):
        count = len(signature.params)
        raise SignatureMismatchError(
            f"{export} takes {count} argument{'s' if count != 1 else ''} "
            f"{signature}, {given} {'was' if given == 1 else 'were'} given"
        )
    if values:
        return tuple(parse_value(text, param, index) for index, (text, param) in enumerate(
            zip(values, signature.params, strict=True)))
    return tuple(fit_argument(argument, param, index) for index, (argument, param) in enumerate(
        zip(arguments, signature.params, strict=True)))


def parse_value(text: str, param: Param, index: int) -> Any:
    what = f"argument {index} ({param.name}: {render_type(param.type)})"
    try:
        return parse_wave(text, param.type, what)
    except ArgumentValueError as error:
        if param.type == Primitive("string") and not text.lstrip().startswith('"'):
            raise ArgumentValueError(
                f"{error.message}; WAVE strings are quoted ('\"{text}\"'), or use --str"
            ) from None
        raise


def fit_argument(argument: Argument, param: Param, index: int) -> Any:
    wanted = render_type(param.type)
    option = f"--{argument.kind.value} {argument.text!r}"
    where = f"argument {index} ({param.name}: {wanted})"
    if isinstance(argument, ScalarArg):
        return fit_scalar(argument, param, option, where)
    data = argument.path.read_bytes() if isinstance(argument, FileArg) else argument.data
    if param.type == BYTES:
        return data
    if param.type == Primitive("string"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ArgumentValueError(f"{option}: {where} is a string, but the bytes are not UTF-8") from None
    raise SignatureMismatchError(
        f"{option} gives bytes, but {where} is not a string or list<u8>; give it as a WAVE value instead"
    )


def fit_scalar(argument: ScalarArg, param: Param, option: str, where: str) -> Any:
    """A number for an integer or float param, range-checked against the param's exact type."""
    name = param.type.name if isinstance(param.type, Primitive) else ""
    if argument.kind in INTEGER_KINDS and name in INTEGER_RANGES:
        value = int(argument.text.strip(), 0)  # the unfolded spelling; --i32 already checked it parses
        low, high = INTEGER_RANGES[name]
        if not low <= value <= high:
            raise ArgumentValueError(f"{option}: out of range for {where} ({low}..{high})")
        return value
    if argument.kind not in INTEGER_KINDS and name in FLOATS:
        number = float(argument.value)
        if name == "f32" and not fits_f32(number):
            raise ArgumentValueError(f"{option}: out of range for {where}")
        return number
    raise SignatureMismatchError(f"{option} does not fit {where}")
