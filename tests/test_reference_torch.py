"""Agreement with PyTorch (when installed): losses, gradients and optimizers, float64.

Networks are rebuilt with torch.nn.functional and torch's own losses: CrossEntropyLoss on
logits (probability targets and class indices), BCELoss, MSELoss, and 0.5 * sum / m for
half_mse. Optimizers run 300 steps on random gradient sequences beside torch.optim.
"""

import numpy as np
import pytest
from helpers import ACTIVATIONS, LOSSES, last_activation, rel, targets

import backprop_lib as bp
from backprop_lib import optimizers as opt

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_ACT = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z),  # torch's default slope 0.01
    "identity": lambda z: z,
}


def torch_loss(name, A, Y, class_indices=False):
    """A and Y in torch layout: one example per row."""
    if name == "half_mse":
        return 0.5 * torch.sum((A - Y) ** 2) / A.shape[0]
    if name == "mse":
        return torch.nn.MSELoss()(A, Y)
    if name == "bce":
        return torch.nn.BCELoss()(A, Y)
    target = Y.argmax(dim=1) if class_indices else Y
    return torch.nn.CrossEntropyLoss()(A, target)


def problem(hidden, loss, seed, one_hot=False):
    n_out = 3 if loss == "softmax_ce" else 2
    acts = [hidden, hidden, last_activation(loss, hidden)]
    net = bp.Network([3, 5, 4, n_out], activations=acts, loss=loss, seed=seed)
    rng = np.random.default_rng(seed + 2000)
    for name in net.params:
        net.params[name][...] = rng.standard_normal(net.params[name].shape) * 0.8
    X = rng.standard_normal((3, 6))
    Y = bp.data.one_hot(rng.integers(0, n_out, 6), n_out) if one_hot else \
        targets(loss, n_out, 6, rng)
    return net, X, Y


def torch_loss_and_grads(net, X, Y, class_indices=False):
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in net.params.items()}
    A = torch.tensor(X.T, dtype=torch.float64)
    for k, f in enumerate(net.activation_names, start=1):
        A = TORCH_ACT[f](A @ params[f"W{k}"].T + params[f"b{k}"].T)
    loss = torch_loss(net.loss_name, A, torch.tensor(Y.T, dtype=torch.float64), class_indices)
    loss.backward()
    return loss.item(), {"d" + k: p.grad.numpy() for k, p in params.items()}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_loss_and_gradients_match_torch(hidden, loss, seed):
    net, X, Y = problem(hidden, loss, seed)
    ref_loss, ref = torch_loss_and_grads(net, X, Y)
    got_loss, got = net.loss_and_gradients(X, Y)
    assert got_loss == pytest.approx(ref_loss, rel=1e-10, abs=0)
    for k in ref:
        assert rel(got[k], ref[k]) < 1e-10, k


@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_softmax_ce_matches_cross_entropy_with_class_indices(hidden):
    net, X, Y = problem(hidden, "softmax_ce", 5, one_hot=True)
    ref_loss, ref = torch_loss_and_grads(net, X, Y, class_indices=True)
    got_loss, got = net.loss_and_gradients(X, Y)
    assert got_loss == pytest.approx(ref_loss, rel=1e-10, abs=0)
    for k in ref:
        assert rel(got[k], ref[k]) < 1e-10, k


def test_softmax_prediction_matches_torch_softmax():
    net, X, _ = problem("tanh", "softmax_ce", 2)
    ref = torch.softmax(torch.tensor(net.forward(X).T), dim=1).numpy().T
    assert rel(net.predict(X), ref) < 1e-14


@pytest.mark.parametrize("z", [-1000.0, -40.0, -1.0, 0.0, 3.0, 40.0, 1000.0])
def test_sigmoid_matches_torch(z):
    assert float(bp.activations.sigmoid(z)) == pytest.approx(
        torch.sigmoid(torch.tensor(z, dtype=torch.float64)).item(), rel=1e-15, abs=0)


# ---------------------------------------------------------------- optimizers
PAIRS = {
    "sgd": (lambda: opt.SGD(lr=0.01), lambda p: torch.optim.SGD(p, lr=0.01)),
    "momentum": (lambda: opt.Momentum(lr=0.01, beta=0.9),
                 lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, dampening=0)),
    "rmsprop": (lambda: opt.RMSprop(lr=0.01, beta=0.95, eps=1e-6),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.95, eps=1e-6, centered=False)),
    "adam": (lambda: opt.Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
             lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    "adam-large-eps": (lambda: opt.Adam(lr=0.003, beta1=0.8, beta2=0.99, eps=1e-2),
                       lambda p: torch.optim.Adam(p, lr=0.003, betas=(0.8, 0.99), eps=1e-2)),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_optimizer_matches_torch_over_300_steps(name):
    make_ours, make_torch = PAIRS[name]
    rng = np.random.default_rng(7)
    ours = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal((3, 1))}
    theirs = {k: torch.tensor(v.copy(), dtype=torch.float64) for k, v in ours.items()}
    o, t = make_ours(), make_torch(list(theirs.values()))
    for _ in range(300):
        grads = {"d" + k: rng.standard_normal(v.shape) * rng.uniform(0.1, 3.0)
                 for k, v in ours.items()}
        o.step(ours, grads)
        for k, p in theirs.items():
            p.grad = torch.tensor(grads["d" + k])
        t.step()
    for k in ours:
        assert rel(ours[k], theirs[k].numpy()) < 1e-10, k
