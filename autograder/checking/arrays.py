r"""Array checks with messages that say where and by how much an answer is off.

All comparisons are made in float64 on copies; nothing here calls student code.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .failures import CheckFailed, expect
from .values import TensorValue, describe


def as_array(value: Any, what: str) -> np.ndarray:
    """The numbers of a numpy array or torch tensor result, as float64; fail on anything else."""
    if isinstance(value, TensorValue):
        return value.array.astype(np.float64)
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return np.asarray(float(value))
    raise CheckFailed(f"{what} should be an array (numpy) or a tensor (torch), but it is {describe(value)}")


def expect_shape(array: np.ndarray, shape: Sequence[int], what: str) -> None:
    expect(tuple(array.shape) == tuple(shape),
           f"{what} should have shape {tuple(shape)}, but it has shape {tuple(array.shape)}.")


def expect_finite(array: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CheckFailed(f"{what} contains {int(bad.sum())} NaN/inf values (first at index {index}: "
                          f"{array[index]}). Check for divisions by zero or overflow.")


def expect_close(got: np.ndarray, want: np.ndarray, atol: float, what: str,
                 inputs: Optional[np.ndarray] = None, hint: str = "") -> None:
    """Fail unless ``|got - want| <= atol`` everywhere; report the worst point."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    expect_shape(got, want.shape, what)
    expect_finite(got, what)
    err = np.abs(got - want)
    if err.size and err.max() > atol:
        i = np.unravel_index(int(np.argmax(err)), err.shape)
        at = f" at input {inputs[i]:.10g}" if inputs is not None and inputs.shape == err.shape else f" at index {tuple(int(k) for k in i)}"
        n_bad = int((err > atol).sum())
        message = (f"{what} is wrong{at}: expected {want[i]:.10g}, got {got[i]:.10g} "
                   f"(off by {err[i]:.3g}; {n_bad} of {err.size} values are off by more than {atol:g}).")
        raise CheckFailed(message + (f"\nHint: {hint}" if hint else ""))
