r"""Grading CLI.

    python -m autograder.grading grade --assignment sawtooth --submission sub.ipynb [--out results.json]
    python -m autograder.grading grade --assignment sawtooth --submission folder/ [--out grades.csv] [--jobs 2]
    python -m autograder.grading grade ... --question sawtooth_q3     # regrade one question in place
    python -m autograder.grading gradescope [--root /autograder]

``grade`` uses the autograder folder that ``make dist`` wrote (``dist/<assignment>/autograder``,
the unzipped content of autograder.zip), so a TA grades exactly as Gradescope would. A folder
gives grades.csv, grades.json (full reports) and report.html (see :mod:`.batch`). As root it
closes ``dist/<assignment>/autograder/private`` and the zip to other users and grades from a
private copy of the autograder folder laid out as on Gradescope (``private/`` mode 700), so the
sandboxed student code cannot read the hidden tests; it also closes the checkout's own secrets
(solutions, tests, history) to other users and lets them reach its Python (:mod:`.access`); with
``--jobs N`` every concurrent job's worker runs as a sandbox uid of its own.
``gradescope`` is what ``run_autograder`` calls.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from . import batch
from .access import seal_checkout
from .engine import Report, grade
from .gradescope import seal
from .identity import POOL
from .results import gradescope_results, table, write_json
from .sandbox import SandboxOptions, default_sandbox_user
from .suite import Suite, load_suite

CHECKOUT = Path(__file__).resolve().parents[2]   # the course checkout this module runs from


@contextmanager
def grading_copy(source: Path) -> Iterator[Path]:
    """As root: a private copy of the autograder folder, sealed (see :func:`.gradescope.seal`) and
    removed at the end; otherwise ``source`` itself (the worker runs as us anyway)."""
    if os.geteuid() != 0:
        yield source
        return
    root = Path(tempfile.mkdtemp(prefix="gd-grade-"))
    try:
        copy = root / "autograder"
        for part in ("private", "public"):
            shutil.copytree(source / part, copy / part, symlinks=True)
        seal(copy, root)
        yield copy
    finally:
        shutil.rmtree(root, ignore_errors=True)


def protect_dist(source: Path) -> None:
    """As root: what ``make dist`` wrote with the hidden tests (``private/`` and
    ``autograder.zip``) closed to every other user; and, when notebooks run as a sandbox user,
    the course checkout laid out for it (:func:`.access.seal_checkout`: its secrets closed, its
    Python reachable), each change printed."""
    if os.geteuid() != 0:
        return
    os.chmod(source / "private", 0o700)
    for archive in source.parent.glob("*.zip"):
        os.chmod(archive, 0o600)
    if default_sandbox_user() is not None and (CHECKOUT / "solutions").exists():
        for line in seal_checkout(CHECKOUT):
            print(f"sandbox: {line}", file=sys.stderr)


def grade_one(source: Path, submission: Path, suite: Optional[Suite] = None) -> Report:
    suite = suite or load_suite(source / "private")
    options = SandboxOptions(lib_path=str((source / "public").resolve()), user=default_sandbox_user())
    return grade(suite, submission, options)


def _batch(source: Path, suite: Suite, folder: Path, out: Path, jobs: int, question: Optional[str]) -> int:
    graded = batch.only_question(suite, question)
    items = batch.submissions_in(folder)
    if question and not out.exists():
        print(f"{out} does not exist: grade the whole folder first (without Q=)", file=sys.stderr)
        return 2
    user = default_sandbox_user()
    if user not in (None, POOL) and jobs > 1:
        print(f"GD_SANDBOX_USER={user}: one account for all workers, so grading one at a time "
              "(unset it to give each job a sandbox uid of its own)", file=sys.stderr)
        jobs = 1
    label = f"grading {suite.assignment}" + (f" ({question} only)" if question else "")
    reports = batch.grade_all(items, lambda item: grade_one(source, item, graded), jobs,
                              graded.max_score, label)
    for report in reports:
        print(table(report))
    if question:
        missing = batch.regrade_batch(reports, suite, out, question)
        for submission in missing:
            print(f"warning: {submission} has no row in {out}; regrade with the same S as the first run",
                  file=sys.stderr)
        print(f"updated {question} in {out} ({len(reports) - len(missing)} rows)")
    else:
        batch.write_batch(reports, suite, out)
        print(f"wrote {out}, {batch.details_path(out)} and {batch.html_path(out)} ({len(reports)} submissions)")
    return 0


def main(argv: list = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.grading")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="grade a notebook, an export zip, or a folder of them")
    g.add_argument("--assignment", required=True)
    g.add_argument("--submission", required=True, type=Path)
    g.add_argument("--out", type=Path)
    g.add_argument("--jobs", type=int, default=2)
    g.add_argument("--dist", type=Path, default=Path("dist"))
    g.add_argument("--question", help="regrade only this question and update --out in place")
    s = sub.add_parser("gradescope", help="what run_autograder runs")
    s.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)

    if args.command == "gradescope":
        from .gradescope import run

        return run(args.root)

    source = args.dist / args.assignment / "autograder"
    if not (source / "private" / "assignment.json").exists():
        print(f"no autograder at {source}: run `make dist` first", file=sys.stderr)
        return 2
    protect_dist(source)
    with grading_copy(source) as copy:
        return _grade(args, copy)


def _grade(args: argparse.Namespace, source: Path) -> int:
    suite = load_suite(source / "private")
    try:
        graded = batch.only_question(suite, args.question)
    except ValueError as exc:  # a question the assignment does not have
        print(exc, file=sys.stderr)
        return 2
    if args.submission.is_dir():
        return _batch(source, suite, args.submission, args.out or Path("grades.csv"), args.jobs, args.question)
    report = grade_one(source, args.submission, graded)
    print(table(report))
    out = args.out or Path("results.json")
    results = gradescope_results(report, suite.hidden_visibility, suite.show_hidden_status)
    if args.question and out.exists():
        results = batch.regrade_results_json(out, results, args.question)
    write_json(results, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
