"""Computations and figures of chapter "Backpropagation against its alternatives".

* `sweep`: for networks of growing width, each method's passes, accuracy (relative
  error against backpropagation), floats kept, and (optionally) time per gradient.
* `draw_cost`: the log-log figure of passes and time against the parameter count P.
* `es_noise`: the evolution strategy's relative error against the number of pairs N.
* `es_smoothing`: along one weight, the loss, its Gaussian-smoothed version, and what an
  evolution strategy's estimate converges to.
Compute functions need NumPy and backprop_lib only; draw functions import matplotlib
through backprop_lib.plots when called.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np

import backprop_lib as bp

from .. import alternatives as alt
from .._checks import check_int, check_positive

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


def sweep(widths=(2, 4, 8, 16, 32), depth=2, m=32, n_pairs=50, sigma=1e-4, timing=False,
          repeat=3):
    """One row per width: P, and per method its passes, relative error and floats kept
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
                           "error": alt.relative_error_to(ref, est)}
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


def es_noise(pair_counts=(10, 30, 100, 300, 1000, 3000), width=8, sigma=1e-4, seed=0):
    """The evolution strategy's error ||g - grad|| / ||grad|| for each N (n_pairs)."""
    net, X, Y = problem(width)
    ref = alt.flatten(alt.backprop(net, X, Y).grads)
    errors = [np.linalg.norm(alt.flatten(alt.evolution_strategy(net, X, Y, sigma, n, seed)
                                         .grads) - ref) / np.linalg.norm(ref)
              for n in pair_counts]
    return {"P": net.n_params, "N": np.array(pair_counts), "error": np.array(errors)}


def es_smoothing(sigma=0.5, width=8, name="W1", index=(0, 0), n_pairs=2000, seed=0):
    """Along one weight w (offset t from its value): the loss, the smoothed loss
    E[L(t + sigma e)], the true derivative at t = 0, the smoothed loss's derivative at
    t = 0, and a one-dimensional antithetic ES estimate with n_pairs pairs."""
    sigma = check_positive(sigma, "sigma")
    n_pairs = check_int(n_pairs, "n_pairs", low=1)
    net, X, Y = problem(width)
    X, Y = net.check_data(X, Y)
    w = net.params[name]
    start = float(w[index])

    def f(t):
        w[index] = start + t
        try:
            return alt.loss_value(net, X, Y)
        finally:
            w[index] = start

    ts = np.linspace(-3 * sigma, 3 * sigma, 41)
    loss = np.array([f(t) for t in ts])
    smooth = np.array([alt.smoothed_loss(lambda u, t=t: f(t + u), sigma, 21) for t in ts])
    h = 1e-4
    exact = (f(h) - f(-h)) / (2 * h)
    smooth_slope = (alt.smoothed_loss(lambda u: f(h + u), sigma)
                    - alt.smoothed_loss(lambda u: f(-h + u), sigma)) / (2 * h)
    e = np.random.default_rng(seed).standard_normal(n_pairs)
    es = float(np.mean([(f(sigma * x) - f(-sigma * x)) * x for x in e]) / (2 * sigma))
    return {"t": ts, "loss": loss, "smooth": smooth, "exact": exact,
            "smoothed": smooth_slope, "es": es, "sigma": sigma, "start": start}


def draw_smoothing(result):
    """The loss along one weight and its smoothed version, with their slopes at 0."""
    from ..plots import BLUE, ORANGE, VERMILLION, figure

    fig = figure(figsize=(7, 3))
    ax = fig.subplots()
    t = result["t"]
    ax.plot(t, result["loss"], color=BLUE, label="loss L(w + t)")
    ax.plot(t, result["smooth"], color=ORANGE, ls="--",
            label=f"smoothed loss, sigma = {result['sigma']:g}")
    for slope_, colour, label in ((result["exact"], BLUE, "slope of the loss"),
                                  (result["es"], VERMILLION, "ES estimate")):
        base = result["loss"][len(t) // 2] if colour == BLUE else result["smooth"][len(t) // 2]
        ax.plot(t, base + slope_ * t, color=colour, lw=0.9, ls=":", label=label)
    ax.set_xlabel("offset t of one weight")
    ax.set_ylabel("loss")
    ax.legend(loc="best")
    return fig
