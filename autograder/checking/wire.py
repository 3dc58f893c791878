r"""The wire format between the grading process and the sandbox worker: JSON frames.

A frame is a 4-byte big-endian length followed by UTF-8 JSON. Arrays travel as base64 ``.npy``
bytes and are read back with ``numpy.load(allow_pickle=False)``: nothing coming from the student
side is ever unpickled or executed by the grading process. Frames larger than ``MAX_FRAME`` are
refused (a student result cannot exhaust the grader's memory).
"""
from __future__ import annotations

import base64
import io
import json
import struct
from typing import Any, BinaryIO, Callable, Optional

import numpy as np

from .values import (Callback, CallbackRef, Handle, LayerSpec, LibraryCall, NetSpec, Opaque, PiecewiseLinear,
                     TensorArg, TensorValue)

MAX_FRAME = 256 * 1024 * 1024


class WireError(Exception):
    """A frame that is malformed, too large, or missing (the other side closed)."""


def _array_out(a: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.array(a, order="C"), allow_pickle=False)  # keeps 0-d arrays 0-d
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _array_in(text: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)
    except Exception as exc:  # malformed data from the student side
        raise WireError(f"bad array: {exc}") from None


def encode(value: Any, handle_id: Callable[[Handle], int],
           callback_id: Optional[Callable[[Callback], int]] = None) -> Any:
    """Values -> JSON-able structure. ``handle_id`` gives the wire id of a handle, ``callback_id``
    registers a :class:`Callback` and gives its id (only the grading process sends callbacks)."""
    def enc(item: Any) -> Any:
        return encode(item, handle_id, callback_id)

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.ndarray):
        return {"~": "nd", "npy": _array_out(value)}
    if isinstance(value, TensorValue):
        return {"~": "tensor", "npy": _array_out(value.array), "dtype": value.dtype,
                "requires_grad": value.requires_grad}
    if isinstance(value, TensorArg):
        return {"~": "tensorarg", "npy": _array_out(value.array), "dtype": value.dtype,
                "requires_grad": value.requires_grad}
    if isinstance(value, LibraryCall):
        return {"~": "libcall", "module": value.module, "function": value.function,
                "args": enc(list(value.args)), "kwargs": enc(dict(value.kwargs or {}))}
    if isinstance(value, PiecewiseLinear):
        return {"~": "pl", "knots": _array_out(value.knots), "values": _array_out(value.values)}
    if isinstance(value, Callback):
        if callback_id is None:
            raise TypeError("a Callback can only be sent by the grading process")
        return {"~": "callback", "id": callback_id(value), "name": value.name}
    if isinstance(value, Handle):
        return {"~": "handle", "id": handle_id(value), "type": value.type_name, "summary": value.summary}
    if isinstance(value, NetSpec):
        layers = [{"kind": l.kind, "type": l.type_name, "dtype": l.dtype, "slope": l.negative_slope,
                   "weight": None if l.weight is None else _array_out(l.weight),
                   "bias": None if l.bias is None else _array_out(l.bias)} for l in value.layers]
        handle = None if value.handle is None else enc(value.handle)
        return {"~": "net", "type": value.type_name, "layers": layers, "handle": handle}
    if isinstance(value, Opaque):
        handle = None if value.handle is None else enc(value.handle)
        return {"~": "opaque", "type": value.type_name, "summary": value.summary, "handle": handle}
    if isinstance(value, tuple):
        return {"~": "tuple", "items": [enc(v) for v in value]}
    if isinstance(value, list):
        return [enc(v) for v in value]
    if isinstance(value, dict):
        return {"~": "dict", "items": [[k, enc(v)] for k, v in value.items()]}
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(obj: Any, make_handle: Callable[[int, str, str], Handle]) -> Any:
    """JSON structure -> values. Unknown tags and wrong shapes raise :class:`WireError`."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, list):
        return [decode(v, make_handle) for v in obj]
    if not isinstance(obj, dict):
        raise WireError(f"unexpected {type(obj).__name__}")
    try:
        tag = obj["~"]
        if tag == "nd":
            return _array_in(obj["npy"])
        if tag == "tensor":
            return TensorValue(_array_in(obj["npy"]), str(obj["dtype"]), bool(obj["requires_grad"]))
        if tag == "tensorarg":
            return TensorArg(_array_in(obj["npy"]), obj["dtype"], bool(obj["requires_grad"]))
        if tag == "libcall":
            return LibraryCall(str(obj["module"]), str(obj["function"]),
                               tuple(decode(obj["args"], make_handle)), decode(obj["kwargs"], make_handle))
        if tag == "pl":
            return PiecewiseLinear(_array_in(obj["knots"]), _array_in(obj["values"]))
        if tag == "callback":
            return CallbackRef(int(obj["id"]), str(obj["name"]))
        if tag == "handle":
            return make_handle(int(obj["id"]), str(obj["type"]), str(obj["summary"]))
        if tag == "net":
            layers = [LayerSpec(str(l["kind"]), str(l["type"]),
                                None if l["weight"] is None else _array_in(l["weight"]),
                                None if l["bias"] is None else _array_in(l["bias"]),
                                l["dtype"], l["slope"]) for l in obj["layers"]]
            handle = None if obj["handle"] is None else decode(obj["handle"], make_handle)
            return NetSpec(layers, str(obj["type"]), handle)
        if tag == "opaque":
            handle = obj.get("handle")
            return Opaque(str(obj["type"]), str(obj["summary"]),
                          None if handle is None else decode(handle, make_handle))
        if tag == "tuple":
            return tuple(decode(v, make_handle) for v in obj["items"])
        if tag == "dict":
            return {str(k): decode(v, make_handle) for k, v in obj["items"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"malformed value: {exc!r}") from None
    raise WireError(f"unknown tag {obj.get('~')!r}")


def write_frame(stream: BinaryIO, message: dict) -> None:
    data = json.dumps(message, allow_nan=True).encode("utf-8")
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def read_frame(stream: BinaryIO) -> dict:
    header = _read_exact(stream, 4)
    (length,) = struct.unpack(">I", header)
    if length > MAX_FRAME:
        raise WireError(f"frame of {length} bytes exceeds the limit")
    try:
        message = json.loads(_read_exact(stream, length).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"malformed frame: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("frame is not an object")
    return message


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, missing = [], n
    while missing:
        chunk: Optional[bytes] = stream.read(missing)
        if not chunk:
            raise WireError("connection closed")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
