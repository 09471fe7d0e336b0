"""backprop_lib: the small NumPy library behind the backpropagation book.

    import backprop_lib as bp
    net = bp.Network([2, 2, 1], activations="sigmoid", loss="half_mse", seed=0)
    grads = net.gradients(X, Y)
    check = bp.gradcheck(net, X, Y)

Modules, one idea each (the chapter that explains each is named in its docstring):
activations, losses, initializers, network, optimizers, clipping, gradcheck, train, data.
Figures and controls (plots, interactive) sit on top and need matplotlib and ipywidgets;
the numerical core needs NumPy alone.
"""

from . import activations, clipping, data, initializers, losses, optimizers
from .gradcheck import GradCheck, gradcheck, numerical_gradient, numerical_gradients, relative_error
from .network import Network, Trace
from .train import DivergenceWarning, History, train

__version__ = "0.1.0"

__all__ = [
    "DivergenceWarning",
    "GradCheck",
    "History",
    "Network",
    "Trace",
    "activations",
    "clipping",
    "data",
    "gradcheck",
    "initializers",
    "losses",
    "numerical_gradient",
    "numerical_gradients",
    "optimizers",
    "relative_error",
    "train",
]
