r"""Fixtures of the backprop tests: the reference namespace and the suite."""
from __future__ import annotations

import pytest

from tests.support import REPO, namespace_from, solution_sources

ASSIGNMENT = "backprop"


@pytest.fixture(scope="package")
def reference():
    """The master notebook's setup and solution cells, executed in a fresh namespace."""
    return namespace_from(solution_sources(ASSIGNMENT), REPO / "solutions" / ASSIGNMENT)


@pytest.fixture(scope="package")
def suite(suite_of):
    return suite_of(ASSIGNMENT)
