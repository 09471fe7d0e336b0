"""One test per kind of bad input: the exception type, and a message naming the argument.

Nothing may surface as a raw NumPy error: each message must say which argument is wrong.
"""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import _checks, data, optimizers

N = bp.Network


def net(loss="half_mse", last="sigmoid"):
    if loss == "softmax_ce":
        last = "identity"
    return bp.Network([2, 3, 2], activations=["tanh", last], loss=loss, seed=0)


GOOD_X = np.ones((2, 3))
GOOD_Y = np.full((2, 3), 0.5)

CONSTRUCTOR = [
    ("sizes-empty", lambda: N([]), ValueError, "layer_sizes"),
    ("sizes-one-entry", lambda: N([3]), ValueError, "layer_sizes"),
    ("sizes-not-a-list", lambda: N(3), TypeError, "layer_sizes"),
    ("sizes-str", lambda: N("2,2,1"), TypeError, "layer_sizes"),
    ("sizes-str-entry", lambda: N([2, "2", 1]), TypeError, r"layer_sizes\[1\]"),
    ("sizes-float-entry", lambda: N([2, 2.0, 1]), TypeError, r"layer_sizes\[1\]"),
    ("sizes-zero", lambda: N([2, 0, 1]), ValueError, r"layer_sizes\[1\]"),
    ("sizes-negative", lambda: N([2, -3, 1]), ValueError, r"layer_sizes\[1\]"),
    ("sizes-bool", lambda: N([2, True, 1]), TypeError, r"layer_sizes\[1\]"),
    ("act-unknown", lambda: N([2, 2, 1], activations="softplus"), ValueError,
     r"activations\[0\].*softplus.*sigmoid"),
    ("act-unknown-second", lambda: N([2, 2, 1], activations=["tanh", "gelu"]), ValueError,
     r"activations\[1\] \(layer 2\)"),
    ("act-wrong-count", lambda: N([2, 2, 1], activations=["tanh"] * 3), ValueError,
     "activations.*2"),
    ("act-wrong-type", lambda: N([2, 2, 1], activations=7), TypeError, "activations"),
    ("act-entry-wrong-type", lambda: N([2, 2, 1], activations=["tanh", None]), TypeError,
     r"activations\[1\]"),
    ("loss-unknown", lambda: N([2, 1], loss="l1"), ValueError, r"loss.*'l1'.*half_mse"),
    ("loss-wrong-type", lambda: N([2, 1], loss=None), TypeError, "loss"),
    ("softmax-ce-needs-identity", lambda: N([2, 2], activations="sigmoid", loss="softmax_ce"),
     ValueError, r"softmax_ce.*identity"),
    ("bce-needs-sigmoid", lambda: N([2, 2, 1], activations="tanh", loss="bce"), ValueError,
     r"bce.*sigmoid.*'tanh'"),
    ("init-unknown", lambda: N([2, 1], init="glorot"), ValueError, r"init.*xavier"),
    ("init-scale-negative", lambda: N([2, 1], init_scale=-1.0), ValueError, "init_scale"),
    ("init-scale-nan", lambda: N([2, 1], init_scale=float("nan")), ValueError, "init_scale"),
    ("init-scale-inf", lambda: N([2, 1], init_scale=float("inf")), ValueError, "init_scale"),
    ("init-scale-str", lambda: N([2, 1], init_scale="1"), TypeError, "init_scale"),
    ("seed-negative", lambda: N([2, 1], seed=-1), ValueError, "seed"),
    ("seed-float", lambda: N([2, 1], seed=1.5), TypeError, "seed"),
    ("seed-str", lambda: N([2, 1], seed="0"), TypeError, "seed"),
    ("dtype-int", lambda: N([2, 1], dtype=np.int64), ValueError, "dtype"),
    ("dtype-float16", lambda: N([2, 1], dtype=np.float16), ValueError, "dtype"),
    ("dtype-str", lambda: N([2, 1], dtype="banana"), TypeError, "dtype"),
]

# X problems, tried on forward, loss, gradients and trace alike
BAD_X = [
    ("1-D", np.ones(2), ValueError, r"X must be 2-D.*reshape"),
    ("3-D", np.ones((2, 3, 1)), ValueError, "X must be 2-D"),
    ("wrong-n0", np.ones((3, 3)), ValueError, r"X must have shape \(n_0, m\) = \(2, m\)"),
    ("nan", np.array([[1.0, np.nan, 1.0], [1.0, 1.0, 1.0]]), ValueError, "X must be finite"),
    ("inf", np.array([[1.0, np.inf, 1.0], [1.0, 1.0, 1.0]]), ValueError, "X must be finite"),
    ("strings", [["a", "b", "c"], ["d", "e", "f"]], TypeError, "X must hold numbers"),
    ("str", "hello", TypeError, "X must be a 2-D array"),
    ("none", None, TypeError, "X must be a 2-D array"),
    ("dict", {"x": 1}, TypeError, "X must be a 2-D array"),
    ("ragged", [[1.0, 2.0, 3.0], [1.0, 2.0]], ValueError, "X must be a rectangular"),
    ("complex", np.ones((2, 3)) * 1j, TypeError, "X must hold real numbers"),
    ("objects", np.array([[object()] * 3] * 2), TypeError, "X must hold numbers"),
    ("zero-columns", np.ones((2, 0)), ValueError, "X must hold at least one example"),
]

CALLS = {
    "forward": lambda n, X: n.forward(X),
    "predict": lambda n, X: n.predict(X),
    "loss": lambda n, X: n.loss(X, GOOD_Y),
    "gradients": lambda n, X: n.gradients(X, GOOD_Y),
    "loss_and_gradients": lambda n, X: n.loss_and_gradients(X, GOOD_Y),
    "trace": lambda n, X: n.trace(X, GOOD_Y),
    "gradcheck": lambda n, X: bp.gradcheck(n, X, GOOD_Y),
    "numerical_gradients": lambda n, X: bp.numerical_gradients(n, X, GOOD_Y),
    "train": lambda n, X: bp.train(n, X, GOOD_Y, epochs=1),
}

BAD_Y = [
    ("y-examples-mismatch", "half_mse", np.ones((2, 4)), ValueError,
     "X and Y must have the same number of examples"),
    ("y-wrong-nL", "half_mse", np.ones((3, 3)), ValueError,
     r"Y must have shape \(n_L, m\) = \(2, m\)"),
    ("y-1-D", "half_mse", np.ones(3), ValueError, "Y must be 2-D"),
    ("y-nan", "mse", np.full((2, 3), np.nan), ValueError, "Y must be finite"),
    ("y-strings", "mse", [["a"] * 3] * 2, TypeError, "Y must hold numbers"),
    ("bce-above-1", "bce", np.full((2, 3), 1.5), ValueError, r"Y must lie in \[0, 1\].*bce"),
    ("bce-negative", "bce", np.full((2, 3), -0.1), ValueError, r"Y must lie in \[0, 1\]"),
    ("softmax-ce-not-summing-to-1", "softmax_ce", np.full((2, 3), 0.3), ValueError,
     "Y must hold one-hot.*sum to 1"),
    ("softmax-ce-negative", "softmax_ce", np.array([[1.5] * 3, [-0.5] * 3]), ValueError,
     r"Y must lie in \[0, 1\]"),
]


def P(shapes_from):
    return {k: v.copy() for k, v in shapes_from.params.items()}


def set_params_cases():
    good = P(net())
    missing = {k: v for k, v in good.items() if k != "b2"}
    unknown = dict(good, W3=np.ones((1, 2)))
    wrong = dict(good, W2=np.ones((2, 2)))
    wrong_b = dict(good, b1=np.ones((4, 1)))
    nan = dict(good, W1=np.full((3, 2), np.nan))
    return [
        ("not-a-dict", [1, 2], TypeError, "params must be a dict"),
        ("missing-key", missing, ValueError,
         r"params must have exactly the keys.*missing: \['b2'\]"),
        ("unknown-key", unknown, ValueError, r"unknown: \['W3'\]"),
        ("wrong-shape-W2", wrong, ValueError,
         r"params\['W2'\] \(layer 2\) must have shape \(2, 3\)"),
        ("wrong-shape-b1", wrong_b, ValueError,
         r"params\['b1'\] \(layer 1\) must have shape \(3, 1\)"),
        ("nan", nan, ValueError, r"params\['W1'\] must be finite"),
        ("string-values", dict(good, b2="zero"), TypeError, r"params\['b2'\]"),
    ]


OPTIMIZER_CONSTRUCTORS = [
    ("lr-zero", lambda: optimizers.SGD(lr=0), ValueError, "lr must be > 0"),
    ("lr-negative", lambda: optimizers.SGD(lr=-0.1), ValueError, "lr must be > 0"),
    ("lr-nan", lambda: optimizers.Momentum(lr=float("nan")), ValueError, "lr must be finite"),
    ("lr-inf", lambda: optimizers.Adam(lr=float("inf")), ValueError, "lr must be finite"),
    ("lr-str", lambda: optimizers.RMSprop(lr="0.1"), TypeError, "lr must be a real number"),
    ("lr-none", lambda: optimizers.SGD(lr=None), TypeError, "lr must be a real number"),
    ("momentum-beta-1", lambda: optimizers.Momentum(lr=0.1, beta=1.0), ValueError,
     "beta must be < 1"),
    ("momentum-beta-2", lambda: optimizers.Momentum(lr=0.1, beta=2), ValueError,
     "beta must be < 1"),
    ("momentum-beta-negative", lambda: optimizers.Momentum(lr=0.1, beta=-0.5), ValueError, "beta"),
    ("rmsprop-beta-1", lambda: optimizers.RMSprop(lr=0.1, beta=1.0), ValueError,
     "beta must be < 1"),
    ("rmsprop-eps-0", lambda: optimizers.RMSprop(lr=0.1, eps=0.0), ValueError, "eps must be > 0"),
    ("rmsprop-eps-negative", lambda: optimizers.RMSprop(lr=0.1, eps=-1e-8), ValueError, "eps"),
    ("adam-beta1-1", lambda: optimizers.Adam(beta1=1.0), ValueError, "beta1 must be < 1"),
    ("adam-beta2-1", lambda: optimizers.Adam(beta2=1.0), ValueError, "beta2 must be < 1"),
    ("adam-beta2-str", lambda: optimizers.Adam(beta2="0.9"), TypeError, "beta2"),
    ("adam-eps-0", lambda: optimizers.Adam(eps=0.0), ValueError, "eps must be > 0"),
]


def step_cases():
    p = {"W1": np.ones((2, 2)), "b1": np.ones((2, 1))}
    g = {"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}
    return [
        ("missing-grad", p, {"dW1": g["dW1"]}, ValueError, r"grads must hold 'db1'"),
        ("shape-mismatch", p, dict(g, dW1=np.ones((2, 3))), ValueError,
         r"grads\['dW1'\] must have the shape of params\['W1'\]"),
        ("params-not-dict", [1], g, TypeError, "params must be a dict"),
        ("grads-not-dict", p, [1], TypeError, "grads must be a dict"),
        ("param-not-array", {"W1": [[1.0]]}, {"dW1": np.ones((1, 1))}, TypeError,
         r"params\['W1'\] must be a numpy array"),
        ("grad-not-numbers", p, dict(g, db1=[["a"], ["b"]]), TypeError, r"grads\['db1'\]"),
        ("grad-list", p, dict(g, dW1=[[1.0, 1.0], [1.0, 1.0]]), TypeError,
         r"grads\['dW1'\] must be a numpy array"),
        ("grad-complex", p, dict(g, dW1=np.ones((2, 2)) * 1j), TypeError, r"grads\['dW1'\]"),
    ]


def train_cases():
    n = net()
    return [
        ("epochs-0", lambda: bp.train(n, GOOD_X, GOOD_Y, epochs=0), ValueError,
         "epochs must be >= 1"),
        ("epochs-float", lambda: bp.train(n, GOOD_X, GOOD_Y, epochs=2.5), TypeError, "epochs"),
        ("batch-too-large", lambda: bp.train(n, GOOD_X, GOOD_Y, batch_size=4), ValueError,
         "batch_size must be at most the number of examples 3"),
        ("batch-zero", lambda: bp.train(n, GOOD_X, GOOD_Y, batch_size=0), ValueError, "batch_size"),
        ("not-an-optimizer", lambda: bp.train(n, GOOD_X, GOOD_Y, optimizer="adam"), TypeError,
         "optimizer must be a backprop_lib.optimizers optimizer"),
        ("optimizer-class", lambda: bp.train(n, GOOD_X, GOOD_Y, optimizer=optimizers.SGD),
         TypeError, "optimizer"),
        ("clip-norm-zero", lambda: bp.train(n, GOOD_X, GOOD_Y, clip_norm=0), ValueError,
         "clip_norm must be > 0"),
        ("clip-norm-negative", lambda: bp.train(n, GOOD_X, GOOD_Y, clip_norm=-1.0), ValueError,
         "clip_norm"),
        ("on-divergence", lambda: bp.train(n, GOOD_X, GOOD_Y, on_divergence="stop"), ValueError,
         r"on_divergence.*'stop'.*raise"),
        ("divergence-factor", lambda: bp.train(n, GOOD_X, GOOD_Y, divergence_factor=-1),
         ValueError, "divergence_factor"),
        ("seed", lambda: bp.train(n, GOOD_X, GOOD_Y, seed=-2), ValueError, "seed"),
        ("callback", lambda: bp.train(n, GOOD_X, GOOD_Y, callback=5), TypeError, "callback"),
    ]


def gradcheck_cases():
    n = net()
    return [
        ("eps-zero", lambda: bp.gradcheck(n, GOOD_X, GOOD_Y, eps=0), ValueError, "eps must be > 0"),
        ("eps-negative", lambda: bp.numerical_gradients(n, GOOD_X, GOOD_Y, eps=-1e-6), ValueError,
         "eps"),
        ("eps-nan", lambda: bp.numerical_gradient(lambda: 0.0, np.ones(2), eps=float("nan")),
         ValueError, "eps"),
        ("unknown-name", lambda: bp.gradcheck(n, GOOD_X, GOOD_Y, names=["W9"]), ValueError,
         r"names.*'W9'"),
        ("unknown-name-numerical", lambda: bp.numerical_gradients(n, GOOD_X, GOOD_Y, names="dW1"),
         ValueError, "names"),
        ("names-not-a-list", lambda: bp.gradcheck(n, GOOD_X, GOOD_Y, names=3), TypeError,
         "names must be a parameter name or a list"),
        ("names-not-strings", lambda: bp.gradcheck(n, GOOD_X, GOOD_Y, names=[["W1"]]), TypeError,
         "names"),
        ("names-empty", lambda: bp.gradcheck(n, GOOD_X, GOOD_Y, names=[]), ValueError,
         "names must list at least one"),
        ("n-samples-zero", lambda: bp.gradcheck(n, GOOD_X, GOOD_Y, n_samples=0), ValueError,
         "n_samples"),
        ("x-not-array", lambda: bp.numerical_gradient(lambda: 0.0, [1.0, 2.0]), TypeError,
         "x must be a numpy array"),
        ("x-integer-array", lambda: bp.numerical_gradient(lambda: 0.0, np.array([1, 2])),
         TypeError, "x must be a floating-point array"),
        ("relative-error-strings", lambda: bp.relative_error("a", [1.0]), TypeError,
         "g must be an array of real numbers"),
        ("relative-error-ragged", lambda: bp.relative_error([1.0], [[1.0], [1.0, 2.0]]),
         ValueError, "n must be an array of real numbers"),
        ("relative-error-shapes", lambda: bp.relative_error(np.ones(2), np.ones(3)), ValueError,
         "g and n must have the same shape"),
    ]


DATA = [
    ("two-moons-m-1", lambda: data.two_moons(m=1), ValueError, "m must be >= 2"),
    ("two-moons-m-float", lambda: data.two_moons(m=10.5), TypeError, "m must be an integer"),
    ("two-moons-noise-negative", lambda: data.two_moons(noise=-0.1), ValueError, "noise"),
    ("two-moons-seed", lambda: data.two_moons(seed=-1), ValueError, "seed"),
    ("spirals-m-0", lambda: data.spirals(m_per_class=0), ValueError, "m_per_class"),
    ("spirals-classes-1", lambda: data.spirals(n_classes=1), ValueError, "n_classes must be >= 2"),
    ("spirals-noise-str", lambda: data.spirals(noise="a"), TypeError, "noise"),
    ("blobs-m-too-small", lambda: data.blobs(m=2, n_classes=3), ValueError, "m must be >= 3"),
    ("blobs-classes-str", lambda: data.blobs(n_classes="3"), TypeError, "n_classes"),
    ("blobs-spread-nan", lambda: data.blobs(spread=float("nan")), ValueError, "spread"),
    ("regression-m-1", lambda: data.regression_1d(m=1), ValueError, "m must be >= 2"),
    ("one-hot-floats", lambda: data.one_hot([0.0, 1.0], 2), ValueError, "labels must be a 1-D"),
    ("one-hot-2-D", lambda: data.one_hot([[0, 1]], 2), ValueError, "labels must be a 1-D"),
    ("one-hot-out-of-range", lambda: data.one_hot([0, 3], 3), ValueError,
     r"labels must lie in 0\.\.2"),
    ("one-hot-negative", lambda: data.one_hot([-1, 0], 3), ValueError, "labels must lie"),
    ("one-hot-classes-0", lambda: data.one_hot([0], 0), ValueError, "n_classes"),
]

OTHER = [
    ("clip-max-norm-zero", lambda: bp.clipping.clip_by_norm({"dW1": np.ones(2)}, 0.0), ValueError,
     "max_norm must be > 0"),
    ("global-norm-not-dict", lambda: bp.clipping.global_norm([np.ones(2)]), TypeError,
     "grads must be a dict"),
    ("weight-std-n-in-zero", lambda: bp.initializers.weight_std("he", 0, 2), ValueError,
     "n_in must be >= 1"),
    ("clip-not-dict", lambda: bp.clipping.clip_by_norm([np.ones(2)], 1.0), TypeError,
     "grads must be a dict"),
    ("activation-get", lambda: bp.activations.get("swish"), ValueError, "activation"),
    ("loss-get", lambda: bp.losses.get(1), TypeError, "loss"),
    ("weight-std", lambda: bp.initializers.weight_std("uniform", 2, 2), ValueError, "init"),
]


def ids(cases):
    return [c[0] for c in cases]


@pytest.mark.parametrize("case", CONSTRUCTOR, ids=ids(CONSTRUCTOR))
def test_network_constructor(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
@pytest.mark.parametrize("case", BAD_X, ids=ids(BAD_X))
def test_bad_X(case, call):
    _, X, exc, match = case
    with pytest.raises(exc, match=match):
        CALLS[call](net(), X)


@pytest.mark.parametrize("call", ["loss", "gradients", "trace", "train", "gradcheck"])
@pytest.mark.parametrize("case", BAD_Y, ids=ids(BAD_Y))
def test_bad_Y(case, call):
    _, loss, Y, exc, match = case
    n = net(loss)
    fn = {"loss": n.loss, "gradients": n.gradients, "trace": n.trace,
          "train": lambda X, Y: bp.train(n, X, Y, epochs=1),
          "gradcheck": lambda X, Y: bp.gradcheck(n, X, Y)}[call]
    with pytest.raises(exc, match=match):
        fn(GOOD_X, Y)


@pytest.mark.parametrize("case", set_params_cases(), ids=ids(set_params_cases()))
def test_set_params(case):
    _, params, exc, match = case
    n = net()
    before = P(n)
    with pytest.raises(exc, match=match):
        n.set_params(params)
    for k, v in n.params.items():  # a failed set_params changes nothing
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("case", OPTIMIZER_CONSTRUCTORS, ids=ids(OPTIMIZER_CONSTRUCTORS))
def test_optimizer_constructor(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("kind", ["SGD", "Momentum", "RMSprop", "Adam"])
@pytest.mark.parametrize("case", step_cases(), ids=ids(step_cases()))
def test_optimizer_step(case, kind):
    _, params, grads, exc, match = case
    o = getattr(optimizers, kind)(lr=0.1)
    before = {k: np.array(v, copy=True) for k, v in params.items()} if isinstance(params, dict) \
        else None
    with pytest.raises(exc, match=match):
        o.step(params, grads)
    if before is not None:  # nothing was updated before the error
        for k, v in params.items():
            np.testing.assert_array_equal(v, before[k])
    assert o.t == 0


@pytest.mark.parametrize("case", train_cases(), ids=ids(train_cases()))
def test_train(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("case", gradcheck_cases(), ids=ids(gradcheck_cases()))
def test_gradcheck(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("case", DATA, ids=ids(DATA))
def test_data(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("case", OTHER, ids=ids(OTHER))
def test_other(case):
    _, call, exc, match = case
    with pytest.raises(exc, match=match):
        call()


# Large batches are checked for NaN and infinity through a sum of squares
# (backprop_lib._checks.all_finite); these cases reach that path for X and for Y.
BIG_M = _checks.SUM_OF_SQUARES_FROM // 64 + 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", ["X", "Y"])
def test_large_batch_with_one_bad_entry(which, bad, dtype):
    net = N([64, 3, 64], dtype=dtype)
    X, Y = np.ones((64, BIG_M), dtype), np.full((64, BIG_M), 0.5, dtype)
    (X if which == "X" else Y)[1, 77] = bad
    with pytest.raises(ValueError, match=f"{which} must be finite; it holds 1 NaN or infinite"):
        net.loss_and_gradients(X, Y)


@pytest.mark.parametrize("dtype, huge", [(np.float32, 1e30), (np.float64, 1e200)])
def test_large_batch_of_huge_finite_numbers_is_accepted(dtype, huge):
    """Squares of these overflow, which must not be mistaken for an infinite entry."""
    net = N([64, 2], activations="identity", init="zeros", dtype=dtype)
    X = np.full((64, BIG_M), huge, dtype)
    assert net.forward(X).shape == (2, BIG_M)
