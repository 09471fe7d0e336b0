"""Weight decay, dropout and early stopping on a validation curve (chapter "Practical tips")."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import regularization as rg


def _data():
    X, Y = bp.data.two_moons(40, noise=0.3, seed=0)
    return X[:, :20], Y[:, :20], X[:, 20:], Y[:, 20:]


def test_fit_without_remedy_is_plain_sgd():
    X, Y, Xv, Yv = _data()
    a = bp.Network([2, 8, 1], ["tanh", "sigmoid"], "bce", seed=0)
    b = a.copy()
    run = rg.fit(a, X, Y, Xv, Yv, lr=0.3, epochs=20)
    h = bp.train(b, X, Y, bp.optimizers.SGD(0.3), epochs=20)
    np.testing.assert_allclose(run.train_loss, h.loss)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k])
    assert len(run.val_loss) == 20 and run.val_loss[run.best_epoch] == run.val_loss.min()


def test_weight_decay_adds_lambda_w_to_the_weights_only():
    X, Y, Xv, Yv = _data()
    a = bp.Network([2, 8, 1], ["tanh", "sigmoid"], "bce", seed=0)
    before = a.copy()
    rg.fit(a, X, Y, Xv, Yv, lr=0.1, epochs=1, weight_decay=0.5)
    g = before.gradients(X, Y)
    decayed = g["dW1"] + 0.5 * before.params["W1"]
    np.testing.assert_allclose(a.params["W1"], before.params["W1"] - 0.1 * decayed)
    np.testing.assert_allclose(a.params["b1"], before.params["b1"] - 0.1 * g["db1"])


def test_early_stopping_restores_the_best_epoch():
    X, Y, Xv, Yv = _data()
    net = bp.Network([2, 32, 1], ["tanh", "sigmoid"], "bce", seed=0)
    run = rg.fit(net, X, Y, Xv, Yv, lr=1.0, epochs=400, patience=20)
    assert net.loss(Xv, Yv) == pytest.approx(run.val_loss.min())
    assert run.stopped == (len(run.val_loss) < 400)


def test_bad_input():
    X, Y, Xv, Yv = _data()
    net = bp.Network([2, 3, 1], ["tanh", "sigmoid"], "bce")
    with pytest.raises(ValueError, match="weight_decay"):
        rg.fit(net, X, Y, Xv, Yv, 0.1, 2, weight_decay=-1)
    with pytest.raises(ValueError, match="patience"):
        rg.fit(net, X, Y, Xv, Yv, 0.1, 2, patience=0)
    with pytest.raises(ValueError, match="method"):
        rg.regularized_run("magic")
