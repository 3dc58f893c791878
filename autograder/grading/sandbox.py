r"""The trusted side of the sandbox: start the worker, talk to it, bound its time, kill it.

Guarantees (see README, "Grading and what it defends against"):

* The worker runs in its own session (process group) and is killed with it; as the sandbox user
  (root grading), every process of that user started since the worker is killed too, so nothing it
  starts outlives grading, not even a child that left the session.
* When grading runs as root (Gradescope), the worker runs as ``nobody``: it cannot read the
  hidden tests or the grading code (``private/`` is mode 700), cannot write the results folder and
  cannot signal the grading process.
* Replies are JSON frames; arrays are loaded with ``allow_pickle=False``. The grading process never
  imports the student's code, never unpickles anything from the worker, and never imports torch.
* Every request has a hard deadline: ``soft + GRACE_S``. The worker interrupts student code at the
  soft bound itself; if it does not answer by the hard one, it is killed and the caller gets
  :class:`StudentTimeout`.
"""
from __future__ import annotations

import os
import pwd
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional

from autograder.checking.calls import StudentFunction, call_signature, error_message, handle_of
from autograder.checking.failures import StudentError, StudentTimeout, WorkerDied
from autograder.checking.values import Callback, CallbackRefused, Handle
from autograder.checking.wire import WireError, decode, encode, read_frame, write_frame

GRACE_S = 3.0            # hard deadline = soft deadline + GRACE_S
START_TIMEOUT_S = 60.0   # interpreter start and imports of the worker


@dataclass
class SandboxOptions:
    lib_path: str                     # PYTHONPATH of the worker: autograder (public part) + shared
    user: Optional[str] = None        # run the worker as this user (only possible as root)
    threads: int = 1                  # OMP/MKL/torch threads: Gradescope gives 0.5-2 vCPU


def default_sandbox_user() -> Optional[str]:
    """``nobody`` when running as root (unless GD_SANDBOX_USER says otherwise), else None."""
    configured = os.environ.get("GD_SANDBOX_USER")
    user = configured if configured is not None else ("nobody" if os.geteuid() == 0 else "")
    if not user:
        return None
    try:
        pwd.getpwnam(user)
    except KeyError:
        return None
    return user


class Sandbox:
    """One worker process. ``deadline`` (monotonic seconds) bounds every call made through it."""

    def __init__(self, options: SandboxOptions):
        self.options = options
        self.proc: Optional[subprocess.Popen] = None
        self.replies: "queue.Queue[Any]" = queue.Queue()
        self.deadline: Optional[float] = None
        self.peak_rss_mb = 0.0           # the worker's peak resident memory (VmHWM), read at kill
        self.started_ticks = 0
        self.ident = uuid.uuid4().hex
        self.callbacks: dict = {}        # id -> Callback sent to the worker in this rung
        self.workdir = tempfile.mkdtemp(prefix="gd-sandbox-")
        self.log_path = os.path.join(self.workdir, "notebook-output.log")

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.workdir, "PYTHONPATH": self.options.lib_path, "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": os.path.join(self.workdir, ".mpl"), "TORCH_HOME": os.path.join(self.workdir, ".torch"),
            "XDG_CACHE_HOME": os.path.join(self.workdir, ".cache"), "GD_GRADING": "1",
            "OMP_NUM_THREADS": str(self.options.threads), "MKL_NUM_THREADS": str(self.options.threads),
            "LANG": "C.UTF-8", "GD_SANDBOX_ID": self.ident,
        }
        kwargs: dict = {}
        if self.options.user:
            record = pwd.getpwnam(self.options.user)
            os.chown(self.workdir, record.pw_uid, record.pw_gid)
            kwargs.update(user=record.pw_uid, group=record.pw_gid, extra_groups=[])
        self.replies = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.worker", self.log_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.workdir, env=env, start_new_session=True, **kwargs)
        self.started_ticks = _start_ticks(self.proc.pid)
        threading.Thread(target=self._read_replies, args=(self.proc,), daemon=True).start()
        self.request({"op": "hello"}, hard_timeout=START_TIMEOUT_S)
        return self

    def _read_replies(self, proc: subprocess.Popen) -> None:
        try:
            while True:
                self.replies.put(read_frame(proc.stdout))
        except (WireError, OSError, ValueError) as exc:
            self.replies.put(exc)

    def _read_peak_rss(self) -> None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_rss_mb = max(self.peak_rss_mb, int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            pass

    def kill(self) -> None:
        if self.proc is not None:
            self._read_peak_rss()
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self.options.user:
                _kill_user_processes(pwd.getpwnam(self.options.user).pw_uid, self.started_ticks, self.ident)
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc = None

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output_tail(self, limit: int = 2000) -> str:
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - limit))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- requests --------------------------------------------------------------------------------
    def remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def request(self, message: dict, hard_timeout: float) -> dict:
        """Send one request; kill the worker and raise if no valid reply comes in time."""
        if not self.alive:
            raise WorkerDied("The process running your notebook is no longer alive.")
        try:
            write_frame(self.proc.stdin, message)
        except (OSError, ValueError):
            self.kill()
            raise WorkerDied("The process running your notebook died (did your code exit or crash?).") from None
        deadline = time.monotonic() + max(hard_timeout, 0.01)
        while True:
            try:
                reply = self.replies.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                self.kill()
                raise StudentTimeout(f"Your code did not finish within {hard_timeout:.0f} s and was stopped.") from None
            if isinstance(reply, Exception):
                self.kill()
                raise WorkerDied("The process running your notebook died (did your code call exit(), "
                                 "crash, or run out of memory?).")
            if "callback" not in reply:
                return reply
            self._answer_callback(reply)

    def _answer_callback(self, frame: dict) -> None:
        """Evaluate a :class:`Callback` the student's code called, here in the grading process."""
        callback = self.callbacks.get(frame.get("callback"))
        try:
            if callback is None:
                raise CallbackRefused("unknown function")
            args = self._decode(frame.get("args", []))
            kwargs = self._decode(frame.get("kwargs", {}))
            answer = {"ok": True, "value": encode(callback.func(*args, **kwargs), _handle_id)}
        except CallbackRefused as exc:
            answer = {"ok": False, "error": str(exc)[:1000]}
        except Exception as exc:  # the grader's function could not answer this argument
            answer = {"ok": False, "error": f"the grader's `{getattr(callback, 'name', '?')}` could not answer: "
                                            f"{type(exc).__name__}: {exc}"[:1000]}
        try:
            write_frame(self.proc.stdin, answer)
        except (OSError, ValueError, TypeError):
            pass  # the worker is gone: the pending request reports it

    def _callback_id(self, callback: Callback) -> int:
        ident = len(self.callbacks) + 1
        self.callbacks[ident] = callback
        return ident

    def _encode_args(self, value: Any) -> Any:
        return encode(value, _handle_id, self._callback_id)

    def exec_cell(self, source: str, timeout: float) -> dict:
        return self.request({"op": "exec", "source": source, "timeout": timeout}, timeout + GRACE_S)

    def _service_timeout(self) -> float:
        """Hard bound of seed/resolve: they can run student code too (a ``__repr__``, a patched
        ``np.random.seed``), so within a question they get what is left of its time plus the grace."""
        return min(START_TIMEOUT_S, max(self.remaining(), 0.0) + GRACE_S)

    def seed(self, seed: int) -> None:
        self.request({"op": "seed", "seed": seed}, self._service_timeout())

    def forget(self) -> None:
        """Free the objects the worker keeps for earlier handles (they become invalid)."""
        self.callbacks.clear()
        self.request({"op": "forget"}, self._service_timeout())

    def keep(self, value: Any, name: str) -> Handle:
        reply = self._checked({"op": "keep", "value": self._encode_args(value)}, f"building an argument for {name}")
        return self._decode(reply.get("value"))

    def inspect(self, handle: Handle) -> Any:
        reply = self.request({"op": "inspect", "target": handle.ref}, self._service_timeout())
        if not reply.get("ok"):
            raise StudentError(f"The grader could not read back {handle.type_name}: {reply.get('error', '')}")
        return self._decode(reply.get("value"))

    def substitute(self, source: str, names: list) -> Optional[str]:
        """Put our reference definitions of ``names`` into the notebook's globals (see worker);
        returns an error text if the reference code could not run there."""
        reply = self.request({"op": "substitute", "source": source, "names": list(names),
                              "timeout": START_TIMEOUT_S}, START_TIMEOUT_S + GRACE_S)
        return None if reply.get("ok") else f"{reply.get('error_type', 'Error')}: {reply.get('error', '')}"

    def restore(self) -> None:
        self.request({"op": "restore"}, START_TIMEOUT_S)

    def _checked(self, message: dict, what: str) -> dict:
        soft = self.remaining()
        if soft <= 0:
            raise StudentTimeout("The time for this question ran out before all checks ran.")
        soft = min(soft, 3600.0)
        reply = self.request({**message, "timeout": soft}, soft + GRACE_S)
        if reply.get("timed_out"):
            raise StudentTimeout(f"{what} did not finish within the time left for this question ({soft:.0f} s).")
        if not reply.get("ok"):
            raise StudentError(f"{what} failed: {reply.get('error_type', 'Error')}: {reply.get('error', '')}")
        return reply

    def resolve(self, names: list) -> dict:
        reply = self.request({"op": "resolve", "names": list(names)}, self._service_timeout())
        return {name: self._decode(value) for name, value in reply.get("values", {}).items()}

    def call(self, handle: Handle, name: str, args: tuple, kwargs: dict, limit_s: Optional[float] = None) -> Any:
        return self.timed_call(handle, name, args, kwargs, limit_s)[0]

    def timed_call(self, handle: Handle, name: str, args: tuple, kwargs: dict,
                   limit_s: Optional[float] = None) -> tuple:
        """``(value, cpu_s)`` of one call of a student function."""
        message = {"op": "call", "target": handle.ref,
                   "args": self._encode_args(list(args)), "kwargs": self._encode_args(dict(kwargs))}
        reply = self._timed_request(message, name, args, kwargs, limit_s)
        return self._value(reply, name), float(reply.get("cpu_s", 0.0))

    def library(self, call: Any) -> Any:
        name = f"{call.module}.{call.function}"
        reply = self._timed_request({"op": "library", "call": self._encode_args(call)}, name, call.args, call.kwargs or {})
        return self._value(reply, name)

    def _value(self, reply: dict, name: str) -> Any:
        try:
            return self._decode(reply.get("value"))
        except WireError as exc:
            raise StudentError(f"{name} returned a value the grader cannot read ({exc}).") from None

    def _timed_request(self, message: dict, name: str, args: tuple, kwargs: dict,
                       limit_s: Optional[float] = None) -> dict:
        soft = self.remaining()
        if soft <= 0:
            raise StudentTimeout("The time for this question ran out before all checks ran.")
        soft = min(soft, 3600.0)
        if limit_s is not None and limit_s < soft:
            soft = float(limit_s)
            reply = self.request({**message, "timeout": soft}, soft + GRACE_S)
            if reply.get("timed_out"):
                raise StudentTimeout(f"{call_signature(name, args, kwargs)} was stopped after {soft:g} s.")
        else:
            reply = self.request({**message, "timeout": soft}, soft + GRACE_S)
        if reply.get("ok"):
            return reply
        if reply.get("timed_out"):
            raise StudentTimeout(f"{name} did not return within the time limit ({soft:.0f} s left for "
                                 "this question) and was stopped. Look for an infinite loop.")
        raise StudentError(error_message(name, args, kwargs, str(reply.get("error_type", "Error")),
                                         str(reply.get("error", "")), str(reply.get("where", ""))))

    def _decode(self, obj: Any) -> Any:
        return decode(obj, self._make_handle)

    def _make_handle(self, ident: int, type_name: str, summary: str) -> Handle:
        handle = Handle(type_name, summary, ref=ident)
        handle.call = RemoteFunction(self, handle, type_name)
        return handle


def _start_ticks(pid: int) -> int:
    """A process's start time in clock ticks since boot (/proc/<pid>/stat, field 22)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


def _kill_user_processes(uid: int, since_ticks: int, ident: str) -> None:
    """Kill the processes of ``uid`` started at or after ``since_ticks`` that carry this sandbox's
    GD_SANDBOX_ID, or none at all (an environment scrubbed to escape): what the worker started,
    children that left its session (setsid) included. Other sandboxes of a parallel batch (their
    own id) and older processes of that user are left alone."""
    mine, anyone = f"GD_SANDBOX_ID={ident}".encode(), b"GD_SANDBOX_ID="
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid or _start_ticks(int(entry)) < since_ticks:
                continue
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read()
            if mine in environ or anyone not in environ:
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def _handle_id(handle: Handle) -> int:
    return handle.ref


class RemoteFunction(StudentFunction):
    """A student callable living in the worker; calls return marshalled values."""

    def __init__(self, sandbox: Sandbox, handle: Handle, name: str):
        self.sandbox, self.handle, self.name = sandbox, handle, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.sandbox.call(self.handle, self.name, args, kwargs)

    def timed_call(self, *args: Any, limit_s: Optional[float] = None, **kwargs: Any) -> tuple:
        return self.sandbox.timed_call(self.handle, self.name, args, kwargs, limit_s)

    def keep(self, value: Any) -> Handle:
        return self.sandbox.keep(value, self.name)

    def inspect(self, handle: Any) -> Any:
        target = handle_of(handle)
        if target is None:
            raise TypeError("inspect needs a handle")
        return self.sandbox.inspect(target)

    def _same_ref(self, a: Any, b: Any) -> bool:
        return type(a) is int and type(b) is int and a == b

    def seed(self, seed: int) -> None:
        self.sandbox.seed(seed)

    def library(self, call: Any) -> Any:
        return self.sandbox.library(call)
