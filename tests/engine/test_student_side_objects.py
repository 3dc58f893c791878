r"""Checks can observe side effects, speed, and hidden functions, the same way in the kernel
(local) and through the sandbox (remote):

* kept objects: ``fn.keep(value)`` builds an argument once, calls receive that very object,
  ``fn.inspect`` shows its state afterwards and ``fn.same`` tells identity ("in place" and
  "not modified" promises become checkable);
* ``fn.timed_call`` reports the CPU seconds of a call and stops it at ``limit_s``;
* a :class:`Callback` is a plain function on the student side whose calls are answered by the
  grading process (hidden data stays there; the grader counts the calls).
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checking import Callback, CallbackRefused, NetSpec, StudentTimeout, TensorArg, student
from autograder.checking.values import LayerSpec
from autograder.grading.sandbox import Sandbox, SandboxOptions, default_sandbox_user

SOURCE = r'''
import time
import numpy as np
import torch

def scale_(layer, factor):
    """Multiplies the layer's weight in place and returns the layer."""
    with torch.no_grad():
        layer.weight.mul_(factor)
    return layer

def scaled_copy(layer, factor):
    """Returns a new layer; the given one is not modified."""
    new = torch.nn.Linear(layer.in_features, layer.out_features)
    with torch.no_grad():
        new.weight.copy_(layer.weight * factor)
        new.bias.copy_(layer.bias)
    return new

def append_one(items):
    items.append(1)
    return len(items)

def spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds

def forever():
    while True:
        pass

def ask(f, x):
    return f(x) + 1

def ask_many(f, n):
    return [float(f(np.full((2, 3), float(i))).sum()) for i in range(n)]

def ask_twice_catching(f):
    try:
        f(np.zeros(1))
        f(np.zeros(1))
    except RuntimeError as exc:
        return str(exc)
    return "no error"

def peek(f):
    return sorted(type(cell.cell_contents).__name__ for cell in (f.__closure__ or ()))
'''
NAMES = ["scale_", "scaled_copy", "append_one", "spin", "forever", "ask", "ask_many", "ask_twice_catching", "peek"]


@pytest.fixture(scope="module")
def remote(dist_root):
    box = Sandbox(SandboxOptions(str(dist_root("sawtooth") / "autograder" / "public"), default_sandbox_user())).start()
    assert box.exec_cell(SOURCE, 30)["ok"]
    box.deadline = None
    values = box.resolve(NAMES)
    yield {name: student(values[name], name) for name in NAMES}
    box.close()


@pytest.fixture(scope="module")
def local():
    namespace: dict = {}
    exec(SOURCE, namespace)
    return {name: student(namespace[name], name) for name in NAMES}


def _layer() -> NetSpec:
    weight = np.arange(6, dtype=np.float64).reshape(2, 3)
    return NetSpec([LayerSpec("linear", "Linear", weight, np.zeros(2), "torch.float32")], "Linear")


@pytest.fixture(params=["local", "remote"])
def fns(request):
    return request.getfixturevalue(request.param)


def test_in_place_change_is_seen_and_the_result_is_the_same_object(fns):
    """Check that a function promising "in place, returns the layer" is seen to keep its promise."""
    fn = fns["scale_"]
    kept = fn.keep(_layer())
    out = fn(kept, 2.0)
    assert fn.same(out, kept)
    after = fn.inspect(kept)
    np.testing.assert_array_equal(after.layers[0].weight, 2.0 * _layer().layers[0].weight)


def test_a_copy_is_not_the_same_object_and_leaves_the_argument_alone(fns):
    """Check the other direction: a new layer is not `same`, and the kept argument is unchanged."""
    fn = fns["scaled_copy"]
    kept = fn.keep(_layer())
    out = fn(kept, 3.0)
    assert not fn.same(out, kept)
    np.testing.assert_array_equal(fn.inspect(kept).layers[0].weight, _layer().layers[0].weight)
    np.testing.assert_array_equal(out.layers[0].weight, 3.0 * _layer().layers[0].weight)


def test_a_kept_object_persists_across_calls(fns):
    """Check that two calls receive the same list (a rebuilt argument would give 1 twice)."""
    fn = fns["append_one"]
    kept = fn.keep([])
    assert fn(kept) == 1 and fn(kept) == 2
    assert fn.inspect(kept) == [1, 1]


def test_unkept_arguments_are_rebuilt_for_every_call(fns):
    """Check the default is unchanged: a plain argument is a fresh copy at every call."""
    fn = fns["append_one"]
    assert fn([]) == 1 and fn([]) == 1


def test_timed_call_reports_cpu_seconds(fns):
    """Check that a call spinning for 0.3 CPU s reports at least that, and not absurdly more."""
    value, cpu_s = fns["spin"].timed_call(0.3, limit_s=20)
    assert value == 0.3 and 0.3 <= cpu_s < 5.0


def test_timed_call_stops_at_its_limit(fns):
    """Check that an endless call is stopped at limit_s with StudentTimeout naming the call."""
    with pytest.raises(StudentTimeout, match="forever"):
        fns["forever"].timed_call(limit_s=0.5)


def test_a_callback_is_answered_by_the_grader_and_counted(fns):
    """Check that the student's code calls a grader-side function like any other, and that the
    grader sees each call (here to count them); arrays come back as numpy arrays."""
    seen = []

    def hidden(x):
        seen.append(np.asarray(x).shape)
        return np.asarray(x) * 10.0

    out = fns["ask"](Callback(hidden, "f"), np.ones(3))
    np.testing.assert_array_equal(np.asarray(out), np.full(3, 11.0))
    assert seen == [(3,)]
    sums = fns["ask_many"](Callback(hidden, "f"), 4)
    assert sums == [0.0, 60.0, 120.0, 180.0] and len(seen) == 5


def test_a_refused_callback_raises_runtime_error_in_student_code(fns):
    """Check that CallbackRefused reaches the student's code as RuntimeError with its message,
    and that the grader's function keeps its state (the second call was refused)."""
    calls = []

    def budget_of_one(x):
        calls.append(1)
        if len(calls) > 1:
            raise CallbackRefused("query budget of 1 exceeded")
        return np.zeros(1)

    assert fns["ask_twice_catching"](Callback(budget_of_one, "f")) == "query budget of 1 exceeded"
    assert len(calls) == 2


def test_the_hidden_function_never_reaches_the_worker(remote):
    """Check that what the student's code receives for a Callback carries only a wire id and the
    worker's channel back to the grader: no reference to the grader's function or its data."""
    secret = np.array([123456.0])
    assert float(np.asarray(remote["ask"](Callback(lambda x: secret, "f"), np.zeros(1)))[0]) == 123457.0
    assert remote["peek"](Callback(lambda x: secret, "f")) == ["CallbackRef", "Worker"]
