r"""Grade each mutant with the engine's checks and seeds, in process, in parallel.

Every mutant is graded in a forked child of one prepared process (the suite built, torch and the
course library imported once): the child executes the notebook's reference code with the mutated
cell in place of the original — exactly what a student's notebook with that mistake defines —
then climbs that one question's ladder with :func:`autograder.grading.engine.grade_namespace`
(same rung seeds, same reference substitutions as grading). Outcomes:

* ``killed``      the question lost its points (a rung failed, or the code raised);
* ``timed out``   the child used more than its CPU budget (``RLIMIT_CPU``; what the engine would
                  report as a timeout, so it counts as detected) or its wall-clock cap;
* ``survived``    full points: the checks missed it, unless ...
* ``equivalent``  ... the mutant is shown equivalent on the checks' own inputs and a dense random
                  probe around them (:func:`reference_replays`, computed once per question, and
                  :func:`equivalence_job`): same outputs everywhere, exactly.

The CPU budget of a mutant is a multiple of the reference's CPU time for that question, so a
mutant that loops or slows down by an order of magnitude is stopped quickly.
"""
from __future__ import annotations

import copy
import gc
import inspect
import json
import os
import resource
import signal
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from autograder.grading.engine import grade_namespace
from autograder.grading.suite import Suite
from autograder.packaging.cells import MasterCell, reference_sources

CPU_FACTOR = 10.0        # a mutant may use this many times the reference's CPU for the question
CPU_SLACK_S = 5.0        # plus this much (executing the notebook's definitions, imports)
WALL_FACTOR = 6.0        # wall-clock cap = WALL_FACTOR x the CPU budget (a loaded machine)
PROBES = 20              # random variants of each recorded call in the equivalence probe
MAX_RECORDED_CALLS = 40  # calls of the checks replayed in the equivalence probe


@dataclass
class Outcome:
    ident: str
    status: str          # killed | timed out | survived | equivalent
    message: str = ""
    cpu_s: float = 0.0


def namespace_of(sources: list, folder: Path) -> dict:
    """Execute notebook sources in a fresh namespace, from ``folder`` (as a kernel would)."""
    namespace: dict = {"__name__": "__notebook__"}
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        for source in sources:
            exec(compile(source, "<notebook>", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def _sources_with(cells: list, mutant: Any) -> list:
    replaced = [MasterCell(c.index, c.role, mutant.source if c.index == mutant.cell else c.source, c.question)
                for c in cells]
    return reference_sources(replaced)


def _only(suite: Suite, question: str) -> Suite:
    return Suite(suite.assignment, suite.notebook, [q for q in suite.questions if q.name == question],
                 suite.limits, suite.hidden_visibility, suite.experiments,
                 {k: v for k, v in suite.substitutes.items() if k == question})


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Pool:
    """Run ``job()`` in forked children, ``jobs`` at a time, each with a CPU and a wall limit; the
    job's JSON-able result comes back through a pipe."""

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)

    def map(self, tasks: list, on_done: Optional[Callable[[Any, dict], None]] = None) -> list:
        """``tasks``: ``(key, job, cpu_limit_s)``; returns ``(key, result)`` in completion order.
        A child over its limits gives ``{"status": "timed out"}``; one that dies otherwise,
        ``{"status": "killed", "message": ...}``."""
        pending, running, results = list(tasks), {}, []
        while pending or running:
            while pending and len(running) < self.jobs:
                key, job, limit = pending.pop(0)
                read_end, write_end = os.pipe()
                pid = os.fork()
                if pid == 0:  # child: quiet (a mutant may print or warn a lot)
                    gc.freeze()  # O(1): the collector never walks, so never copies, the inherited heap
                    os.close(read_end)
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, 1)
                    os.dup2(devnull, 2)
                    code = 0
                    try:
                        seconds = max(1, int(limit + 0.999))
                        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
                        payload = json.dumps(job()).encode()
                    except BaseException as exc:  # the job itself failed: report, do not hang
                        payload = json.dumps({"status": "killed", "message": f"{type(exc).__name__}: {exc}"}).encode()
                        code = 1
                    with os.fdopen(write_end, "wb") as out:
                        out.write(payload)
                    os._exit(code)
                os.close(write_end)
                running[pid] = (key, read_end, time.monotonic() + WALL_FACTOR * limit + 30.0)
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                now = time.monotonic()
                for child, (_, _, deadline) in list(running.items()):
                    if now > deadline:
                        os.kill(child, signal.SIGKILL)
                time.sleep(0.005)
                continue
            key, read_end, _ = running.pop(pid)
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
                result = {"status": "timed out"}
            else:
                try:
                    result = json.loads(data.decode() or "{}")
                except ValueError:
                    result = {}
                if "status" not in result:
                    result = {"status": "killed", "message": f"the mutant ended the process (status {status})"}
            results.append((key, result))
            if on_done:
                on_done(key, result)
        return results


# -- grading one mutant -------------------------------------------------------------------------
def grade_job(suite: Suite, cells: list, folder: Path, mutant: Any) -> Callable[[], dict]:
    """The child's job: define the mutated notebook, grade its question."""
    def job() -> dict:
        try:
            namespace = namespace_of(_sources_with(cells, mutant), folder)
        except Exception as exc:
            return {"status": "killed", "message": f"the notebook raised {type(exc).__name__}: {exc}"}
        result = grade_namespace(_only(suite, mutant.question), namespace)[0]
        if result.passed:
            return {"status": "survived"}
        return {"status": "killed", "message": result.first_failure()[:300]}
    return job


def reference_cpu_job(suite: Suite, cells: list, folder: Path, question: str) -> Callable[[], dict]:
    """The reference's score and CPU seconds for one question (the mutants' budget base)."""
    def job() -> dict:
        namespace = namespace_of(reference_sources(cells), folder)
        started = time.process_time()
        result = grade_namespace(_only(suite, question), namespace)[0]
        return {"status": "reference", "passed": result.passed, "cpu_s": time.process_time() - started,
                "message": result.first_failure()[:300]}
    return job


# -- equivalence -----------------------------------------------------------------------------
def _fresh(value: Any) -> Any:
    """A deep copy of ``value`` in which every plain function that closes over state is rebuilt
    around deep copies of its closure cells. ``copy.deepcopy`` keeps a function as itself, so a
    grader-side :class:`~autograder.checking.values.Callback` (a hidden net behind a query counter
    and budget) would be shared by every replay: its budget, spent by the grading run, refuses the
    replays, or the reference's replay spends what the mutant's then lacks. With fresh copies each
    replay starts from the state the recorded call saw. A function whose cells cannot be copied is
    kept as it is."""
    memo: dict = {}

    def rebuild(item: Any) -> None:
        if isinstance(item, types.FunctionType) and item.__closure__ and id(item) not in memo:
            try:
                cells = tuple(types.CellType(copy.deepcopy(cell.cell_contents)) for cell in item.__closure__)
            except Exception:  # an empty cell, or state that cannot be copied
                return
            clone = types.FunctionType(item.__code__, item.__globals__, item.__name__, item.__defaults__, cells)
            clone.__kwdefaults__ = item.__kwdefaults__
            clone.__dict__.update(item.__dict__)
            memo[id(item)] = clone
        elif isinstance(item, (list, tuple)):
            for element in item:
                rebuild(element)
        elif isinstance(item, dict):
            for element in item.values():
                rebuild(element)

    rebuild(value)
    return copy.deepcopy(value, memo)


class _Recorder:
    """Wraps a notebook function and keeps deep copies of the arguments of its first calls
    (:func:`_fresh`: a stateful function argument is copied as it was when the call began)."""

    def __init__(self, fn: Callable, name: str, calls: list):
        self.fn, self.name, self.calls = fn, name, calls
        self.__name__ = getattr(fn, "__name__", name)
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(self.calls) < MAX_RECORDED_CALLS:
            try:
                self.calls.append((self.name, _fresh(args), _fresh(kwargs)))
            except Exception:
                pass
        return self.fn(*args, **kwargs)


def _perturbed(value: Any, rng: np.random.Generator) -> Any:
    """The same structure with every float array/tensor redrawn uniformly over its own range, every
    float moved by up to its size, and every int n >= 2 (not a bool) redrawn uniformly from
    n - max(1, n // 10) .. n + max(1, n // 10): counts such as epochs, widths and budgets vary too,
    so a mutant that agrees with the reference only at the checks' counts (``epochs // 39`` for
    ``epochs // 40`` at 80) is not called equivalent. 0 and 1 (flags, seeds, unit sizes) stay and
    no int drops below 1, so the probe stays inside most contracts. A torch module is redrawn
    too (:func:`_module_variant`), and a grader-side Callback that can redraw what it answers
    (:func:`_callback_variant`)."""
    import sys

    torch = sys.modules.get("torch")
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
        lo, hi = float(np.nanmin(value)), float(np.nanmax(value))
        lo, hi = (lo - 1.0, hi + 1.0) if lo == hi else (lo, hi)
        return rng.uniform(lo, hi, value.shape).astype(value.dtype)
    if torch is not None and isinstance(value, torch.Tensor) and value.is_floating_point() and value.numel():
        array = _perturbed(value.detach().cpu().numpy().astype(np.float64), rng)
        return torch.tensor(array, dtype=value.dtype).requires_grad_(value.requires_grad)
    if isinstance(value, float):
        return float(value + rng.uniform(-1.0, 1.0) * max(abs(value), 1.0))
    if type(value) is int and value >= 2:
        spread = max(1, value // 10)
        return value + int(rng.integers(-spread, spread + 1))
    if torch is not None and isinstance(value, torch.nn.Module):
        return _module_variant(value, rng)
    if isinstance(value, types.FunctionType):
        return _callback_variant(value, rng) or value
    if isinstance(value, list):
        return [_perturbed(v, rng) for v in value]
    if isinstance(value, tuple):
        return tuple(_perturbed(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: _perturbed(v, rng) for k, v in value.items()}
    return value


def _module_variant(module: Any, rng: np.random.Generator) -> Any:
    """A copy of ``module`` with every floating parameter redrawn uniformly over its own range (as
    :func:`_perturbed` redraws a tensor) and, in about half of the variants, no bias in any
    ``nn.Linear``: a net argument varies like any other, so a mutant that agrees with the
    reference only on the checks' own nets, or only on nets with biases (``shift = -1.0 if
    layer.bias is None``), is not called equivalent. The module's structure and settings stay."""
    import torch

    clone = copy.deepcopy(module)
    with torch.no_grad():
        for parameter in clone.parameters():
            if parameter.is_floating_point() and parameter.numel():
                parameter.copy_(_perturbed(parameter.detach(), rng))
    if rng.random() < 0.5:
        for layer in clone.modules():
            if isinstance(layer, torch.nn.Linear) and layer.bias is not None:
                layer.bias = None
    return clone


def _configuration(spec: Any) -> Any:
    """What a module's layer description leaves out: its ``repr`` (each submodule's settings, e.g.
    ``RandomHorizontalFlip(p=0.5)``, ``Resize(..., antialias=True)``, ``Dropout(p=0.1)``), object
    addresses removed; None when the module itself is not at hand."""
    import re

    ref = getattr(getattr(spec, "handle", None), "ref", None)
    return None if ref is None else re.sub(r" at 0x[0-9a-fA-F]+", "", repr(ref))


def _callback_variant(fn: Callable, rng: np.random.Generator) -> Optional[Callable]:
    """The student-side function of a grader-side :class:`~autograder.checking.values.Callback`
    whose function offers ``probe_variant(rng)`` (say, a hidden net redrawn by the law its question
    promises), answering from that variant; None for any other function. So the probe varies what
    a callback answers, not only the plain arguments beside it."""
    from autograder.checking.marshal import local_callback
    from autograder.checking.values import Callback

    for cell in fn.__closure__ or ():
        try:
            content = cell.cell_contents
        except ValueError:
            continue
        if isinstance(content, Callback) and callable(getattr(content.func, "probe_variant", None)):
            return local_callback(Callback(content.func.probe_variant(rng), content.name))
    return None


def _same(a: Any, b: Any) -> bool:
    """Exact equality of marshalled values (NaN equals NaN); handles/opaque values never compare."""
    from autograder.checking.values import Handle, NetSpec, Opaque, TensorValue

    if isinstance(a, TensorValue) and isinstance(b, TensorValue):
        return a.dtype == b.dtype and _same(a.array, b.array)
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, NetSpec) and isinstance(b, NetSpec):
        return (a.type_name == b.type_name and _configuration(a) == _configuration(b)
                and len(a.layers) == len(b.layers) and all(
            x.kind == y.kind and x.type_name == y.type_name and x.negative_slope == y.negative_slope and x.dtype == y.dtype
            and (x.weight is None) == (y.weight is None) and (x.bias is None) == (y.bias is None)
            and (x.weight is None or _same(x.weight, y.weight)) and (x.bias is None or _same(x.bias, y.bias))
            for x, y in zip(a.layers, b.layers)))
    if isinstance(a, (Handle, Opaque)) or isinstance(b, (Handle, Opaque)):
        return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return type(a) is type(b) and a == b


def _outcome(fn: Callable, args: tuple, kwargs: dict, seed: int) -> Any:
    from autograder.checking.marshal import marshal
    from autograder.checking.values import Handle
    from shared.seeding import seed_everything

    seed_everything(seed)
    try:
        result = fn(*_fresh(args), **_fresh(kwargs))
    except Exception as exc:
        return ("raised", type(exc).__name__)
    return marshal(result, lambda obj: Handle(type(obj).__name__, "", ref=obj))


@dataclass
class Replays:
    """What the equivalence probe replays for one question, with the reference's answers: the
    calls the checks make on the reference (recorded while grading it) and ``PROBES`` random
    variants of each (:func:`_perturbed`, one generator seeded 20240611), each call with its seed
    and the reference's outcome. The same for every mutant of the question, so it is computed
    once, in the parent, before the probe's children fork (they inherit it)."""

    calls: int                 # distinct recorded calls
    replays: list              # (function name, args, kwargs, seed, reference outcome)


def reference_replays(suite: Suite, cells: list, folder: Path, question: str) -> Replays:
    """Record the calls the checks of ``question`` make on the reference, draw their variants and
    compute the reference's outcome of each (seed ``1000 k + j`` for variant ``j`` of call ``k``)."""
    calls: list = []
    reference = namespace_of(reference_sources(cells), folder)
    only = _only(suite, question)
    names = {p for q in only.questions for case in q.cases for p in case.params}
    for name in names:
        if inspect.isfunction(reference.get(name)):
            reference[name] = _Recorder(reference[name], name, calls)
    grade_namespace(only, reference)
    reference = namespace_of(reference_sources(cells), folder)
    rng = np.random.default_rng(20240611)
    replays = []
    for k, (name, args, kwargs) in enumerate(calls):
        variants = [(args, kwargs)] + [(_perturbed(args, rng), _perturbed(kwargs, rng)) for _ in range(PROBES)]
        for j, (a, kw) in enumerate(variants):
            seed = 1000 * k + j
            replays.append((name, a, kw, seed, _outcome(reference[name], a, kw, seed)))
    return Replays(len(calls), replays)


def equivalence_job(replays: Replays, cells: list, folder: Path, mutant: Any) -> Callable[[], dict]:
    """The child's job for a survivor: replay the question's recorded calls and their variants
    (:func:`reference_replays`) on the mutant; equivalent when every outcome equals the
    reference's exactly."""
    def job() -> dict:
        if not replays.calls:
            return {"status": "survived", "message": "no function calls to compare"}
        mutated = namespace_of(_sources_with(cells, mutant), folder)
        for name, args, kwargs, seed, expected in replays.replays:
            if not _same(expected, _outcome(mutated[name], args, kwargs, seed)):
                return {"status": "survived", "message": f"differs on a call of {name}"}
        return {"status": "equivalent", "message": f"same outputs on {replays.calls} calls x {PROBES + 1} probes"}
    return job
