"""A float32 network stays float32 end to end and agrees with its float64 twin."""

import numpy as np
import pytest
from helpers import LOSSES, last_activation, rel, targets

import backprop_lib as bp


def twins(loss, hidden="tanh", seed=0):
    acts = [hidden, last_activation(loss, hidden)]
    n_out = 3 if loss == "softmax_ce" else 2
    n64 = bp.Network([4, 6, n_out], activations=acts, loss=loss, seed=seed)
    n32 = bp.Network([4, 6, n_out], activations=acts, loss=loss, seed=seed, dtype=np.float32)
    n32.set_params(n64.params)
    n64.set_params(n32.params)  # both now hold exactly the same (float32-representable) values
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 8)).astype(np.float32).astype(np.float64)
    return n32, n64, X, targets(loss, n_out, 8, rng)


@pytest.mark.parametrize("loss", LOSSES)
def test_float32_end_to_end(loss):
    n32, _, X, Y = twins(loss)
    assert all(p.dtype == np.float32 for p in n32.params.values())
    assert n32.forward(X).dtype == np.float32  # float64 data is cast in
    assert n32.predict(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in n32.gradients(X, Y).values())
    assert all(v.dtype == np.float32 for k, v in n32.trace(X, Y).items() if k != "loss")
    assert isinstance(n32.loss(X, Y), float)


@pytest.mark.parametrize("optimizer", [bp.optimizers.SGD(lr=0.1), bp.optimizers.Momentum(lr=0.1),
                                       bp.optimizers.RMSprop(lr=0.01), bp.optimizers.Adam(lr=0.01)],
                         ids=["sgd", "momentum", "rmsprop", "adam"])
def test_float32_after_training(optimizer):
    n32, _, X, Y = twins("half_mse")
    h = bp.train(n32, X, Y, optimizer=optimizer, epochs=5, batch_size=3, clip_norm=1.0)
    assert all(p.dtype == np.float32 for p in n32.params.values())
    assert not h.diverged


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "leaky_relu"])
def test_float32_gradients_agree_with_float64_twin(loss, hidden):
    n32, n64, X, Y = twins(loss, hidden)
    assert n32.loss(X, Y) == pytest.approx(n64.loss(X, Y), rel=1e-5)
    g32, g64 = n32.gradients(X, Y), n64.gradients(X, Y)
    for k in g64:
        assert rel(g32[k], g64[k]) < 1e-4, k


def test_float32_gradcheck_is_coarse_which_is_why_the_book_checks_in_float64():
    n32, n64, X, Y = twins("half_mse")
    assert bp.gradcheck(n64, X, Y).max_relative_error < 1e-7
    assert bp.gradcheck(n32, X, Y, eps=1e-3).max_relative_error > 1e-6
