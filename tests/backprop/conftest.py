r"""Fixtures of the backprop tests: the marker, one torch thread (the sandbox worker uses one too;
on a busy 2-core machine several threads make tiny training runs 10x slower), the reference namespace."""
from __future__ import annotations

import pytest
import torch

from tests.support import REPO, namespace_from, solution_sources

ASSIGNMENT = "backprop"


def pytest_configure(config):
    config.addinivalue_line("markers", "backprop: the backprop assignment")


@pytest.fixture(scope="package", autouse=True)
def one_torch_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


@pytest.fixture(scope="package")
def reference(one_torch_thread):
    """The master notebook's setup and solution cells, executed in a fresh namespace."""
    return namespace_from(solution_sources(ASSIGNMENT), REPO / "solutions" / ASSIGNMENT)


@pytest.fixture(scope="package")
def suite(suite_of):
    return suite_of(ASSIGNMENT)
