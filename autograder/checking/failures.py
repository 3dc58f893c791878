r"""Exceptions a check raises. Every one of them is an ``AssertionError``, so otter's
exception-based test runner (in the student's kernel) reports it as a failed test with our message,
and the grading engine turns it into zero points for that question and the message.
"""
from __future__ import annotations


class CheckFailed(AssertionError):
    """The student's answer is wrong; the message says what theory expected and what came back."""


class StudentError(CheckFailed):
    """Calling student code raised an exception."""


class StudentTimeout(CheckFailed):
    """Student code did not return within the time bound of the check."""


class WorkerDied(CheckFailed):
    """The process running the student's code died (os._exit, a crash, out of memory)."""


def expect(condition: bool, message: str) -> None:
    """Fail the check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)
