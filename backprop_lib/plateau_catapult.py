"""Chapter "Dead neurons and slow convergence": the learning rates that end the XOR plateau fast.

From the chapter's tiny start (weights of standard deviation c, all biases 0) full-batch
gradient descent at a rate alpha below the output layer's stability limit 2 / lambda_out
(lambda_out the largest curvature of the loss in the output layer's weights and bias,
plateau_escape.output_curvature: 0.5 here, so the limit is 4) stays on the ln 2 plateau for
of order 1 / (alpha c^2) epochs (plateau_escape). Just above that limit the output layer
cannot settle: its mean output bounces around 1/2 with a growing amplitude, the loss rises
above ln 2, and the bounce drags every hidden bias down together until the hidden outputs are
small enough for lambda_out to fall below 2 / alpha; then the bounce dies. That is the
catapult of Lewkowycz et al. (2020). It leaves the network off the flat saddle, its hidden
units at a z where sigma'' is not 0 and its first-layer weights several times larger, and
from there it learns XOR in a few hundred epochs, from c = 0.01 and from c = 0.001 alike.
Further above the limit the bounce is violent and the units end acting as one unit (the loss
0.477 of plateau_escape.one_unit_infimum).

`scan` runs many independent 2-4-1 networks ("lanes": seed, scale, the hidden layer's rate,
the output layer's rate) at once, with full-batch gradient descent, momentum (v = beta v + g,
as backprop_lib.optimizers.Momentum) or Adam (bias-corrected, eps outside the root, as
backprop_lib.optimizers.Adam), in the arithmetic of
plateau_escape.escape_epochs (sigmoid layers, binary cross-entropy from the logits). Giving
the two layers their own rates is the ablation that tells which layer's instability matters.
`trace` follows a few lanes epoch by epoch (loss, lambda_out, the hidden biases, the weights'
size). `best_rate` picks an optimizer's tuned rate on a grid: every seed learns XOR and the
slowest seed is fastest. Momentum has a limit of its own, 2 (1 + beta) / lambda_out
(`stability_limit`), and past it the same sliver of fast escapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_choice, check_positive
from .data import xor
from .dead_units import BETA, SMALL_SCALE, THRESHOLD, reach_text, spread
from .plateau_escape import LEAVE, ONE_UNIT, _start, one_unit_infimum
from .run_cache import memo

OPTIMIZERS = ("gd", "momentum", "adam")
TITLES = {"gd": "gradient descent", "momentum": "momentum", "adam": "Adam"}
SCAN_SEEDS = tuple(range(10))  # every seed-dependent number of the scans: ten seeds
SCAN_SCALES = (SMALL_SCALE, SMALL_SCALE / 10)  # the chapter's 0.01 start and ten times smaller
RATES = {  # the scans' grids
    "gd": tuple(float(r) for r in np.arange(3.5, 7.2501, 0.125)),  # 3.5 to 7.25 in steps of 1/8
    # beta BETA: 4 to 10 in steps of 1/2, and in steps of 0.01 from just below its limit
    # 2 (1 + beta) / lambda_out = 7.6 to where every seed fails (its window is about 0.1 wide)
    "momentum": tuple(sorted({float(r) for r in np.arange(4.0, 10.0001, 0.5)}
                             | {round(float(r), 2) for r in np.arange(7.55, 7.8601, 0.01)})),
    "adam": tuple(float(f"{10 ** k:.4g}") for k in np.arange(-2.75, -0.999, 1 / 32)),  # 7% apart
}
GD_RATES, MOMENTUM_RATES, ADAM_RATES = RATES["gd"], RATES["momentum"], RATES["adam"]
GD_EPOCHS = 5000  # the 1/(alpha c^2) law gives 4 x 10^4 or more at alpha <= 4
ADAM_EPOCHS = 3000  # every seed that learns at Adam's smallest scanned rate does by 2400
EPOCHS = {"gd": GD_EPOCHS, "momentum": GD_EPOCHS, "adam": ADAM_EPOCHS}
# (hidden rate, output rate): a large rate in one layer only, the other below its limit,
# and the same rates in both layers for reference
# the hidden layer alone at a large rate, run long enough for the 1/(alpha c^2) law's escape
LONG_ABLATION = ((30.0, 3.0),)
LONG_EPOCHS = 45_000  # the law gives about 5,700 to 41,000 epochs at hidden rate 30 from 0.01
# two sets of ten seeds (the first is SCAN_SEEDS): the optimizers compared set by set
SEED_SETS = tuple(tuple(range(k, k + 10)) for k in (0, 10))
# Adam on four sets: its range from SMALL_SCALE has holes in some sets and not in others
ADAM_SEED_SETS = tuple(tuple(range(k, k + 10)) for k in (0, 10, 20, 30))
# seed 21 (of ADAM_SEED_SETS[2]) fits two corners with Adam from SMALL_SCALE at these rates,
# inside the range where every other seed of that set learns (replayed in the claims tests)
SEED21_TWO_CORNERS = (0.01334, 0.01433, 0.0154, 0.01655, 0.01778)
HALF = float(np.log(2) / 2)  # two corners fitted, two outputs at 1/2: (0 + 0 + ln 2 + ln 2) / 4
ABLATION = ((5.0, 3.0), (10.0, 3.0), (30.0, 3.0), (3.0, 4.5), (3.0, 5.0), (4.5, 4.5), (5.0, 5.0))
TRACE_RATES = (4.25, 4.5, 5.0)  # the catapult followed epoch by epoch
TRACE_EPOCHS = 200  # the bounce is over by then at these rates
BOUNCE_END = 1e-3  # the bounce has died when the loss is back within this of its start
FROZEN_RATE = 4.5  # the hidden biases held at 0: a rate past the limit where every seed learns
FROZEN_EPOCHS = 2000  # every seed learns by about 800 at FROZEN_RATE, frozen or not


@dataclass(frozen=True)
class LaneRun:
    reach: int | None  # first epoch with loss below THRESHOLD (loss before that epoch's step)
    leave: int | None  # first epoch with loss below LEAVE (off the ln 2 plateau)
    start: float  # the loss at epoch 0
    peak: float  # the highest loss before `reach` (over every epoch if never reached)
    final: float  # the loss after the last epoch
    second: float  # plateau_escape.AdamPlateau.second: near 0, the units act as one
    peak_epoch: int = 0  # the epoch of `peak`

    @property
    def rise(self) -> float:
        """How far the loss rose above its start before the network learned XOR."""
        return self.peak - self.start

    @property
    def on_plateau(self) -> bool:
        """Never learned XOR and still at ln 2 (within 1e-3)."""
        return self.reach is None and abs(self.final - np.log(2)) < 1e-3

    @property
    def one_unit(self) -> bool:
        """Never learned XOR, off the plateau, its units acting as one (second below
        ONE_UNIT), at the loss one unit can approach (within 2e-3)."""
        return (self.reach is None and not self.on_plateau and self.second < ONE_UNIT
                and abs(self.final - one_unit_infimum()) < 2e-3)

    @property
    def two_corners(self) -> bool:
        """Never learned XOR, stuck at HALF = (ln 2)/2 (within 2e-3): two corners fitted and
        two outputs left at 1/2."""
        return (self.reach is None and not self.on_plateau and not self.one_unit
                and abs(self.final - HALF) < 2e-3)

    @property
    def kept(self) -> bool:
        """Learned XOR and still below THRESHOLD after the last epoch."""
        return self.reach is not None and self.final < THRESHOLD

    @property
    def outcome(self) -> str:
        """'learned', 'lost' (learned XOR, then above THRESHOLD again at the end), 'plateau',
        'one unit', 'two corners' or 'other' (none of those by the last epoch)."""
        if self.reach is not None:
            return "learned" if self.kept else "lost"
        if self.on_plateau:
            return "plateau"
        if self.one_unit:
            return "one unit"
        return "two corners" if self.two_corners else "other"


def _lane_params(lanes):
    starts = [_start(seed, scale, 0.0) for seed, scale, *_ in lanes]
    return [np.array([s[i] for s in starts]) for i in range(4)]  # W1, b1, W2, b2 per lane


def _steps(lanes, optimizer, epochs, beta1=BETA, beta2=0.999, eps=1e-8, frozen_bias=False):
    """Yield (epoch, [W1, b1, W2, b2], A1, Z2) before each epoch's step, for every lane at
    once, then take the step. lanes: (seed, scale, lr_hidden, lr_out). frozen_bias: the hidden
    biases are never updated (they stay at their start, 0)."""
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    for lane in lanes:
        check_positive(lane[1], "a lane's scale")
        check_positive(lane[2], "a lane's hidden-layer rate")
        check_positive(lane[3], "a lane's output-layer rate")
    X, Y = xor()
    m = X.shape[1]
    P = _lane_params(lanes)
    hidden = np.array([lane[2] for lane in lanes], dtype=float)[:, None, None]
    out = np.array([lane[3] for lane in lanes], dtype=float)[:, None, None]
    rates = (hidden, hidden, out, out)
    M = [np.zeros_like(p) for p in P]
    V = [np.zeros_like(p) for p in P]
    with np.errstate(over="ignore", under="ignore"):
        for epoch in range(epochs + 1):
            W1, b1, W2, b2 = P
            A1 = 1 / (1 + np.exp(-(W1 @ X + b1)))  # (lanes, 4, m)
            Z2 = W2 @ A1 + b2  # (lanes, 1, m)
            yield epoch, P, A1, Z2
            if epoch == epochs:
                return
            dZ2 = (1 / (1 + np.exp(-Z2)) - Y) / m
            dZ1 = (np.transpose(W2, (0, 2, 1)) @ dZ2) * A1 * (1 - A1)
            G = (dZ1 @ X.T, dZ1.sum(axis=2, keepdims=True),
                 dZ2 @ np.transpose(A1, (0, 2, 1)), dZ2.sum(axis=2, keepdims=True))
            t = epoch + 1
            for i in range(4):
                if frozen_bias and i == 1:
                    continue
                if optimizer == "gd":
                    P[i] = P[i] - rates[i] * G[i]
                    continue
                if optimizer == "momentum":  # v = beta v + g, w -= lr v (as optimizers.Momentum)
                    M[i] = beta1 * M[i] + G[i]
                    P[i] = P[i] - rates[i] * M[i]
                    continue
                M[i] = beta1 * M[i] + (1 - beta1) * G[i]
                V[i] = beta2 * V[i] + (1 - beta2) * G[i] ** 2
                P[i] = P[i] - rates[i] * (M[i] / (1 - beta1**t)) / (
                    np.sqrt(V[i] / (1 - beta2**t)) + eps)


def _bce(Z2):
    _, Y = xor()
    return np.mean(np.logaddexp(0, Z2) - Y * Z2, axis=(1, 2))


@memo(maxsize=16)
def scan(lanes, optimizer="gd", epochs=GD_EPOCHS, frozen_bias=False) -> tuple:
    """(Cached.) One LaneRun per lane (seed, scale, lr_hidden, lr_out), trained full batch
    for `epochs` epochs with `optimizer` ('gd', 'momentum' with beta BETA, or 'adam' with
    beta1 BETA, beta2 0.999, eps 1e-8)
    from xor_net("small") of that seed at weight scale `scale`, all biases 0 (the hidden
    biases held there if frozen_bias)."""
    n = len(lanes)
    reach, leave = np.full(n, -1), np.full(n, -1)
    peak = np.full(n, -np.inf)
    peak_at = np.zeros(n, dtype=int)
    for epoch, params, hidden, Z2 in _steps(lanes, optimizer, epochs, frozen_bias=frozen_bias):
        loss = _bce(Z2)
        if epoch == 0:
            start = loss
        if epoch == epochs:  # the final state: loss, W2 and the hidden outputs after training
            W2, A1 = params[2], hidden
            break
        going = reach < 0
        higher = going & (loss > peak)
        peak[higher], peak_at[higher] = loss[higher], epoch
        reach[going & (loss < THRESHOLD)] = epoch
        leave[(leave < 0) & (loss < LEAVE)] = epoch
    shares = np.transpose(W2, (0, 2, 1)) * (A1 - A1.mean(axis=2, keepdims=True))
    sv = np.linalg.svd(shares, compute_uv=False)
    return tuple(LaneRun(int(r) if r >= 0 else None, int(e) if e >= 0 else None, float(s),
                         float(p), float(f), float(v[1] / v[0]), int(k))
                 for r, e, s, p, f, v, k in zip(reach, leave, start, peak, loss, sv, peak_at,
                                                strict=True))


def lanes_for(rates, scales=SCAN_SCALES, seeds=SCAN_SEEDS) -> tuple:
    """The lanes (seed, scale, rate, rate) of a rate grid: the same rate in both layers."""
    return tuple((s, c, r, r) for c in scales for r in rates for s in seeds)


def by_setting(lanes, runs) -> dict:
    """{(scale, lr_hidden, lr_out): [LaneRun per seed]}."""
    out = {}
    for lane, run in zip(lanes, runs, strict=True):
        out.setdefault(lane[1:], []).append(run)
    return out


def rate_scan(optimizer="gd", rates=None, scales=SCAN_SCALES, seeds=SCAN_SEEDS,
              epochs=None) -> dict:
    """{(scale, rate): [LaneRun per seed]} over a rate grid (RATES[optimizer] unless given),
    the same rate in both layers, for EPOCHS[optimizer] epochs unless given."""
    rates = tuple(RATES[optimizer] if rates is None else rates)
    epochs = epochs or EPOCHS[optimizer]
    lanes = lanes_for(rates, scales, seeds)
    runs = scan(lanes, optimizer, epochs)
    return {(c, h): v for (c, h, _), v in by_setting(lanes, runs).items()}


def worst(runs) -> float:
    """The slowest seed's epoch to learn XOR; infinity if some seed never does, or loses it
    again (see LaneRun.kept)."""
    return float(max(r.reach for r in runs)) if all(r.kept for r in runs) else np.inf


def best_rate(table, scale, rates=None) -> float:
    """The tuned rate of a rate_scan at one scale: every seed learns XOR and the slowest seed
    is fastest (ties: the smaller rate). NaN if no rate makes every seed learn. rates: only
    these of the scan's rates (a coarser grid), default all."""
    rates = sorted(r for c, r in table if c == scale and (rates is None or r in rates))
    scores = [worst(table[scale, r]) for r in rates]
    return rates[int(np.argmin(scores))] if np.isfinite(min(scores)) else float("nan")


def stability_limit(curvature, optimizer="gd", beta=BETA) -> float:
    """The largest rate at which the optimizer is stable on a quadratic of this curvature:
    2 / lambda for gradient descent, 2 (1 + beta) / lambda for momentum (v = beta v + g,
    w -= lr v: the roots of z^2 - (1 + beta - lr lambda) z + beta stay inside the unit circle
    while lr lambda < 2 (1 + beta))."""
    check_choice(optimizer, "optimizer", ("gd", "momentum"))
    return {"gd": 2.0, "momentum": 2.0 * (1 + beta)}[optimizer] / check_positive(curvature,
                                                                               "curvature")


def outcomes(runs) -> dict:
    """{'learned': n, 'lost': n, 'plateau': n, 'one unit': n, 'two corners': n, 'other': n}
    over a list of LaneRuns."""
    out = dict.fromkeys(("learned", "lost", "plateau", "one unit", "two corners", "other"), 0)
    for r in runs:
        out[r.outcome] += 1
    return out


def window(table, scale) -> tuple:
    """The smallest and largest rate at which every seed learns XOR (NaN, NaN if none)."""
    ok = [r for c, r in table if c == scale and np.isfinite(worst(table[scale, r]))]
    return (min(ok), max(ok)) if ok else (float("nan"), float("nan"))


@memo(maxsize=4)
def trace(lanes, epochs=TRACE_EPOCHS, frozen_bias=False) -> dict:
    """(Cached.) Gradient descent on the lanes (seed, scale, lr_hidden, lr_out), epoch by
    epoch: arrays (lanes, epochs + 1) of the loss, lambda_out (the largest eigenvalue of the
    loss's Hessian in the output layer's W2 and b2, (1/m) sum_i p_i (1 - p_i) [a_i; 1][a_i; 1]^T,
    as plateau_escape.output_curvature), the mean hidden bias and ||W1||; the hidden biases
    held at 0 if frozen_bias."""
    n = len(lanes)
    keys = ("loss", "curvature", "hidden_bias", "w1_norm")
    out = {k: np.zeros((n, epochs + 1)) for k in keys}
    ones = np.ones((n, 1, xor()[0].shape[1]))
    for epoch, P, A1, Z2 in _steps(lanes, "gd", epochs, frozen_bias=frozen_bias):
        p = 1 / (1 + np.exp(-Z2))  # (lanes, 1, m)
        F = np.concatenate([A1, ones], axis=1)  # (lanes, 5, m)
        H = (F * (p * (1 - p))) @ np.transpose(F, (0, 2, 1)) / F.shape[2]
        out["loss"][:, epoch] = _bce(Z2)
        out["curvature"][:, epoch] = np.linalg.eigvalsh(H)[:, -1]
        out["hidden_bias"][:, epoch] = P[1].mean(axis=(1, 2))
        out["w1_norm"][:, epoch] = np.linalg.norm(P[0], axis=(1, 2))
    return out


def bounce(tr, i) -> dict:
    """Lane i of a trace: the epoch of the loss's peak, and the first epoch after it at which
    the loss is back within BOUNCE_END of its start (None if not within the trace), with
    lambda_out, the mean hidden bias and ||W1|| there and at the start."""
    loss = tr["loss"][i]
    top = int(np.argmax(loss))
    back = np.nonzero(np.abs(loss[top:] - loss[0]) < BOUNCE_END)[0]
    end = top + int(back[0]) if back.size else None

    def at(k, e):
        return float(tr[k][i, e])

    res = dict(peak_epoch=top, rise=float(loss[top] - loss[0]), end=end,
               curvature_start=at("curvature", 0), w1_start=at("w1_norm", 0),
               min_curvature=float(tr["curvature"][i, :top + 1 if end is None else end + 1].min()))
    if end is not None:
        res.update(curvature_end=at("curvature", end), bias_end=at("hidden_bias", end),
                   w1_end=at("w1_norm", end))
    return res


def span(table, scale) -> float:
    """How wide `window` is: its largest rate over its smallest (NaN if no rate works)."""
    lo, hi = window(table, scale)
    return hi / lo


def holes(table, scale) -> list:
    """The grid's rates inside `window` at which some seed does not learn XOR (or loses it
    again), in order: where the rates that work are not one unbroken range."""
    lo, hi = window(table, scale)
    return sorted(r for c, r in table if c == scale and lo <= r <= hi
                  and not np.isfinite(worst(table[c, r])))


def stretch(table, scale) -> tuple:
    """The unbroken run of grid rates around best_rate at which every seed learns XOR, as
    (smallest, largest): what a user who finds the tuned rate can count on when `holes`
    breaks the window. (NaN, NaN) if no rate makes every seed learn."""
    best = best_rate(table, scale)
    if not np.isfinite(best):
        return float("nan"), float("nan")
    rates = sorted(r for c, r in table if c == scale)
    ok = [np.isfinite(worst(table[scale, r])) for r in rates]
    lo = hi = rates.index(best)
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    while hi < len(rates) - 1 and ok[hi + 1]:
        hi += 1
    return rates[lo], rates[hi]


def window_text(table, scale) -> str:
    """`window` as text, with its holes: '0.001778 to 0.02054', '... except 0.0148 and
    0.0194' (up to three named) or '... except 5 rates from 0.01334 to 0.01778'; 'none' where
    no rate makes every seed learn."""
    lo, hi = window(table, scale)
    if not np.isfinite(lo):
        return "none"
    text = f"{lo:.4g} to {hi:.4g}" if lo < hi else f"{lo:.4g} only"
    gaps = holes(table, scale)
    names = [f"{r:.4g}" for r in gaps]
    if 0 < len(gaps) <= 3:
        text += ", except " + (names[0] if len(gaps) == 1 else
                               ", ".join(names[:-1]) + " and " + names[-1])
    elif gaps:
        text += f", except {len(gaps)} rates from {names[0]} to {names[-1]}"
    return text


def tuned_row(table, scale) -> list:
    """[tuned rate, epochs to learn XOR there (mean, range over the seeds), the rates at
    which every seed learns (window_text, holes named)] of a rate_scan at one scale, as
    text ('none' where no rate makes every seed learn)."""
    best = best_rate(table, scale)
    if not np.isfinite(best):
        return ["none", "-", "none"]
    return [f"{best:.4g}", reach_text([r.reach for r in table[scale, best]]),
            window_text(table, scale)]


@memo(maxsize=4)
def ablation(scale=SMALL_SCALE, seeds=SCAN_SEEDS, pairs=ABLATION, epochs=GD_EPOCHS) -> dict:
    """(Cached.) {(lr_hidden, lr_out): [LaneRun per seed]}: gradient descent with its own rate
    in each layer, from weights of size `scale`."""
    lanes = tuple((s, scale, h, o) for h, o in pairs for s in seeds)
    return {(h, o): v for (_, h, o), v in by_setting(lanes, scan(lanes, "gd", epochs)).items()}


def catapult(rates=TRACE_RATES, scale=SMALL_SCALE, seeds=SCAN_SEEDS, frozen_bias=False) -> dict:
    """{rate: {name: Spread over the seeds}} of the bounce (see `bounce`) at each rate: rise,
    peak_epoch, end, curvature_start, curvature_end, bias_end, w1_start, w1_end, and
    w1_growth (||W1|| at the end over its start, per seed); every seed's bounce must have
    ended within TRACE_EPOCHS. frozen_bias: the hidden biases held at 0 (FROZEN)."""
    lanes = tuple((s, scale, r, r) for r in rates for s in seeds)
    tr = trace(lanes, frozen_bias=frozen_bias)
    out = {}
    for rate in rates:
        b = [bounce(tr, i) for i, lane in enumerate(lanes) if lane[2] == rate]
        if any(x["end"] is None for x in b):
            raise ValueError(f"the bounce at rate {rate:g} outlasts the trace's {TRACE_EPOCHS} "
                             "epochs; trace longer")
        for x in b:
            x["w1_growth"] = x["w1_end"] / x["w1_start"]
        out[rate] = {k: spread([x[k] for x in b]) for k in b[0]}
    return out


def frozen_bias_runs(rate=FROZEN_RATE, scale=SMALL_SCALE, seeds=SCAN_SEEDS,
                     epochs=FROZEN_EPOCHS) -> tuple:
    """The ablation that tests the bias story of the catapult: gradient descent at `rate` in
    both layers with the hidden biases held at 0 all along, against the same runs with them
    trained: (frozen LaneRuns, trained LaneRuns), one per seed."""
    lanes = tuple((s, scale, rate, rate) for s in seeds)
    return scan(lanes, "gd", epochs, True), scan(lanes, "gd", epochs)


def mean_at_best(table, scale, rates=None) -> float:
    """The mean epoch to learn XOR over the seeds at best_rate (NaN if there is none)."""
    best = best_rate(table, scale, rates)
    return float(np.mean([r.reach for r in table[scale, best]])) if np.isfinite(best) else np.nan


def tuned_ratio(table_a, table_b, scale, halves=False) -> tuple:
    """mean_at_best of table_a over that of table_b at one scale: (ratio,) on the full grids,
    or with halves=True the ratios on every other rate of both grids, the even-numbered rates
    and then the odd-numbered ones: a winner that is not the grid's choice keeps its side."""
    def rates(table):
        return sorted(r for c, r in table if c == scale)
    if not halves:
        return (mean_at_best(table_a, scale) / mean_at_best(table_b, scale),)
    return tuple(mean_at_best(table_a, scale, set(rates(table_a)[k::2]))
                 / mean_at_best(table_b, scale, set(rates(table_b)[k::2])) for k in (0, 1))


def seed_sets(optimizer, sets=SEED_SETS) -> list:
    """[rate_scan(optimizer, seeds=set) for each set of seeds]: the comparison repeated on
    independent seeds (the first set is the chapter's SCAN_SEEDS, cached with it)."""
    return [rate_scan(optimizer, seeds=s) for s in sets]


def pooled(tables) -> dict:
    """One rate_scan over the union of the seeds of several (same grid, same scales)."""
    out = {}
    for table in tables:
        for key, runs in table.items():
            out.setdefault(key, []).extend(runs)
    return out


def long_ablation(scale=SMALL_SCALE, seeds=SCAN_SEEDS, pairs=LONG_ABLATION,
                  epochs=LONG_EPOCHS) -> dict:
    """ablation() of the large hidden rates alone (output layer below its limit), run for
    LONG_EPOCHS epochs: long enough for the 1/(alpha c^2) law's escape at those rates."""
    return ablation(scale, seeds, pairs, epochs)
