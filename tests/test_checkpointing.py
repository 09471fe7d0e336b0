"""backprop_lib.checkpointing: the same gradient from fewer kept activations, counted."""

import math

import numpy as np
import pytest

from backprop_lib import alternatives as alt
from backprop_lib import checkpointing as ck
from backprop_lib.figures import alternatives as fa


@pytest.mark.parametrize("depth", [1, 2, 3, 6, 11])
def test_every_segment_length_gives_backpropagation_s_numbers(depth):
    net, X, Y = fa.problem(5, depth=depth, m=7)
    ref = net.gradients(X, Y)
    for k in range(1, net.L + 2):
        grads, _ = ck.checkpointed_gradients(net, X, Y, every=k)
        assert list(grads) == list(ref)
        assert all(np.array_equal(grads[n], ref[n]) for n in ref), k


def test_one_segment_is_plain_backpropagation_counted_the_same_way():
    for depth in (1, 4, 9):
        net, X, Y = fa.problem(6, depth=depth, m=5)
        _, s = ck.checkpointed_gradients(net, X, Y, every=net.L)
        assert s.arrays_peak == 2 * net.L + 1
        assert s.floats_peak == alt.cache_floats(net, 5)
        assert s.layer_evaluations == net.L


def test_counts_of_the_default_segments():
    for L in range(2, 60):
        net, X, Y = fa.problem(3, depth=L - 1, m=2)
        k = ck.segment_length(L)
        _, s = ck.checkpointed_gradients(net, X, Y)
        top = (L - 1) // k * k
        assert s.layer_evaluations == L + top <= 2 * L      # at most one extra forward pass
        assert s.arrays_peak <= math.ceil(L / k) + 2 * k    # checkpoints + one segment
        assert s.arrays_peak <= 3 * math.sqrt(L) + 3


def test_segment_length():
    assert [ck.segment_length(L) for L in (1, 2, 4, 5, 9, 10, 26)] == [1, 2, 2, 3, 3, 4, 6]
    with pytest.raises(ValueError, match="L must be"):
        ck.segment_length(0)


def test_bad_input():
    net, X, Y = fa.problem(3, m=4)
    with pytest.raises(ValueError, match="every must be"):
        ck.checkpointed_gradients(net, X, Y, every=0)
    with pytest.raises(TypeError, match="every must be an integer"):
        ck.checkpointed_gradients(net, X, Y, every=1.5)
    with pytest.raises(TypeError, match="net"):
        ck.checkpointed_gradients(None, X, Y)
    with pytest.raises(ValueError):
        ck.checkpointed_gradients(net, X, Y[:, :2])
