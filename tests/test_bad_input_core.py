"""Bad input to the numerical core beyond tests/test_bad_input.py: batch normalization,
clipping, optimizers, numerical gradients, diagnostics, the gradient monitor.

Each case is a clear TypeError or ValueError whose message names the argument, or the right
result; never a raw NumPy or Python error, never a silently wrong number.
"""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import clipping, optimizers
from backprop_lib import diagnostics as dg
from backprop_lib.batchnorm import BatchNormNetwork, batchnorm_backward, batchnorm_forward
from backprop_lib.monitor import GradientMonitor


def readonly(a):
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


def cache():
    return batchnorm_forward(np.arange(6.0).reshape(2, 3), np.ones((2, 1)), np.zeros((2, 1)))[1]


Z = np.arange(6.0).reshape(2, 3)
G, B = np.ones((2, 1)), np.zeros((2, 1))

BATCHNORM = [
    ("z-none", lambda: batchnorm_forward(None, G, B), TypeError, "Z must be an array"),
    ("z-str", lambda: batchnorm_forward("abc", G, B), TypeError, "Z must be an array"),
    ("z-ragged", lambda: batchnorm_forward([[1.0, 2.0], [1.0]], G, B), ValueError,
     "Z must be a rectangular"),
    ("z-complex", lambda: batchnorm_forward(Z * 1j, G, B), TypeError, "Z must hold real"),
    ("z-1-D", lambda: batchnorm_forward(np.ones(3), G, B), ValueError, "Z must be a 2-D"),
    ("z-3-D", lambda: batchnorm_forward(np.ones((2, 3, 1)), G, B), ValueError, "Z must be a 2-D"),
    ("z-nan", lambda: batchnorm_forward(np.array([[1.0, np.nan, 2.0]] * 2), G, B), ValueError,
     "Z must be finite"),
    ("z-no-columns", lambda: batchnorm_forward(np.ones((2, 0)), G, B), ValueError,
     "Z must hold at least one example"),
    ("z-masked", lambda: batchnorm_forward(np.ma.masked_array(Z, mask=Z > 3), G, B), TypeError,
     "Z must be a plain array"),
    ("gamma-none", lambda: batchnorm_forward(Z, None, B), TypeError, "gamma"),
    ("gamma-str", lambda: batchnorm_forward(Z, "one", B), TypeError, "gamma"),
    ("gamma-shape", lambda: batchnorm_forward(Z, np.ones(2), B), ValueError,
     r"gamma must have shape \(2, 1\)"),
    ("beta-inf", lambda: batchnorm_forward(Z, G, np.full((2, 1), np.inf)), ValueError,
     "beta must be finite"),
    ("beta-shape", lambda: batchnorm_forward(Z, G, np.zeros((3, 1))), ValueError,
     r"beta must have shape \(2, 1\)"),
    ("eps-zero", lambda: batchnorm_forward(Z, G, B, eps=0.0), ValueError, "eps must be > 0"),
    ("eps-str", lambda: batchnorm_forward(Z, G, B, eps="1e-5"), TypeError, "eps"),
    ("backward-cache-none", lambda: batchnorm_backward(np.ones((2, 3)), None), TypeError,
     "cache must be the second value returned by batchnorm_forward"),
    ("backward-cache-tuple-short", lambda: batchnorm_backward(np.ones((2, 3)), cache()[:3]),
     TypeError, "cache"),
    ("backward-cache-list", lambda: batchnorm_backward(np.ones((2, 3)), list(cache())),
     TypeError, "cache"),
    ("backward-dz-none", lambda: batchnorm_backward(None, cache()), TypeError, "dZtilde"),
    ("backward-dz-str", lambda: batchnorm_backward("x", cache()), TypeError, "dZtilde"),
    ("backward-dz-shape", lambda: batchnorm_backward(np.ones((3, 2)), cache()), ValueError,
     r"dZtilde must have the shape.*\(2, 3\)"),
    ("backward-dz-nan", lambda: batchnorm_backward(np.full((2, 3), np.nan), cache()), ValueError,
     "dZtilde must be finite"),
]

CLIPPING = [
    ("clip-empty", lambda: clipping.clip_by_norm({}, 1.0), ValueError,
     "grads must hold at least one"),
    ("norm-empty", lambda: clipping.global_norm({}), ValueError, "grads must hold at least one"),
    ("clip-none", lambda: clipping.clip_by_norm(None, 1.0), TypeError, "grads must be a dict"),
    ("clip-value-none", lambda: clipping.clip_by_norm({"dW1": None}, 1.0), TypeError,
     r"grads\['dW1'\]"),
    ("clip-value-str", lambda: clipping.clip_by_norm({"dW1": "big"}, 1.0), TypeError,
     r"grads\['dW1'\]"),
    ("norm-value-str-list", lambda: clipping.global_norm({"dW1": ["a", "b"]}), TypeError,
     r"grads\['dW1'\] must hold real"),
    ("norm-value-ragged", lambda: clipping.global_norm({"dW1": [[1.0], [1.0, 2.0]]}), ValueError,
     r"grads\['dW1'\] must be a rectangular"),
    ("norm-complex", lambda: clipping.global_norm({"dW1": np.ones(2) * 1j}), TypeError,
     r"grads\['dW1'\] must hold real"),
    ("clip-masked", lambda: clipping.clip_by_norm({"dW1": np.ma.masked_array([3.0, 4.0])}, 1.0),
     TypeError, r"grads\['dW1'\]"),
    ("clip-nan", lambda: clipping.clip_by_norm({"dW1": np.array([np.nan, 1.0])}, 1.0),
     ValueError, r"grads must be finite.*dW1"),
    ("clip-inf", lambda: clipping.clip_by_norm({"db1": np.array([np.inf])}, 1.0), ValueError,
     r"grads must be finite.*db1"),
    ("max-norm-nan", lambda: clipping.clip_by_norm({"dW1": np.ones(2)}, float("nan")),
     ValueError, "max_norm must be finite"),
    ("max-norm-inf", lambda: clipping.clip_by_norm({"dW1": np.ones(2)}, float("inf")),
     ValueError, "max_norm must be finite"),
    ("max-norm-negative", lambda: clipping.clip_by_norm({"dW1": np.ones(2)}, -1.0), ValueError,
     "max_norm must be > 0"),
    ("max-norm-str", lambda: clipping.clip_by_norm({"dW1": np.ones(2)}, "1"), TypeError,
     "max_norm must be a real number"),
    ("max-norm-none", lambda: clipping.clip_by_norm({"dW1": np.ones(2)}, None), TypeError,
     "max_norm"),
]


def P():
    return {"W1": np.ones((2, 2)), "b1": np.ones((2, 1))}


def Gr():
    return {"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}


def step_case(params, grads):
    return params, grads


STEP = [
    ("param-int", dict(P(), W1=np.ones((2, 2), dtype=int)), Gr(), TypeError,
     r"params\['W1'\] must be a float32 or float64 array.*int64"),
    ("param-bool", dict(P(), b1=np.ones((2, 1), dtype=bool)), Gr(), TypeError,
     r"params\['b1'\] must be a float32 or float64"),
    ("param-float16", dict(P(), W1=np.ones((2, 2), np.float16)), Gr(), TypeError,
     r"params\['W1'\] must be a float32 or float64 array \(in float16"),
    ("param-longdouble", dict(P(), W1=np.ones((2, 2), np.longdouble)), Gr(), TypeError,
     r"params\['W1'\] must be a float32 or float64"),
    ("param-read-only", dict(P(), b1=readonly(np.ones((2, 1)))), Gr(), ValueError,
     r"params\['b1'\] is read-only"),
    ("param-masked", dict(P(), W1=np.ma.masked_array(np.ones((2, 2)))), Gr(), TypeError,
     r"params\['W1'\] must be a numpy array"),
    ("param-none", dict(P(), W1=None), Gr(), TypeError, r"params\['W1'\] must be a numpy array"),
    ("param-key-not-str", {1: np.ones(2)}, {"d1": np.ones(2)}, TypeError,
     "params must be keyed by parameter names"),
    ("grad-none", P(), dict(Gr(), dW1=None), TypeError, r"grads\['dW1'\] must be a numpy array"),
    ("grad-str-array", P(), dict(Gr(), dW1=np.array([["a", "b"], ["c", "d"]])), TypeError,
     r"grads\['dW1'\]"),
    ("grad-transposed", {"W1": np.ones((2, 3))}, {"dW1": np.ones((3, 2))}, ValueError,
     r"grads\['dW1'\] must have the shape of params\['W1'\], \(2, 3\); got \(3, 2\)"),
    ("grad-1-D-for-column", P(), dict(Gr(), db1=np.ones(2)), ValueError,
     r"grads\['db1'\] must have the shape.*\(2, 1\); got \(2,\)"),
    ("grad-keys-not-d", P(), {"W1": np.ones((2, 2)), "b1": np.ones((2, 1))}, ValueError,
     r"grads must hold 'dW1' for parameter 'W1'"),
    ("params-none", None, Gr(), TypeError, "params must be a dict"),
    ("grads-tuple", P(), (np.ones((2, 2)),), TypeError, "grads must be a dict"),
]


@pytest.fixture(params=["SGD", "Momentum", "RMSprop", "Adam"])
def optimizer(request):
    return getattr(optimizers, request.param)(lr=0.1)


def ids(cases):
    return [c[0] for c in cases]


@pytest.mark.parametrize("case", BATCHNORM, ids=ids(BATCHNORM))
def test_batchnorm(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("case", CLIPPING, ids=ids(CLIPPING))
def test_clipping(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("case", STEP, ids=ids(STEP))
def test_optimizer_step(case, optimizer):
    _, params, grads, exc, match = case
    before = ({k: np.array(v, copy=True) for k, v in params.items() if v is not None}
              if isinstance(params, dict) else {})
    with pytest.raises(exc, match=match):
        optimizer.step(params, grads)
    for k, v in before.items():  # nothing was updated before the error
        np.testing.assert_array_equal(params[k], v)
    assert optimizer.t == 0


def test_optimizer_reused_on_another_network_names_both_shapes(optimizer):
    X1, Y1 = np.ones((2, 4)), np.ones((1, 4))
    small = bp.Network([2, 3, 1], seed=0)
    optimizer.step(small.params, small.gradients(X1, Y1))
    big = bp.Network([4, 5, 1], seed=0)
    X2, Y2 = np.ones((4, 4)), np.ones((1, 4))
    before = {k: v.copy() for k, v in big.params.items()}
    if not optimizer.STATE_SUFFIXES:  # SGD keeps no state: nothing to mismatch, it just works
        optimizer.step(big.params, big.gradients(X2, Y2))
        return
    for call in (lambda: optimizer.step(big.params, big.gradients(X2, Y2)),
                 lambda: bp.train(big, X2, Y2, optimizer=optimizer, epochs=2)):
        with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(5, 4\).*state of shape "
                                             r"\(3, 2\).*new optimizer.*reset\(\)"):
            call()
    for k, v in big.params.items():
        np.testing.assert_array_equal(v, before[k])
    optimizer.reset()  # the documented way out
    bp.train(big, X2, Y2, optimizer=optimizer, epochs=2)


def test_integer_params_in_train_are_refused_by_name():
    net = bp.Network([2, 2, 1], seed=0)
    net.params["W1"] = np.array([[1, 0], [0, 1]])
    # the network or the optimizer may say it first; either names the parameter and dtype
    with pytest.raises(TypeError, match=r"params\['W1'\].*(float64|float32).*int64"):
        bp.train(net, np.ones((2, 3)), np.ones((1, 3)), epochs=1)


def f_array():
    return np.ones(3)


X2 = np.array([1.0, 2.0])

NUMERICAL = [
    ("f-not-callable", lambda: bp.numerical_gradient(3, X2.copy()), TypeError,
     "f must be a function"),
    ("f-none", lambda: bp.numerical_gradient(None, X2.copy()), TypeError, "f must be a function"),
    ("f-returns-array", lambda: bp.numerical_gradient(f_array, X2.copy()), TypeError,
     r"f must return a scalar.*shape \(3,\)"),
    ("f-returns-1x1", lambda: bp.numerical_gradient(lambda: np.ones((1, 1)), X2.copy()), TypeError,
     r"f must return a scalar.*shape \(1, 1\)"),
    ("f-returns-str", lambda: bp.numerical_gradient(lambda: "0.5", X2.copy()), TypeError,
     "f must return the loss as a number"),
    ("f-returns-none", lambda: bp.numerical_gradient(lambda: None, X2.copy()), TypeError,
     "f must return the loss as a number"),
    ("f-returns-complex", lambda: bp.numerical_gradient(lambda: 1 + 2j, X2.copy()), TypeError,
     "f must return the loss as a real number"),
    ("f-returns-nan", lambda: bp.numerical_gradient(lambda: float("nan"), X2.copy()), ValueError,
     "f must return a finite number"),
    ("f-returns-inf", lambda: bp.numerical_gradient(lambda: np.inf, X2.copy()), ValueError,
     "f must return a finite number"),
    ("x-read-only", lambda: bp.numerical_gradient(lambda: 0.0, readonly([1.0, 2.0])), ValueError,
     "x must be writable"),
    ("x-broadcast-view", lambda: bp.numerical_gradient(lambda: 0.0,
                                                       np.broadcast_to(np.ones(1), (3,))),
     ValueError, "x must be writable"),
    ("x-int", lambda: bp.numerical_gradient(lambda: 0.0, np.arange(3)), TypeError,
     "x must be a floating-point array"),
    ("x-bool", lambda: bp.numerical_gradient(lambda: 0.0, np.ones(2, bool)), TypeError,
     "x must be a floating-point array"),
    ("x-none", lambda: bp.numerical_gradient(lambda: 0.0, None), TypeError,
     "x must be a numpy array"),
    ("eps-inf", lambda: bp.numerical_gradient(lambda: 0.0, X2.copy(), eps=float("inf")),
     ValueError, "eps must be finite"),
    ("eps-zero", lambda: bp.numerical_gradient(lambda: 0.0, X2.copy(), eps=0), ValueError,
     "eps must be > 0"),
    ("eps-negative", lambda: bp.numerical_gradient(lambda: 0.0, X2.copy(), eps=-1e-6),
     ValueError, "eps must be > 0"),
    ("eps-str", lambda: bp.numerical_gradient(lambda: 0.0, X2.copy(), eps="1e-6"), TypeError,
     "eps must be a real number"),
    ("net-not-a-network", lambda: bp.numerical_gradients("net", np.ones((2, 1)), np.ones((1, 1))),
     TypeError, "net must be a backprop_lib Network"),
    ("gradcheck-net-none", lambda: bp.gradcheck(None, np.ones((2, 1)), np.ones((1, 1))),
     TypeError, "net must be a backprop_lib Network"),
    ("gradcheck-eps-inf", lambda: bp.gradcheck(bp.Network([2, 1]), np.ones((2, 2)),
                                               np.ones((1, 2)), eps=float("inf")),
     ValueError, "eps must be finite"),
    ("gradcheck-seed-float", lambda: bp.gradcheck(bp.Network([2, 1]), np.ones((2, 2)),
                                                  np.ones((1, 2)), n_samples=1, seed=0.5),
     TypeError, "seed"),
    ("gradcheck-n-samples-str", lambda: bp.gradcheck(bp.Network([2, 1]), np.ones((2, 2)),
                                                     np.ones((1, 2)), n_samples="3"),
     TypeError, "n_samples"),
]


@pytest.mark.parametrize("case", NUMERICAL, ids=ids(NUMERICAL))
def test_numerical_gradient(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


def test_f_returning_an_array_leaves_x_restored():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="f must return a scalar"):
        bp.numerical_gradient(lambda: x * 2, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


@pytest.mark.parametrize("value", [np.float32(2.0), np.array(2.0), 2, np.int64(2)])
def test_f_may_return_any_real_scalar(value):
    x = np.array([1.0])
    np.testing.assert_array_equal(bp.numerical_gradient(lambda: value, x), [0.0])


def test_read_only_x_is_refused_before_anything_is_called():
    calls = []
    with pytest.raises(ValueError, match="x must be writable"):
        bp.numerical_gradient(lambda: calls.append(1) or 0.0, readonly([1.0]))
    assert calls == []


NET = bp.Network([3, 4, 1], ["relu", "identity"], seed=0)
XD, YD = np.ones((3, 4)), np.ones((1, 4))

DIAGNOSTICS = [
    ("ratio-strings", lambda: dg.first_last_ratio(["a", "b"]), TypeError,
     "norms must hold real numbers"),
    ("ratio-none", lambda: dg.first_last_ratio(None), TypeError, "norms must be a 1-D array"),
    ("ratio-str", lambda: dg.first_last_ratio("12"), TypeError, "norms must be a 1-D array"),
    ("ratio-dict", lambda: dg.first_last_ratio({1: 2.0, 2: 3.0}), TypeError, "norms"),
    ("ratio-complex", lambda: dg.first_last_ratio([1j, 2j]), TypeError, "norms must hold real"),
    ("ratio-ragged", lambda: dg.first_last_ratio([[1.0], [1.0, 2.0]]), ValueError, "norms"),
    ("ratio-2-D", lambda: dg.first_last_ratio(np.ones((2, 2))), ValueError, "norms must be a 1-D"),
    ("ratio-nan", lambda: dg.first_last_ratio([np.nan, 1.0]), ValueError, "norms must be non-neg"),
    ("layer-norms-net-str", lambda: dg.layer_gradient_norms("net", XD, YD), TypeError, "net"),
    ("layer-norms-bad-X", lambda: dg.layer_gradient_norms(NET, np.ones((2, 4)), YD), ValueError,
     "X must have shape"),
    ("layer-norms-bad-Y", lambda: dg.layer_gradient_norms(NET, XD, np.ones((1, 5))), ValueError,
     "same number of examples"),
    ("gradient-ratio-net-none", lambda: dg.gradient_ratio(None, XD, YD), TypeError, "net"),
    ("backward-factors-net", lambda: dg.backward_factors(3, XD, YD), TypeError, "net"),
    ("backward-factors-bad-X", lambda: dg.backward_factors(NET, "X", YD), TypeError, "X must be"),
    ("inactive-net", lambda: dg.inactive_units({}, XD), TypeError, "net"),
    ("inactive-bad-X", lambda: dg.inactive_units(NET, np.ones(3)), ValueError, "X must be 2-D"),
    ("dead-fraction-nan-X", lambda: dg.dead_unit_fraction(NET, np.full((3, 2), np.nan)),
     ValueError, "X must be finite"),
    ("frozen-net", lambda: dg.frozen_unit_fraction([], XD, YD), TypeError, "net"),
    ("frozen-bad-Y", lambda: dg.frozen_unit_fraction(NET, XD, "Y"), TypeError, "Y must be"),
]


@pytest.mark.parametrize("case", DIAGNOSTICS, ids=ids(DIAGNOSTICS))
def test_diagnostics(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


def test_frozen_units_of_a_batchnorm_network_are_counted_not_a_key_error():
    net = BatchNormNetwork([3, 4, 1], ["relu", "identity"], seed=0)
    X, Y = np.random.default_rng(0).standard_normal((3, 6)), np.ones((1, 6))
    assert dg.frozen_unit_fraction(net, X, Y) == 0.0
    net.params["beta1"][:2] = -1e6  # two units below zero on every example: dead and frozen
    assert dg.frozen_unit_fraction(net, X, Y) == 0.5
    # zero inputs: every row of dW1 is 0, but beta1 still gets a gradient, so nothing is frozen
    net.params["beta1"][...] = 1.0
    assert not np.any(net.gradients(np.zeros((3, 6)), Y)["dW1"])
    assert dg.frozen_unit_fraction(net, np.zeros((3, 6)), Y) == 0.0


class FakeHistory:
    grad_norms = np.zeros((0, 2))


MONITOR = [
    ("observe-strings", lambda: GradientMonitor().observe(0, ["a", "b"]), TypeError,
     "norms must hold real numbers"),
    ("observe-none", lambda: GradientMonitor().observe(0, None), TypeError, "norms"),
    ("observe-ragged", lambda: GradientMonitor().observe(0, [[1.0], [1.0, 2.0]]), ValueError,
     "norms"),
    ("observe-negative", lambda: GradientMonitor().observe(0, [1.0, -1.0]), ValueError,
     "norms must be non-negative"),
    ("observe-nan", lambda: GradientMonitor().observe(0, [np.nan]), ValueError,
     "norms must be finite"),
    ("observe-epoch-str", lambda: GradientMonitor().observe("0", [1.0]), TypeError, "epoch"),
    ("observe-epoch-negative", lambda: GradientMonitor().observe(-1, [1.0]), ValueError, "epoch"),
    ("call-no-history", lambda: GradientMonitor()(0, None, None), TypeError,
     "history must be the History"),
    ("call-empty-history", lambda: GradientMonitor()(0, None, FakeHistory()), TypeError,
     "history"),
    ("vanish-zero", lambda: GradientMonitor(vanish=0), ValueError, "vanish"),
    ("warn-str", lambda: GradientMonitor(warn="yes"), TypeError, "warn"),
]


@pytest.mark.parametrize("case", MONITOR, ids=ids(MONITOR))
def test_monitor(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


# Inputs that are not errors: the right result, computed in floating point.

def test_batchnorm_integer_Z_keeps_gamma_and_beta_floating():
    out, (Zhat, *_rest) = batchnorm_forward(np.array([[1, 2, 3]]), [[0.5]], [[0.0]])
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, 0.5 * Zhat)
    # mean 2, biased variance 2/3: Zhat = (Z - 2) / sqrt(2/3 + eps)
    np.testing.assert_allclose(out, 0.5 * np.array([[-1.0, 0.0, 1.0]]) / np.sqrt(2 / 3 + 1e-5),
                               rtol=1e-14)
    assert abs(out[0, 0]) > 0.5  # not truncated to the integer 0


def test_batchnorm_float32_Z_stays_float32_and_integer_gamma_is_cast():
    Z32 = np.arange(6, dtype=np.float32).reshape(2, 3)
    out, cache = batchnorm_forward(Z32, np.array([[2], [3]]), np.array([[1], [0]]))
    assert out.dtype == np.float32 and cache[2].dtype == np.float32
    dZ, dgamma, dbeta = batchnorm_backward(np.ones((2, 3), dtype=int), cache)
    assert dZ.dtype == dgamma.dtype == dbeta.dtype == np.float32
    np.testing.assert_array_equal(dbeta, [[3.0], [3.0]])


def test_clip_integer_gradients_gives_floats():
    out = clipping.clip_by_norm({"dW1": np.array([3, 4])}, 1.0)
    assert out["dW1"].dtype == np.float64
    np.testing.assert_allclose(out["dW1"], [0.6, 0.8], rtol=1e-15)


def test_clip_list_gradients_are_read_as_arrays():
    out = clipping.clip_by_norm({"dW1": [[3.0, 4.0]], "db1": [0]}, 0.5)
    np.testing.assert_allclose(out["dW1"], [[0.3, 0.4]], rtol=1e-15)
    assert clipping.global_norm({"dW1": [[3, 4]]}) == 5.0
    unclipped = clipping.clip_by_norm({"dW1": [True, False]}, 10.0)
    assert unclipped["dW1"].dtype == np.float64


def test_float32_params_with_integer_gradients_step():
    p = {"W1": np.ones((1, 2), np.float32)}
    optimizers.SGD(lr=0.5).step(p, {"dW1": np.array([[1, 2]])})
    assert p["W1"].dtype == np.float32
    np.testing.assert_array_equal(p["W1"], [[0.5, 0.0]])


def rng():
    return np.random.default_rng(0)


OTHER = [
    ("one-hot-ragged", lambda: bp.data.one_hot([[0, 1], [1]], 2), ValueError,
     "labels must be a 1-D array of integers"),
    ("one-hot-strings", lambda: bp.data.one_hot(["a", "b"], 2), ValueError,
     "labels must be a 1-D array of integers"),
    ("one-hot-bools", lambda: bp.data.one_hot([True, False], 2), ValueError,
     "labels must be a 1-D array of integers"),
    ("one-hot-classes-bool", lambda: bp.data.one_hot([0, 1], True), TypeError, "n_classes"),
    ("one-hot-classes-huge", lambda: bp.data.one_hot([0, 1], 10**30), ValueError,
     "n_classes must be small enough"),
    ("initialize-scale-nan", lambda: bp.initializers.initialize([2, 1], "he", float("nan"),
                                                                rng(), np.float64),
     ValueError, "init_scale must be finite"),
    ("initialize-scale-negative", lambda: bp.initializers.initialize([2, 1], "he", -1.0, rng(),
                                                                     np.float64),
     ValueError, "init_scale must be >= 0"),
    ("initialize-rng-int", lambda: bp.initializers.initialize([2, 1], "he", 1.0, 0, np.float64),
     TypeError, "rng must be a numpy.random.Generator"),
    ("weight-std-n-out-float", lambda: bp.initializers.weight_std("he", 2, 2.0), TypeError,
     "n_out must be an integer"),
    ("weight-std-scheme-none", lambda: bp.initializers.weight_std(None, 2, 2), TypeError, "init"),
    ("two-moons-m-bool", lambda: bp.data.two_moons(m=True), TypeError, "m must be an integer"),
]


@pytest.mark.parametrize("case", OTHER, ids=ids(OTHER))
def test_other(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


def test_one_hot_of_unsigned_labels_is_right():
    np.testing.assert_array_equal(bp.data.one_hot(np.array([1, 0], np.uint8), 2),
                                  [[0.0, 1.0], [1.0, 0.0]])
