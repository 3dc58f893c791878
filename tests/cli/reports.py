r"""Small hand-made grading reports (no notebook is run) for the tests of the CSV, the regrade and
report.html."""
from __future__ import annotations

from autograder.grading.engine import QuestionResult, Report, RungResult
from autograder.grading.suite import Case, Question, Suite

QUESTIONS = [("demo_q1", 2.0), ("demo_q2", 1.0), ("demo_q3", 3.0)]


def suite() -> Suite:
    def case(name: str, hidden: bool) -> Case:
        return Case(name, hidden, lambda: None)

    return Suite("demo", "demo.ipynb", [Question(name, points, [case("exists", False), case("theory", True)])
                                        for name, points in QUESTIONS])


def question(name: str, points: float, failure: str = "", public_fails: bool = False) -> QuestionResult:
    if not failure:
        rungs = [RungResult("exists", False, "passed"), RungResult("theory", True, "passed")]
        return QuestionResult(name, points, points, rungs, 0.25)
    if public_fails:
        rungs = [RungResult("exists", False, "failed", failure), RungResult("theory", True, "not run")]
    else:
        rungs = [RungResult("exists", False, "passed"), RungResult("theory", True, "failed", failure)]
    return QuestionResult(name, points, 0.0, rungs, 0.5)


def report(submission: str, failures: dict = None, notes: list = None, seconds: float = 3.0,
           memory: float = 250.0) -> Report:
    """A report where every question passes except those in ``failures`` (name -> message)."""
    failures = failures or {}
    questions = [question(name, points, failures.get(name, "")) for name, points in QUESTIONS]
    return Report("demo", submission, questions, list(notes or []), seconds, memory)


def batch() -> list:
    """Six submissions: full marks, two with the same mistake (different numbers), a hostile
    message, a timeout, and a crash with restarts."""
    return [
        report("subs/alice.ipynb"),
        report("subs/bob.ipynb", {"demo_q2": "\nexpected 8 pieces on [0, 1], got 4: is the composition off by one?"}),
        report("subs/carol.ipynb", {"demo_q2": "expected 16 pieces on [0, 1], got 8: is the composition off by one?"}),
        report("subs/dave.ipynb", {"demo_q3": "<script>alert('x')</script> is not a number"}, seconds=9.5, memory=410.0),
        report("subs/erin.zip:erin/demo.ipynb", {"demo_q1": "relu(-1.5) should be 0, got -1.5"},
               notes=["Cell 7 (In [3]) ran longer than 60 s and was interrupted."], seconds=61.0),
        report("subs/frank.ipynb", {name: "Grading stopped: the notebook killed or hung the grader too many times."
                                    for name, _ in QUESTIONS},
               notes=["Cell 4 (In [2]) killed the process running the notebook; it was skipped and the notebook "
                      "re-run without it."], seconds=20.0, memory=0.0),
    ]


def only(report: Report, name: str) -> Report:
    """``report`` as a one-question regrade would give it: ``name``'s result only."""
    return Report(report.assignment, report.submission, [q for q in report.questions if q.name == name],
                  report.notes, report.seconds, report.worker_peak_mb)
