"""Every checker of chapter "Dead neurons and slow convergence" accepts its reference
solution and rejects typical wrong answers with the specific hint."""

import numpy as np

from backprop_lib import Network, data
from backprop_lib.exercises import dead_neurons as ex


def test_dead_count():
    Z = ex.LAYER_W @ ex.LAYER_X + ex.LAYER_B
    assert ex.check_dead_count(int(np.sum(np.all(Z <= 0, axis=1)))).ok
    assert "SOME example" in ex.check_dead_count(int(np.sum(np.any(Z <= 0, axis=1)))).message
    assert "entries of Z" in ex.check_dead_count(int(np.sum(Z <= 0))).message
    assert "Z = 0 counts" in ex.check_dead_count(int(np.sum(np.all(Z < 0, axis=1)))).message


def test_dead_mask():
    assert ex.check_dead_mask(lambda Z: np.all(Z <= 0, axis=1)).ok
    assert "all, not any" in ex.check_dead_mask(lambda Z: np.any(Z <= 0, axis=1)).message
    assert "Z = 0 counts" in ex.check_dead_mask(lambda Z: np.all(Z < 0, axis=1)).message
    assert "axis=1" in ex.check_dead_mask(lambda Z: np.all(Z <= 0, axis=0)).message
    # review 10: the live units (the mask inverted) are named as such
    for live in (lambda Z: ~np.all(Z <= 0, axis=1), lambda Z: np.any(Z > 0, axis=1)):
        fb = ex.check_dead_mask(live)
        assert not fb.ok and "returned the live units" in fb.message, fb.message


def test_dead_mask_refuses_every_stand_in_for_every_example():
    """Review 3, C-1: "below zero on average", on the whole, at the median, or on one example
    is not dead; each is refused and named."""
    for wrong, word in [(lambda Z: Z.mean(axis=1) <= 0, "average"),
                        (lambda Z: Z.sum(axis=1) <= 0, "total"),
                        (lambda Z: np.median(Z, axis=1) <= 0, "median"),
                        (lambda Z: Z[:, 0] <= 0, "first example"),
                        (lambda Z: Z[:, -1] <= 0, "last example"),
                        (lambda Z: Z.mean(axis=1) < 0, "dead_mask")]:
        fb = ex.check_dead_mask(wrong)
        assert not fb.ok and word in fb.message, fb.message
    for right in (lambda Z: np.all(Z <= 0, axis=1), lambda Z: np.max(Z, axis=1) <= 0,
                  lambda Z: np.maximum(Z, 0).sum(axis=1) == 0,
                  lambda Z: np.all(Z <= 0, axis=1).astype(int),
                  lambda Z: list(np.all(Z <= 0, axis=1))):
        assert ex.check_dead_mask(right).ok
    # review 8, m2: a positive margin is refused and named, from np.isclose to 0 to 1e-12
    for wrong in (lambda Z: Z.max(axis=1) < 0.1, lambda Z: np.all(Z <= 1e-6, axis=1),
                  lambda Z: np.all(np.isclose(np.maximum(Z, 0), 0), axis=1),
                  lambda Z: np.maximum(Z, 0).max(axis=1) < 1e-12):
        fb = ex.check_dead_mask(wrong)
        assert not fb.ok and "small positive margin" in fb.message, fb.message
    # each stand-in differs from the definition on some input, and from every other stand-in
    ref = [ex._mask_reference(*a) for a in ex.MASK_INPUTS]
    wrongs = [ex._mask_live, ex._mask_any, ex._mask_strict, ex._mask_mean, ex._mask_median,
              ex._mask_first, ex._mask_last, ex._mask_tolerance, ex._mask_tiny_tolerance]
    outs = [[w(*a) for a in ex.MASK_INPUTS] for w in wrongs]
    for i, o in enumerate(outs):
        assert any(not np.array_equal(x, r) for x, r in zip(o, ref, strict=True))
        for o2 in outs[i + 1:]:
            assert any(not np.array_equal(x, y) for x, y in zip(o, o2, strict=True))


def test_lr_prediction():
    low, high = ex.lr_experiment()
    assert np.nanmean(high) > np.nanmean(low) and ex.lr_verdict()[0] == "more"
    assert ex.check_lr_prediction("more").ok
    assert "not what was measured" in ex.check_lr_prediction("fewer").message
    assert "run" not in ex.check_lr_prediction("fewer").message.lower().replace("trained", "")
    assert "answer with one of" in ex.check_lr_prediction("lots").message
    assert ex.check_lr_prediction(" More ").ok  # normalized like every chapter's choices
    assert "one string" in ex.check_lr_prediction(np.array(["more", "fewer"])).message


def test_plateau_loss():
    K = ex.PLATEAU_CLASSES
    assert K != 2  # else the "copied XOR's ln 2" diagnosis would be the answer
    assert ex.check_plateau_loss(np.log(K)).ok
    assert ex.check_plateau_loss(round(float(np.log(K)), 3)).ok  # three decimals, as asked
    assert "XOR" in ex.check_plateau_loss(np.log(2)).message
    assert "base 10" in ex.check_plateau_loss(np.log10(K)).message
    assert "base 2" in ex.check_plateau_loss(np.log2(K)).message
    assert "probability the network gives" in ex.check_plateau_loss(1 / K).message
    assert "uniform guess is wrong" in ex.check_plateau_loss(1 - 1 / K).message
    assert "never below 0" in ex.check_plateau_loss(-np.log(K)).message
    assert "twice" in ex.check_plateau_loss(2 * np.log(K)).message
    for rounded in (round(float(np.log(K)), 2), [round(float(np.log(K)), 2)]):  # 2.30: m8
        fb = ex.check_plateau_loss(rounded)
        assert not fb.ok and "two decimals" in fb.message
    assert not ex.check_plateau_loss(np.log(K) + 0.01).ok
    assert str(ex.check_plateau_loss(None)).startswith("Not yet: no answer yet")


def test_a_network_at_the_small_initialization_starts_at_ln_k():
    """What the solution shows, over five seeds: a K-class network at the 0.01 initialization
    gives nearly uniform probabilities, so its loss is ln K to within the exercise's
    tolerance, and not by chance: its softmax outputs are all nearly 1/K."""
    K = ex.PLATEAU_CLASSES
    losses = [ex.uniform_start_loss(seed) for seed in range(5)]
    assert np.allclose(losses, np.log(K), rtol=1e-3, atol=0)
    X, _ = data.blobs(60, n_classes=K, seed=0)
    net = Network([2, 4, K], ["sigmoid", "identity"], loss="softmax_ce", init="small", seed=0)
    Z = net.forward(X)
    P = np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)
    assert np.allclose(P, 1 / K, rtol=0.05, atol=0)  # each within 5% of 1/K


def test_coast_distance():
    s, beta = ex.COAST_LAST_STEP, ex.COAST_BETA
    assert ex.check_coast_distance(s * beta / (1 - beta)).ok
    for wrong, word in [(0.0, "plain SGD"), (s / (1 - beta), "includes the last live step"),
                        (s * beta, "only the first step"), (s * (1 - beta), "not"),
                        (beta / (1 - beta), "multiply it by the last step"),
                        (s * beta * (1 - beta ** ex.COAST_PARTIAL) / (1 - beta),
                         f"first {ex.COAST_PARTIAL} steps"),
                        (s * beta**2 / (1 - beta), "one step late"),  # review 8, m3
                        (np.array([s * beta**2 / (1 - beta)]), "one step late")]:
        fb = ex.check_coast_distance(wrong)
        assert not fb.ok and word in fb.message
