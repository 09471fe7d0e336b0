"""Chapter 5's forward and backward norms recomputed with PyTorch autograd (float64).

The networks of `backprop_lib.figures.gradients_depth` are rebuilt in torch from the same
weights: plain ReLU networks (He x 1.5, the exploding case), residual ones with scaled
branches, and plain networks with batch normalization after every hidden layer (batch
statistics, biased variance, eps 1e-5, gamma 1 and beta 0 at initialization). Each
||A{l}|| and ||dA{l}|| = ||dL/dA{l}|| must agree with the library's to 1e-10.
"""

import numpy as np
import pytest

from backprop_lib.batchnorm import BatchNormNetwork
from backprop_lib.figures import gradients_depth as gd

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.torch

ACT = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_norms(net, X, Y, activation, residual_layers=(), batchnorm=False, eps=1e-5):
    """(||A{l}||, l = 0..L) and (||dL/dA{l}||, l = 1..L), computed by torch autograd."""
    A = torch.tensor(X.T, requires_grad=True)  # one example per row; the graph starts here
    m = A.shape[0]
    As = [A]
    for l in range(1, net.L + 1):
        W = torch.tensor(net.params[f"W{l}"])
        Z = A @ W.T
        if l < net.L and batchnorm:
            Z = F.batch_norm(Z, None, None, training=True, eps=eps)  # biased variance
        elif f"b{l}" in net.params:
            Z = Z + torch.tensor(net.params[f"b{l}"]).T
        if l == net.L:
            out = Z
        else:
            out = ACT[activation](Z)
        A = A + out if l in residual_layers else out
        A.retain_grad()
        As.append(A)
    loss = 0.5 * torch.sum((A - torch.tensor(Y.T)) ** 2) / m
    loss.backward()
    fwd = np.array([a.detach().norm().item() for a in As])
    bwd = np.array([a.grad.norm().item() for a in As[1:]])
    return fwd, bwd, loss.item()


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_plain_relu_norms_agree_with_torch(scale):
    X, Y = gd.dataset()
    p = gd.norm_profile("relu", "he", scale)
    fwd, bwd, loss = torch_norms(gd.deep_net("relu", "he", scale), X, Y, "relu")
    np.testing.assert_allclose(p.forward, fwd, rtol=1e-10)
    np.testing.assert_allclose(p.backward, bwd, rtol=1e-10)
    assert p.loss == pytest.approx(loss, rel=1e-10)


@pytest.mark.parametrize("alpha", [1.0, 1 / np.sqrt(8), 0.0])
def test_residual_norms_with_branch_scaling_agree_with_torch(alpha):
    X, Y = gd.dataset()
    net = gd.deep_net("relu", "he", residual=True, branch_scale=alpha)
    p = gd.norm_profile("relu", "he", residual=True, branch_scale=alpha)
    fwd, bwd, _ = torch_norms(net, X, Y, "relu", residual_layers=net.residual_layers)
    np.testing.assert_allclose(p.forward, fwd, rtol=1e-10)
    np.testing.assert_allclose(p.backward, bwd, rtol=1e-10)


@pytest.mark.parametrize("activation, depth", [("relu", 20), ("tanh", 10)])
def test_batchnorm_growth_agrees_with_torch(activation, depth):
    X, Y = gd.batchnorm_data(0)
    net = BatchNormNetwork([gd.BN_INPUTS] + [gd.WIDTH] * (depth - 1) + [1],
                           [activation] * (depth - 1) + ["identity"], loss="half_mse", seed=0)
    params = dict(net.params)
    params.update({f"W{l + 1}": W for l, W in enumerate(gd.batchnorm_weights(activation, depth))})
    net.set_params(params)
    _, bwd, _ = torch_norms(net, X, Y, activation, batchnorm=True, eps=net.eps)
    np.testing.assert_allclose(gd.batchnorm_backward_norms(activation, depth), bwd[:-1],
                               rtol=1e-8)
    assert gd.batchnorm_growth(activation, depth) == pytest.approx(bwd[0] / bwd[-2], rel=1e-8)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_batchnorm_ablation_with_constant_statistics_agrees_with_torch(activation):
    # batch_statistics=False: the mean and std are detached, so autograd divides by the std only
    depth = 10
    X, Y = gd.batchnorm_data(0)
    A = torch.tensor(X.T, requires_grad=True)
    As = []
    Ws = gd.batchnorm_weights(activation, depth)
    for W in Ws[:-1]:
        Z = A @ torch.tensor(W).T
        mu, var = Z.mean(0).detach(), Z.var(0, unbiased=False).detach()
        A = ACT[activation]((Z - mu) / torch.sqrt(var + 1e-5))
        A.retain_grad()
        As.append(A)
    out = A @ torch.tensor(Ws[-1]).T
    (0.5 * torch.sum((out - torch.tensor(Y.T)) ** 2) / X.shape[1]).backward()
    bwd = np.array([a.grad.norm().item() for a in As])
    np.testing.assert_allclose(gd.batchnorm_backward_norms(activation, depth,
                                                           batch_statistics=False), bwd, rtol=1e-8)
