"""Bad input to the losses, to Network and to train: each gets a ValueError or TypeError whose
message names the argument (or the right result, where the input is valid after all)."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import losses
from backprop_lib.batchnorm import BatchNormNetwork
from backprop_lib.residual import ResidualNetwork

A23 = np.full((2, 3), 0.5)
Y23 = np.ones((2, 3))
Z34 = np.zeros((3, 4))
ONEHOT34 = np.eye(3)[[0, 1, 2, 1]].T

masked = np.ma.masked_array(A23, mask=[[0, 1, 0], [0, 0, 0]])


def obj_array():
    a = np.empty((2, 3), dtype=object)
    a[...] = "x"
    return a


# (id, call, error type, words the message must contain)
LOSS_CASES = [
    ("half_mse-broadcast", lambda: losses.half_mse(np.ones((1, 3)), np.zeros((3, 1))),
     ValueError, ["A", "Y", "same shape", "(1, 3)", "(3, 1)"]),
    ("mse-transposed", lambda: losses.mse(np.ones((2, 3)), np.ones((3, 2))),
     ValueError, ["same shape"]),
    ("mse-row-against-matrix", lambda: losses.mse(np.ones((1, 3)), np.ones((2, 3))),
     ValueError, ["same shape", "broadcast"]),
    ("half_mse_gradient-broadcast", lambda: losses.half_mse_gradient(np.ones((2, 1)), Y23),
     ValueError, ["same shape"]),
    ("mse_gradient-broadcast", lambda: losses.mse_gradient(A23, np.ones((1, 1))),
     ValueError, ["same shape"]),
    ("value_and_gradient-broadcast",
     lambda: losses.mse_value_and_gradient(A23, np.ones((2, 1))), ValueError, ["same shape"]),
    ("half_mse_value_and_gradient-1d",
     lambda: losses.half_mse_value_and_gradient(np.ones(3), np.ones(3)), ValueError,
     ["A", "2-D"]),
    ("bce-A-above-1", lambda: losses.bce([[1.5]], [[1.0]]), ValueError, ["A", "[0, 1]", "1.5"]),
    ("bce-A-negative", lambda: losses.bce([[-0.1]], [[0.0]]), ValueError, ["A", "[0, 1]"]),
    ("bce-Y-above-1", lambda: losses.bce([[0.5]], [[2.0]]), ValueError, ["Y", "[0, 1]"]),
    ("bce-scalars", lambda: losses.bce(1.5, 1), ValueError, ["A", "2-D"]),
    ("bce-logits-given", lambda: losses.bce([[3.0, -2.0]], [[1.0, 0.0]]), ValueError,
     ["bce_with_logits"]),
    ("bce_gradient-A-above-1", lambda: losses.bce_gradient([[1.2]], [[1.0]]), ValueError,
     ["A", "[0, 1]"]),
    ("bce_with_logits-Y-negative", lambda: losses.bce_with_logits([[1.0]], [[-1.0]]),
     ValueError, ["Y", "[0, 1]"]),
    ("bce_with_logits-nan", lambda: losses.bce_with_logits([[np.nan]], [[1.0]]), ValueError,
     ["Z", "finite"]),
    ("bce_with_logits-inf", lambda: losses.bce_with_logits([[np.inf]], [[1.0]]), ValueError,
     ["Z", "finite"]),
    ("bce_with_logits_gradient-broadcast",
     lambda: losses.bce_with_logits_gradient(np.zeros((1, 4)), np.zeros((1, 1))), ValueError,
     ["Z", "Y", "same shape"]),
    ("softmax_ce-label-vector", lambda: losses.softmax_ce(Z34, np.array([0, 1, 2, 1])),
     ValueError, ["Y", "one-hot", "np.eye"]),
    ("softmax_ce-columns-not-summing-to-1", lambda: losses.softmax_ce(Z34, np.ones((3, 4))),
     ValueError, ["Y", "sum to 1", "3"]),
    ("softmax_ce-negative-targets",
     lambda: losses.softmax_ce(np.zeros((2, 1)), np.array([[2.0], [-1.0]])), ValueError,
     ["Y", ">= 0"]),
    ("softmax_ce-transposed", lambda: losses.softmax_ce(Z34, ONEHOT34.T), ValueError,
     ["same shape", "(3, 4)", "(4, 3)"]),
    ("softmax_ce_gradient-labels",
     lambda: losses.softmax_ce_gradient(Z34, np.array([0, 1, 2, 1])), ValueError, ["Y"]),
    ("mse-string", lambda: losses.mse("ab", [[1.0]]), TypeError, ["A", "2-D array"]),
    ("mse-None-target", lambda: losses.mse([[1.0]], None), TypeError, ["Y"]),
    ("mse-dict", lambda: losses.mse({"a": 1}, [[1.0]]), TypeError, ["A"]),
    ("mse-set", lambda: losses.mse({1.0, 2.0}, [[1.0]]), TypeError, ["A"]),
    ("mse-1d", lambda: losses.mse(np.ones(3), np.ones(3)), ValueError, ["A", "2-D", "reshape"]),
    ("mse-3d", lambda: losses.mse(np.ones((1, 2, 3)), np.ones((1, 2, 3))), ValueError,
     ["A", "3-D"]),
    ("mse-complex", lambda: losses.mse(A23 * 1j, Y23), TypeError, ["A", "real"]),
    ("mse-object", lambda: losses.mse(obj_array(), Y23), TypeError, ["A", "numbers"]),
    ("mse-ragged", lambda: losses.mse([[1, 2], [3]], [[1, 2], [3, 4]]), ValueError,
     ["A", "rectangular"]),
    ("mse-masked", lambda: losses.mse(masked, Y23), TypeError, ["A", "masked"]),
    ("mse-masked-target", lambda: losses.half_mse(A23, masked), TypeError, ["Y", "masked"]),
    ("mse-no-examples", lambda: losses.mse(np.ones((1, 0)), np.ones((1, 0))), ValueError,
     ["A", "at least one example"]),
    ("mse-nan-target", lambda: losses.mse(A23, np.full((2, 3), np.nan)), ValueError,
     ["Y", "finite"]),
    ("log_softmax-1d", lambda: losses.log_softmax(np.ones(3)), ValueError, ["Z", "2-D"]),
    ("softmax-string", lambda: losses.softmax("z"), TypeError, ["Z"]),
    ("loss-object-call-checks", lambda: losses.get("bce")([[1.5]], [[1.0]]), ValueError,
     ["A", "[0, 1]"]),
    ("loss-object-call-broadcast",
     lambda: losses.get("half_mse")(np.ones((1, 3)), np.zeros((3, 1))), ValueError,
     ["same shape"]),
]


@pytest.mark.parametrize("case", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_losses_refuse_bad_input_clearly(case):
    _, call, error, words = case
    with pytest.raises(error) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_losses_accept_every_valid_form_and_give_the_right_number():
    assert losses.mse([[1, 2]], [[0, 0]]) == 2.5  # lists of integers
    assert losses.half_mse(np.array([[True, False]]), [[0, 0]]) == 0.25
    g = losses.mse_gradient(np.ones((1, 2), np.float32), np.zeros((1, 2), np.float32))
    assert g.dtype == np.float32  # float32 stays float32
    g = losses.mse_gradient(np.ones((1, 2), np.float32), np.zeros((1, 2)))
    assert g.dtype == np.float64  # mixed: the wider type
    assert losses.bce([[1.0]], [[0.0]]) == np.inf  # the domain's edge: the honest value
    assert losses.bce([[0.0, 1.0]], [[0.0, 1.0]]) == 0.0
    assert losses.softmax_ce(Z34, ONEHOT34) == pytest.approx(np.log(3), rel=1e-15)
    assert losses.bce_with_logits([[0.0]], [[0.5]]) == pytest.approx(np.log(2), rel=1e-15)


def test_losses_do_not_modify_their_arguments():
    A, Y = A23.copy(), Y23.copy()
    for f in (losses.half_mse_gradient, losses.mse_gradient, losses.bce_gradient):
        f(A, Y)
    losses.bce_with_logits_gradient(A, Y)
    np.testing.assert_array_equal(A, A23)
    np.testing.assert_array_equal(Y, Y23)


class FakeTensor:
    """Behaves like a torch tensor for np.asarray: refuses while it requires grad."""

    def __init__(self, data, requires_grad=True):
        self.data, self.requires_grad = np.asarray(data, dtype=float), requires_grad

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self.data

    def detach(self):
        return FakeTensor(self.data, requires_grad=False)

    def cpu(self):
        return self

    def numpy(self):
        return self.data if not self.requires_grad else self.__array__()


class Hostile:
    """An object whose __array__ raises something NumPy does not expect."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no")


def net_231(**kw):
    return bp.Network([2, 3, 1], **kw)


X24 = np.random.default_rng(0).standard_normal((2, 4))
Y14 = np.array([[0.0, 1.0, 1.0, 0.0]])


def assigned(name, value, cls=bp.Network):
    net = cls([2, 3, 3, 1]) if cls is ResidualNetwork else cls([2, 3, 1])
    net.params[name] = value
    return lambda: net.forward(X24)


NETWORK_CASES = [
    ("softmax_ce-one-unit",
     lambda: bp.Network([2, 1], activations="identity", loss="softmax_ce"), ValueError,
     ["softmax_ce", "2 output units", "always 1", "bce"]),
    ("layer_sizes-set", lambda: bp.Network({5, 2}), TypeError, ["layer_sizes", "order", "set"]),
    ("layer_sizes-frozenset", lambda: bp.Network(frozenset({5, 2})), TypeError,
     ["layer_sizes"]),
    ("layer_sizes-dict", lambda: bp.Network({2: 3, 3: 1}), TypeError, ["layer_sizes", "dict"]),
    ("layer_sizes-generator", lambda: bp.Network(n for n in (2, 1)), TypeError,
     ["layer_sizes"]),
    ("layer_sizes-string", lambda: bp.Network("21"), TypeError, ["layer_sizes"]),
    ("layer_sizes-2d-array", lambda: bp.Network(np.array([[2, 1]])), TypeError,
     ["layer_sizes"]),
    ("layer_sizes-floats", lambda: bp.Network([2.0, 1.5]), TypeError, ["layer_sizes[0]"]),
    ("X-masked", lambda: net_231().forward(np.ma.masked_array(X24, mask=X24 > 1)),
     TypeError, ["X", "masked"]),
    ("Y-masked", lambda: net_231().loss(X24, np.ma.masked_array(Y14, mask=Y14 > 0)),
     TypeError, ["Y", "masked"]),
    ("X-hostile-array", lambda: net_231().forward(Hostile()), TypeError, ["X"]),
    ("W1-wrong-shape", assigned("W1", np.ones((3, 3))), ValueError,
     ["W1", "layer 1", "(3, 2)", "(3, 3)"]),
    ("W2-transposed", assigned("W2", np.ones((3, 1))), ValueError, ["W2", "(1, 3)"]),
    ("b1-flat", assigned("b1", np.zeros(3)), ValueError, ["b1", "(3, 1)", "(3,)"]),
    ("W1-integers", assigned("W1", np.ones((3, 2), dtype=int)), TypeError,
     ["W1", "dtype", "float64", "int64", "set_params"]),
    ("W1-float32-in-float64-net", assigned("W1", np.ones((3, 2), dtype=np.float32)),
     TypeError, ["W1", "float64", "float32"]),
    ("b2-list", assigned("b2", [[0.0]]), TypeError, ["b2", "NumPy array", "(1, 1)"]),
    ("W1-None", assigned("W1", None), ValueError, ["W1", "missing"]),
    ("residual-W2-wrong-shape", assigned("W2", np.ones((2, 2)), ResidualNetwork), ValueError,
     ["W2", "(3, 3)"]),
    ("bce-Y-outside", lambda: bp.Network([2, 1], loss="bce").loss(X24, 2 * Y14), ValueError,
     ["Y", "[0, 1]"]),
    ("softmax-labels", lambda: bp.Network([2, 3], "identity", "softmax_ce").loss(
        X24, np.array([[0, 1, 2, 1]])), ValueError, ["Y", "(3, m)"]),
]


@pytest.mark.parametrize("case", NETWORK_CASES, ids=[c[0] for c in NETWORK_CASES])
def test_network_refuses_bad_input_clearly(case):
    _, call, error, words = case
    with pytest.raises(error) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_layer_sizes_that_are_ordered_sequences_work():
    for sizes in ([2, 3, 1], (2, 3, 1), range(3, 0, -1), np.array([2, 3, 1])):
        net = bp.Network(sizes)
        assert net.layer_sizes == list(sizes)


def test_softmax_ce_with_two_units_is_fine():
    net = bp.Network([2, 2], activations="identity", loss="softmax_ce")
    Y = np.eye(2)[[0, 1, 1, 0]].T
    assert net.loss(X24, Y) > 0


def test_a_tensor_that_requires_grad_is_read_as_its_values():
    net = net_231()
    Xt, Yt = FakeTensor(X24), FakeTensor(Y14)
    with pytest.raises(RuntimeError):
        np.asarray(Xt)  # what NumPy alone does with it
    assert net.loss(Xt, Yt) == net.loss(X24, Y14)
    np.testing.assert_array_equal(net.forward(Xt), net.forward(X24))
    assert losses.mse(FakeTensor(A23), Y23) == losses.mse(A23, Y23)


def test_bad_param_is_refused_before_train_changes_anything():
    net = net_231()
    net.params["W1"] = np.ones((3, 2), dtype=int)
    before = {k: np.array(v, copy=True) for k, v in net.params.items()}
    with pytest.raises(TypeError, match="W1"):
        bp.train(net, X24, Y14, epochs=2)
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)


def test_set_params_with_integers_is_the_right_way_and_works():
    net = net_231()
    net.set_params({"W1": np.ones((3, 2), dtype=int), "b1": [0, 0, 0],
                    "W2": [[1, -1, 0]], "b2": [[0]]})
    assert net.params["W1"].dtype == np.float64
    assert np.isfinite(net.loss(X24, Y14))


def test_forward_check_follows_a_float32_network():
    net = bp.Network([2, 3, 1], dtype=np.float32)
    net.params["W1"] = np.ones((3, 2))  # float64 into a float32 network
    with pytest.raises(TypeError, match="float32"):
        net.forward(X24)
    net.params["W1"] = np.ones((3, 2), dtype=np.float32)
    assert net.forward(X24).dtype == np.float32


# ---------------------------------------------------------------- train and batch norm

XBN = np.random.default_rng(1).standard_normal((2, 5))
YBN = np.array([[0.0, 1.0, 0.5, 0.2, 1.0]])


@pytest.mark.parametrize("m, batch_size", [(5, 2), (5, 4), (7, 3), (5, 1), (1, None)])
def test_batchnorm_refuses_a_mini_batch_of_one_up_front(m, batch_size):
    net = BatchNormNetwork([2, 3, 1])
    X, Y = np.tile(XBN, 2)[:, :m], np.tile(YBN, 2)[:, :m]
    params = {k: v.copy() for k, v in net.params.items()}
    running = {k: v.copy() for k, v in net.running.items()}
    opt = bp.optimizers.Adam(lr=0.01)
    with pytest.raises(ValueError) as info:
        bp.train(net, X, Y, optimizer=opt, epochs=3, batch_size=batch_size)
    msg = str(info.value)
    assert "batch_size" in msg and "at least 2" in msg and f"m={m}" in msg
    for k, v in params.items():
        np.testing.assert_array_equal(net.params[k], v)
    for k, v in running.items():
        np.testing.assert_array_equal(net.running[k], v)


@pytest.mark.parametrize("m, batch_size", [(5, 3), (4, 2), (5, None), (6, 4)])
def test_batchnorm_trains_when_every_mini_batch_has_two_or_more(m, batch_size):
    net = BatchNormNetwork([2, 3, 1])
    X, Y = np.tile(XBN, 2)[:, :m], np.tile(YBN, 2)[:, :m]
    h = bp.train(net, X, Y, optimizer=bp.optimizers.SGD(lr=0.1), epochs=3,
                 batch_size=batch_size)
    assert len(h.loss) == 3 and not h.diverged


def test_a_plain_network_may_have_a_last_batch_of_one():
    h = bp.train(net_231(), XBN, YBN, epochs=2, batch_size=2)
    assert len(h.loss) == 2
