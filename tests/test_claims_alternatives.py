"""The claims of chapter "Backpropagation against its alternatives", tested for their
meaning: over seeds with the spread, against independent implementations, and with the
ablation that would refute them."""

import math

import numpy as np

from backprop_lib import alternatives as alt
from backprop_lib import checkpointing as ck
from backprop_lib import forward_gradient as fg
from backprop_lib import hvp
from backprop_lib import jacobian_chain as chain
from backprop_lib.figures import alternatives as fa

SEEDS = range(5)


def test_es_passes_are_twice_its_pairs_whatever_p():
    for width in fa.WIDTHS[:3]:
        net, X, Y = fa.problem(width)
        est = alt.evolution_strategy(net, X, Y, sigma=fa.ES_SIGMA, n_pairs=fa.ES_PAIRS)
        assert est.forward_passes == 2 * fa.ES_PAIRS and est.passes == est.forward_passes


def test_passes_linear_in_p_and_constant_for_backprop():
    rows = fa.sweep(widths=(2, 4, 8), n_pairs=5)
    for r in rows:
        assert r["finite_differences"]["passes"] == 2 * r["P"]
        assert r["forward_mode"]["passes"] == r["P"]
        assert r["backprop"]["passes"] == 2
    P = [r["P"] for r in rows]
    assert abs(fa.slope(P, [r["finite_differences"]["passes"] for r in rows]) - 1) < 1e-12


def test_es_error_tracks_sqrt_p_over_n_and_fd_has_eight_digits():
    """M2: over the chapter's seeds, the mean error tracks sqrt((P+1)/N) and falls like
    N^-1/2; single seeds scatter (the N = 10 error by a factor of two), which is why the
    chapter fits the mean; the fitted power of each seed stays near -1/2."""
    assert len(fa.SEEDS) >= 5
    noise = fa.es_noise(pair_counts=(10, 30, 300, 3000), width=8, seeds=fa.SEEDS)
    ratio = noise["error"] / np.sqrt((noise["P"] + 1) / noise["N"])
    assert np.all((ratio > 0.8) & (ratio < 1.2)), ratio
    assert -0.6 < noise["power"] < -0.4
    powers = [fa.slope(noise["N"], e) for e in noise["errors"]]
    assert all(-0.65 < q < -0.35 for q in powers) and max(powers) - min(powers) > 0.05
    spread = noise["errors"][:, 0]
    assert spread.max() / spread.min() > 1.5          # one draw is not the law
    net, X, Y = fa.problem(8)
    assert alt.error_to(alt.backprop(net, X, Y), alt.finite_differences(net, X, Y)) < 1e-8


def test_smoothing_estimate_over_seeds_is_the_smoothed_slope_not_the_loss_s():
    """M2: the 1,000-pair estimate, over the chapter's seeds, lies within about four
    standard errors of the smoothed slope and far from the loss's own slope."""
    r = fa.smoothing_estimates(seeds=fa.SEEDS)
    se = r["es"].std(ddof=1)                         # the spread of one estimate
    assert np.all(np.abs(r["es"] - r["smoothed"]) < 4 * max(se, 1e-4))
    assert np.all(np.abs(r["es"] - r["exact"]) > 10 * se)
    assert abs(r["es"].mean() - r["smoothed"]) < 0.1 * r["smoothed"]


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


def test_the_two_relative_errors_differ_and_the_chapter_uses_the_unbounded_one():
    """m7: on the first section's ES estimate, over seeds, error_to tracks sqrt((P+1)/N)
    (above 1) while the symmetric form of chapter 8 stays below 1."""
    net, X, Y = fa.problem(16)
    ref = alt.backprop(net, X, Y)
    pred = math.sqrt((net.n_params + 1) / fa.ES_PAIRS)
    ours, sym = [], []
    for seed in SEEDS:
        est = alt.evolution_strategy(net, X, Y, fa.ES_SIGMA, fa.ES_PAIRS, seed)
        ours.append(alt.error_to(ref, est))
        sym.append(alt.relative_error_to(ref, est))
    assert abs(np.mean(ours) / pred - 1) < 0.15 and min(ours) > 1
    assert max(sym) < 1
    es = fa.es_errors(net, X, Y, fa.ES_PAIRS, fa.ES_SIGMA, SEEDS)   # what the chapter quotes
    np.testing.assert_allclose(es["error"], ours)
    np.testing.assert_allclose(es["symmetric"], sym)
    # error_to is the Euclidean norm over all P entries at once
    g, r = alt.flatten(est.grads), alt.flatten(ref.grads)
    assert alt.error_to(ref, est) == np.linalg.norm(g - r) / np.linalg.norm(r)


def test_backprop_multiply_adds_stay_within_baur_strassen_and_grow_like_the_forward():
    """(forward + backward) / forward <= BAUR_STRASSEN_BOUND for any layer sizes: a small
    constant, not P; and a tangent pass costs more than a forward pass but a constant too."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        sizes = list(rng.integers(1, 300, size=rng.integers(2, 8)))
        m = int(rng.integers(1, 64))
        f, b, t = (alt.multiply_adds(k, sizes, m) for k in alt.PASS_KINDS)
        assert f < f + b <= alt.BAUR_STRASSEN_BOUND * f
        assert f < t <= 3 * f


def test_chain_orders_counted_by_one_rule_shallow_weak_deep_grows_like_p():
    """C1: with B_l's sparsity used in both orders (or in neither), right to left costs only
    3-4 times left to right on two hidden layers, at every width; with four or more hidden
    layers the ratio grows in proportion to P (ratio / P nearly constant in the width),
    and ratio / P rises with depth towards 1/4; left to right stays about 2P."""
    for rule in chain.RULES:
        for w in (4, 16, 64, 256, 1024):
            sizes = chain.uniform_sizes(w, 2)
            r = chain.chain_cost(sizes, "forward", rule) / chain.chain_cost(sizes, "reverse", rule)
            assert 2 < r < 4.1, (rule, w, r)
    rows = chain.cost_table(widths=(16, 64, 256, 1024), depths=(3, 4, 8, 16))
    by = {(r["depth"], r["width"]): r for r in rows}
    for d in (4, 8, 16):
        per_P = [by[d, w]["ratio_per_P"] for w in (16, 64, 256, 1024)]
        assert max(per_P) / min(per_P) < 1.5, (d, per_P)
    assert [by[d, 1024]["ratio_per_P"] for d in (4, 8, 16)] == sorted(
        by[d, 1024]["ratio_per_P"] for d in (4, 8, 16))
    assert 0.15 < by[16, 1024]["ratio_per_P"] < 0.25
    three = [by[3, w]["ratio"] for w in (16, 64, 256, 1024)]   # three: like the width
    assert 0.8 < fa.slope((16, 64, 256, 1024), three) < 1.1
    for r in rows:
        assert 1.7 < r["reverse"] / r["P"] < 2.05
    # the counts the chapter prints: the chain's own products, measured on its network
    net, X, Y = fa.problem(16)
    x, y = X[:, [0]], Y[:, [0]]
    for rule in chain.RULES:
        counts = {o: chain.chain_gradient(net, x, y, o, rule)[1] for o in chain.ORDERS}
        assert 3 < counts["forward"] / counts["reverse"] < 4
    counts = {o: chain.chain_gradient(net, x, y, o)[1] for o in chain.ORDERS}
    assert 1.5 < counts["reverse"] / alt.multiply_adds("forward", net.layer_sizes) < 2.5


def test_forward_gradient_costs_more_multiply_adds_than_the_es_it_equals():
    """M1: N tangent passes along Gaussian directions cost more multiply-adds than the
    evolution strategy's 2N forward passes (between 1 and 1.5 times), at every size."""
    for w in (2, 16, 64, 256):
        sizes = chain.uniform_sizes(w, 2)
        f, t = (alt.multiply_adds(k, sizes, 32) for k in ("forward", "tangent"))
        assert 1 < t / (2 * f) <= 1.5


def test_hvp_differences_fall_like_h_squared_on_the_chapter_network_over_directions():
    net, X, Y = fa.problem(16)
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        t = {k: rng.standard_normal(v.shape) for k, v in net.params.items()}
        exact = alt.flatten(hvp.hessian_vector_product(net, X, Y, t))
        errs = [np.linalg.norm(alt.flatten(hvp.hvp_by_differences(net, X, Y, t, h=h)) - exact)
                for h in (1e-2, 1e-3)]
        assert 70 < errs[0] / errs[1] < 130
        assert errs[1] < 1e-4 * np.linalg.norm(exact)


def test_forward_gradient_noise_tracks_sqrt_p_plus_one_over_n_and_equals_es_at_small_sigma():
    net, X, Y = fa.problem(16)
    study = fg.noise_study(net, X, Y, counts=(10, 100, 1000), seeds=SEEDS, sigma=fa.ES_SIGMA)
    ratio = study["forward_gradient"].mean(axis=1) / study["predicted"]
    assert np.all(np.abs(ratio - 1) < 0.15), ratio
    assert np.abs(study["forward_gradient"] - study["evolution_strategy"]).max() < 1e-5
    # the noise grows with P at fixed N: a wider network, the same number of directions
    small, Xs, Ys = fa.problem(4)
    err_small = [alt.error_to(alt.backprop(small, Xs, Ys), fg.forward_gradient(small, Xs, Ys,
                                                                              100, s))
                 for s in SEEDS]
    assert max(err_small) < study["forward_gradient"][1].min()


def test_forward_gradient_is_unbiased_over_seeds():
    """The z-scores of the mean of UNBIASED_DRAWS estimates look standard normal for every
    seed. Ablation: an estimate biased by half the gradient fails the same test. A finer
    bias needs the projection on the gradient, whose mean is 1 within its standard error
    for the true estimator and more than 4 standard errors away for a 30% bias."""
    net, X, Y = fa.problem(16)
    for seed in SEEDS:
        z = fg.bias_z_scores(net, X, Y, seed=seed)
        assert abs(z.mean()) < 0.2 and 0.85 < z.std() < 1.15 and np.abs(z).max() < 4.5
    grad = alt.flatten(alt.backprop(net, X, Y).grads)
    unit = grad / np.linalg.norm(grad)
    for seed in SEEDS:
        v = np.random.default_rng(seed).standard_normal((fg.UNBIASED_DRAWS, net.n_params))
        g = (v @ grad)[:, None] * v

        def z_of(est):
            return (est.mean(axis=0) - grad) / (est.std(axis=0, ddof=1) / np.sqrt(len(est)))

        assert z_of(g + 0.5 * grad).std() > 1.15
        along = g @ unit / np.linalg.norm(grad)       # mean 1 when unbiased
        se = along.std(ddof=1) / np.sqrt(len(along))
        assert abs(along.mean() - 1) < 4 * se
        assert abs(1.3 * along.mean() - 1) > 4 * 1.3 * se


def test_checkpointing_memory_like_sqrt_l_time_at_most_one_forward_pass():
    for depth in fa.CHECKPOINT_DEPTHS:
        net, X, Y = fa.problem(fa.MEMORY_WIDTH, depth=depth, m=8)
        grads, s = ck.checkpointed_gradients(net, X, Y)
        _, plain = ck.checkpointed_gradients(net, X, Y, every=net.L)
        ref = net.gradients(X, Y)
        assert all(np.array_equal(grads[k], ref[k]) for k in ref)
        assert s.arrays_peak <= 3 * math.sqrt(net.L) + 3 and plain.arrays_peak == 2 * net.L + 1
        assert s.layer_evaluations <= 2 * net.L
    # the best segment length is near sqrt(L / 2), where L/k + 2k is smallest
    net, X, Y = fa.problem(fa.MEMORY_WIDTH, depth=fa.CHECKPOINT_DEPTHS[-1], m=2)
    peaks = {k: ck.checkpointed_gradients(net, X, Y, every=k)[1].arrays_peak
             for k in range(1, net.L + 1)}
    fewest = min(peaks.values())
    best = [k for k in peaks if peaks[k] == fewest]
    assert best == [3, 4]                                  # m7: a tie, as the chapter says
    assert all(abs(k - math.sqrt(net.L / 2)) <= 1.5 for k in best)
    # the whole step, in multiply-adds, costs less than twice plain backpropagation's; the
    # recomputed layers are those the schedule computes twice, at their own sizes
    f, b = (alt.multiply_adds(k, net.layer_sizes) for k in ("forward", "backward"))
    stats = ck.checkpointed_gradients(net, X, Y)[1]
    again = ck.recomputed_layers(net.L)
    assert stats.layer_evaluations == net.L + len(again)
    extra = alt.multiply_adds("forward", net.layer_sizes[:again[-1] + 1])
    assert 1 < (f + extra + b) / (f + b) < 1.5


def test_weight_gradients_need_only_their_own_dz():
    """m9: once the dZ{l} exist, each dW{l} is one product, in any order."""
    net, X, Y = fa.problem(16, depth=4)
    trace = net.trace(X, Y)
    for l in reversed(range(1, net.L + 1)):
        np.testing.assert_array_equal(trace[f"dZ{l}"] @ trace[f"A{l - 1}"].T, trace[f"dW{l}"])
