"""graph.maximum routes the gradient to the larger input (chapter "The chain rule")."""

import pytest

from backprop_lib import graph


def test_maximum_routes_the_gradient_and_matches_central_differences():
    for av, bv in ((2.0, -1.0), (-3.0, 0.5)):
        a, b = graph.parameter(av, "a"), graph.parameter(bv, "b")
        out = graph.maximum(a, b) * 3.0
        graph.backward(out)
        h = 1e-6
        da = (max(av + h, bv) - max(av - h, bv)) * 3.0 / (2 * h)
        db = (max(av, bv + h) - max(av, bv - h)) * 3.0 / (2 * h)
        assert out.value == pytest.approx(3.0 * max(av, bv))
        assert a.grad == pytest.approx(da) and b.grad == pytest.approx(db)
        assert {a.grad, b.grad} == {0.0, 3.0}


def test_maximum_tie_goes_to_the_first_input_and_numbers_are_constants():
    a, b = graph.parameter(1.0), graph.parameter(1.0)
    m = graph.maximum(a, b)
    graph.backward(m)
    assert (a.grad, b.grad) == (1.0, 0.0)
    m = graph.maximum(a, 5.0)
    graph.backward(m)
    assert m.value == 5.0 and a.grad == 0.0
    with pytest.raises(TypeError):
        graph.maximum(a, "1")
