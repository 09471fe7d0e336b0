"""Four ways to get the gradient of the loss, with what each one costs.

Chapter "Backpropagation against its alternatives" measures them side by side. Each
function returns an `Estimate`: the gradients ("dW1", "db1", ... as `Network.gradients`)
and a count of the passes through the network it made and of the numbers it had to keep.

* `backprop`: reverse mode (Linnainmaa 1970). One forward pass that keeps every Z{l}
  and A{l}, then one backward pass. Cost: a small constant times one forward pass,
  whatever the number of parameters P.
* `finite_differences`: central differences, (L(w + eps) - L(w - eps)) / (2 eps) for
  each of the P entries: 2P forward passes, each keeping only the current layer.
* `forward_mode`: forward-mode differentiation. A tangent pass pushes one direction V
  in parameter space through the layers beside the values,

      dZ{l} = dW{l} A{l-1} + W{l} dA{l-1} + db{l}        dA{l} = f'(Z{l}) * dZ{l}

  and yields the directional derivative dL/dA{L} . dA{L} = grad . V exactly. The full
  gradient needs one tangent pass per parameter: P passes.
* `evolution_strategy`: antithetic Gaussian perturbations (Salimans et al. 2017),

      g = 1 / (2 sigma N) sum_k (L(theta + sigma e_k) - L(theta - sigma e_k)) e_k,

  an unbiased estimate of the gradient of the smoothed loss E[L(theta + sigma e)],
  from 2N forward passes, with a noise that grows like sqrt(P / N).

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

from ._checks import check_int, check_positive, check_seed, describe
from .gradcheck import numerical_gradient

METHODS = ("backprop", "finite_differences", "forward_mode", "evolution_strategy")


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

    tangent: a dict of parameter names to arrays of their shapes (a missing name means a
    zero tangent for that parameter). Values and tangents go forward together, so only
    the current layer is kept. X and Y must already be checked arrays.
    """
    A, dA = X, None  # the inputs do not move: their tangent is zero
    for l in range(1, net.L + 1):
        W = net.params[f"W{l}"]
        Z = W @ A + net.params[f"b{l}"]
        dZ = None if dA is None else W @ dA
        dW, db = tangent.get(f"W{l}"), tangent.get(f"b{l}")
        if dW is not None:
            dZ = dW @ A if dZ is None else dZ + dW @ A
        if db is not None:
            dZ = (np.zeros_like(Z) + db) if dZ is None else dZ + db
        f = net._f[l - 1]
        A_new = f(Z)
        dZ_L = dZ  # the tangent of Z{l}; the last one is kept for a fused loss
        dA = None if dZ is None else f.derivative(Z, A_new) * dZ
        A = A_new
    activation = net.activation_names[-1]
    loss = net._loss.output_value(Z, A, Y, activation)
    if dA is None:
        return loss, 0.0
    # where the loss is fused with the last activation (bce after sigmoid, softmax_ce after
    # the identity), dL/dZ{L} from the logits times the tangent of Z{L}: the route through
    # dL/dA would multiply 1/(a (1 - a)) by a (1 - a), which is inf * 0 once sigma(z) = 1
    delta = net._loss.output_delta(A, Y, activation, Z=Z)
    if delta is not None:
        return loss, float(np.sum(delta * dZ_L))
    return loss, float(np.sum(net._loss.gradient(A, Y) * dA))


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
    n_pairs: N, the number of pairs (theta + sigma e, theta - sigma e): 2N forward passes.
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
            e = rng.standard_normal(theta.size)
            diffs = []
            for sign in (1.0, -1.0):
                for name, v in unflatten(theta + sign * sigma * e, net.params).items():
                    net.params[name][...] = v
                diffs.append(loss_value(net, X, Y))
            g += (diffs[0] - diffs[1]) * e
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
    """||g - r|| / (||g|| + ||r||) over all parameters at once (0 when both vanish)."""
    from .gradcheck import relative_error

    return relative_error(flatten(estimate.grads), flatten(reference.grads))


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
