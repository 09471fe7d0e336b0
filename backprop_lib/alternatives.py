"""Four ways to get the gradient of the loss, with what each one costs.

Chapter "Backpropagation against its alternatives" measures them side by side. Each
function returns an `Estimate`: the gradients ("dW1", "db1", ... as `Network.gradients`)
and a count of the passes through the network it made and of the numbers it had to keep.
Tangents (forward mode) carry a dot, W_dot for the book's \\dot W^{[l]}; adjoints keep the
book's d: dW{l} = dL/dW{l}.

* `backprop`: reverse mode (Linnainmaa 1970). One forward pass that keeps every Z{l}
  and A{l}, then one backward pass. Cost: a small constant times one forward pass,
  whatever the number of parameters P.
* `finite_differences`: central differences, (L(w + eps) - L(w - eps)) / (2 eps) for
  each of the P entries: 2P forward passes, each keeping only the current layer.
* `forward_mode`: forward-mode differentiation. A tangent pass (a JVP, Jacobian-vector
  product) pushes one direction theta_dot in parameter space through the layers beside
  the values,

      Z_dot{l} = W_dot{l} A{l-1} + W{l} A_dot{l-1} + b_dot{l}    A_dot{l} = f'(Z{l}) * Z_dot{l}

  and yields the directional derivative dL/dA{L} . A_dot{L} = grad . theta_dot exactly.
  The full gradient needs one tangent pass per parameter: P passes.
* `evolution_strategy`: antithetic Gaussian perturbations (Salimans et al. 2017),

      g = 1 / (2 sigma N) sum_k (L(theta + sigma v_k) - L(theta - sigma v_k)) v_k,

  an unbiased estimate of the gradient of the smoothed loss E[L(theta + sigma v)],
  from 2N forward passes, with a relative error of about sqrt((P + 1) / N).

`error_to` is the chapter's one relative error, ||g - grad|| / ||grad||; `relative_error_to`
is chapter "Gradient checking"'s symmetric form, kept for that chapter.
`multiply_adds` counts the multiply-adds of one pass of each kind (forward, backward,
tangent), so that passes of different costs can be compared.
`floats_kept` counts the activations (and perturbation vectors) a method must hold at
once beyond the parameters and the gradient; with m examples a column, that is what
decides memory. `pass_peak_bytes` measures it (tracemalloc) for one pass of each method.
`loss_value` is a forward pass that keeps only the current layer. This module needs NumPy
alone (and the standard library's tracemalloc).
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_choice, check_int, check_positive, check_seed, describe
from .gradcheck import numerical_gradient
from .jacobian_chain import check_layer_sizes

METHODS = ("backprop", "finite_differences", "forward_mode", "evolution_strategy")
PASS_KINDS = ("forward", "backward", "tangent")

#: Baur and Strassen 1983: a rational function and all its partial derivatives can be
#: computed with at most this many times the multiplications and divisions of the function
#: alone (additions and multiplications by constants counted free).
BAUR_STRASSEN_BOUND = 3
#: Salimans et al. 2017 ran their evolution strategy on up to this many CPU cores.
SALIMANS_2017_CORES = 1440


@dataclass
class Estimate:
    """A gradient and what it cost: passes through the network and numbers kept."""

    method: str
    grads: dict = field(repr=False)
    forward_passes: int = 0
    backward_passes: int = 0
    tangent_passes: int = 0
    floats_kept: int = 0

    @property
    def passes(self) -> int:
        """All passes through the network, of any kind."""
        return self.forward_passes + self.backward_passes + self.tangent_passes


def _check_net(net):
    if not (hasattr(net, "params") and hasattr(net, "check_data") and hasattr(net, "_f")):
        raise TypeError(f"net must be a backprop_lib.Network; got {describe(net)}")
    net._check_params()  # a parameter assigned directly gets a named error, not a matmul one


def loss_value(net, X, Y) -> float:
    """The batch's mean loss from a forward pass that keeps only the current layer.

    X and Y must already be checked arrays (see `Network.check_data`).
    """
    A = X
    for l in range(1, net.L + 1):
        Z = net.params[f"W{l}"] @ A + net.params[f"b{l}"]
        A = net._f[l - 1](Z)
    # from the logits Z{L} where the loss is fused with the last activation (bce)
    return net._loss.output_value(Z, A, Y, net.activation_names[-1])


def _layer_pair_floats(net, m: int) -> int:
    """Floats of the largest pair of consecutive layers' activations: what a pass that
    keeps only the current layer holds at once."""
    sizes = net.layer_sizes
    return max(sizes[l - 1] + sizes[l] for l in range(1, net.L + 1)) * m


def cache_floats(net, m: int) -> int:
    """Floats backprop keeps from its forward pass: A0, ..., A{L} and Z1, ..., Z{L}."""
    sizes = net.layer_sizes
    return (sum(sizes) + sum(sizes[1:])) * m


def floats_kept(method, net, m) -> int:
    """The floats `method` must hold at once for m examples, beyond parameters and gradient.

    backprop keeps every layer's A and Z for its backward pass; the others run passes
    that keep only the current pair of layers (forward mode: values and tangents; the
    evolution strategy: also one perturbation vector of P numbers).
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    _check_net(net)
    m = check_int(m, "m", low=1)
    if method == "backprop":
        return cache_floats(net, m)
    pair = _layer_pair_floats(net, m)
    return {"finite_differences": pair, "forward_mode": 2 * pair,
            "evolution_strategy": pair + net.n_params}[method]


def backprop(net, X, Y) -> Estimate:
    """Reverse mode: one forward pass (keeping its Z and A) and one backward pass."""
    _check_net(net)
    X, Y = net.check_data(X, Y)
    _, grads = net.loss_and_gradients(X, Y, checked=True)
    return Estimate("backprop", grads, forward_passes=1, backward_passes=1,
                    floats_kept=floats_kept("backprop", net, X.shape[1]))


def finite_differences(net, X, Y, eps=1e-6) -> Estimate:
    """Central differences on every parameter entry: 2P forward passes."""
    _check_net(net)
    eps = check_positive(eps, "eps")
    X, Y = net.check_data(X, Y)
    calls = [0]

    def f():
        calls[0] += 1
        return loss_value(net, X, Y)

    grads = {"d" + k: numerical_gradient(f, w, eps) for k, w in net.params.items()}
    return Estimate("finite_differences", grads, forward_passes=calls[0],
                    floats_kept=floats_kept("finite_differences", net, X.shape[1]))


def jvp(net, X, Y, tangent) -> tuple:
    """One tangent pass: (loss, directional derivative of the loss along `tangent`).

    tangent: a dict of parameter names to arrays of their shapes, the direction theta_dot
    (a missing name means a zero tangent for that parameter). Values and tangents go
    forward together, so only the current layer is kept. X and Y must already be checked
    arrays. Chapter "Backpropagation against its alternatives" derives each line.
    """
    A, A_dot = X, None  # the inputs do not move: their tangent is zero
    for l in range(1, net.L + 1):
        W = net.params[f"W{l}"]
        Z = W @ A + net.params[f"b{l}"]
        Z_dot = None if A_dot is None else W @ A_dot               # W A_dot
        W_dot, b_dot = tangent.get(f"W{l}"), tangent.get(f"b{l}")
        if W_dot is not None:                                       # + W_dot A
            Z_dot = W_dot @ A if Z_dot is None else Z_dot + W_dot @ A
        if b_dot is not None:                                       # + b_dot
            Z_dot = (np.zeros_like(Z) + b_dot) if Z_dot is None else Z_dot + b_dot
        f = net._f[l - 1]
        A_new = f(Z)
        Z_dot_L = Z_dot  # the tangent of Z{l}; the last one is kept for a fused loss
        A_dot = None if Z_dot is None else f.derivative(Z, A_new) * Z_dot
        A = A_new
    activation = net.activation_names[-1]
    loss = net._loss.output_value(Z, A, Y, activation)
    if A_dot is None:
        return loss, 0.0
    # where the loss is fused with the last activation (bce after sigmoid, softmax_ce after
    # the identity), dL/dZ{L} from the logits times the tangent of Z{L}: the route through
    # dL/dA would multiply 1/(a (1 - a)) by a (1 - a), which is inf * 0 once sigma(z) = 1
    delta = net._loss.output_delta(A, Y, activation, Z=Z)
    if delta is not None:
        return loss, float(np.sum(delta * Z_dot_L))
    return loss, float(np.sum(net._loss.gradient(A, Y) * A_dot))


def _check_tangent(net, tangent):
    if not isinstance(tangent, dict):
        raise TypeError(f"tangent must be a dict of arrays by parameter name; "
                        f"got {describe(tangent)}")
    shapes = net.param_shapes()
    for name, value in tangent.items():
        if name not in shapes:
            raise ValueError(f"tangent has unknown parameter {name!r}; expected names from "
                             f"{sorted(shapes)}")
        if np.shape(value) != shapes[name]:
            raise ValueError(f"tangent[{name!r}] must have shape {shapes[name]}; "
                             f"got {np.shape(value)}")
    return {k: np.asarray(v, dtype=net.dtype) for k, v in tangent.items()}


def directional_derivative(net, X, Y, tangent) -> float:
    """grad . tangent from one tangent pass (a checked front end of `jvp`)."""
    _check_net(net)
    X, Y = net.check_data(X, Y)
    return jvp(net, X, Y, _check_tangent(net, tangent))[1]


def forward_mode(net, X, Y) -> Estimate:
    """Forward-mode differentiation: one tangent pass per parameter entry (P passes)."""
    _check_net(net)
    X, Y = net.check_data(X, Y)
    grads, passes = {}, 0
    for name, w in net.params.items():
        g = np.zeros(w.shape, dtype=np.float64)
        unit = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            unit[idx] = 1
            g[idx] = jvp(net, X, Y, {name: unit})[1]
            unit[idx] = 0
            passes += 1
        grads["d" + name] = g
    return Estimate("forward_mode", grads, tangent_passes=passes,
                    floats_kept=floats_kept("forward_mode", net, X.shape[1]))


def flatten(params) -> np.ndarray:
    """All parameters (or gradients) in one vector, in the order of the dict."""
    return np.concatenate([np.ravel(v) for v in params.values()])


def unflatten(vector, like) -> dict:
    """Split a vector into arrays shaped as the values of the dict `like` (same keys)."""
    total = sum(np.size(v) for v in like.values())
    if np.ndim(vector) != 1 or len(vector) != total:
        raise ValueError(f"vector must be 1-D with {total} entries; got shape {np.shape(vector)}")
    out, start = {}, 0
    for name, v in like.items():
        out[name] = np.reshape(vector[start:start + v.size], v.shape)
        start += v.size
    return out


def evolution_strategy(net, X, Y, sigma=1e-3, n_pairs=100, seed=0) -> Estimate:
    """Antithetic evolution-strategy estimate of the gradient of the smoothed loss.

    sigma: standard deviation of the Gaussian perturbations of all parameters.
    n_pairs: N, the number of pairs (theta + sigma v_k, theta - sigma v_k), v_k ~ N(0, I):
    2N forward passes.
    """
    _check_net(net)
    sigma = check_positive(sigma, "sigma")
    n_pairs = check_int(n_pairs, "n_pairs", low=1)
    rng = np.random.default_rng(check_seed(seed))
    X, Y = net.check_data(X, Y)
    theta = flatten(net.params).astype(np.float64)
    g = np.zeros_like(theta)
    original = {k: v.copy() for k, v in net.params.items()}
    try:
        for _ in range(n_pairs):
            v = rng.standard_normal(theta.size)  # the direction v_k
            diffs = []
            for sign in (1.0, -1.0):
                for name, value in unflatten(theta + sign * sigma * v, net.params).items():
                    net.params[name][...] = value
                diffs.append(loss_value(net, X, Y))
            g += (diffs[0] - diffs[1]) * v
    finally:
        for name, v in original.items():
            net.params[name][...] = v
    g /= 2 * sigma * n_pairs
    grads = {"d" + k: v for k, v in unflatten(g, net.params).items()}
    return Estimate("evolution_strategy", grads, forward_passes=2 * n_pairs,
                    floats_kept=floats_kept("evolution_strategy", net, X.shape[1]))


def gradient(method, net, X, Y, **kwargs) -> Estimate:
    """The Estimate of one of METHODS by name (keyword arguments go to that method)."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    return globals()[method](net, X, Y, **kwargs)


def relative_error_to(reference, estimate) -> float:
    """||g - r|| / (||g|| + ||r||) over all parameters at once (0 when both vanish): the
    symmetric form of chapter "Gradient checking", bounded by 1. Chapter "Backpropagation
    against its alternatives" uses `error_to` instead."""
    from .gradcheck import relative_error

    return relative_error(flatten(estimate.grads), flatten(reference.grads))


def error_to(reference, estimate) -> float:
    """||g - r|| / ||r||: the error of an estimate g relative to the size of the reference
    gradient r, over all parameters at once. The one relative error of chapter
    "Backpropagation against its alternatives" (unbounded: a random guess of the right size
    scores about sqrt(2), an estimate with noise sqrt((P + 1)/N) times the gradient scores that)."""
    for name, value in (("reference", reference), ("estimate", estimate)):
        if not isinstance(value, Estimate):
            raise TypeError(f"{name} must be an Estimate (from backprop, forward_mode, ...); "
                            f"got {describe(value)}")
    r, g = flatten(reference.grads), flatten(estimate.grads)
    if r.shape != g.shape:
        raise ValueError(f"estimate has {g.size} gradient entries, reference {r.size}")
    size = float(np.linalg.norm(r))
    if size == 0.0:
        raise ValueError("reference gradient is zero: an error relative to it is undefined")
    return float(np.linalg.norm(g - r) / size)


def multiply_adds(kind, layer_sizes, m=1) -> int:
    """Multiply-adds of one pass of `kind` through a network with these layer sizes, for m
    examples, counting the matrix products only (they dominate):

    - "forward":  Z{l} = W{l} A{l-1} for every layer: sum_l n_l n_{l-1} m;
    - "backward": dW{l} = dZ{l} A{l-1}^T for every layer, and dA{l-1} = W{l}^T dZ{l} for
      l >= 2 (the inputs need no adjoint): about twice a forward pass;
    - "tangent":  the forward pass itself, W_dot{l} A{l-1} for every layer and W{l} A_dot{l-1}
      for l >= 2 (the inputs do not move), along a direction that moves every weight:
      about three forward passes.
    """
    check_choice(kind, "kind", PASS_KINDS)
    sizes = check_layer_sizes(layer_sizes)
    m = check_int(m, "m", low=1)
    products = [sizes[l] * sizes[l - 1] * m for l in range(1, len(sizes))]
    forward, inner = sum(products), sum(products[1:])
    return {"forward": forward, "backward": forward + inner,
            "tangent": 2 * forward + inner}[kind]


def smoothed_loss(f, sigma, n_nodes=41):
    """E[f(sigma e)] for a scalar function f of one number and e ~ N(0, 1), by
    Gauss-Hermite quadrature: the loss that an evolution strategy differentiates."""
    sigma = check_positive(sigma, "sigma")
    n_nodes = check_int(n_nodes, "n_nodes", low=1)
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)
    return float(sum(w * f(sigma * x) for x, w in zip(nodes, weights, strict=True))
                 / np.sqrt(2 * np.pi))


def peak_bytes(fn) -> int:
    """Measured: the peak of memory newly allocated while fn() runs (tracemalloc, which
    NumPy reports its array buffers to), in bytes."""
    if not callable(fn):
        raise TypeError(f"fn must be callable; got {describe(fn)}")
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return int(tracemalloc.get_traced_memory()[1] - base)
    finally:
        if not was_tracing:
            tracemalloc.stop()


def pass_peak_bytes(method, net, X, Y) -> int:
    """Measured peak memory of one pass of `method`: forward and backward for backprop,
    one forward pass keeping one layer for finite differences and the evolution strategy,
    one tangent pass (along W1) for forward mode."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    _check_net(net)
    X, Y = net.check_data(X, Y)
    if method == "backprop":
        return peak_bytes(lambda: net.loss_and_gradients(X, Y, checked=True))
    if method == "forward_mode":
        tangent = {"W1": np.ones_like(net.params["W1"])}
        return peak_bytes(lambda: jvp(net, X, Y, tangent))
    return peak_bytes(lambda: loss_value(net, X, Y))


def seconds(fn, repeat=3, number=1) -> float:
    """The best of `repeat` timings of `number` calls of fn(), in seconds per call."""
    repeat = check_int(repeat, "repeat", low=1)
    number = check_int(number, "number", low=1)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return float(best)
