"""backprop_lib.surfaces: exact gradients, known minima, trajectories through opt.step."""

import numpy as np
import pytest

from backprop_lib import numerical_gradient, relative_error, surfaces
from backprop_lib.optimizers import SGD, Adam, Momentum, RMSprop

ALL = [surfaces.quadratic(), surfaces.quadratic(50.0, angle=0.7), surfaces.rosenbrock(),
       surfaces.rosenbrock(a=-0.5, b=10.0), surfaces.square()]


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_gradient_matches_central_differences(s):
    rng = np.random.default_rng(0)
    for _ in range(5):
        w = rng.uniform(-1.5, 1.5, s.dim)
        num = numerical_gradient(lambda w=w: float(s.f(w)), w, eps=1e-6)  # perturbs w in place
        assert relative_error(s.grad(w), num) < 1e-7


@pytest.mark.parametrize("s", ALL, ids=lambda s: s.name)
def test_minimum_is_a_stationary_point_and_lowest(s):
    assert np.allclose(s.grad(s.minimum), 0.0, atol=1e-12)
    rng = np.random.default_rng(1)
    for _ in range(20):
        w = s.minimum + rng.normal(scale=0.3, size=s.dim)
        assert s.f(w) > s.best


def test_quadratic_has_the_stated_eigenvalues():
    s = surfaces.quadratic(condition=30.0, angle=0.4)
    # the gradient is H w: recover H column by column
    H = np.column_stack([s.grad(e) for e in np.eye(2)])
    assert np.allclose(H, H.T)
    assert np.allclose(np.linalg.eigvalsh(H), [1.0, 30.0])


def test_grid_evaluates_f_pointwise():
    s = surfaces.rosenbrock()
    xx, yy, F = s.grid(7)
    assert F.shape == (7, 7)
    i, j = 3, 5
    assert F[i, j] == pytest.approx(float(s.f(np.array([xx[i, j], yy[i, j]]))))


def test_grid_needs_two_dimensions():
    with pytest.raises(ValueError, match="2-D"):
        surfaces.square().grid()


def test_trajectory_is_the_optimizer_loop_written_out():
    s = surfaces.quadratic(10.0)
    opt = Momentum(0.05, beta=0.8)
    run = surfaces.trajectory(opt, s, steps=30)
    w, v = s.start.copy(), np.zeros(2)
    for t in range(30):
        v = 0.8 * v + s.grad(w)
        w = w - 0.05 * v
        assert np.allclose(run.path[t + 1], w, rtol=1e-13, atol=1e-15)
    assert run.values.shape == (31,)
    assert run.values[-1] == pytest.approx(float(s.f(w)))
    assert not run.diverged


def test_trajectory_resets_the_optimizer_so_runs_repeat():
    s = surfaces.rosenbrock()
    opt = Adam(0.01)
    a = surfaces.trajectory(opt, s, steps=50).path
    b = surfaces.trajectory(opt, s, steps=50).path
    assert np.array_equal(a, b)


def test_sgd_on_the_quadratic_diverges_just_above_two_over_condition():
    s = surfaces.quadratic(20.0)
    assert not surfaces.trajectory(SGD(0.099), s, steps=3000).diverged
    bad = surfaces.trajectory(SGD(0.101), s, steps=3000)
    assert bad.diverged and bad.stopped_step is not None
    assert "diverged at step" in bad.message and "0.101" in bad.message
    assert np.isfinite(bad.path).all() and len(bad.path) == bad.stopped_step


def test_divergence_is_silent_and_finite():
    with np.errstate(all="raise"):  # a RuntimeWarning-free run
        run = surfaces.trajectory(SGD(10.0), surfaces.rosenbrock(), steps=100)
    assert run.diverged and np.isfinite(run.values).all()


def test_overshoot_and_steps_to():
    s = surfaces.square()
    calm = surfaces.trajectory(SGD(0.1), s, steps=50)  # w *= 0.8: never crosses
    assert calm.overshoot() == 0.0
    flip = surfaces.trajectory(SGD(0.9), s, steps=3)  # w *= -0.8
    assert flip.overshoot() == pytest.approx(0.8)
    assert calm.steps_to(1e-2) == int(np.ceil(np.log(1e-2) / np.log(0.64)))
    assert calm.steps_to(1e-300) is None
    assert np.allclose(calm.steps, 0.2 * 0.8 ** np.arange(50), atol=0)


def test_rmsprop_and_adam_take_the_surface_as_a_parameter_dict():
    for opt in (RMSprop(0.01), Adam(0.01)):
        run = surfaces.trajectory(opt, surfaces.quadratic(), steps=5)
        assert run.path.shape == (6, 2)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(optimizer="adam"), TypeError, "optimizer"),
    (dict(surface=lambda w: w), TypeError, "surface"),
    (dict(steps=0), ValueError, "steps"),
    (dict(steps=2.5), TypeError, "steps"),
    (dict(w0=[1.0, 2.0, 3.0]), ValueError, "w0"),
    (dict(w0=[np.nan, 0.0]), ValueError, "w0"),
    (dict(w0="start"), TypeError, "w0"),
    (dict(limit=-1.0), ValueError, "limit"),
])
def test_bad_input_names_the_argument(kwargs, exc, words):
    args = dict(optimizer=SGD(0.1), surface=surfaces.quadratic(), steps=3)
    args.update(kwargs)
    with pytest.raises(exc, match=words):
        surfaces.trajectory(**args)


@pytest.mark.parametrize("make, kwargs, words", [
    (surfaces.quadratic, dict(condition=0.5), "^condition must"),
    (surfaces.quadratic, dict(angle="up"), "^angle must"),
    (surfaces.rosenbrock, dict(b=0.0), "^b must"),
    (surfaces.rosenbrock, dict(a=np.inf), "^a must"),
])
def test_surface_parameters_are_checked(make, kwargs, words):
    with pytest.raises((TypeError, ValueError), match=words):
        make(**kwargs)
