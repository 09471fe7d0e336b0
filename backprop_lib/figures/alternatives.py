"""Computations and figures of chapter "Backpropagation against its alternatives".

* `sweep`: for networks of growing width, each method's passes, accuracy (relative
  error against backpropagation), floats kept, and (optionally) time per gradient.
* `draw_cost`: the log-log figure of passes and time against the parameter count P.
* `es_noise`: the evolution strategy's relative error against the number of pairs N.
* `es_smoothing` (an interactive figure over sigma and the number of pairs N): along one
  weight, the loss, its Gaussian-smoothed version, and what an evolution strategy's
  estimate converges to.
Compute functions need NumPy and backprop_lib only; draw functions import matplotlib
through backprop_lib.plots when called.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np

import backprop_lib as bp

from .. import alternatives as alt
from .. import interactive as ia
from .._checks import check_int, check_positive

#: The chapter's settings, quoted by its prose: the widths of the cost sweep, the
#: evolution strategy's pairs and sigma in the comparisons, the width, batch and depths of
#: the memory tables, and the smoothing figure's default sigma and pairs.
WIDTHS = (2, 4, 8, 16, 32, 64)
ES_PAIRS, ES_SIGMA = 50, 1e-4
MEMORY_WIDTH, MEMORY_M = 32, 256
MEMORY_DEPTHS, CHECKPOINT_DEPTHS = (1, 2, 4, 8, 16), (1, 4, 9, 16, 25)
SMOOTHING_SIGMA, SMOOTHING_PAIRS = 0.5, 1000
#: The seeds over which the chapter reports every number that depends on a draw.
SEEDS = tuple(range(5))
#: The chain-of-Jacobians table: hidden layers of equal width, for these depths and widths.
CHAIN_DEPTHS, CHAIN_WIDTHS = (2, 3, 4, 8), (16, 64, 256)

LABELS = {"backprop": "backpropagation (reverse mode)",
          "forward_mode": "forward mode",
          "finite_differences": "central differences",
          "evolution_strategy": "evolution strategy"}


def problem(width, depth=2, m=32, seed=0):
    """A tanh network with `depth` hidden layers of `width` units on two-moons data."""
    width = check_int(width, "width", low=1)
    depth = check_int(depth, "depth", low=1)
    X, Y = bp.data.two_moons(m, seed=seed)
    sizes = [2] + [width] * depth + [1]
    acts = ["tanh"] * depth + ["sigmoid"]
    return bp.Network(sizes, acts, loss="bce", seed=seed), X, Y


def sweep(widths=WIDTHS, depth=2, m=32, n_pairs=ES_PAIRS, sigma=ES_SIGMA, timing=False,
          repeat=3):
    """One row per width: P, and per method its passes, relative error (`alt.error_to`,
    ||g - grad|| / ||grad||) and floats kept
    (and seconds per gradient when timing=True, the best of `repeat`)."""
    rows = []
    for width in widths:
        net, X, Y = problem(width, depth, m)
        options = {"evolution_strategy": {"n_pairs": n_pairs, "sigma": sigma}}
        ref = alt.backprop(net, X, Y)
        row = {"width": width, "P": net.n_params}
        for method in alt.METHODS:
            call = partial(alt.gradient, method, net, X, Y, **options.get(method, {}))
            start = time.perf_counter()
            est = call()
            once = time.perf_counter() - start
            row[method] = {"passes": est.passes, "floats": est.floats_kept,
                           "error": alt.error_to(ref, est)}
            if timing:  # repeat only the quick ones: a slow one's noise is small anyway
                row[method]["seconds"] = once if once > 0.05 else min(
                    once, alt.seconds(call, repeat=repeat))
        if timing:
            forward = partial(alt.loss_value, net, *net.check_data(X, Y))
            row["forward_seconds"] = alt.seconds(forward, repeat=repeat, number=20)
        rows.append(row)
    return rows


def slope(P, values):
    """The least-squares slope of log(values) against log(P): the power of P."""
    return float(np.polyfit(np.log(np.asarray(P, float)), np.log(np.asarray(values, float)),
                            1)[0])


def draw_cost(rows):
    """Two log-log panels against P: passes per gradient, and seconds per gradient."""
    from ..plots import PALETTE, figure

    fig = figure(figsize=(7, 3))
    ax1, ax2 = fig.subplots(1, 2)
    P = [r["P"] for r in rows]
    markers = "osD^"
    for i, method in enumerate(alt.METHODS):
        colour = PALETTE[i]
        ax1.loglog(P, [r[method]["passes"] for r in rows], marker=markers[i], color=colour,
                   label=LABELS[method])
        if "seconds" in rows[0][method]:
            ax2.loglog(P, [r[method]["seconds"] for r in rows], marker=markers[i],
                       color=colour)
    if "forward_seconds" in rows[0]:
        ax2.loglog(P, [r["forward_seconds"] for r in rows], ls=":", color="#000000",
                   label="one forward pass")
        ax2.legend(loc="upper left")
    ax1.set_xlabel("number of parameters P")
    ax1.set_ylabel("passes through the network")
    ax1.set_title("passes per gradient")
    ax2.set_xlabel("number of parameters P")
    ax2.set_ylabel("seconds per gradient")
    ax2.set_title("measured time (this machine)")
    fig.legend(*ax1.get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return fig


def es_errors(net, X, Y, n_pairs=ES_PAIRS, sigma=ES_SIGMA, seeds=SEEDS):
    """The evolution strategy's error ||g - grad|| / ||grad|| (`alt.error_to`) on `net`,
    one per seed, and the same estimates' errors in the symmetric form
    (`alt.relative_error_to`): {"error": (S,), "symmetric": (S,)}."""
    ref = alt.backprop(net, X, Y)
    ests = [alt.evolution_strategy(net, X, Y, sigma, n_pairs, seed) for seed in seeds]
    return {"error": np.array([alt.error_to(ref, e) for e in ests]),
            "symmetric": np.array([alt.relative_error_to(ref, e) for e in ests])}


def es_noise(pair_counts=(10, 30, 100, 300, 1000, 3000), width=8, sigma=ES_SIGMA,
             seeds=SEEDS):
    """The evolution strategy's error ||g - grad|| / ||grad|| (`alt.error_to`) for each N
    (n_pairs) and seed: "errors" (seeds x N), "error" their mean over the seeds, "power"
    the slope of log(mean error) against log N."""
    net, X, Y = problem(width)
    ref = alt.backprop(net, X, Y)
    errors = np.array([[alt.error_to(ref, alt.evolution_strategy(net, X, Y, sigma, n, seed))
                        for n in pair_counts] for seed in seeds])
    return {"P": net.n_params, "N": np.array(pair_counts), "errors": errors,
            "error": errors.mean(axis=0), "seeds": tuple(seeds),
            "power": slope(pair_counts, errors.mean(axis=0))}


def losses_along(net, X, Y, name, index, ts):
    """The loss with the entry `index` of parameter `name` offset by each t in ts.

    Batched over t: the layers below the parameter run once, the others on a stack of
    T copies (matmul broadcasts over the first axis). X and Y must be checked arrays.
    """
    ts = np.asarray(ts, dtype=np.float64).ravel()
    layer = int(name[1:])
    A = X
    for l in range(1, layer):
        A = net._f[l - 1](net.params[f"W{l}"] @ A + net.params[f"b{l}"])
    Z = net.params[f"W{layer}"] @ A + net.params[f"b{layer}"]
    row = index[0]
    direction = np.zeros_like(Z)  # how Z moves per unit offset of the entry
    direction[row] = A[index[1]] if name.startswith("W") else 1.0
    Z = Z[None] + ts[:, None, None] * direction[None]
    A = net._f[layer - 1](Z)
    for l in range(layer + 1, net.L + 1):
        Z = net.params[f"W{l}"] @ A + net.params[f"b{l}"]
        A = net._f[l - 1](Z)
    last = net.activation_names[-1]  # BCE from the logits Z_L: finite where sigma(z) rounds to 1
    return np.array([net._loss.output_value(z, a, Y, last) for z, a in zip(Z, A, strict=True)])


T_GRID = np.linspace(-2.0, 2.0, 81)
S_GRID = np.linspace(-6.0, 6.0, 1201)  # fine grid for the smoothing (sigma up to 1)
_LINES = {}


def _line(width, name, index):
    """(net, X, Y) and the loss on S_GRID along one entry, computed once per entry."""
    key = (width, name, tuple(index))
    if key not in _LINES:
        net, X, Y = problem(width)
        X, Y = net.check_data(X, Y)
        _LINES[key] = (net, X, Y, losses_along(net, X, Y, name, index, S_GRID))
    return _LINES[key]


def es_smoothing(sigma=SMOOTHING_SIGMA, n_pairs=SMOOTHING_PAIRS, width=8, name="W1",
                 index=(0, 0), seed=0, n_nodes=41):
    """Along one weight w (offset t from its value): the loss, the smoothed loss
    E[L(w + t + sigma e)] (a Gaussian-weighted sum over a fine grid of t), the loss's
    slope at t = 0, the smoothed loss's slope there (Stein's identity,
    E[L(w + sigma e) e] / sigma, by Gauss-Hermite quadrature), and a one-dimensional
    antithetic ES estimate from n_pairs pairs, each pair two real loss evaluations."""
    sigma = check_positive(sigma, "sigma")
    if isinstance(n_pairs, float) and n_pairs.is_integer():  # a slider's value
        n_pairs = int(n_pairs)
    n_pairs = check_int(n_pairs, "n_pairs", low=1)
    net, X, Y, line = _line(width, name, index)
    along = partial(losses_along, net, X, Y, name, index)
    kernel = np.exp(-0.5 * ((S_GRID[None] - T_GRID[:, None]) / sigma) ** 2)
    smooth = (kernel @ line) / kernel.sum(axis=1)
    loss = np.interp(T_GRID, S_GRID, line)  # T_GRID points lie on S_GRID
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)
    weights = weights / np.sqrt(2 * np.pi)
    h = 1e-5
    exact = float((along([h])[0] - along([-h])[0]) / (2 * h))
    at_nodes = along(sigma * nodes)
    smoothed = float(weights @ (at_nodes * nodes) / sigma)
    e = np.random.default_rng(seed).standard_normal(n_pairs)
    es = float(np.mean((along(sigma * e) - along(-sigma * e)) * e) / (2 * sigma))
    return {"t": T_GRID, "loss": loss, "smooth": smooth, "exact": exact,
            "smoothed": smoothed, "es": es, "sigma": sigma, "n_pairs": n_pairs,
            "at_zero": float(line[len(S_GRID) // 2]), "smooth_at_zero": float(weights @ at_nodes)}


def smoothing_estimates(sigma=SMOOTHING_SIGMA, n_pairs=SMOOTHING_PAIRS, seeds=SEEDS, **kwargs):
    """The one-dimensional antithetic estimate of `es_smoothing`, one per seed, beside the
    slopes that do not depend on a draw: {"es": (S,), "exact", "smoothed"}."""
    runs = [es_smoothing(sigma, n_pairs, seed=seed, **kwargs) for seed in seeds]
    return {"es": np.array([r["es"] for r in runs]), "exact": runs[0]["exact"],
            "smoothed": runs[0]["smoothed"]}


def smoothing_draw(fig, result, artists):
    """Draw (first call) or update the loss along one weight, its smoothed version and
    the two slopes at t = 0: the loss's own, and the evolution strategy's estimate."""
    t, near = result["t"], np.abs(result["t"]) <= 1.0
    exact_line = result["at_zero"] + result["exact"] * t[near]
    es_line = result["smooth_at_zero"] + result["es"] * t[near]
    if artists is None:
        from ..plots import BLUE, ORANGE, VERMILLION

        ax = fig.add_subplot(1, 1, 1)
        artists = {
            "ax": ax,
            "loss": ax.plot(t, result["loss"], color=BLUE, label="loss L(w + t)")[0],
            "smooth": ax.plot(t, result["smooth"], color=ORANGE, ls="--",
                              label="smoothed loss")[0],
            "exact": ax.plot(t[near], exact_line, color=BLUE, lw=1.0, ls=":",
                             label="slope of the loss at 0")[0],
            "es": ax.plot(t[near], es_line, color=VERMILLION, lw=1.4, ls="-.",
                          label="ES estimate of the slope")[0],
            "text": ax.text(0.02, 0.04, "", transform=ax.transAxes, fontsize=9),
        }
        ax.set_xlabel("offset t of one weight")
        ax.set_ylabel("loss")
        ax.legend(loc="upper left", fontsize=8)
    artists["smooth"].set_ydata(result["smooth"])
    artists["es"].set_ydata(es_line)
    lo = min(result["loss"].min(), exact_line.min(), es_line.min())
    hi = max(result["loss"].max(), exact_line.max(), es_line.max())
    artists["ax"].set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    artists["text"].set_text(
        f"sigma = {result['sigma']:g}, N = {result['n_pairs']}: slopes at 0: loss "
        f"{result['exact']:.3f}, smoothed {result['smoothed']:.3f}, ES {result['es']:.3f}")
    return artists


def smoothing_alt(params, result):
    """The frame in words (alt text and caption)."""
    return (f"The loss along one weight and its Gaussian-smoothed version for sigma = "
            f"{result['sigma']:g}; slopes at the current value: the loss's "
            f"{result['exact']:.3f}, the smoothed loss's {result['smoothed']:.3f}, and the "
            f"evolution strategy's estimate from N = {result['n_pairs']} pairs "
            f"{result['es']:.3f}.")


SMOOTHING_CONTROLS = [
    ia.LogSlider("sigma", values=[0.05, 0.1, 0.2, 0.5, 1.0], default=SMOOTHING_SIGMA,
                 label="sigma"),
    ia.LogSlider("n_pairs", values=[10, 100, 1000], default=SMOOTHING_PAIRS,
                 label="pairs N"),
]


def smoothing_interactive(**kwargs):
    """The Interactive smoothing figure, not yet shown (for tests and timing)."""
    kwargs.setdefault("figsize", (7, 3))
    return ia.Interactive(es_smoothing, smoothing_draw, SMOOTHING_CONTROLS,
                          joint=("sigma", "n_pairs"), alt=smoothing_alt, **kwargs)


def show_smoothing(**kwargs):
    """Show the smoothing figure: live sliders in a kernel, a static player in the book."""
    return smoothing_interactive(**kwargs).show()
