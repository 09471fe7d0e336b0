"""Chapter 4 against PyTorch (float64): the reference backward pass, the learning-rate-10
spike and recovery with torch's own logit-based BCE, and the saturated output's gradients."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import reference as ref
from backprop_lib.figures import training

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_reference_backward_matches_torch_autograd():
    net = bp.Network([3, 5, 4, 2], activations=["tanh", "relu", "sigmoid"], loss="half_mse",
                     init="xavier", seed=2)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(3, 7)), rng.uniform(size=(2, 7))
    params = {k: _t(v, grad=True) for k, v in net.params.items()}
    A = _t(X)
    for l, f in enumerate((torch.tanh, F.relu, torch.sigmoid), start=1):
        A = f(params[f"W{l}"] @ A + params[f"b{l}"])
    (0.5 * ((A - _t(Y)) ** 2).sum() / X.shape[1]).backward()
    mine = ref.reference_gradients(net, X, Y)
    for k, p in params.items():
        np.testing.assert_allclose(mine["d" + k], p.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_learning_rate_10_spikes_and_recovers_under_torchs_bce_with_logits():
    X, Y = training.dataset()
    start = bp.Network(training.LAYERS, activations=training.ACTIVATIONS, loss="bce",
                       init="xavier", seed=0).params
    p = {k: _t(v, grad=True) for k, v in start.items()}
    opt = torch.optim.SGD(list(p.values()), lr=10.0)
    Xt, Yt, losses = _t(X), _t(Y), []
    for _ in range(training.EPOCHS):
        opt.zero_grad()
        z = p["W2"] @ torch.tanh(p["W1"] @ Xt + p["b1"]) + p["b2"]
        loss = F.binary_cross_entropy_with_logits(z, Yt)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    lib = training.compute(lr=10.0, init="xavier").loss
    np.testing.assert_allclose(losses[:20], lib[:20], rtol=1e-6)
    assert int(np.argmax(losses)) == 3 and 13.5 < max(losses) < 14.5
    assert losses[-1] < 0.011


@pytest.mark.parametrize("z", [-8.0, -6.0, -2.0, 0.0, 3.0])
def test_the_sigma_prime_that_cross_entropy_cancels(z):
    zt = _t(z, grad=True)
    F.binary_cross_entropy_with_logits(zt, _t(1.0)).backward()
    bce = zt.grad.item()
    zt.grad = None
    (0.5 * (torch.sigmoid(zt) - 1.0) ** 2).backward()
    mse = zt.grad.item()
    a = 1 / (1 + np.exp(-z))
    assert bce == pytest.approx(a - 1, rel=1e-12)
    assert mse == pytest.approx((a - 1) * a * (1 - a), rel=1e-12)


def test_torch_keeps_half_the_librarys_cache_for_tanh_layers():
    """Chapter 4: torch's tanh node saves its result, not its input (derivatives.yaml:
    tanh_backward(grad, result)), so what its graph keeps per example is X and every A{l}:
    m (n_0 + sum n_l) numbers, where the library also keeps every Z{l}."""
    sizes, m = [100] * 8 + [10], 1000
    net = bp.Network(sizes, activations=["tanh"] * 7 + ["identity"], loss="half_mse", seed=0)
    seen = {}

    def pack(t):  # one entry per distinct tensor; only those with one column per example
        if t.shape[-1] == m:
            seen[t.data_ptr()] = t.numel() * t.element_size()
        return t

    params = {k: _t(v, grad=True) for k, v in net.params.items()}
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        A = _t(np.random.default_rng(0).normal(size=(sizes[0], m)))
        for l in range(1, len(sizes)):
            Z = params[f"W{l}"] @ A + params[f"b{l}"]
            A = torch.tanh(Z) if l < len(sizes) - 1 else Z
    kept = sum(seen.values())
    # X and the 7 hidden A{l}; the linear output's Z8 is needed by no backward node
    assert kept == 8 * m * (sizes[0] + sum(sizes[1:-1]))
    assert kept <= ref.minimal_cache_bytes(sizes, m) < 0.6 * ref.cache_bytes(sizes, m)
