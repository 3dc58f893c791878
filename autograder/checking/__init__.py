r"""The check framework shared by every assignment.

A *check* is a plain function that takes the student's objects (by their notebook names), calls
them through :func:`student`, and raises :class:`CheckFailed` with a teaching message when the
answer disagrees with theory. Checks are written once and run in two places:

* in the student's kernel, through otter's ``grader.check("<question>")`` (public checks only);
* in the grading engine, where the student's objects are proxies into a sandboxed worker and the
  check itself runs in the trusted process.
"""
from .arrays import as_array, expect_close, expect_finite, expect_shape
from .calls import StudentFunction, student
from .failures import CheckFailed, StudentError, StudentTimeout, WorkerDied, expect
from .nets import as_net, count_parameters, expect_layer_kinds, forward, hidden_widths
from .values import (Callback, CallbackRefused, Handle, LayerSpec, LibraryCall, NetSpec, Opaque, PiecewiseLinear,
                     TensorArg, TensorValue, describe)

__all__ = [
    "as_array", "expect_close", "expect_finite", "expect_shape", "StudentFunction", "student",
    "CheckFailed", "StudentError", "StudentTimeout", "WorkerDied", "expect", "as_net",
    "count_parameters", "expect_layer_kinds", "forward", "hidden_widths", "Handle", "LayerSpec", "LibraryCall",
    "NetSpec", "Opaque", "PiecewiseLinear", "TensorArg", "TensorValue", "describe", "Callback", "CallbackRefused",
]
