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


def test_revived_and_per_layer_on_a_hand_made_record():
    from backprop_lib import dead_revivals as dr
    # two layers of 2 units; records: start, epoch 1, epoch 2
    masks = np.array([[1, 0, 1, 0],
                      [1, 1, 0, 0],
                      [1, 0, 1, 1]], dtype=bool)
    np.testing.assert_array_equal(dr.per_layer(masks, width=2), [[1, 1], [2, 0], [1, 2]])
    # layer 1: unit 1 dead at epoch 1, alive at 2 -> 1; layer 2: unit 0 dead, alive, dead -> 1
    np.testing.assert_array_equal(dr.revived(masks, width=2), [1, 1])


def test_sign_test_p_against_its_definition():
    from backprop_lib import bias_pairs as bpair
    assert bpair.sign_test_p(0, 0) == 1.0
    assert bpair.sign_test_p(5, 0) == pytest.approx(2 / 32)
    assert bpair.sign_test_p(3, 3) == 1.0
    assert bpair.sign_test_p(1, 9) == pytest.approx(2 * 11 / 1024)


def test_escape_lanes_match_plateau_run_and_the_law_helper():
    from backprop_lib import plateau_escape as pe
    lanes = tuple((s, 1.0, 3.0, 0.0) for s in range(3))
    got = pe.escape_epochs(lanes)
    assert list(got) == [du.plateau_run(3.0, "small", 1.0 / du.SMALL_SCALE, 400, s).reached
                         for s in range(3)]
    assert pe.predicted(100, 0.02, 0.01) == pytest.approx(400)
    assert pe.predicted(100, 0.02, 0.01, order=2) == pytest.approx(200)
    assert pe.predicted(100, 0.02, 0.02, lr_ref=3.0, lr=1.5) == pytest.approx(200)
