"""Numbers typed in the prose of book/01_why_gradients.ipynb, recomputed."""

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import search

# The chapter's claims, measured over seeds and grids: `make test` runs them, `make fast`
# does not.
pytestmark = pytest.mark.slow


def test_parameter_count_formula():
    # "P = 4(n_in + 2) + 1" for the tanh student [n_in, 4, 1]
    for n_in in (1, 2, 8, 64):
        assert search.student(n_in, 4).n_params == 4 * (n_in + 2) + 1


def test_exercise_4_sizes():
    # "P goes from 17 to 33" on the round bowl (n_in = 16 and 32)
    assert search.student(16, 0).n_params == 17
    assert search.student(32, 0).n_params == 33


def test_gradient_costs_two_to_three_forward_passes():
    # "A gradient costs between two and three forward passes"
    for sizes in ([8, 4, 1], [64, 4, 1], [784, 512, 512, 10]):
        assert 2 <= search.gradient_cost(sizes) <= 3


def test_worked_example_has_nine_parameters_and_mnist_sizes():
    assert bp.Network([2, 2, 1]).n_params == 9


def test_race_in_the_text_reaches_the_target_both_ways():
    # "Both get there."
    r = search.race(8, lr=1.5)
    assert r.random.reached and r.gradient.reached


def test_random_search_ignores_the_learning_rate_and_large_rates_diverge():
    # "random search, which has no learning rate, does not change"; "too large and it diverges"
    from backprop_lib.figures import why_gradients as wg

    a, b = wg.compute(lr=0.01), wg.compute(lr=1.0)
    assert a.race.random.evals == b.race.random.evals
    assert wg.compute(lr=10.0).race.gradient.diverged


N_INS = [2, 4, 8, 16, 32, 64]


def test_notebook_step_gains_bowl_within_ten_percent_and_tanh_slower():
    # "gains 1/P of what the gradient step gains, to within 10% at every size", slope -1.05;
    # "On the tanh network the ratio falls more slowly" (the notebook's own settings)
    bowl = search.step_gains(N_INS, n_directions=500, hidden=0, whiten=True)
    net = search.step_gains(N_INS, n_directions=300, hidden=4)
    assert abs(bowl["ratio"] * bowl["P"] - 1).max() <= 0.115
    # the grid does not cut the best step short: it is interior for almost every direction
    assert bowl["edge"].max() <= 0.01 and net["edge"].max() <= 0.02
    assert not net["gradient_edge"].any() and not bowl["gradient_edge"].any()
    # 1/P lies within about three standard errors of every bowl row (grid bias included)
    assert (abs(bowl["ratio"] - 1 / bowl["P"]) < 3 * bowl["ratio_stderr"]).all()
    bowl_slope = search.fit_slope(bowl["P"], bowl["ratio"])[0]
    assert -1.1 < bowl_slope < -0.95
    assert search.fit_slope(net["P"], net["ratio"])[0] > bowl_slope + 0.3


@pytest.mark.slow
def test_step_gain_slopes_over_five_seeds():
    # the bowl's slope is -1 and the tanh net's is shallower in every one of five seeds,
    # not only in the seed the notebook prints
    for seed in range(5):
        bowl = search.step_gains(N_INS, n_directions=200, hidden=0, whiten=True, seed=seed)
        net = search.step_gains(N_INS, n_directions=100, hidden=4, seed=seed)
        bowl_slope = search.fit_slope(bowl["P"], bowl["ratio"])[0]
        assert -1.1 < bowl_slope < -0.9, seed
        assert search.fit_slope(net["P"], net["ratio"])[0] > bowl_slope + 0.3, seed


def test_the_gradient_curves_more_sharply_than_a_random_direction():
    # "Along the gradient the tanh network's loss curves many times more sharply than along a
    # typical direction: between 5 and 28 times, over these three sizes and five seeds (on the
    # bowl the two are equal, both 1)"
    ratios = []
    for n_in in (2, 8, 32):
        for seed in range(5):
            c = search.curvatures(n_in, hidden=4, seed=seed, n_directions=100)
            ratios.append(c["along_gradient"] / c["average"])
            # a random direction's curvature is the average tr H / P
            assert c["random_mean"] == pytest.approx(c["average"], rel=0.35)
    assert 4.5 < min(ratios) and max(ratios) < 28.5
    bowl = search.curvatures(8, hidden=0, n_directions=100)
    assert bowl["along_gradient"] == pytest.approx(bowl["random_mean"], rel=1e-6)


def test_equal_steps_would_give_a_one_over_root_P_law():
    # "Comparing rates alone ... a typical |cos| ~ sqrt(2 / (pi P))"
    for P in (50, 500):
        c2 = search.squared_cosines(np.ones(P), n=4000, seed=3)
        assert np.sqrt(c2).mean() == pytest.approx(np.sqrt(2 / (np.pi * P)), rel=0.05)


def test_one_fifth_rule_is_stationary_at_one_success_in_five():
    # "in the proportion that keeps about one try in five successful"
    p = 1 / 5
    assert p * np.log(search.SIGMA_UP) + (1 - p) * np.log(search.SIGMA_DOWN) == pytest.approx(0)


def test_quadratic_model_steps_in_the_notebook():
    # each numbered step of the derivation, on the bowl with 8 inputs (P = 9)
    q = search.quadratic_model_check(n_in=8)
    assert q["P"] == 9 and q["hessian_error"] < 1e-8
    assert q["along_u"] == pytest.approx(q["model_u"], rel=1e-9)
    assert q["ratio"] == pytest.approx(q["cos2"], rel=1e-9)


def test_combination_count_overstates_by_ten_orders():
    # "overstates the cost by 10 orders of magnitude" for the race with P = 41
    r = search.race(8, lr=1.5)
    assert int(np.floor(np.log10(2.0 ** r.P / r.random.evals))) == 10


def test_scaling_over_five_seeds():
    # Figure 2 and its text: medians over five seeds, every race reaches its target; on the
    # bowl random search grows like P (each seed's slope near 1) and gradient descent is
    # flat; on the tanh net random search grows faster than gradient descent in every seed
    seeds = (0, 1, 2, 3, 4)
    bowl = search.scaling_study(N_INS, seeds=seeds, hidden=0, whiten=True, fraction=0.01,
                                lr=1.0)
    net = search.scaling_study(N_INS, seeds=seeds, hidden=4, fraction=0.1, lr=1.5)
    assert (bowl["reached"] == 5).all() and (net["reached"] == 5).all()
    assert (0.75 < bowl["random_slope"]).all() and (bowl["random_slope"] < 1.15).all()
    assert np.allclose(bowl["gradient_slope"], 0.0, atol=0.02)
    assert (net["random_slope"] > net["gradient_slope"]).all()
    rs = search.fit_slope(net["P"], net["random"])[0]
    gd = search.fit_slope(net["P"], net["gradient_forward"])[0]
    assert rs > 1.0 and 0.0 < gd < 0.3
    # the per-seed slopes of random search spread widely around a median below the medians' 1.30
    assert net["random_slope"].max() - net["random_slope"].min() > 0.5
    assert np.median(net["random_slope"]) < rs
    # "The ratio of the two costs ... grows with slope 0.99 (per seed 0.81 to 1.64)": about
    # in proportion to P, in every seed, as on the bowl (the one-step slope -0.45 does not
    # predict it)
    ratio = search.fit_slope(net["P"], net["ratio"])[0]
    assert 0.8 < ratio < 1.2 and (net["ratio_slope"] > 0.7).all()
    assert 0.8 < search.fit_slope(bowl["P"], bowl["ratio"])[0] < 1.2
    # "At P = 265 random search already costs 149 times as much"
    assert net["random"][-1] / net["gradient_forward"][-1] > 100


def test_learning_rates_are_tuned_and_not_at_the_grid_edge():
    # "The learning rate 1.5 is the best of 14 rates ...; the next rate, 1.8, already fails"
    # and the bowl's tuned rate is 1 (H = I: one step lands on the minimum)
    net = search.tune_learning_rate(N_INS)
    assert net["best"] == 1.5
    i = list(net["lrs"]).index(net["best"])
    assert 0 < i < len(net["lrs"]) - 1
    assert net["reached"][i + 1] < net["reached"].max()
    bowl = search.tune_learning_rate(N_INS, hidden=0, whiten=True, fraction=0.01)
    assert bowl["best"] == 1.0
    assert (bowl["median"][list(bowl["lrs"]).index(1.0)] == 2).all()


def test_random_search_needs_no_tuning_of_its_starting_step():
    # "Random search needs no such tuning: its step length adapts": the median cost over
    # five seeds changes by less than a factor 2 for starting steps from 0.03 to 1
    for n_in in (8, 32):
        medians = []
        for sigma in (0.03, 0.1, 0.3, 1.0):
            counts = [search.race(n_in, lr=1.5, seed=s, sigma=sigma).random.evals or np.inf
                      for s in range(5)]
            medians.append(np.median(counts))
        assert max(medians) / min(medians) < 2, (n_in, medians)


def test_the_start_of_the_tanh_student_is_not_a_bowl():
    # the named mechanism of the one-step slope: many negative eigenvalues; about a quarter
    # of random directions curve downward (2% to 24%) and give 7% to 33% of the gain; (3)
    # over-predicts the upward-curving directions (1.2 to 1.9 times) but holds along -g.
    # On the bowl (the ablation, H = I) none of this happens.
    splits = [search.curvature_split(n_in) for n_in in (2, 8, 32, 64)]
    for c in splits:
        assert c["negative_eigenvalues"] >= c["P"] // 3
        assert 0.015 < c["negative_fraction"] < 0.3 and 0.05 < c["negative_share"] < 0.4
        assert c["overprediction"] > 1.1
        assert 0.75 < c["gradient_prediction"] < 1.1
    assert np.median([c["negative_fraction"] for c in splits]) > 0.2
    bowl = search.curvature_split(8, hidden=0)
    assert bowl["negative_eigenvalues"] == 0 and bowl["negative_fraction"] == 0
    assert bowl["overprediction"] == pytest.approx(1.0, abs=0.01)


def test_measured_mean_cos2_is_one_over_P_within_sampling_error():
    # "the measured mean is 1/P to within its sampling error" (the notebook's study)
    st = search.cosine_study([2, 4, 8, 16, 32, 64, 128, 256], n_directions=2000)
    assert (abs(st["mean"] - 1 / st["P"]) < 3 * st["stderr"]).all()


def test_cosine_figure_alt_text_range():
    # alt text of fig-cosines: "P, from 17 to 1033" (n_in from 2 to 256)
    assert search.student(2, 4).n_params == 17
    assert search.student(256, 4).n_params == 1033


def test_race_costs_more_for_random_search_in_every_seed():
    # "between 11 and 26 times over five seeds ... at this size": random search is the
    # more expensive in every seed, not only in the seed the notebook prints
    ratios = []
    for seed in range(5):
        r = search.race(8, lr=1.5, seed=seed)
        assert r.random.reached and r.gradient.reached
        ratios.append(r.random.evals / r.gradient_evals_as_forward)
    assert min(ratios) > 5 and max(ratios) < 40
