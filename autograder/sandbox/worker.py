r"""The sandbox worker: runs a student's notebook cells and answers calls from the checks.

Started by :class:`autograder.grading.sandbox.Sandbox` as ``python -P -m autograder.sandbox.worker
LOG`` (as a sandbox uid of its own when grading runs as root). Before anything else it hardens
itself (:func:`harden`): no privileges can be gained any more (``PR_SET_NO_NEW_PRIVS``: a
set-uid program runs with our uid), it is the first process the kernel kills when memory runs
out, no core files, and (when the grader asks) rlimits on its memory and process count. It speaks
the frame protocol of :mod:`autograder.checking.wire` on the stdin/stdout it was started with,
then points its own file descriptors 0/1/2 at /dev/null and LOG, so nothing the student prints
can reach the protocol by accident.

Requests carry a number ``n``; every reply echoes it as ``re`` (a frame the student's code forged
on the protocol descriptor is then recognised by the grading process). Operations (one reply per
request):

* ``hello``                         -> ``{ok, pid}``
* ``exec {source}``                 run one notebook cell in an IPython shell -> ``{ok, error,
                                       error_type, timed_out}``
* ``resolve {names}``               the notebook globals by name, marshalled (functions become handles)
* ``call {target, args, kwargs}``  call a handle -> ``{ok, value}`` or ``{ok: False, error...}``
* ``library {call}``                evaluate a LibraryCall (shared.* only) -> ``{ok, value}``
* ``seed {seed}``                   seed random/numpy/torch
* ``forget``                        drop all handles (between rungs)
* ``keep {value}``                  build a check's argument once and keep it -> ``{ok, value: handle}``
* ``inspect {target}``              a kept object's current state, marshalled
* ``substitute {source, names}``    run our reference code in a fresh namespace and put
                                       ``names`` from it into the notebook's globals (saved first)
* ``restore``                       put back what ``substitute`` replaced

While a ``call`` runs, the student's code may call a :class:`~autograder.checking.values.Callback`
it received: the worker then writes a ``{cb, re, callback, args, kwargs}`` frame (``cb`` numbers
the callbacks of this worker, ``re`` the pending request) and reads the grading process's
``{cb, ok, value}`` or ``{cb, ok: False, error}`` answer before the student code continues.
Replies to ``call`` carry ``cpu_s``, the CPU seconds of the call as this process measured them
(the grading process measures the whole tree itself and takes the larger figure: a worker can
only make itself slower by it).

Time is counted by the grading process (CPU seconds of this process tree, see
:mod:`autograder.grading.sandbox`): when a budget is spent it sends :data:`INTERRUPT`, which
raises :class:`GradingTimeout` inside the student's code (only while student code runs); if the
worker does not answer soon after, the grading process kills it.
"""
from __future__ import annotations

import ctypes
import gc
import importlib
import os
import resource
import signal
import sys
from typing import Any, BinaryIO, Callable, Optional

from autograder.checking.calls import cpu_seconds, student_traceback
from autograder.checking.marshal import marshal, unmarshal
from autograder.checking.values import CallbackRef, Handle
from autograder.checking.wire import decode, encode, read_frame, write_frame
from autograder.sandbox.reference import OtterStub, run_reference, swap_in, swap_out


INTERRUPT = signal.SIGUSR2           # sent by the grading process when a budget is spent
PR_SET_NO_NEW_PRIVS = 38             # <linux/prctl.h>
MAX_PROCESSES = 1024                 # RLIMIT_NPROC for a dedicated sandbox uid (threads count too)
MAX_FILE_BYTES = 1 << 30             # RLIMIT_FSIZE: no file (the output log included) beyond 1 GB


class GradingTimeout(BaseException):
    """Raised inside student code when its time budget is spent."""


_ARMED = False                       # True only while student code runs on the main thread


def _on_interrupt(signum: int, frame: Any) -> None:
    if _ARMED:
        raise GradingTimeout("interrupted: time budget spent")


def bounded(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` (student code) so that :data:`INTERRUPT` stops it with :class:`GradingTimeout`."""
    global _ARMED
    signal.signal(INTERRUPT, _on_interrupt)   # student code may have replaced the handler
    saved, _ARMED = _ARMED, True
    try:
        return fn()
    finally:
        _ARMED = saved


def harden() -> None:
    """Before any student code runs: no privilege gain, first to be killed on memory shortage, no
    core files, no huge files, and the limits the grading process passed in the environment
    (``GD_WORKER_MB``: RLIMIT_DATA in MB when no memory cgroup caps us; ``GD_WORKER_NPROC``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    megabytes = os.environ.pop("GD_WORKER_MB", "")
    if megabytes:
        limit = int(float(megabytes) * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    if os.environ.pop("GD_WORKER_NPROC", ""):
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    signal.signal(INTERRUPT, _on_interrupt)


class Worker:
    def __init__(self, proto_in: Optional[BinaryIO] = None, proto_out: Optional[BinaryIO] = None) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        sys.modules["otter"] = OtterStub("otter")
        self.shell = InteractiveShell.instance()
        self.shell.system = lambda cmd: print(f"[grading] shell command skipped: !{cmd}")
        self.proto_in, self.proto_out = proto_in, proto_out
        self.pending: Any = None         # number of the request being served
        self.callbacks_made = 0          # numbers this worker's callback frames
        self.objects: dict = {}
        self.ids: dict = {}              # id(object) -> handle id, so one object has one handle
        self.next_id = 0
        self.saved_globals: dict = {}    # what ``substitute`` replaced
        self.frozen = False              # gc.freeze() done after the notebook ran

    # -- handles -----------------------------------------------------------------------------
    def keep(self, obj: Any) -> Handle:
        ident = self.ids.get(id(obj))
        if ident is None or self.objects.get(ident) is not obj:
            self.next_id += 1
            ident = self.next_id
            self.objects[ident] = obj
            self.ids[id(obj)] = ident
        return Handle(type(obj).__name__, _short_repr(obj), ref=ident)

    def _encode(self, value: Any) -> Any:
        return encode(value, lambda handle: handle.ref)

    def _decode(self, obj: Any) -> Any:
        return decode(obj, lambda ident, type_name, summary: Handle(type_name, summary, ref=ident))

    def _real(self, encoded: Any) -> Any:
        """A check's encoded argument -> the object the student's code receives."""
        return unmarshal(self._decode(encoded), lambda h: self.objects[h.ref], self._callback_proxy)

    def _callback_proxy(self, ref: CallbackRef) -> Callable[..., Any]:
        """A plain function whose calls are answered by the grading process (see module doc)."""
        def call(*args: Any, **kwargs: Any) -> Any:
            self.callbacks_made += 1
            number = self.callbacks_made
            write_frame(self.proto_out, {"cb": number, "re": self.pending, "callback": ref.ident,
                                         "args": self._encode(marshal(list(args), self.keep)),
                                         "kwargs": self._encode(marshal(dict(kwargs), self.keep))})
            answer = read_frame(self.proto_in)
            if answer.get("cb") != number:
                raise RuntimeError("the channel to the grader is out of step")
            if not answer.get("ok"):
                raise RuntimeError(str(answer.get("error", f"{ref.name} refused the call")))
            return unmarshal(self._decode(answer.get("value")), lambda h: self.objects[h.ref])

        call.__name__ = call.__qualname__ = ref.name
        return call

    # -- operations --------------------------------------------------------------------------
    def op_hello(self, msg: dict) -> dict:
        return {"ok": True, "pid": os.getpid()}

    def op_exec(self, msg: dict) -> dict:
        result = bounded(lambda: self.shell.run_cell(msg["source"], store_history=False))
        error = result.error_before_exec or result.error_in_exec
        if error is None:
            return {"ok": True}
        return {"ok": False, "timed_out": isinstance(error, GradingTimeout), "error_type": type(error).__name__,
                "error": f"{type(error).__name__}: {error}"[:500]}

    def op_resolve(self, msg: dict) -> dict:
        values = {}
        for name in msg["names"]:
            if name in self.shell.user_ns:
                values[name] = self._encode(marshal(self.shell.user_ns[name], self.keep))
        return {"ok": True, "values": values}

    def op_call(self, msg: dict) -> dict:
        target = self.objects[msg["target"]]
        args = self._real(msg["args"])
        kwargs = self._real(msg["kwargs"])
        started = cpu_seconds()
        try:
            result = bounded(lambda: target(*args, **kwargs))
        except GradingTimeout:
            return {"ok": False, "timed_out": True, "cpu_s": cpu_seconds() - started}
        except BaseException as exc:  # the student's exception, SystemExit included
            return {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:1000],
                    "where": student_traceback(exc)}
        spent = cpu_seconds() - started
        return {"ok": True, "value": self._encode(marshal(result, self.keep)), "cpu_s": spent}

    def op_keep(self, msg: dict) -> dict:
        try:
            obj = bounded(lambda: self._real(msg["value"]))
        except GradingTimeout:
            return {"ok": False, "timed_out": True}
        except BaseException as exc:
            return {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:1000], "where": ""}
        ident = self.next_id + 1
        self.next_id = ident
        self.objects[ident] = obj        # a fresh handle even if an equal object exists
        self.ids[id(obj)] = ident
        return {"ok": True, "value": self._encode(Handle(type(obj).__name__, _short_repr(obj), ref=ident))}

    def op_inspect(self, msg: dict) -> dict:
        return {"ok": True, "value": self._encode(marshal(self.objects[msg["target"]], self.keep))}

    def op_substitute(self, msg: dict) -> dict:
        """Put our reference definitions of ``names`` into the notebook's globals (see
        :mod:`autograder.sandbox.reference`) until ``restore``."""
        self.op_restore({})
        try:
            reference = bounded(lambda: run_reference(msg["source"]))
        except BaseException as exc:
            return {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:1000], "where": ""}
        self.saved_globals = swap_in(self.shell.user_ns, reference, msg["names"])
        return {"ok": True}

    def op_restore(self, msg: dict) -> dict:
        swap_out(self.shell.user_ns, self.saved_globals)
        self.saved_globals = {}
        return {"ok": True}

    def op_library(self, msg: dict) -> dict:
        try:
            result = bounded(lambda: self._real(msg["call"]))
        except GradingTimeout:
            return {"ok": False, "timed_out": True}
        except BaseException as exc:
            return {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:1000], "where": ""}
        return {"ok": True, "value": self._encode(marshal(result, self.keep))}

    def op_forget(self, msg: dict) -> dict:
        """Drop every handle (the checks of the next rung resolve names afresh), freeing memory.

        The first call comes after the notebook has run: one full collection, then ``gc.freeze()``
        moves everything alive into the permanent generation, so the collection before each later
        rung only scans what the checks' calls created (a full collection with torch loaded costs
        0.1-0.2 CPU s, times some 30 rungs)."""
        self.objects.clear()
        self.ids.clear()
        gc.collect()
        if not self.frozen:
            gc.freeze()
            self.frozen = True
        return {"ok": True}

    def op_preload(self, msg: dict) -> dict:
        """Import the assignment's ``PRELOAD`` modules whose top-level package the notebook imported
        (``torch._dynamo`` once the notebook has imported ``torch``): a library's lazy first import
        is then paid with the notebook's time, not with the budget of the question whose check
        happens to trigger it. Returns the modules imported."""
        done = []
        try:
            for name in msg.get("modules", []):
                if name.split(".")[0] in sys.modules and name not in sys.modules:
                    importlib.import_module(name)     # main() runs every op bounded
                    done.append(name)
        except GradingTimeout:
            return {"ok": False, "timed_out": True}
        except BaseException as exc:
            return {"ok": False, "error_type": type(exc).__name__, "error": str(exc)[:300], "imported": done}
        return {"ok": True, "imported": done}

    def op_seed(self, msg: dict) -> dict:
        from shared.seeding import seed_everything

        seed_everything(int(msg["seed"]), import_torch=False)
        return {"ok": True}


def _short_repr(obj: Any) -> str:
    try:
        return repr(obj)[:80]
    except Exception:
        return "<unprintable>"


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
    harden()
    proto_in, proto_out = _take_protocol_streams(sys.argv[1])
    worker = Worker(proto_in, proto_out)
    while True:
        msg = read_frame(proto_in)
        if "op" not in msg:  # the answer to a callback frame that the student's code forged
            write_frame(proto_out, {"ok": False, "error": "stray frame", "re": worker.pending})
            continue
        worker.pending = msg.get("n")
        op = getattr(worker, f"op_{msg.get('op')}", None)
        if op is None:
            reply = {"ok": False, "error": f"unknown op {msg.get('op')!r}"}
        else:
            try:  # every op may run student code (a __repr__, a patched np.random.seed, ...)
                reply = bounded(lambda: op(msg))
            except GradingTimeout:
                reply = {"ok": False, "timed_out": True}
            except BaseException as exc:  # keep serving: a bad value must not end the session
                reply = {"ok": False, "error_type": type(exc).__name__,
                         "error": f"the grader could not handle the value: {exc}"[:1000], "where": ""}
        try:
            write_frame(proto_out, {**reply, "re": worker.pending})
        except (TypeError, ValueError, OverflowError) as exc:  # e.g. an int too large for JSON
            write_frame(proto_out, {"ok": False, "error_type": type(exc).__name__, "re": worker.pending,
                                    "error": f"the result cannot be sent to the grader: {exc}"[:500], "where": ""})


if __name__ == "__main__":
    main()
