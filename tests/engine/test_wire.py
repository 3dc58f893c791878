r"""The wire codec keeps every value the checks may receive intact (shapes, dtypes, nesting) and
refuses malformed frames."""
from __future__ import annotations

import io

import numpy as np
import pytest

from autograder.checking import LayerSpec, NetSpec, Opaque, TensorArg, TensorValue
from autograder.checking.wire import WireError, decode, encode, read_frame, write_frame


def roundtrip(value):
    return decode(encode(value, lambda h: 1), lambda i, t, s: None)


@pytest.mark.parametrize("array", [np.array(2.5), np.zeros((0, 3)), np.arange(6).reshape(2, 3),
                                   np.array([True, False]), np.array([1 + 2j])])
def test_arrays_keep_shape_and_dtype(array):
    """Check that 0-d, empty, integer, bool and complex arrays come back with shape and dtype."""
    got = roundtrip(array)
    assert got.shape == array.shape and got.dtype == array.dtype and np.array_equal(got, array)


def test_tensors_nets_and_nesting_roundtrip():
    """Check tensors (0-d included), tensor arguments, nets, tuples and dicts."""
    value = {"t": TensorValue(np.array(1.0, dtype=np.float32), "torch.float32"),
             "a": (TensorArg(np.ones(2), "float64"), [1, 2.5, None, "x"]),
             "net": NetSpec([LayerSpec("linear", "Linear", np.eye(2), np.zeros(2), "torch.float32"),
                             LayerSpec("relu", "ReLU")]),
             "o": Opaque("range", "range(3)")}
    got = roundtrip(value)
    assert got["t"].shape == () and got["t"].dtype == "torch.float32"
    assert isinstance(got["a"], tuple) and got["a"][1] == [1, 2.5, None, "x"]
    assert [layer.kind for layer in got["net"].layers] == ["linear", "relu"]
    assert got["o"] == Opaque("range", "range(3)")


@pytest.mark.parametrize("payload", [b"\x00\x00\x00\x05{bad}", b"\x00\x00\x00\x02[]", b"\xff\xff\xff\xff",
                                     b"\x00\x00\x00\x09"])
def test_malformed_frames_are_refused(payload):
    """Check that bad JSON, a non-object, an oversized length and a truncated frame raise WireError."""
    with pytest.raises(WireError):
        read_frame(io.BytesIO(payload))


def test_unknown_tag_and_pickled_arrays_are_refused():
    """Check that an unknown tag and an object-dtype (pickled) array are refused."""
    with pytest.raises(WireError):
        decode({"~": "pickle", "data": "x"}, None)
    import base64
    buf = io.BytesIO()
    np.save(buf, np.array([object()]), allow_pickle=True)
    with pytest.raises(WireError):
        decode({"~": "nd", "npy": base64.b64encode(buf.getvalue()).decode()}, None)


def test_frame_roundtrip():
    """Check that a written frame reads back equal."""
    stream = io.BytesIO()
    write_frame(stream, {"op": "call", "x": [1, 2]})
    stream.seek(0)
    assert read_frame(stream) == {"op": "call", "x": [1, 2]}
