"""The one JSON validator: strict types, bounds that refuse NaN, messages with the path
and the value, and a writer that refuses what the reader would."""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np
import pytest

from studio.ml.records import bounded, convert, read_record, text, whole, write_record


class Shape(msgspec.Struct):
    kind: Literal["square", "circle"]
    size: bounded(0.0, 10.0)
    sides: list[whole(0, 8)] = msgspec.field(default_factory=list)
    name: text(8) = ""


@pytest.mark.parametrize(("data", "message"), [
    ('{"kind": "square", "size": NaN}', "'size': expected `float` >= 0.0, got nan"),
    ('{"kind": "square", "size": 1e999}', "'size': expected `float` <= 10.0, got inf"),
    ('{"kind": "square", "size": true}', "'size': expected `float`, got `bool`"),
    ('{"kind": "square", "size": "3"}', "'size': expected `float`, got `str`"),
    ('{"kind": "square", "size": 1, "sides": [1, 9]}', "'sides[1]': expected `int` <= 8, got 9"),
    ('{"kind": "oval", "size": 1}', "'kind': invalid enum value 'oval'"),
    ('{"kind": "square", "size": 1, "name": "a\\u0000b"}', "'name': expected `str` matching"),
    ('{"kind": "square"}', "missing required field `size`"),
    ("[" * 100_000, "not readable JSON"),
    ('{"kind": "square", "size": 1' + "0" * 5000 + "}", "not readable JSON"),
    (b"\xff\xfe", "not readable JSON"),
])
def test_bad_records_get_a_message_with_the_path_and_value(data, message):
    with pytest.raises(ValueError) as caught:
        read_record(data, Shape)
    assert message in str(caught.value)


def test_a_good_record_reads_and_writes_back_the_same():
    shape = read_record('{"kind": "circle", "size": 2, "sides": [0]}', Shape)
    assert shape == Shape("circle", 2.0, [0]) and isinstance(shape.size, float)
    assert convert(msgspec.json.decode(write_record(shape)), Shape) == shape


def test_the_writer_refuses_what_the_reader_would_and_takes_numpy_numbers():
    with pytest.raises(ValueError, match="'size': expected `float` >= 0.0, got nan"):
        write_record(Shape("square", float("nan")))
    with pytest.raises(ValueError, match=r"'sides\[0\]': expected `int` <= 8"):
        write_record(Shape("square", 1.0, [12]))
    written = write_record(Shape("square", np.float32(2.5), [np.int64(3)]))
    assert msgspec.json.decode(written) == {"kind": "square", "size": 2.5, "sides": [3],
                                            "name": ""}
