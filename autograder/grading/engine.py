r"""Grade one submission: run its cells in the sandbox, then climb each question's ladder.

Scoring: a question scores its full points when every rung of its ladder passes, else 0. The
ladder stops at the first failing rung (the most basic error is the one reported). A rung fails
on a wrong answer, on an exception, NaN, wrong type or shape in the student's result, or when the
question's time runs out; none of these affects another question.

Robustness of the notebook run (budgets count CPU seconds of the worker's process tree, with a
cap on the time code spends sleeping or blocked, see :mod:`.budget`):

* each cell is interrupted after ``limits.cell_s`` CPU seconds; an error or a timeout in a cell is
  reported and grading continues with the next cell;
* a cell that kills or hangs the worker beyond the hard bound, uses more than ``limits.worker_mb``
  of memory, or writes to the grader's channel is skipped: the worker restarts and replays the
  notebook without it (at most ``limits.max_restarts`` times);
* ``limits.notebook_s`` CPU seconds bound the whole notebook run; later cells are skipped;
* ``limits.total_wall_s`` bounds the whole grading in wall-clock time, so a result is always
  written before Gradescope's own limit.

Security: the checks are imported before the first student cell runs, and afterwards the grading
process imports nothing from its own folders (:mod:`.imports`); once any student code has run,
the worker is never started as the grading user again (a start failure then costs the question).

Determinism: every rung starts by seeding the student side with a seed derived from the
assignment, question and rung names (``rung_seed``), so re-grading gives the same score.

Speed: the master's given experiment cells that the student left unchanged are skipped unless
graded code depends on them (:mod:`.experiments`). Fairness: while a question listed in the
assignment's ``SUBSTITUTES`` is graded, the named helpers are our reference definitions
(:mod:`autograder.sandbox.reference`), so a wrong helper costs only its own question.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional

from autograder.checking.failures import CheckFailed, StudentTimeout, WorkerDied
from autograder.sandbox.reference import run_reference, swap_in, swap_out
from .budget import Account, Budget, Usage
from .experiments import cells_to_skip
from .imports import PARSE_LOCK, guarded, preload
from .sandbox import ForgedFrame, NoSandboxUser, OutOfMemory, Overrun, Sandbox, SandboxOptions, is_memory_error
from .submission import Submission, load_submission
from .suite import Case, Limits, Question, Suite


@dataclass
class RungResult:
    name: str
    hidden: bool
    status: str            # passed | failed | not run
    message: str = ""


@dataclass
class QuestionResult:
    name: str
    max_score: float
    score: float
    rungs: list
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.score == self.max_score

    def first_failure(self) -> str:
        for rung in self.rungs:
            if rung.status == "failed":
                return rung.message
        return ""


@dataclass
class Report:
    assignment: str
    submission: str
    questions: list
    notes: list = field(default_factory=list)     # notebook-level messages (cell errors, ...)
    seconds: float = 0.0
    worker_peak_mb: float = 0.0                   # peak RSS of the process that ran student code

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions)


def rung_seed(assignment: str, question: str, rung: str) -> int:
    return zlib.crc32(f"{assignment}/{question}/{rung}".encode()) & 0x7FFFFFFF


class _Run:
    """The state of grading one submission (one worker at a time, restarted when needed)."""

    def __init__(self, suite: Suite, submission: Submission, options: SandboxOptions):
        self.suite, self.submission, self.options = suite, submission, options
        self.limits = suite.limits
        self.sandbox: Optional[Sandbox] = None
        self.skip: set = set()           # cells that killed or hung the worker
        self.notes: list = []
        self.restarts = 0
        self.peak_mb = 0.0
        self.noted: set = set()          # cells (and "notebook_s") already reported in notes
        with PARSE_LOCK:
            self.experiments = cells_to_skip(submission.cells, suite.experiments, suite.needed_names)
        self.substituting: Optional[Question] = None
        self.account: Optional[Account] = None
        self.student_code_ran = False    # from then on, never fall back to the grading user
        self.preload_failed = False      # a PRELOAD import failed once: not tried again
        self.deadline = time.monotonic() + self.limits.total_wall_s

    def wall_left(self) -> float:
        return self.deadline - time.monotonic()

    def budget(self, cpu_s: float) -> Budget:
        """``cpu_s`` CPU seconds, the matching cap on waiting, and the grading's deadline."""
        return Budget(cpu_s, self.limits.wait_cap(cpu_s), self.deadline)

    # -- notebook --------------------------------------------------------------------------------
    def boot(self) -> None:
        """Start a worker and run the notebook's cells in it (skipping cells known to be fatal)."""
        while True:
            self.close()
            self.sandbox = self._start_sandbox()
            failed_at = self._run_cells()
            if failed_at is None:
                return
            self.skip.add(failed_at)
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                raise WorkerDied("Grading stopped: the notebook killed or hung the grader too many times.")

    def _start_sandbox(self) -> Sandbox:
        """Start a worker. Only the very first start, before any student code ran, may fall back to
        the grading user (noted) when the sandbox user cannot run Python here."""
        sandbox = Sandbox(self.options, self.limits)
        try:
            return sandbox.start()
        except NoSandboxUser as exc:
            sandbox.close()
            raise WorkerDied(f"The grader could not start the process that runs notebooks: {exc}.") from None
        except (WorkerDied, StudentTimeout, OSError):
            sandbox.close()
            if not self.options.user or self.student_code_ran:
                raise WorkerDied("The grader could not start the process that runs notebooks.") from None
            self.notes.append(f"The sandbox user could not run Python here; the notebook ran as the grading "
                              "user, with its rights (grade untrusted submissions where it can start).")
            self.options = replace(self.options, user=None)
            sandbox = Sandbox(self.options, self.limits)
            try:
                return sandbox.start()
            except (WorkerDied, StudentTimeout, OSError):
                sandbox.close()
                raise WorkerDied("The grader could not start the process that runs notebooks.") from None

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
            self.peak_mb = max(self.peak_mb, self.sandbox.peak_rss_mb)

    def _note_once(self, key: object, message: str) -> None:
        if key not in self.noted:
            self.noted.add(key)
            self.notes.append(message)

    def _cell(self, index: int) -> str:
        """A code cell as the notebook shows it, capitalised to start a note: ``Cell 14 (In [7])``."""
        label = self.submission.label(index)
        return label[:1].upper() + label[1:]

    def _run_cells(self) -> Optional[int]:
        """Run the cells; returns the index of a cell to skip and replay without, or None."""
        limits = self.limits
        notebook = Account(self.budget(limits.notebook_s), "the notebook")
        for index, source in enumerate(self.submission.cells):
            if index in self.skip or index in self.experiments or not source.strip():
                continue
            left = notebook.left()
            if left.spent:
                what = (f"{limits.notebook_s:g} s of CPU time" if left.cpu_s <= 0 else
                        f"{notebook.budget.wait_s:g} s of waiting (sleeping, blocked)" if left.wait_s <= 0 else
                        f"{limits.total_wall_s:g} s of wall-clock time (the limit of the whole grading)")
                self._note_once("notebook_s", f"The notebook used more than {what} in all: "
                                              f"{self.submission.label(index)} and later cells were not run.")
                return None
            budget = self.budget(limits.cell_s) & left
            self.sandbox.activity = ("cell", index)
            self.student_code_ran = True
            try:
                reply = self.sandbox.exec_cell(source, budget)
            except ForgedFrame as exc:
                culprit = exc.culprit[1] if isinstance(exc.culprit, tuple) and exc.culprit[0] == "cell" else index
                self.notes.append(f"{self._cell(culprit)} wrote to the grader's private channel; it was "
                                  "skipped and the notebook re-run without it.")
                return culprit
            except (WorkerDied, StudentTimeout) as exc:
                notebook.charge(self.sandbox.last_usage)
                self.notes.append(f"{self._cell(index)} {_fatal_cell(exc, limits)}; it was skipped and the "
                                  "notebook re-run without it.")
                return index
            finally:
                self.sandbox.activity = None
            notebook.charge(self.sandbox.last_usage)
            if not reply.get("ok"):
                self._note_once(index, f"{self._cell(index)} {_cell_problem(reply, self.sandbox, limits)}")
        self._preload(notebook)
        return None

    def _preload(self, notebook: Account) -> None:
        """Import the assignment's ``PRELOAD`` modules (e.g. ``torch._dynamo``, which torch imports
        lazily, for 1-1.5 CPU s and 70-150 MB, the first time any ``torch.optim`` optimizer is
        built) once the notebook has run, charged to the notebook: no question's budget pays a
        library's lazy import because its check is the first to build an optimizer. Best effort:
        whatever goes wrong (a notebook that never imported torch, a broken import, time) only
        means the import happens later, where it would have happened anyway."""
        if not self.suite.preload or self.preload_failed:
            return
        left = notebook.left()
        if left.spent:
            return
        try:
            reply = self.sandbox.preload(self.suite.preload, self.budget(self.limits.cell_s) & left)
        except (WorkerDied, StudentTimeout):
            self.preload_failed = True    # the first rung restarts the worker and replays the notebook
            return
        notebook.charge(self.sandbox.last_usage)
        if not reply.get("ok"):
            self.preload_failed = True

    # -- questions -------------------------------------------------------------------------------
    def grade_question(self, question: Question) -> QuestionResult:
        if self.wall_left() <= 0:
            return _zero(question, f"Grading stopped: the whole run took more than {self.limits.total_wall_s:g} s "
                                   "of wall-clock time, so this question was not graded.")
        self.account = Account(self.budget(self.limits.question_s), f"the checks of {question.name}")
        self.substituting = question if question.name in self.suite.substitutes else None
        self._attach(question)
        try:
            if self.sandbox.alive:   # else the first rung restarts the worker, then substitutes
                self._substitute()
            result = climb(question, self._values_for, self._seed(question))
            if self.substituting is not None and self.sandbox.alive:
                self.sandbox.restore()
            if self.sandbox.alive:
                self.sandbox.sync()   # a frame the student's code forged shows here, blamed on this question
        except CheckFailed as exc:
            result = _zero(question, str(exc))
        finally:
            self.substituting = None
            self.account = None
            if self.sandbox is not None:
                self.sandbox.account = self.sandbox.activity = None
        return result

    def _attach(self, question: Question) -> None:
        self.sandbox.account = self.account
        self.sandbox.activity = ("question", question.name)

    def _substitute(self) -> None:
        """Swap our reference helpers in for the question being graded (after every boot)."""
        if self.substituting is None:
            return
        substitution = self.suite.substitutes[self.substituting.name]
        error = self.sandbox.substitute(substitution.source, list(substitution.names))
        if error:
            self._note_once(("substitute", self.substituting.name),
                            f"{self.substituting.name}: the grader could not use its reference "
                            f"{', '.join(substitution.names)} ({error}); your own were used.")

    def _values_for(self, case: Case) -> dict:
        if not self.sandbox.alive:
            question = self.sandbox.activity
            self.boot()
            self.sandbox.account = self.account
            self.sandbox.activity = question
            self._substitute()
        self.sandbox.forget()  # handles are per rung: free what earlier rungs received
        return self.sandbox.resolve(case.params)

    def _seed(self, question: Question) -> Callable[[Case], None]:
        return lambda case: self.sandbox.seed(rung_seed(self.suite.assignment, question.name, case.name))


def _fatal_cell(exc: Exception, limits: Limits) -> str:
    """Why a cell had to be skipped (after the worker was killed or died)."""
    if isinstance(exc, OutOfMemory):
        return f"used more than {limits.worker_mb:.0f} MB of memory"
    if isinstance(exc, Overrun):
        return f"did not stop when interrupted (after {exc.usage.describe()})"
    if isinstance(exc, StudentTimeout):
        return "did not stop when interrupted"
    return "killed the process running the notebook"


def _cell_problem(reply: dict, sandbox: Sandbox, limits: Limits) -> str:
    """What went wrong in a cell that still answered: interrupted, out of memory, or an error."""
    usage: Usage = sandbox.last_usage
    if reply.get("timed_out"):
        if usage.stopped_by == "wait":
            return (f"was interrupted: it waited (slept or blocked) for {usage.waited_s:.1f} s while using "
                    f"{usage.describe()}; a cell may wait at most {usage.budget.wait_s:.0f} s.")
        if usage.stopped_by == "deadline":
            return f"was interrupted: grading reached its overall time limit of {limits.total_wall_s:g} s."
        return (f"was interrupted after {usage.describe()}: a cell may use {usage.budget.cpu_s:g} s of CPU time"
                f" (the notebook {limits.notebook_s:g} s in all).")
    error = str(reply.get("error", "an error"))
    if sandbox.memory_cap == "rlimit" and is_memory_error(str(reply.get("error_type", "")), error):
        return f"used more than {limits.worker_mb:.0f} MB of memory ({error[:200]})."
    return f"raised {error}"


def climb(question: Question, values_for: Callable[[Case], dict], seed: Callable[[Case], None]) -> QuestionResult:
    """Run the rungs of ``question`` in order, stopping at the first failure.

    ``values_for(case)`` gives the student's objects by notebook name (real objects in process,
    proxies when grading); ``seed(case)`` seeds the student side before the rung runs.
    """
    rungs = []
    failed = False
    started = time.monotonic()
    for case in question.cases:
        if failed:
            rungs.append(RungResult(case.name, case.hidden, "not run"))
            continue
        try:
            values = values_for(case)
            seed(case)
            case.func(**{name: values.get(name) for name in case.params})
            rungs.append(RungResult(case.name, case.hidden, "passed"))
        except CheckFailed as exc:
            failed = True
            rungs.append(RungResult(case.name, case.hidden, "failed", str(exc)))
        except Exception as exc:  # a value the check could not handle: the answer is not usable
            failed = True
            rungs.append(RungResult(case.name, case.hidden, "failed",
                                    f"The grader could not evaluate your answer ({type(exc).__name__}: {exc})."))
    return QuestionResult(question.name, question.points, 0.0 if failed else question.points, rungs,
                          time.monotonic() - started)


def grade_namespace(suite: Suite, namespace: dict) -> list:
    """Grade objects living in this process (tests of the checks, no sandbox): same ladders,
    same seeds and the same reference substitutions as :func:`grade`."""
    from autograder.checking.calls import LocalFunction

    def seed(question: Question) -> Callable[[Case], None]:
        return lambda case: LocalFunction(None, "").seed(rung_seed(suite.assignment, question.name, case.name))

    results = []
    for question in suite.questions:
        substitution = suite.substitutes.get(question.name)
        saved = {}
        if substitution is not None:
            saved = swap_in(namespace, run_reference(substitution.source), substitution.names)
        try:
            results.append(climb(question, lambda case: namespace, seed(question)))
        finally:
            swap_out(namespace, saved)
    return results


def grade(suite: Suite, submission_path: Path, options: SandboxOptions) -> Report:
    """Grade one submission against ``suite``. Never raises for anything the submission does."""
    started = time.monotonic()
    submission = load_submission(Path(submission_path), suite.notebook)
    report = Report(suite.assignment, submission.path, [])
    if submission.problem:
        report.notes.append(submission.problem)
        report.questions = [_zero(q, submission.problem) for q in suite.questions]
        report.seconds = time.monotonic() - started
        return report
    run = _Run(suite, submission, options)
    with guarded() as imports:
        imports.lock(preload(suite))     # every check is loaded before any student code runs
        try:
            run.boot()
            for question in suite.questions:  # a worker lost during a question costs that question only
                report.questions.append(run.grade_question(question))
        except WorkerDied as exc:  # the notebook itself could not be run (too many restarts)
            report.questions += [_zero(q, str(exc)) for q in suite.questions[len(report.questions):]]
        finally:
            run.close()
    report.worker_peak_mb = run.peak_mb
    report.notes = run.notes + report.notes
    report.seconds = time.monotonic() - started
    return report


def _zero(question: Question, message: str) -> QuestionResult:
    rungs = [RungResult(c.name, c.hidden, "not run") for c in question.cases]
    if rungs:
        rungs[0] = RungResult(rungs[0].name, rungs[0].hidden, "failed", message)
    return QuestionResult(question.name, question.points, 0.0, rungs)
