r"""Reports out: Gradescope's results.json, a terminal table, and one CSV row per submission.

results.json follows Gradescope's autograder specification: top-level ``score``,
``execution_time``, ``output``, ``visibility``, ``stdout_visibility`` and ``tests``; each test has
``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``. For each question we
emit two tests:

* ``<question> (public checks)``, worth 0 points, always visible: the rungs students can also run
  with ``grader.check`` (so they see at once that their upload was read);
* ``<question> (hidden checks)``, worth 0 points, visible, when the assignment's
  ``show_hidden_status`` is on (the default): whether the hidden checks passed, without their
  messages, so a student learns at submission time which questions to look at again;
* ``<question>``, worth the question's points, with every rung's outcome; its visibility is the
  assignment's ``hidden_visibility`` (``after_published`` by default, so hidden results and the
  total appear when grades are published).

The CSV of a batch has a row per submission and a column per question; its ``notes`` column says
why each question was lost (``<question>: <first line of the first failing check>``, shortened)
followed by the notes on running the notebook (cells that raised or timed out, restarts).
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


def _hidden_status(question: QuestionResult) -> dict:
    """The visible 0-point test saying whether the hidden checks passed (never their messages)."""
    hidden = [r for r in question.rungs if r.hidden]
    statuses = {r.status for r in hidden}
    if statuses == {"passed"}:
        status, text = "passed", f"All {len(hidden)} hidden checks passed."
    elif "failed" in statuses:
        status, text = "failed", ("A hidden check failed. Its message, and your score, are shown when "
                                  "grades are published.")
    else:
        status, text = "failed", "The hidden checks did not run: fix what the public checks report first."
    return {"name": f"{question.name} (hidden checks)", "score": 0.0, "max_score": 0.0, "status": status,
            "output": text, "output_format": "text", "visibility": "visible"}


def gradescope_results(report: Report, hidden_visibility: str = "after_published",
                       show_hidden_status: bool = True) -> dict:
    assert hidden_visibility in VISIBILITIES
    tests = []
    for q in report.questions:
        public = [r for r in q.rungs if not r.hidden]
        public_ok = all(r.status == "passed" for r in public)
        tests.append({"name": f"{q.name} (public checks)", "score": 0.0, "max_score": 0.0,
                      "status": "passed" if public_ok else "failed",
                      "output": _rung_lines(q, hidden=False) or "No public checks.",
                      "output_format": "text", "visibility": "visible"})
        if show_hidden_status and any(r.hidden for r in q.rungs):
            tests.append(_hidden_status(q))
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


def first_line(message: str, limit: int = 0) -> str:
    """The first non-blank line of ``message``, stripped; cut to ``limit`` characters (with an
    ellipsis) when ``limit`` > 0."""
    line = next((l.strip() for l in message.splitlines() if l.strip()), "")
    return line if limit <= 0 or len(line) <= limit else line[:limit - 3].rstrip() + "..."


NOTE_LIMIT = 160   # characters of a question's first failing message kept in the CSV's notes


def lost_reasons(report: Report) -> list:
    """``<question>: <first failing message, first line, shortened>`` for each question not passed,
    except where that message is a note of the whole submission (an unreadable file: said once)."""
    said = {note.strip() for note in report.notes}
    return [f"{q.name}: {first_line(q.first_failure(), NOTE_LIMIT) or 'no points'}"
            for q in report.questions if not q.passed and q.first_failure().strip() not in said]


def table(report: Report) -> str:
    width = max([len(q.name) for q in report.questions] + [8])
    lines = [f"{report.assignment}: {report.submission}"]
    for q in report.questions:
        first = first_line(q.first_failure())
        lines.append(f"  {q.name:<{width}}  {_score(q.score):>5g} / {_score(q.max_score):<5g} "
                     f"{q.seconds:5.1f} s  {first[:100]}")
    lines.append(f"  {'total':<{width}}  {_score(report.score):>5g} / {_score(report.max_score):<5g} "
                 f"({report.seconds:.1f} s)")
    lines += [f"  note: {' '.join(n.split())}" for n in report.notes]
    return "\n".join(lines)


def csv_text(reports: list, question_names: list) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "total", "max_total", *question_names, "seconds", "notes"])
    for report in reports:
        scores = {q.name: _score(q.score) for q in report.questions}
        writer.writerow([report.submission, _score(report.score), _score(report.max_score),
                         *[scores.get(name, 0.0) for name in question_names],
                         round(report.seconds, 2), " | ".join(lost_reasons(report) + report.notes)])
    return out.getvalue()
