"""Computations and figures of chapter "Gradient checking".

The eps figure follows the figures convention (`compute`, `draw`, `alt`, `CONTROLS`,
`interactive()`, `show()`): one log slider for eps over both U curves.

* `eps_curve`: the relative error of central differences against backpropagation as a
  function of eps, in float64 and float32: truncation (~eps^2) on the right, rounding
  (~u / eps, u the unit roundoff) on the left, hence a U.
* `absolute_vs_relative`: the absolute test ||g - n|| < 1e-7 (ABSOLUTE_THRESHOLD) against
  the relative error, on a false pass (tiny gradients hide a bug) and a false fail
  (a large loss makes a correct gradient's difference large).
* `place_on_kink`, `kink_errors`: a ReLU pre-activation moved to within eps of 0.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import backprop_lib as bp

from .. import interactive as ia
from .._checks import check_int, check_positive, check_real
from ..alternatives import flatten
from ..planted_bug import BuggyNetwork

EPS_VALUES = tuple(10.0 ** k for k in range(-12, 0))
DTYPES = ("float64", "float32")
ABSOLUTE_THRESHOLD = 1e-7


def _eps_problem():
    """A small tanh network and data, the same every time."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8))
    Y = rng.standard_normal((1, 8))
    net = bp.Network([3, 5, 1], ["tanh", "identity"], loss="half_mse", seed=1)
    return net, X, Y


def eps_curve(eps_values=EPS_VALUES):
    """{dtype: array of relative errors, one per eps}, and the float64 gradient used.

    The reference gradient is backpropagation in float64; the numerical gradient is
    computed by a network of the given dtype holding the same parameters.
    """
    eps_values = [check_positive(e, "eps_values entry") for e in eps_values]
    net, X, Y = _eps_problem()
    reference = flatten(net.gradients(X, Y))
    out = {"eps": np.array(eps_values)}
    for name in DTYPES:
        twin = bp.Network([3, 5, 1], ["tanh", "identity"], loss="half_mse", seed=1,
                          dtype=np.dtype(name))
        twin.set_params(net.params)
        errs = []
        for eps in eps_values:
            num = bp.numerical_gradients(twin, X, Y, eps=eps)
            errs.append(bp.relative_error(flatten(num), reference))
        out[name] = np.array(errs)
    return out


def best_eps(curve, dtype):
    """(eps, error) at the bottom of the U for one dtype."""
    i = int(np.argmin(curve[dtype]))
    return float(curve["eps"][i]), float(curve[dtype][i])


def draw(fig, result, artists):
    """Draw function for the eps control: both U curves and the chosen eps marked."""
    curve, eps = result["curve"], result["eps"]
    if artists is None:
        from ..plots import BLACK, BLUE, ORANGE, VERMILLION

        ax = fig.add_subplot(1, 1, 1)
        for name, colour, marker in (("float64", BLUE, "o"), ("float32", ORANGE, "s")):
            ax.loglog(curve["eps"], curve[name], marker=marker, color=colour, label=name)
        ax.axhline(1e-7, color=BLACK, lw=0.8, ls=":", label="1e-7 (usual pass line)")
        line = ax.axvline(eps, color=VERMILLION, lw=1.2, ls="--")
        text = ax.text(0.02, 0.04, "", transform=ax.transAxes, fontsize=9)
        ax.set_xlabel("eps (step of the central difference)")
        ax.set_ylabel("relative error vs backprop")
        fig.legend(loc="outside upper center", ncol=3)
        artists = {"line": line, "text": text}
    artists["line"].set_xdata([eps, eps])
    artists["text"].set_text(
        f"eps = {eps:.0e}: float64 {result['float64']:.1e}, float32 {result['float32']:.1e}")
    return artists


_CURVE = {}


def compute(eps=1e-6):
    """Compute function for the eps control (the curve is computed once and cached)."""
    eps = check_positive(eps, "eps")
    if "curve" not in _CURVE:  # the same for every frame: computed once
        _CURVE["curve"] = eps_curve()
    curve = _CURVE["curve"]
    i = int(np.argmin(np.abs(np.log10(curve["eps"]) - np.log10(eps))))
    return {"curve": curve, "eps": float(curve["eps"][i]),
            "float64": float(curve["float64"][i]), "float32": float(curve["float32"][i])}


def alt(params, result):
    """The frame in words (alt text and caption)."""
    return (f"Relative error of central differences against backpropagation versus eps, "
            f"log-log, a U-shaped curve for float64 and a higher one for float32; at eps = "
            f"{result['eps']:.0e} the error is {result['float64']:.1e} in float64 and "
            f"{result['float32']:.1e} in float32.")


CONTROLS = [ia.LogSlider("eps", values=list(EPS_VALUES), default=1e-6, label="eps")]
JOINT = ()


def interactive(**kwargs):
    """The Interactive figure, not yet shown (tests and timing call it too)."""
    kwargs.setdefault("figsize", (7, 3))
    return ia.Interactive(compute, draw, CONTROLS, joint=JOINT, alt=alt, **kwargs)


def show(**kwargs):
    """Show the eps figure: a live slider in a kernel, a static player in the book."""
    return interactive(**kwargs).show()


def absolute_differences(net, X, Y, eps=1e-6):
    """The absolute test's difference ||g - n|| per parameter, with the relative errors."""
    eps = check_positive(eps, "eps")
    check = bp.gradcheck(net, X, Y, eps=eps)
    absolute = {name: float(np.linalg.norm(check.analytic["d" + name] - check.numeric["d" + name]))
                for name in check.errors}
    return absolute, check


def false_pass_problem(init="small"):
    """A deep sigmoid network with the bug "layer1_no_derivative", and its data."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 16))
    Y = rng.uniform(0, 1, (1, 16))
    net = BuggyNetwork([4, 8, 8, 8, 1], "sigmoid", loss="half_mse", init=init, seed=0,
                       bug="layer1_no_derivative")
    return net, X, Y


def scale_loss(net, factor):
    """A copy of `net` whose loss (and, correctly, its gradient) is multiplied by `factor`,
    as when a loss is summed over a batch instead of averaged."""
    factor = check_positive(factor, "factor")
    twin = net.copy()
    base = net._loss
    twin._loss = replace(base, value=lambda A, Y: factor * base.value(A, Y),
                         gradient=lambda A, Y: factor * base.gradient(A, Y))
    return twin


def false_fail_problem(factor=1e4):
    """A correct regression network whose loss is multiplied by `factor`."""
    X, Y = bp.data.regression_1d(32, seed=0)
    net = bp.Network([1, 8, 1], ["tanh", "identity"], loss="half_mse", seed=0)
    return scale_loss(net, factor), X, Y


def verdict_rows(cases, eps=1e-6, threshold=ABSOLUTE_THRESHOLD):
    """One row per (label, net, X, Y): largest |gradient|, the absolute
    difference and its verdict against `threshold`, the largest relative error and its verdict."""
    rows = []
    for label, net, X, Y in cases:
        absolute, check = absolute_differences(net, X, Y, eps)
        biggest = max(float(np.abs(g).max()) for g in check.analytic.values())
        abs_max = max(absolute.values())
        rows.append({"case": label, "largest |g|": biggest, "absolute": abs_max,
                     "absolute verdict": "pass" if abs_max < threshold else "fail",
                     "relative": check.max_relative_error,
                     "relative verdict": "pass" if check.passed(threshold) else "fail"})
    return rows


def rows_markdown(rows):
    """A Markdown table of `verdict_rows`, numbers in scientific notation (a "|" in a header
    such as "largest |g|" is escaped, so it cannot split the cell)."""
    from .notebook import markdown_table

    cells = [[f"{v:.1e}" if isinstance(v, float) else str(v) for v in r.values()] for r in rows]
    return markdown_table(list(rows[0]), cells)


def place_on_kink(net, X, offset, unit=0, example=0):
    """Set b1[unit] so that Z1[unit, example] = offset (a ReLU kink at 0 sits `offset` away).

    Returns the achieved pre-activation.
    """
    offset = check_real(offset, "offset")
    unit = check_int(unit, "unit", low=0)
    example = check_int(example, "example", low=0)
    X = net._check_X(X)
    if unit >= net.layer_sizes[1] or example >= X.shape[1]:
        raise ValueError(f"unit must be < {net.layer_sizes[1]} and example < {X.shape[1]}; "
                         f"got unit {unit}, example {example}")
    z = float(net.params["W1"][unit] @ X[:, example])
    net.params["b1"][unit, 0] = offset - z
    return float(net.params["W1"][unit] @ X[:, example] + net.params["b1"][unit, 0])


def kink_problem():
    """A small ReLU network and data for the kink demonstration."""
    X, Y = bp.data.regression_1d(16, seed=2)
    net = bp.Network([1, 6, 1], ["relu", "identity"], loss="half_mse", init="he", seed=3)
    return net, X, Y


def kink_errors(offsets, eps=1e-6):
    """gradcheck's largest relative error with Z1[0, 0] placed at each offset from 0."""
    eps = check_positive(eps, "eps")
    out = []
    for offset in offsets:
        net, X, Y = kink_problem()
        place_on_kink(net, X, offset)
        out.append(bp.gradcheck(net, X, Y, eps=eps).max_relative_error)
    return np.array(out)


def pre_activations_near_zero(net, X, within):
    """How many pre-activations of ReLU-type layers lie within `within` of 0."""
    within = check_real(within, "within", low=0.0)
    net.forward(X)
    count = 0
    for l, name in enumerate(net.activation_names, start=1):
        if name in ("relu", "leaky_relu"):
            count += int(np.count_nonzero(np.abs(net.cache["Z"][l]) <= within))
    return count
