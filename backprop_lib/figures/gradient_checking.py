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
* `best_error_model`: the U's bottom predicted from u: with the error
  eps^2 |L^(3)| / 6 + u |L| / eps, the best step is of the order u^(1/3) and the best error
  of the order u^(2/3) (times the function's scales); `best_over_seeds` measures both over
  network seeds on `FINE_EPS`.
* `taken_step_curves`: float32 parameters, dividing by the step actually taken or by
  2 eps, with the loss in float32 and in float64.
* `float32_curve_other_order`: float32's U computed by an independent forward pass that
  sums in another order, to separate what float32 fixes from what the code fixes.
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
#: Quarter decades from 1e-12 to 1e-1, for locating the bottom of the U finer than a decade.
FINE_EPS = tuple(10.0 ** (k / 4) for k in range(-48, -3))
#: The network seeds over which the bottom of the U is reported.
U_SEEDS = (1, 2, 3, 4, 5)
DTYPES = ("float64", "float32")
ABSOLUTE_THRESHOLD = 1e-7


def _eps_problem(seed=1):
    """A small tanh network and data, the same every time (the chapter's: seed 1)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8))
    Y = rng.standard_normal((1, 8))
    net = bp.Network([3, 5, 1], ["tanh", "identity"], loss="half_mse", seed=seed)
    return net, X, Y


def _twin(net, dtype):
    twin = bp.Network(net.layer_sizes, net.activation_names, loss=net.loss_name,
                      seed=net.seed, dtype=np.dtype(dtype))
    twin.set_params(net.params)
    return twin


def eps_curve(eps_values=EPS_VALUES, seed=1, taken_step=False):
    """{dtype: array of relative errors, one per eps}, and the float64 gradient used.

    The reference gradient is backpropagation in float64; the numerical gradient is
    computed by a network of the given dtype holding the same parameters. seed: the
    network's (the chapter's figure: 1).
    """
    eps_values = [check_positive(e, "eps_values entry") for e in eps_values]
    net, X, Y = _eps_problem(seed)
    reference = flatten(net.gradients(X, Y))
    out = {"eps": np.array(eps_values)}
    for name in DTYPES:
        twin = _twin(net, name)
        errs = []
        for eps in eps_values:
            num = bp.numerical_gradients(twin, X, Y, eps=eps, taken_step=taken_step)
            errs.append(bp.relative_error(flatten(num), reference))
        out[name] = np.array(errs)
    return out


def unit_roundoff(dtype):
    """u = half the machine epsilon: the largest relative error of one rounding."""
    return float(np.finfo(np.dtype(dtype)).eps) / 2


def best_error_model(dtype):
    """(u^(1/3), u^(2/3)): the orders of the best step and of the best error of central
    differences predicted from u alone. The error eps^2 |L^(3)| / 6 + u |L| / eps is
    smallest at eps = (3 u |L| / |L^(3)|)^(1/3), where it is (3/2) (3 u |L| / |L^(3)|)^(2/3)
    |L^(3)| / 3: with the function's scales about 1, of the order u^(1/3) and u^(2/3)."""
    u = unit_roundoff(dtype)
    return u ** (1 / 3), u ** (2 / 3)


def best_over_seeds(seeds=U_SEEDS, eps_values=FINE_EPS):
    """{dtype: (best eps per seed, best error per seed)} on the grid `eps_values`."""
    out = {name: ([], []) for name in DTYPES}
    for seed in seeds:
        curve = eps_curve(eps_values, seed=seed)
        for name in DTYPES:
            e, err = best_eps(curve, name)
            out[name][0].append(e)
            out[name][1].append(err)
    return {name: (np.array(a), np.array(b)) for name, (a, b) in out.items()}


def taken_step_curves(eps_values=EPS_VALUES, seed=1):
    """Relative errors of central differences with float32 parameters, dividing by 2 eps
    ("nominal") or by the steps actually taken ("taken"), with the loss computed in float32
    ("float32 loss") or in float64 from the float32 parameters ("float64 loss").

    Returns {"eps": ..., ("float32 loss", "nominal"): errors, ...}; the reference is the
    float64 backprop gradient at the float32 parameters.
    """
    eps_values = [check_positive(e, "eps_values entry") for e in eps_values]
    net, X, Y = _eps_problem(seed)
    stored = {k: v.astype(np.float32) for k, v in net.params.items()}
    wide = _twin(net, "float64")
    wide.set_params(stored)
    reference = flatten(wide.gradients(X, Y))
    narrow = _twin(net, "float32")
    narrow.set_params(stored)

    def wide_loss():  # the float32 arrays, read into float64 for the loss
        wide.set_params(narrow.params)
        return wide.loss(X, Y)

    out = {"eps": np.array(eps_values)}
    for loss_name, loss in (("float32 loss", lambda: narrow.loss(X, Y)),
                            ("float64 loss", wide_loss)):
        for step in ("nominal", "taken"):
            errs = []
            for eps in eps_values:
                num = {"d" + k: bp.numerical_gradient(loss, p, eps, taken_step=step == "taken")
                       for k, p in narrow.params.items()}
                errs.append(bp.relative_error(flatten(num), reference))
            out[(loss_name, step)] = np.array(errs)
    return out


def _loss_other_order(params, X, Y, names):
    """half_mse of a tanh/identity network in float32, every sum taken one term at a time
    in reverse order (the library lets NumPy and BLAS choose the order)."""
    A = X.astype(np.float32)
    for l, act in enumerate(names, start=1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = np.broadcast_to(b, (W.shape[0], A.shape[1])).astype(np.float32)
        for k in reversed(range(W.shape[1])):
            Z = Z + W[:, k:k + 1] * A[k:k + 1, :]
        A = np.tanh(Z) if act == "tanh" else Z
    total = np.float32(0)
    for r in reversed((A - Y.astype(np.float32)).ravel()):
        total = np.float32(total + r * r)
    return float(np.float32(0.5) * total / np.float32(A.shape[1]))


def float32_curve_other_order(eps_values=EPS_VALUES, seed=1):
    """float32's U curve with the loss of an independent forward pass that sums in another
    order (chapter "Gradient checking", on what float32 fixes and what the code fixes)."""
    eps_values = [check_positive(e, "eps_values entry") for e in eps_values]
    net, X, Y = _eps_problem(seed)
    reference = flatten(net.gradients(X, Y))
    params = {k: v.astype(np.float32) for k, v in net.params.items()}
    loss = lambda: _loss_other_order(params, X, Y, net.activation_names)  # noqa: E731
    errs = []
    for eps in eps_values:
        num = {"d" + k: bp.numerical_gradient(loss, p, eps) for k, p in params.items()}
        errs.append(bp.relative_error(flatten(num), reference))
    return np.array(errs)


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
        for name, colour in (("float64", BLUE), ("float32", ORANGE)):  # the U's predicted floor
            ax.axhline(best_error_model(name)[1], color=colour, lw=0.9, ls="-.")
        ax.plot([], [], color=BLACK, lw=0.9, ls="-.", label="u^(2/3) of each type")
        line = ax.axvline(eps, color=VERMILLION, lw=1.2, ls="--", label="chosen eps")
        # the readout sits in the title, clear of the curves and the u^(2/3) lines
        text = ax.set_title("", fontsize=9)
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
        _CURVE["curve"] = eps_curve(FINE_EPS)
    curve = _CURVE["curve"]
    eps = min(EPS_VALUES, key=lambda e: abs(np.log10(e) - np.log10(eps)))  # the slider's grid
    i = int(np.argmin(np.abs(np.log10(curve["eps"]) - np.log10(eps))))
    return {"curve": curve, "eps": float(curve["eps"][i]),
            "float64": float(curve["float64"][i]), "float32": float(curve["float32"][i])}


def alt(params, result):
    """The frame in words (alt text and caption)."""
    return (f"Relative error of central differences against backpropagation versus eps, "
            f"log-log, a U-shaped curve for float64 and a higher one for float32, each "
            f"bottoming out near its dash-dotted line u^(2/3); at eps = "
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


#: The deep sigmoid network of the false pass, its "small" weight scale (the "small"
#: initialization: standard normal times 0.01), and the loss factor of the false fail.
FALSE_PASS_SIZES = (4, 8, 8, 8, 1)
SMALL_INIT_SCALE = 0.01
FALSE_FAIL_FACTOR = 1e4
#: The network seeds over which the tiny-gradient contrast is reported (review M1).
TINY_SEEDS = (0, 1, 2, 3, 4)
#: The step of the tiny-gradient check, and the larger steps of its remedy.
TINY_EPS, REMEDY_EPS = 1e-6, (1e-5, 1e-3)


def false_pass_problem(init="small", seed=0):
    """A deep sigmoid network with the bug "layer1_no_derivative", and its data (the data
    are the same for every network seed)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 16))
    Y = rng.uniform(0, 1, (1, 16))
    net = BuggyNetwork(list(FALSE_PASS_SIZES), "sigmoid", loss="half_mse", init=init,
                       seed=seed, bug="layer1_no_derivative")
    return net, X, Y


def tiny_gradients_over_seeds(seeds=TINY_SEEDS, inits=("small", "xavier"), eps=TINY_EPS,
                              remedy_eps=REMEDY_EPS):
    """The tiny-gradient contrast over network seeds: {init: {"correct", "buggy", "dW1",
    "remedy": {eps: ...}}}, each an array over `seeds`: the largest relative error of the
    fixed (correct) network and of the buggy one at `eps`, ||dW^[1]|| of the correct one,
    and the correct network's largest relative error at each larger step of `remedy_eps`."""
    out = {}
    for init in inits:
        rows = {"correct": [], "buggy": [], "dW1": [], "remedy": {e: [] for e in remedy_eps}}
        for seed in seeds:
            buggy, X, Y = false_pass_problem(init, seed)
            fixed = buggy.fixed()
            check = bp.gradcheck(fixed, X, Y, eps=eps)
            rows["correct"].append(check.max_relative_error)
            rows["dW1"].append(float(np.linalg.norm(check.analytic["dW1"])))
            rows["buggy"].append(bp.gradcheck(buggy, X, Y, eps=eps).max_relative_error)
            for e in remedy_eps:
                rows["remedy"][e].append(bp.gradcheck(fixed, X, Y, eps=e).max_relative_error)
        out[init] = {k: (np.array(v) if k != "remedy" else {e: np.array(r) for e, r in v.items()})
                     for k, v in rows.items()}
    return out


def scale_loss(net, factor):
    """A copy of `net` whose loss (and, correctly, its gradient) is multiplied by `factor`,
    as when a loss is summed over a batch instead of averaged."""
    factor = check_positive(factor, "factor")
    twin = net.copy()
    base = net._loss
    twin._loss = replace(base, value=lambda A, Y: factor * base.value(A, Y),
                         gradient=lambda A, Y: factor * base.gradient(A, Y))
    return twin


def false_fail_problem(factor=FALSE_FAIL_FACTOR):
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
