"""Demonstrations behind chapter "The algorithm for L layers".

Compute functions (NumPy only; matplotlib is imported inside the drawing functions):

- `shape_rows(net, X, Y)`: the notation table with the shapes a real trace has;
- `per_example_backward(net, X, Y)`: a common convention (no 1/m in dA_L, divide dW and db
  by m instead), to set beside the library's;
- `draw_saturation(...)`, `saturation_image(...)`: Figure 1, a saturated sigmoid output
  learning under half MSE and under cross-entropy (computed by `reference.saturated_output`);
- `loss_from_Z(net, l, Y)` and `dZ_true_partial(...)`: the loss as a function of Z{l} alone,
  so a numerical derivative can check that dZ{l} is a true partial derivative;
- `softmax_chain(Z, Y)`: the output error of softmax + cross-entropy computed through
  softmax's Jacobian, to compare with the short form (y_hat - y) / m;
- `train_spirals(...)`, `draw_regions(...)`: a softmax classifier on bp.data.spirals;
- the "key insights" in numbers: `attribution_rows` (a weight's gradient is the error at
  its end times the activation at its start, and is what nudging it measures),
  `layer_backward` (one layer's backward step from local quantities only) and
  `multiplication_counts` (what backpropagation costs against finite differences and
  against summing over paths without reuse).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations as _activations
from .. import data as _data
from .. import optimizers as _optimizers
from .._checks import check_int
from ..gradcheck import numerical_gradient
from ..losses import softmax
from ..network import Network
from ..train import train as _train

# ----------------------------------------------------------------------------- shapes


def shape_rows(net, X, Y):
    """Rows (name, shape in symbols, shape in this trace) for every quantity of a trace."""
    t = net.trace(X, Y)
    rows = []
    for name, value in t.items():
        if name == "loss":
            rows.append(("loss", "scalar", "scalar"))
            continue
        rows.append((name, _symbolic_shape(name), str(tuple(np.shape(value)))))
    for l in range(1, net.L + 1):
        for p, sym in ((f"W{l}", f"(n_{l}, n_{l - 1})"), (f"b{l}", f"(n_{l}, 1)")):
            rows.append((p, sym, str(net.params[p].shape)))
    return rows


def _symbolic_shape(name):
    base = name[1:] if name.startswith("d") else name
    kind, l = base[0], int(base[1:])
    if kind == "W":
        return f"(n_{l}, n_{l - 1})"
    if kind == "b":
        return f"(n_{l}, 1)"
    return f"(n_{l}, m)"


# ----------------------------------------------------------------------------- where 1/m goes


def per_example_backward(net, X, Y):
    """The backward pass of a common convention: dA_L without 1/m, then dW and db / m.

    dA_L is the derivative of the loss of each example (m times the library's), so every
    dZ{l} and dA{l} is m times the true partial derivative of the mean loss; dividing dW
    and db by m at the end gives the same dW and db as the library. Returns a dict with
    "dA{L}", "dZ{l}", "dW{l}", "db{l}" and "dA{l-1}".
    """
    t = net.trace(X, Y)
    m = np.shape(X)[1]
    out = {f"dA{net.L}": m * t[f"dA{net.L}"]}
    dA = out[f"dA{net.L}"]
    for l in range(net.L, 0, -1):
        f = _activations.get(net.activation_names[l - 1])
        if l == net.L and net.loss_name == "softmax_ce":
            dZ = dA  # the library's dA_L of softmax_ce is already dL/dZ_L (see losses)
        else:
            dZ = dA * f.derivative(t[f"Z{l}"], t[f"A{l}"])
        out[f"dZ{l}"] = dZ
        out[f"dW{l}"] = dZ @ t[f"A{l - 1}"].T / m
        out[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = net.params[f"W{l}"].T @ dZ
        out[f"dA{l - 1}"] = dA
    return out


def loss_from_Z(net, l, Y):
    """(Z, f): a copy Z of the current Z{l} and f() = the loss computed from Z onward.

    f reads Z, so bp.numerical_gradient(f, Z) differentiates the loss with respect to Z{l}
    alone, holding every parameter fixed. Call net.forward(X) first.
    """
    l = check_int(l, "l", low=1)
    if net.cache is None:
        raise ValueError("run net.forward(X) before loss_from_Z: it starts from the stored Z{l}")
    if l > net.L:
        raise ValueError(f"l must be a layer from 1 to {net.L}; got {l}")
    Z = net.cache["Z"][l].copy()
    Y = np.asarray(Y, dtype=Z.dtype)

    def f():
        Zk = Z
        A = net._f[l - 1](Zk)
        for k in range(l + 1, net.L + 1):
            Zk = net.params[f"W{k}"] @ A + net.params[f"b{k}"]
            A = net._f[k - 1](Zk)
        return net._loss.output_value(Zk, A, Y, net.activation_names[-1])  # as net.loss

    return Z, f


def dZ_true_partial(net, X, Y, l, eps=1e-6):
    """Central differences of the mean loss with respect to Z{l} (for comparison with dZ{l})."""
    net.forward(X)
    Z, f = loss_from_Z(net, l, Y)
    return numerical_gradient(f, Z, eps)


# ----------------------------------------------------------------------------- softmax


def softmax_chain(Z, Y):
    """dL/dZ for L = mean cross-entropy of softmax(Z), by the chain rule through the Jacobian.

    Per example i: p = softmax(z_i), dL/dp = -y_i / (m p), J = diag(p) - p p^T (symmetric),
    dL/dz_i = J^T dL/dp. Returns (chain, short) where short = (softmax(Z) - Y) / m.
    """
    Z = np.asarray(Z, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Z.ndim != 2 or Z.shape != Y.shape:
        raise ValueError(f"Z and Y must be matrices of the same shape (n_L, m); got "
                         f"{Z.shape} and {Y.shape}")
    m = Z.shape[1]
    P = softmax(Z)
    chain = np.empty_like(Z)
    for i in range(m):
        p = P[:, i]
        J = np.diag(p) - np.outer(p, p)
        chain[:, i] = J.T @ (-Y[:, i] / (m * p))
    return chain, (P - Y) / m


@dataclass(frozen=True)
class SpiralsRun:
    """A softmax classifier trained on spirals: its network, data and loss per epoch."""

    net: Network
    X: np.ndarray
    labels: np.ndarray
    loss: np.ndarray
    accuracy: float
    diverged: bool


def train_spirals(hidden=32, lr=0.01, epochs=1000, seed=0):
    """A [2, hidden, 3] tanh network with softmax cross-entropy, trained by Adam on spirals."""
    X, Y = _data.spirals(m_per_class=100, n_classes=3, noise=0.2, seed=seed)
    net = Network([2, hidden, 3], activations=["tanh", "identity"], loss="softmax_ce",
                  init="xavier", seed=seed)
    history = _train(net, X, Y, optimizer=_optimizers.Adam(lr=lr), epochs=epochs,
                     on_divergence="ignore")
    labels = Y.argmax(axis=0)
    accuracy = float(np.mean(net.predict(X).argmax(axis=0) == labels))
    return SpiralsRun(net, X, labels, history.loss, accuracy, history.diverged)


def draw_regions(run, figsize=(7, 3)):
    """Left: the loss per epoch; right: the class the network picks over the plane."""
    from .. import plots

    colours = plots.PALETTE[:3]
    fig = plots.figure(figsize)
    with plots.style():
        left, right = fig.subplots(1, 2, width_ratios=[2, 3])
        # loss[e] is measured before epoch e's update: after e completed epochs
        left.plot(np.arange(len(run.loss)), run.loss, color=plots.BLUE)
        left.set_yscale("log")
        left.set_xlabel("epochs completed")
        left.set_ylabel("softmax cross-entropy")
        xx, yy, P = _grid(run)
        right.contourf(xx, yy, P, levels=[-0.5, 0.5, 1.5, 2.5], colors=colours, alpha=0.25)
        for k, c in enumerate(colours):
            pts = run.X[:, run.labels == k]
            right.scatter(pts[0], pts[1], s=8, color=c, marker="osD"[k], label=f"class {k}")
        right.set_title(f"training accuracy {run.accuracy:.1%}")
        right.legend(loc="upper right", fontsize=7, markerscale=1.2)
        right.set_aspect("equal")
        right.set_xlabel("$x_1$")
        right.set_ylabel("$x_2$")
    return fig


def _grid(run, n=150):
    lo, hi = run.X.min(axis=1) - 0.3, run.X.max(axis=1) + 0.3
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
    pred = run.net.predict(np.vstack([xx.ravel(), yy.ravel()])).argmax(axis=0)
    return xx, yy, pred.reshape(xx.shape)


# ----------------------------------------------------------------------------- key insights


def attribution_rows(net, X, Y, eps=1e-6):
    """For every weight: source activation, destination error, their product, the library's
    gradient, and the gradient measured by nudging that one weight (central differences).

    Rows (name, a_source, dz_dest, product, gradient, measured); a_source and dz_dest are
    rows over the m examples, and the product sums a_source * dz_dest over them:
    dW{l}[i, j] = sum over examples of dZ{l}[i] A{l-1}[j].
    """
    t = net.trace(X, Y)
    rows = []
    for l in range(1, net.L + 1):
        W = net.params[f"W{l}"]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                a = t[f"A{l - 1}"][j]
                dz = t[f"dZ{l}"][i]
                measured = _nudge(net, X, Y, f"W{l}", (i, j), eps)
                rows.append((f"W{l}[{i + 1},{j + 1}]", a, dz, float(np.sum(a * dz)),
                             float(t[f"dW{l}"][i, j]), measured))
    return rows


def _nudge(net, X, Y, name, idx, eps):
    W = net.params[name]
    old = W[idx]
    try:
        W[idx] = old + eps
        plus = net.loss(X, Y)
        W[idx] = old - eps
        minus = net.loss(X, Y)
    finally:
        W[idx] = old
    return (plus - minus) / (2 * eps)


def layer_backward(dA, Z, A, A_prev, W, activation):
    """One layer's backward step from quantities that live at that layer only.

    dA: dL/dA{l} from the layer above; Z, A: this layer's stored forward values;
    A_prev: the layer's input; W: its weights. Returns (dW, db, dA_prev).
    """
    dZ = dA * _activations.get(activation).derivative(Z, A)
    return dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True), W.T @ dZ


def local_backward(net, X, Y):
    """All gradients by calling layer_backward from the top layer down, nothing else shared."""
    t = net.trace(X, Y)
    grads = {}
    dA = t[f"dA{net.L}"]
    if net.loss_name == "softmax_ce":
        raise ValueError("local_backward handles losses taken on A_L; softmax_ce is taken on Z_L")
    for l in range(net.L, 0, -1):
        dW, db, dA = layer_backward(dA, t[f"Z{l}"], t[f"A{l}"], t[f"A{l - 1}"],
                                    net.params[f"W{l}"], net.activation_names[l - 1])
        grads[f"dW{l}"], grads[f"db{l}"] = dW, db
    return grads


def multiplication_counts(layer_sizes, m=1):
    """Multiplications to get every gradient of a dense network, three ways.

    forward:   m sum_l n_l n_{l-1}                    (the products W A)
    backprop:  forward + backward; backward = m sum_l n_l n_{l-1} (dW) + m sum_{l>=2}
               n_l n_{l-1} (dA) + m sum_l n_l (dZ = dA * f'), about twice the forward pass
    finite_differences: 2 P forward passes (central differences, P parameters)
    paths:     the chain rule without reuse: the gradient of a weight into layer l sums,
               over every path from that unit to the outputs, a product of 2 (L - l) + 1
               factors; there are n_{l+1} ... n_L such paths, so the count grows
               exponentially with depth. (Per example, times m.)
    Additions and evaluating f or f' are not counted; the products dA * f' are.
    """
    sizes = [check_int(n, f"layer_sizes[{i}]", low=1) for i, n in enumerate(layer_sizes)]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes must list at least inputs and one layer; got {sizes}")
    m = check_int(m, "m", low=1)
    L = len(sizes) - 1
    weights = [sizes[l] * sizes[l - 1] for l in range(1, L + 1)]
    P = sum(weights) + sum(sizes[1:])
    forward = m * sum(weights)
    backward = m * (sum(weights) + sum(weights[1:]) + sum(sizes[1:]))
    paths = 0
    for l in range(1, L + 1):
        n_paths = int(np.prod(sizes[l + 1:], dtype=object)) if l < L else 1
        paths += m * (weights[l - 1] + sizes[l]) * n_paths * (2 * (L - l) + 1)
    return {"P": P, "forward": forward, "backprop": forward + backward,
            "finite_differences": 2 * P * forward, "paths": paths}


def count_paths(layer_sizes, l):
    """The number of paths from one unit of layer l to the outputs, by enumeration (for tests)."""
    counts = [1] * layer_sizes[-1]
    for k in range(len(layer_sizes) - 2, l - 1, -1):
        counts = [sum(counts)] * layer_sizes[k]
    return counts[0]


def regions_image(run, figsize=(7, 3)):
    """draw_regions as an IPython Image (PNG at twice its displayed pixels, notebook.as_image).

    A Figure made without pyplot has no PNG formatter in the kernel, so it is rendered here.
    """
    from .notebook import as_image

    return as_image(draw_regions(run, figsize))


# ----------------------------------------------------------------------------- saturation


def draw_saturation(outputs=None, figsize=(7, 3.2)):
    """Figure 1 of chapter 4: the output a of one saturated sigmoid unit, step by step.

    outputs: reference.saturated_output()'s dict (half_mse and bce). The legend sits under
    the axes, so it covers no curve.
    """
    from .. import plots
    from .. import reference as _reference

    outputs = _reference.saturated_output() if outputs is None else outputs
    fig = plots.figure(figsize)
    with plots.style():
        ax = fig.subplots()
        for key, colour, style, label in (
                ("bce", plots.BLUE, "-", r"cross-entropy: $\partial\ell/\partial z = a - y$"),
                ("half_mse", plots.ORANGE, "--",
                 r"half MSE: $\partial\ell/\partial z = (a - y)\,\sigma'(z)$")):
            a = outputs[key]
            ax.plot(np.arange(len(a)), a, color=colour, linestyle=style, label=label)
        ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":")
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlim(0, len(outputs["bce"]) - 1)
        ax.set_xlabel("gradient steps taken")
        ax.set_ylabel("output $a = \\sigma(z)$ (target $y = 1$)")
        fig.legend(loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    return fig


def saturation_image(outputs=None, figsize=(7, 3.2)):
    """draw_saturation as an IPython Image (notebook.as_image)."""
    from .notebook import as_image

    return as_image(draw_saturation(outputs, figsize))
