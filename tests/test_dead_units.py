"""backprop_lib.dead_units's numerical helpers against exact answers (chapter "Dead neurons")."""

import numpy as np
import pytest

from backprop_lib import dead_units as du
from backprop_lib import search


class Quadratic:
    """A stand-in network whose loss is w^T H w / 2: its Hessian is H exactly."""

    def __init__(self, eigenvalues):
        self.H = np.diag(np.asarray(eigenvalues, dtype=np.float64))
        self.params = {"W": np.ones((len(eigenvalues), 1))}

    def gradients(self, X, Y):
        return {"dW": self.H @ self.params["W"]}


@pytest.mark.parametrize("eigenvalues, top", [
    ((-5.0, 2.0, 1.0), 2.0),   # the negative end is larger in size: power iteration finds -5
    ((-3.0, 3.0, 1.0), 3.0),   # +lambda and -lambda: power iteration never settles
    ((4.0, -1.0, 0.5, 0.25), 4.0),
])
def test_largest_curvature_is_the_top_of_the_spectrum(eigenvalues, top):
    net = Quadratic(eigenvalues)
    assert du.largest_curvature(net, None, None) == pytest.approx(top, rel=1e-9)
    np.testing.assert_array_equal(net.params["W"], 1.0)  # left unchanged


@pytest.mark.parametrize("activation, bias, seed", [("relu", 0.1, 2), ("relu", 0.0, 0),
                                                    ("elu", 0.0, 1)])
def test_largest_curvature_equals_the_full_hessians_on_a_small_network(activation, bias, seed):
    X, Y = du.moons()
    net = du.rectifier_net(activation, "he", 1.0, bias, width=6, hidden=2, seed=seed)
    before = search.flatten(net.params)
    exact = np.linalg.eigvalsh(search.hessian(net, X, Y))[-1]
    assert du.largest_curvature(net, X, Y) == pytest.approx(exact, rel=1e-6)
    np.testing.assert_array_equal(search.flatten(net.params), before)
