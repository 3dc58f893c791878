r"""Fixtures of the `regions` tests: torch on one thread (as in the sandbox; the machine is shared,
and two threads on 2 cores make small matmuls 10-100x slower under load), and the `regions` marker."""
from __future__ import annotations

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "regions: the regions assignment")


@pytest.fixture(scope="module", autouse=True)
def torch_one_thread():
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)
