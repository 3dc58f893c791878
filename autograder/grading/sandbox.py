r"""The trusted side of the sandbox: start the worker, talk to it, bound what it uses, kill it.

Guarantees (see README, "How grading works, and what it defends against"):

* **Identity.** Grading as root, the worker runs as a sandbox uid of its own
  (:mod:`.identity`), never shared with another live worker, with ``PR_SET_NO_NEW_PRIVS`` (a
  set-uid program cannot raise its privileges): it cannot read the hidden tests or the grading
  code (``private/`` is mode 700), cannot write the results, cannot signal the grading process or
  another submission's worker.
* **Nothing outlives the worker.** It runs in its own session and, where the machine allows, in a
  cgroup of its own; when it is killed, everything in that cgroup and every process whose *real*
  uid is the sandbox uid and that started after the worker is killed too, repeatedly until none
  is left (forks racing the sweep, set-uid programs and changed environments included).
* **Memory.** The worker's tree is capped at ``Limits.worker_mb``: a cgroup memory limit where
  one can be created, else ``RLIMIT_DATA`` per process (it counts what a process can write to,
  not the address space that torch reserves; ``RLIMIT_AS`` would refuse ``import torch``). The
  worker is the kernel's first choice when memory runs out (``oom_score_adj`` 1000), never the
  grading process, so results are always written. :class:`OutOfMemory` says who used too much.
* **Time** (:mod:`.budget`): every request has a budget in CPU seconds of the worker's process
  tree, a cap on the time it spends waiting (sleeping, blocked: not running and not waiting for a
  CPU), and the grading's deadline; when one is spent the worker is interrupted
  (:data:`~autograder.sandbox.worker.INTERRUPT`), and killed if it does not answer within
  ``GRACE_CPU_S`` of CPU or ``GRACE_WAIT_S`` of waiting more. The worker's own start-up has a
  large budget (``START``) that no student code can consume, and a slow machine only slows it.
* **The channel.** Requests are numbered; a reply must echo its number and a callback frame must
  name the pending request and the next callback number. Anything else (a frame the student's
  code wrote on the protocol descriptor) kills the worker with :class:`ForgedFrame`, blaming the
  cell or question whose request was answered twice or was pending.
* Replies are JSON frames; arrays are loaded with ``allow_pickle=False``. The grading process never
  imports the student's code, never unpickles anything from the worker, and never imports torch.
"""
from __future__ import annotations

import os
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
from . import identity, procs
from .budget import Account, Budget, CpuMeter, Usage
from .cgroups import Cgroup, CgroupUnavailable
from .identity import POOL, Identity, default_sandbox_user  # noqa: F401  (re-exported)
from .suite import Limits

INTERRUPT = signal.SIGUSR2        # autograder.sandbox.worker.INTERRUPT (not imported: no IPython here)
GRACE_CPU_S = 2.0                 # after the interrupt: CPU seconds the worker has left to answer
GRACE_WAIT_S = 10.0               # ... and seconds of waiting
START = Budget(cpu_s=60.0, wait_s=300.0)     # interpreter start and imports of the worker
SERVICE = Budget(cpu_s=60.0, wait_s=120.0)   # requests outside a question (our reference code)
POLL_S = (0.02, 0.25)             # first and largest interval between two looks at the worker
DEEP_AFTER_S = 0.5                # /proc fallback: count live descendants once a request is this old


@dataclass
class SandboxOptions:
    lib_path: str                     # PYTHONPATH of the worker: autograder (public part) + shared
    user: Optional[str] = None        # POOL (a leased uid, as root), an account name, or None (us)
    threads: int = 1                  # OMP/MKL/torch threads: Gradescope gives 0.5-2 vCPU
    cgroups: bool = True              # use a cgroup for the worker where possible (tests: False)
    python: Optional[str] = None      # the worker's interpreter (default: :func:`worker_python`)


def worker_python() -> str:
    """The worker's default interpreter: ``GD_WORKER_PYTHON`` when set (`make bench` measures the
    worker on the CPU build of torch with a venv's python: autograder/benchmarks/cpu_build.py),
    else the grader's own."""
    return os.environ.get("GD_WORKER_PYTHON") or sys.executable


class Overrun(StudentTimeout):
    """Student code spent its budget and was stopped; ``usage`` says how much it used."""

    def __init__(self, message: str, usage: Usage):
        super().__init__(message)
        self.usage = usage


class BudgetSpent(Overrun):
    """The account (a question's budget) was used up before this request could be sent."""


class ForgedFrame(WorkerDied):
    """A frame that is not what the pending request expects: the notebook wrote on the channel."""

    def __init__(self, message: str, culprit: Any):
        super().__init__(message)
        self.culprit = culprit


class NoSandboxUser(WorkerDied):
    """No sandbox uid is free (every one in the range is leased or used by a live process)."""


class OutOfMemory(WorkerDied):
    """The worker's process tree reached its memory cap and the kernel stopped it."""


MEMORY_WORDS = ("MemoryError", "can't allocate memory", "Cannot allocate memory", "Unable to allocate",
                "std::bad_alloc")


def is_memory_error(error_type: str, text: str) -> bool:
    """Whether an exception (type name and text) says an allocation failed (the rlimit cap)."""
    return "MemoryError" in error_type or any(word in text for word in MEMORY_WORDS)


class Sandbox:
    """One worker process. ``account`` (a question's budget) bounds every request made through it."""

    def __init__(self, options: SandboxOptions, limits: Optional[Limits] = None):
        self.options = options
        self.limits = limits or Limits()
        self.proc: Optional[subprocess.Popen] = None
        self.replies: "queue.Queue[Any]" = queue.Queue()
        self.account: Optional[Account] = None
        self.activity: Any = None        # what requests are made for now (a cell, a question): blame
        self.last_usage = Usage()
        self.peak_rss_mb = 0.0           # the worker's peak resident memory (VmHWM), read at kill
        self.charged_peak_mb = 0.0       # peak memory charged to its cgroup (the whole tree), if any
        self.started_ticks = 0
        self.ident = uuid.uuid4().hex
        self.identity: Optional[Identity] = None
        self.group: Optional[Cgroup] = None
        self.meter: Optional[CpuMeter] = None
        self.memory_cap = ""             # "cgroup" or "rlimit"
        self.requests = 0                # number of the last request sent
        self.answered: dict = {}         # request number -> activity, for blame
        self.callbacks_seen = 0
        self.callbacks: dict = {}        # id -> Callback sent to the worker in this rung
        self.workdir = tempfile.mkdtemp(prefix="gd-sandbox-")
        self.log_path = os.path.join(self.workdir, "notebook-output.log")

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        """Start the worker and wait for its ``hello`` (raises WorkerDied/StudentTimeout/OSError)."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.workdir, "TMPDIR": self.workdir, "PYTHONPATH": self.options.lib_path,
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": os.path.join(self.workdir, ".mpl"), "TORCH_HOME": os.path.join(self.workdir, ".torch"),
            "XDG_CACHE_HOME": os.path.join(self.workdir, ".cache"), "GD_GRADING": "1",
            "OMP_NUM_THREADS": str(self.options.threads), "MKL_NUM_THREADS": str(self.options.threads),
            "LANG": "C.UTF-8",
        }
        kwargs: dict = {}
        try:
            self.identity = identity.resolve(self.options.user)
        except RuntimeError as exc:  # every sandbox uid busy: never fall back to the grading user
            raise NoSandboxUser(str(exc)) from None
        if self.identity is not None:
            os.chown(self.workdir, self.identity.uid, self.identity.gid)
            kwargs.update(user=self.identity.uid, group=self.identity.gid, extra_groups=[])
            env.update(USER=self.identity.name, LOGNAME=self.identity.name)
            if self.identity.dedicated:
                env["GD_WORKER_NPROC"] = "1"
        self.group = self._cgroup()
        if self.group is not None and self.group.has("memory"):
            self.memory_cap = "cgroup"
        else:
            env["GD_WORKER_MB"] = str(self.limits.worker_mb)
            self.memory_cap = "rlimit"
        self.replies = queue.Queue()
        self.proc = subprocess.Popen(
            [self.options.python or worker_python(), "-P", "-m", "autograder.sandbox.worker", self.log_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.workdir, env=env, start_new_session=True, **kwargs)
        self.started_ticks = procs.start_ticks(self.proc.pid)
        if self.group is not None:  # before any request: no student code has run yet
            try:
                self.group.add(self.proc.pid)
            except OSError as exc:
                self.kill()
                raise WorkerDied(f"The worker could not be placed in its cgroup ({exc}).") from None
        self.meter = CpuMeter(self.proc.pid, self.group)
        threading.Thread(target=self._read_replies, args=(self.proc,), daemon=True).start()
        self.request({"op": "hello"}, START, charged=False)
        return self

    def _cgroup(self) -> Optional[Cgroup]:
        """A cgroup for the worker (memory cap set), or None where none can be made."""
        if not self.options.cgroups:
            return None
        try:
            group = Cgroup.create(f"gd-worker-{self.ident[:16]}", ["memory", "cpu_usage"])
        except (CgroupUnavailable, OSError):
            return None
        try:
            if group.has("memory"):
                group.set_memory_limit(self.limits.worker_mb)
            return group
        except OSError:
            group.remove()
            return None

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
        """Kill the worker and everything it started (see module doc)."""
        if self.proc is None:
            return
        self._read_peak_rss()
        if self.group is not None:
            self.charged_peak_mb = max(self.charged_peak_mb, self.group.memory_peak_mb())
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for _ in range(3):
            if self.group is not None:
                self.group.kill()
            if self.identity is not None:
                procs.sweep(self.identity.uid, self.started_ticks)
            if self.group is None or not self.group.pids():
                break
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.proc = None

    def close(self) -> None:
        self.kill()
        if self.group is not None:
            self.group.remove()
            self.group = None
        if self.identity is not None:
            self.identity.release()
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
    def _budget(self, budget: Optional[Budget], charged: bool) -> Budget:
        if charged and self.account is not None:
            left = self.account.left()
            return left if budget is None else budget & left
        return SERVICE if budget is None else budget

    def request(self, message: dict, budget: Optional[Budget] = None, charged: bool = True) -> dict:
        """Send one request and wait for its reply within ``budget`` (and, when ``charged``, what
        is left of the current account, which is charged). Raises :class:`Overrun` when the worker
        had to be killed, :class:`WorkerDied` / :class:`OutOfMemory` / :class:`ForgedFrame`."""
        if not self.alive:
            raise WorkerDied("The process running your notebook is no longer alive.")
        budget = self._budget(budget, charged)
        if budget.spent:
            why = "cpu" if budget.cpu_s <= 0 else "wait" if budget.wait_s <= 0 else "deadline"
            raise BudgetSpent("The time for this question ran out before all checks ran"
                              + (f" ({self.account.describe()})." if self.account else "."),
                              Usage(budget=budget, stopped_by=why))
        self.requests += 1
        number = self.requests
        self.answered[number] = self.activity
        oom_before = self.group.oom_kills() if self.group is not None else 0
        try:
            write_frame(self.proc.stdin, {**message, "n": number})
        except (OSError, ValueError):
            self.kill()
            raise self._death(oom_before) from None
        try:
            reply, usage = self._wait(number, budget)
        finally:
            if charged and self.account is not None:
                self.account.charge(self.last_usage)
        if isinstance(reply, Exception):
            self.kill()
            raise self._death(oom_before)
        return reply

    def _wait(self, number: int, budget: Budget) -> tuple:
        """The reply to request ``number`` (answering callbacks meanwhile), within ``budget``."""
        reading = self.meter.start()
        started = time.monotonic()
        paused = 0.0                     # wall time spent answering callbacks (not the student's)
        usage = Usage(budget=budget)
        self.last_usage = usage
        interval, stopped_at = POLL_S[0], None
        while True:
            try:
                frame = self.replies.get(timeout=interval)
            except queue.Empty:
                frame = None
                reading.mark()
            now = time.monotonic()
            usage.wall_s = now - started - paused
            usage.cpu_s = reading.cpu(deep=usage.wall_s > DEEP_AFTER_S)
            if frame is not None:
                if isinstance(frame, Exception):
                    return frame, usage
                if "cb" in frame and frame.get("re") == number and frame.get("cb") == self.callbacks_seen + 1:
                    self.callbacks_seen += 1
                    self._answer_callback(frame)
                    paused += time.monotonic() - now
                    continue
                if "cb" not in frame and frame.get("re") == number:
                    if usage.wall_s - usage.cpu_s > 0.05:   # charged to the account's waiting budget
                        usage.waited_s = reading.waited(usage.wall_s, usage.cpu_s)
                    return frame, usage
                self._forged(frame, number)
            interval = min(POLL_S[1], interval * 2)
            if usage.wall_s - usage.cpu_s > budget.wait_s or stopped_at is not None:  # else waited <= budget
                usage.waited_s = reading.waited(usage.wall_s, usage.cpu_s)
            if stopped_at is None:
                usage.stopped_by = ("cpu" if usage.cpu_s > budget.cpu_s else "wait" if usage.waited_s > budget.wait_s
                                    else "deadline" if now > budget.deadline else None)
                if usage.stopped_by:
                    self._interrupt()
                    stopped_at = (usage.cpu_s, usage.waited_s)
            elif usage.cpu_s > stopped_at[0] + GRACE_CPU_S or usage.waited_s > stopped_at[1] + GRACE_WAIT_S:
                usage.killed = True
                self.kill()
                raise Overrun(f"Your code did not stop when interrupted after {usage.describe()} and was "
                              "killed.", usage)

    def _interrupt(self) -> None:
        try:
            os.kill(self.proc.pid, INTERRUPT)
        except (ProcessLookupError, PermissionError):
            pass

    def _forged(self, frame: dict, number: int) -> None:
        """Kill the worker for a frame that is not the reply to ``number`` and blame the activity
        whose request it echoes (answered twice: a forged reply was taken for the real one) or,
        else, the pending one."""
        echoed = frame.get("re")
        culprit = self.answered.get(echoed) if isinstance(echoed, int) and echoed < number else None
        culprit = culprit if culprit is not None else self.answered.get(number)
        self.kill()
        raise ForgedFrame("The notebook wrote to the grader's private channel (a frame that is not the "
                          "answer to the grader's request); the process running it was stopped.", culprit)

    def _death(self, oom_before: int) -> WorkerDied:
        """Why the worker died: its memory cap (cgroup OOM kill) or something else."""
        if self.group is not None and self.group.oom_kills() > oom_before:
            return OutOfMemory(f"Your code used more than {self.limits.worker_mb:.0f} MB of memory; the "
                               "process running it was stopped.")
        return WorkerDied("The process running your notebook died (did your code call exit(), "
                          "crash, or run out of memory?).")

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
            write_frame(self.proc.stdin, {**answer, "cb": frame["cb"]})
        except (OSError, ValueError, TypeError):
            pass  # the worker is gone: the pending request reports it

    def _callback_id(self, callback: Callback) -> int:
        ident = len(self.callbacks) + 1
        self.callbacks[ident] = callback
        return ident

    def _encode_args(self, value: Any) -> Any:
        return encode(value, _handle_id, self._callback_id)

    def sync(self) -> None:
        """A round trip that proves the channel is in step (a stale or forged frame shows here)."""
        self.request({"op": "hello"}, SERVICE, charged=False)

    def exec_cell(self, source: str, budget: Any) -> dict:
        """Run one cell; ``budget`` is a :class:`Budget` or CPU seconds (wall cap from the limits).
        A reply ``{"timed_out": True}`` means the cell was interrupted (see ``last_usage``)."""
        if not isinstance(budget, Budget):
            budget = Budget(float(budget), self.limits.wait_cap(float(budget)))
        return self.request({"op": "exec", "source": source}, budget, charged=False)

    def _service(self, message: dict, what: str) -> dict:
        """A request that runs no student function directly but may run student code anyway (a
        ``__repr__``, a patched ``np.random.seed``): stopped like a call when the budget is spent."""
        reply = self.request(message)
        if reply.get("timed_out"):
            raise Overrun(f"{what} was stopped: {self._overrun_text(self.last_usage, None)}", self.last_usage)
        return reply

    def seed(self, seed: int) -> None:
        self._service({"op": "seed", "seed": seed}, "Seeding the random generators (numpy, torch, random)")

    def preload(self, modules: list, budget: "Budget") -> dict:
        """Import ``modules`` in the worker where the notebook imported their package (not charged
        to an account: the caller charges ``last_usage`` to the notebook)."""
        return self.request({"op": "preload", "modules": list(modules)}, budget, charged=False)

    def forget(self) -> None:
        """Free the objects the worker keeps for earlier handles (they become invalid)."""
        self.callbacks.clear()
        self._service({"op": "forget"}, "Freeing the objects of the previous check")

    def keep(self, value: Any, name: str) -> Handle:
        reply = self._checked({"op": "keep", "value": self._encode_args(value)}, f"building an argument for {name}")
        return self._decode(reply.get("value"))

    def inspect(self, handle: Handle) -> Any:
        reply = self._service({"op": "inspect", "target": handle.ref}, f"Reading back {handle.type_name}")
        if not reply.get("ok"):
            raise StudentError(f"The grader could not read back {handle.type_name}: {reply.get('error', '')}")
        return self._decode(reply.get("value"))

    def substitute(self, source: str, names: list) -> Optional[str]:
        """Put our reference definitions of ``names`` into the notebook's globals (see worker);
        returns an error text if the reference code could not run there."""
        try:
            reply = self.request({"op": "substitute", "source": source, "names": list(names)}, SERVICE, charged=False)
        except Overrun as exc:
            return f"it did not finish within {exc.usage.describe()}"
        return None if reply.get("ok") else f"{reply.get('error_type', 'Error')}: {reply.get('error', '')}"

    def restore(self) -> None:
        self.request({"op": "restore"}, SERVICE, charged=False)

    def _checked(self, message: dict, what: str) -> dict:
        reply = self.request(message)
        if reply.get("timed_out"):
            raise Overrun(f"{what} was stopped after {self.last_usage.describe()}"
                          + (f": {self.account.describe()}." if self.account else "."), self.last_usage)
        if not reply.get("ok"):
            raise StudentError(f"{what} failed: {reply.get('error_type', 'Error')}: {reply.get('error', '')}")
        return reply

    def resolve(self, names: list) -> dict:
        reply = self._service({"op": "resolve", "names": list(names)}, f"Reading {', '.join(names)} from your notebook")
        return {name: self._decode(value) for name, value in reply.get("values", {}).items()}

    def call(self, handle: Handle, name: str, args: tuple, kwargs: dict, limit_s: Optional[float] = None) -> Any:
        return self.timed_call(handle, name, args, kwargs, limit_s)[0]

    def timed_call(self, handle: Handle, name: str, args: tuple, kwargs: dict,
                   limit_s: Optional[float] = None) -> tuple:
        """``(value, cpu_s)`` of one call of a student function; ``cpu_s`` is measured here (CPU
        seconds of the worker's process tree during the call, or the worker's own finer figure if
        larger), ``limit_s`` is a CPU budget."""
        message = {"op": "call", "target": handle.ref,
                   "args": self._encode_args(list(args)), "kwargs": self._encode_args(dict(kwargs))}
        reply = self._timed_request(message, name, args, kwargs, limit_s)
        try:  # the worker's own figure is finer-grained; it can only make the call look slower
            claimed = float(reply.get("cpu_s", 0.0))
        except (TypeError, ValueError):
            claimed = 0.0
        return self._value(reply, name), max(self.last_usage.cpu_s, claimed)

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
        budget = None if limit_s is None else Budget(float(limit_s), self.limits.wait_cap(float(limit_s)))
        what = call_signature(name, args, kwargs)
        try:
            reply = self.request(message, budget)
        except BudgetSpent:
            raise
        except Overrun as exc:
            raise Overrun(f"{what} was stopped: {self._overrun_text(exc.usage, limit_s)}", exc.usage) from None
        except OutOfMemory:
            raise OutOfMemory(f"{what} used more than {self.limits.worker_mb:.0f} MB of memory; the process "
                              "running it was stopped.") from None
        if reply.get("ok"):
            return reply
        if reply.get("timed_out"):
            raise Overrun(f"{what} was stopped: {self._overrun_text(self.last_usage, limit_s)}", self.last_usage)
        error_type, text = str(reply.get("error_type", "Error")), str(reply.get("error", ""))
        if self.memory_cap == "rlimit" and is_memory_error(error_type, text):
            raise StudentError(f"{what} used more than {self.limits.worker_mb:.0f} MB of memory "
                               f"({error_type}: {text[:200]}).")
        raise StudentError(error_message(name, args, kwargs, error_type, text, str(reply.get("where", ""))))

    def _overrun_text(self, usage: Usage, limit_s: Optional[float]) -> str:
        """How long the call ran and what its budget was (never a guess at the cause)."""
        killed = "; it did not stop when interrupted and its process was killed" if usage.killed else ""
        if usage.stopped_by == "wait":
            return (f"it waited (slept or blocked) for {usage.waited_s:.1f} s while using {usage.describe()}; "
                    f"code may wait at most {usage.budget.wait_s:.0f} s here{killed}.")
        if usage.stopped_by == "deadline":
            return f"grading reached its overall time limit of {self.limits.total_wall_s:g} s{killed}."
        if limit_s is not None and usage.budget is not None and usage.budget.cpu_s >= float(limit_s) - 1e-9:
            budget = f"this call may use {float(limit_s):g} s of CPU time"
        elif self.account is not None:
            budget = f"{self.account.describe()}, and that was used up"
        else:
            budget = f"its budget was {usage.budget.cpu_s:.1f} s of CPU time" if usage.budget else "its budget ran out"
        return f"it ran for {usage.describe()}; {budget}{killed}."

    def _decode(self, obj: Any) -> Any:
        return decode(obj, self._make_handle)

    def _make_handle(self, ident: int, type_name: str, summary: str) -> Handle:
        handle = Handle(type_name, summary, ref=ident)
        handle.call = RemoteFunction(self, handle, type_name)
        return handle


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
