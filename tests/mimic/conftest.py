r"""Fixtures of the mimic tests: reference namespaces with replacements installed."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from tests.support import REPO, namespace_from, solution_sources

ASSIGNMENT = "mimic"
_MISSING = object()


def reference_with(replacements: Optional[Callable] = None) -> dict:
    """A fresh reference namespace with ``replacements`` (name -> object built from that namespace)
    installed in it, so that the notebook's other functions see them as a student's notebook would
    (depth_sweep calls the namespace's train_on_labels, train_mimic its mimic_loss)."""
    ns = namespace_from(solution_sources(ASSIGNMENT), REPO / "solutions" / ASSIGNMENT)
    if replacements:
        ns.update(replacements(ns))
    return ns


@contextmanager
def installed(ns: dict, replacements: Callable) -> Iterator[dict]:
    """``ns`` with ``replacements(ns)`` installed for the duration of the block, then restored (cheaper
    than a fresh namespace; the graders change nothing else in it)."""
    new = replacements(ns)
    saved = {name: ns.get(name, _MISSING) for name in new}
    ns.update(new)
    try:
        yield ns
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                ns.pop(name, None)
            else:
                ns[name] = value
