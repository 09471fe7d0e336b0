"""Chapter 3's worked example against PyTorch autograd (when installed), float64.

The chapter says that plain MSE is the mean over all n_L m entries, as PyTorch's MSELoss
computes it (torch/nn/modules/loss.py, MSELoss: "The mean operation still operates over all
the elements, and divides by N", default reduction 'mean'), so its gradient is 2/n_L times
that of half_mse; and that one SGD step takes the loss from 0.02706 to 0.02545.
"""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import worked_example as we

torch = pytest.importorskip("torch")


def torch_grads(params, X, Y, loss):
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    a1 = torch.sigmoid(t["W1"] @ x + t["b1"])
    a2 = torch.sigmoid(t["W2"] @ a1 + t["b2"])
    value = loss(a2, y)
    value.backward()
    return float(value.detach()), {k: v.grad.numpy() for k, v in t.items()}


def half_mse(a, y):
    return 0.5 * torch.sum((a - y) ** 2) / a.shape[1]


def test_worked_example_gradients_and_step_agree_with_torch():
    net, X, Y = we.worked_network()
    loss, g = torch_grads(net.params, X, Y, half_mse)
    t = net.trace(X, Y)
    assert loss == pytest.approx(t["loss"], rel=1e-15)
    for k in net.params:
        np.testing.assert_allclose(t["d" + k], g[k], rtol=1e-13, atol=0)
    new = {k: v - 0.5 * g[k] for k, v in net.params.items()}
    after, _ = torch_grads(new, X, Y, half_mse)
    assert f"{loss:.5f} {after:.5f}" == "0.02706 0.02545"


@pytest.mark.parametrize("n_out", [1, 3])
def test_mse_gradient_is_2_over_n_L_times_half_mse(n_out):
    rng = np.random.default_rng(0)
    net = bp.Network([2, 4, n_out], activations="sigmoid", loss="half_mse", seed=0)
    X, Y = rng.normal(size=(2, 5)), rng.uniform(size=(n_out, 5))
    mse = torch.nn.MSELoss()  # reduction 'mean': over all n_L m entries
    # torch's MSELoss on the same 2-layer sigmoid net, rebuilt for these shapes
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in net.params.items()}
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    a = torch.sigmoid(t["W2"] @ torch.sigmoid(t["W1"] @ x + t["b1"]) + t["b2"])
    mse(a, y).backward()
    g_half = net.gradients(X, Y)
    for k in t:
        np.testing.assert_allclose(t[k].grad.numpy(), 2 / n_out * g_half["d" + k], rtol=1e-12,
                                   atol=1e-15)
