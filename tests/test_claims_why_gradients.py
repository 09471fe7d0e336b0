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
