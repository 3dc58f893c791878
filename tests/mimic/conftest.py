r"""Fixtures of the mimic tests: reference namespaces with replacements installed."""
from __future__ import annotations

from tests.support import REPO, namespace_from, solution_sources

ASSIGNMENT = "mimic"


def reference_with(replacements=None) -> dict:
    """A fresh reference namespace with ``replacements`` (name -> object built from that namespace)
    installed in it, so that the notebook's other functions see them as a student's notebook would
    (depth_sweep calls the namespace's train_on_labels, train_mimic its mimic_loss)."""
    ns = namespace_from(solution_sources(ASSIGNMENT), REPO / "solutions" / ASSIGNMENT)
    if replacements:
        ns.update(replacements(ns))
    return ns
