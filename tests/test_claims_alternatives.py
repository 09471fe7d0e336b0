"""Numbers and statements typed in the prose of chapter "Backpropagation against its
alternatives", recomputed."""

import numpy as np

from backprop_lib import alternatives as alt
from backprop_lib.figures import alternatives as fa


def test_parameter_counts_typed_in_prose():
    # "from 15 to 4,417 parameters", "P = 337", "2N = 100" with n_pairs=50
    assert fa.problem(2)[0].n_params == 15
    assert fa.problem(64)[0].n_params == 4417
    net, X, Y = fa.problem(16)
    assert net.n_params == 337
    assert alt.evolution_strategy(net, X, Y, n_pairs=50).forward_passes == 100


def test_passes_linear_in_p_and_constant_for_backprop():
    rows = fa.sweep(widths=(2, 4, 8), n_pairs=5)
    for r in rows:
        assert r["finite_differences"]["passes"] == 2 * r["P"]
        assert r["forward_mode"]["passes"] == r["P"]
        assert r["backprop"]["passes"] == 2
    P = [r["P"] for r in rows]
    assert abs(fa.slope(P, [r["finite_differences"]["passes"] for r in rows]) - 1) < 1e-12


def test_es_error_tracks_sqrt_p_over_n_and_fd_has_eight_digits():
    noise = fa.es_noise(pair_counts=(30, 300, 3000), width=8)
    ratio = noise["error"] / np.sqrt(noise["P"] / noise["N"])
    assert np.all((ratio > 0.7) & (ratio < 1.3))
    assert -0.6 < fa.slope(noise["N"], noise["error"]) < -0.4
    net, X, Y = fa.problem(8)
    assert alt.relative_error_to(alt.backprop(net, X, Y), alt.finite_differences(net, X, Y)) < 1e-8


def test_backprop_memory_grows_with_depth_others_do_not():
    kept = {d: [alt.floats_kept(m, fa.problem(32, depth=d)[0], 32) for m in alt.METHODS]
            for d in (2, 16)}
    assert kept[16][0] > 6 * kept[2][0]
    assert kept[16][1] == kept[2][1] and kept[16][2] == kept[2][2]


def test_losses_along_is_the_true_loss_where_the_sigmoid_saturates():
    """Offsetting the output bias by +-60 puts every logit past 37, where sigma(z) rounds to
    0 or 1: the loss along the line is still the network's own (from the logits), finite
    and about 60 on the wrong side, not the probability form's infinity."""
    net, X, Y = fa.problem(8)
    Xc, Yc = net.check_data(X, Y)
    ts = [-60.0, 0.0, 60.0]
    got = fa.losses_along(net, Xc, Yc, f"b{net.L}", (0, 0), ts)
    for t, value in zip(ts, got, strict=True):
        twin = net.copy()
        twin.params[f"b{net.L}"][0, 0] += t
        assert np.isfinite(value) and abs(value - twin.loss(X, Y)) <= 1e-12 * abs(value)
    assert got[0] > 20 and got[2] > 20
