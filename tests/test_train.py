"""Tests of backprop_lib.train: the loop, its History, mini-batches, clipping, divergence."""

import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib.optimizers import SGD, Adam


def regression(m=20, seed=0):
    X, Y = bp.data.regression_1d(m=m, seed=seed)
    net = bp.Network([1, 6, 1], activations=["tanh", "identity"], seed=seed)
    return net, X, Y


def diverging():
    net, X, Y = regression()
    return net, 10 * X, 10 * Y, SGD(lr=50.0)


def test_history_shapes_and_first_loss_is_before_any_update():
    net, X, Y = regression()
    start = net.loss(X, Y)
    grads = net.gradients(X, Y)
    h = bp.train(net, X, Y, optimizer=SGD(lr=0.05), epochs=7)
    assert h.loss.shape == (7,) and h.grad_norms.shape == (7, 2)
    assert h.loss[0] == pytest.approx(start, rel=1e-15)
    np.testing.assert_allclose(h.grad_norms[0], [np.linalg.norm(grads["dW1"]),
                                                 np.linalg.norm(grads["dW2"])], rtol=1e-15)
    assert h.final_loss == h.loss[-1]
    assert not h.diverged and h.stopped_epoch is None and h.message == ""


def test_full_batch_epoch_is_one_gradient_step():
    net, X, Y = regression()
    twin = net.copy()
    grads = twin.gradients(X, Y)
    bp.train(net, X, Y, optimizer=SGD(lr=0.1), epochs=1)
    for k, p in twin.params.items():
        np.testing.assert_allclose(net.params[k], p - 0.1 * grads["d" + k], rtol=1e-14)


def test_loss_decreases_on_a_regression():
    net, X, Y = regression(m=40)
    h = bp.train(net, X, Y, optimizer=Adam(lr=0.02), epochs=150)
    assert h.loss[-1] < 0.3 * h.loss[0]
    assert net.loss(X, Y) < 0.3 * h.loss[0]


def test_minibatch_epoch_loss_is_mean_of_batch_losses():
    net, X, Y = regression(m=10)
    twin = net.copy()
    h = bp.train(net, X, Y, optimizer=SGD(lr=0.1), epochs=1, batch_size=4, seed=3)
    order = np.random.default_rng(3).permutation(10)
    o, batch_losses = SGD(lr=0.1), []
    for start in range(0, 10, 4):
        idx = order[start:start + 4]
        loss, grads = twin.loss_and_gradients(X[:, idx], Y[:, idx])
        batch_losses.append(loss)
        o.step(twin.params, grads)
    assert len(batch_losses) == 3  # batches of 4, 4 and 2
    assert h.loss[0] == pytest.approx(np.mean(batch_losses), rel=1e-14)
    for k in net.params:
        np.testing.assert_allclose(net.params[k], twin.params[k], rtol=1e-14)


def test_minibatch_order_is_seeded():
    results = []
    for seed in (1, 1, 2):
        net, X, Y = regression()
        results.append(bp.train(net, X, Y, epochs=3, batch_size=5, seed=seed).loss)
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], results[2])


def test_default_optimizer_is_sgd_lr_0_1():
    a, X, Y = regression()
    b = a.copy()
    bp.train(a, X, Y, epochs=3)
    bp.train(b, X, Y, optimizer=SGD(lr=0.1), epochs=3)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_clip_norm_bounds_every_step():
    net, X, Y = regression()
    before = {k: v.copy() for k, v in net.params.items()}
    h = bp.train(net, X, Y, optimizer=SGD(lr=1.0), epochs=1, clip_norm=1e-3)
    step = np.sqrt(sum(np.sum((net.params[k] - before[k]) ** 2) for k in before))
    assert step == pytest.approx(1e-3, rel=1e-10)  # gradient norm >> 1e-3, so clipped to it
    assert h.grad_norms[0].max() > 1e-2  # recorded before clipping


def test_callback_sees_each_epoch_and_can_stop():
    net, X, Y = regression()
    seen = []

    def cb(epoch, n, history):
        seen.append((epoch, len(history.loss), n is net))
        return epoch == 2

    h = bp.train(net, X, Y, epochs=10, callback=cb)
    assert seen == [(0, 1, True), (1, 2, True), (2, 3, True)]
    assert len(h.loss) == 3 and not h.diverged


def test_data_is_not_modified():
    net, X, Y = regression()
    X0, Y0 = X.copy(), Y.copy()
    bp.train(net, X, Y, epochs=2, batch_size=3)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


# ---------------------------------------------------------------- divergence
def test_divergence_stops_with_one_warning_and_no_runtime_warning():
    net, X, Y, o = diverging()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = bp.train(net, X, Y, optimizer=o, epochs=200)
    kinds = [w.category for w in caught]
    assert kinds == [bp.DivergenceWarning], [str(w.message) for w in caught]
    assert "diverged" in str(caught[0].message) and "learning rate" in str(caught[0].message)
    assert h.diverged and h.stopped_epoch is not None and 0 < h.stopped_epoch < 200
    assert len(h.loss) == h.stopped_epoch  # only completed epochs are recorded
    assert np.isfinite(h.loss).all() and np.isfinite(h.grad_norms).all()
    assert h.grad_norms.shape == (h.stopped_epoch, 2)
    assert h.message == str(caught[0].message)


def test_divergence_warning_points_at_the_caller():
    net, X, Y, o = diverging()
    with pytest.warns(bp.DivergenceWarning) as record:
        bp.train(net, X, Y, optimizer=o, epochs=200)
    assert record[0].filename == __file__


@pytest.mark.parametrize("batch_size", [None, 4])
@pytest.mark.parametrize("make_opt", [lambda: SGD(lr=1e3), lambda: bp.optimizers.Momentum(lr=1e2),
                                      lambda: Adam(lr=1e6)], ids=["sgd", "momentum", "adam"])
def test_linear_network_with_huge_lr_diverges_cleanly(make_opt, batch_size):
    """Identity output, half_mse: the textbook explosion, for several optimizers."""
    X, Y = bp.data.regression_1d(m=12, seed=1)
    net = bp.Network([1, 3, 1], activations="identity", seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = bp.train(net, X, Y, optimizer=make_opt(), epochs=500, batch_size=batch_size)
    assert [w.category for w in caught] == [bp.DivergenceWarning]
    assert h.diverged and h.stopped_epoch < 500 and len(h.loss) == h.stopped_epoch


def test_divergence_raise():
    net, X, Y, o = diverging()
    with pytest.raises(FloatingPointError, match="diverged in epoch"):
        bp.train(net, X, Y, optimizer=o, epochs=200, on_divergence="raise")


def test_divergence_ignore_is_silent_but_recorded():
    net, X, Y, o = diverging()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = bp.train(net, X, Y, optimizer=o, epochs=200, on_divergence="ignore")
    assert h.diverged and h.message


def test_non_finite_loss_from_the_start_is_divergence():
    net = bp.Network([1, 1], activations="identity", seed=0)
    net.set_params({"W1": [[1e200]], "b1": [0.0]})
    with pytest.warns(bp.DivergenceWarning, match="not finite"):
        h = bp.train(net, [[1e200]], [[0.0]], epochs=5)
    assert h.diverged and h.stopped_epoch == 0 and len(h.loss) == 0
    assert h.grad_norms.shape == (0, 1)


def test_divergence_factor_controls_the_explosion_limit():
    net, X, Y = regression()
    with pytest.warns(bp.DivergenceWarning, match="grew to"):
        h = bp.train(net, X, Y, optimizer=SGD(lr=3.0), epochs=50, divergence_factor=1.0001)
    assert h.diverged


def test_stable_run_does_not_flag_divergence():
    net, X, Y = regression()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = bp.train(net, X, Y, optimizer=SGD(lr=0.05), epochs=30)
    assert not h.diverged and h.stopped_epoch is None and len(h.loss) == 30


def test_numpy_error_state_is_restored_after_training():
    before = np.geterr()
    net, X, Y, o = diverging()
    bp.train(net, X, Y, optimizer=o, epochs=200, on_divergence="ignore")
    assert np.geterr() == before


def test_divergence_leaves_the_last_finite_parameters():
    """After a diverging run the network can still be evaluated without overflow."""
    import warnings as _w

    X, Y = bp.data.regression_1d(m=40, seed=0)
    net = bp.Network([1, 8, 1], activations=["tanh", "identity"], loss="half_mse", seed=0)
    with _w.catch_warnings():
        _w.simplefilter("ignore", bp.DivergenceWarning)
        history = bp.train(net, X, Y, optimizer=bp.optimizers.SGD(lr=50.0), epochs=50)
    assert history.diverged
    assert all(np.isfinite(w).all() for w in net.params.values())
    assert np.isfinite(net.loss(X, Y))


def test_a_bce_loss_that_spikes_through_saturated_sigmoids_is_not_divergence():
    """Divergence is judged on the true loss, from the logits: at lr 10 on two moons the
    output logits pass 40, where sigma(z) is exactly 1.0, and the loss leaps to about 14
    before it falls again. A loss computed from sigma(z) would have been infinite there."""
    X, Y = bp.data.two_moons(m=200, noise=0.15, seed=0)
    net = bp.Network([2, 16, 1], activations=["tanh", "sigmoid"], loss="bce", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DivergenceWarning, no RuntimeWarning
        h = bp.train(net, X, Y, optimizer=SGD(lr=10.0), epochs=60)
    assert not h.diverged and np.isfinite(h.loss).all()
    assert h.loss.max() > 10 and h.loss[-1] < 0.1
    assert h.loss.max() == pytest.approx(13.884, abs=1e-3)


def test_a_bce_loss_that_really_explodes_is_still_divergence():
    X, Y = bp.data.two_moons(m=50, noise=0.15, seed=0)
    net = bp.Network([2, 16, 1], activations=["relu", "sigmoid"], loss="bce", seed=0)
    h = bp.train(net, 100 * X, Y, optimizer=SGD(lr=1e4), epochs=50, on_divergence="ignore",
                 divergence_factor=10.0)
    assert h.diverged and "loss grew" in h.message and "batch_size" not in h.message
