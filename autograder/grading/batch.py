r"""Grading a folder of submissions (``make grade S=folder``), and regrading one question in place.

A batch writes, for ``--out grades.csv``:

* ``grades.csv``: a row per submission, a column per question, ``notes`` (why each question was
  lost, then the notes on running the notebook); see :func:`autograder.grading.results.csv_text`;
* ``grades.json``: every submission's full report (each check's outcome and message), so that
  a TA can read any student's messages and ``report.html`` can be rebuilt after a regrade;
* ``report.html`` beside them: the batch at a glance (:mod:`autograder.grading.report_html`).

While it runs, a progress bar on stderr (tqdm) shows the count, the running mean score and the
ETA; the per-submission tables go to stdout after it.

**Regrading one question** (``--question sawtooth_q3``, ``make grade ... Q=sawtooth_q3``) after a
check was fixed: every notebook still runs (the checks need its functions), but only that
question's checks; the existing CSV is updated in place: that question's column, ``total`` (old
total - old score + new score) and that question's entry in ``notes``. Every other column, including
columns a TA added by hand, is left as it was. ``grades.json`` and ``report.html`` are updated too.
Rows are matched by the ``submission`` column, so regrade with the same ``S`` as the first run.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Optional

from .engine import QuestionResult, Report, RungResult
from .results import csv_text, lost_reasons, _score
from .suite import Suite

SUBMISSION_SUFFIXES = (".ipynb", ".zip")


def submissions_in(folder: Path) -> list:
    """The submissions of a folder: every .ipynb/.zip and every sub-folder (not hidden), sorted."""
    return sorted(p for p in Path(folder).iterdir()
                  if (p.suffix in SUBMISSION_SUFFIXES and p.is_file())
                  or (p.is_dir() and not p.name.startswith(".")))


def only_question(suite: Suite, question: Optional[str]) -> Suite:
    """``suite`` restricted to ``question`` (all of it when None). Raises ValueError for a name
    the assignment does not have, listing the names it has."""
    if question is None:
        return suite
    names = [q.name for q in suite.questions]
    if question not in names:
        raise ValueError(f"{suite.assignment} has no question {question!r}; its questions: {', '.join(names)}")
    return dataclasses.replace(suite, questions=[q for q in suite.questions if q.name == question])


def grade_all(items: list, grade_one: Callable[[Path], Report], jobs: int, max_score: float,
              label: str = "grading") -> list:
    r"""Grade ``items`` ``jobs`` at a time; return their reports in the order of ``items``.

    Shows a tqdm bar on stderr: submissions done, running mean score, rate and ETA.
    """
    from tqdm import tqdm

    reports: dict = {}
    total = 0.0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(items), desc=label, unit="sub", file=sys.stderr, dynamic_ncols=True) as bar:
        futures = {pool.submit(grade_one, item): item for item in items}
        for future in as_completed(futures):
            report = future.result()
            reports[futures[future]] = report
            total += report.score
            bar.set_postfix_str(f"mean {total / len(reports):.2f}/{max_score:g}", refresh=False)
            bar.update()
    return [reports[item] for item in items]


# -- reports as JSON -----------------------------------------------------------------------------
def report_to_dict(report: Report) -> dict:
    return dataclasses.asdict(report)


def report_from_dict(data: dict) -> Report:
    questions = [QuestionResult(**{**q, "rungs": [RungResult(**r) for r in q["rungs"]]})
                 for q in data["questions"]]
    return Report(**{**data, "questions": questions})


def details_path(csv_path: Path) -> Path:
    return Path(csv_path).with_suffix(".json")


def html_path(csv_path: Path) -> Path:
    return Path(csv_path).parent / "report.html"


def read_details(csv_path: Path) -> list:
    path = details_path(csv_path)
    if not path.exists():
        return []
    return [report_from_dict(d) for d in json.loads(path.read_text())]


def write_details(reports: list, csv_path: Path) -> None:
    details_path(csv_path).write_text(json.dumps([report_to_dict(r) for r in reports], indent=1) + "\n")


def write_batch(reports: list, suite: Suite, csv_path: Path) -> None:
    """Write the CSV, the JSON details and report.html of a batch."""
    from .report_html import write_report

    csv_path = Path(csv_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.write_text(csv_text(reports, [q.name for q in suite.questions]))
    write_details(reports, csv_path)
    write_report(reports, suite, html_path(csv_path))


# -- regrading one question ----------------------------------------------------------------------
def _note_entries(notes: str) -> list:
    return [entry for entry in notes.split(" | ") if entry]


def _with_reason(entries: list, question: str, reason: Optional[str], order: list) -> list:
    """``entries`` (a notes cell, split) with ``question``'s entry replaced by ``reason`` (or
    removed when None), question entries kept in the suite's order before the notebook notes."""
    entries = [e for e in entries if not e.startswith(f"{question}: ")]
    if reason is None:
        return entries
    rank = {name: i for i, name in enumerate(order)}
    position = len(entries)
    for i, entry in enumerate(entries):
        name = entry.split(": ", 1)[0]
        if rank.get(name, len(order)) > rank[question]:
            position = i
            break
    return entries[:position] + [reason] + entries[position:]


def update_csv(csv_path: Path, reports: list, question: str, order: list) -> list:
    r"""Update ``question``'s column, ``total`` and ``notes`` of the existing CSV in place from
    ``reports`` (each graded on that question only). Returns the submissions without a row."""
    rows = list(csv.reader(io.StringIO(Path(csv_path).read_text())))
    header = rows[0]
    column, total = header.index(question), header.index("total")
    notes = header.index("notes") if "notes" in header else None
    by_submission = {row[0]: row for row in rows[1:] if row}
    missing = []
    for report in reports:
        row = by_submission.get(report.submission)
        if row is None:
            missing.append(report.submission)
            continue
        result = next(q for q in report.questions if q.name == question)
        old = float(row[column] or 0.0)
        row[column] = str(_score(result.score))
        row[total] = str(_score(float(row[total] or 0.0) - old + result.score))
        if notes is not None:
            reasons = lost_reasons(dataclasses.replace(report, questions=[result]))
            reason = reasons[0] if reasons else None   # None: passed, or said once in the notes
            row[notes] = " | ".join(_with_reason(_note_entries(row[notes]), question, reason, order))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    Path(csv_path).write_text(out.getvalue())
    return missing


def merge_question(old: list, new: list, question: str) -> list:
    """The stored reports ``old`` with ``question``'s result replaced from ``new`` (by submission)."""
    fresh = {r.submission: next(q for q in r.questions if q.name == question) for r in new}
    merged = []
    for report in old:
        result = fresh.get(report.submission)
        if result is not None:
            report = dataclasses.replace(report, questions=[result if q.name == question else q
                                                            for q in report.questions])
        merged.append(report)
    return merged


def regrade_batch(reports: list, suite: Suite, csv_path: Path, question: str) -> list:
    """Apply a one-question regrade to an existing batch output. Returns unmatched submissions."""
    from .report_html import write_report

    order = [q.name for q in suite.questions]
    missing = update_csv(csv_path, reports, question, order)
    stored = read_details(csv_path)
    if stored:
        merged = merge_question(stored, reports, question)
        write_details(merged, csv_path)
        write_report(merged, suite, html_path(csv_path))
    return missing


def regrade_results_json(path: Path, results: dict, question: str) -> dict:
    r"""Replace ``question``'s tests (``Q``, ``Q (public checks)``, ``Q (hidden checks)``) of an
    existing Gradescope results.json by those of ``results``; the score is the sum of the tests."""
    old = json.loads(Path(path).read_text())
    names = {question, f"{question} (public checks)", f"{question} (hidden checks)"}
    fresh = [t for t in results["tests"] if t["name"] in names]
    tests, inserted = [], False
    for test in old.get("tests", []):
        if test["name"] in names:
            if not inserted:
                tests += fresh
                inserted = True
            continue
        tests.append(test)
    if not inserted:
        tests += fresh
    old["tests"] = tests
    old["score"] = _score(sum(t["score"] for t in tests))
    old["output"] = re.sub(r"^Graded (\S+): [-\d.]+ /", lambda m: f"Graded {m.group(1)}: {old['score']} /",
                           old.get("output", ""))
    return old

