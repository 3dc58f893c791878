r"""The student's side: every master notebook run in full, as a student runs it, and its time claims
checked ("about N s", "N-M s", "under N s", "a few seconds", "about a minute").

Each assignment's finished notebook (the master's setup, given, solution and experiment cells, in
order, with its markdown; the otter test cells left out) runs in a Jupyter kernel of the course venv
(nbclient, the kernel a student's Jupyter starts), in ``solutions/<A>/`` with a fresh cache folder
(``XDG_CACHE_HOME``: data the notebook generates on first use is generated, as on a student's first
run). Threads are what the notebook's setup cell chooses (``shared.runtime.use_threads``); the
kernel's torch thread count is read back and printed. Every code cell is timed: wall-clock and
CPU seconds of the kernel's process tree (``/proc/<pid>/stat``: its own time and that of the
children it waited for, e.g. DataLoader workers).

Claims are found in code cells' comments (they belong to that cell) and in markdown (they belong to
the next given experiment cell, the code that runs something, not a cell of definitions; or to the
whole notebook when the sentence says "whole notebook"). A cell with
several claims is held to the largest (the others describe parts of it). Sentences about graded
budgets, the checks, a solution's own speed, alternatives or real data ("budget", "allow", "check",
"loop", "per epoch", "instead of", "speed", "CPU time", "grader", "solution") are listed as not
about a cell's time, for a person to read. A claim is
*off* when the cell's CPU seconds (one thread: the wall time on an idle core) fall outside
[lo / 2, 2 hi] of the claim's range and differ from it by more than half a second (an upper bound
"under N s" accepts anything up to 2 N).
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from autograder.packaging.cells import master_code_cells

REPO = Path(__file__).resolve().parents[2]
FACTOR = 2.0                      # a claim is off when measured / claimed leaves [1/FACTOR, FACTOR]
SLACK_S = 0.5                     # ... and by more than this (nobody notices 0.04 s for "about 0.1 s")
NOT_CELL_TIMES = re.compile(r"\b(budgets?|allow(s|ed)?|checks?|loops?|per epoch|instead of|speed|cpu time|grader|"
                            r"solutions?)\b", re.I)

_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT = r"(ms|s|secs?|seconds?|min|minutes?)\b"
_CUE = r"(about|around|roughly|~|under|within|in|takes?|took|needs?)"
_NUMERIC = re.compile(rf"\b{_CUE}\s+(?:all\s+)?{_NUMBER}(?:\s*(?:-|–|to)\s*{_NUMBER})?\s*{_UNIT}", re.I)
_RANGE = re.compile(rf"(?<![\w.]){_NUMBER}\s*(?:-|–)\s*{_NUMBER}\s*{_UNIT}", re.I)
_WORDS = re.compile(r"\b(about|around|under|within|in|well under|takes?)\s+(a|one|a few)\s+(seconds?|minutes?)\b"
                    r"|\((a few) (seconds)\)", re.I)
_SECONDS = {"ms": 0.001, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
            "min": 60, "minute": 60, "minutes": 60}


@dataclass
class Claim:
    text: str                     # the sentence it was found in
    lo: float                     # seconds
    hi: float
    upper_bound: bool = False     # "under N s": anything faster is fine
    scope: str = "cell"           # cell | notebook | not a cell time

    def holds(self, seconds: float) -> bool:
        low = 0.0 if self.upper_bound else min(self.lo / FACTOR, self.lo - SLACK_S)
        return low <= seconds <= max(self.hi * FACTOR, self.hi + SLACK_S)

    def describe(self) -> str:
        if self.upper_bound:
            return f"under {self.hi:g} s"
        return f"about {self.lo:g} s" if self.lo == self.hi else f"{self.lo:g}-{self.hi:g} s"


def _sentences(text: str) -> list:
    """Sentences (a heading line is one sentence of its own)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*#)", text) if s.strip()]


def claims_in(text: str) -> list:
    """The time claims in ``text`` (markdown, or the comments of a code cell)."""
    found = []
    for sentence in _sentences(text):
        one_line = " ".join(sentence.split())
        lowered = one_line.lower()
        scope = ("not a cell time" if NOT_CELL_TIMES.search(one_line)
                 else "notebook" if "whole notebook" in lowered else "cell")
        spans = []
        for match in _NUMERIC.finditer(one_line):
            cue, lo, hi, unit = match.groups()
            scale = _SECONDS[unit.lower()]
            lo_s, hi_s = float(lo) * scale, float(hi or lo) * scale
            bound = cue.lower() in ("under", "within")
            found.append(Claim(one_line, 0.0 if bound else lo_s, hi_s, bound, scope))
            spans.append(match.span())
        for match in _RANGE.finditer(one_line):
            if any(a <= match.start() < b for a, b in spans):
                continue
            lo, hi, unit = match.groups()
            scale = _SECONDS[unit.lower()]
            found.append(Claim(one_line, float(lo) * scale, float(hi) * scale, False, scope))
        for match in _WORDS.finditer(one_line):
            cue = (match.group(1) or "about").lower()
            amount = (match.group(2) or match.group(4)).lower()
            unit = (match.group(3) or match.group(5)).lower().rstrip("s")
            base = 60.0 if unit == "minute" else 1.0
            lo, hi = (2 * base, 5 * base) if amount == "a few" else (base, base)
            bound = cue in ("under", "within", "well under")
            found.append(Claim(one_line, 0.0 if bound else lo, hi, bound, scope))
    return found


def _comments(source: str) -> str:
    """The comment text of a code cell (``# ...`` to the end of each line; a '#' inside a string
    is rare enough in our notebooks to ignore)."""
    return "\n".join(line.split("#", 1)[1].strip() for line in source.splitlines() if "#" in line)


@dataclass
class CellTime:
    index: int                    # position in the master notebook
    role: str
    first_line: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    error: str = ""
    claims: list = field(default_factory=list)


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and the children it waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run_notebook(assignment: str, timeout: float = 1800.0) -> tuple:
    """Run the finished master notebook of ``assignment``; returns (cells, notebook claims,
    torch threads in the kernel, wall seconds, kernel start seconds)."""
    import nbformat
    from nbclient import NotebookClient

    master = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    raw = nbformat.read(master, as_version=4)
    roles = {cell.index: cell.role for cell in master_code_cells(master)}
    notebook = nbformat.v4.new_notebook(metadata=raw.metadata)
    plan: list = []                # (index in the new notebook, CellTime)
    pending: list = []             # markdown claims waiting for the next code cell
    whole: list = []
    for index, cell in enumerate(raw.cells):
        if cell.cell_type == "markdown":
            for claim in claims_in(cell.source):
                (whole if claim.scope == "notebook" else pending).append(claim)
            notebook.cells.append(nbformat.v4.new_markdown_cell(cell.source))
        elif cell.cell_type == "code" and roles.get(index) != "test":
            timing = CellTime(index, roles.get(index, "?"), next((l for l in cell.source.splitlines() if l.strip()), ""))
            timing.claims = claims_in(_comments(cell.source))
            if timing.role in ("experiment", "setup"):   # what markdown says "takes N s" is run here
                timing.claims, pending = pending + timing.claims, []
            notebook.cells.append(nbformat.v4.new_code_cell(cell.source))
            plan.append((len(notebook.cells) - 1, timing))
    cache = tempfile.mkdtemp(prefix="gd-bench-cache-")
    env_before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = cache        # the kernel inherits it
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(master.parent)}})
    cells = [timing for _, timing in plan]
    threads: Optional[str] = None
    started = time.monotonic()
    try:
        with client.setup_kernel(stderr=subprocess.DEVNULL):
            kernel_start = time.monotonic() - started
            pid = client.km.provisioner.process.pid
            for position, timing in plan:
                cpu, wall = _tree_cpu(pid), time.monotonic()
                client.execute_cell(notebook.cells[position], position)
                timing.wall_s, timing.cpu_s = time.monotonic() - wall, _tree_cpu(pid) - cpu
                errors = [o for o in notebook.cells[position].outputs if o.get("output_type") == "error"]
                if errors:
                    timing.error = f"{errors[0].get('ename')}: {errors[0].get('evalue', '')[:200]}"
            probe = nbformat.v4.new_code_cell("import torch; print(torch.get_num_threads())")
            notebook.cells.append(probe)
            client.execute_cell(probe, len(notebook.cells) - 1)
            threads = "".join(o.get("text", "") for o in probe.outputs).strip() or "?"
    finally:
        if env_before is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = env_before
        import shutil

        shutil.rmtree(cache, ignore_errors=True)
    return cells, whole, threads, time.monotonic() - started, kernel_start


def report(assignment: str) -> tuple:
    """Print one notebook's timings and claims; returns (claims off, cells that raised)."""
    cells, whole, threads, wall, kernel_start = run_notebook(assignment)
    cpu_total = sum(c.cpu_s for c in cells)
    wall_total = sum(c.wall_s for c in cells)
    print(f"{assignment}: {len(cells)} code cells, {cpu_total:.1f} CPU s / {wall_total:.1f} s wall "
          f"(kernel start {kernel_start:.1f} s), torch threads in the kernel: {threads}", flush=True)
    off, raised = [], []
    slowest = sorted(cells, key=lambda c: -c.cpu_s)[:5]
    print("  slowest cells: " + "; ".join(f"[{c.index}] {c.cpu_s:.1f} CPU s / {c.wall_s:.1f} s" for c in slowest))
    for cell in cells:
        if cell.error:
            raised.append(cell)
            print(f"  RAISED [{cell.index}] {cell.first_line[:60]!r}: {cell.error}")
        timed = [c for c in cell.claims if c.scope == "cell"]
        if timed:
            claim = max(timed, key=lambda c: c.hi)
            verdict = "ok " if claim.holds(cell.cpu_s) else "OFF"
            if verdict == "OFF":
                off.append((cell, claim))
            parts = len(timed) - 1
            print(f"  {verdict} [{cell.index}] claims {claim.describe():<12} measured {cell.cpu_s:6.2f} CPU s / "
                  f"{cell.wall_s:6.2f} s wall" + (f" (+{parts} claim(s) about parts of the cell)" if parts else "")
                  + f"  | {claim.text[:90]}")
        for claim in cell.claims:
            if claim.scope == "not a cell time":
                print(f"  --  [{cell.index}] not a cell time: {claim.describe()}  | {claim.text[:100]}")
    for claim in whole:
        verdict = "ok " if claim.holds(cpu_total) else "OFF"
        if verdict == "OFF":
            off.append((None, claim))
        print(f"  {verdict} whole notebook claims {claim.describe()}, measured {cpu_total:.1f} CPU s / "
              f"{wall_total:.1f} s wall  | {claim.text[:90]}")
    return off, raised


def main(names: list) -> bool:
    """Run every notebook; True when no claim is off by more than :data:`FACTOR` and no cell raised."""
    print(f"(claims compared with CPU seconds of the kernel: on one thread that is the time on an idle core; "
          f"'OFF' = outside [claim / {FACTOR:g}, claim x {FACTOR:g}]; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    bad = False
    for assignment in names:
        try:
            off, raised = report(assignment)
        except Exception as exc:  # a kernel that could not start, a timeout
            print(f"{assignment}: could not run the notebook ({type(exc).__name__}: {exc})")
            bad = True
            continue
        bad |= bool(off or raised)
    return not bad
