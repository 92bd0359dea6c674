"""The plain-data boundary: exact types round-trip, everything else becomes Opaque,
and malformed messages are refused."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest

from autograder.plain import (
    Opaque,
    PlainDataError,
    dumps,
    loads,
    read_message,
    roundtrip,
)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool", "uint8"])
def test_arrays_round_trip_with_dtype_and_shape(dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    b = roundtrip(a)
    assert type(b) is np.ndarray and b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)
    assert b.flags.writeable


def test_non_contiguous_and_empty_arrays():
    a = np.arange(20.0).reshape(4, 5).T
    np.testing.assert_array_equal(roundtrip(a), a)
    assert roundtrip(np.zeros((0, 3))).shape == (0, 3)


def test_nested_structures_keep_their_kind():
    v = {"W1": np.ones((2, 2)), "c": ((np.zeros(1), 2), [3.5, None, True, "s"])}
    r = roundtrip(v)
    assert isinstance(r["c"], tuple) and isinstance(r["c"][0], tuple)
    assert isinstance(r["c"][1], list) and r["c"][1][1:] == [None, True, "s"]


def test_special_floats_and_numpy_scalars():
    r = roundtrip([float("nan"), float("inf"), np.float32(1.5), np.float64("-inf"), np.int64(7)])
    assert np.isnan(r[0]) and r[1] == float("inf")
    assert type(r[2]) is np.float32 and r[2] == 1.5
    assert type(r[3]) is np.float64 and r[3] == -np.inf
    assert type(r[4]) is np.int64


class AlwaysEqual:
    def __eq__(self, other):
        return True


class SubArray(np.ndarray):
    pass


class FloatLike(float):
    pass


@pytest.mark.parametrize(
    "obj",
    [AlwaysEqual(), np.ones(3).view(SubArray), FloatLike(1.0), np.array([1, "a"], object),
     np.ma.masked_array([1.0]), {1: 2}, np.array([1 + 2j])],
)
def test_anything_else_becomes_opaque_and_equals_nothing(obj):
    r = roundtrip(obj)
    assert isinstance(r, Opaque)
    assert not (r == r) and r != 0 and r != obj


def test_malformed_messages_are_refused():
    good = dumps(np.ones(3))
    with pytest.raises(PlainDataError):
        loads(b"XXXX" + good[4:])
    with pytest.raises(PlainDataError):
        loads(good[:-1])
    header = b'{"tree": {"nd": 0, "dtype": "object", "shape": [1]}, "sizes": [8]}'
    bad = struct.pack("<4sQQ", b"PLN1", len(header), 8) + header + b"\0" * 8
    with pytest.raises(PlainDataError, match="not allowed"):
        loads(bad)
    header = b'{"tree": {"nd": 0, "dtype": "float64", "shape": [5]}, "sizes": [8]}'
    bad = struct.pack("<4sQQ", b"PLN1", len(header), 8) + header + b"\0" * 8
    with pytest.raises(PlainDataError, match="needs 40 bytes"):
        loads(bad)


def test_stream_reading_and_size_limit():
    stream = io.BytesIO(dumps([1, 2]) + dumps("x"))
    assert read_message(stream.read) == [1, 2]
    assert read_message(stream.read) == "x"
    with pytest.raises(EOFError):
        read_message(stream.read)
    with pytest.raises(PlainDataError, match="exceeds"):
        read_message(io.BytesIO(dumps(np.zeros(1000))).read, max_bytes=100)


def _message(tree, sizes=(), payload=b""):
    import json

    header = json.dumps({"tree": tree, "sizes": list(sizes)}).encode()
    return struct.pack("<4sQQ", b"PLN1", len(header), len(payload)) + header + payload


@pytest.mark.parametrize("tree, why", [
    ({"nd": 0, "dtype": ["float64"], "shape": [1]}, "not allowed"),  # unhashable dtype
    ({"nd": 0, "dtype": "float64", "shape": [1], "x": 1}, "unexpected keys"),
    ({"nd": 0, "dtype": "float64", "shape": [True]}, "bad array shape"),
    ({"nd": 0, "dtype": "float64", "shape": [-1]}, "bad array shape"),
    ({"nd": 0, "dtype": "float64", "shape": 1}, "bad array shape"),
    ({"nd": 0, "dtype": "float64", "shape": [1] * 33}, "too many dimensions"),
    ({"nd": 1, "dtype": "float64", "shape": [1]}, "out of range"),
    ({"np": ["int64"], "v": 1}, "bad numpy scalar"),  # unhashable dtype
    ({"np": "int8", "v": 1000}, "out of range"),
    ({"float": "1.5"}, "bad float"),
    ({"dict": [["k"]]}, "bad dict item"),
    ({"set": [1]}, "unknown node"),
    ([1, 2], "unexpected node"),
])
def test_every_malformed_node_is_a_plain_data_error(tree, why):
    """Not a TypeError or a value: the grader catches PlainDataError (and only it) as
    "its process sent invalid data"."""
    with pytest.raises(PlainDataError, match=why):
        loads(_message(tree, [8], b"\0" * 8))


def test_numpy_scalar_of_a_refused_dtype_names_its_type():
    r = roundtrip(np.complex128(1 + 2j))
    assert isinstance(r, Opaque) and r.type_name == "numpy.complex128"
