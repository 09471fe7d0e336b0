"""The worked 2-2-1 example through the public API against a 50-digit computation.

Inputs as in chapter 3 (set by hand): x = [0.5, 0.8], y = 1, W1 = [[0.15, 0.25], [0.20, 0.30]],
b1 = [0.35, 0.35], W2 = [[0.40, 0.50]], b2 = [0.60], sigmoid in both layers, half_mse,
one SGD step with learning rate 0.5. The reference below is written out with Python's
decimal module, independently of backprop_lib, and every traced quantity is compared.
"""

from decimal import Decimal as D
from decimal import localcontext

import numpy as np
import pytest

import backprop_lib as bp

X = [[0.5], [0.8]]
Y = [[1.0]]
PARAMS = {"W1": [[0.15, 0.25], [0.20, 0.30]], "b1": [0.35, 0.35], "W2": [[0.40, 0.50]],
          "b2": [0.60]}
LR = 0.5


def dsig(z):
    return 1 / (1 + (-z).exp())


def matvec(W, v):
    return [sum(w * x for w, x in zip(row, v, strict=True)) for row in W]


def forward(W1, b1, W2, b2, x):
    z1 = [s + b for s, b in zip(matvec(W1, x), b1, strict=True)]
    a1 = [dsig(z) for z in z1]
    z2 = [s + b for s, b in zip(matvec(W2, a1), b2, strict=True)]
    a2 = [dsig(z) for z in z2]
    return z1, a1, z2, a2


def reference():
    """Forward, loss, backward, SGD update and the new loss, at 50 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        x = [D(str(v[0])) for v in X]
        y = D(str(Y[0][0]))
        W1 = [[D(str(v)) for v in row] for row in PARAMS["W1"]]
        b1 = [D(str(v)) for v in PARAMS["b1"]]
        W2 = [[D(str(v)) for v in row] for row in PARAMS["W2"]]
        b2 = [D(str(v)) for v in PARAMS["b2"]]
        z1, a1, z2, a2 = forward(W1, b1, W2, b2, x)
        loss = D("0.5") * (a2[0] - y) ** 2  # m = 1
        dA2 = [a2[0] - y]
        dZ2 = [dA2[0] * a2[0] * (1 - a2[0])]
        dW2 = [[dZ2[0] * a for a in a1]]
        db2 = dZ2
        dA1 = [W2[0][j] * dZ2[0] for j in range(2)]
        dZ1 = [dA1[j] * a1[j] * (1 - a1[j]) for j in range(2)]
        dW1 = [[dZ1[j] * xi for xi in x] for j in range(2)]
        db1 = dZ1
        dA0 = [sum(W1[j][i] * dZ1[j] for j in range(2)) for i in range(2)]
        lr = D(str(LR))
        W1n = [[W1[j][i] - lr * dW1[j][i] for i in range(2)] for j in range(2)]
        b1n = [b1[j] - lr * db1[j] for j in range(2)]
        W2n = [[W2[0][j] - lr * dW2[0][j] for j in range(2)]]
        b2n = [b2[0] - lr * db2[0]]
        *_, a2n = forward(W1n, b1n, W2n, b2n, x)
        loss_after = D("0.5") * (a2n[0] - y) ** 2
    col = lambda v: [[e] for e in v]  # noqa: E731
    trace = {"A0": col(x), "Z1": col(z1), "A1": col(a1), "Z2": col(z2), "A2": col(a2),
             "loss": loss, "dA2": col(dA2), "dZ2": col(dZ2), "dW2": dW2, "db2": col(db2),
             "dA1": col(dA1), "dZ1": col(dZ1), "dW1": dW1, "db1": col(db1), "dA0": col(dA0)}
    updated = {"W1": W1n, "b1": col(b1n), "W2": W2n, "b2": col(b2n)}
    return trace, updated, loss_after, a2n[0]


REF_TRACE, REF_UPDATED, REF_LOSS_AFTER, REF_PRED_AFTER = reference()


def as_float_array(value):
    if isinstance(value, D):
        return np.array(float(value))
    return np.array([[float(e) for e in row] for row in value])


def assert_rel(got, ref, tol=1e-12):
    got = np.asarray(got, dtype=np.float64)
    ref = as_float_array(ref)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=tol, atol=0)


@pytest.fixture
def net():
    n = bp.Network([2, 2, 1], activations=["sigmoid", "sigmoid"], loss="half_mse")
    n.set_params(PARAMS)
    return n


def test_trace_has_every_step_of_the_reference(net):
    assert list(net.trace(X, Y)) == list(REF_TRACE)


@pytest.mark.parametrize("name", list(REF_TRACE))
def test_every_traced_step_matches_50_digit_reference(net, name):
    assert_rel(net.trace(X, Y)[name], REF_TRACE[name])


def test_sgd_update_matches_reference(net):
    bp.optimizers.SGD(lr=LR).step(net.params, net.gradients(X, Y))
    for name, ref in REF_UPDATED.items():
        assert_rel(net.params[name], ref)


def test_loss_and_prediction_after_the_update(net):
    bp.optimizers.SGD(lr=LR).step(net.params, net.gradients(X, Y))
    assert_rel(net.loss(X, Y), REF_LOSS_AFTER)
    assert_rel(net.predict(X), [[REF_PRED_AFTER]])


def test_one_epoch_of_train_is_the_same_update(net):
    history = bp.train(net, X, Y, optimizer=bp.optimizers.SGD(lr=LR), epochs=1)
    assert_rel(history.loss[0], REF_TRACE["loss"])
    assert_rel(net.loss(X, Y), REF_LOSS_AFTER)


def test_one_step_lowers_the_loss_to_the_50_digit_value(net):
    """After one SGD step, the loss and prediction agree with the decimal computation."""
    bp.optimizers.SGD(lr=LR).step(net.params, net.gradients(X, Y))
    loss, pred = net.loss(X, Y), float(net.predict(X)[0, 0])
    assert loss < float(REF_TRACE["loss"])
    assert loss == pytest.approx(0.025455, abs=5e-7)  # what the chapter prints
    assert pred == pytest.approx(0.774368, abs=5e-7)
