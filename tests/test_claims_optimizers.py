"""Claims typed in the prose of chapter "Optimizers" (book/07_optimizers.ipynb), recomputed.

Each test names the sentence it backs. Numbers the chapter glues from its own cells are not
repeated here; these are the ones written into the text by hand, and the qualitative
statements about the tables.
"""

import numpy as np
import pytest

from backprop_lib import surfaces
from backprop_lib.figures import optimizers as fo
from backprop_lib.optimizers import SGD, Adam, Momentum, RMSprop


@pytest.fixture(scope="module")
def quad_table():
    return {lr: fo.race(surface="quadratic", lr=lr).runs for lr in (0.001, 0.003, 0.01, 0.03,
                                                                     0.1, 0.3)}


@pytest.fixture(scope="module")
def ros_table():
    return {lr: fo.race(surface="rosenbrock", lr=lr).runs for lr in (0.001, 0.003, 0.01, 0.03,
                                                                      0.1, 0.3)}


def final(run):
    return np.inf if run.diverged else run.gaps[-1]


def test_sgd_threshold_is_two_over_kappa_equal_to_0_1():
    """'... only while alpha < 2/kappa = 0.1' and 'at exactly 0.1 it bounces forever'."""
    valley = surfaces.quadratic(20)
    assert not surfaces.trajectory(SGD(0.099), valley, steps=2000).diverged
    at = surfaces.trajectory(SGD(0.1), valley, steps=2000)
    assert not at.diverged and np.abs(at.path[-10:, 1]).max() == pytest.approx(1.0)
    assert surfaces.trajectory(SGD(0.101), valley, steps=2000).diverged


def test_momentum_beats_sgd_everywhere_and_by_50_times_from_0_003(quad_table):
    for lr, runs in quad_table.items():
        if lr == 0.3:
            assert runs["SGD"].diverged and runs["Momentum"].diverged  # 'diverges at 0.3 too'
            continue
        assert final(runs["Momentum"]) < final(runs["SGD"])
        if lr >= 0.003:
            assert final(runs["Momentum"]) < final(runs["SGD"]) / 50


def test_adaptive_methods_slow_at_small_lr_close_at_large(quad_table):
    for name in ("RMSprop", "Adam"):
        assert final(quad_table[0.001][name]) > final(quad_table[0.001]["SGD"])
        best_lr = min(quad_table, key=lambda lr: final(quad_table[lr][name]))
        assert best_lr >= 0.1  # where SGD is unstable or on its edge
    # 'RMSprop ... ends farther away at 0.3 than at 0.1'
    assert final(quad_table[0.3]["RMSprop"]) > final(quad_table[0.1]["RMSprop"])


def test_rosenbrock_claims(ros_table):
    s = fo.race_surface("rosenbrock")
    x, y = s.start
    assert 2 - 400 * (y - 3 * x * x) > 1000  # 'near the start its curvature exceeds 1000'
    for lr in (0.01, 0.03, 0.1, 0.3):  # 'SGD and momentum diverge from 0.01 up'
        assert ros_table[lr]["SGD"].diverged and ros_table[lr]["Momentum"].diverged
    best = min(((final(run), name, lr) for lr, runs in ros_table.items()
                for name, run in runs.items()))
    assert best[1:] == ("Momentum", 0.003)  # 'at 0.003 momentum gets closest of all four'
    adam_best = min(ros_table, key=lambda lr: final(ros_table[lr]["Adam"]))
    assert adam_best == max(ros_table)  # 'Adam needs the largest learning rates'


def test_keras_form_equals_pytorch_form_for_a_constant_lr():
    valley = surfaces.quadratic(20)
    lr, beta = 0.05, 0.9
    w, u = valley.start.copy(), np.zeros(2)
    ref = surfaces.trajectory(Momentum(lr, beta), valley, steps=50).path
    for t in range(50):
        u = beta * u - lr * valley.grad(w)
        w = w + u
        assert np.allclose(w, ref[t + 1], rtol=1e-12, atol=1e-15)


def test_moving_average_is_pytorch_momentum_with_lr_times_one_minus_beta():
    valley = surfaces.quadratic(20)
    for beta in (0.5, 0.9, 0.99):
        a = surfaces.trajectory(Momentum(0.05, beta, average=True), valley, steps=200).path
        b = surfaces.trajectory(Momentum(0.05 * (1 - beta), beta), valley, steps=200).path
        assert np.abs(a - b).max() < 1e-12


def test_rmsprop_moves_every_scale_the_same_distance():
    w = np.zeros(3)
    RMSprop(lr=0.01).step({"w": w}, {"dw": np.array([1e-3, 1.0, 1e3])})
    assert np.allclose(np.abs(w) / 0.01, 1 / np.sqrt(1 - 0.9), rtol=1e-4)


def test_article_adam_first_step_is_3_16_lr_and_10_lr_with_beta2_0_9999():
    """'approximately 3.16 alpha' and 'ten times the learning rate' (beta2 = 0.9999)."""
    assert fo.constant_gradient_steps([1], bias_correction=False, eps_inside=True)[1] == \
        pytest.approx(3.16, abs=0.005)
    r = fo.adam_square(lr=0.1, beta2=0.9999)
    assert r.step_ratios(fo.ARTICLE)[0] == pytest.approx(10.0, rel=1e-3)
    assert r.step_ratios(fo.CORRECTED)[0] == pytest.approx(1.0, rel=1e-6)


def test_article_adam_overshoots_more_and_both_settle():
    r = fo.adam_square(lr=0.1)
    good, bad = r.runs[fo.CORRECTED], r.runs[fo.ARTICLE]
    assert bad.overshoot() > 2 * good.overshoot() > 0
    assert abs(good.path[-1, 0]) < 0.01 and abs(bad.path[-1, 0]) < 0.01


def test_corrected_adam_walks_down_in_steps_of_about_the_learning_rate():
    """'At learning rate 0.1 the bias-corrected Adam walks down in steps of about 0.1': every
    step that lands on the near side of the minimum (w > 0) is between 0.7 and 1 times lr."""
    r = fo.adam_square(lr=0.1)
    path, ratios = r.runs[fo.CORRECTED].path[:, 0], r.step_ratios(fo.CORRECTED)
    walk = ratios[:np.argmax(path[1:] <= 0)]
    assert len(walk) >= 10
    assert np.all((walk > 0.7) & (walk <= 1 + 1e-9))


def test_keras_epsilon_hat_is_about_32_times_larger_at_the_first_step():
    """eps added to sqrt(v) = sqrt(1 - beta2^t) sqrt(v_hat): relative to sqrt(v_hat) it is
    eps / sqrt(1 - beta2^t). Checked by running the Keras form beside Adam with that eps."""
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-3, 0.1
    g = np.array([2e-3])
    w_keras, m, v = np.zeros(1), 0.0, 0.0
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    alpha = lr * np.sqrt(1 - beta2) / (1 - beta1)
    w_keras -= alpha * m / (np.sqrt(v) + eps)
    factor = 1 / np.sqrt(1 - beta2)
    assert factor == pytest.approx(32, abs=0.5)
    w_lib = np.zeros(1)
    Adam(lr, beta1, beta2, eps=eps * factor).step({"w": w_lib}, {"dw": g})
    assert np.allclose(w_keras, w_lib, rtol=1e-12, atol=0)


def test_eps_inside_is_a_hundred_times_slower_at_1e_minus_6():
    r = fo.eps_response([1e-6])
    assert r["eps outside"][0] / r["eps inside"][0] == pytest.approx(99, rel=0.01)


def test_network_lessons():
    """Best lr: SGD at the top of the grid, Adam ten times lower; momentum at 0.3 is at
    least as good as SGD at 3 ('compare its row at 0.3 with SGD's at 3')."""
    rows, best = fo.network_table()
    assert best["SGD"][0] == 3.0 and best["Adam"][0] == 0.3
    m03 = fo.network_race(0.3).histories["Momentum"].final_loss
    s3 = fo.network_race(3.0).histories["SGD"].final_loss
    assert m03 <= s3


def test_network_race_never_diverges_and_rmsprop_spikes_at_the_top():
    """Figure 4's prose: no run of its grid diverges (the tanh layer bounds the output);
    at the largest learning rates RMSprop's loss jumps to tens within the first six epochs
    and comes back down. Over five network seeds, each initialization, lr 1 and 3."""
    from backprop_lib.network import Network
    from backprop_lib.train import train

    X, Y = fo.moons()
    spikes, ends = [], []
    for lr in (1.0, 3.0):
        for init in ("small", "xavier", "he"):
            for seed in range(5):
                for name, opt in fo.four_optimizers(lr).items():
                    net = Network(fo.NET_SIZES, activations=["tanh", "sigmoid"], loss="bce",
                                  init=init, seed=seed)
                    h = train(net, X, Y, optimizer=opt, epochs=fo.NET_EPOCHS, seed=0,
                              on_divergence="ignore")
                    assert not h.diverged, (lr, init, seed, name)
                    if name == "RMSprop" and lr == 3.0:
                        assert h.loss.argmax() < 6 and h.loss[-1] < h.loss.max() / 5
                        spikes.append(h.loss.max())
                        ends.append(h.loss[-1])
    assert 10 < min(spikes) and max(spikes) < 35  # "to peaks between 10 and 35"
    # "but it often ends no better than chance, above ln 2"
    assert sum(e > np.log(2) for e in ends) >= len(ends) // 3
