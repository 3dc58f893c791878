r"""``python -m autograder.packaging build --out dist A [B ...]`` (make dist) and
``python -m autograder.packaging stubs A [B ...]`` (make assignments: first the masters' tooling
cells, config and setup bootstrap, are rewritten from the templates, then the stubs regenerated)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .build import REPO, build, master_path, write_stub
from .handout import refresh_master


def main(argv: list = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.packaging")
    parser.add_argument("command", choices=["build", "stubs"])
    parser.add_argument("assignments", nargs="+")
    parser.add_argument("--out", type=Path, default=Path("dist"))
    args = parser.parse_args(argv)
    for assignment in args.assignments:
        started = time.monotonic()
        if args.command == "build":
            target = build(assignment, args.out)
            print(f"{assignment}: {target}/student/ and {target}/autograder.zip "
                  f"({time.monotonic() - started:.1f} s)")
        else:
            if refresh_master(master_path(assignment), assignment):
                print(f"{assignment}: solutions/{assignment}/{assignment}.ipynb: config and setup cells refreshed")
            write_stub(assignment, REPO / "assignments" / assignment)
            print(f"{assignment}: assignments/{assignment}/ regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
