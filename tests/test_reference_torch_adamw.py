"""AdamW and Adam's L2 weight decay against PyTorch (torch.optim.AdamW, Adam(weight_decay)).

Backs chapter "Optimizers": the library's AdamW takes torch.optim.AdamW's steps, and
Adam with weight_decay in torch is Adam on the gradient plus weight_decay * w (the L2 form
the chapter's experiment runs). Run with .venv-bench (torch).
"""

import numpy as np
import pytest

from backprop_lib import noisy_steps as ns
from backprop_lib.optimizers import Adam, AdamW

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def gradient_sequence(seed, steps=300, n=6):
    return np.random.default_rng(seed).standard_normal((steps, n)) * np.logspace(-3, 2, n)


def torch_run(make, grads, w0):
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = make([w])
    for g in grads:
        opt.zero_grad()
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return w.detach().numpy()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("wd", [0.01, 0.5])
def test_adamw_is_torch_adamw(seed, wd):
    grads, w0 = gradient_sequence(seed), np.linspace(-2, 2, 6)
    ours, w = AdamW(0.01, weight_decay=wd), w0.copy()
    for g in grads:
        ours.step({"w": w}, {"dw": g})
    theirs = torch_run(lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=wd), grads, w0)
    assert np.abs(w - theirs).max() < 1e-12


def test_adamw_default_decay_is_torchs():
    grads, w0 = gradient_sequence(7), np.ones(6)
    ours, w = AdamW(), w0.copy()
    for g in grads:
        ours.step({"w": w}, {"dw": g})
    theirs = torch_run(lambda p: torch.optim.AdamW(p), grads, w0)
    assert np.abs(w - theirs).max() < 1e-12


def test_torch_adam_weight_decay_is_the_l2_form():
    grads, w0, wd = gradient_sequence(3), np.linspace(-1, 1, 6), 0.5
    ours, w = Adam(0.01), w0.copy()
    for g in grads:
        ours.step({"w": w}, {"dw": g + wd * w})  # the chapter's L2: decay added to the gradient
    theirs = torch_run(lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=wd), grads, w0)
    assert np.abs(w - theirs).max() < 1e-12


def test_weight_decay_experiment_in_torch():
    """The chapter's table, rerun with torch.optim on the same noise: the same end points."""
    sigmas, steps = ns.DECAY_SIGMAS, 2000
    ours = ns.weight_decay_under_noise()
    noise = ns._noisy_gradients((len(sigmas),), 0.0, np.array(sigmas), steps, ns.SEEDS)
    for name, make in (("L2", lambda p: torch.optim.Adam(p, lr=1e-3, weight_decay=0.5)),
                       ("AdamW", lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=0.5))):
        theirs = torch_run(make, noise, np.ones((len(sigmas), len(ns.SEEDS))))
        assert np.abs(ours[name] - theirs).max() < 1e-9


def test_schedules_are_torchs_lr_schedulers():
    """Cosine decay is CosineAnnealingLR(T_max, eta_min); linear warmup is LinearLR from
    1/warmup to 1 over warmup - 1 scheduler steps (torch's first step uses the start factor)."""
    from backprop_lib.schedules import lr_schedule

    def torch_rates(make, steps):
        w = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([w], lr=0.2)
        sched, rates = make(opt), []
        for _ in range(steps):
            rates.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return np.array(rates)

    ours = lr_schedule(0.2, "cosine", total=50, final=0.01)
    theirs = torch_rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(
        o, T_max=50, eta_min=0.01), 50)
    assert np.allclose([ours(t) for t in range(1, 51)], theirs, rtol=0, atol=1e-12)
    ours = lr_schedule(0.2, warmup=10)
    theirs = torch_rates(lambda o: torch.optim.lr_scheduler.LinearLR(
        o, start_factor=0.1, end_factor=1.0, total_iters=9), 20)
    assert np.allclose([ours(t) for t in range(1, 21)], theirs, rtol=0, atol=1e-12)
