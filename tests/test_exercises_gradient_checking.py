"""Every checker of chapter "Gradient checking" accepts its reference solution and rejects
typical wrong answers with the specific hint."""

import numpy as np

import backprop_lib as bp
from backprop_lib import losses, relative_error
from backprop_lib.exercises import gradient_checking as ex


def test_unanswered():
    for check in (ex.check_central_difference, ex.check_relative_error,
                  ex.check_scaling_prediction, ex.check_mse_gradient):
        assert str(check(None)).startswith("Not yet: no answer yet")


def test_central_difference():
    assert ex.check_central_difference((2.1 ** 3 - 1.9 ** 3) / 0.2).ok
    assert "forward difference" in str(ex.check_central_difference((2.1 ** 3 - 8) / 0.1))
    assert "backward difference" in str(ex.check_central_difference((8 - 1.9 ** 3) / 0.1))
    assert "exact derivative" in str(ex.check_central_difference(12.0))
    assert "twice" in str(ex.check_central_difference((2.1 ** 3 - 1.9 ** 3) / 0.1))
    assert not ex.check_central_difference(1.0).ok


def test_relative_error():
    assert ex.check_relative_error(relative_error).ok
    fb = ex.check_relative_error(lambda g, n: float(np.linalg.norm(g - n)))
    assert not fb.ok and "absolute difference" in fb.message
    fb = ex.check_relative_error(lambda g, n: float(np.linalg.norm(g - n) / np.linalg.norm(g)))
    assert not fb.ok  # 0/0 on the zero pair, or the over-||g|| hint
    def over_g(g, n):
        ng = np.linalg.norm(g)
        return 0.0 if ng == 0 else float(np.linalg.norm(g - n) / ng)
    assert "||g|| alone" in ex.check_relative_error(over_g).message
    def unstub(g, n):
        raise NotImplementedError
    assert "not written yet" in ex.check_relative_error(unstub).message


def test_scaling_prediction():
    assert ex.check_scaling_prediction(("grows", "stays the same")).ok
    assert "relative error again" in ex.check_scaling_prediction(("grows", "grows")).message
    assert "absolute difference again" in ex.check_scaling_prediction(
        ("stays the same", "stays the same")).message
    assert "pair of words" in ex.check_scaling_prediction("grows").message


def test_scaling_effect_is_measured():
    abs_ratio, rel_ratio = ex.scaling_effect(1000.0)
    assert 300 < abs_ratio < 3000 and 0.2 < rel_ratio < 5


def test_mse_gradient():
    # mean of (a - y)^2 over all n_L * m entries: dL/dA = 2 (A - Y) / (n_L m), written here
    # rather than passing losses.mse_gradient, which is the checker's own reference
    assert ex.check_mse_gradient(lambda A, Y: 2 * (A - Y) / (A.shape[0] * A.shape[1])).ok
    assert "planted bug's derivative" in ex.check_mse_gradient(losses.half_mse_gradient).message
    assert "A.size" in ex.check_mse_gradient(lambda A, Y: 2 * (A - Y) / A.shape[1]).message
    assert "sign is flipped" in ex.check_mse_gradient(lambda A, Y: 2 * (Y - A) / A.size).message


def test_forward_step():
    u = np.finfo(np.float64).eps / 2
    assert ex.check_forward_step(-8).ok and ex.check_forward_step(np.log10(np.sqrt(u))).ok
    assert ex.check_forward_step(-8.0).ok and ex.check_forward_step(np.int64(-8)).ok
    assert "central difference's best step" in ex.check_forward_step(-5).message
    assert "library's default" in ex.check_forward_step(-6).message
    assert "far too small" in ex.check_forward_step(-16).message
    assert "float32" in ex.check_forward_step(-4).message
    assert "negative" in ex.check_forward_step(8).message
    assert "not eps itself" in ex.check_forward_step(1e-8).message
    assert not ex.check_forward_step(-11).ok and not ex.check_forward_step(-9).ok
    assert str(ex.check_forward_step(None)).startswith("Not yet: no answer yet")


def test_the_forward_difference_is_best_near_sqrt_u():
    """The exercise's answer, measured on the chapter's network (that of Figure 1): the
    forward difference's error is smallest at 10^-8 on the grid 10^-12 .. 10^-1, it grows
    like eps to the right of it (a factor 10 per decade), and its best is worse than the
    central difference's, whose best step is larger."""
    from backprop_lib.figures import gradient_checking as gc

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 8)), rng.standard_normal((1, 8))
    net = bp.Network([3, 5, 1], ["tanh", "identity"], loss="half_mse", seed=1)
    before = {k: v.copy() for k, v in net.params.items()}
    forward = ex.forward_difference_errors(net, X, Y, gc.EPS_VALUES)
    assert all(np.array_equal(before[k], net.params[k]) for k in before)  # restored
    best = gc.EPS_VALUES[int(np.argmin(forward))]
    assert np.isclose(np.log10(best), -8, rtol=0, atol=0.01)
    right = forward[list(gc.EPS_VALUES).index(1e-6):list(gc.EPS_VALUES).index(1e-2)]
    assert np.allclose(right[1:] / right[:-1], 10, rtol=0.05)  # truncation of order eps
    central = gc.eps_curve()["float64"]
    assert central.min() < forward.min() / 100
    assert gc.EPS_VALUES[int(np.argmin(central))] > best
    # an independent forward difference of one entry, computed by hand
    p = net.params["W1"]
    old = p[0, 0]
    base = net.loss(X, Y)
    p[0, 0] = old + 1e-8
    by_hand = (net.loss(X, Y) - base) / 1e-8
    p[0, 0] = old
    assert np.isclose(by_hand, net.gradients(X, Y)["dW1"][0, 0], rtol=1e-6, atol=0)


# ------------------------------------------------------------- second edition's exercises
def test_taken_step_checker_accepts_float32s_step_and_names_the_slips():
    import numpy as np

    assert ex.check_taken_step(float(np.float32(0.5) + np.float32(1e-7)) - 0.5).ok
    assert "eps itself" in ex.check_taken_step(1e-7).message
    assert "one spacing" in ex.check_taken_step(float(np.spacing(np.float32(0.5)))).message
    assert "does not" in ex.check_taken_step(0.0).message


def test_taken_step_accepts_the_digits_it_asks_for_and_still_tells_the_slips_apart():
    """C1: exercise 6 asks for TAKEN_DIGITS significant digits; 1.19e-7 (1.8e-3 off the
    exact 1.1920929e-7) is accepted, by the checker and by the page's spec, which copies the
    checker's tolerance; every diagnosed slip keeps its own message."""
    from backprop_lib.exercises import in_page

    exact = ex.taken_step()
    rounded = float(f"{exact:.{ex.TAKEN_DIGITS - 1}e}")
    assert rounded == 1.19e-7 and ex.check_taken_step(rounded).ok
    assert ex.check_taken_step(float(f"{exact:.{ex.TAKEN_DIGITS}e}")).ok
    assert not ex.check_taken_step(float(f"{exact:.{ex.TAKEN_DIGITS - 2}e}")).ok  # 1.2e-7
    spec = in_page.spec(ex.check_taken_step)
    assert spec["rtol"] == ex.TAKEN_RTOL and abs(rounded - exact) <= spec["rtol"] * exact
    slips = {1e-7: "eps itself", float(np.spacing(np.float32(0.5))): "one spacing",
             2e-7: "width 2 eps", ex.taken_step_down(): "step down"}
    assert np.isclose(ex.taken_step_down(), 8.94e-8, rtol=1e-3)
    for slip, words in slips.items():
        assert words in ex.check_taken_step(slip).message
        assert words in ex.check_taken_step(float(f"{slip:.{ex.TAKEN_DIGITS - 1}e}")).message
        assert abs(slip - exact) > 3 * ex.TAKEN_RTOL * exact


def test_the_exercises_digits_match_their_tolerances():
    """C1 for the whole chapter: what the text asks for ("to 3 significant digits", "to 4
    digits") is what the checker accepts."""
    import json
    import pathlib

    nb = json.loads((pathlib.Path(__file__).parents[1] / "book"
                     / "08_gradient_checking.ipynb").read_text())
    text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert f"to {ex.TAKEN_DIGITS} significant digits" in text
    assert "to 4 digits" in text
    miss = (255 / 256) ** 10
    assert ex.check_miss_probability(float(f"{miss:.3e}")).ok          # 0.9616
    assert not ex.check_miss_probability(float(f"{1 - 10 / 256:.3e}")).ok


def test_miss_probability_checker():
    assert ex.check_miss_probability((255 / 256) ** 10).ok
    assert "catching" in ex.check_miss_probability(1 - (255 / 256) ** 10).message
    assert "first-order" in ex.check_miss_probability(1 - 10 / 256).message


def test_dependency_prediction_checker_is_measured():
    assert ex.dependency_verdicts() == ("passes", "fails")
    assert ex.check_dependency_prediction(("passes", "fails")).ok
    assert "gradient check again" in ex.check_dependency_prediction(("fails", "fails")).message
    assert not ex.check_dependency_prediction(None).ok


def test_complex_step_checker_names_the_real_part_and_the_real_step():
    def right(f, x, h):
        return complex(f(complex(x, h))).imag / h

    assert ex.check_complex_step(right).ok
    assert "real part" in ex.check_complex_step(
        lambda f, x, h: complex(f(complex(x, h))).real / h).message
    assert "real axis" in ex.check_complex_step(
        lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h)).message


def test_scaling_praise_reports_a_ratio_of_one():
    # m21: the praise no longer reports a rounding-noise ratio such as 1.47
    msg = ex.check_scaling_prediction(("grows", "stays the same")).message
    assert "1.000000" in msg or "0.99999" in msg


def test_relative_error_names_the_plausible_denominators():
    """m11: over max (CS231n's denominator), over ||g + g_num||, and squared norms."""
    nl = np.linalg.norm

    def guard(top, bottom):
        return 0.0 if bottom == 0 else float(top / bottom)

    assert "CS231n" in ex.check_relative_error(
        lambda g, n: guard(nl(g - n), max(nl(g), nl(n)))).message
    assert "norm of the sum" in ex.check_relative_error(
        lambda g, n: guard(nl(g - n), nl(g + n))).message
    assert "square the norms" in ex.check_relative_error(
        lambda g, n: guard(nl(g - n) ** 2, nl(g) ** 2 + nl(n) ** 2)).message


def test_complex_step_modulus_is_named_not_the_real_part():
    """m11: abs(f(x + i h)) / h gets the modulus message; the real part keeps its own."""
    msg = ex.check_complex_step(lambda f, x, h: abs(complex(f(complex(x, h)))) / h).message
    assert "modulus" in msg and "real part" not in msg
    assert "real part" in ex.check_complex_step(
        lambda f, x, h: complex(f(complex(x, h))).real / h).message
