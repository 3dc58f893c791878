r"""Calling student code from a check, the same way in the kernel and in the sandbox.

A check receives the student's function (otter passes it by name from the notebook's globals;
the grading engine passes a remote proxy) and wraps it with :func:`student`. Calling the wrapper
returns *marshalled* values (see :mod:`autograder.checking.values`), turns exceptions into
:class:`StudentError` with a readable message, and lets the check seed the student side's random
generators (numpy, torch, random) with :meth:`StudentFunction.seed`.

Side effects and speed are observable too:

* ``h = fn.keep(value)`` builds an argument once on the student side and keeps it; passing ``h``
  to student calls passes that very object, ``fn.inspect(h)`` shows its state afterwards and
  ``fn.same(result, h)`` says whether a result *is* that object ("in place", "not modified");
* ``value, cpu_s = fn.timed_call(*args, limit_s=L)`` measures the CPU seconds of one call and
  stops it after ``L`` seconds (graded speed).
"""
from __future__ import annotations

import copy
import os
import signal
import threading
import time
import traceback
from typing import Any, Optional, Tuple

from .failures import CheckFailed, StudentError, StudentTimeout
from .marshal import marshal, unmarshal
from .values import Handle, NetSpec, Opaque, describe, summary_of

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

    def keep(self, value: Any) -> Handle:  # pragma: no cover - interface
        """Build ``value`` (any argument a check may pass: NetSpec, TensorArg, LibraryCall, array,
        ...) once on the student side, keep it, and return a :class:`Handle` to it. Passing the
        handle to a student call passes that very object. Valid for the current rung."""
        raise NotImplementedError

    def inspect(self, handle: Any) -> Any:  # pragma: no cover - interface
        """The current state of a kept or returned object, marshalled (a NetSpec for a module, a
        TensorValue for a tensor, ...)."""
        raise NotImplementedError

    def timed_call(self, *args: Any, limit_s: Optional[float] = None, **kwargs: Any) -> Tuple[Any, float]:  # pragma: no cover - interface
        """``(value, cpu_s)``: the result of ``self(*args, **kwargs)`` and the CPU seconds the call
        took on the student side. The call is stopped after ``limit_s`` seconds (the question's
        remaining time when None) with :class:`StudentTimeout`."""
        raise NotImplementedError

    def same(self, value: Any, kept: Any) -> bool:
        """Whether ``value`` (a NetSpec, Opaque or Handle from a student call) is the very object
        that ``kept`` (a handle from :meth:`keep`, or another result) refers to."""
        a, b = handle_of(value), handle_of(kept)
        return a is not None and b is not None and self._same_ref(a.ref, b.ref)

    def _same_ref(self, a: Any, b: Any) -> bool:
        return a is b

    def renamed(self, name: str) -> "StudentFunction":
        """The same callable, reported under the notebook name ``name`` in messages."""
        clone = copy.copy(self)
        clone.name = name
        return clone


def handle_of(value: Any) -> Optional[Handle]:
    """The handle a marshalled value carries (modules, opaque objects, callables), or None."""
    if isinstance(value, Handle):
        return value
    if isinstance(value, (NetSpec, Opaque)):
        return value.handle
    return None


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

    def keep(self, value: Any) -> Handle:
        try:
            obj = unmarshal(value, _local_object)
        except Exception as exc:
            raise StudentError(f"The grader could not build {summary_of(value)} for {self.name}: "
                               f"{type(exc).__name__}: {exc}") from None
        return _keep_local(obj)

    def inspect(self, handle: Any) -> Any:
        target = handle_of(handle)
        if target is None:
            raise TypeError(f"inspect needs a handle, got {summary_of(handle)}")
        return marshal(target.ref, _keep_local)

    def timed_call(self, *args: Any, limit_s: Optional[float] = None, **kwargs: Any) -> Tuple[Any, float]:
        with _cpu_limit(limit_s, self.name):
            started = cpu_seconds()
            try:
                value = self(*args, **kwargs)
            finally:
                spent = cpu_seconds() - started
        return value, spent

    def library(self, call: Any) -> Any:
        try:
            result = unmarshal(call, _local_object)
        except Exception as exc:
            raise StudentError(f"{call.module}.{call.function} failed on your object: "
                               f"{type(exc).__name__}: {exc}") from None
        return marshal(result, _keep_local)


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process (nanosecond clock) and its reaped children."""
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


class _CpuLimitReached(BaseException):
    """Raised inside student code when its CPU budget is spent (a BaseException, so that a
    student's ``except Exception`` cannot swallow it)."""


class _cpu_limit:
    """Stop the body after ``seconds`` of this process's CPU time (ITIMER_PROF) with
    :class:`StudentTimeout`; no limit off the main thread or when ``seconds`` is None."""

    def __init__(self, seconds: Optional[float], name: str):
        self.seconds, self.name = seconds, name
        self.active = seconds is not None and threading.current_thread() is threading.main_thread()

    def __enter__(self) -> None:
        if self.active:
            self.saved = signal.signal(signal.SIGPROF, self._raise)
            signal.setitimer(signal.ITIMER_PROF, max(float(self.seconds), 0.001))

    @staticmethod
    def _raise(signum: int, frame: Any) -> None:
        raise _CpuLimitReached()

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        if self.active:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.saved)
        if kind is not None and issubclass(kind, _CpuLimitReached):
            raise StudentTimeout(f"{self.name} was stopped after {self.seconds:g} s of CPU time.") from None
        return False


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

