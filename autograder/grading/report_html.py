r"""``report.html``: a batch of graded submissions at a glance, for TAs.

One static page (no server, no script, nothing fetched from the internet; plots are PNGs embedded
as base64 data URIs) with:

* the score histogram and a summary (submissions, mean, median);
* per question: points, pass rate, mean checking time, and the most frequent *first-failure*
  messages with their counts, grouped after replacing every number by ``#`` (so "expected 8 pieces,
  got 4" and "expected 16 pieces, got 8" are one group), with one full example each;
* grading time and worker memory per submission (a plot and the table);
* every submission with its score and notes, rows with timeouts, crashes or restarts marked.

Everything a student wrote (messages quote their exceptions) is HTML-escaped.
"""
from __future__ import annotations

import base64
import html
import io
import re
import statistics
from collections import Counter
from pathlib import Path

from .engine import Report
from .results import first_line, lost_reasons
from .suite import Suite

TOP_MESSAGES = 5          # most frequent first-failure groups shown per question
_NUMBER = re.compile(r"(?<![A-Za-z_\d])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_FLAGS = (("timeout", ("ran longer than", "interrupted", "did not stop")),
          ("crash", ("killed the process", "could not start", "Grading stopped", "Could not read")),
          ("restart", ("re-run without it",)))

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged { background: #fff4e0; }
code { font-size: 0.9em; }
img { max-width: 100%; }
.flag { font-size: 0.8em; border-radius: 3px; padding: 0 0.3em; background: #f0b060; margin-right: 0.3em; }
"""


def message_group(message: str) -> str:
    """The group of a failure message: its first line with every number replaced by ``#``
    (digits inside names, such as ``sawtooth_q3`` or ``x2``, are kept)."""
    return _NUMBER.sub("#", first_line(message))


def flags(report: Report) -> list:
    """Kinds of trouble in a submission's notes: ``timeout``, ``crash``, ``restart``."""
    return [kind for kind, needles in _FLAGS if any(n in note for note in report.notes for n in needles)]


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float = 6.0, height: float = 3.0):
    from matplotlib.figure import Figure   # no pyplot: no display and no global state needed

    figure = Figure(figsize=(width, height))
    return figure, figure.add_subplot()


def score_histogram(reports: list, max_score: float) -> str:
    figure, ax = _figure()
    scores = [r.score for r in reports]
    bins = [x - 0.5 for x in range(int(max_score) + 2)] if max_score <= 40 else 20
    ax.hist(scores, bins=bins, color="C0", edgecolor="white")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.set_title("Scores")
    return _png(figure)


def pass_rate_plot(names: list, rates: list) -> str:
    figure, ax = _figure(6.0, 0.35 * len(names) + 1.0)
    ax.barh(names[::-1], [100 * r for r in rates[::-1]], color="C0")
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions passing (%)")
    ax.set_title("Pass rate per question")
    return _png(figure)


def time_memory_plot(reports: list) -> str:
    figure, ax = _figure()
    ax.scatter([r.seconds for r in reports], [r.worker_peak_mb for r in reports], color="C0")
    ax.set_xlabel("grading time (s)")
    ax.set_ylabel("worker peak memory (MB)")
    ax.set_title("Grading time and memory per submission")
    return _png(figure)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(header: list, rows: list, numeric: set = frozenset(), row_classes: list = None) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(f'<td class="num">{cell}</td>' if j in numeric else f"<td>{cell}</td>"
                        for j, cell in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render(reports: list, suite: Suite) -> str:
    """The page for ``reports`` graded against ``suite``, as one HTML string."""
    names = [q.name for q in suite.questions]
    points = {q.name: q.points for q in suite.questions}
    n = len(reports)
    results = {name: [q for r in reports for q in r.questions if q.name == name] for name in names}
    rates = [sum(q.passed for q in results[name]) / max(len(results[name]), 1) for name in names]
    scores = [r.score for r in reports]
    parts = [f"<h1>{_esc(suite.assignment)}: {n} submission{'s' * (n != 1)}</h1>"]
    if scores:
        parts.append(f"<p>Mean score {statistics.mean(scores):.2f} / {suite.max_score:g}, median "
                     f"{statistics.median(scores):g}; {sum(r.score == suite.max_score for r in reports)} with full marks; "
                     f"grading took {sum(r.seconds for r in reports):.0f} s in all "
                     f"({statistics.mean(r.seconds for r in reports):.1f} s each on average).</p>")
        parts.append(f'<img alt="score histogram" src="{score_histogram(reports, suite.max_score)}">')

    parts.append("<h2>Questions</h2>")
    rows = []
    for name, rate in zip(names, rates):
        seconds = [q.seconds for q in results[name]]
        rows.append([f"<code>{_esc(name)}</code>", f"{points[name]:g}", f"{100 * rate:.0f}%",
                     f"{statistics.mean(seconds):.2f}" if seconds else ""])
    parts.append(_table(["question", "points", "pass rate", "mean checking time (s)"], rows, {1, 2, 3}))
    if names and reports:
        parts.append(f'<img alt="pass rate per question" src="{pass_rate_plot(names, rates)}">')

    parts.append("<h2>Most frequent first failures</h2>")
    for name in names:
        failures = [q.first_failure() for q in results[name] if not q.passed]
        groups = Counter(message_group(m) for m in failures)
        example = {}
        for message in failures:
            example.setdefault(message_group(message), first_line(message))
        parts.append(f"<h3><code>{_esc(name)}</code>: {len(failures)} of {len(results[name])} lost it</h3>")
        if groups:
            rows = [[str(count), _esc(group), _esc(example[group])] for group, count in groups.most_common(TOP_MESSAGES)]
            parts.append(_table(["count", "message (numbers as #)", "example"], rows, {0}))

    parts.append("<h2>Grading time and memory</h2>")
    if reports:
        parts.append(f'<img alt="grading time and memory" src="{time_memory_plot(reports)}">')

    parts.append("<h2>Submissions</h2>")
    rows, classes = [], []
    for report in reports:
        kinds = flags(report)
        notes = "".join(f'<span class="flag">{k}</span>' for k in kinds)
        notes += "<br>".join(_esc(note) for note in lost_reasons(report) + report.notes)
        rows.append([_esc(report.submission), f"{report.score:g}", f"{report.seconds:.1f}",
                     f"{report.worker_peak_mb:.0f}", notes])
        classes.append("flagged" if kinds else "")
    parts.append(_table(["submission", "score", "time (s)", "memory (MB)", "notes"], rows, {1, 2, 3}, classes))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(suite.assignment)}: grading report</title><style>{STYLE}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def write_report(reports: list, suite: Suite, path: Path) -> Path:
    Path(path).write_text(render(reports, suite), encoding="utf-8")
    return Path(path)
