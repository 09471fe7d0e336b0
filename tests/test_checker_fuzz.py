"""Every exercise checker, fed a generated corpus of answers: the right answer in every form
a learner may give it, and wrong answers of every kind. Each verdict must be right, and no
call may raise. The right answers are computed here, independently of the checkers'
references (closed forms, hand-written formulas)."""

from __future__ import annotations

import math
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
from backprop_lib.exercises import practical_tips as pt_ex
from backprop_lib.exercises import vanishing_exploding as ve_ex
from backprop_lib.exercises import why_gradients as wg_ex
from backprop_lib.exercises import worked_example as we_ex
from backprop_lib.exercises.checking import Feedback
from backprop_lib.figures.worked_example import worked_network

# A checker's own warnings would print in the notebook under the verdict; the learner's
# NaN warnings are silenced by the checker.
pytestmark = pytest.mark.filterwarnings("error")


class Tensor:
    """What a CPU torch tensor offers the checkers: __array__ and .item()."""

    def __init__(self, value):
        self.value = np.asarray(value)

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def item(self):
        return self.value.item()


class GradTensor(Tensor):
    """A tensor with requires_grad: __array__ fails, .item() works."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")


def sigma(z):
    return 1 / (1 + np.exp(-z))


def _output_error():
    net, X, Y = worked_network()
    p = net.params
    A1 = sigma(p["W1"] @ X + p["b1"])
    A2 = sigma(p["W2"] @ A1 + p["b2"])
    return float(((A2 - Y) * A2 * (1 - A2))[0, 0])


def _scalar_chain():
    u = cr_ex.UNIT
    a = sigma(u["w"] * u["x"] + u["b"])
    return (a - u["y"]) * a * (1 - a) * u["x"]


SCALARS = {  # checker: the right answer by a closed form
    "cos2": (wg_ex.check_expected_cos2, 1 / 400),
    "decrease": (wg_ex.check_first_order_decrease, 0.1 * (3 ** 2 + 4 ** 2)),
    "scalar_chain": (cr_ex.check_scalar_chain, _scalar_chain()),
    "hidden_z": (we_ex.check_hidden_z, 0.20 * 0.5 + 0.30 * 0.8 + 0.35),
    "output_error": (we_ex.check_output_error, _output_error()),
    "chain_factor": (ve_ex.check_chain_factor, 2.0 * 0.5 * 3.0 * 1.5 * 4.0 / 4 ** 5),
    # from w = 0.001: g = 0.002, m = 0.1 g, v = 0.001 g^2, eps inside the root
    "first_step": (op_ex.check_uncorrected_first_step,
                   0.001 - 0.1 * 0.0002 / math.sqrt(0.001 * 0.002 ** 2 + 1e-8)),
    "equivalent_lr": (op_ex.check_equivalent_lr, 0.05 * (1 - 0.9)),
    # the largest rate of Figure 1's slider with |1 - lr kappa| < 1 (kappa = 20)
    "largest_sgd_rate": (op_ex.check_largest_sgd_rate,
                         max(x for x in (0.001, 0.003, 0.01, 0.03, 0.09, 0.1, 0.3)
                             if abs(1 - 20 * x) < 1)),
    "central": (gc_ex.check_central_difference, (2.1 ** 3 - 1.9 ** 3) / 0.2),
}

_Z = dn_ex.LAYER_W @ dn_ex.LAYER_X + dn_ex.LAYER_B
COUNTS = {
    "forward_cost": (ll_ex.check_forward_cost, 7 * (5 * 3 + 2 * 5)),
    "fd_passes": (alt_ex.check_fd_passes, 2 * ((3 * 2 + 3) + (1 * 3 + 1))),
    "dead_count": (dn_ex.check_dead_count, sum(all(z <= 0 for z in row) for row in _Z)),
    "path_count": (cr_ex.check_path_count, 3 * 3),
}


def scalar_forms(x):
    """The right number in every form a learner may give it."""
    return [x, float(x), np.float64(x), np.float32(x), np.longdouble(x), np.array(x),
            np.array([x]), np.array([[x]]), [x], (x,), Fraction(x), Decimal(repr(float(x))),
            complex(x, 0), np.complex128(x), Tensor(x), Tensor([x]), GradTensor(x),
            np.array(x, dtype=object), np.array(x, dtype=np.float32)]


def count_forms(n):
    return [n, int(n), np.int64(n), np.int32(n), np.int16(n), np.uint16(n), float(n),
            np.float64(n), np.float32(n), np.array(n), np.array([n]), [n], Fraction(n),
            Decimal(n), complex(n, 0), Tensor(n), GradTensor(n), np.array([[n]])]


def bad_numbers(x):
    """Answers that are not one real number: (answer, words the message must contain)."""
    return [
        (None, "no answer"),
        (str(x), "not a string"), ("1/400", "not a string ('1/400' -> 1/400)"),
        ([str(x)], "not a string"), (np.array(["x"]), "not a string"), (b"0.5", "not bytes"),
        (True, "truth value"), (False, "truth value"), (np.bool_(True), "truth value"),
        (np.array([True]), "True/False"),
        (float("nan"), "NaN"), (np.nan, "NaN"), (float("inf"), "infinite"),
        (-np.inf, "infinite"), ([np.nan], "NaN"),
        (10 ** 400, "too large"), (-(10 ** 400), "too large"), ([10 ** 400], "too large"),
        (Fraction(10 ** 400, 3), "too large"), (Decimal("1e400"), "too large"),
        (Decimal("-Infinity"), "infinite"),
        (Decimal("NaN"), "NaN"),
        (np.datetime64("2024-01-01"), "date"), (np.timedelta64(3, "D"), "date"),
        (complex(x, 1.0), "complex"), (np.complex128(complex(x, -2)), "complex"),
        ([x, x], "shape"), (np.array([x, x, x]), "shape"), (np.zeros((2, 2)), "shape"),
        ([], "shape"), (np.array([]), "shape"),
        ({x}, "set"), ({"a": x}, "dict"), (object(), "object"), ([[1], [1, 2]], "unequal"),
        (lambda: x, "function"), (Tensor([x, x]), "shape"),
    ]


def _assert_clean(fb, answer):
    assert isinstance(fb, Feedback), (answer, fb)
    lower = fb.message.lower()
    assert not lower.startswith(("not yet", "correct")), fb  # never "Not yet: not yet:"
    assert "traceback" not in lower


def _corpus_numbers():
    cases = []
    for key, (check, x) in SCALARS.items():
        for form in scalar_forms(x):
            cases.append((key, check, form, True, None))
        for bad, words in bad_numbers(x):
            cases.append((key, check, bad, False, words))
        cases.append((key, check, 1.5 * x + 0.37, False, "not right yet"))
        cases.append((key, check, -x, False, None))
        cases.append((key, check, 2 * x, False, None))
    for key, (check, n) in COUNTS.items():
        for form in count_forms(n):
            cases.append((key, check, form, True, None))
        for bad, words in bad_numbers(float(n)):
            cases.append((key, check, bad, False, words))
        cases.append((key, check, n + 0.4, False, "whole number"))
        cases.append((key, check, np.float32(n - 0.25), False, "whole number"))
        cases.append((key, check, n + 1, False, None))
        cases.append((key, check, -n, False, None))
    return cases


NUMBER_CASES = _corpus_numbers()


@pytest.mark.parametrize("key, check, answer, ok, words", NUMBER_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NUMBER_CASES)])
def test_number_checkers(key, check, answer, ok, words):
    fb = check(answer)
    _assert_clean(fb, answer)
    assert fb.ok is ok, (answer, fb)
    if words:
        assert words in fb.message, (answer, fb)
    if not ok and key in SCALARS and not isinstance(answer, (str, list)):
        assert f"{SCALARS[key][1]:.4g}" not in fb.message  # never gives the answer away


# ---------------------------------------------------------------- standardized (an array)

_MEAN = pt_ex.X_TRAIN.mean(axis=1, keepdims=True)
_STD = np.sqrt(((pt_ex.X_TRAIN - _MEAN) ** 2).mean(axis=1, keepdims=True))
STANDARDIZED = (pt_ex.X_NEW - _MEAN) / _STD


@pytest.mark.parametrize("answer", [STANDARDIZED, STANDARDIZED.tolist(),
                                    STANDARDIZED.astype(np.float32), Tensor(STANDARDIZED),
                                    STANDARDIZED + 0j, [[Fraction(v)] for v in STANDARDIZED[:, 0]]])
def test_standardized_accepts_every_form(answer):
    assert pt_ex.check_standardized(answer).ok


@pytest.mark.parametrize("answer, words", [
    (STANDARDIZED + 1j, "complex"), (STANDARDIZED.ravel(), "shape"), (STANDARDIZED.T, "shape"),
    ("[[0.1], [0.2]]", "not a string"), (np.full((2, 1), np.nan), "NaN"),
    (STANDARDIZED > 0, "True/False"), ([[10 ** 400], [1]], "too large"), (None, "no answer"),
    (-STANDARDIZED, "sign"), (STANDARDIZED * 3, "not right yet"),
])
def test_standardized_refuses_with_a_message(answer, words):
    fb = pt_ex.check_standardized(answer)
    _assert_clean(fb, answer)
    assert not fb.ok and words in fb.message, fb


# ---------------------------------------------------------------- the shape of dW2

SHAPE_RIGHT = [(2, 5), [2, 5], np.array([2, 5]), (np.int64(2), 5), (2.0, 5.0),
               np.array([2.0, 5.0]), (np.int32(2), np.int64(5)), (np.float64(2), 5)]
SHAPE_WRONG = [
    ("25", "tuple"), ("(2, 5)", "tuple"), ({2, 5}, "tuple"), ({2: 0, 5: 0}, "tuple"),
    (b"\x02\x05", "tuple"), ((2.7, 5.2), "whole number"), ((2.0, 5.5), "whole number"),
    ((5, 2), "transpose"), ((2, 5, 1), "3 entries"), ((2,), "1 entries"), (25, "tuple"),
    (None, "no answer"), ((True, 5), "True"), ((math.inf, 5), "whole number"),
    ((math.nan, 5), "whole number"), ((10 ** 400, 5), "dW{l} has the shape"),
    (np.array([[2, 5]]), "tuple"), (("2", "5"), "whole number"), (((2,), (5,)), "whole number"),
    ((2, 7), "one column per example"), ((2, 1), "db"), ((3, 5), "dW{l} has the shape"),
    ((2 + 0j, 5), "whole number"), (np.datetime64("2020"), "tuple"), (2.5, "tuple"),
]


@pytest.mark.parametrize("answer", SHAPE_RIGHT)
def test_dW_shape_accepts_two_integers(answer):
    assert ll_ex.check_dW_shape(answer).ok


@pytest.mark.parametrize("answer, words", SHAPE_WRONG)
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_dW_shape_refuses_anything_else(answer, words):
    fb = ll_ex.check_dW_shape(answer)
    _assert_clean(fb, answer)
    assert not fb.ok and words in fb.message, fb


# ---------------------------------------------------------------- text choices

SINGLE_CHOICES = {  # checker: (the measured truth, a wrong option, a synonym of the truth)
    "zeros": (ll_ex.check_zeros_prediction, "stays where it started", "diverges", "stays"),
    "we_lr": (we_ex.check_lr_prediction, "lower than before the step",
              "higher than before the step", "lower"),
    "clip": (ve_ex.check_clip_prediction, "unchanged", "increases", "stays the same"),
    "dead_lr": (dn_ex.check_lr_prediction, "more", "fewer", "more dead"),
    "beta": (op_ex.check_beta_prediction, "increases", "decreases", "grows"),
}


def choice_forms(truth, synonym):
    return [truth, truth.upper(), f"  {truth}\n", truth.title(), "  ".join(truth.split(" ")),
            np.str_(truth), f"\t{truth.capitalize()} ", synonym, synonym.upper()]


def bad_choices(truth):
    return [(None, "no answer"), ("lots", "one of"), ("", "one of"), (np.array([truth, truth]),
            "one string"), ([truth], "one string"), ((truth,), "one string"),
            ({truth}, "one string"), (truth.encode(), "not bytes"), (1, "one of"),
            (3.0, "one of"), (True, "one of"), (np.array(truth), "one of"), (object(), "one of"),
            (f"{truth}!", "one of")]


def _corpus_choices():
    cases = []
    for key, (check, truth, wrong, synonym) in SINGLE_CHOICES.items():
        cases += [(key, check, a, True, None) for a in choice_forms(truth, synonym)]
        cases += [(key, check, a, False, w) for a, w in bad_choices(truth)]
        cases += [(key, check, wrong, False, None), (key, check, wrong.upper(), False, None)]
    return cases


CHOICE_CASES = _corpus_choices()


@pytest.mark.parametrize("key, check, answer, ok, words", CHOICE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CHOICE_CASES)])
@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_choice_checkers(key, check, answer, ok, words):
    fb = check(answer)
    _assert_clean(fb, answer)
    assert fb.ok is ok, (answer, fb)
    if words:
        assert words in fb.message, (answer, fb)
    if not ok and words is None:  # a valid wrong choice gets a hint, not the usage message
        assert "one of" not in fb.message


MULTI = {  # checker: the right answers as keyword arguments
    "doubling": (wg_ex.check_doubling, {"random_search": "double", "gradient_descent": "same"}),
    "depth": (cr_ex.check_depth_growth, {"naive": "multiply", "backprop": "add"}),
    "one_scalar": (pt_ex.check_one_scalar_prediction,
                   {"squeezed": "feature 1", "accuracy": "lower"}),
}


def _corpus_multi():
    cases = []
    for key, (check, right) in MULTI.items():
        names = list(right)
        cases.append((key, check, right, True))
        cases.append((key, check, {k: f" {v.upper()} " for k, v in right.items()}, True))
        for name in names:
            for bad in (None, "lots", np.array([right[name]] * 2), [right[name]], b"x", 2.0,
                        True, {right[name]}):
                cases.append((key, check, {**right, name: bad}, False))
        cases.append((key, check, {names[0]: right[names[1]], names[1]: right[names[0]]},
                      False))
    return cases


MULTI_CASES = _corpus_multi()


@pytest.mark.parametrize("key, check, answers, ok", MULTI_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(MULTI_CASES)])
def test_multi_choice_checkers(key, check, answers, ok):
    fb = check(**answers)
    _assert_clean(fb, answers)
    assert fb.ok is ok, (answers, fb)


PAIRS = {
    "scaling": (gc_ex.check_scaling_prediction, ("grows", "stays the same")),
    "passes": (alt_ex.check_pass_prediction, ("stays the same", "doubles")),
}


def _corpus_pairs():
    cases = []
    for key, (check, (a, b)) in PAIRS.items():
        for right in [(a, b), [a, b], np.array([a, b]), (a.upper(), f" {b} "),
                      ("  ".join(a.split()), b)]:
            cases.append((key, check, right, True))
        for bad in [None, a, (a,), (a, b, a), (b, a), (a, "lots"), (a, None), (1, 2),
                    np.array([a]), {a, b}, f"({a!r}, {b!r})", (a.encode(), b)]:
            cases.append((key, check, bad, False))
    return cases


PAIR_CASES = _corpus_pairs()


@pytest.mark.parametrize("key, check, answer, ok", PAIR_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(PAIR_CASES)])
def test_pair_checkers(key, check, answer, ok):
    fb = check(answer)
    _assert_clean(fb, answer)
    assert fb.ok is ok, (answer, fb)


# ---------------------------------------------------------------- function checkers


def _adam(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


def _bn_input_grad(d, Z, gamma, eps=1e-5):
    m = Z.shape[1]
    inv = 1 / np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    Zhat = (Z - Z.mean(axis=1, keepdims=True)) * inv
    dZhat = gamma * d
    return inv / m * (m * dZhat - dZhat.sum(axis=1, keepdims=True)
                      - Zhat * (dZhat * Zhat).sum(axis=1, keepdims=True))


def _softmax_cols(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / np.einsum("ij->j", E)


def _relative_error(g, n):
    d = np.sqrt(np.sum(g ** 2)) + np.sqrt(np.sum(n ** 2))
    return 0.0 if d == 0 else float(np.sqrt(np.sum((g - n) ** 2)) / d)


FUNCTIONS = {  # checker: a right implementation written here
    "squared_cosine": (wg_ex.check_squared_cosine,
                       lambda u, g: float(np.einsum("i,i", u, g) ** 2
                                          / (np.einsum("i,i", u, u) * np.einsum("i,i", g, g)))),
    "hidden_backward": (cr_ex.check_hidden_backward,
                        lambda W2, dZ2, Z1: np.einsum("ji,jm->im", W2, dZ2) * sigma(Z1)
                        * (1 - sigma(Z1))),
    "hidden_error": (we_ex.check_hidden_error,
                     lambda W2, dZ2, A1: np.einsum("ji,jm->im", W2, dZ2) * A1 * (1 - A1)),
    "weight_gradient": (ll_ex.check_weight_gradient,
                        lambda dZ, A: np.einsum("im,jm->ij", dZ, A)),
    "softmax_error": (ll_ex.check_softmax_error,
                      lambda Z, Y: (_softmax_cols(Z) - Y) / Z.shape[1]),
    "clip": (ve_ex.check_clip,
             lambda g, c: g * min(1.0, c / math.sqrt(float(np.sum(g * g))))),
    "residual": (ve_ex.check_residual_backward,
                 lambda dA, W, Z: np.einsum("ji,jm->im", W, dA / np.cosh(Z) ** 2) + dA),
    "dead_mask": (dn_ex.check_dead_mask, lambda Z: np.max(Z, axis=1) <= 0),
    "adam": (op_ex.check_adam_step, _adam),
    "relative_error": (gc_ex.check_relative_error, _relative_error),
    "mse_gradient": (gc_ex.check_mse_gradient,
                     lambda A, Y: 2 * (A - Y) / (A.shape[0] * A.shape[1])),
    "layer_tangent": (alt_ex.check_layer_tangent,
                      lambda W, b, A, dW, db, dA: np.einsum("ij,jm->im", dW, A)
                      + np.einsum("ij,jm->im", W, dA) + db),
    "es_estimate": (alt_ex.check_es_estimate,
                    lambda f, th, s, E: sum((f(th + s * e) - f(th - s * e)) * e for e in E)
                    / (2 * s * len(E))),
    "bn_param_grads": (pt_ex.check_bn_param_grads,
                       lambda d, Zh: (np.einsum("im,im->i", d, Zh)[:, None],
                                      np.einsum("im->i", d)[:, None])),
    "bn_input_grad": (pt_ex.check_bn_input_grad, _bn_input_grad),
}


def _map_output(fn, how):
    def wrapped(*args, **kwargs):  # chapter 7's adam_step is also called with keywords
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):
            return tuple(how(o) for o in out)
        return how(out)
    return wrapped


def right_forms(fn):
    return [fn, _map_output(fn, lambda o: np.asarray(o).tolist()),
            _map_output(fn, lambda o: np.asarray(o, dtype=np.float32)),
            _map_output(fn, lambda o: Tensor(o)),
            _map_output(fn, lambda o: np.asarray(o) + 0j)]


class LearnerError(Exception):
    pass


def _raises(exc):
    def fn(*args, **kwargs):
        raise exc
    return fn


def wrong_functions(fn):
    """Wrong functions: (function, words the message must contain)."""
    return [
        (None, "no answer"), (42, "must be a function"), ("fn", "must be a function"),
        (_raises(ValueError("shapes do not align")), "raised ValueError: shapes do not align"),
        (_raises(ZeroDivisionError("division by zero")), "raised ZeroDivisionError"),
        (_raises(KeyError("W1")), "raised KeyError"), (_raises(LearnerError("mine")),
                                                       "raised LearnerError: mine"),
        (_raises(RecursionError("deep")), "raised RecursionError"),
        (_raises(OverflowError("big")), "raised OverflowError"),
        (lambda: 0, "raised TypeError"),
        (lambda *a: None, "returned None"),
        (lambda *a: 10 ** 400, "too large"), (lambda *a: "0.5", "returned text"),
        (lambda *a: b"1", "returned text"),
        (lambda *a: True, None), (lambda *a: [["1"]], "not a string"),
        (lambda *a: np.zeros((7, 7)), "shape"), (lambda *a: {"x": 1}, "dict"),
        (lambda *a: (x for x in range(3)), "generator"),
        (_map_output(fn, lambda o: np.asarray(o) * np.nan), "NaN"),
        (_map_output(fn, lambda o: np.asarray(o) + 1j), "complex"),
        (_map_output(fn, lambda o: np.asarray(o) * 1.5 + 0.1), None),
        (_map_output(fn, lambda o: 10 ** 400), "too large"),
        (_map_output(fn, lambda o: None), "None"),
        (_map_output(fn, lambda o: np.zeros((9, 9))), "shape"),
        (lambda *a: np.datetime64("2020"), "date"),
    ]


def _corpus_functions():
    cases = []
    for key, (check, fn) in FUNCTIONS.items():
        cases += [(key, check, f, True, None) for f in right_forms(fn)]
        cases += [(key, check, f, False, w) for f, w in wrong_functions(fn)]
    return cases


FUNCTION_CASES = _corpus_functions()


@pytest.mark.parametrize("key, check, fn, ok, words", FUNCTION_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FUNCTION_CASES)])
def test_function_checkers(key, check, fn, ok, words):
    fb = check(fn)
    _assert_clean(fb, fn)
    assert fb.ok is ok, fb
    if words and key in ("adam", "bn_param_grads") and "must return the tuple" in fb.message:
        return  # these must return a tuple of arrays, and say so first
    if words:
        assert words in fb.message, fb


def test_the_corpus_is_large():
    total = (len(NUMBER_CASES) + len(CHOICE_CASES) + len(MULTI_CASES) + len(PAIR_CASES)
             + len(FUNCTION_CASES) + len(SHAPE_RIGHT) + len(SHAPE_WRONG) + 16)
    assert total > 1000, total
