r"""Student side of the boundary: real objects -> plain values, and check arguments -> real objects.

This module runs where the student's code runs (their kernel for ``grader.check``, the sandbox
worker when grading). It imports torch only when the value at hand is a torch object, so a
student notebook that never imports torch never pays for it.

``marshal(obj, keep)`` turns a result into the types of :mod:`autograder.checking.values`;
``keep(obj) -> Handle`` decides how callables are kept (a local reference, or a wire id).
``unmarshal(value, lookup)`` turns a check's argument back into a real object.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any, Callable, Optional

import numpy as np

from .values import (Callback, CallbackRef, CallbackRefused, Handle, LayerSpec, LibraryCall, NetSpec, Opaque,
                     PiecewiseLinear, TensorArg, TensorValue)

MAX_DEPTH = 8          # nesting depth of lists/dicts we follow
MAX_ITEMS = 10_000     # items of one list/dict we follow
_NUMERIC_KINDS = "biufcb"


def _summary(obj: Any) -> str:
    try:
        text = repr(obj)
    except Exception:  # a student __repr__ may raise
        text = "<unprintable>"
    return text if len(text) <= 120 else text[:117] + "..."


def _torch():
    return sys.modules.get("torch")


def _tensor_to_numpy(t: Any) -> np.ndarray:
    torch = _torch()
    t = t.detach().cpu()
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.to(torch.float32)
    return np.array(t.numpy(), copy=True)


def _describe_layer(module: Any) -> list:
    """LayerSpecs for one module; a nested Sequential expands to its layers in order."""
    nn = _torch().nn
    name = type(module).__name__
    if isinstance(module, nn.Sequential):
        return [spec for child in module for spec in _describe_layer(child)]
    if isinstance(module, nn.Linear):
        bias = None if module.bias is None else _tensor_to_numpy(module.bias).astype(np.float64)
        return [LayerSpec("linear", name, _tensor_to_numpy(module.weight).astype(np.float64), bias,
                          str(module.weight.dtype))]
    simple = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.Identity: "identity",
              nn.Flatten: "flatten"}
    for cls, kind in simple.items():
        if type(module) is cls:
            return [LayerSpec(kind, name)]
    if type(module) is nn.LeakyReLU:
        return [LayerSpec("leaky_relu", name, negative_slope=float(module.negative_slope))]
    return [LayerSpec("other", name)]


def marshal(obj: Any, keep: Callable[[Any], Handle], depth: int = 0) -> Any:
    """Convert a student result into plain values (see module doc)."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, np.generic):
        return obj.item() if obj.dtype.kind in _NUMERIC_KINDS else Opaque(type(obj).__name__, _summary(obj))
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in _NUMERIC_KINDS:
            return Opaque("ndarray", f"numpy array of dtype {obj.dtype}")
        return np.array(obj, copy=True)
    torch = _torch()
    if torch is not None:
        if isinstance(obj, torch.Tensor):
            return TensorValue(_tensor_to_numpy(obj), str(obj.dtype), bool(obj.requires_grad))
        if isinstance(obj, torch.nn.Module):
            return NetSpec(_describe_layer(obj), type(obj).__name__, keep(obj))
    if depth < MAX_DEPTH:
        if isinstance(obj, (list, tuple)):
            items = [marshal(item, keep, depth + 1) for item in list(obj)[:MAX_ITEMS]]
            return items if isinstance(obj, list) else tuple(items)
        if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
            return {k: marshal(v, keep, depth + 1) for k, v in list(obj.items())[:MAX_ITEMS]}
    if callable(obj):
        return keep(obj)
    return Opaque(type(obj).__name__, _summary(obj), keep(obj))


def _build_sequential(spec: NetSpec) -> Any:
    """An nn.Sequential with the spec's layers (a bare nn.Linear if ``spec.type_name == "Linear"``)."""
    torch = __import__("torch")
    nn = torch.nn
    modules = []
    for layer in spec.layers:
        if layer.kind == "linear":
            out_f, in_f = layer.weight.shape
            dtype = getattr(torch, (layer.dtype or "torch.float32").replace("torch.", ""))
            # no default initialisation: the parameters are overwritten right away
            lin = torch.nn.utils.skip_init(nn.Linear, in_f, out_f, bias=layer.bias is not None, dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.as_tensor(layer.weight, dtype=dtype))
                if layer.bias is not None:
                    lin.bias.copy_(torch.as_tensor(layer.bias, dtype=dtype))
            modules.append(lin)
        elif layer.kind == "leaky_relu":
            modules.append(nn.LeakyReLU(layer.negative_slope))
        else:
            factory = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
                       "identity": nn.Identity, "flatten": nn.Flatten}[layer.kind]
            modules.append(factory())
    if spec.type_name == "Linear" and len(modules) == 1:
        return modules[0]            # a bare layer, e.g. for an in-place init function
    return nn.Sequential(*modules)


_PRISTINE: dict = {}


def _pristine(name: str) -> Any:
    """A private copy of course-library module ``name``, executed from its file the first time a
    check needs it (after the notebook ran), so a notebook that patched ``shared.x.f`` in
    ``sys.modules`` does not change what the checks call."""
    if name not in _PRISTINE:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ImportError(f"no course-library module {name}")
        copy_spec = importlib.util.spec_from_file_location(f"_gd_pristine_{name}", spec.origin)
        module = importlib.util.module_from_spec(copy_spec)
        copy_spec.loader.exec_module(module)
        _PRISTINE[name] = module
    return _PRISTINE[name]


def unmarshal(value: Any, lookup: Callable[[Handle], Any],
              remote_callback: Optional[Callable[[CallbackRef], Callable[..., Any]]] = None) -> Any:
    """Turn a check's argument into the object student code receives.

    ``lookup(handle)`` gives the kept object of a handle; ``remote_callback(ref)`` gives the
    student-side function of a :class:`Callback` that lives in another process (the worker's proxy).
    """
    def again(item: Any) -> Any:
        return unmarshal(item, lookup, remote_callback)

    if isinstance(value, TensorArg):
        torch = __import__("torch")
        tensor = torch.tensor(value.array)
        if value.dtype is not None:
            tensor = tensor.to(getattr(torch, value.dtype))
        return tensor.requires_grad_(value.requires_grad)
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, NetSpec):
        return _build_sequential(value)
    if isinstance(value, LibraryCall):
        module = _pristine(value.module)
        args = [again(v) for v in value.args]
        kwargs = {k: again(v) for k, v in (value.kwargs or {}).items()}
        return getattr(module, value.function)(*args, **kwargs)
    if isinstance(value, PiecewiseLinear):
        knots, values = np.array(value.knots, dtype=np.float64), np.array(value.values, dtype=np.float64)
        return lambda x: np.interp(np.asarray(x, dtype=np.float64), knots, values)
    if isinstance(value, Callback):
        return local_callback(value)
    if isinstance(value, CallbackRef):
        if remote_callback is None:
            raise TypeError("this process cannot call back into the grader")
        return remote_callback(value)
    if isinstance(value, Handle):
        return lookup(value)
    if isinstance(value, Opaque) and value.handle is not None:
        return lookup(value.handle)
    if isinstance(value, list):
        return [again(v) for v in value]
    if isinstance(value, tuple):
        return tuple(again(v) for v in value)
    if isinstance(value, dict):
        return {k: again(v) for k, v in value.items()}
    return value


def _keep_by_reference(obj: Any) -> Handle:
    return Handle(type(obj).__name__, _summary(obj), ref=obj)


def local_callback(callback: Callback) -> Callable[..., Any]:
    """The student-side function of a :class:`Callback` evaluated in this same process (the
    student's kernel, or the package's in-process tests): arguments are marshalled as for any
    result, the grader's answer unmarshalled as for any argument."""
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            answer = callback.func(*marshal(list(args), _keep_by_reference),
                                   **marshal(dict(kwargs), _keep_by_reference))
        except CallbackRefused as exc:
            raise RuntimeError(str(exc)) from None
        except Exception as exc:  # the grader's own function failed: say so, as the worker does
            raise RuntimeError(f"the grader's `{callback.name}` could not answer: {type(exc).__name__}: {exc}") from None
        return unmarshal(answer, lambda handle: handle.ref)

    call.__name__ = call.__qualname__ = callback.name
    return call
