"""Random search against gradient descent: what a gradient buys.

Chapter "Why gradients" measures everything here. Training means lowering the loss L(theta),
a function of P numbers theta (every W{l} and b{l} of a network, flattened). Two ways down:

- random search, the (1+1) evolution strategy: try theta + sigma * u with u a random unit
  direction; keep it if the loss went down; widen sigma after a success and narrow it after
  a failure (the "one-fifth success rule" of Rechenberg), so the step length tunes itself.
  Its cost is counted in loss evaluations (forward passes).
- gradient descent: theta <- theta - lr * dL/dtheta, the gradient from one forward and one
  backward pass (`backprop_lib.train` with SGD on the whole batch). Its cost is counted in
  gradient evaluations and converted to forward-pass equivalents by counting the
  multiplications of both passes (`pass_multiplications`).

Why the gap grows with P: a random unit direction u in P dimensions has
E[cos^2(u, g)] = 1/P with any fixed gradient g, so a step along u (with its best length)
lowers the loss about 1/P as much as a step along -g. `squared_cosines` measures this.

Everything is counted, not timed, so results are deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations as _activations
from . import optimizers as _optimizers
from ._checks import check_int, check_positive, check_real, check_seed, describe
from .network import Network
from .train import train as _train


@dataclass
class SearchResult:
    """The record of one search: the loss after each unit of cost, and when the target fell.

    losses[k]: the best loss known after k + 1 evaluations (loss evaluations for random
    search, gradient evaluations for gradient descent). evals: how many evaluations it took
    to reach the target (None if it was not reached). diverged: gradient descent blew up.
    """

    method: str
    losses: np.ndarray
    evals: int | None
    target: float
    diverged: bool = False

    @property
    def reached(self) -> bool:
        return self.evals is not None

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1]) if len(self.losses) else float("nan")


# ----------------------------------------------------------------- parameters as one vector


def flatten(params) -> np.ndarray:
    """All parameters W1, b1, W2, ... as one vector theta of length P (in name order)."""
    if not isinstance(params, dict) or not params:
        raise TypeError(
            f"params must be a non-empty dict of arrays by name; got {describe(params)}")
    return np.concatenate([np.asarray(params[k], dtype=np.float64).ravel() for k in params])


def unflatten(theta, like) -> dict:
    """The dict of arrays shaped like `like` whose entries, in order, are theta's."""
    theta = np.asarray(theta, dtype=np.float64)
    sizes = [np.size(v) for v in like.values()]
    if theta.ndim != 1 or theta.size != sum(sizes):
        raise ValueError(f"theta must be a vector of length {sum(sizes)}; got shape {theta.shape}")
    out, start = {}, 0
    for (name, value), size in zip(like.items(), sizes, strict=True):
        out[name] = theta[start : start + size].reshape(np.shape(value))
        start += size
    return out


def _write(net, theta) -> None:
    """Copy the vector theta into net.params in place (a search's inner loop: theta was
    made from net.params by `flatten`, so names, shapes and dtype are already right)."""
    start = 0
    for arr in net.params.values():
        arr[...] = theta[start : start + arr.size].reshape(arr.shape)
        start += arr.size


# --------------------------------------------------------------------------- random directions


def _stream(seed) -> np.random.Generator:
    """The random stream of this module for `seed`.

    Deliberately not default_rng(seed): a network initialized with the same seed draws its
    weights from that stream, and a first "random" direction equal to the initial weights
    is far from random with respect to the gradient (it gave cos^2 = 0.5 in P = 129).
    """
    return np.random.default_rng([check_seed(seed), 0x5EA2C4])


def random_directions(P, n, seed=0) -> np.ndarray:
    """n random unit vectors in P dimensions (rows), uniform on the sphere."""
    P = check_int(P, "P", low=1)
    n = check_int(n, "n", low=1)
    U = _stream(seed).standard_normal((n, P))
    return U / np.linalg.norm(U, axis=1, keepdims=True)


def squared_cosines(g, n=1000, seed=0) -> np.ndarray:
    """cos^2 between the vector g and each of n random unit directions.

    Their mean estimates E[cos^2] = 1/P (P = len(g)): by symmetry the P squared coordinates
    of a random unit vector have equal means and sum to 1.
    """
    g = np.asarray(g, dtype=np.float64).ravel()
    norm = np.linalg.norm(g)
    if g.size == 0 or not np.isfinite(norm) or norm == 0:
        raise ValueError("g must be a finite, non-zero vector")
    U = random_directions(g.size, n, seed)
    return (U @ (g / norm)) ** 2


def fit_slope(x, y) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line through (log10 x, log10 y).

    A power law y = c x^k is a straight line of slope k on log-log axes.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y must be two sequences of the same length >= 2; "
                         f"got {x.size} and {y.size}")
    if (x <= 0).any() or (y <= 0).any() or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must hold positive finite numbers (their logarithms are fitted)")
    slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)
    return float(slope), float(intercept)


# --------------------------------------------------------------------------- the two searches


#: The one-fifth rule's factors: sigma grows by SIGMA_UP after a success and by SIGMA_DOWN
#: after a failure, so it stays put on average when p ln(SIGMA_UP) + (1 - p) ln(SIGMA_DOWN)
#: = 0, that is at a success rate p = 1/5.
SIGMA_UP = 2.0 ** 0.25
SIGMA_DOWN = 2.0 ** (-1.0 / 16.0)


def random_search(net, X, Y, target, max_evals=5000, sigma=0.1, seed=0) -> SearchResult:
    """Lower net's loss by random search, in place, until it is <= target or the budget ends.

    The (1+1) evolution strategy with the one-fifth success rule: the step length sigma is
    multiplied by 2**(1/4) after each success and by 2**(-1/16) after each failure, so it
    stays put when one try in five succeeds. Every try costs one loss evaluation; the first
    evaluation is the loss of the starting point.
    """
    _check_net(net)
    X, Y = net.check_data(X, Y)
    target = check_real(target, "target")
    max_evals = check_int(max_evals, "max_evals", low=1)
    sigma = check_positive(sigma, "sigma")
    rng = _stream(seed)
    theta = flatten(net.params)
    best = net.loss(X, Y)
    losses = [best]
    evals = 1 if best <= target else None
    up, down = SIGMA_UP, SIGMA_DOWN
    with np.errstate(over="ignore", invalid="ignore"):
        while evals is None and len(losses) < max_evals:
            u = rng.standard_normal(theta.size)
            trial = theta + sigma * u / np.linalg.norm(u)
            _write(net, trial)
            loss = net.loss(X, Y)
            if loss < best:
                theta, best, sigma = trial, loss, sigma * up
            else:
                sigma *= down
            losses.append(best)
            if best <= target:
                evals = len(losses)
    _write(net, theta)
    return SearchResult("random search", np.array(losses), evals, target)


def gradient_descent(net, X, Y, target, lr=0.1, max_steps=2000) -> SearchResult:
    """Lower net's loss by full-batch gradient descent, in place (bp.train with SGD).

    losses[k] is the lowest loss seen in the first k + 1 gradient evaluations (each measured
    before its step), as for random search; evals is the number of gradient evaluations made
    when the loss was first <= target. A learning rate
    too large makes the loss blow up: then diverged is True and the target is not reached.
    """
    _check_net(net)
    target = check_real(target, "target")
    max_steps = check_int(max_steps, "max_steps", low=1)
    lr = check_positive(lr, "lr")
    history = _train(net, X, Y, optimizer=_optimizers.SGD(lr=lr), epochs=max_steps,
                     on_divergence="ignore",
                     callback=lambda epoch, n, h: bool(h.loss[-1] <= target))
    losses = np.minimum.accumulate(history.loss) if len(history.loss) else history.loss
    hit = np.flatnonzero(history.loss <= target)
    evals = int(hit[0]) + 1 if hit.size else None
    return SearchResult("gradient descent", losses, evals, target, diverged=history.diverged)


# --------------------------------------------------------------------------- counting cost


def pass_multiplications(layer_sizes, m=1) -> tuple[int, int]:
    """(forward, backward) multiplications of one pass over m examples of a dense network.

    Forward: W{l} A{l-1} costs n_l n_{l-1} m per layer. Backward: dW{l} = dZ{l} A{l-1}^T
    costs as much again, and dA{l-1} = W{l}^T dZ{l} too, except for layer 1 (dA0 is not
    needed). The elementwise products (activations and their derivatives) are left out:
    they are O(units), not O(weights).
    """
    sizes = [check_int(n, f"layer_sizes[{i}]", low=1) for i, n in enumerate(layer_sizes)]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes must list the inputs and at least one layer; got {sizes}")
    m = check_int(m, "m", low=1)
    products = [a * b * m for a, b in zip(sizes[1:], sizes[:-1], strict=True)]
    forward = sum(products)
    backward = 2 * forward - products[0]
    return forward, backward


def gradient_cost(layer_sizes) -> float:
    """What one gradient costs, in forward passes: (forward + backward) / forward
    multiplications."""
    forward, backward = pass_multiplications(layer_sizes)
    return (forward + backward) / forward


# ----------------------------------------------------------------- the chapter's experiment


def teacher_task(n_in=4, m=64, hidden=4, seed=0, whiten=False):
    """A regression task with a known answer: (X, Y) with Y made by a fixed random network.

    X: (n_in, m) standard normal; Y = teacher(X) with teacher = `student(n_in, hidden)`
    drawn with Xavier weights from another seed (seed + 1000), so the student's shape can
    fit Y exactly. hidden = 0 makes both linear: Y = w x + b.
    whiten=True makes the rows of X orthogonal to each other and to the constant row, each
    of mean square 1 (needs m > n_in): then the linear student's half_mse loss is a
    perfectly round bowl, its Hessian the identity.
    """
    n_in = check_int(n_in, "n_in", low=1)
    m = check_int(m, "m", low=1)
    seed = check_seed(seed)
    teacher = student(n_in, hidden, seed=seed + 1000)
    X = np.random.default_rng(seed).standard_normal((n_in, m))
    if whiten:
        if m <= n_in:
            raise ValueError(f"whiten needs more examples than inputs; got m = {m}, n_in = {n_in}")
        Q, _ = np.linalg.qr(np.column_stack([np.ones(m), X.T]))
        X = np.sqrt(m) * Q[:, 1:].T
    return X, teacher.forward(X)


def student(n_in, hidden=4, init="xavier", init_scale=1.0, seed=0) -> Network:
    """The network that learns the teacher task: [n_in, hidden, 1] with tanh then identity,
    or, for hidden = 0, the linear network [n_in, 1] (a loss that is a round quadratic bowl
    when the inputs are standard normal)."""
    hidden = check_int(hidden, "hidden", low=0)
    if hidden == 0:
        return Network([n_in, 1], ["identity"], "half_mse", init=init,
                       init_scale=init_scale, seed=seed)
    return Network([n_in, hidden, 1], ["tanh", "identity"], "half_mse", init=init,
                   init_scale=init_scale, seed=seed)


@dataclass
class Race:
    """Random search and gradient descent from the same start on the same task."""

    P: int
    target: float
    initial_loss: float
    random: SearchResult
    gradient: SearchResult
    gradient_cost: float  # forward passes per gradient evaluation

    @property
    def gradient_evals_as_forward(self) -> float | None:
        """Gradient descent's cost to target in forward-pass equivalents (None if not reached)."""
        if self.gradient.evals is None:
            return None
        return self.gradient.evals * self.gradient_cost


#: The teacher task's defaults in chapter "Why gradients": examples, hidden tanh units of the
#: student, and the target as a fraction of the starting loss.
EXAMPLES = 256
HIDDEN = 4
FRACTION = 0.1


def race(n_in, *, hidden=HIDDEN, m=EXAMPLES, whiten=False, fraction=FRACTION, lr=0.2, init="xavier",
         init_scale=1.0, seed=0, max_evals=20000, max_steps=5000, sigma=0.1) -> Race:
    """Race random search against gradient descent on the teacher task with n_in inputs.

    The student has the teacher's shape [n_in, hidden, 1], so P = hidden (n_in + 2) + 1
    grows with n_in (P = n_in + 1 for the linear student, hidden = 0). Both methods start
    from the same student (seeded), and the target is
    `fraction` times its initial loss, so every size faces the same relative goal.
    sigma is random search's starting step length (the one-fifth rule adapts it).
    """
    fraction = check_real(fraction, "fraction", low=0.0, high=1.0, low_open=True, high_open=True)
    X, Y = teacher_task(n_in=n_in, m=m, hidden=hidden, seed=seed, whiten=whiten)
    net = student(n_in, hidden, init=init, init_scale=init_scale, seed=seed)
    initial = net.loss(X, Y)
    target = fraction * initial
    twin = net.copy()
    rs = random_search(net, X, Y, target, max_evals=max_evals, sigma=sigma, seed=seed)
    gd = gradient_descent(twin, X, Y, target, lr=lr, max_steps=max_steps)
    return Race(net.n_params, target, initial, rs, gd, gradient_cost(net.layer_sizes))


def scaling_study(n_ins, seeds=(0, 1, 2, 3, 4), **kwargs) -> dict:
    """Evaluations to target as P grows: one race per input size n_in and seed.

    Returns a dict of arrays, one entry per n_in: "P", "random" (median loss evaluations
    of random search), "gradient" (median gradient evaluations), "gradient_forward" (the
    same in forward-pass equivalents), "reached" (how many races of the n_in reached
    the target with both methods; a race that did not counts as infinitely long), and the
    spread over the seeds: "random_lo"/"random_hi" and "gradient_forward_lo"/"_hi" (the
    smallest and largest count), "random_slope"/"gradient_slope" (the power-law slope
    fitted to each seed's own counts, one entry per seed), "ratio" (the median over the
    seeds of random search's cost over gradient descent's, both in forward passes) and
    "ratio_slope" (the slope of that ratio fitted to each seed).
    """
    if not len(n_ins):
        raise ValueError("n_ins must list at least one input size")
    rows = {"P": [], "random": [], "gradient": [], "gradient_forward": [], "reached": [],
            "random_lo": [], "random_hi": [], "gradient_forward_lo": [],
            "gradient_forward_hi": []}
    per_seed = {"random": [], "gradient_forward": [], "ratio": []}  # (n_in, seed), for slopes
    for n_in in n_ins:
        races = [race(n_in, seed=s, **kwargs) for s in seeds]
        big = np.inf
        rs = np.array([r.random.evals or big for r in races], dtype=np.float64)
        gd = np.array([r.gradient_evals_as_forward or big for r in races], dtype=np.float64)
        rows["P"].append(races[0].P)
        rows["random"].append(np.median(rs))
        rows["gradient"].append(np.median([r.gradient.evals or big for r in races]))
        rows["gradient_forward"].append(np.median(gd))
        rows["reached"].append(sum(r.random.reached and r.gradient.reached for r in races))
        rows["random_lo"].append(rs.min())
        rows["random_hi"].append(rs.max())
        rows["gradient_forward_lo"].append(gd.min())
        rows["gradient_forward_hi"].append(gd.max())
        per_seed["random"].append(rs)
        per_seed["gradient_forward"].append(gd)
        per_seed["ratio"].append(rs / gd)
    out = {k: np.array(v) for k, v in rows.items()}
    out["ratio"] = np.array([np.median(r) for r in per_seed["ratio"]])
    for key, name in (("random", "random_slope"), ("gradient_forward", "gradient_slope"),
                      ("ratio", "ratio_slope")):
        counts = np.array(per_seed[key])  # (n_in, seed)
        out[name] = np.array([fit_slope(out["P"], counts[:, j])[0] if len(n_ins) > 1
                              and np.isfinite(counts[:, j]).all() else np.nan
                              for j in range(counts.shape[1])])
    return out


def cosine_study(n_ins, n_directions=2000, hidden=4, m=EXAMPLES, seed=0) -> dict:
    """Mean cos^2 between random directions and a network's gradient, as P grows.

    For each n_in: the gradient g of the teacher task's student [n_in, hidden, 1] at its
    starting point, and `squared_cosines(g, n_directions)`. Returns arrays "P", "mean"
    (the mean cos^2) and "stderr" (its standard error); theory says mean = 1/P.
    """
    rows = {"P": [], "mean": [], "stderr": []}
    for n_in in n_ins:
        X, Y = teacher_task(n_in=n_in, m=m, hidden=hidden, seed=seed)
        net = student(n_in, hidden, seed=seed)
        c2 = squared_cosines(flatten(net.gradients(X, Y)), n_directions, seed=seed)
        rows["P"].append(net.n_params)
        rows["mean"].append(c2.mean())
        rows["stderr"].append(c2.std(ddof=1) / np.sqrt(c2.size))
    return {k: np.array(v) for k, v in rows.items()}


def best_decrease(net, X, Y, direction, steps) -> float:
    """The largest loss decrease L(theta) - L(theta + t d) over the step lengths t in `steps`.

    d is `direction` scaled to unit length; net is left unchanged. Negative step lengths
    may be included, so that the sign of a random direction does not matter.
    """
    X, Y = net.check_data(X, Y)
    d = np.asarray(direction, dtype=np.float64).ravel()
    norm = np.linalg.norm(d)
    if norm == 0 or not np.isfinite(norm):
        raise ValueError("direction must be a finite, non-zero vector")
    theta = flatten(net.params)
    if d.size != theta.size:
        raise ValueError(f"direction must have P = {theta.size} entries; got {d.size}")
    base = net.loss(X, Y)
    best = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in steps:
            _write(net, theta + t * d / norm)
            best = max(best, base - net.loss(X, Y))
    _write(net, theta)
    return best


def quadratic_model_check(n_in=8, seed=0, eps=1e-5) -> dict:
    """Each step of the best-step argument of chapter "Why gradients", measured on the round
    bowl (the linear student [n_in, 1] on whitened inputs) at its starting point.

    Along a unit direction u the loss is L(t) = L0 + t (g.u) + t^2 (u'Hu) / 2, exactly, for
    a quadratic; its best step t* = -(g.u) / (u'Hu) lowers it by (g.u)^2 / (2 u'Hu); with
    H = h I that is (g.u)^2 / (2h), and along -g/|g| it is |g|^2 / (2h), so their ratio is
    cos^2(u, g). Returns the numbers that check each step for one random direction u:
    "hessian_error" (largest |H - I| entry, H from central differences of the gradient),
    "P", "t" (a test step), "along_u" and "model_u" (L(t) measured and from the formula),
    "t_best" and "t_scan" (the formula's best step and the best of a fine scan),
    "decrease_best" and "decrease_scan", "decrease_g" (the best decrease along -g),
    "ratio" (decrease along u over along -g) and "cos2" (cos^2(u, g)).
    """
    X, Y = teacher_task(n_in=n_in, m=EXAMPLES, hidden=0, seed=seed, whiten=True)
    net = student(n_in, 0, seed=seed)
    theta = flatten(net.params)
    P = theta.size

    def grad_at(th):
        _write(net, th)
        return flatten(net.gradients(X, Y))

    H = np.column_stack([(grad_at(theta + eps * e) - grad_at(theta - eps * e)) / (2 * eps)
                         for e in np.eye(P)])
    g = grad_at(theta)
    L0 = net.loss(X, Y)

    def loss_at(th):
        _write(net, th)
        return net.loss(X, Y)

    u = random_directions(P, 1, seed=seed)[0]
    gu, uHu = float(g @ u), float(u @ H @ u)
    t = 0.7
    t_best = -gu / uHu
    scan = np.linspace(-3.0, 3.0, 6001)
    losses = np.array([loss_at(theta + s * u) for s in scan])
    ghat = g / np.linalg.norm(g)
    decrease_g = L0 - loss_at(theta - float(g @ ghat) / float(ghat @ H @ ghat) * ghat)
    out = {
        "hessian_error": float(np.abs(H - np.eye(P)).max()),
        "P": P,
        "t": t,
        "along_u": float(loss_at(theta + t * u)),
        "model_u": float(L0 + t * gu + 0.5 * t * t * uHu),
        "t_best": t_best,
        "t_scan": float(scan[losses.argmin()]),
        "decrease_best": gu * gu / (2 * uHu),
        "decrease_scan": float(L0 - losses.min()),
        "decrease_g": float(decrease_g),
        "cos2": gu * gu / float(g @ g),
    }
    out["ratio"] = out["decrease_best"] / out["decrease_g"]
    _write(net, theta)
    return out


def hessian(net, X, Y, eps=1e-5) -> np.ndarray:
    """The (P, P) matrix of second derivatives of net's loss at its current parameters,
    from central differences of `net.gradients`, symmetrized; net is left unchanged.
    Used by chapter "Why gradients" to measure the curvature along a direction."""
    X, Y = net.check_data(X, Y)
    eps = check_positive(eps, "eps")
    theta = flatten(net.params)
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = eps
        _write(net, theta + e)
        up = flatten(net.gradients(X, Y))
        _write(net, theta - e)
        cols.append((up - flatten(net.gradients(X, Y))) / (2 * eps))
    _write(net, theta)
    H = np.column_stack(cols)
    return (H + H.T) / 2


def curvatures(n_in, hidden=4, m=EXAMPLES, seed=0, n_directions=500) -> dict:
    """How sharply the loss curves along the gradient and along random directions.

    At the teacher task's student [n_in, hidden, 1] (hidden = 0: the round bowl on
    whitened inputs), with H its Hessian: "along_gradient" = g'Hg / g'g, "random_mean"
    = the mean of u'Hu over `n_directions` random unit u (which tends to tr H / P),
    "average" = tr H / P, "largest" = H's largest eigenvalue, and "P".
    """
    X, Y = teacher_task(n_in=n_in, m=m, hidden=hidden, seed=seed, whiten=hidden == 0)
    net = student(n_in, hidden, seed=seed)
    H = hessian(net, X, Y)
    g = flatten(net.gradients(X, Y))
    U = random_directions(g.size, n_directions, seed=seed)
    return {"P": g.size,
            "along_gradient": float(g @ H @ g / (g @ g)),
            "random_mean": float(np.einsum("ij,jk,ik->i", U, H, U).mean()),
            "average": float(np.trace(H) / g.size),
            "largest": float(np.linalg.eigvalsh(H)[-1])}


def _line_losses(net, X, Y, d, ts) -> np.ndarray:
    """The loss at theta + t d for every t in ts, net left unchanged. For half_mse (the
    teacher task's loss) all t go through one stacked forward pass (the parameters along the
    line, for every t at once); other losses are evaluated one t at a time."""
    ts = np.asarray(ts, dtype=np.float64)
    if net.loss_name != "half_mse":
        theta = flatten(net.params)
        out = []
        with np.errstate(over="ignore", invalid="ignore"):
            for t in ts:
                _write(net, theta + t * d)
                out.append(net.loss(X, Y))
        _write(net, theta)
        return np.array(out)
    D = unflatten(d, net.params)
    T = ts[:, None, None]  # (T, 1, 1)
    A = X
    with np.errstate(over="ignore", invalid="ignore"):
        for l, name in enumerate(net.activation_names, start=1):
            f = _activations.get(name)
            A = f(np.matmul(net.params[f"W{l}"] + T * D[f"W{l}"], A)
                  + (net.params[f"b{l}"] + T * D[f"b{l}"]))
        R = (A - Y).reshape(len(ts), -1)
        return 0.5 * np.einsum("ij,ij->i", R, R) / X.shape[1]


#: How many evenly spaced lengths refine the best of the coarse grid, between its neighbours:
#: the coarse grid's ratio of 1.33 between lengths would otherwise cost the best decrease
#: about 1-2 % (measured on the bowl), the refined one well under 0.1 %.
REFINE = 17


def line_search(net, X, Y, direction, steps, both_signs=True) -> tuple[float, float, bool]:
    """(decrease, t, at_edge): the best decrease L(theta) - L(theta + t d) of net's loss along
    the unit direction d (`direction` scaled to length 1) over the step lengths +-`steps`
    (or + only), refined between the neighbours of the best one; at_edge says the best coarse
    length was the largest of `steps`, so that a longer step might have gained more.
    Used by chapter "Why gradients"; net is left unchanged."""
    X, Y = net.check_data(X, Y)
    d = np.asarray(direction, dtype=np.float64).ravel()
    norm = np.linalg.norm(d)
    if norm == 0 or not np.isfinite(norm):
        raise ValueError("direction must be a finite, non-zero vector")
    if d.size != net.n_params:
        raise ValueError(f"direction must have P = {net.n_params} entries; got {d.size}")
    d = d / norm
    steps = np.sort(np.asarray(steps, dtype=np.float64))
    base = net.loss(X, Y)
    best = (0.0, 0.0, False)
    for sign in ((1.0, -1.0) if both_signs else (1.0,)):
        coarse = np.concatenate([[0.0], steps])
        losses = _line_losses(net, X, Y, d, sign * coarse)
        losses = np.where(np.isfinite(losses), losses, np.inf)
        k = int(np.argmin(losses))
        if k == 0:
            continue  # no step in this sign lowers the loss
        fine = np.linspace(coarse[k - 1], coarse[min(k + 1, len(coarse) - 1)], REFINE)
        fl = _line_losses(net, X, Y, d, sign * fine)
        fl = np.where(np.isfinite(fl), fl, np.inf)
        j = int(np.argmin(fl))
        if base - fl[j] > best[0]:
            best = (float(base - fl[j]), float(sign * fine[j]), k == len(coarse) - 1)
    return best


#: The step lengths `step_gains` tries by default: 33 from 1e-3 to 30, evenly on a log scale
#: (the best step lies inside this range for almost every direction; see `step_gains`'s "edge").
STEP_LENGTHS = tuple(float(t) for t in np.geomspace(1e-3, 30.0, 33))


def step_gains(n_ins, n_directions=30, hidden=4, m=EXAMPLES, whiten=False, seed=0,
               steps=STEP_LENGTHS) -> dict:
    """How much one step lowers the loss, along a random direction and along the gradient.

    For each n_in: the student of the teacher task at its start; the best decrease
    (`line_search` over step lengths +-`steps`) along each of `n_directions` random
    directions (mean), and along -g (the gradient's direction) over the same positive
    lengths. Returns arrays "P", "random", "gradient" and "ratio" = random / gradient; theory
    says ratio ~ 1/P when the loss curves about equally in every direction. The spread of the
    mean over the random directions comes as "ratio_stderr" (its standard error, divided by
    the gradient's decrease like the ratio), "ratio_lo"/"ratio_hi" (the 10th and 90th
    percentiles of one direction's decrease over the gradient's), "edge" (the fraction of
    random directions whose best step was the longest on the grid), "gradient_edge" (the
    same for -g, 0 or 1) and "n_directions".
    """
    steps = np.asarray(steps, dtype=np.float64)
    if steps.ndim != 1 or steps.size == 0 or (steps <= 0).any():
        raise ValueError("steps must be a non-empty list of positive step lengths")
    rows = {"P": [], "random": [], "gradient": [], "ratio": [], "ratio_stderr": [],
            "ratio_lo": [], "ratio_hi": [], "edge": [], "gradient_edge": []}
    for n_in in n_ins:
        X, Y = teacher_task(n_in=n_in, m=m, hidden=hidden, seed=seed, whiten=whiten)
        net = student(n_in, hidden, seed=seed)
        g = flatten(net.gradients(X, Y))
        along_g, _, g_edge = line_search(net, X, Y, -g, steps, both_signs=False)
        U = random_directions(g.size, n_directions, seed=seed)
        found = [line_search(net, X, Y, u, steps) for u in U]
        each = np.array([f[0] for f in found])
        along_u = each.mean()
        rows["P"].append(net.n_params)
        rows["random"].append(along_u)
        rows["gradient"].append(along_g)
        rows["ratio"].append(along_u / along_g)
        spread = each.std(ddof=1) / np.sqrt(each.size) if each.size > 1 else np.nan
        rows["ratio_stderr"].append(spread / along_g)
        rows["ratio_lo"].append(np.percentile(each, 10) / along_g)
        rows["ratio_hi"].append(np.percentile(each, 90) / along_g)
        rows["edge"].append(np.mean([f[2] for f in found]))
        rows["gradient_edge"].append(float(g_edge))
    out = {k: np.array(v) for k, v in rows.items()}
    out["n_directions"] = int(n_directions)
    return out


def curvature_split(n_in, hidden=HIDDEN, m=EXAMPLES, seed=0, n_directions=200,
                    steps=STEP_LENGTHS) -> dict:
    """What formula (3) of chapter "Why gradients" explains of one random step, and what not.

    At the teacher task's student (its start), with H the measured Hessian: "P",
    "negative_eigenvalues" (how many of H's eigenvalues are below -1e-6 times the largest
    |eigenvalue|), "negative_fraction" (the fraction of random unit u with u'Hu < 0, where
    (3) does not apply: the quadratic model has no lowest point along u), "negative_share"
    (their share of the summed measured best decreases), "overprediction" (over the u with
    u'Hu > 0: the summed (3), (g.u)^2 / (2 u'Hu), over the summed measured decreases) and
    "gradient_prediction" (the same quotient along -g).
    """
    X, Y = teacher_task(n_in=n_in, m=m, hidden=hidden, seed=seed, whiten=hidden == 0)
    net = student(n_in, hidden, seed=seed)
    H = hessian(net, X, Y)
    g = flatten(net.gradients(X, Y))
    eig = np.linalg.eigvalsh(H)
    U = random_directions(g.size, n_directions, seed=seed)
    curv = np.einsum("ij,jk,ik->i", U, H, U)
    measured = np.array([line_search(net, X, Y, u, steps)[0] for u in U])
    predicted = (U @ g) ** 2 / (2 * np.where(curv > 0, curv, np.nan))
    pos = curv > 0
    along_g = line_search(net, X, Y, -g, steps, both_signs=False)[0]
    return {"P": int(g.size),
            "negative_eigenvalues": int((eig < -1e-6 * np.abs(eig).max()).sum()),
            "negative_fraction": float(np.mean(curv < 0)),
            "negative_share": float(measured[~pos].sum() / measured.sum()),
            "overprediction": float(predicted[pos].sum() / measured[pos].sum()),
            "gradient_prediction": float((g @ g) ** 2 / (2 * g @ H @ g) / along_g)}


#: The learning rates `tune_learning_rate` tries: from 0.1 to 2.5, about 1.25 apart.
LEARNING_RATES = (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 1.8, 2.0, 2.5)


def tune_learning_rate(n_ins, lrs=LEARNING_RATES, seeds=(0, 1, 2, 3, 4), hidden=HIDDEN,
                       m=EXAMPLES, whiten=False, fraction=FRACTION, max_steps=300) -> dict:
    """Gradient descent's learning rate, tuned for the races of chapter "Why gradients".

    For each rate in `lrs`: gradient descent alone from each seed's student, at each n_in, to
    `fraction` of the starting loss. Returns "lrs", "median" (lrs x n_ins: the median
    gradient evaluations over the seeds, inf where most did not arrive in max_steps),
    "reached" (per rate, how many of the races arrived) and "best": among the rates with
    which every race arrived, the one with the smallest product of the medians over n_ins.
    """
    lrs = [check_positive(lr, "lrs[i]") for lr in lrs]
    if not lrs or not len(n_ins):
        raise ValueError("lrs and n_ins must each list at least one value")
    median = np.zeros((len(lrs), len(n_ins)))
    reached = np.zeros(len(lrs), dtype=int)
    tasks = {(n_in, s): teacher_task(n_in=n_in, m=m, hidden=hidden, seed=s, whiten=whiten)
             for n_in in n_ins for s in seeds}
    for i, lr in enumerate(lrs):
        for j, n_in in enumerate(n_ins):
            counts = []
            for s in seeds:
                X, Y = tasks[n_in, s]
                net = student(n_in, hidden, seed=s)
                r = gradient_descent(net, X, Y, fraction * net.loss(X, Y), lr=lr,
                                     max_steps=max_steps)
                counts.append(r.evals if r.reached else np.inf)
                reached[i] += r.reached
            median[i, j] = np.median(counts)
    every = reached == len(n_ins) * len(seeds)
    if not every.any():
        raise ValueError("no learning rate in lrs reached the target in every race")
    score = np.where(every, np.log(median).sum(axis=1), np.inf)
    return {"lrs": np.array(lrs), "median": median, "reached": reached,
            "best": float(lrs[int(np.argmin(score))])}


def _check_net(net):
    if not isinstance(net, Network):
        raise TypeError(f"net must be a backprop_lib.Network; got {describe(net)}")


__all__ = [
    "Race",
    "SearchResult",
    "best_decrease",
    "cosine_study",
    "curvature_split",
    "fit_slope",
    "flatten",
    "gradient_cost",
    "gradient_descent",
    "line_search",
    "pass_multiplications",
    "race",
    "random_directions",
    "random_search",
    "scaling_study",
    "squared_cosines",
    "step_gains",
    "student",
    "teacher_task",
    "tune_learning_rate",
    "unflatten",
]
