r"""``make mutants A=<assignment> [Q=<question>] [UPDATE=1]``: how many mutants of each question's
reference code the checks kill.

    python -m autograder.mutation --assignment sawtooth [--question sawtooth_q3] [--jobs 2] [--update]
    python -m autograder.mutation --assignment sawtooth --recount     # after reviewing reasons

Builds the assignment's suite, generates every mutant of each question (:mod:`.generate`), grades
them in forked children (:mod:`.run`), probes the survivors for equivalence, prints a table per
question and one line per survivor, and compares with the committed baseline (:mod:`.baseline`):
exit status 1 when a question got worse. ``--update`` writes the baseline instead.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading.suite import load_suite
from autograder.packaging.build import REPO, build, master_path
from autograder.packaging.cells import master_assignments, master_code_cells

from . import baseline
from .generate import mutants_of
from .run import CPU_FACTOR, CPU_SLACK_S, PROBES, Pool, equivalence_job, grade_job, reference_cpu_job, reference_replays


def _prepare(cells: list, folder: Path) -> None:
    """Import what the notebook imports once, before forking (children start warm). With torch,
    also ``torch._dynamo``, which the first ``torch.optim`` optimizer imports (about 1.2 CPU s that
    every child of a training question would otherwise pay again)."""
    from .run import namespace_of
    from autograder.packaging.cells import reference_sources

    namespace_of(reference_sources(cells), folder)
    if "torch" in sys.modules:
        import torch._dynamo  # noqa: F401


def evaluate(assignment: str, questions: list = None, jobs: int = 2, sample: dict = None,
             log=print, suite=None) -> dict:
    """Grade the mutants of ``assignment`` -> question -> :class:`baseline.QuestionRecord`.

    ``sample`` (question -> idents) restricts each question to those mutants (the quick test);
    ``suite`` is the built suite (built afresh when None)."""
    if suite is None:
        with tempfile.TemporaryDirectory() as tmp:
            suite = load_suite(build(assignment, Path(tmp)) / "autograder" / "private")
    cells = master_code_cells(master_path(assignment))
    folder = master_path(assignment).parent
    graded = [q.name for q in suite.questions if q.cases and (not questions or q.name in questions)]
    records, mutants = {}, {}
    phase = time.monotonic()
    gc.freeze()  # the collector skips what exists (torch, when imported): half the generation's CPU
    try:
        for q in graded:
            found = mutants_of(cells, q)
            if sample is not None:
                wanted = set(sample.get(q, ()))
                found = [m for m in found if m.ident in wanted]
            mutants.update({m.ident: m for m in found})
            records[q] = baseline.QuestionRecord(generated=len(found))
    finally:
        gc.unfreeze()
    log(f"{len(mutants)} mutants of {len(graded)} questions generated in {time.monotonic() - phase:.0f} s")
    _prepare(cells, folder)
    pool = Pool(jobs)
    reference = dict(pool.map([(q, reference_cpu_job(suite, cells, folder, q), 600.0) for q in graded]))
    for q, result in reference.items():
        if not result.get("passed"):
            raise SystemExit(f"the reference solution fails {q}: {result.get('message')}")
    limit = {q: CPU_FACTOR * reference[q]["cpu_s"] + CPU_SLACK_S for q in graded}
    started, done = time.monotonic(), [0]

    def progress(key: str, result: dict) -> None:
        done[0] += 1
        if done[0] % 50 == 0:
            log(f"  {done[0]}/{len(mutants)} mutants graded ({time.monotonic() - started:.0f} s)")

    tasks = [(m.ident, grade_job(suite, cells, folder, m), limit[m.question]) for m in mutants.values()]
    survivors = []
    for ident, result in pool.map(tasks, progress):
        mutant, record = mutants[ident], records[mutants[ident].question]
        if result["status"] == "killed":
            record.killed += 1
            record.sample.append(ident)
        elif result["status"] == "timed out":
            record.timed_out += 1
        else:
            survivors.append(mutant)
    log(f"{len(mutants)} mutants graded in {time.monotonic() - started:.0f} s")
    phase = time.monotonic()
    replays = {q: reference_replays(suite, cells, folder, q) for q in sorted({m.question for m in survivors})}
    probe = [(m.ident, equivalence_job(replays[m.question], cells, folder, m), 2 * (PROBES + 2) * limit[m.question])
             for m in survivors]
    for ident, result in pool.map(probe):
        mutant, record = mutants[ident], records[mutants[ident].question]
        target = record.equivalent if result["status"] == "equivalent" else record.survived
        target[ident] = mutant.describe()
    log(f"{len(survivors)} survivors probed for equivalence in {time.monotonic() - phase:.0f} s")
    for q, record in records.items():  # one generator per question: the same sample with or without Q=
        rng = random.Random(f"{assignment}/{q}")
        record.sample = sorted(rng.sample(sorted(record.sample), min(baseline.SAMPLE_PER_QUESTION, len(record.sample))))
    return records


def main(argv: list = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.mutation")
    parser.add_argument("--assignment", help="required unless --table")
    parser.add_argument("--question", action="append", help="only this question (repeatable)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--update", action="store_true", help="write the baseline instead of comparing")
    parser.add_argument("--recount", action="store_true",
                        help="only rewrite the baseline's kill rates from its reviewed reasons (no grading)")
    parser.add_argument("--table", action="store_true",
                        help="print the README's 'How sharp are the graders' table from the committed baselines")
    args = parser.parse_args(argv)
    if args.table:
        print(baseline.table(REPO, [args.assignment] if args.assignment else master_assignments(REPO)))
        return 0
    if not args.assignment:
        parser.error("--assignment is required")
    if args.recount:
        for q, rate in baseline.recount(baseline.path_of(REPO, args.assignment)).items():
            print(f"{q:<22}{rate:>10.1%}")
        return 0

    started = time.monotonic()
    records = evaluate(args.assignment, args.question, args.jobs)
    path = baseline.path_of(REPO, args.assignment)
    stored = baseline.load(path)
    worse = False
    print(f"\n{'question':<22}{'mutants':>8}{'killed':>8}{'timeout':>8}{'survived':>9}{'equiv.':>8}{'kill rate':>11}")
    for q, record in records.items():
        accepted = stored.get(q, {}).get("accepted", {})
        record.accepted = accepted
        print(f"{q:<22}{record.generated:>8}{record.killed:>8}{record.timed_out:>8}{len(record.survived):>9}"
              f"{len(record.equivalent):>8}{record.kill_rate:>10.1%}")
    for q, record in records.items():
        for ident, text in sorted(record.equivalent.items()):
            print(f"  equivalent {q} {ident}: {text}")
        for ident, text in sorted(record.survived.items()):
            reason = record.accepted.get(ident, {}).get("reason", "")
            print(f"  survivor {q} {ident}: {text}" + (f"\n      accepted: {reason}" if reason else ""))
    if args.update:
        merged = dict(stored)
        merged.update({q: baseline.to_json(r, stored.get(q, {})) for q, r in records.items()})
        baseline.write(path, args.assignment, merged)
        print(f"wrote {path.relative_to(REPO)}")
    else:
        for q, record in records.items():
            for problem in baseline.compare(record, stored.get(q, {})):
                worse = True
                print(f"WORSE {q}: {problem}")
    print(f"{sum(r.generated for r in records.values())} mutants in {time.monotonic() - started:.0f} s")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
