"""Chapter "Optimizers" against PyTorch's own code (torch.optim), for the framework table.

Each test backs one statement of the chapter's tables: SGD momentum with dampening 0 is
Momentum(lr, beta); dampening = beta is not the moving average (torch starts its buffer at
the first gradient); RMSprop adds eps outside the root; the tuned heavy ball of the
eigen-analysis runs the same in torch. Run with .venv-bench (torch).
"""

import numpy as np
import pytest

from backprop_lib import heavy_ball as hb
from backprop_lib import surfaces
from backprop_lib.optimizers import Momentum, RMSprop

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

VALLEY = surfaces.quadratic(20.0)


def torch_path(make, steps=200, w0=None):
    """Run a torch.optim optimizer on the chapter's quadratic valley, float64."""
    w = torch.tensor(VALLEY.start if w0 is None else w0, dtype=torch.float64,
                     requires_grad=True)
    opt = make([w])
    out = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        w.grad = torch.tensor(VALLEY.grad(w.detach().numpy()), dtype=torch.float64)
        opt.step()
        out.append(w.detach().numpy().copy())
    return np.array(out)


def test_sgd_momentum_with_dampening_0_is_momentum():
    ours = surfaces.trajectory(Momentum(0.05, beta=0.9), VALLEY, steps=200).path
    theirs = torch_path(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9))
    assert np.abs(ours - theirs).max() < 1e-12


def test_dampening_beta_is_not_the_moving_average():
    """'PyTorch starts its buffer at the first gradient ... the first step is ten times
    longer (at beta = 0.9) and the paths stay apart.'"""
    ours = surfaces.trajectory(Momentum(0.05, beta=0.9, average=True), VALLEY, steps=200).path
    theirs = torch_path(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.9))
    first_ours, first_theirs = ours[1] - ours[0], theirs[1] - theirs[0]
    assert np.allclose(first_theirs, 10 * first_ours, rtol=1e-12)
    assert np.abs(ours - theirs).max() > 0.1


def test_rmsprop_adds_eps_outside_the_root():
    ours = surfaces.trajectory(RMSprop(0.01, beta=0.99, eps=1e-3), VALLEY, steps=100).path
    theirs = torch_path(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-3),
                        steps=100)
    assert np.abs(ours - theirs).max() < 1e-12
    inside = surfaces.trajectory(RMSprop(0.01, beta=0.99, eps=1e-3, eps_inside=True), VALLEY,
                                 steps=100).path
    assert np.abs(inside - theirs).max() > 1e-4


def test_tuned_heavy_ball_in_torch_reaches_what_the_eigen_analysis_predicts():
    """torch's SGD(momentum=beta*) at alpha* ends as far down as the chapter's Momentum."""
    a, b, rate = hb.optimal_heavy_ball(1.0, 20.0)
    theirs = torch_path(lambda p: torch.optim.SGD(p, lr=a, momentum=b), steps=100)
    ours = surfaces.trajectory(Momentum(a, beta=b), VALLEY, steps=100).path
    assert np.abs(ours - theirs).max() < 1e-12
    assert np.linalg.norm(theirs[100]) < 100 * rate ** 100 * np.linalg.norm(theirs[0])


def test_nesterov_is_torch_sgd_with_nesterov_true():
    from backprop_lib.optimizers import Nesterov

    ours = surfaces.trajectory(Nesterov(0.05, beta=0.9), VALLEY, steps=200).path
    theirs = torch_path(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True))
    assert np.abs(ours - theirs).max() < 1e-12


def test_adagrad_is_torch_adagrad_with_its_defaults():
    from backprop_lib.optimizers import Adagrad

    ours = surfaces.trajectory(Adagrad(0.5), VALLEY, steps=200).path
    theirs = torch_path(lambda p: torch.optim.Adagrad(p, lr=0.5))
    assert np.abs(ours - theirs).max() < 1e-12
