"""The experiments of chapter "Dead neurons and slow convergence" (figures/dead_neurons.py
only draws them; exercises/dead_neurons.py only checks).

- Dead units: a [2, 32, 32, 32, 1] rectifier network on two moons, mini-batch SGD
  (`dead_run`, `rectifier_net`), repeated over seeds (`dead_over_seeds`, `seed_summary`)
  and with the remedies side by side (`remedy_run`: ReLU, leaky ReLU, ELU, batch
  normalization before ReLU).
- What momentum and Adam do to a unit that has just died (`coast`): the unit's gradient is
  exactly zero, but the optimizer's state still moves its weights for a while.
- The XOR plateau (`plateau_run`) and the experiments that name its cause
  (`plateau_variants`, `gradient_scaling`, `unit_cosines`): weight scale, not symmetry.

Every function is deterministic for its arguments; the expensive ones are cached.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._checks import check_choice, check_int, check_positive
from .batchnorm import BatchNormNetwork, unchanged_statistics
from .data import two_moons, xor
from .network import Network
from .optimizers import SGD, Adam, Momentum
from .run_cache import memo
from .search import flatten
from .train import train

DEAD_EPOCHS = 25  # the units that die, die early: 40 epochs gave the same fractions within
#                   a unit or two, at 1.6 times the cost of every frame of the figure
BATCH = 20
WIDTH, HIDDEN = 32, 3
SEEDS = tuple(range(10))  # dead-unit claims: ten seeds (network and batch order)
PLATEAU_EPOCHS = 400
PLATEAU_SEEDS = tuple(range(5))
THRESHOLD = 0.1  # the loss a run must reach to count as having left the plateau
SCALE_UP = 100  # the small initialization's directions at 100 x 0.01 = 1: a useful scale
REMEDIES = ("relu", "leaky_relu", "elu", "elu_lecun", "relu_bn")
BETA = 0.9  # momentum's beta (PyTorch's usual choice), and Adam's beta1
BETA2 = 0.999  # Adam's beta2 (the library's and PyTorch's default)
DEAD_BIAS = -100.0  # the bias that kills coast's unit: Z < 0 on every example
IDENTICAL_LR, IDENTICAL_EPOCHS = 1.0, 3000  # the identical-units control at a stable rate:
#   at lr 3 an effectively one-unit network oscillates with period 2 in some seeds
SADDLE_RADII = (0.3, 0.1, 0.03, 0.01)
XOR_LAYERS = (2, 4, 1)  # the plateau experiments' sigmoid network
SMALL_SCALE = 0.01  # the "small" initialization's weight standard deviation
OSCILLATION = 1e-2  # a run whose loss spans more than this over its last 10 epochs oscillates
COAST_LR = {"sgd": 0.1, "momentum": 0.1, "adam": 0.01}
LIVE_STEPS, DEAD_STEPS = 20, 60


@functools.lru_cache(maxsize=1)
def moons():
    """The chapter's data for dead units: 200 points of two moons (seed 0)."""
    return two_moons(m=200, noise=0.1, seed=0)


def rectifier_net(activation="relu", init="he", scale=1.0, bias=0.0, width=WIDTH,
                  hidden=HIDDEN, seed=0, batchnorm=False):
    """[2, width x hidden, 1]: `activation` in the hidden layers, identity output, half
    squared error; every hidden bias (beta, with batchnorm) set to `bias` after construction."""
    cls = BatchNormNetwork if batchnorm else Network
    net = cls([2] + [width] * hidden + [1], [activation] * hidden + ["identity"],
              loss="half_mse", init=init, init_scale=scale, seed=seed)
    for l in range(1, net.L):
        net.params[f"beta{l}" if batchnorm else f"b{l}"][...] = bias
    return net


def below_zero_mask(net, X) -> np.ndarray:
    """One boolean per hidden unit, layer 1's units first: True where Z <= 0 on every example
    of X (dead for ReLU, only inactive for leaky ReLU and ELU, whose slope there is not 0).
    With batch normalization Z is the normalized value the ReLU sees."""
    with unchanged_statistics(net):
        net.forward(X)
    return np.concatenate([np.all(net.cache["Z"][l] <= 0, axis=1) for l in range(1, net.L)])


def below_zero_fraction(net, X) -> float:
    """The fraction of all hidden units (any activation) with Z <= 0 on every example of X
    (the mean of below_zero_mask)."""
    return float(np.mean(below_zero_mask(net, X)))


def no_gradient_fraction(net, X, Y) -> float:
    """The fraction of hidden units whose incoming weights get exactly zero gradient on (X, Y)
    (diagnostics.frozen_unit_fraction for any activation)."""
    with unchanged_statistics(net):
        grads = net.gradients(X, Y)
    masks = []
    for l in range(1, net.L):
        mask = np.all(grads[f"dW{l}"] == 0, axis=1)
        for key in (f"db{l}", f"dgamma{l}", f"dbeta{l}"):
            if key in grads:
                mask &= grads[key][:, 0] == 0
        masks.append(mask)
    return float(np.mean(np.concatenate(masks)))


# --------------------------------------------------------------------------- dead units


@dataclass
class DeadResult:
    dead: np.ndarray  # inactive fraction: at initialization, then after each epoch
    frozen: np.ndarray  # no-gradient fraction: at initialization and after training
    loss: np.ndarray  # per epoch: the mean of its mini-batch losses, each before its step
    diverged: bool
    stopped_epoch: int | None
    activation: str
    full_loss: float = np.nan  # the loss of the final network on all of the data (NaN if diverged)
    masks: np.ndarray | None = None  # below_zero_mask at initialization, then after each epoch


def dead_run(lr=0.1, bias=0.0, init="he", scale=1.0, activation="relu",
             epochs=DEAD_EPOCHS, seed=0, batchnorm=False, width=WIDTH):
    """(Cached: the same run, asked for by position or by name, with or without its defaults,
    is computed once.) Train on two moons, measuring the fraction of hidden units <= 0 on every
    example at initialization and after each epoch (and which units: `masks`), and the
    fraction with no gradient at all at initialization and at the end (unless training
    diverged). `seed` sets both the initial weights and the batch order; `width` is the
    number of units of each hidden layer."""
    return _dead_run(float(lr), float(bias), init, float(scale), activation, int(epochs), int(seed),
                     bool(batchnorm), int(width))


@memo(maxsize=1024)
def _dead_run(lr, bias, init, scale, activation, epochs, seed, batchnorm, width):
    X, Y = moons()
    net = rectifier_net(activation, init, scale, bias, width=width, seed=seed,
                        batchnorm=batchnorm)
    masks = [below_zero_mask(net, X)]
    frozen = [no_gradient_fraction(net, X, Y)]

    def measure(epoch, net, history):
        masks.append(below_zero_mask(net, X))

    h = train(net, X, Y, SGD(lr), epochs=epochs, batch_size=BATCH, seed=seed,
              on_divergence="ignore", callback=measure)
    full = np.nan
    if not h.diverged:
        frozen.append(no_gradient_fraction(net, X, Y))
        with unchanged_statistics(net):
            full = float(net.loss(X, Y))
    masks = np.array(masks)
    return DeadResult(masks.mean(axis=1), np.array(frozen), h.loss, h.diverged,
                      h.stopped_epoch, activation + (" + batch norm" if batchnorm else ""),
                      full, masks)


def dead_over_seeds(lrs, biases, activation="relu", seeds=SEEDS) -> np.ndarray:
    """Dead fraction after DEAD_EPOCHS, shape (len(seeds), len(biases), len(lrs)); NaN where
    training diverged."""
    out = np.full((len(seeds), len(biases), len(lrs)), np.nan)
    for s, seed in enumerate(seeds):
        for i, b in enumerate(biases):
            for j, lr in enumerate(lrs):
                r = dead_run(lr=lr, bias=b, activation=activation, seed=seed)
                if not r.diverged:
                    out[s, i, j] = r.dead[-1]
    return out


@dataclass
class Spread:
    mean: float  # over the runs that did not diverge (NaN if all diverged)
    low: float
    high: float
    diverged: int
    runs: int

    def text(self, fmt="{:.2f}") -> str:
        """'0.12 (0.06 to 0.20)', or '0.30 (0.06 to 0.49; 2 of 10 diverged)' when some did."""
        if self.diverged == self.runs:
            return f"all {self.runs} diverged"
        out = f"{fmt.format(self.mean)} ({fmt.format(self.low)} to {fmt.format(self.high)}"
        return out + (f"; {self.diverged} of {self.runs} diverged)" if self.diverged else ")")


def spread(values) -> Spread:
    """Mean, min and max of the finite values; NaN counts as a diverged run."""
    v = np.asarray(values, dtype=float).ravel()
    ok = v[np.isfinite(v)]
    if not ok.size:
        return Spread(np.nan, np.nan, np.nan, v.size, v.size)
    return Spread(float(ok.mean()), float(ok.min()), float(ok.max()), int(v.size - ok.size),
                  int(v.size))


def seed_summary(grid) -> list:
    """dead_over_seeds output -> [[Spread per lr] per bias]."""
    return [[spread(grid[:, i, j]) for j in range(grid.shape[2])] for i in range(grid.shape[1])]


def remedy_run(remedy, lr, seed):
    """One run of a remedy: 'relu', 'leaky_relu', 'elu' (all with He weights), 'elu_lecun'
    (ELU with LeCun weights, gain 1: He's factor 2 makes up for ReLU zeroing half its
    inputs, which ELU does not) or 'relu_bn' (batch normalization before every hidden ReLU,
    chapter "Practical tips")."""
    check_choice(remedy, "remedy", REMEDIES)
    if remedy == "elu_lecun":
        return dead_run(lr=lr, activation="elu", init="lecun", seed=seed)
    if remedy == "relu_bn":
        return dead_run(lr=lr, activation="relu", seed=seed, batchnorm=True)
    return dead_run(lr=lr, activation=remedy, seed=seed)


#: The learning rates of the remedies table: ELU at He's scale diverges in most runs at 0.3
#: (all ten seeds) and in some at 0.1, so it is shown at 0.03 and 0.1; at its own (LeCun)
#: scale it is shown at the rates of the others.
REMEDY_LRS = {"relu": (0.1, 0.3), "leaky_relu": (0.1, 0.3), "elu": (0.03, 0.1),
              "elu_lecun": (0.1, 0.3), "relu_bn": (0.1, 0.3)}


def remedy_table(lrs=None, seeds=SEEDS) -> dict:
    """{(remedy, lr): dict(dead=Spread, frozen=Spread, live=Spread, loss=Spread)}: frozen and
    loss are NaN (counted as diverged) for a diverged run; live is the number of hidden units
    out of WIDTH x HIDDEN that get a gradient at the end. lrs: {remedy: learning rates}
    (REMEDY_LRS by default)."""
    out = {}
    n = WIDTH * HIDDEN
    for remedy, rates in (lrs or REMEDY_LRS).items():
        for lr in rates:
            runs = [remedy_run(remedy, lr, s) for s in seeds]
            dead = [np.nan if r.diverged else r.dead[-1] for r in runs]
            frozen = [np.nan if r.diverged else r.frozen[-1] for r in runs]
            out[remedy, lr] = dict(
                dead=spread(dead), frozen=spread(frozen),
                live=spread([n * (1 - f) for f in frozen]),
                loss=spread([r.full_loss for r in runs]))
    return out


def remedy_over_seeds(remedy, lr, seeds) -> tuple:
    """Chapter "Dead neurons": (runs that diverged, mean final full-data loss of the others)
    for remedy_run(remedy, lr, seed) over `seeds` (the 40 seeds of the layer table)."""
    runs = [remedy_run(remedy, lr, s) for s in seeds]
    return sum(r.diverged for r in runs), float(np.mean([r.full_loss for r in runs
                                                         if not r.diverged]))


BOOTSTRAP_LEVEL = 0.95  # dead_loss_correlation's interval


def dead_loss_correlation(lr, seeds=SEEDS, n_boot=2000, level=BOOTSTRAP_LEVEL) -> tuple:
    """Chapter "Dead neurons": at rate `lr`, does a run with more dead units end with a higher
    loss? (r, low, high, runs): the correlation over seeds (the runs that did not diverge)
    between the ReLU network's dead fraction and its final full-data loss, and a 95%
    bootstrap interval at `level` for it (percentiles of `n_boot` resamples of the runs,
    seeded)."""
    runs = [dead_run(lr=lr, seed=s) for s in seeds]
    ok = [r for r in runs if not r.diverged]
    dead = np.array([r.dead[-1] for r in ok])
    loss = np.array([r.full_loss for r in ok])
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(ok), size=(n_boot, len(ok)))
    with np.errstate(invalid="ignore", divide="ignore"):  # a resample of one repeated run
        boot = [np.corrcoef(dead[i], loss[i])[0, 1] for i in draws]
    low, high = np.nanpercentile(boot, [50 * (1 - level), 50 * (1 + level)])
    return float(np.corrcoef(dead, loss)[0, 1]), float(low), float(high), len(ok)


def paired_bias_counts(grid, biases, lrs, low=0.0, high=0.1) -> dict:
    """Chapter "Dead neurons": per learning rate, seed by seed (seeds where both runs trained),
    how many seeds leave fewer and how many more dead units with bias `high` than with `low`,
    out of how many: {lr: (fewer, more, pairs)}. grid: dead_over_seeds output."""
    i, k = list(biases).index(low), list(biases).index(high)
    out = {}
    for j, lr in enumerate(lrs):
        a, b = grid[:, i, j], grid[:, k, j]
        ok = np.isfinite(a) & np.isfinite(b)
        out[lr] = (int(np.sum(b[ok] < a[ok])), int(np.sum(b[ok] > a[ok])), int(ok.sum()))
    return out


# --------------------------------------------------------------------------- sharpness


def largest_curvature(net, X, Y, iterations=30, seed=0, hvp=None) -> float:
    """Chapter "Dead neurons": the largest eigenvalue of the Hessian of net's loss at its
    parameters, by `iterations` steps of the Lanczos method on exact Hessian-vector products
    (hvp.hessian_vector_product: forward-over-reverse on the network's own backward pass,
    with f'' = 0 for ReLU away from its kink; no P x P matrix is built). Unlike power
    iteration, which finds the eigenvalue largest in size and stalls between +lambda and
    -lambda, Lanczos gives the top of the spectrum whatever its negative end. net is left
    unchanged.

    Why exact: a ReLU network's gradient jumps where a pre-activation crosses 0, so central
    differences of the gradient, (g(theta + h v) - g(theta - h v)) / 2h, report a curvature
    of order jump / h whenever a perturbation of size h crosses a kink (seen: 260 for a
    Hessian whose top eigenvalue is 54). hvp: a function v -> H v on the flat parameter
    vector, to use instead (for tests)."""
    theta = flatten(net.params)
    if hvp is None:
        from .hvp import hessian_vector_product

        shapes = [(k, net.params[k].shape) for k in net.params]

        def hvp(v):
            tangent, i = {}, 0
            for k, shape in shapes:
                n = int(np.prod(shape))
                tangent[k] = v[i:i + n].reshape(shape)
                i += n
            Hv = hessian_vector_product(net, X, Y, tangent)
            return np.concatenate([Hv["d" + k].ravel() for k, _ in shapes])

    n = min(int(iterations), theta.size)
    Q = np.zeros((n, theta.size))
    alpha, beta = [], []
    q = np.random.default_rng(seed).standard_normal(theta.size)
    q /= np.linalg.norm(q)
    for k in range(n):
        Q[k] = q
        w = hvp(q)
        alpha.append(float(q @ w))
        w -= Q[:k + 1].T @ (Q[:k + 1] @ w)  # full reorthogonalization: no ghost copies
        b = float(np.linalg.norm(w))
        if k == n - 1 or b <= 1e-12 * max(1.0, abs(alpha[-1])):
            break  # the Krylov space is exhausted: T's eigenvalues are H's
        beta.append(b)
        q = w / b
    off = beta[:len(alpha) - 1]
    T = np.diag(alpha) + np.diag(off, 1) + np.diag(off, -1)
    return float(np.linalg.eigvalsh(T)[-1])


@memo(maxsize=64)
def sharpness(activation="relu", init="he", bias=0.0, seed=0, iterations=30):
    """(Cached.) Chapter "Dead neurons": (largest_curvature, mean |output|) of the full-batch
    loss on two moons at the start of rectifier_net(activation, init, bias, seed). Plain
    gradient descent on a quadratic this curved overshoots above a learning rate of
    2 / lambda_max (chapter 4)."""
    X, Y = moons()
    net = rectifier_net(activation, init, 1.0, bias, seed=seed)
    out = float(np.mean(np.abs(net.forward(X))))
    return largest_curvature(net, X, Y, iterations, seed), out


# --------------------------------------------------------------------------- coasting


@dataclass
class Coast:
    name: str
    lr: float
    grads: np.ndarray  # the unit's incoming-weight gradients, one row per step (0 once dead)
    step_sizes: np.ndarray  # ||change of the unit's incoming weights|| per step
    live_steps: int

    @property
    def after_death(self) -> np.ndarray:
        return self.step_sizes[self.live_steps:]

    def steps_until(self, fraction=0.01) -> int:
        """Steps after death until a step is below `fraction` of the last live step."""
        last = self.step_sizes[self.live_steps - 1]
        small = np.nonzero(self.after_death < fraction * last)[0]
        return int(small[0]) if small.size else len(self.after_death)

    @property
    def drift(self) -> float:
        """How far the dead unit's weights moved after it died (sum of step lengths)."""
        return float(np.sum(self.after_death))


@memo(maxsize=8)
def coast(name="momentum", unit=0, live_steps=LIVE_STEPS, dead_steps=DEAD_STEPS, seed=0):
    """A first-layer unit of the chapter's ReLU network dies after `live_steps` full-batch
    steps (we set its bias to -100: Z < 0 on every example, so its gradient is exactly 0
    from then on) and the optimizer `name` ('sgd', 'momentum' with beta BETA, 'adam')
    keeps stepping for `dead_steps` more. Records the unit's gradients and its weights'
    step lengths."""
    check_choice(name, "name", tuple(COAST_LR))
    check_int(live_steps, "live_steps", low=1)
    check_int(dead_steps, "dead_steps", low=1)
    lr = COAST_LR[name]
    o = {"sgd": lambda: SGD(lr), "momentum": lambda: Momentum(lr, beta=BETA),
         "adam": lambda: Adam(lr, beta1=BETA, beta2=BETA2)}[name]()
    X, Y = moons()
    net = rectifier_net(seed=seed)
    grads, steps = [], []
    for t in range(live_steps + dead_steps):
        if t == live_steps:
            net.params["b1"][unit] = DEAD_BIAS
        g = net.gradients(X, Y)
        before = net.params["W1"][unit].copy()
        o.step(net.params, g)
        grads.append(g["dW1"][unit].copy())
        steps.append(float(np.linalg.norm(net.params["W1"][unit] - before)))
    return Coast(name, lr, np.array(grads), np.array(steps), live_steps)


def adam_dead_ratio(t, beta1=BETA, beta2=BETA2) -> float:
    """Chapter "Dead neurons": the exact ratio of Adam's step t + 1 to step t (counted from 1)
    once the gradient is 0 and epsilon is negligible: m-hat shrinks by
    beta1 (1 - beta1^t) / (1 - beta1^(t+1)) and v-hat by beta2 (1 - beta2^t) / (1 - beta2^(t+1)),
    so the step by the first over the square root of the second. For large t:
    beta1 / sqrt(beta2)."""
    m = beta1 * (1 - beta1**t) / (1 - beta1 ** (t + 1))
    v = beta2 * (1 - beta2**t) / (1 - beta2 ** (t + 1))
    return float(m / np.sqrt(v))


# --------------------------------------------------------------------------- plateau


@dataclass
class PlateauResult:
    loss: np.ndarray
    grad_norm: np.ndarray  # sqrt(sum over layers of ||dW{l}||^2), per epoch
    reached: int | None  # first epoch with loss < THRESHOLD, or None
    diverged: bool
    stopped_epoch: int | None


def xor_net(init="xavier", scale=1.0, seed=0, variant="plain"):
    """A 2-4-1 sigmoid network for XOR (binary cross-entropy), zero biases. variant:
    'plain'; 'scaled_up' (the weights times SCALE_UP: same directions, larger scale);
    'identical' (every hidden unit a copy of the first: same incoming and outgoing weights)."""
    check_choice(variant, "variant", ("plain", "scaled_up", "identical"))
    net = Network(list(XOR_LAYERS), "sigmoid", loss="bce", init=init, init_scale=scale, seed=seed)
    if variant == "scaled_up":
        for k in ("W1", "W2"):
            net.params[k] *= SCALE_UP
    elif variant == "identical":
        net.params["W1"][...] = net.params["W1"][0]
        net.params["W2"][...] = net.params["W2"][0, 0]
    return net


def _run_xor(net, lr, epochs):
    X, Y = xor()
    h = train(net, X, Y, SGD(lr), epochs=epochs, on_divergence="ignore")
    below = np.nonzero(h.loss < THRESHOLD)[0]
    reached = int(below[0]) if below.size else None
    gnorm = np.sqrt(np.sum(h.grad_norms ** 2, axis=1))
    return PlateauResult(h.loss, gnorm, reached, h.diverged, h.stopped_epoch)


@memo(maxsize=256)
def plateau_run(lr=3.0, init="xavier", scale=1.0, epochs=PLATEAU_EPOCHS, seed=0,
                variant="plain"):
    """(Cached.) The 2-4-1 sigmoid network of xor_net on XOR, full-batch SGD."""
    check_positive(lr, "lr")
    return _run_xor(xor_net(init, scale, seed, variant), lr, epochs)


@memo(maxsize=32)
def identical_spread(lr=3.0, epochs=PLATEAU_EPOCHS, seed=0) -> float:
    """Largest difference between two hidden units' incoming weights after training the
    'identical' variant: 0.0 means the units are still exact copies."""
    net = xor_net("xavier", 1.0, seed, "identical")
    _run_xor(net, lr, epochs)
    W1 = net.params["W1"]
    return float(np.max(np.abs(W1 - W1[0])))


def unit_cosines(init="small", seed=0) -> np.ndarray:
    """Cosine similarities between the hidden units' incoming weight vectors (all pairs) of
    the 2-4-1 XOR network at initialization: near +1 everywhere would mean near-identical
    units."""
    W = xor_net(init, 1.0, seed).params["W1"]
    U = W / np.linalg.norm(W, axis=1, keepdims=True)
    C = U @ U.T
    return C[np.triu_indices(len(W), 1)]


def fit_output_bias(net, X, Y, steps=50):
    """Chapter "Dead neurons": Newton's method on the output bias b2 alone until the mean
    output error is 0, what the first epochs of training do on the plateau."""
    for _ in range(steps):
        a = net.forward(X)
        net.params["b2"][...] -= np.mean(a - Y) / np.mean(a * (1 - a))
    return net


def gradient_scaling(scales=(0.001, 0.003, 0.01, 0.03), seeds=PLATEAU_SEEDS,
                     fitted=False, hidden_bias=0.0) -> dict:
    """||dW1|| of the XOR network at initialization (zero biases, the small scheme times
    scale / 0.01, so that scale is the weights' standard deviation), per scale and seed,
    and the fitted exponent p of ||dW1|| ~ scale^p per seed. p = 2: the first-layer
    gradient is of second order in the weight scale (see the chapter's derivation).
    fitted=True: first fit the output bias (fit_output_bias), where the network sits on
    the plateau; there p = 3. hidden_bias: every hidden bias b1 set to it (the ablation of
    sigma''(0) = 0: at b1 = 1, sigma''(1) != 0 and the fitted p is 2)."""
    X, Y = xor()
    norms = np.zeros((len(seeds), len(scales)))
    for s, seed in enumerate(seeds):
        for j, sc in enumerate(scales):
            net = xor_net("small", sc / SMALL_SCALE, seed)
            net.params["b1"][...] = hidden_bias
            if fitted:
                fit_output_bias(net, X, Y)
            norms[s, j] = np.linalg.norm(net.gradients(X, Y)["dW1"])
    slopes = np.array([np.polyfit(np.log(scales), np.log(n), 1)[0] for n in norms])
    return dict(scales=np.array(scales), norms=norms, slopes=slopes)


def oscillates(result, last=10) -> bool:
    """Chapter "Dead neurons": True when a PlateauResult's loss spans more than OSCILLATION
    over its last `last` epochs: its final loss is the phase of a bounce, not a level."""
    return bool(np.ptp(result.loss[-last:]) > OSCILLATION)


def plateau_variants(seeds=PLATEAU_SEEDS, lr=3.0, epochs=PLATEAU_EPOCHS) -> dict:
    """The experiment that separates scale from symmetry, per seed: {variant: [PlateauResult]}
    for 'small' (0.01 weights), 'small x 100' (the same directions at a useful scale),
    'identical' (Xavier scale, every unit a copy) and 'xavier'."""
    cases = {"small": ("small", "plain"), f"small x {SCALE_UP}": ("small", "scaled_up"),
             "identical": ("xavier", "identical"), "xavier": ("xavier", "plain")}
    return {name: [plateau_run(lr, init, 1.0, epochs, s, variant) for s in seeds]
            for name, (init, variant) in cases.items()}


@memo(maxsize=4)
def saddle_check(radii=SADDLE_RADII, directions=1000, seed=0) -> dict:
    """Chapter "Dead neurons": is the plateau point (all weights 0, b2 fitted, loss ln 2, zero
    gradient) a minimum? For random points at scale r (W1 and W2 entries standard normal
    times r, so about sqrt(12) r = 3.5 r from the point; hidden biases 0, b2 fitted) the loss
    minus ln 2: {r: (lowest, fraction below
    0)}. Points below ln 2 arbitrarily close by mean a saddle, not a minimum. The same
    `directions` random directions are used at every radius, so that the lowest dip follows
    one law in r (it is r^4: a degenerate saddle) instead of the luck of a fresh sample."""
    X, Y = xor()
    rng = np.random.default_rng(seed)
    D1 = rng.standard_normal((directions, 4, 2))
    D2 = rng.standard_normal((directions, 1, 4))
    out = {}
    for r in radii:
        W1, W2 = r * D1, r * D2
        A1 = 1 / (1 + np.exp(-(W1 @ X)))  # (directions, 4, examples)
        z = (W2 @ A1)[:, 0, :]
        b = np.zeros((directions, 1))
        for _ in range(50):  # Newton on b2, every direction at once
            a = 1 / (1 + np.exp(-(z + b)))
            b -= np.mean(a - Y, axis=1, keepdims=True) / np.mean(a * (1 - a), axis=1,
                                                                 keepdims=True)
        zb = z + b
        loss = np.mean(np.logaddexp(0, zb) - Y * zb, axis=1)  # binary cross-entropy
        d = loss - np.log(2)
        out[r] = (float(d.min()), float(np.mean(d < 0)))
    return out


@memo(maxsize=8)
def identical_control(seeds=PLATEAU_SEEDS, lr=IDENTICAL_LR, epochs=IDENTICAL_EPOCHS) -> list:
    """(Cached.) Chapter "Dead neurons": the identical-units network (Xavier scale, every
    hidden unit a copy) at a stable rate, per seed: dict(loss, grad, stalled, swing, reached,
    out_spread, w_in, w_out) at the end, stalled meaning the loss is within 1e-3 of ln 2,
    swing the loss's range over the last 10 epochs (small: it has settled, not oscillating),
    out_spread the largest |output - 1/2| over the four inputs, w_in the norm of the (one)
    unit's incoming weights and w_out the units' summed outgoing weight, 4 W2_j: the one
    unit's output weight. A one-unit network whose output is 1/2 on every input (w_in or
    w_out near 0) sits, like the small start, where XOR's missing linear signal leaves it a
    tiny gradient."""
    X, Y = xor()
    out = []
    for s in seeds:
        net = xor_net("xavier", 1.0, s, "identical")
        r = _run_xor(net, lr, epochs)
        A2 = net.forward(X)
        out.append(dict(loss=float(r.loss[-1]), grad=float(r.grad_norm[-1]),
                        stalled=bool(abs(r.loss[-1] - np.log(2)) < 1e-3),
                        swing=float(np.ptp(r.loss[-10:])), reached=r.reached,
                        out_spread=float(np.max(np.abs(A2 - 0.5))),
                        w_in=float(np.linalg.norm(net.params["W1"][0])),
                        w_out=float(net.params["W2"].sum())))
    return out


def loss_cycle(loss, longest=10, tol=1e-3) -> tuple:
    """The losses of the shortest cycle (period 1 to `longest`) that the end of a loss curve
    repeats to within tol, sorted: (0.868, 1.716, 2.72) for a run bouncing through three
    values; () if it repeats none."""
    loss = np.asarray(loss, dtype=float)
    for p in range(1, longest + 1):
        if len(loss) >= 3 * p and np.all(np.abs(loss[-2 * p:] - loss[-3 * p:-p]) < tol):
            return tuple(sorted(float(v) for v in loss[-p:]))
    return ()


SATURATED = 1e-2  # hidden outputs within this of 0 or 1, outputs within this of each other


@memo(maxsize=8)
def large_rate_ends(lr=30.0, init="xavier", seeds=PLATEAU_SEEDS,
                    epochs=PLATEAU_EPOCHS) -> tuple:
    """(Cached.) How the table's XOR runs end at a large rate, per seed (the run of
    plateau_run): dict(loss, outputs, hidden_margin, grad, swing, cycle, saturated).
    hidden_margin: the largest distance of a hidden output from 0 or 1 (small: every hidden
    sigmoid saturated); saturated: hidden_margin and the spread of the four outputs both
    below SATURATED (the network says the same thing on every input); grad: the gradient
    norm at the final weights, sqrt(||dW1||^2 + ||dW2||^2); swing: the loss's range over the
    last 10 epochs; cycle: loss_cycle."""
    X, Y = xor()
    out = []
    for s in seeds:
        net = xor_net(init, 1.0, s)
        r = _run_xor(net, lr, epochs)
        A2 = net.forward(X).ravel()
        A1 = net.cache["A"][1]
        margin = float(np.max(np.minimum(A1, 1 - A1)))
        g = net.gradients(X, Y)
        out.append(dict(loss=float(r.loss[-1]), outputs=tuple(float(a) for a in A2),
                        hidden_margin=margin,
                        grad=float(np.hypot(np.linalg.norm(g["dW1"]), np.linalg.norm(g["dW2"]))),
                        swing=float(np.ptp(r.loss[-10:])), cycle=loss_cycle(r.loss),
                        saturated=bool(margin < SATURATED and np.ptp(A2) < SATURATED)))
    return tuple(out)


def first_order_check(scale=1e-3, seed=0) -> dict:
    """The derivation's steps at a tiny weight scale, numerically: at zero biases the
    output's error e = a2 - y sums to ~0 over XOR's four examples, and so does e times each
    input (no linear signal), so dW2 and dW1 start at high order in the scale."""
    X, Y = xor()
    net = xor_net("small", scale / 0.01, seed)
    A2 = net.forward(X)
    e = A2 - Y
    g = net.gradients(X, Y)
    return dict(sum_e=float(np.sum(e)), sum_ex=(e @ X.T).ravel(),
                dW2=float(np.linalg.norm(g["dW2"])), dW1=float(np.linalg.norm(g["dW1"])),
                db2=float(abs(g["db2"][0, 0])), linear_signal=((Y - Y.mean()) @ X.T).ravel())



def reach_text(reached) -> str:
    """Epochs to leave the plateau over seeds: '159 (88 to 244)', 'never' when no seed got
    below THRESHOLD, '120 (90 to 150); 2 of 5 never' when some did not."""
    got = [r for r in reached if r is not None]
    if not got:
        return "never"
    text = f"{np.mean(got):.0f} ({min(got)} to {max(got)})"
    missed = len(reached) - len(got)
    return text + (f"; {missed} of {len(reached)} never" if missed else "")


def plateau_table(lrs, inits=("small", "xavier", "he"), seeds=PLATEAU_SEEDS) -> dict:
    """{(init, lr): [reached epoch or None per seed]} for the 2-4-1 XOR network."""
    return {(init, lr): [plateau_run(lr, init, 1.0, PLATEAU_EPOCHS, s).reached for s in seeds]
            for init in inits for lr in lrs}
