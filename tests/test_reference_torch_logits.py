"""Binary cross-entropy from the logits against PyTorch's binary_cross_entropy_with_logits.

A sigmoid/BCE network whose output logits reach |z| = 40 to 700, far past the point
(|z| > about 37 in float64) where sigma(z) rounds to 1 and a loss computed from the
probability turns infinite: the library's loss and every gradient equal PyTorch's logits
form (mean reduction) to 1e-9, in float64, and to float32's precision in float32.
Runs only where torch is installed (its own environment in CI).
"""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import losses

torch = pytest.importorskip("torch")
F = torch.nn.functional


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def far_network(scale, dtype=np.float64, seed=0):
    """A 3-4-2 tanh/sigmoid network with output logits of size `scale` +- 4, half of them on
    the wrong side of their targets."""
    rng = np.random.default_rng(seed)
    net = bp.Network([3, 4, 2], activations=["tanh", "sigmoid"], loss="bce", seed=seed,
                     dtype=dtype)
    m = 16
    X = rng.standard_normal((3, m))
    Y = (rng.random((2, m)) < 0.5).astype(float)
    params = {k: v.astype(np.float64) for k, v in net.params.items()}
    params["W2"] = rng.uniform(-1, 1, (2, 4))
    params["b2"] = np.array([[scale], [-scale]], dtype=float)
    net.set_params(params)
    return net, X.astype(dtype), Y.astype(dtype)


def torch_reference(net, X, Y):
    t = {k: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in net.params.items()}
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    A1 = torch.tanh(t["W1"] @ Xt + t["b1"])
    Z2 = t["W2"] @ A1 + t["b2"]
    loss = F.binary_cross_entropy_with_logits(Z2, Yt)  # mean over all n_L * m entries
    loss.backward()
    return loss.item(), {"d" + k: v.grad.numpy() for k, v in t.items()}, Z2.detach().numpy()


@pytest.mark.parametrize("scale", [40.0, 60.0, 100.0, 300.0, 700.0])
def test_loss_and_gradients_equal_torch_logits_form_float64(scale):
    net, X, Y = far_network(scale)
    loss, grads = net.loss_and_gradients(X, Y)
    t_loss, t_grads, Z = torch_reference(net, X, Y)
    assert np.abs(Z).min() > scale - 5 and np.abs(Z).max() < scale + 5
    assert bp.losses.bce(bp.activations.sigmoid(Z), Y) == np.inf  # the probability form fails here
    assert np.isfinite(loss) and loss > 0.2 * scale  # about half the entries are wrong
    assert loss == pytest.approx(t_loss, rel=1e-9)
    assert net.loss(X, Y) == pytest.approx(t_loss, rel=1e-9)
    for k, g in t_grads.items():
        assert np.all(np.isfinite(grads[k])), k
        assert rel(grads[k], g) < 1e-9, k


@pytest.mark.parametrize("scale", [40.0, 100.0, 700.0])
def test_loss_and_gradients_equal_torch_logits_form_float32(scale):
    net, X, Y = far_network(scale, dtype=np.float32)
    loss, grads = net.loss_and_gradients(X, Y)
    t_loss, t_grads, _ = torch_reference(net.copy(), X.astype(np.float64), Y.astype(np.float64))
    assert net.forward(X).dtype == np.float32
    assert loss == pytest.approx(t_loss, rel=1e-6)  # float32 rounding, against float64
    for k, g in t_grads.items():
        assert grads[k].dtype == np.float32 and np.all(np.isfinite(grads[k])), k
        assert rel(grads[k], g) < 1e-5, k


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_module_functions_equal_torch_at_any_logit(dtype):
    z = np.concatenate([-np.geomspace(1e-3, 1e4, 40), [0.0], np.geomspace(1e-3, 1e4, 40)])
    Z = np.tile(z, (2, 1)).astype(dtype)
    Y = np.vstack([np.zeros_like(z), np.ones_like(z)]).astype(dtype)
    Zt = torch.tensor(Z.astype(np.float64), requires_grad=True)
    ref = F.binary_cross_entropy_with_logits(Zt, torch.tensor(Y.astype(np.float64)))
    ref.backward()
    tol = 1e-12 if dtype == np.float64 else 1e-6
    assert losses.bce_with_logits(Z, Y) == pytest.approx(ref.item(), rel=tol)
    assert rel(losses.bce_with_logits_gradient(Z, Y), Zt.grad.numpy()) < tol


def test_soft_targets_equal_torch():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((3, 50)) * 200
    Y = rng.random((3, 50))
    Zt = torch.tensor(Z, requires_grad=True)
    ref = F.binary_cross_entropy_with_logits(Zt, torch.tensor(Y))
    ref.backward()
    assert losses.bce_with_logits(Z, Y) == pytest.approx(ref.item(), rel=1e-12)
    assert rel(losses.bce_with_logits_gradient(Z, Y), Zt.grad.numpy()) < 1e-12


def test_a_tensor_that_requires_grad_is_accepted_as_data():
    net, X, Y = far_network(40.0)
    Xt = torch.tensor(X, requires_grad=True)
    assert net.loss(Xt, torch.tensor(Y)) == net.loss(X, Y)
    assert losses.bce_with_logits(torch.tensor([[1.0]], requires_grad=True), [[1.0]]) == \
        pytest.approx(np.log1p(np.exp(-1.0)), rel=1e-15)
