"""Check the gradient after some training too, not only at initialization.

Chapter "Gradient checking". A wrong derivative can agree with the right one where the
weights start. The planted bug "tanh_derivative_from_z" writes tanh's derivative as
1 - Z^2 instead of 1 - A^2 = 1 - tanh(Z)^2; near Z = 0

    1 - tanh(Z)^2 = 1 - Z^2 + (2/3) Z^4 - ...

so the two differ by about (2/3) Z^4: with small initial weights (|Z| about 0.01) that is
1e-8 or less, below what a central difference can resolve, and the check passes. Training
makes the pre-activations large (|Z| of several units), the tanh units saturate, and the
same check fails with a relative error of order 1. Hence: check at initialization and
again after some training, in the regime the network will work in.
"""

from __future__ import annotations

import numpy as np

from . import data as _data
from . import optimizers as _optimizers
from ._checks import check_int, check_positive, check_seed
from .gradcheck import gradcheck
from .planted_bug import BuggyNetwork
from .train import train

__all__ = ["AFTER_TRAINING_EPOCHS", "AFTER_TRAINING_EPS", "AFTER_TRAINING_LR",
           "check_before_and_after", "problem"]

#: The training between the two checks (Adam on the 1-d regression data).
AFTER_TRAINING_EPOCHS = 300
AFTER_TRAINING_LR = 0.01
#: The step of both checks: the bottom of float64's U curve, where rounding is smallest.
AFTER_TRAINING_EPS = 1e-5


def problem(seed=0, bug="tanh_derivative_from_z", init="small"):
    """(net, X, Y): a 1-8-1 tanh network with the planted bug and the regression data."""
    seed = check_seed(seed)
    X, Y = _data.regression_1d(32, seed=0)
    net = BuggyNetwork([1, 8, 1], ["tanh", "identity"], loss="half_mse", init=init,
                       seed=seed, bug=bug)
    return net, X, Y


def check_before_and_after(seed=0, epochs=AFTER_TRAINING_EPOCHS, lr=AFTER_TRAINING_LR,
                           eps=AFTER_TRAINING_EPS, init="small"):
    """The largest relative error of the buggy network and of its fixed twin (same
    weights), at initialization and after `epochs` of Adam with the buggy gradients
    (as the buggy code would train), with the largest |Z1| at each point
    (chapter "Gradient checking")."""
    epochs = check_int(epochs, "epochs", low=1)
    lr = check_positive(lr, "lr")
    eps = check_positive(eps, "eps")
    net, X, Y = problem(seed, init=init)
    out = {}
    for when in ("init", "trained"):
        if when == "trained":
            train(net, X, Y, optimizer=_optimizers.Adam(lr=lr), epochs=epochs, seed=0)
        net.forward(X)
        out[when] = {"buggy": gradcheck(net, X, Y, eps=eps).max_relative_error,
                     "correct": gradcheck(net.fixed(), X, Y, eps=eps).max_relative_error,
                     "max_abs_Z1": float(np.abs(net.cache["Z"][1]).max())}
    return out
