r"""shared.netops: composing ReLU networks gives the composed functions, with the promised counts."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from shared.netops import affine, chain, hidden_layers, hidden_units, identity_net, parallel

pytestmark = pytest.mark.sawtooth


def random_net(sizes, seed):
    torch.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers += ([nn.ReLU()] if i else []) + [nn.Linear(a, b)]
    return nn.Sequential(*layers)


def run(net, x):
    with torch.no_grad():
        return net(x.to(next(net.parameters()).dtype)).double()


def test_chain_is_composition_and_depths_add():
    """Check chain(f, g)(x) = g(f(x)) with hidden_layers(f) + hidden_layers(g) layers."""
    f, g = random_net([3, 5, 4, 2], 0), random_net([2, 6, 1], 1)
    x = torch.rand(64, 3)
    h = chain(f, g)
    assert torch.allclose(run(h, x), run(g, run(f, x).float()), atol=1e-5)
    assert hidden_layers(h) == 3 and hidden_units(h) == 5 + 4 + 6


def test_parallel_is_side_by_side():
    """Check parallel(f, g)(x, y) = (f(x), g(y)) with the widths added."""
    f, g = random_net([2, 3, 1], 2), random_net([1, 4, 2], 3)
    x = torch.rand(32, 3)
    out = run(parallel(f, g), x)
    assert torch.allclose(out[:, :1], run(f, x[:, :2]), atol=1e-6)
    assert torch.allclose(out[:, 1:], run(g, x[:, 2:]), atol=1e-6)
    assert hidden_units(parallel(f, g, f)) == 3 + 4 + 3


def test_parallel_needs_equal_depths():
    with pytest.raises(ValueError, match="identity_net"):
        parallel(random_net([1, 2, 1], 0), random_net([1, 2, 2, 1], 0))


def test_identity_net_passes_non_negative_values():
    x = torch.rand(16, 3)
    net = identity_net(3, 4)
    assert torch.equal(run(net, x), x.double()) and hidden_layers(net) == 4 and hidden_units(net) == 12
    assert torch.equal(run(net, -x), torch.zeros(16, 3, dtype=torch.float64))


def test_affine_is_depth_zero():
    net = affine([[1.0, 2.0]], [3.0])
    assert hidden_layers(net) == 0 and hidden_units(net) == 0
    assert run(net, torch.tensor([[1.0, 1.0]])).item() == 6.0


def test_float64_parts_stay_float64():
    f = random_net([1, 2, 1], 0).double()
    assert chain(f, f)[0].weight.dtype == torch.float64
    assert chain(f, random_net([1, 2, 1], 0))[0].weight.dtype == torch.float32


@pytest.mark.parametrize("bad", [nn.Sequential(nn.ReLU()), nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1)),
                                 nn.Sequential(nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 1)), nn.Linear(1, 1)])
def test_other_forms_are_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        hidden_layers(bad)


def test_sizes_must_chain():
    with pytest.raises(ValueError, match="cannot chain"):
        chain(random_net([1, 2, 3], 0), random_net([2, 2, 1], 0))
