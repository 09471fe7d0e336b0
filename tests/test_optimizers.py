"""Tests of backprop_lib.optimizers against their papers' formulas, one scalar at a time.

Each reference below is written from the paper (not from the library): Polyak momentum
v = beta v + g, w -= lr v; the moving average v = beta v + (1 - beta) g; RMSprop (Hinton
2012) s = beta s + (1 - beta) g^2, w -= lr g / (sqrt(s) + eps) or lr g / sqrt(s + eps);
Adam (Kingma and Ba 2015, Algorithm 1) with and without the bias correction.
"""

import math

import numpy as np
import pytest
from helpers import rel

import backprop_lib as bp
from backprop_lib import optimizers as opt

STEPS = 6


def ref_sgd(w, gs, lr):
    for g in gs:
        w -= lr * g
    return w


def ref_momentum(w, gs, lr, beta, average=False):
    v = 0.0
    for g in gs:
        v = beta * v + ((1 - beta) * g if average else g)
        w -= lr * v
    return w


def ref_rmsprop(w, gs, lr, beta, eps, inside=False):
    s = 0.0
    for g in gs:
        s = beta * s + (1 - beta) * g * g
        w -= lr * g / (math.sqrt(s + eps) if inside else math.sqrt(s) + eps)
    return w


def ref_adam(w, gs, lr, b1, b2, eps, correct=True, inside=False):
    m = v = 0.0
    for t, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
        w -= lr * mh / (math.sqrt(vh + eps) if inside else math.sqrt(vh) + eps)
    return w


CASES = {
    "sgd": (lambda: opt.SGD(lr=0.1), lambda w, gs: ref_sgd(w, gs, 0.1)),
    "momentum": (lambda: opt.Momentum(lr=0.05, beta=0.8),
                 lambda w, gs: ref_momentum(w, gs, 0.05, 0.8)),
    "momentum_average": (lambda: opt.Momentum(lr=0.05, beta=0.8, average=True),
                         lambda w, gs: ref_momentum(w, gs, 0.05, 0.8, average=True)),
    "rmsprop": (lambda: opt.RMSprop(lr=0.01, beta=0.9, eps=1e-3),
                lambda w, gs: ref_rmsprop(w, gs, 0.01, 0.9, 1e-3)),
    "rmsprop_eps_inside": (lambda: opt.RMSprop(lr=0.01, beta=0.9, eps=1e-3, eps_inside=True),
                           lambda w, gs: ref_rmsprop(w, gs, 0.01, 0.9, 1e-3, inside=True)),
    "adam": (lambda: opt.Adam(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-4),
             lambda w, gs: ref_adam(w, gs, 0.01, 0.9, 0.99, 1e-4)),
    "adam_no_bias_correction": (
        lambda: opt.Adam(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-4, bias_correction=False),
        lambda w, gs: ref_adam(w, gs, 0.01, 0.9, 0.99, 1e-4, correct=False)),
    "adam_eps_inside": (
        lambda: opt.Adam(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-4, eps_inside=True),
        lambda w, gs: ref_adam(w, gs, 0.01, 0.9, 0.99, 1e-4, inside=True)),
}


def gradient_sequence(seed=0, steps=STEPS):
    rng = np.random.default_rng(seed)
    return [{"dW1": rng.standard_normal((2, 3)), "db1": rng.standard_normal((2, 1))}
            for _ in range(steps)]


@pytest.mark.parametrize("case", list(CASES))
def test_matches_scalar_reference_step_by_step(case):
    make, ref = CASES[case]
    o = make()
    rng = np.random.default_rng(42)
    params = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal((2, 1))}
    start = {k: v.copy() for k, v in params.items()}
    seq = gradient_sequence()
    for t in range(1, STEPS + 1):
        o.step(params, seq[t - 1])
        for name, w in params.items():
            for idx in np.ndindex(w.shape):
                history = [float(g["d" + name][idx]) for g in seq[:t]]
                expected = ref(float(start[name][idx]), history)
                assert w[idx] == pytest.approx(expected, rel=1e-12, abs=1e-15), (case, t, name, idx)


def test_average_momentum_is_default_momentum_with_lr_times_one_minus_beta():
    beta, lr = 0.9, 0.2
    a = {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))}
    b = {k: v.copy() for k, v in a.items()}
    avg = opt.Momentum(lr=lr, beta=beta, average=True)
    polyak = opt.Momentum(lr=lr * (1 - beta), beta=beta)
    for grads in gradient_sequence(seed=3, steps=50):
        avg.step(a, grads)
        polyak.step(b, grads)
        for k in a:
            assert rel(a[k], b[k]) < 1e-12


def test_momentum_with_beta_zero_is_sgd():
    a = {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))}
    b = {k: v.copy() for k, v in a.items()}
    m, s = opt.Momentum(lr=0.3, beta=0.0), opt.SGD(lr=0.3)
    for grads in gradient_sequence():
        m.step(a, grads)
        s.step(b, grads)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_adam_first_step_is_lr_times_sign_with_bias_correction():
    """With bias correction, step 1 moves each weight by about lr (|g| >> eps)."""
    g = {"dW1": np.array([[3.0, -0.5]])}
    p = {"W1": np.zeros((1, 2))}
    opt.Adam(lr=0.01).step(p, g)
    np.testing.assert_allclose(p["W1"], [[-0.01, 0.01]], rtol=1e-6)
    q = {"W1": np.zeros((1, 2))}
    opt.Adam(lr=0.01, bias_correction=False).step(q, g)
    # without it: lr (1 - b1) g / sqrt((1 - b2) g^2) = lr * 0.1 / sqrt(0.001) ~ 3.16 lr
    np.testing.assert_allclose(q["W1"], [[-0.01, 0.01]] * np.array(0.1 / math.sqrt(0.001)),
                               rtol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_updates_in_place(case):
    o = CASES[case][0]()
    params = {"W1": np.ones((2, 3)), "b1": np.ones((2, 1))}
    ids = {k: id(v) for k, v in params.items()}
    o.step(params, gradient_sequence()[0])
    assert {k: id(v) for k, v in params.items()} == ids
    assert not (params["W1"] == 1).all()


@pytest.mark.parametrize("case", list(CASES))
def test_float32_stays_float32(case):
    o = CASES[case][0]()
    params = {"W1": np.ones((2, 3), np.float32), "b1": np.ones((2, 1), np.float32)}
    for g in gradient_sequence():
        o.step(params, {k: v.astype(np.float32) for k, v in g.items()})
    assert all(v.dtype == np.float32 for v in params.values())
    assert all(s.dtype == np.float32 for s in o.state.values())


@pytest.mark.parametrize("case", list(CASES))
def test_float32_params_with_float64_grads_stay_float32(case):
    o = CASES[case][0]()
    params = {"W1": np.ones((2, 3), np.float32), "b1": np.ones((2, 1), np.float32)}
    for g in gradient_sequence():
        o.step(params, g)
    assert all(v.dtype == np.float32 for v in params.values())


def test_state_is_kept_per_name_and_reset_forgets_it():
    o = opt.Adam(lr=0.1)
    p = {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1))}
    seq = gradient_sequence()
    o.step(p, seq[0])
    assert set(o.state) == {"W1.m", "W1.v", "b1.m", "b1.v"} and o.t == 1
    o.reset()
    assert o.state == {} and o.t == 0
    fresh = {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1))}
    o.step(fresh, seq[0])
    np.testing.assert_array_equal(fresh["W1"], p["W1"])  # same first step after reset


def test_optimizer_trains_a_network():
    X, Y = bp.data.regression_1d(m=40, seed=0)
    losses = {}
    for name, o in [("sgd", opt.SGD(lr=0.1)), ("momentum", opt.Momentum(lr=0.05)),
                    ("rmsprop", opt.RMSprop(lr=0.01)), ("adam", opt.Adam(lr=0.02))]:
        net = bp.Network([1, 8, 1], activations=["tanh", "identity"], seed=0)
        start = net.loss(X, Y)
        bp.train(net, X, Y, optimizer=o, epochs=100)
        losses[name] = net.loss(X, Y)
        assert losses[name] < 0.5 * start, name


def test_registry_names():
    assert opt.OPTIMIZERS == {"sgd": opt.SGD, "momentum": opt.Momentum,
                              "rmsprop": opt.RMSprop, "adam": opt.Adam}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(300, 250), (7, 5)])
def test_sgd_blocked_update_equals_the_plain_expression(dtype, shape):
    """The block-wise update (large arrays) gives exactly w - lr * g, last partial block too."""
    from backprop_lib.optimizers import subtract_scaled

    rng = np.random.default_rng(3)
    w = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    expected = w - dtype(0.37) * g if dtype is np.float32 else w - 0.37 * g
    subtract_scaled(w, g, 0.37)
    assert w.dtype == dtype
    np.testing.assert_array_equal(w, expected)


def test_sgd_update_of_a_non_contiguous_view_lands_in_the_array():
    from backprop_lib.optimizers import subtract_scaled

    base = np.ones((400, 200))
    view = base.T  # not C-contiguous: reshape(-1) would copy, so the plain path must be used
    subtract_scaled(view, np.ones_like(view), 0.5)
    assert np.all(base == 0.5)


@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("sgd")])
def test_reuse_on_other_shapes_is_refused_until_reset(case):
    """A notebook cell re-run with a new network but the old optimizer: a clear error naming
    the parameter and both shapes, before anything moves; reset() starts afresh."""
    o = CASES[case][0]()
    o.step({"W1": np.ones((2, 3))}, {"dW1": np.ones((2, 3))})
    other = {"W1": np.ones((4, 5))}
    with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(4, 5\).*\(2, 3\)"):
        o.step(other, {"dW1": np.ones((4, 5))})
    assert o.t == 1 and np.all(other["W1"] == 1)
    o.reset()
    o.step(other, {"dW1": np.ones((4, 5))})
    fresh = CASES[case][0]()
    again = {"W1": np.ones((4, 5))}
    fresh.step(again, {"dW1": np.ones((4, 5))})
    np.testing.assert_array_equal(other["W1"], again["W1"])  # reset is as good as new


def test_step_checks_do_not_copy_or_change_the_update():
    """The checks compare shapes, dtypes and flags only: the arrays updated are the caller's."""
    w = np.ones((3, 2))
    g = np.full((3, 2), 2.0)
    opt.Adam(lr=0.1).step({"W1": w}, {"dW1": g})
    ref = ref_adam(1.0, [2.0], 0.1, 0.9, 0.999, 1e-8)
    np.testing.assert_array_equal(w, np.full((3, 2), ref))
    np.testing.assert_array_equal(g, 2.0)


def test_nesterov_equals_the_keras_form_and_its_eigen_recurrence():
    """Nesterov(lr, beta): Keras's u = beta u - lr g, w += beta u - lr g gives the same steps,
    and on a quadratic each axis obeys
    w_t = (1+beta)(1-lr lam) w_{t-1} - beta (1-lr lam) w_{t-2}."""
    from backprop_lib import surfaces
    from backprop_lib.optimizers import Nesterov

    valley = surfaces.quadratic(20.0)
    lr, beta = 0.05, 0.9
    path = surfaces.trajectory(Nesterov(lr, beta), valley, steps=100).path
    w, u = valley.start.copy(), np.zeros(2)
    for _ in range(100):
        g = valley.grad(w)
        u = beta * u - lr * g
        w = w + beta * u - lr * g
    assert np.allclose(w, path[-1], rtol=0, atol=1e-12)
    c = 1 - lr * np.array([1.0, 20.0])
    assert np.allclose((1 + beta) * c * path[1:-1] - beta * c * path[:-2], path[2:], atol=1e-14)
    with pytest.raises(ValueError, match="beta"):
        Nesterov(0.1, beta=1.0)


def test_adagrad_steady_steps_shrink_like_one_over_sqrt_t():
    from backprop_lib.optimizers import Adagrad

    opt, w = Adagrad(1.0), np.zeros(1)
    steps = []
    for _ in range(100):
        before = w[0]
        opt.step({"w": w}, {"dw": np.ones(1)})
        steps.append(before - w[0])
    assert np.allclose(steps, 1 / np.sqrt(np.arange(1, 101)), rtol=1e-9)
    with pytest.raises(ValueError, match="eps"):
        Adagrad(0.1, eps=-1.0)


def test_adamw_decays_apart_from_the_gradient():
    from backprop_lib.optimizers import Adam, AdamW

    # weight_decay 0 is Adam; otherwise each step is w (1 - lr wd) then Adam's step
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((50, 4))
    a, b, c = (np.ones(4) for _ in range(3))
    adam, plain, decayed = Adam(0.01), AdamW(0.01, weight_decay=0.0), AdamW(0.01, weight_decay=0.3)
    shadow = Adam(0.01)
    for g in grads:
        adam.step({"w": a}, {"dw": g})
        plain.step({"w": b}, {"dw": g})
        c_expected = c * (1 - 0.01 * 0.3)
        shadow_w = c_expected.copy()
        shadow.step({"w": shadow_w}, {"dw": g})
        decayed.step({"w": c}, {"dw": g})
        assert np.allclose(c, shadow_w, rtol=0, atol=1e-15)
    assert np.array_equal(a, b)
    assert AdamW().weight_decay == 0.01  # torch.optim.AdamW's default
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(0.1, weight_decay=-1.0)
    with pytest.raises(TypeError, match="weight_decay"):
        AdamW(0.1, weight_decay="0.1")
