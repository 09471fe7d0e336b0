"""Batch and layer normalization against PyTorch (chapter "Practical tips").

The library's batch-norm backward pass, its running statistics (momentum 0.1, the unbiased
variance stored, the biased one used to normalize) and its inference mode against
torch.nn.BatchNorm1d; layer normalization's forward and backward against
torch.nn.functional.layer_norm. Run with .venv-bench (torch).
"""

import numpy as np
import pytest

from backprop_lib.batchnorm import batchnorm_backward, batchnorm_forward
from backprop_lib.layernorm import groupnorm_backward, groupnorm_forward

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _data(n=4, m=6, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(2.0, 3.0, (n, m)), rng.uniform(0.5, 2.0, (n, 1)), rng.normal(size=(n, 1)),
            rng.normal(size=(n, m)))


def test_batchnorm_forward_backward_and_running_statistics_match_batchnorm1d():
    Z, gamma, beta, R = _data()
    bn = torch.nn.BatchNorm1d(Z.shape[0], dtype=torch.float64)  # momentum 0.1, eps 1e-5
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma[:, 0]))
        bn.bias.copy_(torch.tensor(beta[:, 0]))
    x = torch.tensor(Z.T, requires_grad=True)  # torch: examples are rows
    y = bn(x)
    (y * torch.tensor(R.T)).sum().backward()
    out, cache = batchnorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = batchnorm_backward(R, cache)
    np.testing.assert_allclose(out, y.detach().numpy().T, atol=1e-12)
    np.testing.assert_allclose(dZ, x.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(dgamma[:, 0], bn.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dbeta[:, 0], bn.bias.grad.numpy(), atol=1e-12)
    # running statistics: 0.9 * (0, 1) + 0.1 * (mean, unbiased var), as the library keeps them
    m = Z.shape[1]
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * Z.mean(axis=1))
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * Z.var(axis=1) * m / (m - 1))
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * Z.var(axis=1, ddof=1))


def test_network_running_statistics_and_inference_match_batchnorm1d():
    from backprop_lib import data
    from backprop_lib.batchnorm import BatchNormNetwork

    X, Y = data.two_moons(10, seed=0)
    net = BatchNormNetwork([2, 3, 1], ["relu", "sigmoid"], "bce", seed=0)
    bn = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    for step in range(3):
        Xb = X[:, step * 3:step * 3 + 4]
        Z = net.params["W1"] @ Xb
        bn.train()
        bn(torch.tensor(Z.T))
        net.gradients(Xb, Y[:, step * 3:step * 3 + 4])  # no update: same W1 each step
    np.testing.assert_allclose(net.running["mean1"][:, 0], bn.running_mean.numpy())
    np.testing.assert_allclose(net.running["var1"][:, 0], bn.running_var.numpy())
    bn.eval()
    Z = net.params["W1"] @ X
    net.forward(X, training=False)
    np.testing.assert_allclose(net.cache["Z"][1], bn(torch.tensor(Z.T)).detach().numpy().T,
                               atol=1e-12)


def test_layernorm_matches_torch_layer_norm():
    Z, gamma, beta, R = _data(5, 3, seed=1)
    x = torch.tensor(Z.T, requires_grad=True)
    w = torch.tensor(gamma[:, 0], requires_grad=True)
    b = torch.tensor(beta[:, 0], requires_grad=True)
    y = torch.nn.functional.layer_norm(x, (Z.shape[0],), w, b, eps=1e-5)
    (y * torch.tensor(R.T)).sum().backward()
    out, cache = groupnorm_forward(Z, gamma, beta, groups=1)
    dZ, dgamma, dbeta = groupnorm_backward(R, cache)
    np.testing.assert_allclose(out, y.detach().numpy().T, atol=1e-12)
    np.testing.assert_allclose(dZ, x.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(dgamma[:, 0], w.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dbeta[:, 0], b.grad.numpy(), atol=1e-12)


def test_groupnorm_matches_torch_group_norm():
    Z, gamma, beta, R = _data(6, 4, seed=2)
    x = torch.tensor(Z.T, requires_grad=True)  # (N, C)
    y = torch.nn.functional.group_norm(x, 3, torch.tensor(gamma[:, 0]), torch.tensor(beta[:, 0]),
                                       eps=1e-5)
    (y * torch.tensor(R.T)).sum().backward()
    out, cache = groupnorm_forward(Z, gamma, beta, groups=3)
    np.testing.assert_allclose(out, y.detach().numpy().T, atol=1e-12)
    np.testing.assert_allclose(groupnorm_backward(R, cache)[0], x.grad.numpy().T, atol=1e-12)
