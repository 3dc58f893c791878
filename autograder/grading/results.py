r"""Reports out: Gradescope's results.json, a terminal table, and one CSV row per submission.

results.json follows Gradescope's autograder specification: top-level ``score``,
``execution_time``, ``output``, ``visibility``, ``stdout_visibility`` and ``tests``; each test has
``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``. For each question we
emit two tests:

* ``<question> (public checks)``, worth 0 points, always visible: the rungs students can also run
  with ``grader.check`` (so they see at once that their upload was read);
* ``<question>``, worth the question's points, with every rung's outcome; its visibility is the
  assignment's ``hidden_visibility`` (``after_published`` by default, so hidden results and the
  total appear when grades are published).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .engine import QuestionResult, Report

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def _rung_lines(question: QuestionResult, hidden: bool) -> str:
    lines = []
    for rung in question.rungs:
        if rung.hidden and not hidden:
            continue
        mark = {"passed": "PASS", "failed": "FAIL", "not run": "SKIP"}[rung.status]
        tag = " (hidden)" if rung.hidden else ""
        lines.append(f"[{mark}] {rung.name}{tag}")
        if rung.message:
            lines.append("    " + rung.message.replace("\n", "\n    "))
    return "\n".join(lines)


def _score(value: float) -> float:
    return round(float(value), 4)


def gradescope_results(report: Report, hidden_visibility: str = "after_published") -> dict:
    assert hidden_visibility in VISIBILITIES
    tests = []
    for q in report.questions:
        public = [r for r in q.rungs if not r.hidden]
        public_ok = all(r.status == "passed" for r in public)
        tests.append({"name": f"{q.name} (public checks)", "score": 0.0, "max_score": 0.0,
                      "status": "passed" if public_ok else "failed",
                      "output": _rung_lines(q, hidden=False) or "No public checks.",
                      "output_format": "text", "visibility": "visible"})
        tests.append({"name": q.name, "score": _score(q.score), "max_score": _score(q.max_score),
                      "status": "passed" if q.passed else "failed",
                      "output": _rung_lines(q, hidden=True), "output_format": "text",
                      "visibility": hidden_visibility})
    summary = [f"Graded {report.assignment}: {_score(report.score)} / {_score(report.max_score)} "
               f"in {report.seconds:.1f} s."]
    if report.notes:
        summary += ["", "Notes on running your notebook:"] + [f"- {n}" for n in report.notes]
    return {"score": _score(report.score), "execution_time": round(report.seconds, 2),
            "output": "\n".join(summary), "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def write_json(results: dict, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(results, indent=2) + "\n")


def table(report: Report) -> str:
    width = max([len(q.name) for q in report.questions] + [8])
    lines = [f"{report.assignment}: {report.submission}"]
    for q in report.questions:
        first = q.first_failure().splitlines()[0] if q.first_failure() else ""
        lines.append(f"  {q.name:<{width}}  {_score(q.score):>5g} / {_score(q.max_score):<5g} "
                     f"{q.seconds:5.1f} s  {first[:100]}")
    lines.append(f"  {'total':<{width}}  {_score(report.score):>5g} / {_score(report.max_score):<5g} "
                 f"({report.seconds:.1f} s)")
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)


def csv_text(reports: list, question_names: list) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "total", "max_total", *question_names, "seconds", "notes"])
    for report in reports:
        scores = {q.name: _score(q.score) for q in report.questions}
        writer.writerow([report.submission, _score(report.score), _score(report.max_score),
                         *[scores.get(name, 0.0) for name in question_names],
                         round(report.seconds, 2), " | ".join(report.notes)])
    return out.getvalue()
