r"""Grading CLI.

    python -m autograder.grading grade --assignment sawtooth --submission sub.ipynb [--out results.json]
    python -m autograder.grading grade --assignment sawtooth --submission folder/ [--out grades.csv] [--jobs 2]
    python -m autograder.grading gradescope [--root /autograder]

``grade`` uses the autograder folder that ``make dist`` wrote (``dist/<assignment>/autograder``,
the unzipped content of autograder.zip), so a TA grades exactly as Gradescope would.
``gradescope`` is what ``run_autograder`` calls.
"""
from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .engine import Report, grade
from .results import csv_text, gradescope_results, table, write_json
from .sandbox import SandboxOptions, default_sandbox_user
from .suite import load_suite

SUBMISSION_SUFFIXES = (".ipynb", ".zip")


def grade_one(source: Path, submission: Path) -> Report:
    suite = load_suite(source / "private")
    options = SandboxOptions(lib_path=str((source / "public").resolve()), user=default_sandbox_user())
    return grade(suite, submission, options)


def _batch(source: Path, folder: Path, out: Path, jobs: int) -> int:
    suite = load_suite(source / "private")
    items = sorted(p for p in folder.iterdir()
                   if p.suffix in SUBMISSION_SUFFIXES or (p.is_dir() and not p.name.startswith(".")))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        reports = list(pool.map(lambda p: grade_one(source, p), items))
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
    if args.submission.is_dir():
        return _batch(source, args.submission, args.out or Path("grades.csv"), args.jobs)
    report = grade_one(source, args.submission)
    print(table(report))
    out = args.out or Path("results.json")
    write_json(gradescope_results(report, load_suite(source / "private").hidden_visibility), out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
