"""The claims the prose of chapter "Practical tips" makes in words, recomputed.

The chapter glues its numbers from the notebook; what it says in words (which feature is
squeezed, which run learns, which diverges, what a rule finds) is checked here, so a change
in backprop_lib that breaks a sentence fails a test instead of leaving the text wrong.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.figures import practical as pr
from backprop_lib.initializers import weight_std

LN2 = math.log(2)


def test_one_scalar_normalization_squeezes_feature_1_and_costs_accuracy():
    runs = pr.normalization_runs(lr=0.5, epochs=300)
    spread = runs["one_scalar"].X_train.std(axis=1)
    assert spread[0] < 0.01 * spread[1]  # "the moons collapse onto a vertical line"
    assert runs["one_scalar"].test_accuracy < runs["per_feature"].test_accuracy - 0.05
    assert runs["per_feature"].X_train.std(axis=1) == pytest.approx([1, 1])
    # raw inputs: the first layer saturates and the loss stays at ln 2
    assert runs["raw"].loss[-1] == pytest.approx(LN2, abs=1e-3)
    assert not any(r.diverged for r in runs.values())


def test_article_xavier_formula_is_lecun():
    for n_in, n_out in ((16, 16), (2, 16), (784, 100)):
        assert weight_std("lecun", n_in, n_out) == pytest.approx(math.sqrt(1 / n_in))
        square = n_in == n_out
        assert (weight_std("xavier", n_in, n_out) == pytest.approx(math.sqrt(1 / n_in))) == square
        assert weight_std("he", n_in, n_out) == pytest.approx(math.sqrt(2) * math.sqrt(1 / n_in))


def test_learning_rate_sweep_claims():
    table = pr.sweep(scale=1.0)
    lrs = list(pr.SWEEP_LRS)
    ratios = np.array(lrs[1:]) / np.array(lrs[:-1])
    assert lrs[0] == 0.01 and np.all((ratios > 3 - 0.5) & (ratios < 3 + 0.5))  # "about three times"
    xavier = table["xavier"]
    best = lrs[int(np.nanargmin(xavier))]
    first_div = min(lr for i, lr in enumerate(lrs) if any(np.isnan(table[k][i]) for k in pr.INITS))
    assert xavier[0] > 5 * np.nanmin(xavier)  # 0.01 is far from the best after the budget
    assert best > 0.01
    assert 1 <= lrs.index(first_div) - lrs.index(best) <= 2  # "close below the edge"
    # the notebook's helper, checked by the defining properties of its answers
    best_by_init, edge = pr.sweep_edges(table)
    assert edge == first_div
    for k in pr.INITS:
        losses = np.asarray(table[k])
        at_best = losses[lrs.index(best_by_init[k])]
        assert np.isfinite(at_best) and np.all(at_best <= losses[np.isfinite(losses)])
    below = [i for i, lr in enumerate(lrs) if lr < edge]
    assert all(np.isfinite(table[k][i]) for k in pr.INITS for i in below)
    assert any(np.isnan(table[k][lrs.index(edge)]) for k in pr.INITS)
    # "small" initialization: the loss stays near ln 2 for small learning rates
    small = table["small"]
    assert np.all(np.abs(small[:3] - LN2) < 1e-3)
    assert np.nanmin(small) < 0.5


def test_monitor_claims():
    runs = pr.monitor_runs(epochs=100)
    healthy, _ = runs["healthy"]
    assert healthy.findings == []
    mon, history = runs["unhealthy"]
    first = {(f.layer, f.kind): f.epoch for f in mon.findings}
    assert first[(1, "vanishing")] == 0 and first[(2, "vanishing")] == 0
    assert first[(None, "imbalance")] == 0
    imbalance = next(f for f in mon.findings if f.kind == "imbalance")
    assert "layer 8" in imbalance.message and "layer 1)" in imbalance.message
    # it settles into predicting one half, and every gradient dies out
    assert history.final_loss == pytest.approx(LN2, abs=1e-4)
    assert np.all(mon.norms[-1] < mon.vanish)
    # the article's rule (global norm > 10) stays silent
    X, Y = pr.standard_moons()
    deep = bp.Network([2] + [16] * 7 + [1], "sigmoid", "bce", init="small", seed=0)
    assert bp.clipping.global_norm(deep.gradients(X, Y)) < 10


def _fails(history, acc):
    return history.diverged or history.final_loss > 0.6 or acc < 0.8


def test_batch_norm_claims():
    # default frame: small init, lr 0.1: plain never gets going, batch norm learns
    for lr in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0):
        (hp, _), _ = pr.train_bn_pair(lr, "small").values()
        assert hp.final_loss > LN2 - 1e-3
    (hp, ap), (hb, ab) = pr.train_bn_pair(0.1, "small").values()
    assert ab > 0.95 and hb.final_loss < 0.1
    # batch norm stays stable past the point where the plain network breaks down
    for init in ("xavier", "he"):
        assert any(_fails(*pr.train_bn_pair(lr, init)["plain"])
                   and not _fails(*pr.train_bn_pair(lr, init)["batchnorm"])
                   for lr in (1.0, 3.0))
    # at the top of the range both fail
    for init in pr.INITS:
        pair = pr.train_bn_pair(10.0, init)
        assert _fails(*pair["plain"]) and _fails(*pair["batchnorm"])


def test_batch_norm_prediction_does_not_depend_on_the_batch():
    X, Y = pr.standard_moons()
    net = bp.batchnorm.BatchNormNetwork([2, 10, 10, 1], ["relu", "relu", "sigmoid"], "bce",
                                        init="he", seed=0)
    bp.train(net, X, Y, bp.optimizers.SGD(0.3), epochs=100)
    np.testing.assert_allclose(net.predict(X[:, :3]), net.predict(X)[:, :3])
