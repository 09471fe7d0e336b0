"""backprop_lib.schedules: step and cosine decay, linear warmup (chapter "Optimizers")."""

import math

import numpy as np
import pytest

from backprop_lib.optimizers import Adam
from backprop_lib.schedules import lr_schedule


def test_constant_and_warmup():
    rate = lr_schedule(0.1)
    assert [rate(t) for t in (1, 10, 1000)] == [0.1, 0.1, 0.1]
    warm = lr_schedule(0.1, warmup=4)
    assert [warm(t) for t in range(1, 7)] == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1, 0.1])


def test_step_decay_drops_every_period_after_warmup():
    rate = lr_schedule(1.0, "step", every=3, factor=0.5)
    assert [rate(t) for t in range(1, 8)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    warm = lr_schedule(1.0, "step", warmup=2, every=3, factor=0.5)
    assert [warm(t) for t in range(1, 7)] == [0.5, 1, 1, 1, 1, 0.5]


def test_cosine_follows_half_a_cosine_and_stops_at_total():
    rate = lr_schedule(0.2, "cosine", total=101, final=0.01)
    s = np.arange(101)
    expected = 0.01 + 0.19 * (1 + np.cos(np.pi * s / 101)) / 2
    assert np.allclose([rate(t) for t in range(1, 102)], expected, rtol=0, atol=1e-15)
    assert rate(500) == rate(101)
    assert rate(1) == 0.2
    warm = lr_schedule(0.2, "cosine", warmup=10, total=110)
    assert warm(10) == pytest.approx(0.2) and warm(11) == pytest.approx(0.2)
    assert warm(60) == pytest.approx(0.2 * (1 + math.cos(math.pi * 49 / 100)) / 2)


def test_an_optimizer_reads_its_rate_afresh_each_step():
    rate, opt, w = lr_schedule(0.1, warmup=10), Adam(0.1), np.zeros(1)
    steps = []
    for t in range(1, 6):
        opt.lr = rate(t)
        before = w[0]
        opt.step({"w": w}, {"dw": np.ones(1)})
        steps.append(before - w[0])
    assert np.allclose(steps, [0.01 * t for t in range(1, 6)], rtol=1e-6)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"lr": 0.0}, ValueError, "lr"),
    ({"lr": 0.1, "kind": "linear"}, ValueError, "kind"),
    ({"lr": 0.1, "kind": 3}, TypeError, "kind"),
    ({"lr": 0.1, "warmup": -1}, ValueError, "warmup"),
    ({"lr": 0.1, "warmup": 2.5}, TypeError, "warmup"),
    ({"lr": 0.1, "kind": "step"}, ValueError, "every"),
    ({"lr": 0.1, "kind": "step", "every": 0}, ValueError, "every"),
    ({"lr": 0.1, "kind": "step", "every": 5, "factor": 0.0}, ValueError, "factor"),
    ({"lr": 0.1, "kind": "cosine"}, ValueError, "total"),
    ({"lr": 0.1, "kind": "cosine", "total": 10, "warmup": 10}, ValueError, "total"),
    ({"lr": 0.1, "kind": "cosine", "total": 10, "final": 0.2}, ValueError, "final"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    with pytest.raises(error, match=match):
        lr_schedule(**kwargs)


def test_bad_step_number():
    rate = lr_schedule(0.1)
    with pytest.raises(ValueError, match="t"):
        rate(0)
    with pytest.raises(TypeError, match="t"):
        rate(1.5)
