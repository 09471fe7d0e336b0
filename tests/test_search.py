"""Tests of backprop_lib.search (chapter "Why gradients")."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import search


def test_flatten_unflatten_round_trip():
    net = bp.Network([3, 4, 2], seed=1)
    theta = search.flatten(net.params)
    assert theta.shape == (net.n_params,)
    back = search.unflatten(theta, net.params)
    for k in net.params:
        np.testing.assert_array_equal(back[k], net.params[k])


def test_unflatten_rejects_wrong_length():
    net = bp.Network([2, 2, 1])
    with pytest.raises(ValueError, match="theta must be a vector of length 9"):
        search.unflatten(np.zeros(8), net.params)


def test_flatten_rejects_non_dict():
    with pytest.raises(TypeError, match="params"):
        search.flatten([1, 2])


@pytest.mark.parametrize("P", [5, 50, 500])
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_mean_squared_cosine_is_one_over_P(P):
    g = np.random.default_rng(3).standard_normal(P)
    c2 = search.squared_cosines(g, n=20000, seed=4)
    # E = 1/P; the standard error of the mean is about sqrt(2/(P^2 n)), so 6 of them is loose
    assert abs(c2.mean() - 1 / P) < 6 * np.sqrt(2 / 20000) / P
    assert (c2 >= 0).all() and (c2 <= 1).all()


def test_squared_cosines_rejects_zero_gradient():
    with pytest.raises(ValueError, match="g must be a finite, non-zero vector"):
        search.squared_cosines(np.zeros(4))


def test_directions_are_independent_of_a_network_with_the_same_seed():
    # the bug this module avoids: default_rng(seed) would make the first direction the
    # initial weights of a network built with the same seed
    net = bp.Network([128, 1], activations="identity", init="xavier", seed=0)
    w = search.flatten(net.params)[:128]
    u = search.random_directions(129, 1, seed=0)[0, :128]
    cos2 = (u @ w) ** 2 / ((u @ u) * (w @ w))
    assert cos2 < 0.1


def test_random_directions_are_unit_and_seeded():
    U = search.random_directions(7, 5, seed=2)
    np.testing.assert_allclose(np.linalg.norm(U, axis=1), 1.0)
    np.testing.assert_array_equal(U, search.random_directions(7, 5, seed=2))
    with pytest.raises(ValueError, match="P"):
        search.random_directions(0, 5)


def test_fit_slope_recovers_a_power_law():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    slope, intercept = search.fit_slope(x, 3.0 * x ** -1.5)
    assert slope == pytest.approx(-1.5)
    assert 10 ** intercept == pytest.approx(3.0)
    with pytest.raises(ValueError, match="positive"):
        search.fit_slope([1, 2], [0, 1])
    with pytest.raises(ValueError, match="same length"):
        search.fit_slope([1, 2, 3], [1, 2])


def test_random_search_lowers_loss_and_counts_evaluations():
    X, Y = search.teacher_task(n_in=3, m=32, hidden=2, seed=0)
    net = search.student(3, 2, seed=0)
    start = net.loss(X, Y)
    res = search.random_search(net, X, Y, target=0.5 * start, max_evals=5000, seed=0)
    assert res.reached and res.evals == len(res.losses)
    assert res.losses[-1] <= 0.5 * start
    assert np.all(np.diff(res.losses) <= 0)  # the best loss never goes up
    # the network is left at the best point found
    assert net.loss(X, Y) == pytest.approx(res.final_loss)


def test_random_search_reports_failure_within_budget():
    X, Y = search.teacher_task(n_in=3, m=32, hidden=2, seed=0)
    net = search.student(3, 2, seed=0)
    res = search.random_search(net, X, Y, target=-1.0, max_evals=50)
    assert not res.reached and res.evals is None and len(res.losses) == 50


def test_gradient_descent_reaches_target_and_reports_divergence():
    X, Y = search.teacher_task(n_in=4, m=64, hidden=0, seed=0, whiten=True)
    net = search.student(4, 0, seed=0)
    start = net.loss(X, Y)
    # round bowl with Hessian I: lr = 0.5 halves the error each step, the loss falls 4x
    res = search.gradient_descent(net, X, Y, target=start / 4 * 1.0001, lr=0.5, max_steps=50)
    assert res.evals == 2 and not res.diverged
    net = search.student(4, 0, seed=0)
    bad = search.gradient_descent(net, X, Y, target=1e-12, lr=5.0, max_steps=500)
    assert bad.diverged and not bad.reached


def test_whitened_task_is_a_round_bowl():
    X, Y = search.teacher_task(n_in=5, m=40, hidden=0, seed=1, whiten=True)
    np.testing.assert_allclose(X @ X.T / 40, np.eye(5), atol=1e-12)
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-12)
    with pytest.raises(ValueError, match="whiten needs more examples"):
        search.teacher_task(n_in=5, m=5, hidden=0, whiten=True)


def test_pass_multiplications_by_hand():
    # [3, 4, 2], m = 5: forward 4*3*5 + 2*4*5 = 100; backward: dW 100, dA only for layer 2: 40
    assert search.pass_multiplications([3, 4, 2], m=5) == (100, 140)
    assert 2 <= search.gradient_cost([784, 512, 512, 10]) <= 3
    with pytest.raises(ValueError, match="layer_sizes"):
        search.pass_multiplications([3])


def test_best_decrease_on_round_bowl_is_half_squared_slope():
    X, Y = search.teacher_task(n_in=6, m=50, hidden=0, seed=2, whiten=True)
    net = search.student(6, 0, seed=2)
    g = search.flatten(net.gradients(X, Y))
    steps = np.geomspace(1e-3, 10, 400)
    gain = search.best_decrease(net, X, Y, -g, steps)
    assert gain == pytest.approx(0.5 * g @ g, rel=1e-3)  # Hessian I: best decrease |g|^2 / 2
    with pytest.raises(ValueError, match="direction must have P"):
        search.best_decrease(net, X, Y, np.ones(3), steps)


def test_scaling_study_shapes_and_trend():
    st = search.scaling_study([2, 16], seeds=(0, 1), hidden=0, whiten=True, fraction=0.01, lr=0.5)
    assert st["P"].tolist() == [3, 17]
    assert (st["reached"] == 2).all()
    assert st["random"][1] > 2 * st["random"][0]  # random search pays for P
    assert st["gradient"][1] == st["gradient"][0]  # gradient descent does not
    with pytest.raises(ValueError, match="n_ins"):
        search.scaling_study([])


def test_race_rejects_bad_fraction_and_net():
    with pytest.raises(ValueError, match="fraction"):
        search.race(2, fraction=1.5)
    with pytest.raises(TypeError, match="net must be a backprop_lib.Network"):
        search.random_search("net", np.zeros((1, 1)), np.zeros((1, 1)), 0.1)


def test_hessian_of_the_round_bowl_is_the_identity_and_leaves_the_net_unchanged():
    X, Y = search.teacher_task(n_in=5, m=64, hidden=0, whiten=True)
    net = search.student(5, 0)
    before = search.flatten(net.params).copy()
    H = search.hessian(net, X, Y)
    assert np.allclose(H, np.eye(6), atol=1e-8)
    assert np.array_equal(search.flatten(net.params), before)
    with pytest.raises(ValueError, match="eps"):
        search.hessian(net, X, Y, eps=0.0)


def test_hessian_agrees_with_second_differences_of_the_loss():
    X, Y = search.teacher_task(n_in=3, m=32, hidden=2)
    net = search.student(3, 2)
    H = search.hessian(net, X, Y)
    theta = search.flatten(net.params)
    i, j, e = 1, 4, 1e-4

    def loss(th):
        search._write(net, th)
        return net.loss(X, Y)

    ei, ej = np.eye(theta.size)[i] * e, np.eye(theta.size)[j] * e
    mixed = (loss(theta + ei + ej) - loss(theta + ei - ej) - loss(theta - ei + ej)
             + loss(theta - ei - ej)) / (4 * e * e)
    search._write(net, theta)
    assert mixed == pytest.approx(H[i, j], rel=1e-5, abs=1e-8)


def test_curvatures_are_equal_on_the_bowl():
    c = search.curvatures(4, hidden=0, n_directions=50)
    for key in ("along_gradient", "random_mean", "average", "largest"):
        assert c[key] == pytest.approx(1.0, abs=1e-6)


def test_quadratic_model_check_every_step_holds():
    q = search.quadratic_model_check(n_in=4, seed=1)
    assert q["hessian_error"] < 1e-8
    assert q["along_u"] == pytest.approx(q["model_u"], rel=1e-9)
    assert q["t_scan"] == pytest.approx(q["t_best"], abs=1e-3)
    assert q["decrease_scan"] == pytest.approx(q["decrease_best"], rel=1e-5)
    assert q["ratio"] == pytest.approx(q["cos2"], rel=1e-9)


def test_step_gains_and_scaling_study_report_their_spread():
    st = search.step_gains([2, 4], n_directions=10, hidden=0, whiten=True)
    assert st["n_directions"] == 10
    assert (st["ratio_stderr"] > 0).all() and (st["ratio_lo"] <= st["ratio_hi"]).all()
    sc = search.scaling_study([2, 4], seeds=(0, 1, 2), hidden=0, whiten=True, fraction=0.1,
                              lr=0.5)
    assert (sc["random_lo"] <= sc["random"]).all() and (sc["random"] <= sc["random_hi"]).all()
    assert (sc["gradient_forward_lo"] <= sc["gradient_forward_hi"]).all()
    assert sc["random_slope"].shape == (3,) and sc["gradient_slope"].shape == (3,)


def test_stacked_line_losses_match_one_step_at_a_time():
    steps = np.concatenate([search.STEP_LENGTHS, -np.array(search.STEP_LENGTHS)])
    for hidden, whiten in ((3, False), (0, True)):
        X, Y = search.teacher_task(n_in=6, m=40, hidden=hidden, whiten=whiten)
        net = search.student(6, hidden)
        U = search.random_directions(net.n_params, 5, seed=2)
        for u in U:
            fast = net.loss(X, Y) - search._line_losses(net, X, Y, u, steps).min()
            slow = search.best_decrease(net, X, Y, u, steps)
            assert np.isclose(fast, slow, rtol=1e-12, atol=1e-15)
            # the refined line search never finds less than the coarse grid
            assert search.line_search(net, X, Y, u, search.STEP_LENGTHS)[0] >= slow - 1e-15


def test_line_search_finds_the_exact_best_step_on_the_bowl():
    # refined between the coarse grid's neighbours, the best decrease is the formula's (3)
    q = search.quadratic_model_check(n_in=8)
    X, Y = search.teacher_task(n_in=8, m=search.EXAMPLES, hidden=0, whiten=True)
    net = search.student(8, 0)
    u = search.random_directions(9, 1)[0]
    dec, t, edge = search.line_search(net, X, Y, u, search.STEP_LENGTHS)
    assert dec == pytest.approx(q["decrease_best"], rel=2e-3) and not edge
    assert t == pytest.approx(q["t_best"], rel=0.05)
    # a grid that stops too early is reported as cut short
    assert search.line_search(net, X, Y, u, [1e-3, 1e-2])[2]
    with pytest.raises(ValueError, match="direction"):
        search.line_search(net, X, Y, np.zeros(9), search.STEP_LENGTHS)
    with pytest.raises(ValueError, match="P = 9"):
        search.line_search(net, X, Y, np.ones(4), search.STEP_LENGTHS)


def test_tune_learning_rate_checks_its_input():
    with pytest.raises(ValueError, match="lrs"):
        search.tune_learning_rate([2], lrs=[-1.0])
    with pytest.raises(ValueError, match="every race"):
        search.tune_learning_rate([2], lrs=[1e-6], seeds=(0,), max_steps=3)
