r"""Our reference definitions, swapped into a notebook's globals for one question (no double
jeopardy).

When a question's checks call a student function that calls *another* graded function of the
student (``deep_mlp`` calling ``init_leaky_relu_``), a mistake in the helper would cost both
questions. The assignment declares such helpers (``SUBSTITUTES`` in
``autograder/assignments/<a>/__init__.py``); the packager stores, per question, the source of our
reference definitions (the master's setup cell and every reference function they need); while that
question is graded the named globals are ours, then the student's own come back.

The same functions serve the sandbox worker (grading) and the in-process tests of the graders.
"""
from __future__ import annotations

import sys
import types
from contextlib import contextmanager
from typing import Any, Callable, Iterator

_MISSING = object()


class OtterStub(types.ModuleType):
    """Stands in for otter when grading: ``grader.check``/``export`` cells do nothing."""

    class Notebook:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args, **kwargs: None


@contextmanager
def _otter_stubbed() -> Iterator[None]:
    saved = sys.modules.get("otter", _MISSING)
    if not isinstance(saved, OtterStub):
        sys.modules["otter"] = OtterStub("otter")
    try:
        yield
    finally:
        if saved is _MISSING:
            sys.modules.pop("otter", None)
        elif not isinstance(saved, OtterStub):
            sys.modules["otter"] = saved


def run_reference(source: str) -> dict:
    """Execute our reference code in a fresh namespace (otter stubbed) and return the namespace."""
    namespace: dict = {"__name__": "__reference__"}
    with _otter_stubbed():
        exec(compile(source, "<reference>", "exec"), namespace)
    return namespace


def swap_in(namespace: dict, reference: dict, names: Any) -> dict:
    """Put ``reference[name]`` into ``namespace`` for each name; return what was there before."""
    saved = {}
    for name in names:
        if name in reference:
            saved[name] = namespace.get(name, _MISSING)
            namespace[name] = reference[name]
    return saved


def swap_out(namespace: dict, saved: dict) -> None:
    """Undo :func:`swap_in`."""
    for name, value in saved.items():
        if value is _MISSING:
            namespace.pop(name, None)
        else:
            namespace[name] = value
