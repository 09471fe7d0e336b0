"""Agreement with PyTorch for chapter "Dead neurons and slow convergence": the ELU
activation and its derivative (torch.nn.functional.elu, alpha = 1, autograd), a whole ELU
network's gradients, and what momentum and Adam do to a unit that gets zero gradient
(torch.optim.SGD with momentum, torch.optim.Adam), float64.
"""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import dead_units
from backprop_lib import optimizers as opt

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def test_elu_and_its_derivative_match_torch():
    z = np.concatenate([np.linspace(-20, 5, 501), [-1e-10, 0.0, 1e-10]])
    f = bp.activations.get("elu")
    t = torch.tensor(z, requires_grad=True)
    out = torch.nn.functional.elu(t)
    out.sum().backward()
    np.testing.assert_allclose(f(z), out.detach().numpy(), rtol=1e-15, atol=0)
    # torch's derivative at exactly 0 is alpha e^0 = 1 as well: both sides agree
    np.testing.assert_allclose(f.derivative(z, f(z)), t.grad.numpy(), rtol=1e-15, atol=0)


def test_elu_network_gradients_match_torch_autograd():
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((2, 9)), rng.standard_normal((1, 9))
    net = bp.Network([2, 6, 5, 1], ["elu", "elu", "identity"], loss="half_mse", seed=4)
    grads = net.gradients(X, Y)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    A = torch.tensor(X)
    for l in (1, 2):
        A = torch.nn.functional.elu(P[f"W{l}"] @ A + P[f"b{l}"])
    A = P["W3"] @ A + P["b3"]
    loss = 0.5 * torch.sum((A - torch.tensor(Y)) ** 2) / X.shape[1]
    loss.backward()
    for k, p in P.items():
        np.testing.assert_allclose(grads[f"d{k}"], p.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_a_dead_units_coasting_matches_torch_optim(name):
    """The library's run: gradients for k steps, then exactly zero. torch.optim, fed the
    same gradients, moves the weights the same way step by step."""
    run = dead_units.coast(name)
    w = torch.zeros(run.grads.shape[1], dtype=torch.float64, requires_grad=True)
    if name == "momentum":
        o = torch.optim.SGD([w], lr=run.lr, momentum=dead_units.BETA)
    else:
        o = torch.optim.Adam([w], lr=run.lr)
    steps = []
    for g in run.grads:
        before = w.detach().clone()
        w.grad = torch.tensor(g)
        o.step()
        steps.append(float(torch.linalg.norm(w.detach() - before)))
    np.testing.assert_allclose(run.step_sizes, steps, rtol=1e-10, atol=1e-300)
    assert isinstance(o, torch.optim.Optimizer) and opt.OPTIMIZERS[name]


@pytest.mark.parametrize("bias, seed", [(0.1, 5), (0.1, 2), (0.0, 8), (-0.5, 0)])
def test_largest_curvature_matches_torch_exact_hessian(bias, seed):
    """lambda_max of the chapter's 2-32-32-32-1 ReLU network at its start (dead_units.sharpness,
    Lanczos on forward-over-reverse Hessian-vector products) against the top eigenvalue of
    the whole Hessian from torch.autograd.functional.hessian (float64). Bias 0.1, seed 5 and
    seed 2 have pre-activations within 1e-5 of a kink, where central differences of the
    gradient reported 260 and 45 (torch: 54.3 and 40.1)."""
    X, Y = dead_units.moons()
    net = dead_units.rectifier_net("relu", "he", 1.0, bias, seed=seed)
    names = list(net.params)
    shapes = [net.params[k].shape for k in names]
    sizes = [int(np.prod(s)) for s in shapes]
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def loss(theta):
        P, i = {}, 0
        for k, shape, n in zip(names, shapes, sizes, strict=True):
            P[k] = theta[i:i + n].reshape(shape)
            i += n
        A = Xt
        for l in range(1, net.L):
            A = torch.relu(P[f"W{l}"] @ A + P[f"b{l}"])
        A = P[f"W{net.L}"] @ A + P[f"b{net.L}"]
        return 0.5 * torch.sum((A - Yt) ** 2) / X.shape[1]

    theta = torch.tensor(np.concatenate([net.params[k].ravel() for k in names]))
    H = torch.autograd.functional.hessian(loss, theta).numpy()
    top = float(np.linalg.eigvalsh((H + H.T) / 2)[-1])
    assert dead_units.sharpness("relu", "he", bias, seed)[0] == pytest.approx(top, rel=1e-6)
