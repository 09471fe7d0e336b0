"""Checkers of chapter "Optimizers": each accepts its reference solution and names typical slips."""

import numpy as np
import pytest
from test_claims_optimizers import _vector_tail

from backprop_lib import heavy_ball as hb
from backprop_lib.exercises import optimizers as ex

# ---------------------------------------------------------------- 1. the uncorrected first step

W0 = 0.001  # the exercise's start


def first_w(g=2 * W0, inside=True):
    m, v = 0.1 * g, 0.001 * g * g
    return W0 - 0.1 * m / (np.sqrt(v + 1e-8) if inside else np.sqrt(v) + 1e-8)


def test_first_step_accepts_the_hand_computation():
    assert ex.FIRST_STEP["w0"] == W0
    assert ex.check_uncorrected_first_step(first_w()).ok
    assert ex.check_uncorrected_first_step(float(f"{first_w():.5g}")).ok
    assert ex.check_uncorrected_first_step(float(f"{first_w():.6g}")).ok  # rtol 1e-4


def test_first_step_depends_on_the_gradient_and_on_eps():
    """From w = 1 a wrong gradient or eps outside gave the same w to 1e-6; not here."""
    for wrong in (first_w(g=1.0), first_w(g=2.0), first_w(g=W0), first_w(inside=False)):
        assert abs(wrong / first_w() - 1) > 1e-3


def test_first_step_unanswered_is_not_yet():
    assert str(ex.check_uncorrected_first_step(None)).startswith("Not yet: no answer yet")


@pytest.mark.parametrize("wrong, words", [
    (W0 - 0.1, "bias-corrected"),                     # step of exactly lr
    (2 * W0 - first_w(), "uphill"),                   # w + step
    (W0 - 0.1 * 2e-4 / (4e-9 + 1e-8), "square root"),  # divided by v + eps, not its root
    (first_w(g=1.0), "not 1"),                        # the derivative forgotten
    (first_w(g=2.0), "not 1 or 2"),                        # the gradient at w = 1
    (first_w(g=W0), "2 w"),                           # g = w
    (W0 - 0.1 * 2e-4 / np.sqrt(4e-9), "without eps"),  # eps left out (review 8, m2)
    (-0.31523, "did you leave it out"),                 # the same, as the reviewer typed it
    (first_w(inside=False), "eps outside"),
    (W0 - 0.1 * 2e-3 / np.sqrt(4e-9 + 1e-8), "(1 - beta1) g, not g"),   # m = g
    (W0 - 0.1 * 2e-4 / np.sqrt(4e-6 + 1e-8), "(1 - beta2) g^2, not g^2"),  # v = g^2
    (W0 - 0.1 * 2e-3 / np.sqrt(4e-6 + 1e-8), "m = g and v = g^2"),   # both, eps inside
    (first_w() - W0, "change of w"),                  # the step, not w after it
    (float(f"{first_w():.4g}"), "four significant digits"),  # asked for five
    (0.5, "not right yet"),
    ("0.68", "number"),
])
def test_first_step_names_the_slip(wrong, words):
    fb = ex.check_uncorrected_first_step(wrong)
    assert not fb.ok and words in fb.message
    assert f"{first_w():.4f}" not in str(fb)  # never gives the answer away


# ---------------------------------------------------------------- 2. one Adam step


def adam_step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_adam_step_accepts_a_correct_implementation():
    assert ex.check_adam_step(adam_step).ok


def test_reference_step_matches_the_formula():
    rng = np.random.default_rng(3)
    w, g = rng.standard_normal(4), rng.standard_normal(4)
    m, v = 0.1 * rng.standard_normal(4), rng.uniform(0.01, 0.02, 4)
    got = ex.reference_adam_step(w, g, m, v, 7, lr=0.02)
    want = adam_step(w, g, m, v, 7, lr=0.02)
    for a, b in zip(got, want, strict=True):
        assert np.allclose(a, b, rtol=1e-13, atol=0)


def no_correction(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return w - lr * m / (np.sqrt(v) + eps), m, v


def eps_inside(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v


def uphill(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    new_w, m, v = adam_step(w, g, m, v, t, lr, beta1, beta2, eps)
    return 2 * w - new_w, m, v


def t_plus_one(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1 ** (t + 1)), v / (1 - beta2 ** (t + 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def raises(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    raise ValueError("boom")


def in_place(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g**2
    w -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w, m, v


def returns_hats(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    new_w, m, v = adam_step(w, g, m, v, t, lr, beta1, beta2, eps)
    return new_w, m / (1 - beta1**t), v / (1 - beta2**t)


def epsilon_hat(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    rate = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return w - rate * m / (np.sqrt(v) + eps), m, v


def stub(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    raise NotImplementedError


@pytest.mark.parametrize("fn, words", [
    (no_correction, "no bias correction"),
    (eps_inside, "eps is inside"),
    (uphill, "uphill"),
    (t_plus_one, "wrong power"),
    (raises, "raised ValueError"),
    (in_place, "in place"),
    (returns_hats, "m_hat and v_hat"),
    (epsilon_hat, "epsilon hat"),
    (stub, "not written yet"),
    (42, "must be a function"),
])
def test_adam_step_names_the_slip(fn, words):
    fb = ex.check_adam_step(fn)
    assert not fb.ok and words in fb.message


def typed_in(*names, beta1_in_correction=None, beta2_in_correction=None):
    """adam_step with the default typed in for the arguments `names`, or in one bias
    correction only (review 8, C1: m / (1 - 0.9**t) passed a checker that never changed
    beta1)."""
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        given = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
        h = {k: (0.01, 0.9, 0.999, 1e-8)[i] if k in names else given[k]
             for i, k in enumerate(given)}
        c1, c2 = beta1_in_correction or h["beta1"], beta2_in_correction or h["beta2"]
        m = h["beta1"] * m + (1 - h["beta1"]) * g
        v = h["beta2"] * v + (1 - h["beta2"]) * g**2
        return w - h["lr"] * (m / (1 - c1**t)) / (np.sqrt(v / (1 - c2**t)) + h["eps"]), m, v
    return step


def test_adam_step_calls_with_other_hyperparameters_by_position_and_by_keyword():
    """The checker passes other lr, beta1, beta2 and eps, by position and by keyword: a
    function that records its calls sees them (a checker that only calls fn(w, g, m, v, t)
    would pass a function that types the defaults in)."""
    seen = []

    def recording(w, g, m, v, t, *args, **kwargs):
        seen.append((args, kwargs))
        return adam_step(w, g, m, v, t, *args, **kwargs)

    assert ex.check_adam_step(recording).ok
    others = set(ex.HYPER_OTHER.items())
    assert any(len(a) == 4 and set(zip(ex.HYPER_OTHER, a, strict=True)) == others
               for a, _ in seen)
    for name, value in ex.HYPER_OTHER.items():
        assert any(k == {name: value} for _, k in seen), name
    assert any(set(k.items()) == others for _, k in seen)
    assert all(v != ex.HYPER_DEFAULTS[k] for k, v in ex.HYPER_OTHER.items())


@pytest.mark.parametrize("fn, words", [
    (typed_in("lr", "beta1", "beta2", "eps"), "ignores its lr, beta1, beta2 and eps arguments"),
    (typed_in("lr"), "ignores its lr argument"),
    (typed_in("eps"), "ignores its eps argument"),
    (typed_in(beta1_in_correction=0.9), "ignores its beta1 argument"),  # m / (1 - 0.9**t)
    (typed_in(beta2_in_correction=0.999), "ignores its beta2 argument"),
    (typed_in("beta2"), "ignores its beta2 argument"),
])
def test_adam_step_names_an_ignored_hyperparameter(fn, words):
    fb = ex.check_adam_step(fn)
    assert not fb.ok and words in fb.message, fb


def swapped_betas(w, g, m, v, t, lr=0.01, beta2=0.999, beta1=0.9, eps=1e-8):
    return adam_step(w, g, m, v, t, lr, beta1, beta2, eps)


def other_names(w, g, m, v, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    return adam_step(w, g, m, v, t, lr, b1, b2, eps)


def keyword_only(w, g, m, v, t, *, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_step(w, g, m, v, t, lr, beta1, beta2, eps)


def variant(correct_m=True, correct_v=True, square=np.square, with_eps=True):
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * square(g)
        m_hat = m / (1 - beta1**t) if correct_m else m
        v_hat = v / (1 - beta2**t) if correct_v else v
        return w - lr * m_hat / (np.sqrt(v_hat) + (eps if with_eps else 0)), m, v
    return step


@pytest.mark.parametrize("fn, words", [
    (swapped_betas, "not by position"),
    (keyword_only, "not by position"),
    (other_names, "not by keyword"),
    (variant(correct_v=False), "you correct m but not v"),   # review 8, m2
    (variant(correct_m=False), "you correct v but not m"),
    (variant(square=np.abs), "not of |g|"),
    (variant(with_eps=False), "eps is missing"),
])
def test_adam_step_names_more_slips(fn, words):
    fb = ex.check_adam_step(fn)
    assert not fb.ok and words in fb.message, fb


def behind(held=False):
    """The bias correction with t - 1 in place of t (review 9, m9); held: max(t - 1, 1)."""
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        p = max(t - 1, 1) if held else t - 1
        m_hat, v_hat = m / (1 - beta1**p), v / (1 - beta2**p)  # p = 0: 0 / 0, NaN
        return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    return step


def traded(averages=True, corrections=True):
    """beta1 and beta2 traded in the moving averages, the corrections, or both (review 9, m9)."""
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        a1, a2 = (beta2, beta1) if averages else (beta1, beta2)
        c1, c2 = (beta2, beta1) if corrections else (beta1, beta2)
        m = a1 * m + (1 - a1) * g
        v = a2 * v + (1 - a2) * g**2
        return w - lr * (m / (1 - c1**t)) / (np.sqrt(v / (1 - c2**t)) + eps), m, v
    return step


@pytest.mark.parametrize("fn, words", [
    (behind(), "uses t - 1:"),
    (behind(held=True), "uses t - 1 after the first step"),
    (traded(), "beta1 and beta2 have traded places:"),
    (traded(corrections=False), "traded places in the moving averages"),
    (traded(averages=False), "traded places in the bias correction"),
])
def test_adam_step_names_t_minus_one_and_traded_betas(fn, words):
    with np.errstate(all="ignore"):
        fb = ex.check_adam_step(fn)
    assert not fb.ok and words in fb.message, fb


def test_adam_step_unanswered():
    assert str(ex.check_adam_step(None)).startswith("Not yet: no answer yet")


# ---------------------------------------------------------------- 3. the equivalent lr


def test_equivalent_lr_accepts_lr_times_one_minus_beta_and_verifies_by_running():
    fb = ex.check_equivalent_lr(0.05 * (1 - 0.9))
    assert fb.ok and "within 1e-12" in fb.message


@pytest.mark.parametrize("wrong, words", [
    (0.5, "wrong way"),
    (0.045, "(1 - beta), not beta"),
    (0.05, "1 / (1 - beta) times larger"),
    (0.02, "not right yet"),
    (None, "no answer yet"),
])
def test_equivalent_lr_names_the_slip(wrong, words):
    fb = ex.check_equivalent_lr(wrong)
    assert not fb.ok and words in fb.message


# ---------------------------------------------------------------- 4. predict: a larger beta


def test_beta_prediction_accepts_what_the_computation_shows():
    low, high = ex.beta_overshoots()
    truth = "increases" if high > low else "decreases"
    assert truth == "increases"  # the chapter's solution relies on it
    fb = ex.check_beta_prediction(truth)
    assert fb.ok and f"{high:.3f}" in fb.message
    assert ex.check_beta_prediction("  Increases ").ok


@pytest.mark.parametrize("wrong, words", [
    ("decreases", "look at the momentum figure"),
    ("up", "one of"),
    (1, "one of"),
    (None, "no answer yet"),
])
def test_beta_prediction_rejects_the_rest(wrong, words):
    fb = ex.check_beta_prediction(wrong)
    assert not fb.ok and words in fb.message


# ---------------------------------------------------------------- 5. explore Figures 1 and 2
# (review 8, m5: Exercise 5 had no answer, no checker and no solution)

FIGURE_1_RATES = (0.001, 0.003, 0.01, 0.03, 0.09, 0.1, 0.3)  # Figure 1's slider


def test_figure_1_rates_are_the_figures():
    from backprop_lib.figures import optimizers as fo
    assert tuple(fo.ZIGZAG_GRID) == FIGURE_1_RATES and fo.CONDITION == 20.0


def test_largest_sgd_rate_is_the_last_below_two_over_kappa_and_runs_confirm_it():
    expected = max(x for x in FIGURE_1_RATES if abs(1 - 20 * x) < 1)
    assert expected == 0.09 and ex.largest_converging_sgd_rate() == expected
    assert ex.check_largest_sgd_rate(expected).ok and ex.check_largest_sgd_rate([0.09]).ok
    w = {}
    for lr in (0.09, 0.1):  # by hand: SGD on (w1^2 + 20 w2^2) / 2 from (-4, 1), 100 steps
        w1, w2 = -4.0, 1.0
        for _ in range(100):
            w1, w2 = w1 - lr * w1, w2 - lr * 20 * w2
        w[lr] = (w1, w2)
    assert abs(w[0.09][1]) < 1e-4 and abs(w[0.1][1]) == 1.0  # 0.1 bounces for ever


@pytest.mark.parametrize("wrong, words", [
    (0.1, "neither converges nor diverges"),
    (0.3, "diverges"),
    (0.05, "1/kappa"),
    (0.03, "larger rates"),
    (0.001, "larger rates"),
    (0.2, "not right yet"),
    (None, "no answer yet"),
    ("0.09", "string"),
])
def test_largest_sgd_rate_names_the_slip(wrong, words):
    fb = ex.check_largest_sgd_rate(wrong)
    assert not fb.ok and words in fb.message, fb


def _rosenbrock_ends():
    """f - f* after 500 steps on Rosenbrock's valley, each optimizer at its best rate of
    Figure 1, by the claims tests' own implementation of the rules (the worst over the last
    500 // 500 = 1 step is the last step's)."""
    names = {"sgd": "SGD", "momentum": "Momentum", "rmsprop": "RMSprop", "adam": "Adam"}
    return {c: float(_vector_tail(n, FIGURE_1_RATES, "rosenbrock", 500, tail=500).min())
            for c, n in names.items()}


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_rosenbrock_pair_is_momentum_and_adam_far_ahead_of_the_others():
    ends = _rosenbrock_ends()
    ranked = sorted(ends, key=ends.get)
    assert set(ranked[:2]) == {"momentum", "adam"}
    assert ends[ranked[2]] > 100 * ends[ranked[1]]  # 'far closer'
    got = ex.rosenbrock_bests()
    for name, gap in ends.items():
        assert got[name][1] == pytest.approx(gap, rel=1e-6)
    for pair in [("momentum", "adam"), ("Adam", " Momentum "), ("heavy ball", "adam")]:
        fb = ex.check_rosenbrock_pair(*pair)
        assert fb.ok and "neither figure" in fb.message, fb


@pytest.mark.parametrize("pair, words", [
    (("sgd", "adam"), "SGD is not one of the two"),
    (("momentum", "rmsprop"), "RMSprop is not one of the two"),
    (("sgd", "rmsprop"), "SGD and RMSprop are not the two"),
    (("adam", "adam"), "two different"),
    ((None, "adam"), "no answer yet"),
    (("adam", None), "no answer yet"),
    (("lion", "adam"), "one of"),
    ((["adam"], "momentum"), "one string"),
    ((np.array(["adam", "sgd"]), "momentum"), "one string"),
    ((b"adam", "momentum"), "bytes"),
    ((1, 2), "one of"),
    ((float("nan"), "adam"), "one of"),
])
def test_rosenbrock_pair_names_the_slip_and_never_raises(pair, words):
    fb = ex.check_rosenbrock_pair(*pair)
    assert not fb.ok and words in fb.message, fb


# ---------------------------------------------------------------- 6. the best momentum beta


@pytest.mark.slow  # every frame drawn or many cases: make test, not make fast
def test_optimal_beta_accepts_the_formula_and_a_brute_force_optimum():
    root = np.sqrt(ex.OPTIMAL_BETA["L"] / ex.OPTIMAL_BETA["mu"])
    assert ex.check_optimal_beta(((root - 1) / (root + 1)) ** 2).ok
    # independent of the formula: the beta of the smallest worst-case rate on a fine grid
    lam = [ex.OPTIMAL_BETA["mu"], ex.OPTIMAL_BETA["L"]]
    best = min((hb.heavy_ball_rate(a, b, lam), b) for a in np.linspace(0.02, 0.05, 61)
               for b in np.linspace(0.5, 0.8, 301))
    assert ex.check_optimal_beta(best[1]).ok or abs(best[1] - 0.669) < 0.002


@pytest.mark.parametrize("wrong, words", [
    (0.8182, "sqrt(beta), the rate"),
    (0.9802, "gradient descent's rate"),
    (0.9608, "uses kappa where the root"),
    (0.9, "common default"),
    (0.03306, "best learning rate"),
    (0.1818, "1 - sqrt(beta)"),
    (0.3, "not right yet"),
    (None, "no answer yet"),
])
def test_optimal_beta_names_the_slip(wrong, words):
    fb = ex.check_optimal_beta(wrong)
    assert not fb.ok and words in fb.message
    assert "0.669" not in fb.message  # never gives the answer away
