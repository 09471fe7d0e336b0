"""Every checker of chapter "Dead neurons and slow convergence" accepts its reference
solution and rejects typical wrong answers with the specific hint."""

import numpy as np

from backprop_lib.exercises import dead_neurons as ex


def test_dead_count():
    Z = ex.LAYER_W @ ex.LAYER_X + ex.LAYER_B
    assert ex.check_dead_count(int(np.sum(np.all(Z <= 0, axis=1)))).ok
    assert "SOME example" in ex.check_dead_count(int(np.sum(np.any(Z <= 0, axis=1)))).message
    assert "entries of Z" in ex.check_dead_count(int(np.sum(Z <= 0))).message
    assert "Z = 0 counts" in ex.check_dead_count(int(np.sum(np.all(Z < 0, axis=1)))).message


def test_dead_mask():
    assert ex.check_dead_mask(lambda Z: np.all(Z <= 0, axis=1)).ok
    assert "all, not any" in ex.check_dead_mask(lambda Z: np.any(Z <= 0, axis=1)).message
    assert "Z = 0 counts" in ex.check_dead_mask(lambda Z: np.all(Z < 0, axis=1)).message
    assert "axis=1" in ex.check_dead_mask(lambda Z: np.all(Z <= 0, axis=0)).message


def test_lr_prediction():
    low, high = ex.lr_experiment()
    assert high > low
    assert ex.check_lr_prediction("more").ok
    assert "run it" in ex.check_lr_prediction("fewer").message
    assert "answer with one of" in ex.check_lr_prediction("lots").message
    assert ex.check_lr_prediction(" More ").ok  # normalized like every chapter's choices
    assert "one string" in ex.check_lr_prediction(np.array(["more", "fewer"])).message
