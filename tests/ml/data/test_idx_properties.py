"""Property tests: whatever bytes an IDX file holds, read_idx gives an array that matches
its header or its own DatasetError naming the file; never another exception, a hang or
an allocation beyond the file's own size."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from reader_strategies import trying  # noqa: E402

from studio.ml.data.idx_files import read_idx  # noqa: E402
from studio.ml.errors import DatasetError  # noqa: E402

SETTINGS = trying(200)


def read_or_refuse(path) -> None:
    try:
        array = read_idx(path)
    except DatasetError as e:
        assert str(path) in str(e)
        return
    assert isinstance(array, np.ndarray) and array.nbytes <= path.stat().st_size


@SETTINGS
@given(data=st.binary(max_size=300), gz=st.booleans())
def test_any_bytes(tmp_path, data, gz):
    path = tmp_path / ("x-idx1-ubyte.gz" if gz else "x-idx1-ubyte")
    path.write_bytes(gzip.compress(data) if gz else data)
    read_or_refuse(path)


@SETTINGS
@given(code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x07]),
       dims=st.lists(st.integers(0, 2**32 - 1), max_size=6),
       body=st.binary(max_size=200))
@example(code=0x08, dims=[2**31, 2**31, 4], body=b"")  # 2^64 bytes: wraps to 0 in int64
def test_any_header_with_any_body(tmp_path, code, dims, body):
    """Headers that announce absurd sizes (4 x 2^32-1 overflows 64 bits) are refused."""
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(struct.pack(">BBBB", 0, 0, code, len(dims))
                     + struct.pack(f">{len(dims)}I", *dims) + body)
    read_or_refuse(path)
