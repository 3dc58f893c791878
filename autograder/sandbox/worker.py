r"""The sandbox worker: runs a student's notebook cells and answers calls from the checks.

Started by :class:`autograder.grading.sandbox.Sandbox` as ``python -m autograder.sandbox.worker LOG``
(as the unprivileged user ``nobody`` when grading runs as root). It speaks the frame protocol of
:mod:`autograder.checking.wire` on the stdin/stdout it was started with, then points its own file
descriptors 0/1/2 at /dev/null and LOG, so nothing the student prints can reach the protocol by
accident.

Operations (one reply per request):

* ``hello``                         -> ``{ok, pid}``
* ``exec {source, timeout}``        run one notebook cell in an IPython shell, interrupted after
                                       ``timeout`` s -> ``{ok, error, timed_out}``
* ``resolve {names}``               the notebook globals by name, marshalled (functions become handles)
* ``call {target, args, kwargs, timeout}``  call a handle -> ``{ok, value}`` or ``{ok: False, error...}``
* ``library {call, timeout}``       evaluate a LibraryCall (shared.* only) -> ``{ok, value}``
* ``seed {seed}``                   seed random/numpy/torch
* ``forget``                        drop all handles (between rungs)

The soft time bound is a SIGALRM that raises :class:`GradingTimeout` inside the student's code;
the grading process also enforces a hard bound by killing this process's session.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
import types
from typing import Any, Callable

from autograder.checking.calls import student_traceback
from autograder.checking.marshal import marshal, unmarshal
from autograder.checking.values import Handle
from autograder.checking.wire import decode, encode, read_frame, write_frame


class GradingTimeout(BaseException):
    """Raised inside student code when its time bound has passed."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise GradingTimeout("interrupted: time limit reached")


def bounded(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` with a SIGALRM after ``seconds`` (best effort; the parent's kill is the backstop)."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.001))
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class _OtterStub(types.ModuleType):
    """Stands in for otter when grading: ``grader.check``/``export`` cells do nothing."""

    class Notebook:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args, **kwargs: None


class Worker:
    def __init__(self) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        sys.modules["otter"] = _OtterStub("otter")
        self.shell = InteractiveShell.instance()
        self.shell.system = lambda cmd: print(f"[grading] shell command skipped: !{cmd}")
        self.objects: dict = {}
        self.next_id = 0

    # -- handles -----------------------------------------------------------------------------
    def keep(self, obj: Any) -> Handle:
        self.next_id += 1
        ident = self.next_id
        self.objects[ident] = obj
        try:
            summary = repr(obj)[:80]
        except Exception:
            summary = "<unprintable>"
        return Handle(type(obj).__name__, summary, ref=ident)

    def _encode(self, value: Any) -> Any:
        return encode(value, lambda handle: handle.ref)

    def _decode(self, obj: Any) -> Any:
        return decode(obj, lambda ident, type_name, summary: Handle(type_name, summary, ref=ident))

    # -- operations --------------------------------------------------------------------------
    def op_hello(self, msg: dict) -> dict:
        return {"ok": True, "pid": os.getpid()}

    def op_exec(self, msg: dict) -> dict:
        result = bounded(msg["timeout"], lambda: self.shell.run_cell(msg["source"], store_history=False))
        error = result.error_before_exec or result.error_in_exec
        if error is None:
            return {"ok": True}
        return {"ok": False, "timed_out": isinstance(error, GradingTimeout),
                "error": f"{type(error).__name__}: {error}"[:500]}

    def op_resolve(self, msg: dict) -> dict:
        values = {}
        for name in msg["names"]:
            if name in self.shell.user_ns:
                values[name] = self._encode(marshal(self.shell.user_ns[name], self.keep))
        return {"ok": True, "values": values}

    def op_call(self, msg: dict) -> dict:
        target = self.objects[msg["target"]]
        args = unmarshal(self._decode(msg["args"]), lambda h: self.objects[h.ref])
        kwargs = unmarshal(self._decode(msg["kwargs"]), lambda h: self.objects[h.ref])
        try:
            result = bounded(msg["timeout"], lambda: target(*args, **kwargs))
        except GradingTimeout:
            return {"ok": False, "timed_out": True}
        except BaseException as exc:  # the student's exception, SystemExit included
            return {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:1000],
                    "where": student_traceback(exc)}
        return {"ok": True, "value": self._encode(marshal(result, self.keep))}

    def op_library(self, msg: dict) -> dict:
        try:
            result = bounded(msg["timeout"], lambda: unmarshal(self._decode(msg["call"]), lambda h: self.objects[h.ref]))
        except GradingTimeout:
            return {"ok": False, "timed_out": True}
        except BaseException as exc:
            return {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:1000], "where": ""}
        return {"ok": True, "value": self._encode(marshal(result, self.keep))}

    def op_forget(self, msg: dict) -> dict:
        """Drop every handle (the checks of the next rung resolve names afresh), freeing memory."""
        self.objects.clear()
        gc.collect()
        return {"ok": True}

    def op_seed(self, msg: dict) -> dict:
        from shared.seeding import seed_everything

        seed_everything(int(msg["seed"]), import_torch=False)
        return {"ok": True}


def _take_protocol_streams(log_path: str) -> tuple:
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    return proto_in, proto_out


def main() -> None:
    proto_in, proto_out = _take_protocol_streams(sys.argv[1])
    worker = Worker()
    while True:
        msg = read_frame(proto_in)
        op = getattr(worker, f"op_{msg.get('op')}", None)
        if op is None:
            reply = {"ok": False, "error": f"unknown op {msg.get('op')!r}"}
        else:
            try:
                reply = op(msg)
            except GradingTimeout:
                reply = {"ok": False, "timed_out": True}
            except BaseException as exc:  # keep serving: a bad value must not end the session
                reply = {"ok": False, "error_type": type(exc).__name__,
                         "error": f"the grader could not handle the value: {exc}"[:1000], "where": ""}
        try:
            write_frame(proto_out, reply)
        except (TypeError, ValueError, OverflowError) as exc:  # e.g. an int too large for JSON
            write_frame(proto_out, {"ok": False, "error_type": type(exc).__name__,
                                    "error": f"the result cannot be sent to the grader: {exc}"[:500], "where": ""})


if __name__ == "__main__":
    main()
