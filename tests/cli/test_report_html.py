r"""report.html opened in a real headless browser (chromium): what it renders, not just what the
file says. Hand-made reports (tests/cli/reports.py), so no notebook runs: a few seconds."""
from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from autograder.grading.report_html import write_report
from tests.cli import reports

BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                 "--disable-extensions", "--allow-file-access-from-files"]
C0 = np.array([31, 119, 180]) / 255   # matplotlib's first colour: the bars of the two bar plots


class _Dom(HTMLParser):
    """Tables (rows of cell texts), images (src) and script elements of a dumped DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.tables, self.images, self.scripts, self.row_classes = [], [], 0, []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
            self.row_classes.append(attrs.get("class") or "")
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(attrs.get("src", ""))
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _browser(chromium: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, *BROWSER_FLAGS, *args], capture_output=True, text=True, timeout=120)


def _dom(chromium: str, page: Path) -> _Dom:
    proc = _browser(chromium, "--dump-dom", page.as_uri())
    assert proc.returncode == 0 and "<body" in proc.stdout, proc.stderr[-1000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    return dom


def _c0_pixels(chromium: str, page: Path, shot: Path) -> int:
    """Pixels of the screenshot whose colour is matplotlib's C0 (only a decoded plot has them)."""
    import matplotlib.image

    proc = _browser(chromium, "--window-size=1200,3200", f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), proc.stderr[-1000:]
    rgb = matplotlib.image.imread(str(shot))[..., :3]
    return int((np.abs(rgb - C0).max(axis=-1) < 0.02).sum())


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(reports.batch(), reports.suite(), path)


def test_report_renders_tables_and_plots(chromium, page):
    """Check what chromium renders: one row per submission with its score and notes, flagged rows
    for the timeout and the crash/restart, the per-question pass rates, the grouped first failures
    (two different numbers, one group of 2), three embedded plots and no script (the hostile
    message stays text)."""
    dom = _dom(chromium, page)
    submissions = next(t for t in dom.tables if t[0][:2] == ["submission", "score"])
    assert [row[0] for row in submissions[1:]] == [r.submission for r in reports.batch()]
    assert [float(row[1]) for row in submissions[1:]] == [r.score for r in reports.batch()]
    assert "demo_q2: expected 8 pieces on [0, 1], got 4" in submissions[2][4]
    assert submissions[5][4].startswith("timeout") and submissions[6][4].startswith("crash restart")
    assert sum(cls == "flagged" for cls in dom.row_classes) == 2
    questions = next(t for t in dom.tables if t[0][:3] == ["question", "points", "pass rate"])
    assert [row[2] for row in questions[1:]] == ["67%", "50%", "67%"]
    groups = [t for t in dom.tables if t[0][:2] == ["count", "message (numbers as #)"]]
    assert ["2", "expected # pieces on [#, #], got #: is the composition off by one?"] == groups[1][1][:2]
    assert len(dom.images) == 3 and all(src.startswith("data:image/png;base64,") for src in dom.images)
    assert dom.scripts == 0 and "<script>alert('x')</script> is not a number" in submissions[4][4]
    assert not re.search(r"(src|href)=\"(https?:)?//", page.read_text())   # nothing fetched


def test_report_plots_are_decoded(chromium, page, tmp_path):
    """Check in a screenshot that the plots were decoded and drawn (matplotlib's blue bars are on
    screen), and that the same page with broken image data shows none: the check can fail."""
    assert _c0_pixels(chromium, page, tmp_path / "good.png") > 5000
    broken = tmp_path / "broken.html"
    broken.write_text(re.sub(r"base64,[A-Za-z0-9+/=]{200}", "base64,AAAA", page.read_text()))
    assert _c0_pixels(chromium, broken, tmp_path / "broken.png") < 50
