"""The checkers of chapter "The chain rule" accept the reference answers and diagnose slips."""

import numpy as np

from backprop_lib.exercises import chain_rule as ex


def test_scalar_chain():
    x, z, a, y = ex._unit_parts()
    assert ex.check_scalar_chain((a - y) * a * (1 - a) * x).ok
    assert "a (1 - a) is missing" in ex.check_scalar_chain((a - y) * x).message
    assert "dz/dw = x" in ex.check_scalar_chain((a - y) * a * (1 - a)).message
    assert "not z (1 - z)" in ex.check_scalar_chain((a - y) * z * (1 - z) * x).message
    assert "sign is flipped" in ex.check_scalar_chain(-(a - y) * a * (1 - a) * x).message
    assert "no answer yet" in str(ex.check_scalar_chain(None))
    # z = w x + b is neither 0 nor 1, so z (1 - z) differs from 0 and is diagnosed only
    # when it is the answer, and every diagnosis names a different number
    assert z * (1 - z) != 0 and "z (1 - z)" not in ex.check_scalar_chain(0.0).message
    wrong = [(a - y) * x, (a - y) * a * (1 - a), (a - y) * z * (1 - z) * x,
             -(a - y) * a * (1 - a) * x]
    assert min(abs(u - v) for i, u in enumerate(wrong) for v in wrong[i + 1:]) > 1e-3


def test_hidden_backward():
    def right(W2, dZ2, Z1):
        A1 = 1 / (1 + np.exp(-Z1))
        return (W2.T @ dZ2) * A1 * (1 - A1)

    assert ex.check_hidden_backward(right).ok
    assert "that is dA1" in ex.check_hidden_backward(lambda W2, dZ2, Z1: W2.T @ dZ2).message
    msg = ex.check_hidden_backward(lambda W2, dZ2, Z1: (W2.T @ dZ2) * Z1 * (1 - Z1)).message
    assert "not Z1 (1 - Z1)" in msg
    # W2 @ dZ2 without the transpose fails on the shapes, and the learner sees the error
    msg = ex.check_hidden_backward(lambda W2, dZ2, Z1: W2 @ dZ2).message
    assert "raised ValueError" in msg


def test_path_count():
    assert ex.check_path_count(9).ok
    assert ex.check_path_count(9.0).ok
    assert "no choice to make in that layer" in ex.check_path_count(27).message
    assert "multiply, they do not add" in ex.check_path_count(6).message
    assert "not a string" in ex.check_path_count("nine").message
    assert "whole number" in ex.check_path_count(9.5).message
    assert "no answer yet" in str(ex.check_path_count(None))


def test_depth_growth():
    assert ex.check_depth_growth("multiply", "add").ok
    wrong = ex.check_depth_growth("add", "add")
    assert not wrong.ok and "naive" in wrong.message
    assert "backprop" not in wrong.message.split("Hint")[0]
    assert not ex.check_depth_growth("multiply", "multiply").ok
    assert "must be one of" in ex.check_depth_growth("grows", "add").message
    assert "no answer yet" in str(ex.check_depth_growth(None, "add"))


def test_fork_gradient():
    a, b = ex.FORK["a"], ex.FORK["b"]
    assert ex.check_fork_gradient(2 * a * b + 2 * a).ok
    # against the book's engine and central differences
    from backprop_lib import graph
    ga, gb = graph.parameter(a, "a"), graph.parameter(b, "b")
    graph.backward((ga * gb + ga) * ga)
    h = 1e-6
    fd = (((a + h) * b + a + h) * (a + h) - ((a - h) * b + a - h) * (a - h)) / (2 * h)
    assert abs(ga.grad - (2 * a * b + 2 * a)) < 1e-12 and abs(fd - ga.grad) < 1e-6
    direct = a * b + a
    assert "only what comes back along L = d a" in ex.check_fork_gradient(direct).message
    assert "through c = a b" in ex.check_fork_gradient(a * b).message
    assert "path through c = a b is missing" in ex.check_fork_gradient(direct + a).message
    msg = ex.check_fork_gradient(-(2 * a * b + 2 * a)).message
    assert "sign is flipped" in msg and "all positive" in msg and "target" not in msg
    for wrong in (direct, a * b, a, direct + a, direct + a * b, a + a * b, -(2 * a * b + 2 * a)):
        assert "run" not in ex.check_fork_gradient(wrong).message.split()


def test_engine_lab_checker_speaks_as_every_checker():
    from backprop_lib import engine_lab as lab
    from backprop_lib.exercises.checking import Feedback

    fb = ex.check_engine(lab.reference_local_grads, lab.reference_topological_order,
                         lab.reference_backward)
    assert isinstance(fb, Feedback) and fb.ok
    bad = ex.check_engine(lambda n: (1.0,) * len(n.inputs), lab.reference_topological_order,
                          lab.reference_backward)
    assert not bad.ok and "node c = a * b" in bad.message
