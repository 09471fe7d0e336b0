"""Optimizers under noisy gradients: mini-batches, weight decay, warmup (chapter "Optimizers").

- minibatch_noise: how far a mini-batch gradient lies from the full-batch one on the
  chapter's 2-8-1 moons network, against the sampling formula (sigma^2 / B)(m - B)/(m - 1);
- noisy_steps: what SGD, momentum and Adam make of a gradient g_bar + sigma z (z standard
  normal): SGD's step carries the noise as it is, momentum's velocity raises the signal
  1/(1 - beta) times and the noise only 1/sqrt(1 - beta^2) times, Adam's step length falls
  towards g_bar / sqrt(g_bar^2 + sigma^2) of the learning rate (g_bar: the mean gradient);
- stationary_spread: the ablation of that "signal over noise": on a noisy quadratic, the
  spread at which momentum settles equals plain SGD's at the effective rate lr / (1 - beta);
- weight_decay_under_noise: a weight whose loss gradient is pure noise of size sigma, decayed
  by L2 added to the gradient (Adam divides it by sqrt(v)) or by AdamW's decoupled decay;
- warmup_steps: Adam's early step lengths with and without linear warmup.

Every coordinate of Adam's update is computed on its own, so one array holds all the
settings and seeds of a run: column j is seed SEEDS[j].
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int, check_positive, check_real
from .data import two_moons
from .network import Network
from .optimizers import SGD, Adam, AdamW, Momentum
from .run_cache import memo
from .schedules import lr_schedule

SEEDS = (0, 1, 2, 3, 4)
BATCH_SIZES = (1, 5, 10, 25, 50, 100)
NOISE_RATIOS = (0.0, 0.5, 1.0, 3.0, 10.0)  # sigma / g_bar
DECAY_SIGMAS = (0.01, 0.1, 1.0, 10.0, 100.0)
DRAWS = 400  # random batches per batch size in minibatch_noise
DECAY_GRID = (0.1, 0.2, 0.5, 1.0, 2.0)  # lambda: no L2 coefficient decays every sigma alike


def _moons():
    """The chapter's network data: 100 points of two moons (seed 0)."""
    return two_moons(m=100, noise=0.15, seed=0)


def _flat(grads):
    return np.concatenate([g.ravel() for _, g in sorted(grads.items())])


@memo(maxsize=None)
def minibatch_noise(seed=0, batch_sizes=BATCH_SIZES, draws=DRAWS):
    """At the initial weights of `seed`: {B: (measured, predicted)} mean ||g_B - g||^2 over
    `draws` mini-batches drawn without replacement, and the sampling formula's value;
    also ||g||^2 under key "full". Cached: treat the result as read-only."""
    seed, draws = check_int(seed, "seed", low=0), check_int(draws, "draws", low=1)
    X, Y = _moons()
    m = X.shape[1]
    net = Network([2, 8, 1], activations=["tanh", "sigmoid"], loss="bce", seed=seed)
    per_example = np.array([_flat(net.gradients(X[:, [i]], Y[:, [i]])) for i in range(m)])
    g = per_example.mean(axis=0)
    sigma2 = ((per_example - g) ** 2).sum(axis=1).mean()  # the population's spread
    rng = np.random.default_rng(seed + 1000)
    out = {"full": float(g @ g)}
    for B in batch_sizes:
        B = check_int(B, "batch size", low=1)
        if B > m:
            raise ValueError(f"batch sizes must be at most {m}; got {B}")
        gaps = [((per_example[rng.choice(m, B, replace=False)].mean(axis=0) - g) ** 2).sum()
                for _ in range(draws)]
        out[B] = (float(np.mean(gaps)), float(sigma2 / B * (m - B) / (m - 1)))
    return out


def _noisy_gradients(shape, g_bar, sigma, steps, seeds):
    """steps x shape gradients g_bar + sigma z, column j drawn from seeds[j] alone."""
    z = np.stack([np.random.default_rng(s).standard_normal((steps, shape[0])) for s in seeds],
                 axis=-1)
    return g_bar + sigma[None, :, None] * z


@memo(maxsize=None)
def noisy_steps(ratios=NOISE_RATIOS, steps=2000, lr=1e-3, beta=0.9, seeds=SEEDS):
    """{optimizer: (mean, std)} of step / lr over the second half of `steps` steps under the
    gradient 1 + sigma z, one row per sigma in `ratios`, one column per seed (arrays of shape
    (len(ratios), len(seeds))). The weight is far from any minimum: only the noise matters.
    Cached: treat the result as read-only."""
    steps, lr = check_int(steps, "steps", low=2), check_positive(lr, "lr")
    sigma = np.array([check_real(r, "ratio", low=0.0) for r in ratios])
    grads = _noisy_gradients(sigma.shape, 1.0, sigma, steps, seeds)
    out = {}
    for name, opt in (("SGD", SGD(lr)), ("momentum", Momentum(lr, beta)), ("Adam", Adam(lr))):
        w = np.zeros((len(sigma), len(seeds)))
        moves = np.empty((steps,) + w.shape)
        for t in range(steps):
            before = w.copy()
            opt.step({"w": w}, {"dw": grads[t]})
            moves[t] = (before - w) / lr
        late = moves[steps // 2:]
        out[name] = (late.mean(axis=0), late.std(axis=0))
    return out


@memo(maxsize=None)
def stationary_spread(lr=0.01, beta=0.9, sigma=1.0, steps=2000, burn=500, chains=200,
                      seeds=SEEDS):
    """{setting: variance of w per seed} on f(w) = w^2 / 2 with the noisy gradient w + sigma z
    (chapter "Optimizers"), over `chains` independent runs per seed and the steps after
    `burn`. Settings: "SGD lr", "momentum lr, beta" and "SGD lr/(1-beta)". Every run starts
    at 0, the minimum, so only the noise moves it. Exact values for curvature 1:
    SGD lr sigma^2 / (2 - lr); heavy ball lr sigma^2 (1 + beta) / ((1 - beta)(2 (1 + beta) - lr)).
    Cached: treat the result as read-only."""
    lr, sigma = check_positive(lr, "lr"), check_positive(sigma, "sigma")
    steps, burn = check_int(steps, "steps", low=2), check_int(burn, "burn", low=0)
    rng = [np.random.default_rng(1000 + s) for s in seeds]
    opts = {"SGD lr": SGD(lr), "momentum lr, beta": Momentum(lr, beta),
            "SGD lr/(1-beta)": SGD(lr / (1.0 - beta))}
    ws = {k: np.zeros((chains, len(seeds))) for k in opts}
    total = {k: np.zeros(len(seeds)) for k in opts}
    for t in range(steps):
        z = sigma * np.stack([r.standard_normal(chains) for r in rng], axis=-1)
        for k, opt in opts.items():
            opt.step({"w": ws[k]}, {"dw": ws[k] + z})  # the same noise for every setting
            if t >= burn:
                total[k] += (ws[k] ** 2).mean(axis=0)
    return {k: v / (steps - burn) for k, v in total.items()}


def stationary_spread_exact(lr=0.01, beta=0.9, sigma=1.0):
    """The exact stationary variances of stationary_spread's three settings (curvature 1)."""
    def hb(a, b):
        return a * sigma**2 * (1 + b) / ((1 - b) * (2 * (1 + b) - a))
    return {"SGD lr": hb(lr, 0.0), "momentum lr, beta": hb(lr, beta),
            "SGD lr/(1-beta)": hb(lr / (1.0 - beta), 0.0)}


def defaults(function):
    """{argument: default} of one of this module's experiments: the settings the chapter's
    prose quotes, read from the code (chapter "Optimizers")."""
    import inspect

    return {k: p.default for k, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty}


def adam_step_prediction(ratios=NOISE_RATIOS):
    """g_bar / sqrt(g_bar^2 + sigma^2) with g_bar = 1: Adam's m averages to g_bar, its v to
    g_bar^2 + sigma^2."""
    r = np.asarray(ratios, dtype=float)
    return 1 / np.sqrt(1 + r**2)


@memo(maxsize=None)
def weight_decay_under_noise(sigmas=DECAY_SIGMAS, decay=0.5, lr=1e-3, steps=2000,
                             seeds=SEEDS):
    """{"L2": w_T, "AdamW": w_T}: arrays (len(sigmas), len(seeds)) of a weight started at 1
    whose loss gradient is sigma z (pure noise), after `steps` steps of Adam with
    decay * w added to the gradient, or of AdamW with weight_decay=decay. AdamW shrinks every
    weight by (1 - lr decay) a step, (1 - lr decay)^steps in all (returned under "expected").
    Cached: treat the result as read-only."""
    decay, lr = check_positive(decay, "decay"), check_positive(lr, "lr")
    steps = check_int(steps, "steps", low=1)
    sigma = np.array([check_positive(s, "sigma") for s in sigmas])
    noise = _noisy_gradients(sigma.shape, 0.0, sigma, steps, seeds)
    out = {}
    for name, opt in (("L2", Adam(lr)), ("AdamW", AdamW(lr, weight_decay=decay))):
        w = np.ones((len(sigma), len(seeds)))
        for t in range(steps):
            g = noise[t] + decay * w if name == "L2" else noise[t]  # L2: the decay's gradient
            opt.step({"w": w}, {"dw": g})
        out[name] = w
    out["expected"] = (1 - lr * decay) ** steps
    return out


@memo(maxsize=None)
def warmup_steps(warmup=100, steps=300, lr=1e-3, sigma=3.0, seeds=SEEDS, width=200):
    """{label: array (steps,)} of Adam's mean |step| / lr at each step, over `width`
    coordinates per seed whose gradient is 1 + sigma z, with a constant rate ("constant") and
    with a linear warmup over `warmup` steps ("warmup"). Cached: treat as read-only."""
    warmup, steps = check_int(warmup, "warmup", low=1), check_int(steps, "steps", low=1)
    lr, sigma = check_positive(lr, "lr"), check_positive(sigma, "sigma")
    width = check_int(width, "width", low=1)
    grads = _noisy_gradients((width,), 1.0, np.full(width, sigma), steps, seeds)
    out = {}
    for label, schedule in (("constant", lr_schedule(lr)),
                            ("warmup", lr_schedule(lr, warmup=warmup))):
        opt, w = Adam(lr), np.zeros((width, len(seeds)))
        lengths = np.empty(steps)
        for t in range(1, steps + 1):
            opt.lr = schedule(t)
            before = w.copy()
            opt.step({"w": w}, {"dw": grads[t - 1]})
            lengths[t - 1] = np.abs(before - w).mean() / lr
        out[label] = lengths
    return out
