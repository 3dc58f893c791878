r"""Grading CLI.

    python -m autograder.grading grade --assignment sawtooth --submission sub.ipynb [--out results.json]
    python -m autograder.grading grade --assignment sawtooth --submission folder/ [--out grades.csv] [--jobs 2]
    python -m autograder.grading gradescope [--root /autograder]

``grade`` uses the autograder folder that ``make dist`` wrote (``dist/<assignment>/autograder``,
the unzipped content of autograder.zip), so a TA grades exactly as Gradescope would. As root it
closes ``dist/<assignment>/autograder/private`` and the zip to other users and grades from a
private copy of the autograder folder laid out as on Gradescope (``private/`` mode 700), so the
sandboxed student code cannot read the hidden tests.
With ``--jobs N`` every concurrent job's worker runs as a sandbox uid of its own.
``gradescope`` is what ``run_autograder`` calls.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .engine import Report, grade
from .gradescope import seal
from .identity import POOL
from .results import csv_text, gradescope_results, table, write_json
from .sandbox import SandboxOptions, default_sandbox_user
from .suite import Suite, load_suite

SUBMISSION_SUFFIXES = (".ipynb", ".zip")


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
    ``autograder.zip``) closed to every other user, and a warning when the course checkout
    (solutions) is readable by them."""
    if os.geteuid() != 0:
        return
    os.chmod(source / "private", 0o700)
    for archive in source.parent.glob("*.zip"):
        os.chmod(archive, 0o600)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "solutions").exists() and checkout.stat().st_mode & 0o005 == 0o005:
        print(f"warning: {checkout} (solutions, hidden checks) is readable by other users, so the sandboxed "
              f"notebook could read it too; make it private (chmod 700 {checkout}) before grading untrusted "
              "submissions", file=sys.stderr)


def _options(source: Path) -> SandboxOptions:
    return SandboxOptions(lib_path=str((source / "public").resolve()), user=default_sandbox_user())


def grade_one(source: Path, submission: Path) -> Report:
    with grading_copy(source) as copy:
        return grade(load_suite(copy / "private"), submission, _options(copy))


def _grade_all(suite: Suite, options: SandboxOptions, items: list, jobs: int) -> list:
    if options.user not in (None, POOL) and jobs > 1:
        print(f"GD_SANDBOX_USER={options.user}: one account for all workers, so grading one at a time "
              "(unset it to give each job a sandbox uid of its own)", file=sys.stderr)
        jobs = 1
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda p: grade(suite, p, options), items))


def _batch(source: Path, folder: Path, out: Path, jobs: int) -> int:
    items = sorted(p for p in folder.iterdir()
                   if p.suffix in SUBMISSION_SUFFIXES or (p.is_dir() and not p.name.startswith(".")))
    with grading_copy(source) as copy:
        suite = load_suite(copy / "private")
        reports = _grade_all(suite, _options(copy), items, jobs)
    for report in reports:
        print(table(report))
    out.write_text(csv_text(reports, [q.name for q in suite.questions]))
    print(f"wrote {out} ({len(reports)} submissions)")
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
    if args.submission.is_dir():
        return _batch(source, args.submission, args.out or Path("grades.csv"), args.jobs)
    report = grade_one(source, args.submission)
    print(table(report))
    out = args.out or Path("results.json")
    write_json(gradescope_results(report, json.loads((source / "private" / "assignment.json").read_text())
                                  .get("hidden_visibility", "after_published")), out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
