"""Plain data: the only thing that crosses from a student's code to the grader.

A student's function runs in an untrusted process; what it returns is turned into
*plain data* there and rebuilt here, in the trusted process, before any check looks
at it. Plain data is built from exactly these types, nothing else:

==========================  ==================================================
value                       encoded as
==========================  ==================================================
``None``, ``bool``, ``str``  itself
``int``, ``float``          itself (exact built-in types, not subclasses)
numpy scalar                ``{"np": dtype, "v": value}`` (bool, int, uint, float)
``numpy.ndarray``           ``{"nd": k, "dtype": ..., "shape": [...]}``; its bytes
                            are the ``k``-th raw buffer (never pickle)
``list`` / ``tuple``        ``{"list": [...]}`` / ``{"tuple": [...]}``
``dict`` with ``str`` keys  ``{"dict": [[key, value], ...]}``
anything else               ``{"opaque": "<type name>"}``, rebuilt as :class:`Opaque`
==========================  ==================================================

Only the exact types count: an ``ndarray`` subclass, an object whose ``__eq__``
always returns ``True`` or a ``float`` subclass becomes an :class:`Opaque`, which no
check accepts. The decoder trusts nothing either: dtypes come from an allow-list,
sizes and nesting depth are bounded, and a malformed message raises
:class:`PlainDataError` instead of producing a value.

This module imports only the standard library and numpy: it is loaded inside the
sandbox, next to the student's code (as ``autograder.plain``, the same module), and
ships in the student kit, whose frozen public cases are plain data too.
"""

from __future__ import annotations

import json
import os
import struct

import numpy as np

__all__ = [
    "MAGIC",
    "Opaque",
    "PlainDataError",
    "decode",
    "dumps",
    "encode",
    "loads",
    "read_message",
    "roundtrip",
    "write_message",
]

MAGIC = b"PLN1"
_FRAME = struct.Struct("<4sQQ")  # magic, header length, payload length

#: dtypes that may cross the boundary (numeric only: no object, no structured dtypes).
ALLOWED_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "float16", "float32", "float64"]
)
#: dtype -> its name, for the allowed dtypes only (``dtype.name`` is slow in numpy).
_DTYPE_NAME = {np.dtype(n): n for n in ALLOWED_DTYPES}
_NAME_DTYPE = {n: np.dtype(n) for n in ALLOWED_DTYPES}
MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_BYTES = 512 * 2**20

# Bound at import, before any student code runs in the same process.
_ndarray = np.ndarray
_generic = np.generic
_tobytes = np.ndarray.tobytes
_ascontiguous = np.ascontiguousarray
_dumps_json = json.dumps
_frombuffer = np.frombuffer
_ARRAY_KEYS = {"nd": 0, "dtype": 0, "shape": 0}.keys()


class PlainDataError(ValueError):
    """A message is not valid plain data (malformed, too big, a forbidden dtype...)."""


class Opaque:
    """Stands for a value that is not plain data (only its type name survives).

    Compares equal to nothing, not even itself, so no check can accept it by
    accident.
    """

    __slots__ = ("type_name",)

    def __init__(self, type_name):
        self.type_name = str(type_name)[:200]

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = None

    def __repr__(self):
        return f"<not plain data: {self.type_name}>"


def _type_name(obj):
    try:
        t = type(obj)
        return f"{t.__module__}.{t.__qualname__}" if t.__module__ != "builtins" else t.__name__
    except BaseException:  # a hostile metaclass: still say something
        return "<unknown type>"


def encode(obj):
    """Turn ``obj`` into ``(tree, buffers)``: a JSON-able tree and a list of bytes.

    Never raises for a strange object (it becomes ``{"opaque": ...}``) and never calls
    a method of a student's object: only exact built-in and numpy types are read.
    """
    buffers = []
    count = 0
    inf, ninf = float("inf"), float("-inf")

    def enc(x, depth):
        nonlocal count
        count += 1
        if depth > MAX_DEPTH or count > MAX_ITEMS:
            return {"opaque": "too deeply nested or too many items"}
        t = type(x)
        # The types in the order they are most frequent in a grader's events.
        if t is _ndarray:
            name = _DTYPE_NAME.get(x.dtype)
            if name is None:
                return {"opaque": f"numpy.ndarray of dtype {x.dtype}"}
            buffers.append(_tobytes(_ascontiguous(x)))
            return {"nd": len(buffers) - 1, "dtype": name, "shape": list(map(int, x.shape))}
        if t is str or x is None or t is bool:
            return x
        if t is tuple:
            return {"tuple": [enc(v, depth + 1) for v in x]}
        if t is float:
            return {"float": repr(x)} if x != x or x == inf or x == ninf else x
        if t is int:
            return x if -(2**63) <= x < 2**64 else {"opaque": "int out of range"}
        if t is dict:
            for k in x:
                if type(k) is not str:
                    return {"opaque": "dict with non-str keys"}
            return {"dict": [[k, enc(v, depth + 1)] for k, v in x.items()]}
        if t is list:
            return {"list": [enc(v, depth + 1) for v in x]}
        if isinstance(x, _generic) and t.__module__ == "numpy":
            name = _DTYPE_NAME.get(np.dtype(t))
            if name is None:
                return {"opaque": f"numpy.{t.__name__}"}
            v = x.item()
            if isinstance(v, float) and (v != v or v in (inf, ninf)):
                v = repr(v)
            return {"np": name, "v": v}
        return {"opaque": _type_name(x)}

    return enc(obj, 0), buffers


def decode(tree, buffers):
    """Rebuild a value from :func:`encode`'s output, validating everything."""
    count = 0
    n_buffers = len(buffers)
    array_keys = _ARRAY_KEYS

    def fail(why):
        raise PlainDataError(f"invalid plain data: {why}")

    def dec(node, depth):
        nonlocal count
        count += 1
        if depth > MAX_DEPTH + 1 or count > MAX_ITEMS + 1:
            fail("too deeply nested or too many items")
        t = type(node)
        if t is str or node is None or t is int or t is float or t is bool:
            return node
        if t is not dict or len(node) == 0:
            fail(f"unexpected node of type {t.__name__}")
        if "nd" in node:
            if node.keys() != array_keys:
                fail("array node with unexpected keys")
            k, name, shape = node["nd"], node["dtype"], node["shape"]
            if type(k) is not int or not 0 <= k < n_buffers:
                fail("array buffer index out of range")
            dt = _NAME_DTYPE.get(name) if type(name) is str else None
            if dt is None:
                fail(f"dtype {name!r} is not allowed")
            if type(shape) is not list or len(shape) > 32:
                fail("bad array shape" if type(shape) is not list else "too many dimensions")
            size = 1
            for n in shape:
                if type(n) is not int or n < 0:
                    fail("bad array shape")
                size *= n
            buf = buffers[k]
            if size * dt.itemsize != len(buf):
                fail(f"array of shape {tuple(shape)} and dtype {name} needs "
                     f"{size * dt.itemsize} bytes; got {len(buf)}")
            return _frombuffer(buf, dtype=dt).reshape(shape).copy()
        if "tuple" in node and type(node["tuple"]) is list:
            return tuple([dec(v, depth + 1) for v in node["tuple"]])
        if "dict" in node and type(node["dict"]) is list:
            out = {}
            for item in node["dict"]:
                if type(item) is not list or len(item) != 2 or type(item[0]) is not str:
                    fail("bad dict item")
                out[item[0]] = dec(item[1], depth + 1)
            return out
        if "list" in node and type(node["list"]) is list:
            return [dec(v, depth + 1) for v in node["list"]]
        if "np" in node:
            name, v = node.get("np"), node.get("v")
            if type(name) is not str or name not in ALLOWED_DTYPES \
                    or type(v) not in (bool, int, float, str):
                fail("bad numpy scalar")
            if type(v) is str:
                if v not in ("nan", "inf", "-inf"):
                    fail("bad numpy scalar")
                v = float(v)
            try:
                return np.dtype(name).type(v)
            except (OverflowError, ValueError):
                fail("numpy scalar out of range")
        if "float" in node:
            if node["float"] not in ("nan", "inf", "-inf"):
                fail("bad float")
            return float(node["float"])
        if "opaque" in node and type(node["opaque"]) is str:
            return Opaque(node["opaque"])
        fail(f"unknown node {sorted(node)!r:.80}")

    return dec(tree, 0)


def dumps(obj):
    """One self-delimiting message (``bytes``) holding ``obj`` as plain data."""
    tree, buffers = encode(obj)
    header = _dumps_json({"tree": tree, "sizes": [len(b) for b in buffers]},
                         allow_nan=False, separators=(",", ":")).encode()
    payload = b"".join(buffers)
    return _FRAME.pack(MAGIC, len(header), len(payload)) + header + payload


def _parse(header, payload):
    try:
        head = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise PlainDataError(f"invalid plain data: header is not JSON ({err})") from None
    if type(head) is not dict or set(head) != {"tree", "sizes"}:
        raise PlainDataError("invalid plain data: header must hold 'tree' and 'sizes'")
    sizes = head["sizes"]
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
        raise PlainDataError("invalid plain data: bad buffer sizes")
    if sum(sizes) != len(payload):
        raise PlainDataError("invalid plain data: buffer sizes do not add up to the payload")
    buffers, start = [], 0
    for n in sizes:
        buffers.append(payload[start : start + n])
        start += n
    return decode(head["tree"], buffers)


def loads(data):
    """Inverse of :func:`dumps` for exactly one message."""
    data = bytes(data)
    if len(data) < _FRAME.size:
        raise PlainDataError("invalid plain data: message too short")
    magic, nh, np_ = _FRAME.unpack_from(data)
    if magic != MAGIC:
        raise PlainDataError("invalid plain data: bad magic")
    if _FRAME.size + nh + np_ != len(data):
        raise PlainDataError("invalid plain data: length mismatch")
    return _parse(data[_FRAME.size : _FRAME.size + nh], data[_FRAME.size + nh :])


def roundtrip(obj):
    """``loads(dumps(obj))``: what the grader would see of ``obj``.

    The in-notebook checks use it so that a student sees exactly the verdict the
    grader will give (an always-equal object is rejected in both places).
    """
    return loads(dumps(obj))


def write_message(fd, obj):
    """Write one message to the file descriptor ``fd`` (all of it)."""
    data = memoryview(dumps(obj))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def _read_exact(read, n):
    chunks, left = [], n
    while left:
        chunk = read(min(left, 1 << 20))
        if not chunk:
            raise EOFError("stream ended inside a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(read, max_bytes=MAX_BYTES):
    """Read one message with ``read(n) -> bytes``; ``EOFError`` at a clean end of stream.

    Raises :class:`PlainDataError` for anything malformed or larger than ``max_bytes``.
    """
    first = read(_FRAME.size)
    if not first:
        raise EOFError("end of stream")
    if len(first) < _FRAME.size:
        first += _read_exact(read, _FRAME.size - len(first))
    magic, nh, npay = _FRAME.unpack(first)
    if magic != MAGIC:
        raise PlainDataError("invalid plain data: bad magic")
    if nh + npay > max_bytes:
        raise PlainDataError(f"message of {nh + npay} bytes exceeds the limit of {max_bytes}")
    header = _read_exact(read, nh)
    payload = _read_exact(read, npay)
    return _parse(header, payload)
