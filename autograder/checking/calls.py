r"""Calling student code from a check, the same way in the kernel and in the sandbox.

A check receives the student's function (otter passes it by name from the notebook's globals;
the grading engine passes a remote proxy) and wraps it with :func:`student`. Calling the wrapper
returns *marshalled* values (see :mod:`autograder.checking.values`), turns exceptions into
:class:`StudentError` with a readable message, and lets the check seed the student side's random
generators (numpy, torch, random) with :meth:`StudentFunction.seed`.
"""
from __future__ import annotations

import copy
import traceback
from typing import Any

from .failures import CheckFailed, StudentError
from .marshal import marshal, unmarshal
from .values import Handle, describe, summary_of

_TRACEBACK_FRAMES = 3


class StudentFunction:
    """A student's callable, as the checks see it."""

    name: str = "?"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def seed(self, seed: int) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def library(self, call: Any) -> Any:  # pragma: no cover - interface
        """Evaluate a :class:`LibraryCall` on the student side (where this callable lives) and
        return its marshalled result, e.g. ``shared.data.loader_summary(<a returned loader>)``."""
        raise NotImplementedError

    def renamed(self, name: str) -> "StudentFunction":
        """The same callable, reported under the notebook name ``name`` in messages."""
        clone = copy.copy(self)
        clone.name = name
        return clone


def call_signature(name: str, args: tuple, kwargs: dict) -> str:
    """``name(<description of args>)`` for messages."""
    parts = [summary_of(a) if not isinstance(a, (int, float, str, bool)) else repr(a) for a in args]
    parts += [f"{k}={v!r}" if isinstance(v, (int, float, str, bool)) else f"{k}={summary_of(v)}"
              for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def student_traceback(exc: BaseException) -> str:
    """The last few frames of a traceback that belong to the student's code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/autograder/checking/" not in f.filename.replace("\\", "/")
              and "/autograder/sandbox/" not in f.filename.replace("\\", "/")]
    lines = [f"  line {f.lineno}: {f.line}" for f in frames[-_TRACEBACK_FRAMES:] if f.line]
    return "\n".join(lines)


def error_message(name: str, args: tuple, kwargs: dict, exc_type: str, exc_text: str, where: str) -> str:
    text = f"Calling {call_signature(name, args, kwargs)} raised {exc_type}: {exc_text}"
    return text + (f"\n{where}" if where else "")


class LocalFunction(StudentFunction):
    """A student callable in this very process (``grader.check`` inside the student's kernel)."""

    def __init__(self, fn: Any, name: str):
        self.fn = fn
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        real_args = unmarshal(args, _local_object)
        real_kwargs = unmarshal(kwargs, _local_object)
        try:
            result = self.fn(*real_args, **real_kwargs)
        except Exception as exc:
            raise StudentError(error_message(self.name, args, kwargs, type(exc).__name__, str(exc),
                                             student_traceback(exc))) from None
        return marshal(result, _keep_local)

    def seed(self, seed: int) -> None:
        from shared.seeding import seed_everything

        seed_everything(seed)

    def library(self, call: Any) -> Any:
        try:
            result = unmarshal(call, _local_object)
        except Exception as exc:
            raise StudentError(f"{call.module}.{call.function} failed on your object: "
                               f"{type(exc).__name__}: {exc}") from None
        return marshal(result, _keep_local)


def _keep_local(obj: Any) -> Handle:
    fn = LocalFunction(obj, type(obj).__name__) if callable(obj) else None
    return Handle(type(obj).__name__, _short(obj), call=fn, ref=obj)


def _local_object(handle: Handle) -> Any:
    return handle.ref


def _short(obj: Any) -> str:
    try:
        text = repr(obj)
    except Exception:
        text = "<unprintable>"
    return text if len(text) <= 80 else text[:77] + "..."


def student(obj: Any, name: str) -> StudentFunction:
    """Wrap what otter/the engine passed for the notebook name ``name``; fail clearly if absent."""
    if isinstance(obj, StudentFunction):
        return obj
    if obj is None:
        raise CheckFailed(f"`{name}` is not defined. Run the cell that defines it, and keep the name "
                          f"`{name}` exactly as given (the grader calls it by that name).")
    if isinstance(obj, Handle):
        return obj.call.renamed(name) if isinstance(obj.call, StudentFunction) else LocalFunction(obj.ref, name)
    if not callable(obj):
        raise CheckFailed(f"`{name}` should be a function, but it is {describe(marshal(obj, _keep_local))}")
    return LocalFunction(obj, name)

