"""The one validator for every JSON record the studio reads or writes (msgspec).

Settings, favorites, provenance records, checkpoint sidecars and project manifests
are each declared once, as a msgspec Struct whose annotations carry the bounds
(`Meta(ge=..., le=...)`, lengths, patterns). The same declaration parses the file,
checks every value where it is parsed and writes the file again, so a reader and
its writer cannot drift apart, and the rest of the code trusts the typed object.

Why msgspec rather than pydantic or attrs + cattrs: it is strict by default (no
"3" -> 3 coercion, bool is not an int), a bounded float refuses NaN and Infinity,
its errors name the JSON path of the bad value, and it imports in a few tens of
milliseconds where pydantic took 100-170 ms before the window's first paint here
(settings are read before the window is built). pydantic's collecting of every
error at once is matched where it matters (settings, favorites) by converting field
by field or entry by entry.

Text is parsed with the standard library's JSON, which reads NaN and Infinity
tokens as floats: one hand-edited NaN then costs only its own field (the bound
refuses it) instead of making the whole file unreadable.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

import msgspec

T = TypeVar("T")

SHA256_PATTERN = "^[0-9a-f]{64}$"
Sha256 = Annotated[str, msgspec.Meta(pattern=SHA256_PATTERN)]


def bounded(low: float, high: float) -> Any:
    """A float type within [low, high]: NaN and Infinity fail the bound too."""
    return Annotated[float, msgspec.Meta(ge=low, le=high)]


def whole(low: int, high: int) -> Any:
    """An int type within [low, high] (a JSON 2.0 or true is refused)."""
    return Annotated[int, msgspec.Meta(ge=low, le=high)]


def text(max_length: int, min_length: int = 0) -> Any:
    """A str type of bounded length without NUL characters (they end C strings in Qt)."""
    return Annotated[str, msgspec.Meta(min_length=min_length, max_length=max_length,
                                       pattern="^[^\x00]*$")]


def parse_json(data: bytes | str) -> object:
    """JSON text as Python values, or ValueError saying why it is not readable JSON.

    NaN and Infinity tokens become floats here and are refused by the bounds of
    whatever field they land in (see the module's docstring).
    """
    try:
        return json.loads(data)
    except (ValueError, RecursionError, UnicodeDecodeError) as e:
        # ValueError also covers integers longer than Python's 4300-digit limit.
        raise ValueError(f"not readable JSON ({e})") from e


def convert(value: object, kind: type[T]) -> T:
    """`value` (parsed JSON) as a `kind`, or ValueError naming the bad field and why."""
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as e:
        raise ValueError(_readable(str(e), value)) from e


def read_record(data: bytes | str, kind: type[T]) -> T:
    """Parse and check a whole record; ValueError says what is wrong and where."""
    return convert(parse_json(data), kind)


def write_record(record: object, indent: int = 2, kind: type | None = None) -> bytes:
    """`record` as JSON bytes, after checking it against its own declaration.

    A Struct built in code is not validated (only parsing validates), and msgspec
    would write NaN as null: checking here means the studio never writes a file it
    would refuse to read back. ValueError names the field. `kind`: what to check a
    record that is not a Struct against (a list of them, say).
    """
    encoded = msgspec.json.encode(record, enc_hook=_plain)
    try:  # reading the bytes back allocates far less than converting builtins (GC pauses)
        msgspec.json.decode(encoded, type=kind or type(record))
    except (msgspec.ValidationError, msgspec.DecodeError):
        convert(msgspec.to_builtins(record, enc_hook=_plain), kind or type(record))
        raise ValueError(f"cannot be written as valid JSON: {encoded[:80]!r}") from None
    return msgspec.json.format(encoded, indent=indent) if indent else encoded


def _plain(value: object) -> object:
    """numpy scalars (np.float32(0.5), np.int64(3)) as the Python numbers they hold."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return value.item()
    raise NotImplementedError(f"cannot write {type(value).__name__} to JSON")


def _readable(message: str, value: object) -> str:
    """msgspec's "Expected `int` >= 0 - at `$.points[0].digit`" as
    "'points[0].digit': expected `int` >= 0, got -3" (the value, when it is not said)."""
    problem, sep, where = message.rpartition(" - at `$")
    if not sep:
        return message[:1].lower() + message[1:]
    where = where.rstrip("`")
    problem = problem[:1].lower() + problem[1:]
    if "got" not in problem:
        found = _at(value, where)
        if found is not _MISSING and f"{found!r:.40}" not in problem:
            problem += f", got {found!r:.40}"
    return f"'{where.lstrip('.')}': {problem}"


_MISSING = object()
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _at(value: object, where: str) -> object:
    """The value at a msgspec path such as ".points[0].digit", or _MISSING."""
    for key, index in _STEP.findall(where):
        try:
            value = value[key] if key else value[int(index)]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value
