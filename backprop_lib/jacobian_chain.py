"""The gradient as a chain of Jacobians, multiplied in either order, with the cost counted.

Chapter "Backpropagation against its alternatives" writes one example's network as
A{l} = F_l(A{l-1}, theta_l): the parameters theta_l = (W{l}, b{l}) enter at every layer.
With J_l = dA{l}/dA{l-1} = diag(f'(Z{l})) W{l}, of shape (n_l, n_{l-1}), and
B_l = dA{l}/dtheta_l, of shape (n_l, P_l), the gradient of the loss with respect to theta_l is

    dL/dtheta_l = (1 x n_L) (n_L x n_{L-1}) ... (n_{l+1} x n_l) (n_l x P_l)
                = u_L  J_L ... J_{l+1}  B_l,           u_L = dL/dA{L}.

* "reverse" evaluates it left to right: u_{l-1} = u_l J_l is a vector-matrix product
  (n_l n_{l-1} multiply-adds), and the prefixes u_l are shared by every layer's
  parameters: that is backpropagation's dA chain.
* "forward" evaluates it right to left: T_l = dA{l}/dtheta, the tangents of A{l} along all
  P unit directions at once, is a matrix; T_l = J_l T_{l-1} (plus B_l's new columns) costs
  n_l n_{l-1} P_{<l} multiply-adds, where P_{<l} counts the parameters of the layers below l.
  At the end dL/dtheta = u_L T_L costs n_L P.

B_l has one nonzero entry per column (a weight or bias of unit i moves only A{l}_i), so
u_l B_l costs P_l multiply-adds and placing B_l in T_l costs none. `chain_cost` gives the
two totals by formula,

    reverse: sum_{l>=2} n_l n_{l-1} + P          forward: sum_{l>=2} n_l n_{l-1} P_{<l} + n_L P,

and `chain_gradient` performs the products for one example, counting every multiply-add,
so that a test (and the chapter) can check count against formula and gradient against
backpropagation. NumPy alone.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_choice, check_int, describe

ORDERS = ("reverse", "forward")


def check_layer_sizes(layer_sizes) -> list:
    """The layer sizes n_0, ..., n_L as a list of positive ints (at least two)."""
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(f"layer_sizes must be a sequence of ints; got {describe(layer_sizes)}")
    sizes = [check_int(n, "layer_sizes entry", low=1) for n in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes must have at least 2 entries; got {sizes}")
    return sizes


def layer_params(layer_sizes):
    """P_l = n_l (n_{l-1} + 1) for l = 1..L: the weights and biases of each layer."""
    sizes = check_layer_sizes(layer_sizes)
    return [sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes))]


def chain_cost(layer_sizes, order) -> int:
    """Multiply-adds of one example's gradient, the chain evaluated in `order`, by formula."""
    sizes, order = check_layer_sizes(layer_sizes), check_choice(order, "order", ORDERS)
    P_l = layer_params(sizes)
    P = sum(P_l)
    if order == "reverse":
        return sum(sizes[l] * sizes[l - 1] for l in range(2, len(sizes))) + P
    below = np.cumsum([0] + P_l)  # below[l - 1] = P_{<l}
    return int(sum(sizes[l] * sizes[l - 1] * below[l - 1] for l in range(2, len(sizes)))
               + sizes[-1] * P)


class _Counter:
    """Matrix products that count their multiply-adds (one per term of each sum)."""

    def __init__(self):
        self.multiply_adds = 0

    def matmul(self, a, b):
        self.multiply_adds += a.shape[0] * a.shape[1] * b.shape[1]
        return a @ b


def _jacobians(net, x, y):
    """J_l (dense), the rows and values of B_l's nonzeros (one per column), and u_L."""
    A, Js, Bs = x, [], []
    for l in range(1, net.L + 1):
        W, b = net.params[f"W{l}"], net.params[f"b{l}"]
        Z = W @ A + b
        A_new = net._f[l - 1](Z)
        slope = net._f[l - 1].derivative(Z, A_new)[:, 0]  # f'(Z{l}), one example
        Js.append(slope[:, None] * W)
        n_out, n_in = W.shape
        # columns in the order of the parameters: W{l} row by row, then b{l}
        rows = np.concatenate([np.repeat(np.arange(n_out), n_in), np.arange(n_out)])
        values = np.concatenate([(slope[:, None] * A[:, 0][None, :]).ravel(), slope])
        Bs.append((rows, values))
        A = A_new
    u = net._loss.gradient(A, y)  # dL/dA{L} for this one example, shape (n_L, 1)
    return Js, Bs, u[:, 0][None, :], Z


def chain_gradient(net, x, y, order):
    """(gradient as a flat vector in the order of net.params, multiply-adds counted) for
    one example x (n_0, 1), the chain of Jacobians evaluated in `order`.

    Needs a loss whose dL/dA{L} is finite at this example (not bce once sigma(z) rounds to
    1); the chapter uses it on its own network, far from saturation.
    """
    if not (hasattr(net, "params") and hasattr(net, "check_data")):
        raise TypeError(f"net must be a backprop_lib.Network; got {describe(net)}")
    order = check_choice(order, "order", ORDERS)
    x, y = net.check_data(x, y)
    if x.shape[1] != 1:
        raise ValueError(f"x must be one example, shape ({net.layer_sizes[0]}, 1); "
                         f"got {x.shape}")
    Js, Bs, u, _ = _jacobians(net, x, y)
    count = _Counter()
    P_l = layer_params(net.layer_sizes)
    if order == "reverse":
        pieces = [None] * net.L
        for l in range(net.L, 0, -1):        # u_l is dL/dA{l}
            rows, values = Bs[l - 1]
            pieces[l - 1] = u[0, rows] * values   # u_l B_l: one multiply per column
            count.multiply_adds += P_l[l - 1]
            if l > 1:
                u = count.matmul(u, Js[l - 1])    # u_{l-1} = u_l J_l, vector times matrix
        return np.concatenate(pieces), count.multiply_adds
    T = None                                  # dA{l}/dtheta for the layers seen so far
    for l in range(1, net.L + 1):
        rows, values = Bs[l - 1]
        B = np.zeros((net.layer_sizes[l], P_l[l - 1]))
        B[rows, np.arange(P_l[l - 1])] = values      # placed, not multiplied
        T = B if T is None else np.hstack([count.matmul(Js[l - 1], T), B])
    return count.matmul(u, T)[0], count.multiply_adds
