"""The shared readers of exercises/checking.py, and the diagnoses the checkers' docstrings
promise. Right answers are written here independently of the checkers' references."""

from __future__ import annotations

import ast
import pathlib
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from backprop_lib.exercises import alternatives as alt_ex
from backprop_lib.exercises import chain_rule as cr_ex
from backprop_lib.exercises import dead_neurons as dn_ex
from backprop_lib.exercises import gradient_checking as gc_ex
from backprop_lib.exercises import l_layers as ll_ex
from backprop_lib.exercises import optimizers as op_ex
from backprop_lib.exercises import vanishing_exploding as ve_ex
from backprop_lib.exercises.checking import (
    Feedback,
    as_choice,
    as_shape,
    check_array,
    check_count,
    check_function,
    check_scalar,
    to_array,
)

EXERCISES = pathlib.Path(__file__).resolve().parents[1] / "backprop_lib" / "exercises"


# ---------------------------------------------------------------- the readers


@pytest.mark.parametrize("answer, value", [
    (3, 3.0), (np.int8(3), 3.0), (np.uint64(3), 3.0), (np.float16(0.5), 0.5),
    (Fraction(1, 4), 0.25), (Decimal("0.25"), 0.25), (2 + 0j, 2.0), (np.array([[1.5]]), 1.5),
    ([1.5], 1.5), (np.array(1.5, dtype=object), 1.5), ([Fraction(1, 2)], 0.5),
])
def test_to_array_reads_every_real_form(answer, value):
    values, _ = to_array(answer)
    assert values.dtype == np.float64 and values.reshape(-1)[0] == value


def test_to_array_reports_the_precision_of_narrow_floats():
    assert to_array(np.float32(1.0))[1] == np.finfo(np.float32).eps
    assert to_array(np.float64(1.0))[1] == 0.0
    assert to_array(7)[1] == 0.0


def test_to_array_reads_a_tensor_without_importing_torch():
    class ItemOnly:  # neither __array__ nor a number: only .item(), as some tensors
        def item(self):
            return 0.25

    values, _ = to_array(ItemOnly())
    assert values.reshape(-1)[0] == 0.25
    source = (EXERCISES / "checking.py").read_text()
    assert "import torch" not in source


@pytest.mark.parametrize("answer, words", [
    ("1/400", "give a number, not a string ('1/400' -> 1/400)"),
    (b"3", "not bytes"), (True, "truth value"), (10 ** 400, "too large"),
    (np.datetime64("2020-01-01"), "date"), (1 + 2j, "complex"), ({1: 2}, "dict"),
    (None, "no answer"), ([[1], [2, 3]], "unequal"),
])
def test_to_array_refuses_with_a_message(answer, words):
    got = to_array(answer)
    assert isinstance(got, Feedback) and not got.ok and words in got.message


def test_a_tolerance_message_names_the_tolerance_used():
    assert "(tolerance: absolute 0.5)" in check_scalar(3.0, 1.0, rtol=0, atol=0.5).message
    assert "(tolerance: relative 1e-06)" in check_scalar(3.0, 1.0, rtol=1e-6).message
    # a float32 answer is judged with the float32 tolerance, and the message says that one
    message = check_scalar(np.float32(3.0), 1.0, rtol=1e-9).message
    assert "relative 7.6e-06" in message and "1e-09" not in message


def test_float32_answers_get_a_float32_tolerance_and_no_more():
    exp = np.array([[1.0, -2.0], [1e-3, 4.0]])
    assert check_array(exp.astype(np.float32), exp, rtol=1e-12).ok
    assert not check_array(exp * (1 + 1e-4), exp, rtol=1e-12).ok
    assert not check_array((exp * (1 + 1e-4)).astype(np.float32), exp, rtol=1e-12).ok


def test_check_equivalent_lr_accepts_float32():
    assert op_ex.check_equivalent_lr(np.float32(0.05 * 0.1)).ok


def test_hidden_backward_accepts_a_float32_computation():
    def hidden_backward(W2, dZ2, Z1):
        W2, dZ2, Z1 = (np.asarray(a, dtype=np.float32) for a in (W2, dZ2, Z1))
        A1 = 1 / (1 + np.exp(-Z1))
        return np.einsum("ji,jm->im", W2, dZ2) * A1 * (1 - A1)

    assert cr_ex.check_hidden_backward(hidden_backward).ok


@pytest.mark.parametrize("answer", [(2, 5), [2, 5], np.array([2, 5]), (np.int64(2), 5),
                                    (2.0, 5.0)])
def test_as_shape_accepts_two_integers(answer):
    assert as_shape(answer) == (2, 5)


@pytest.mark.parametrize("answer", ["25", {2, 5}, {2: 0, 5: 0}, b"\x02\x05", (2.7, 5.2),
                                    (2.0, 5.5), (True, 5), (float("inf"), 5), (2, 5, 1), 25])
def test_as_shape_refuses_anything_else(answer):
    assert isinstance(as_shape(answer), Feedback)


def test_as_choice_normalizes_the_same_way_everywhere():
    choices = ("the same", "more")
    for given in ("The Same", "  the   same\n", "\tTHE SAME ", np.str_("the same")):
        assert as_choice(given, choices) == "the same"
    assert as_choice("same", choices, synonyms={"Same": "the same"}) == "the same"
    assert "one string" in as_choice(np.array(["more", "more"]), choices).message
    assert "one string" in as_choice(["more"], choices).message


@pytest.mark.parametrize("answer, ok, words", [
    (175, True, None), (175.0, True, None), (np.float32(175), True, None),
    (175.4, False, "whole number"), (True, False, "truth value"), (176, False, "exact"),
    (350, False, "twice"),
])
def test_check_count(answer, ok, words):
    fb = check_count(answer, 175)
    assert fb.ok is ok
    assert words is None or words in fb.message


def test_the_count_checkers_refuse_non_integer_counts():
    assert "whole number" in ll_ex.check_forward_cost(175.4).message
    assert "whole number" in alt_ex.check_fd_passes(26.4).message
    assert alt_ex.check_fd_passes(26.0).ok


def test_a_count_diagnosis_comes_before_the_factor_of_two():
    # P (one pass per parameter) is also half the right count: the specific slip is named
    assert "twice per parameter" in alt_ex.check_fd_passes(13).message


def test_complex_answers_with_a_real_part_that_is_right_are_refused():
    assert "complex" in gc_ex.check_central_difference((2.1 ** 3 - 1.9 ** 3) / 0.2 + 1j).message
    assert gc_ex.check_central_difference((2.1 ** 3 - 1.9 ** 3) / 0.2 + 0j).ok


# ---------------------------------------------------------------- function checkers


def test_every_exception_from_the_learner_is_reported():
    class Surprise(Exception):
        pass

    def boom(x):
        raise Surprise("from the learner")

    fb = check_function(boom, lambda x: x, [(1.0,)], name="your function")
    assert str(fb) == "Not yet: your function raised Surprise: from the learner, on test input 1."


def test_a_learners_nan_warnings_do_not_reach_the_notebook():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fb = gc_ex.check_relative_error(
            lambda g, n: float(np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n))))
    assert not fb.ok


# ---------------------------------------------------------------- the promised diagnoses


def _softmax(Z, axis):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return E / E.sum(axis=axis, keepdims=True)


def _adam(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


PROMISED = [
    ("softmax over axis 1", ll_ex.check_softmax_error,
     lambda Z, Y: (_softmax(Z, 1) - Y) / Z.shape[1], "sum over axis 1"),
    ("dividing by n_L m instead of m", ll_ex.check_softmax_error,
     lambda Z, Y: (_softmax(Z, 0) - Y) / Z.size, "n_L * m"),
    ("dividing by m instead of n_L m", gc_ex.check_mse_gradient,
     lambda A, Y: 2 * (A - Y) / A.shape[1], "divide by A.size"),
    ("a dead mask over axis 0", dn_ex.check_dead_mask,
     lambda Z: np.all(Z <= 0, axis=0), "axis=1"),
    ("a transposed dead mask", dn_ex.check_dead_mask,
     lambda Z: np.all(Z.T <= 0, axis=1), "axis=1"),
    ("Adam returning (w, v, m)", op_ex.check_adam_step,
     lambda *a, **k: (lambda w, m, v: (w, v, m))(*_adam(*a, **k)), "(w, m, v)"),
    ("no clipping at all", ve_ex.check_clip, lambda g, max_norm: g, "unchanged"),
    ("relative_error without the 0/0 guard", gc_ex.check_relative_error,
     lambda g, n: float(np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n))),
     "both gradients are zero"),
    ("relative_error dividing Python floats by zero", gc_ex.check_relative_error,
     lambda g, n: float(np.linalg.norm(g - n)) / float(np.linalg.norm(g) + np.linalg.norm(n)),
     "both zero"),
]


@pytest.mark.parametrize("what, check, fn, words", PROMISED, ids=[p[0] for p in PROMISED])
def test_the_promised_diagnosis_is_given(what, check, fn, words):
    fb = check(fn)
    assert not fb.ok and words in fb.message, fb
    assert "contains NaN" not in fb.message


def test_the_dead_mask_inputs_are_not_square():
    # a wrong-axis mask on a square matrix has the right length and could pass by accident
    assert all(Z.shape[0] != Z.shape[1] for (Z,) in dn_ex.MASK_INPUTS)


def test_the_relative_error_reference_is_gradchecks():
    from backprop_lib.gradcheck import relative_error

    for g, n in gc_ex._test_pairs():
        assert gc_ex.relative_error(g, n) == pytest.approx(relative_error(g, n), rel=1e-12)


def test_no_message_says_not_yet_twice():
    for fb in (ll_ex.check_dW_shape((3, 5)), cr_ex.check_path_count(5),
               ll_ex.check_dW_shape("25"), cr_ex.check_path_count(9.5)):
        assert not fb.message.lower().startswith("not yet"), fb


# ---------------------------------------------------------------- where the helpers live


def test_no_chapter_checker_imports_from_another_chapter():
    """Helpers two chapters share live in checking.py (or its NumPy-free half,
    checking_core.py, and plain_answers.py, the page's readers), not in one chapter's
    module; a chapter may import its own standard-library half (<chapter>_page.py)."""
    shared = (None, "checking", "checking_core", "plain_answers")
    for path in EXERCISES.glob("*.py"):
        own = path.stem.removesuffix("_page") + "_page"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert node.module in shared or node.module == own, (path.name, node.module)


def test_a_function_returning_several_values_is_judged_value_by_value():
    fb = op_ex.check_adam_step(lambda *a, **k: _adam(*a, **k)[:2])
    assert "must return the tuple (w, m, v); it returned a tuple of 2" in fb.message

    def v_flat(*a, **k):
        w, m, v = _adam(*a, **k)
        return w, m, np.ravel(v)[:1]

    assert "your adam_step's v on test input" in op_ex.check_adam_step(v_flat).message


CHAPTERS = ["why_gradients", "chain_rule", "worked_example", "l_layers", "vanishing_exploding",
            "dead_neurons", "optimizers", "gradient_checking", "alternatives", "practical_tips"]


def _listed_diagnoses(monkeypatch):
    """(checker, wrong answer, message) for every diagnosis every chapter's checkers list."""
    import importlib

    out = []
    for chapter in CHAPTERS:
        module = importlib.import_module(f"backprop_lib.exercises.{chapter}")
        for name in dir(module):
            checker = getattr(module, name)
            if not name.startswith("check_") or checker.__module__ != module.__name__:
                continue
            seen = []
            with monkeypatch.context() as patch:
                for helper in ("check_scalar", "check_count", "check_array", "check_function"):
                    if hasattr(module, helper):
                        real = getattr(module, helper)

                        def spy(*args, _real=real, _seen=seen, **kwargs):
                            _seen.extend(kwargs.get("diagnoses", ()))
                            return _real(*args, **kwargs)

                        patch.setattr(module, helper, spy)
                try:
                    checker(None)
                except TypeError:  # a checker of two answers
                    pass
            out += [(checker, wrong, message) for wrong, message in seen]
    return out


def test_every_listed_diagnosis_is_the_message_its_mistake_gets(monkeypatch):
    listed = _listed_diagnoses(monkeypatch)
    assert len(listed) >= 90, len(listed)  # 93 when written
    for checker, wrong, message in listed:
        assert checker(wrong).message == message, (checker.__name__, message)


def test_the_checkers_own_references_agree_with_the_library():
    from backprop_lib import losses

    rng = np.random.default_rng(0)
    A, Y, Z = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(ll_ex.softmax(Z), losses.softmax(Z), rtol=1e-13, atol=0)
    fb = gc_ex.check_mse_gradient(losses.mse_gradient)
    assert fb.ok, fb
    assert "planted bug's derivative" in gc_ex.check_mse_gradient(losses.half_mse_gradient).message
    np.testing.assert_allclose(losses.mse_gradient(A, Y), 2 * (A - Y) / A.size, rtol=1e-13)
