"""backprop_lib.dead_units's numerical helpers against exact answers (chapter "Dead neurons")."""

import numpy as np
import pytest

from backprop_lib import dead_units as du
from backprop_lib import search


@pytest.mark.parametrize("eigenvalues, top", [
    ((-5.0, 2.0, 1.0), 2.0),   # the negative end is larger in size: power iteration finds -5
    ((-3.0, 3.0, 1.0), 3.0),   # +lambda and -lambda: power iteration never settles
    ((4.0, -1.0, 0.5, 0.25), 4.0),
])
def test_largest_curvature_is_the_top_of_the_spectrum(eigenvalues, top):
    H = np.diag(np.asarray(eigenvalues, dtype=np.float64))  # a quadratic's Hessian, exactly

    class Params:
        params = {"W": np.ones((len(eigenvalues), 1))}

    got = du.largest_curvature(Params, None, None, hvp=lambda v: H @ v)
    assert got == pytest.approx(top, rel=1e-9)


def relu_hessian_closed_form(net, X, Y):
    """The exact Hessian of the half squared error of a [n0, n, 1] ReLU network with an
    identity output, in flatten order (W1, b1, W2, b2), written out by hand: with
    f_i = W2 relu(W1 x_i + b1) + b2, r_i = f_i - y_i and J_i the gradient of f_i,
    H = (1/m) sum_i J_i J_i^T + (1/m) sum_i r_i d2f_i, where relu'' = 0 away from 0 leaves in
    d2f_i only the cross terms d2f / dW2_j dW1_jk = 1[z_ij > 0] x_ik and
    d2f / dW2_j db1_j = 1[z_ij > 0]."""
    W1, b1, W2, b2 = (net.params[k] for k in ("W1", "b1", "W2", "b2"))
    n, n0 = W1.shape
    m = X.shape[1]
    P = n * n0 + n + n + 1
    iW1 = lambda j, k: j * n0 + k  # noqa: E731 (row-major, as flatten)
    ib1 = lambda j: n * n0 + j  # noqa: E731
    iW2 = lambda j: n * n0 + n + j  # noqa: E731
    H = np.zeros((P, P))
    for i in range(m):
        x = X[:, i]
        z = W1 @ x + b1[:, 0]
        on = (z > 0).astype(float)
        r = float(W2[0] @ np.maximum(z, 0) + b2[0, 0] - Y[0, i])
        J = np.zeros(P)
        for j in range(n):
            for k in range(n0):
                J[iW1(j, k)] = W2[0, j] * on[j] * x[k]
            J[ib1(j)] = W2[0, j] * on[j]
            J[iW2(j)] = max(z[j], 0.0)
        J[-1] = 1.0
        H += np.outer(J, J)
        for j in range(n):
            for k in range(n0):
                H[iW2(j), iW1(j, k)] += r * on[j] * x[k]
                H[iW1(j, k), iW2(j)] += r * on[j] * x[k]
            H[iW2(j), ib1(j)] += r * on[j]
            H[ib1(j), iW2(j)] += r * on[j]
    return H / m


@pytest.mark.parametrize("bias, seed", [(0.1, 2), (0.0, 0), (-0.5, 5)])
def test_largest_curvature_equals_a_closed_form_hessian(bias, seed):
    X, Y = du.moons()
    net = du.rectifier_net("relu", "he", 1.0, bias, width=8, hidden=1, seed=seed)
    before = search.flatten(net.params)
    exact = np.linalg.eigvalsh(relu_hessian_closed_form(net, X, Y))[-1]
    assert du.largest_curvature(net, X, Y) == pytest.approx(exact, rel=1e-9)
    np.testing.assert_array_equal(search.flatten(net.params), before)


def test_largest_curvature_is_exact_next_to_a_kink_where_differences_are_not():
    """Put one pre-activation 1e-7 from the kink: central differences of the gradient with
    h = 1e-5 cross it and report a curvature far above the closed form's; the exact
    Hessian-vector products do not."""
    X, Y = du.moons()
    net = du.rectifier_net("relu", "he", 1.0, 0.0, width=8, hidden=1, seed=1)
    z = net.params["W1"] @ X + net.params["b1"]
    net.params["b1"][3, 0] -= z[3, 17] - 1e-7  # unit 3 at example 17: z = 1e-7
    exact = np.linalg.eigvalsh(relu_hessian_closed_form(net, X, Y))[-1]
    assert du.largest_curvature(net, X, Y) == pytest.approx(exact, rel=1e-9)
    theta = search.flatten(net.params)
    e = np.zeros(theta.size)
    e[8 * 2 + 3] = 1.0  # the direction of b1[3]: crosses the kink within h
    h = 1e-5
    grads = []
    for t in (theta + h * e, theta - h * e):
        search._write(net, t)
        g = net.gradients(X, Y)
        grads.append(np.concatenate([g["d" + k].ravel() for k in net.params]))
    search._write(net, theta)
    fd = (grads[0] - grads[1]) / (2 * h)
    H = relu_hessian_closed_form(net, X, Y)
    assert abs(fd @ e - H[8 * 2 + 3, 8 * 2 + 3]) > 10 * abs(H[8 * 2 + 3, 8 * 2 + 3])


def test_largest_curvature_of_a_deep_elu_network_equals_its_hessian_columns():
    """Deeper, and an activation with f'' != 0: the top of the spectrum against the full
    Hessian built from central differences of the gradient (ELU is smooth, so differences are
    accurate to h^2 there)."""
    X, Y = du.moons()
    net = du.rectifier_net("elu", "he", 1.0, 0.0, width=6, hidden=2, seed=1)
    exact = np.linalg.eigvalsh(search.hessian(net, X, Y))[-1]
    assert du.largest_curvature(net, X, Y) == pytest.approx(exact, rel=1e-6)


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


@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_catapult_lanes_take_the_library_optimizers_steps(name):
    """plateau_catapult's lanes (the same rate in both layers) take the steps of
    backprop_lib's SGD, Momentum and Adam through train, to rounding, over 30 epochs."""
    from backprop_lib import plateau_catapult as pc
    from backprop_lib.data import xor
    from backprop_lib.optimizers import SGD, Adam, Momentum
    from backprop_lib.train import train
    X, Y = xor()
    lr = {"gd": 4.5, "momentum": 7.0, "adam": 0.02}[name]
    lanes = tuple((s, c, lr, lr) for s in (0, 1) for c in (0.01, 0.003))
    *_, (epoch, P, _, _) = pc._steps(lanes, name, 30)
    assert epoch == 30
    for i, (s, c, _, _) in enumerate(lanes):
        net = du.xor_net("small", c / du.SMALL_SCALE, s)
        opt = {"gd": SGD(lr), "momentum": Momentum(lr, beta=du.BETA),
               "adam": Adam(lr, beta1=du.BETA)}[name]
        train(net, X, Y, opt, epochs=30)
        for j, k in enumerate(("W1", "b1", "W2", "b2")):
            np.testing.assert_allclose(P[j][i], net.params[k], rtol=1e-10, atol=1e-13)
    with pytest.raises(ValueError, match="optimizer"):
        next(pc._steps(lanes, "rmsprop", 1))


def test_tuned_rate_window_and_outcome_helpers():
    from backprop_lib import plateau_catapult as pc

    def run(reach, final=0.05, second=0.5):
        return pc.LaneRun(reach, reach, 0.69, 0.7, final, second)

    table = {(0.01, 1.0): [run(50), run(None, np.log(2), 0.0)],  # one seed on the plateau
             (0.01, 2.0): [run(40), run(60)],                      # slowest 60
             (0.01, 3.0): [run(30), run(55)],                      # slowest 55: the best
             (0.01, 4.0): [run(20), run(None, 0.4774, 1e-5)]}      # one seed as one unit
    assert pc.best_rate(table, 0.01) == 3.0 and pc.window(table, 0.01) == (2.0, 3.0)
    assert pc.best_rate(table, 0.01, rates={1.0, 2.0}) == 2.0
    assert pc.mean_at_best(table, 0.01) == pytest.approx(42.5)
    assert np.isnan(pc.best_rate({(0.01, 1.0): [run(None)]}, 0.01))
    assert pc.tuned_row({(0.01, 1.0): [run(None)]}, 0.01) == ["none", "-", "none"]
    assert pc.tuned_row(table, 0.01) == ["3", "42 (30 to 55)", "2 to 3"]
    assert pc.outcomes([r for v in table.values() for r in v]) == {
        "learned": 6, "lost": 0, "plateau": 1, "one unit": 1, "two corners": 0, "other": 0}
    assert run(None, 0.3, 1e-5).outcome == "other"  # off the plateau, not at one unit's loss
    assert run(None, np.log(2) / 2 + 1e-4, 0.5).outcome == "two corners"  # two corners fitted
    holed = {**table, (0.01, 2.5): [run(45), run(None, np.log(2) / 2, 0.5)]}
    assert pc.window(holed, 0.01) == (2.0, 3.0) and pc.span(holed, 0.01) == 1.5
    assert pc.holes(table, 0.01) == [] and pc.holes(holed, 0.01) == [2.5]
    assert pc.stretch(table, 0.01) == (2.0, 3.0) and pc.stretch(holed, 0.01) == (3.0, 3.0)
    assert pc.window_text(holed, 0.01) == "2 to 3, except 2.5"
    assert np.isnan(pc.stretch({(0.01, 1.0): [run(None)]}, 0.01)[0])
    assert np.isnan(pc.span({(0.01, 1.0): [run(None)]}, 0.01))
    many = {**holed, **{(0.01, r): [run(None)] for r in (2.1, 2.2, 2.3)}}
    assert pc.window_text(many, 0.01) == "2 to 3, except 4 rates from 2.1 to 2.5"
    assert pc.window_text({(0.01, 1.0): [run(None)]}, 0.01) == "none"
    both = pc.pooled([{(0.01, 1.0): [run(5)]}, {(0.01, 1.0): [run(7)]}])
    assert [r.reach for r in both[0.01, 1.0]] == [5, 7]
    assert pc.stability_limit(0.5) == 4.0
    assert pc.stability_limit(0.5, "momentum") == pytest.approx(7.6)


def test_loss_cycle():
    assert du.loss_cycle([1.0] * 30) == (1.0,)
    assert du.loss_cycle([3.0, 1.0, 2.0] * 10) == (1.0, 2.0, 3.0)
    assert du.loss_cycle([0.5, 0.7] * 10) == (0.5, 0.7)
    assert du.loss_cycle(np.linspace(1, 0, 40)) == ()
