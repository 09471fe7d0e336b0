"""backprop_lib: the small NumPy library behind the backpropagation book.

    import backprop_lib as bp
    net = bp.Network([2, 2, 1], activations="sigmoid", loss="half_mse", seed=0)
    grads = net.gradients(X, Y)
    check = bp.gradcheck(net, X, Y)

Modules, one idea each (the chapter that explains each is named in its docstring):

- the network and its parts: activations, losses, initializers, network, train, data
- making training work: optimizers, clipping, batchnorm, preprocessing, residual,
  diagnostics, monitor, surfaces (2-D loss surfaces for the optimizer chapter)
- checking and comparing gradients: gradcheck, alternatives, planted_bug, graph (a scalar
  computational graph), search (random search against gradient descent)
- exercises: the checkers of every chapter's exercises (backprop_lib.exercises.<chapter>)
- the process: heap (glibc's heap thresholds, set once on import, so that each training
  step's fresh arrays reuse freed memory instead of the system's)

Figures and controls (plots, interactive, figures.<chapter>) sit on top and need
matplotlib and ipywidgets; they are not imported here, so the numerical core needs NumPy
alone and imports fast.
"""

from . import (
    activations,
    alternatives,
    batchnorm,
    clipping,
    data,
    diagnostics,
    graph,
    initializers,
    losses,
    monitor,
    optimizers,
    planted_bug,
    preprocessing,
    residual,
    search,
    surfaces,
)
from .gradcheck import GradCheck, gradcheck, numerical_gradient, numerical_gradients, relative_error
from .heap import keep_freed_memory
from .network import Network, Trace
from .train import DivergenceWarning, History, train

keep_freed_memory()  # once: each step's arrays reuse the heap (see heap)

__version__ = "0.1.0"

__all__ = [
    "DivergenceWarning",
    "alternatives",
    "batchnorm",
    "diagnostics",
    "graph",
    "heap",
    "monitor",
    "planted_bug",
    "preprocessing",
    "residual",
    "search",
    "surfaces",
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
