"""Claims of chapter 7 about the narrow valley: when gradient descent zigzags, what momentum
buys there, and why near the minimum RMSprop hops while Adam converges.

Each claim is checked against the library and against the few lines of an independent
implementation written here, and over several starting points where it could depend on one.
"""

import numpy as np
import pytest

from backprop_lib import heavy_ball as hb
from backprop_lib import rms_memory as rm
from backprop_lib import surfaces
from backprop_lib.figures import optimizers as fo
from backprop_lib.optimizers import SGD, Momentum

KAPPA = 20.0
LAM = np.array([1.0, KAPPA])
STARTS = [(-4.0, 1.0), (3.0, -0.5), (-1.0, 2.0), (2.5, 1.5), (-3.5, -1.2)]


def own_run(lr, beta, start, steps=100):
    """Heavy ball v = beta v + g, w -= lr v on f = 1/2 (w1^2 + kappa w2^2); beta = 0 is GD."""
    w, v, path = np.array(start, float), np.zeros(2), []
    path.append(w.copy())
    for _ in range(steps):
        v = beta * v + LAM * w
        w = w - lr * v
        path.append(w.copy())
    return np.array(path)


def flips(x):
    return int(np.sum(x[1:] * x[:-1] < 0))


def test_gd_zigzags_only_inside_its_window_and_momentum_rings_at_every_rate():
    lo, hi = hb.gd_zigzag_window(KAPPA)
    assert (lo, hi) == pytest.approx((1 / KAPPA, 2 / KAPPA))
    ring_lo, ring_hi = hb.ringing_window(0.9, KAPPA)
    for start in STARTS:
        for lr in fo.ZIGZAG_GRID:
            gd, mom = own_run(lr, 0.0, start), own_run(lr, 0.9, start)
            if np.isfinite(gd).all() and np.abs(gd).max() < 1e6 and lr < hi:
                # GD converges; it flips sign at every step inside the window, never below it
                assert flips(gd[:, 1]) == (100 if lo < lr < hi else 0)
            if ring_lo < lr < ring_hi:  # momentum's steep axis changes sign (slowly at tiny lr)
                assert flips(mom[:, 1]) >= (10 if lr >= 0.01 else 1)
        # Figure 3's default is outside GD's window, and the grid has a rate inside it
        assert not lo < fo.MOMENTUM.controls[0].default < hi
        assert any(lo < lr < hi for lr in fo.ZIGZAG_GRID[1:])


def test_at_the_default_rate_momentum_shrinks_the_steep_axis_slower_but_the_flat_one_faster():
    lr = fo.MOMENTUM.controls[0].default
    across_gd, across_mom = abs(1 - lr * KAPPA), hb.direction_rates(lr, 0.9, [KAPPA])[0]
    assert across_gd == pytest.approx(hb.direction_rates(lr, 0.0, [KAPPA])[0])
    assert across_mom == pytest.approx(np.sqrt(0.9)) and across_mom > 2 * across_gd
    for start in STARTS:  # the flat coordinate ends closer with momentum, from every start
        assert abs(own_run(lr, 0.9, start)[-1, 0]) < 0.1 * abs(own_run(lr, 0.0, start)[-1, 0])
    # the library's runs are these
    lib = surfaces.trajectory(Momentum(lr, 0.9), surfaces.quadratic(KAPPA), steps=100).path
    assert np.allclose(lib, own_run(lr, 0.9, (-4.0, 1.0)), atol=1e-12)
    assert hb.sign_flips(lib[:, 1]) == flips(lib[:, 1]) > 20
    sgd = surfaces.trajectory(SGD(lr), surfaces.quadratic(KAPPA), steps=100).path
    assert hb.sign_flips(sgd[:, 1]) == 0


def test_momentum_limit_is_one_plus_beta_times_gd_limit():
    for beta in (0.5, 0.9):
        ratio = hb.heavy_ball_limit(beta, KAPPA) / hb.heavy_ball_limit(0.0, KAPPA)
        assert ratio == pytest.approx(1 + beta)
        limit = hb.heavy_ball_limit(beta, KAPPA)
        assert np.abs(own_run(0.99 * limit, beta, STARTS[0], 3000)[-1]).max() < 1e-3
        with np.errstate(over="ignore", invalid="ignore"):
            assert not np.abs(own_run(1.01 * limit, beta, STARTS[0], 3000)[-1]).max() < 1e3


def own_adaptive(lr, beta1, beta2, steps, start, correct=True):
    """RMSprop (beta1 = 0, no correction) or Adam (bias-corrected), eps outside the root."""
    w, m, v = np.array(start, float), np.zeros(2), np.zeros(2)
    gaps = []
    for t in range(1, steps + 1):
        g = LAM * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        mh = m / (1 - beta1**t) if correct and beta1 else m
        vh = v / (1 - beta2**t) if correct else v
        w = w - lr * mh / (np.sqrt(vh) + 1e-8)
        gaps.append(0.5 * float(LAM @ (w * w)))
    return np.array(gaps)


def tail(gaps):
    return gaps[-len(gaps) // 5:].max()


@pytest.mark.parametrize("start", STARTS)
def test_rmsprop_hops_at_a_floor_growing_like_lr_squared_adam_converges(start):
    floors = [tail(own_adaptive(lr, 0.0, 0.9, rm.MEMORY_STEPS, start, correct=False))
              for lr in rm.MEMORY_LRS]
    assert np.allclose(floors, [rm.hop_floor(lr) for lr in rm.MEMORY_LRS], rtol=1e-3)
    assert rm.log_slope(rm.MEMORY_LRS, floors) == pytest.approx(2.0, abs=0.05)
    # Adam, from every start, ends far below RMSprop's floor at each rate from 0.03 on
    for lr, floor in zip(rm.MEMORY_LRS[1:], floors[1:], strict=True):
        assert tail(own_adaptive(lr, 0.9, 0.999, rm.MEMORY_STEPS, start)) < 1e-15 * floor


@pytest.mark.parametrize("start", STARTS)
def test_swapping_the_memories_swaps_the_behaviours(start):
    for lr in rm.MEMORY_LRS:
        short_adam = tail(own_adaptive(lr, 0.9, 0.9, rm.MEMORY_STEPS, start))
        long_rms = tail(own_adaptive(lr, 0.0, 0.999, rm.MEMORY_STEPS, start, correct=False))
        assert short_adam > 1e-3 * rm.hop_floor(lr)  # a floor, not geometric convergence
        if lr >= 0.03:
            assert long_rms < 1e-20
    slope = rm.log_slope(rm.MEMORY_LRS, [tail(own_adaptive(lr, 0.9, 0.9, rm.MEMORY_STEPS, start))
                                         for lr in rm.MEMORY_LRS])
    assert slope == pytest.approx(2.0, abs=0.3)


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_the_library_study_matches_and_adam_remembers_large_gradients():
    mem = rm.near_minimum()
    for label, (b1, b2, corr) in {"RMSprop, beta 0.9": (0.0, 0.9, False),
                                  "Adam, beta2 0.999": (0.9, 0.999, True),
                                  "Adam, beta2 0.9": (0.9, 0.9, True)}.items():
        own = [tail(own_adaptive(lr, b1, b2, rm.MEMORY_STEPS, (-4.0, 1.0), corr))
               for lr in rm.MEMORY_LRS]
        assert np.allclose(mem[label], own, rtol=1e-6, atol=1e-300)
    state = rm.memory_state(0.1)
    assert state["root_v_hat"][1] > 1e20 * state["grad"][1]
    late = rm.memory_state(rm.MEMORY_LRS[-1], rm.LONG_STEPS)
    assert late["gap"] > 1e-3 and late["rate"][1] > rm.memory_state(rm.MEMORY_LRS[-1])["rate"][1]


def test_nesterov_rates_match_runs():
    from backprop_lib.optimizers import Nesterov
    lr = 0.062
    rates = hb.nesterov_rates(lr, 0.9, LAM)
    path = surfaces.trajectory(Nesterov(lr, 0.9), surfaces.quadratic(KAPPA), steps=800).path
    assert hb.envelope_rate(path[:, :1], 400, 800) == pytest.approx(rates[0], abs=2e-3)
    assert hb.envelope_rate(path[:, 1:], 100, 200) == pytest.approx(rates[1], abs=2e-3)
    assert rates.max() < np.sqrt(0.9) and rates[0] > rates[1]


def test_nesterov_damps_harder_only_away_from_its_limit():
    """'Nesterov's rate on a direction is below heavy ball's only for alpha lambda from lo to
    hi; between that and its own limit the steep direction is damped less; below lo ...
    marginally slower', with the roots from np.roots (not the library's closed form), the
    window edges agreeing with hb.nesterov_faster_window, and runs of both optimizers on the
    steep axis of the valley (eigen-analysis aside) at a rate inside the band."""
    from backprop_lib.optimizers import Nesterov
    lo, hi, limit = hb.nesterov_faster_window(0.9)
    assert limit == pytest.approx(1.9 * 2 / 2.8) and 0 < lo < 0.01 and 1.3 < hi < limit

    def rates(x):
        nag = max(abs(np.roots([1, -1.9 * (1 - x), 0.9 * (1 - x)])))
        heavy = max(abs(np.roots([1, -(1.9 - x), 0.9])))
        return nag, heavy

    for x in (lo * 0.9, (hi + limit) / 2, limit * 0.999):
        nag, heavy = rates(x)
        assert nag > heavy, x
    for x in (lo * 1.1, 0.1, 1.0, hi * 0.999):
        nag, heavy = rates(x)
        assert nag < heavy, x
    lr = (hi + limit) / 2 / KAPPA  # the steep axis in the band just below the limit
    nag_path = surfaces.trajectory(Nesterov(lr, 0.9), surfaces.quadratic(KAPPA), steps=400).path
    hb_path = surfaces.trajectory(Momentum(lr, 0.9), surfaces.quadratic(KAPPA), steps=400).path
    nag_rate = hb.envelope_rate(nag_path[:, 1:], 200, 400)
    assert nag_rate > hb.envelope_rate(hb_path[:, 1:], 200, 400) + 0.02
    assert nag_rate < 1  # still stable


def test_nesterov_obeys_its_recurrence():
    """The derivation's recurrence
    w_t = (1 + beta)(1 - alpha lambda) w_{t-1} - beta (1 - alpha lambda) w_{t-2}."""
    from backprop_lib.optimizers import Nesterov
    lr, beta = 0.05, 0.9
    path = surfaces.trajectory(Nesterov(lr, beta), surfaces.quadratic(KAPPA), steps=60).path
    want = (1 + beta) * (1 - lr * LAM) * path[1:-1] - beta * (1 - lr * LAM) * path[:-2]
    assert np.abs(want - path[2:]).max() < 1e-12


def test_uncorrected_adam_is_too_long_for_hundreds_of_steps_and_eps_hat_fades_by_3000():
    """Cells on the bias correction and on Keras's epsilon hat: the phrases once typed."""
    steps = fo.constant_gradient_steps([100, 200, 500], bias_correction=False, eps_inside=True)
    assert steps[100] > 3 and 2 < steps[200] < 2.5 and 1.5 < steps[500] < 1.7
    beta2 = 0.999
    own = [(1 - 0.9**t) / np.sqrt(1 - beta2**t) for t in (100, 200, 500)]  # m-hat/v-hat bias
    assert np.allclose([steps[t] for t in (100, 200, 500)], own, rtol=1e-6)
    factor = {t: 1 / np.sqrt(1 - beta2**t) for t in (1, 1000, 3000)}
    assert 31 < factor[1] < 32 and factor[3000] < 1.03


def test_which_damps_the_bounce_faster_is_sgds_rate_against_sqrt_beta():
    """'Inside SGD's zigzag window, below (1 + sqrt(beta)) / kappa SGD damps the bounce faster;
    from there to its limit momentum does. At 0.1, a setting of Figure 3, SGD's bounce never
    decays, momentum's does; even there momentum is slower along the floor.' Rates from
    np.roots of the recurrence, runs from own_run, from every start."""
    beta = 0.9
    lo, hi = hb.gd_zigzag_window(KAPPA)
    cross = (1 + np.sqrt(beta)) / KAPPA
    assert lo < cross < hi and cross == pytest.approx(0.0974, abs=5e-5)

    def steep(lr):  # (SGD's factor, heavy ball's rate) on the steep axis
        return abs(1 - lr * KAPPA), max(abs(np.roots([1, -(1 + beta - lr * KAPPA), beta])))

    gd, mom = steep(cross)
    assert gd == pytest.approx(mom) == pytest.approx(np.sqrt(beta))
    assert hb.direction_rates(cross, beta, [KAPPA])[0] == pytest.approx(mom)
    for lr in np.linspace(lo, hi, 41)[1:-1]:
        gd, mom = steep(lr)
        assert (gd < mom) == (lr < cross), lr
    top = max(lr for lr in fo.ZIGZAG_GRID if lr <= hi)
    assert top == pytest.approx(0.1) and top in fo.MOMENTUM.controls[0].values
    for lr in (0.099, top):  # just below the limit and at it: momentum's tail is far smaller
        for start in STARTS:
            sgd_tail = np.abs(own_run(lr, 0.0, start)[-21:, 1]).max()
            mom_tail = np.abs(own_run(lr, beta, start)[-21:, 1]).max()
            assert mom_tail < 0.2 * sgd_tail, (lr, start)
            if lr == top:  # SGD's bounce does not decay at all
                assert sgd_tail == pytest.approx(abs(start[1]))
    for start in STARTS:  # between the crossover and the limit, momentum ends lower on w2
        lr = (cross + hi) / 2
        assert abs(own_run(lr, beta, start, 300)[-1, 1]) < abs(own_run(lr, 0.0, start, 300)[-1, 1])
        # ... and at 0.09, inside the window but below the crossover, SGD's w2 ends far lower
        assert abs(own_run(0.09, 0.0, start)[-1, 1]) < 1e-3 * abs(own_run(0.09, beta, start)[-1, 1])
    # along the floor momentum is slower there: sqrt(beta) against 1 - lr
    assert max(abs(np.roots([1, -(1 + beta - top), beta]))) > 1 - top


def own_rate(lr, beta, lam):
    """The per-step factor of heavy ball on one eigen-direction: the largest root modulus of
    r^2 - (1 + beta - lr lam) r + beta = 0 (beta = 0: |1 - lr lam|)."""
    return max(abs(np.roots([1.0, -(1 + beta - lr * lam), beta])))


@pytest.mark.slow  # over 0.15 s: `make fast` keeps to its 30 s
def test_with_a_smaller_beta_both_halves_of_the_picture_hold():  # review, fifth round, Q1
    # at Figure 3's lr 0.09 and beta 0.5 momentum shrinks both axes faster than SGD ...
    assert 0.5 in fo.MOMENTUM.controls[1].values and 0.09 in fo.ZIGZAG_GRID
    for lam in LAM:
        assert own_rate(0.09, 0.5, lam) < own_rate(0.09, 0.0, lam)
    for start in STARTS:  # ... and the runs end closer on both axes
        mom, gd = own_run(0.09, 0.5, start), own_run(0.09, 0.0, start)
        assert (np.abs(mom[-1]) < np.abs(gd[-1])).all()
    # over SGD's zigzag window, both halves hold at some rate for small beta, never at 0.9
    window = np.linspace(1 / KAPPA, 2 / KAPPA, 401)[1:-1]

    def holds(beta):
        return any(all(own_rate(a, beta, lam) < own_rate(a, 0.0, lam) for lam in LAM)
                   for a in window)
    assert holds(0.4) and holds(0.5) and holds(0.8)
    assert not holds(0.9) and not holds(0.95)
    for beta in (0.4, 0.5, 0.8, 0.81, 0.82, 0.9, 0.95):  # the library's scan, used by the chapter
        assert hb.both_halves_hold(beta, KAPPA) == holds(beta)
