r"""LibraryCall: checks build arguments, or evaluate course-library functions, on the student side;
the same call gives the same value in the kernel (local) and through the sandbox (remote)."""
from __future__ import annotations

import pytest

from autograder.checking import LibraryCall, StudentError, student
from autograder.grading.sandbox import Sandbox, SandboxOptions, default_sandbox_user

SOURCE = "import torch\ndef make_layer(n):\n    return torch.nn.Linear(n, 3)\n"


@pytest.fixture(scope="module")
def remote(dist_root):
    box = Sandbox(SandboxOptions(str(dist_root("sawtooth") / "autograder" / "public"), default_sandbox_user())).start()
    assert box.exec_cell(SOURCE, 30)["ok"]
    yield student(box.resolve(["make_layer"])["make_layer"], "make_layer")
    box.close()


@pytest.fixture(scope="module")
def local():
    namespace: dict = {}
    exec(SOURCE, namespace)
    return student(namespace["make_layer"], "make_layer")


@pytest.mark.parametrize("side", ["local", "remote"])
def test_library_call_on_a_student_object(side, request):
    """Check that shared.nets.count_params(<the student's layer>) is 4*3 + 3 on both sides, and
    that a failing library call is reported as the student's error."""
    make_layer = request.getfixturevalue(side)
    layer = make_layer(4)
    assert make_layer.library(LibraryCall("shared.nets", "count_params", (layer.handle,))) == 15
    with pytest.raises(StudentError):
        make_layer.library(LibraryCall("shared.nets", "count_params", ("not a module",)))


def test_library_call_refuses_modules_outside_shared():
    """Check that only the course library can be called."""
    with pytest.raises(ValueError):
        LibraryCall("os", "system", ("true",))


def test_library_call_ignores_a_patched_course_module(dist_root):
    """Check that a notebook which replaces shared.nets.count_params cannot change what a check's
    LibraryCall computes (the call uses a private copy of the module loaded from its file)."""
    box = Sandbox(SandboxOptions(str(dist_root("sawtooth") / "autograder" / "public"), default_sandbox_user())).start()
    try:
        patch = "import shared.nets\nshared.nets.count_params = lambda model: 999\n"
        assert box.exec_cell(SOURCE + patch, 30)["ok"]
        make_layer = student(box.resolve(["make_layer"])["make_layer"], "make_layer")
        layer = make_layer(4)
        assert make_layer.library(LibraryCall("shared.nets", "count_params", (layer.handle,))) == 15
    finally:
        box.close()



def test_non_callable_results_can_be_passed_back(dist_root):
    """Check that a non-callable student object (a range) comes back as Opaque with a handle, and
    that passing it to another student function gives that function the object itself, locally and
    through the sandbox."""
    from autograder.checking import Opaque

    source = "def make(n):\n    return range(n)\ndef total(items):\n    return sum(items)\n"
    namespace: dict = {}
    exec(source, namespace)
    box = Sandbox(SandboxOptions(str(dist_root("sawtooth") / "autograder" / "public"), default_sandbox_user())).start()
    try:
        assert box.exec_cell(source, 30)["ok"]
        remote = box.resolve(["make", "total"])
        for make, total in ((student(namespace["make"], "make"), student(namespace["total"], "total")),
                            (student(remote["make"], "make"), student(remote["total"], "total"))):
            items = make(5)
            assert isinstance(items, Opaque) and items.type_name == "range"
            assert total(items) == 10
    finally:
        box.close()
