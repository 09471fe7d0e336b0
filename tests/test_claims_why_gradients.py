"""Numbers typed in the prose of book/01_why_gradients.ipynb, recomputed."""

import backprop_lib as bp
from backprop_lib import search


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
    r = search.race(8, lr=0.3)
    assert r.random.reached and r.gradient.reached


def test_random_search_ignores_the_learning_rate_and_large_rates_diverge():
    # "random search, which has no learning rate, does not change"; "too large and it diverges"
    from backprop_lib.figures import why_gradients as wg

    a, b = wg.compute(lr=0.01), wg.compute(lr=1.0)
    assert a.race.random.evals == b.race.random.evals
    assert wg.compute(lr=10.0).race.gradient.diverged


def test_tanh_ratio_falls_more_slowly_than_on_the_bowl():
    # "On the tanh network the ratio falls more slowly"
    kw = dict(n_directions=20)
    bowl = search.step_gains([2, 4, 8, 16, 32, 64], hidden=0, whiten=True, **kw)
    net = search.step_gains([2, 4, 8, 16, 32, 64], hidden=4, **kw)
    net_slope = search.fit_slope(net["P"], net["ratio"])[0]
    assert net_slope > search.fit_slope(bowl["P"], bowl["ratio"])[0]


def test_measured_mean_cos2_is_one_over_P_within_sampling_error():
    # "the measured mean is 1/P to within its sampling error" (the notebook's study)
    st = search.cosine_study([2, 4, 8, 16, 32, 64, 128, 256], n_directions=2000)
    assert (abs(st["mean"] - 1 / st["P"]) < 3 * st["stderr"]).all()


def test_cosine_figure_alt_text_range():
    # alt text of fig-cosines: "P, from 17 to 1033" (n_in from 2 to 256)
    assert search.student(2, 4).n_params == 17
    assert search.student(256, 4).n_params == 1033
