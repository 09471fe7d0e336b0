"""Chapter "Backpropagation against its alternatives" against PyTorch (when installed): the
tangent pass against torch.func.jvp, backpropagation against torch.func.vjp, the
Hessian-vector product against torch.func.jvp of torch.func.grad and against
torch.autograd.functional.hvp, checkpointing against torch.utils.checkpoint, and what the
chapter says torch's documentation calls these operations, read from torch itself."""

import numpy as np
import pytest

from backprop_lib import alternatives as alt
from backprop_lib import checkpointing as ck
from backprop_lib import hvp
from backprop_lib.figures import alternatives as fa

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _torch_loss(net, X, Y):
    """The chapter's network (tanh hidden layers, sigmoid output, bce from the logits, mean
    over the entries) as a function of the flat parameter vector theta, in torch."""
    X, Y = (torch.tensor(a, dtype=torch.float64) for a in net.check_data(X, Y))
    shapes = [(name, v.shape) for name, v in net.params.items()]

    def loss(theta):
        return torch.nn.functional.binary_cross_entropy_with_logits(
            _torch_logits(net.L, shapes, theta, X), Y)

    return loss, torch.tensor(alt.flatten(net.params), dtype=torch.float64)


def _torch_logits(L, shapes, theta, X):
    """Z{L} of the chapter's network (tanh hidden layers) at the flat parameters theta."""
    params, start = {}, 0
    for name, shape in shapes:
        size = int(np.prod(shape))
        params[name] = theta[start:start + size].reshape(shape)
        start += size
    A = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = torch.tanh(Z) if l < L else Z
    return A


def _directions(net, seeds=range(5)):
    for seed in seeds:
        rng = np.random.default_rng(seed)
        yield {k: rng.standard_normal(v.shape) for k, v in net.params.items()}


def test_tangent_pass_is_torch_func_jvp_and_backprop_is_its_vjp():
    net, X, Y = fa.problem(16)
    loss, theta = _torch_loss(net, X, Y)
    value, pullback = torch.func.vjp(loss, theta)
    (grad,) = pullback(torch.ones((), dtype=torch.float64))   # the cotangent 1 of the loss
    assert abs(value.item() - net.loss(X, Y)) < 1e-13
    np.testing.assert_allclose(alt.flatten(alt.backprop(net, X, Y).grads), grad.numpy(),
                               rtol=1e-11, atol=1e-15)
    for t in _directions(net):
        t_flat = torch.tensor(alt.flatten(t), dtype=torch.float64)
        _, tangent_out = torch.func.jvp(loss, (theta,), (t_flat,))
        ours = alt.directional_derivative(net, X, Y, t)
        assert abs(ours - tangent_out.item()) <= 1e-12 * max(1.0, abs(ours))


def test_hessian_vector_product_against_torch_forward_over_reverse_and_double_backward():
    net, X, Y = fa.problem(16)
    loss, theta = _torch_loss(net, X, Y)
    for t in _directions(net):
        ours = alt.flatten(hvp.hessian_vector_product(net, X, Y, t))
        t_flat = torch.tensor(alt.flatten(t), dtype=torch.float64)
        _, fwd_over_rev = torch.func.jvp(torch.func.grad(loss), (theta,), (t_flat,))
        _, double_backward = torch.autograd.functional.hvp(loss, theta, t_flat)
        for theirs in (fwd_over_rev, double_backward):
            err = np.linalg.norm(ours - theirs.numpy()) / np.linalg.norm(theirs.numpy())
            assert err < 1e-12, err


def test_checkpointed_gradients_equal_torch_checkpoint_sequential():
    net, X, Y = fa.problem(8, depth=8, m=16)
    Xt, Yt = (torch.tensor(a, dtype=torch.float64) for a in net.check_data(X, Y))
    layers = []
    for l in range(1, net.L + 1):
        lin = torch.nn.Linear(*net.params[f"W{l}"].shape[::-1], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(net.params[f"W{l}"]))
            lin.bias.copy_(torch.tensor(net.params[f"b{l}"][:, 0]))
        layers += [lin] + ([torch.nn.Tanh()] if l < net.L else [])
    model = torch.nn.Sequential(*layers)
    segments = net.L // ck.segment_length(net.L)
    out = torch.utils.checkpoint.checkpoint_sequential(model, segments, Xt.T,
                                                       use_reentrant=False)
    torch.nn.functional.binary_cross_entropy_with_logits(out.T, Yt).backward()
    grads, _ = ck.checkpointed_gradients(net, X, Y)
    for l, lin in enumerate(m for m in model if isinstance(m, torch.nn.Linear)):
        np.testing.assert_allclose(grads[f"dW{l + 1}"], lin.weight.grad.numpy(), rtol=1e-10,
                                   atol=1e-15)
        np.testing.assert_allclose(grads[f"db{l + 1}"][:, 0], lin.bias.grad.numpy(),
                                   rtol=1e-10, atol=1e-15)


def test_chain_of_jacobians_against_torch_s_jacobian_both_orders_and_rules():
    """C1: the right-to-left product T_L = dA{L}/dtheta is torch.func.jacrev of the network's
    output; u_L T_L and the left-to-right product are torch's gradient of the one example's
    loss, under both counting rules."""
    from backprop_lib import jacobian_chain as chain

    net, X, Y = fa.problem(16)
    for i in range(3):
        x, y = X[:, [i]], Y[:, [i]]
        loss, theta = _torch_loss(net, x, y)
        shapes = [(name, v.shape) for name, v in net.params.items()]
        xt = torch.tensor(x, dtype=torch.float64)

        def output(theta, shapes=shapes, xt=xt):
            return torch.sigmoid(_torch_logits(net.L, shapes, theta, xt))[:, 0]

        jac = torch.func.jacrev(output)(theta).numpy()
        np.testing.assert_allclose(chain.parameter_jacobian(net, x), jac, rtol=1e-11,
                                   atol=1e-15)
        grad = torch.func.grad(loss)(theta).numpy()
        for rule in chain.RULES:
            for order in chain.ORDERS:
                g, _ = chain.chain_gradient(net, x, y, order, rule)
                np.testing.assert_allclose(g, grad, rtol=1e-11, atol=1e-15)


def test_what_the_chapter_quotes_from_torch_s_documentation():
    assert "Jacobian-vector product" in torch.func.jvp.__doc__
    assert "forward-mode autodiff" in torch.func.jvp.__doc__
    assert "vector-Jacobian product" in torch.func.vjp.__doc__
    assert "reverse-mode" in torch.func.vjp.__doc__
    assert "forward-over-reverse" in torch.func.hessian.__doc__
    assert "jacfwd(jacrev(func))" in torch.func.hessian.__doc__
