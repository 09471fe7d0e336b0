"""Chapter 4's ten-line reference forward/backward (backprop_lib.reference) and its experiments."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import reference as ref

CASES = [
    ("half_mse", [2, 4, 3, 1], ["tanh", "tanh", "sigmoid"]),
    ("mse", [3, 5, 2], ["relu", "sigmoid"]),
    ("bce", [2, 4, 3, 2], ["tanh", "relu", "sigmoid"]),
    ("softmax_ce", [2, 6, 3], ["leaky_relu", "identity"]),
    ("half_mse", [2, 3, 1], ["sigmoid", "identity"]),
]


def _batch(loss, sizes, m=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(sizes[0], m))
    if loss == "softmax_ce":
        Y = bp.data.one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    elif loss == "bce":
        Y = (rng.uniform(size=(sizes[-1], m)) > 0.5).astype(float)
    else:
        Y = rng.uniform(size=(sizes[-1], m))
    return X, Y


@pytest.mark.parametrize("loss, sizes, acts", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_equals_the_library(loss, sizes, acts, seed):
    net = bp.Network(sizes, activations=acts, loss=loss, init="xavier", seed=seed)
    X, Y = _batch(loss, sizes, seed=seed)
    lib, mine = net.gradients(X, Y), ref.reference_gradients(net, X, Y)
    assert set(lib) == set(mine)
    for k in lib:
        np.testing.assert_allclose(mine[k], lib[k], rtol=1e-12, atol=1e-15, err_msg=k)
    A, _ = ref.forward(net.params, X, acts)
    np.testing.assert_allclose(A, net.forward(X), rtol=1e-14, atol=1e-15)


def test_the_reference_is_ten_lines_or_so():
    for f in (ref.forward, ref.backward):
        body = [ln for ln in inspect.getsource(f).splitlines()[2:] if ln.strip()]
        assert len(body) <= 10, f.__name__


@pytest.mark.parametrize("loss, sizes, acts", CASES[:3])
def test_each_of_bp1_to_bp4_holds_numerically(loss, sizes, acts):
    net = bp.Network(sizes, activations=acts, loss=loss, init="xavier", seed=1)
    X, Y = _batch(loss, sizes)
    rows = ref.bp_equations(net, X, Y)
    assert {r[0] for r in rows} == {"BP1", "BP2", "BP3", "BP4"}
    assert len(rows) == 1 + (net.L - 1) + 2 * net.L
    assert max(r[2] for r in rows) < 1e-7


def test_a_wrong_equation_fails_the_check():
    # the ablation: BP2 without the factor f'(Z) is refuted by the same numerical check
    net = bp.Network([2, 4, 3, 1], activations=["tanh", "tanh", "sigmoid"], seed=1)
    X, Y = _batch("half_mse", [2, 4, 3, 1])
    t = net.trace(X, Y)
    wrong = net.params["W2"].T @ t["dZ2"]
    assert bp.relative_error(wrong, t["dZ1"]) > 1e-2  # against < 1e-7 when right


def test_cross_entropy_cures_the_saturated_output():
    out = ref.saturated_output()
    assert out["bce"][0] == out["half_mse"][0] == pytest.approx(1 / (1 + np.exp(6)))
    assert ref.steps_to_reach(out["bce"]) is not None and ref.steps_to_reach(out["bce"]) < 20
    assert ref.steps_to_reach(out["half_mse"]) is None and out["half_mse"][-1] < 0.05
    # the mechanism: remove sigma' from the MSE gradient and it learns as fast as BCE
    a, w = [], ref.SAT_START / 2
    b = w
    for _ in range(ref.SAT_STEPS + 1):
        s = 1 / (1 + np.exp(-(w + b)))
        a.append(s)
        w, b = w - ref.SAT_LR * (s - 1), b - ref.SAT_LR * (s - 1)
    np.testing.assert_allclose(a, out["bce"], rtol=1e-12)


def test_cache_bytes_grow_linearly_with_depth_and_batch():
    base = ref.cache_bytes([100, 100, 10], 10)
    assert ref.cache_bytes([100, 100, 10], 1000) == 100 * base
    # A0 plus a Z and an A per layer, 8 bytes each
    assert base == 8 * 10 * (100 + 2 * (100 + 10))
    assert ref.cache_bytes([100] * 9 + [10], 10) == 8 * 10 * (100 + 2 * (8 * 100 + 10))
    assert ref.cache_bytes([100, 100, 10], 10, dtype=np.float32) == base // 2
    assert ref.param_bytes([3, 5, 2]) == 8 * (15 + 5 + 10 + 2)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_minibatches_beat_full_batch_per_epoch_on_every_seed():
    r = ref.minibatch_runs()
    assert len(r["full"]) >= 5 and (r["mini"] < r["full"]).all()


def test_regression_really_diverges_at_a_large_rate():
    d = ref.regression_divergence()
    assert len(d[1.0]) >= 5 and all(div for div, _, _ in d[1.0])
    assert not any(div for div, _, _ in d[0.1]) and not any(div for div, _, _ in d[0.3])
    # real growth: the last finite loss is thousands of times the starting loss (~1 to 10)
    assert min(last for _, last, _ in d[1.0]) > 1000


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="m"):
        ref.cache_bytes([2, 3], 0)
    with pytest.raises(ValueError, match="lr"):
        ref.saturated_output(lr=-1.0)


def test_seed_sweep_and_logits_agree_with_figure_2():
    from backprop_lib.figures import training

    sweep = ref.two_moons_seed_sweep(seeds=(0,), inits=("xavier",), rates=(10.0,))
    peaks, finals = sweep[("xavier", 10.0)]
    r = training.compute(lr=10.0, init="xavier")
    assert peaks[0] == pytest.approx(r.loss.max()) and finals[0] == pytest.approx(r.loss[-1])
    Z, Y = ref.logits_after(3)
    assert Z.shape == Y.shape == (1, 200) and (Z > 0).all()
    with pytest.raises(ValueError, match="steps"):
        ref.logits_after(0)
