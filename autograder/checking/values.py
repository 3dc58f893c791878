r"""Plain value types that cross the boundary between student code and the checks.

Checks never see the student's objects directly: every result of a student call is *marshalled*
into one of these types (by :mod:`autograder.checking.marshal`), either in the same process
(``grader.check`` in the student's kernel) or in the sandboxed worker process (grading), where it is
then sent over the wire (:mod:`autograder.checking.wire`). Because the types below hold only numpy
arrays and Python primitives, the trusted grading process never imports torch and never unpickles
anything the student produced.

Types (all immutable in spirit):

* ``numpy.ndarray``           a numpy result, as is (numeric/bool dtypes only)
* :class:`TensorValue`        a torch tensor: its data as a numpy array plus torch dtype and flags
* :class:`NetSpec`            an ``nn.Module``: its layers (weights as float64 arrays) + a handle
* :class:`Handle`             any other callable (a function the student returned), callable again
* :class:`Opaque`             anything else: just its type name and a short repr
* ``None, bool, int, float, str, list, tuple, dict`` (str keys)

Arguments the checks pass *to* student code may additionally be :class:`TensorArg` (becomes a
torch tensor on the student side), a :class:`NetSpec` (becomes an ``nn.Sequential``), a
:class:`LibraryCall` (a course-library function's result), a :class:`PiecewiseLinear` or a
:class:`Callback` (both become plain functions), or a :class:`Handle` (an object kept on the student
side, passed as itself).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np


@dataclass(frozen=True)
class TensorValue:
    """A torch tensor returned by student code: ``array`` holds its values (same shape)."""

    array: np.ndarray
    dtype: str  # e.g. "torch.float32"
    requires_grad: bool = False

    @property
    def shape(self) -> tuple:
        return tuple(self.array.shape)


@dataclass(frozen=True)
class TensorArg:
    """Ask for a torch tensor argument: ``torch.tensor(array, dtype=dtype)`` on the student side.

    ``dtype`` is a torch dtype name without the ``torch.`` prefix ("float32", "float64", ...);
    ``None`` keeps the numpy dtype.
    """

    array: np.ndarray
    dtype: Optional[str] = None
    requires_grad: bool = False


@dataclass(frozen=True)
class PiecewiseLinear:
    """A grader-made function passed *to* student code: linear interpolation through
    ``(knots[i], values[i])``, constant outside ``[knots[0], knots[-1]]`` (numpy.interp).

    With dyadic knots and values that are multiples of a power of 2, every evaluation at a dyadic
    point is exact in float64, so a student's piece count can be compared exactly.
    """

    knots: np.ndarray
    values: np.ndarray

    def __call__(self, x: Any) -> np.ndarray:
        return np.interp(np.asarray(x, dtype=np.float64), self.knots, self.values)

    def pieces(self, lo: float, hi: float) -> int:
        """Independent count of the linear pieces on [lo, hi] (lo, hi knots): slope changes + 1."""
        inside = (self.knots >= lo) & (self.knots <= hi)
        k, v = self.knots[inside], self.values[inside]
        slopes = np.diff(v) / np.diff(k)
        return 1 + int(np.count_nonzero(np.diff(slopes)))


@dataclass(frozen=True)
class LibraryCall:
    """An argument built on the student side by a function of the course library:
    ``shared.<module>.<function>(*args, **kwargs)`` (e.g. a dataset object for a student function).
    Only functions of ``shared`` are allowed; arguments are plain values."""

    module: str        # e.g. "shared.data"
    function: str
    args: tuple = ()
    kwargs: Any = None

    def __post_init__(self) -> None:
        if not (self.module == "shared" or self.module.startswith("shared.")):
            raise ValueError("LibraryCall may only call functions of the course library `shared`")


class CallbackRefused(Exception):
    """Raised by a :class:`Callback`'s function to refuse a call (e.g. a query budget is spent);
    the student's code receives ``RuntimeError(message)``."""


@dataclass(frozen=True)
class Callback:
    r"""A grader-side function passed *to* student code: on the student side it is a plain
    callable, and each call is evaluated by ``func`` in the grading process, so what ``func`` holds
    (a hidden network, a query counter) never reaches the student.

    ``func`` receives the call's arguments marshalled (numpy arrays as arrays, torch tensors as
    :class:`TensorValue`, numbers as numbers) and returns plain values (numpy arrays, numbers,
    lists), which the student's code receives as numpy arrays and numbers. If ``func`` raises
    :class:`CallbackRefused`, the student's code gets ``RuntimeError(message)``; any other exception
    of ``func`` is the grader's error and is reported to the student the same way.
    """

    func: Callable[..., Any] = field(compare=False)
    name: str = "f"


@dataclass(frozen=True)
class CallbackRef:
    """How a :class:`Callback` travels to the sandbox worker: the id the grading process gave it."""

    ident: int
    name: str


@dataclass
class Handle:
    """A student object kept on the student side (a returned function, a module).

    Calling a handle calls the object there and marshals the result, like any student call.
    """

    type_name: str
    summary: str
    call: Optional[Callable[..., Any]] = field(default=None, repr=False, compare=False)
    ref: Any = field(default=None, repr=False, compare=False)  # wire id or the local object

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.call is None:
            raise TypeError(f"{self.type_name} object is not callable")
        return self.call(*args, **kwargs)


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a network. ``kind`` is one of
    linear, relu, leaky_relu, tanh, sigmoid, identity, flatten, other.

    For ``linear``: ``weight`` (out, in) and ``bias`` (out,) or None, as float64 copies of the
    parameters, and ``dtype`` the parameter dtype. For ``leaky_relu``: ``negative_slope``.
    For ``other``: ``type_name`` says what the module was.
    """

    kind: str
    type_name: str
    weight: Optional[np.ndarray] = None
    bias: Optional[np.ndarray] = None
    dtype: Optional[str] = None
    negative_slope: Optional[float] = None


@dataclass
class NetSpec:
    """A network described layer by layer (nested Sequentials are flattened in order)."""

    layers: list
    type_name: str = "Sequential"
    handle: Optional[Handle] = field(default=None, repr=False, compare=False)

    @property
    def linear_layers(self) -> list:
        return [layer for layer in self.layers if layer.kind == "linear"]


@dataclass(frozen=True)
class Opaque:
    """A student value of a type the checks cannot inspect (a DataLoader, an instance). Its
    ``handle`` lets a check pass it back to student code or to a course-library call."""

    type_name: str
    summary: str
    handle: Optional[Handle] = field(default=None, repr=False, compare=False)


NONE_HINT = " Did you replace the `...` with your code and `return` the result?"


def describe(value: Any) -> str:
    """A short human description of a value, for messages, ending with a full stop."""
    text = summary_of(value)
    return text if text.endswith(("?", ".")) else text + "."


def summary_of(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {tuple(value.shape)}, dtype {value.dtype}"
    if isinstance(value, TensorValue):
        return f"a torch tensor of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, TensorArg):
        return f"a torch tensor of shape {tuple(value.array.shape)}"
    if isinstance(value, NetSpec):
        return f"a {value.type_name} with {len(value.layers)} layers"
    if isinstance(value, LibraryCall):
        return f"{value.module}.{value.function}(...)"
    if isinstance(value, PiecewiseLinear):
        return f"a piecewise-linear function with {len(value.knots)} knots"
    if isinstance(value, (Callback, CallbackRef)):
        return f"a function `{value.name}`"
    if isinstance(value, (Handle, Opaque)):
        return f"a {value.type_name} ({value.summary})"
    if value is None:
        return "None." + NONE_HINT
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"
