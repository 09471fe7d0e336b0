"""The complex-step derivative: a numerical derivative without cancellation.

Chapter "Gradient checking" (Squire and Trapp 1998; Martins, Sturdza and Alonso 2003).
If the loss L is complex-analytic near the real parameters w, Taylor's series holds for a
step i h v along the imaginary axis:

    L(w + i h v) = L(w) + i h (g . v) - (h^2 / 2) v^T H v - i (h^3 / 6) L''' [v, v, v] + ...

so its imaginary part divided by h is the directional derivative g . v with an error of
order h^2, and no difference of two nearly equal numbers is ever taken:

    g . v  ~  Im L(w + i h v) / h

h = 1e-20 is allowed (h^2 = 1e-40 vanishes beside any rounding) and the result is exact to
the rounding of the loss's own evaluation. With v a unit vector e_i it gives one gradient
entry; with a random v it is a directional check in one evaluation.

What it needs: every operation from w to L must be the analytic extension of its real
function, applied to complex numbers. The forward pass here (`complex_loss`) is written for
that: tanh, sigmoid 1/(1 + e^-z) and identity; half_mse and mse as sums of squares (no
conjugate); bce from the logits as log(1 + e^z) - y z. It breaks where the code is not
analytic:

* abs: NumPy's abs of a complex number is its modulus, a real number, so the imaginary
  part (the derivative) is lost: an L1 loss, or the numerically stable bce written with
  |z| (as the library's bce_with_logits is), gives a wrong derivative without any error;
* max, ReLU and comparisons: NumPy orders complex numbers by real part, then imaginary
  part, so np.maximum(z, 0) is right away from 0, but at a real part of exactly 0 it
  returns z (slope 1) for h > 0; the library's ReLU takes slope 0 there;
* anything that drops the imaginary part: float(), .real, casting to a real dtype (the
  library's activations cast to float, which is why this module has its own forward pass).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive, describe
from .gradcheck import _check_net

__all__ = ["ANALYTIC_ACTIVATIONS", "ANALYTIC_LOSSES", "complex_loss", "complex_step_gradients",
           "complex_step_directional", "complex_step_derivative", "l1_loss",
           "stable_bce_with_abs"]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _relu_by_maximum(z):
    return np.maximum(z, 0)  # NumPy's complex order: right away from 0, slope 1 at 0


#: The activations written as analytic functions of a complex argument.
ANALYTIC_ACTIVATIONS = {"tanh": np.tanh, "sigmoid": _sigmoid, "identity": lambda z: z,
                        "relu": _relu_by_maximum}


def _half_mse(A, Y):
    return 0.5 * np.sum((A - Y) ** 2) / A.shape[1]


def _mse(A, Y):
    return np.sum((A - Y) ** 2) / A.size


def _bce_logits(Z, Y):
    return np.sum(np.log(1 + np.exp(Z)) - Y * Z) / Z.size  # analytic; overflows for z > 709


def l1_loss(A, Y):
    """mean |A - Y|: np.abs of a complex number is its modulus, so the complex step of this
    loss has no imaginary part (a derivative of 0), the failure chapter "Gradient checking"
    shows."""
    return np.sum(np.abs(A - Y)) / A.size


def stable_bce_with_abs(Z, Y):
    """bce from the logits written the stable way, max(z, 0) - y z + log(1 + e^-|z|): exact
    for real z, but the |z| kills the complex step (chapter "Gradient checking")."""
    return np.sum(np.maximum(Z, 0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))) / Z.size


#: The losses written as analytic functions (bce takes the logits Z_L, the others A_L).
ANALYTIC_LOSSES = {"half_mse": _half_mse, "mse": _mse, "bce": _bce_logits,
                   "l1": l1_loss, "bce_stable_abs": stable_bce_with_abs}


def complex_loss(net, X, Y, params=None, loss=None):
    """The network's loss computed in complex arithmetic (chapter "Gradient checking").

    params: a dict like net.params whose arrays may be complex (default: net.params);
    loss: a name of ANALYTIC_LOSSES (default: the network's own loss). Activations come
    from ANALYTIC_ACTIVATIONS. Returns a complex number.
    """
    _check_net(net)
    X, Y = net.check_data(X, Y)
    params = net.params if params is None else params
    if not isinstance(params, dict) or set(params) != set(net.params):
        raise ValueError(f"params must be a dict with the network's names {list(net.params)}; "
                         f"got {describe(params)}")
    loss = net.loss_name if loss is None else loss
    if loss not in ANALYTIC_LOSSES:
        raise ValueError(f"loss must be one of {sorted(ANALYTIC_LOSSES)} (the losses written "
                         f"for complex arguments); got {loss!r}")
    missing = [a for a in net.activation_names if a not in ANALYTIC_ACTIVATIONS]
    if missing:
        raise ValueError(f"net's activations must be among {sorted(ANALYTIC_ACTIVATIONS)} "
                         f"for the complex step; got {missing}")
    A = X.astype(np.complex128)
    Z = A
    for l, name in enumerate(net.activation_names, start=1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = ANALYTIC_ACTIVATIONS[name](Z)
    return complex(ANALYTIC_LOSSES[loss](Z if loss == "bce" or loss == "bce_stable_abs"
                                         else A, Y))


def complex_step_directional(net, X, Y, v, h=1e-20, loss=None):
    """Im L(w + i h v) / h: the directional derivative g . v in one complex evaluation
    (chapter "Gradient checking"). v: a dict of real arrays shaped like net.params."""
    h = check_positive(h, "h")
    if not isinstance(v, dict) or set(v) != set(net.params):
        raise ValueError(f"v must be a dict with the network's names {list(net.params)}; "
                         f"got {describe(v)}")
    moved = {}
    for name, p in net.params.items():
        if np.shape(v[name]) != p.shape:
            raise ValueError(f"v[{name!r}] must have shape {p.shape}; got {np.shape(v[name])}")
        moved[name] = p.astype(np.complex128) + 1j * h * np.asarray(v[name], dtype=np.float64)
    return complex_loss(net, X, Y, moved, loss).imag / h


def complex_step_gradients(net, X, Y, h=1e-20, loss=None):
    """Every gradient entry by the complex step, one complex evaluation each: a dict
    "dW1", "db1", ... like net.gradients (chapter "Gradient checking")."""
    h = check_positive(h, "h")
    base = {name: p.astype(np.complex128) for name, p in net.params.items()}
    out = {}
    for name, p in base.items():
        grad = np.zeros(p.shape)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + 1j * h
            grad[idx] = complex_loss(net, X, Y, base, loss).imag / h
            p[idx] = old
        out["d" + name] = grad
    return out


def complex_step_derivative(f, x, h=1e-20):
    """Im f(x + i h) / h for a scalar function f of one real number x (chapter
    "Gradient checking"); f must accept a complex argument."""
    if not callable(f):
        raise TypeError(f"f must be a function of one number; got {describe(f)}")
    h = check_positive(h, "h")
    if isinstance(x, (bool, np.bool_)) or not np.isscalar(x) or np.iscomplexobj(x):
        raise TypeError(f"x must be a real number; got {describe(x)}")
    return complex(f(complex(float(x), h))).imag / h
