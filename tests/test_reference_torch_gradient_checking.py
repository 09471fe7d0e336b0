"""Chapter "Gradient checking" against PyTorch (when installed): torch.autograd.gradcheck's
defaults read from the installed torch; the complex step and the directional check against
torch autograd on the same network; torch.autograd.gradcheck and the book's check agreeing
on the planted bugs; torch's float32 warning; ReLU'(0) = 0 in torch as in the library; a
batch-mixing normalization's cross-example Jacobian in torch.func."""

import inspect
import warnings

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import complex_step as cs
from backprop_lib import dependency_check as dc
from backprop_lib import directional_check as dcheck
from backprop_lib import error_measures as em
from backprop_lib.figures import gradient_checking as gc

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def torch_loss(net, X, Y):
    """A function of the flat parameters computing net's half_mse in torch, and the flat
    parameters as a float64 leaf."""
    names = list(net.params)
    shapes = [net.params[n].shape for n in names]
    sizes = [int(np.prod(s)) for s in shapes]
    tX, tY = torch.tensor(X), torch.tensor(Y)
    acts = {"tanh": torch.tanh, "identity": lambda z: z, "sigmoid": torch.sigmoid}

    def f(theta):
        parts = dict(zip(names, torch.split(theta, sizes), strict=True))
        A = tX
        for l, act in enumerate(net.activation_names, start=1):
            W = parts[f"W{l}"].reshape(shapes[names.index(f"W{l}")])
            b = parts[f"b{l}"].reshape(shapes[names.index(f"b{l}")])
            A = acts[act](W @ A + b)
        return 0.5 * ((A - tY) ** 2).sum() / A.shape[1]

    theta = torch.tensor(np.concatenate([net.params[n].ravel() for n in names]),
                         requires_grad=True)
    return f, theta, names


def test_gradcheck_defaults_are_those_the_book_states():
    sig = inspect.signature(torch.autograd.gradcheck)
    for key, value in em.TORCH_GRADCHECK_DEFAULTS.items():
        assert sig.parameters[key].default == value
    assert sig.parameters["fast_mode"].default is False


def test_gradcheck_warns_about_float32_inputs():
    x = torch.randn(3, dtype=torch.float32, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.autograd.gradcheck(lambda t: (t ** 2).sum(), (x,), raise_exception=False,
                                 atol=1e-2, rtol=1e-2, eps=1e-3)
    assert any("double precision" in str(w.message) for w in caught)


def test_complex_step_equals_torch_autograd():
    net, X, Y = gc._eps_problem()
    f, theta, names = torch_loss(net, X, Y)
    f(theta).backward()
    ours = np.concatenate([cs.complex_step_gradients(net, X, Y)["d" + n].ravel() for n in names])
    assert bp.relative_error(ours, theta.grad.numpy()) < 1e-14


def test_complex_step_in_torch_complex_arithmetic_agrees_with_numpy_complex_step():
    net, X, Y = gc._eps_problem()
    f, theta, names = torch_loss(net, X, Y)
    v = dcheck.random_direction(net.params, seed=4)
    flat_v = torch.tensor(np.concatenate([v[n].ravel() for n in names]))
    h = 1e-20
    tX = torch.tensor(X, dtype=torch.complex128)
    # torch's tanh, matmul and sums are analytic in complex128 too
    names_, shapes = list(net.params), [net.params[n].shape for n in net.params]
    theta_c = theta.detach().to(torch.complex128) + 1j * h * flat_v.to(torch.complex128)
    parts = dict(zip(names_, torch.split(theta_c, [int(np.prod(s)) for s in shapes]),
                     strict=True))
    A = tX
    for l, act in enumerate(net.activation_names, start=1):
        Z = parts[f"W{l}"].reshape(net.params[f"W{l}"].shape) @ A + \
            parts[f"b{l}"].reshape(net.params[f"b{l}"].shape)
        A = torch.tanh(Z) if act == "tanh" else Z
    L = 0.5 * ((A - torch.tensor(Y, dtype=torch.complex128)) ** 2).sum() / A.shape[1]
    assert L.imag.item() / h == pytest.approx(cs.complex_step_directional(net, X, Y, v),
                                              rel=1e-13)


def test_directional_check_numbers_equal_torch_jvp():
    net, X, Y = gc._eps_problem()
    f, theta, names = torch_loss(net, X, Y)
    v = dcheck.random_direction(net.params, seed=7)
    flat_v = torch.tensor(np.concatenate([v[n].ravel() for n in names]))
    _, jvp = torch.func.jvp(f, (theta.detach(),), (flat_v,))
    ours = dcheck.directional_derivative(lambda: net.loss(X, Y), net.params, v)
    assert ours == pytest.approx(jvp.item(), rel=1e-8)


class _HalfGradient(torch.autograd.Function):
    """mean((a - y)^2) whose backward is the half loss's derivative (the planted bug)."""

    @staticmethod
    def forward(ctx, a, y):
        ctx.save_for_backward(a, y)
        return ((a - y) ** 2).mean()

    @staticmethod
    def backward(ctx, grad):
        a, y = ctx.saved_tensors
        return grad * (a - y) / a.numel(), None


def test_torch_gradcheck_and_the_book_agree_on_the_planted_bug():
    Xr, Yr = bp.data.regression_1d(20, seed=0)
    from backprop_lib.planted_bug import BuggyNetwork

    ours = bp.gradcheck(BuggyNetwork([1, 4, 1], ["tanh", "identity"], loss="mse", seed=0),
                        Xr, Yr)
    a = torch.tensor(np.linspace(-1, 1, 7), requires_grad=True)
    y = torch.tensor(np.zeros(7))
    assert not ours.passed()
    assert not torch.autograd.gradcheck(lambda t: _HalfGradient.apply(t, y), (a,),
                                        raise_exception=False)
    assert torch.autograd.gradcheck(lambda t: ((t - y) ** 2).mean(), (a,))


def test_torch_fast_mode_also_catches_a_one_row_bug():
    # torch's fast mode is a directional check: random u, v on both sides of the Jacobian
    W = torch.randn(8, 3, dtype=torch.float64, requires_grad=True)

    class LastRowSkipped(torch.autograd.Function):
        @staticmethod
        def forward(ctx, w):
            ctx.save_for_backward(w)
            return (w ** 3).sum()

        @staticmethod
        def backward(ctx, grad):
            (w,) = ctx.saved_tensors
            g = 3 * w ** 2 * grad
            g[-1] = 0
            return g

    assert not torch.autograd.gradcheck(LastRowSkipped.apply, (W,), fast_mode=True,
                                        raise_exception=False)


def test_relu_derivative_at_zero_is_zero_in_torch_and_the_library():
    z = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.relu(z).sum().backward()
    lib = bp.activations.relu_derivative(np.zeros(1), None)
    assert z.grad.item() == 0.0 == float(lib[0])


def test_batch_axis_normalization_jacobian_off_diagonal_in_torch():
    # torch.func's Jacobian of the batch-axis normalization (output i w.r.t. input j) is
    # nonzero off the diagonal, as the dependency matrix says; layer norm's is zero
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8))
    net = dc.BatchAxisNormNetwork([3, 6, 1], "tanh", init="xavier", seed=0)
    W1, g1, b1 = (torch.tensor(net.params[k]) for k in ("W1", "gamma1", "beta1"))
    W2, b2 = torch.tensor(net.params["W2"]), torch.tensor(net.params["b2"])

    def forward(tX, axis):
        Z = W1 @ tX
        mu = Z.mean(dim=axis, keepdim=True)
        var = ((Z - mu) ** 2).mean(dim=axis, keepdim=True)
        A = torch.tanh(g1 * (Z - mu) / torch.sqrt(var + net.eps) + b1)
        return torch.tanh(W2 @ A + b2)  # "tanh" names every layer's activation

    for axis, mixes in ((1, True), (0, False)):
        J = torch.func.jacrev(lambda t, axis=axis: forward(t, axis))(torch.tensor(X))  # (1,8,3,8)
        block = J.abs().sum(dim=(0, 2)).numpy()  # [i, j]
        off = block[~np.eye(8, dtype=bool)]
        assert (off.min() > 1e-6) if mixes else (off.max() == 0.0)
    np.testing.assert_allclose(forward(torch.tensor(X), 1).numpy(), net.forward(X), rtol=1e-12)
    D = dc.dependency_matrix(net.forward, X)
    assert dc.mixed_pairs(D) == 56
