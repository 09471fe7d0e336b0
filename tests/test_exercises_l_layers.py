"""Every checker of chapter 4 accepts its solution and names the typical slips."""

from __future__ import annotations

import numpy as np

from backprop_lib.exercises import l_layers as ex
from backprop_lib.losses import softmax


def test_dW_shape():
    assert ex.check_dW_shape((2, 5)).ok
    assert ex.check_dW_shape([2, 5]).ok
    assert "no answer" in str(ex.check_dW_shape(None))
    assert "transpose" in ex.check_dW_shape((5, 2)).message
    assert "one column per example" in ex.check_dW_shape((2, 7)).message
    assert "db" in ex.check_dW_shape((2, 1)).message
    assert "tuple" in ex.check_dW_shape("2x5").message


def test_forward_cost():
    assert ex.check_forward_cost(7 * (15 + 10)).ok
    assert "one example" in ex.check_forward_cost(25).message
    assert "addition" in ex.check_forward_cost(7 * (25 + 7)).message
    assert "add" in ex.check_forward_cost(7 * 3 * 5 * 2).message
    assert not ex.check_forward_cost(176).ok


def test_weight_gradient():
    assert ex.check_weight_gradient(lambda dZ, A: dZ @ A.T).ok
    assert "twice" in ex.check_weight_gradient(lambda dZ, A: dZ @ A.T / dZ.shape[1]).message
    assert "shape" in ex.check_weight_gradient(lambda dZ, A: A @ dZ.T).message
    assert "products of sums" in ex.check_weight_gradient(
        lambda dZ, A: dZ.sum(axis=1, keepdims=True) * A.sum(axis=1, keepdims=True).T).message


def test_softmax_error():
    good = lambda Z, Y: (softmax(Z) - Y) / Z.shape[1]  # noqa: E731
    assert ex.check_softmax_error(good).ok
    assert "divide by m" in ex.check_softmax_error(lambda Z, Y: softmax(Z) - Y).message
    assert "softmax to the logits" in ex.check_softmax_error(
        lambda Z, Y: (Z - Y) / Z.shape[1]).message
    assert "each column" in ex.check_softmax_error(
        lambda Z, Y: (np.exp(Z) / np.exp(Z).sum() - Y) / Z.shape[1]).message
    assert "sign" in ex.check_softmax_error(lambda Z, Y: (Y - softmax(Z)) / Z.shape[1]).message


def test_zeros_prediction():
    assert ex.check_zeros_prediction("stays where it started").ok
    assert not ex.check_zeros_prediction("falls as with xavier").ok
    assert not ex.check_zeros_prediction("diverges").ok
    assert "one of" in ex.check_zeros_prediction("it learns").message
    assert "no answer" in str(ex.check_zeros_prediction(None))


def test_cache_bytes():
    m = 64
    right = 8 * m * (784 + 2 * (256 + 128 + 10))
    assert right == 804_864 and ex.check_cache_bytes(right).ok
    assert "X = A0" in ex.check_cache_bytes(8 * m * 2 * 394).message
    assert "Z{l}" in ex.check_cache_bytes(8 * m * (784 + 394)).message
    assert "float32" in ex.check_cache_bytes(right // 2).message
    assert "8 bytes" in ex.check_cache_bytes(right // 8).message
    assert "one example" in ex.check_cache_bytes(right // m).message
    weights = 8 * (784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10)
    assert "weights" in ex.check_cache_bytes(weights).message
    assert not ex.check_cache_bytes(12345).ok
    assert "run" not in ex.check_cache_bytes(12345).message.lower().split()

