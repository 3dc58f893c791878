r"""A minimal text progress bar (no dependency; tqdm is not part of the course environment).

``for batch in progress(loader, desc="epoch 1"):`` prints one line that it redraws in place, e.g.
``epoch 1 [##########..........]  6/12  loss 0.812``, and ends it with a newline. Set extra text
on the bar with ``bar.note = "loss 0.812"``.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator, Optional, TextIO


class progress:
    r"""Wrap an iterable; redraw a bar at most every ``every`` seconds and once at the end.

    Args:
        iterable: what to iterate over.
        total: number of items; default ``len(iterable)`` when it has one.
        desc: text before the bar.
        width: bar width in characters.
        file: where to draw; default ``sys.stderr``.
        every: seconds between redraws.
    """

    def __init__(self, iterable: Iterable, total: Optional[int] = None, desc: str = "", width: int = 20,
                 file: Optional[TextIO] = None, every: float = 0.1):
        self.iterable = iterable
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.desc, self.width, self.every = desc, width, every
        self.file = file
        self.note = ""
        self.count = 0

    def _line(self) -> str:
        if self.total:
            filled = int(self.width * min(self.count, self.total) / self.total)
            bar = "[" + "#" * filled + "." * (self.width - filled) + f"] {self.count:>{len(str(self.total))}}/{self.total}"
        else:
            bar = f"{self.count} it"
        return " ".join(part for part in (self.desc, bar, self.note) if part)

    def _draw(self, end: str = "") -> None:
        out = self.file or sys.stderr
        out.write("\r" + self._line() + end)
        out.flush()

    def __iter__(self) -> Iterator[Any]:
        last, drawn = 0.0, None
        for item in self.iterable:
            yield item
            self.count += 1
            now = time.monotonic()
            if now - last >= self.every:
                self._draw()
                last, drawn = now, (self.count, self.note)
        if drawn == (self.count, self.note):
            (self.file or sys.stderr).write("\n")
        else:
            self._draw("\n")

    def __len__(self) -> int:
        return self.total or 0
