"""The gradient as a chain of Jacobians, multiplied in either order, with the cost counted.

Chapter "Backpropagation against its alternatives" writes one example's network as
A{l} = F_l(A{l-1}, theta_l): the parameters theta_l = (W{l}, b{l}) enter at every layer.
With J_l = dA{l}/dA{l-1} = diag(f'(Z{l})) W{l}, of shape (n_l, n_{l-1}), and
B_l = dA{l}/dtheta_l, of shape (n_l, P_l), the gradient of the loss with respect to theta_l is

    dL/dtheta_l = (1 x n_L) (n_L x n_{L-1}) ... (n_{l+1} x n_l) (n_l x P_l)
                = u_L  J_L ... J_{l+1}  B_l,           u_L = dL/dA{L} (a row).

* "reverse" evaluates it left to right: u_{l-1} = u_l J_l is a vector-matrix product
  (n_l n_{l-1} multiply-adds), and the prefixes u_l = dA{l}^T are shared by every layer's
  parameters: that is backpropagation's dA chain. Each layer then adds u_l B_l.
* "forward" evaluates it right to left: T_l = dA{l}/dtheta_{<=l}, the tangents of A{l}
  along all the unit directions of the parameters of layers 1..l at once, is a matrix,
  T_l = [J_l T_{l-1}, B_l]. At the end dL/dtheta = u_L T_L.

One rule counts both orders (`rule`); the Jacobians J_l and the values of B_l are given,
and only the products of the chain are counted:

* "sparse" (the chapter's): B_l has one nonzero per column (a weight or bias of unit i
  moves only A{l}_i), so any (r x n_l) matrix times B_l costs r P_l, in both orders:
  u_l B_l costs P_l, J_{l+1} B_l costs n_{l+1} P_l. The products of dense matrices cost
  a b c for (a x b)(b x c).

      reverse: sum_{l>=2} n_l n_{l-1} + P
      forward: sum_{l>=2} (n_l n_{l-1} P_{<l-1} + n_l P_{l-1}) + n_L P_{<L} + P_L

* "dense": every factor, B_l too, is charged as a dense matrix, in both orders:

      reverse: sum_{l>=2} n_l n_{l-1} + sum_l n_l P_l
      forward: sum_{l>=2} n_l n_{l-1} P_{<l} + n_L P

P_{<l} counts the parameters of the layers below l. `chain_cost` gives the totals by
formula and `chain_gradient` performs the products for one example, counting each
multiply-add as it goes, so that a test (and the chapter) can check count against formula
and gradient against backpropagation. `parameter_jacobian` returns T_L itself. NumPy alone.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_choice, check_int, describe

ORDERS = ("reverse", "forward")
RULES = ("sparse", "dense")


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


def chain_cost(layer_sizes, order, rule="sparse") -> int:
    """Multiply-adds of one example's gradient, the chain evaluated in `order`, B_l counted
    by `rule` ("sparse": one nonzero per column; "dense"), by formula."""
    sizes, order = check_layer_sizes(layer_sizes), check_choice(order, "order", ORDERS)
    rule = check_choice(rule, "rule", RULES)
    n, L = sizes, len(sizes) - 1
    P_l = [0] + layer_params(sizes)          # P_l[l] for l = 1..L
    below = np.cumsum(P_l)                   # below[l] = P_1 + ... + P_l = P_{<l+1}
    P = int(below[L])
    vector_matrix = sum(n[l] * n[l - 1] for l in range(2, L + 1))
    if order == "reverse":
        return vector_matrix + (P if rule == "sparse" else sum(n[l] * P_l[l]
                                                                 for l in range(1, L + 1)))
    if rule == "dense":
        return int(sum(n[l] * n[l - 1] * below[l - 1] for l in range(2, L + 1)) + n[L] * P)
    return int(sum(n[l] * n[l - 1] * below[l - 2] + n[l] * P_l[l - 1] for l in range(2, L + 1))
               + n[L] * below[L - 1] + P_l[L])


class _Counter:
    """Products that count their multiply-adds (one per term of each sum)."""

    def __init__(self):
        self.multiply_adds = 0

    def matmul(self, a, b):
        """Dense (r x k)(k x c): r k c."""
        self.multiply_adds += a.shape[0] * a.shape[1] * b.shape[1]
        return a @ b

    def times_sparse(self, a, rows, values, dense_rule):
        """a (r x n) times B (n x p), B given by the row and value of its one nonzero per
        column: r p under the sparse rule, r n p under the dense one."""
        self.multiply_adds += a.shape[0] * rows.size * (a.shape[1] if dense_rule else 1)
        return a[:, rows] * values[None, :]


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
    return Js, Bs, u[:, 0][None, :]


def _check(net, x, y, order, rule):
    if not (hasattr(net, "params") and hasattr(net, "check_data")):
        raise TypeError(f"net must be a backprop_lib.Network; got {describe(net)}")
    order = check_choice(order, "order", ORDERS)
    rule = check_choice(rule, "rule", RULES)
    x, y = net.check_data(x, y)
    if x.shape[1] != 1:
        raise ValueError(f"x must be one example, shape ({net.layer_sizes[0]}, 1); "
                         f"got {x.shape}")
    return x, y, order, rule


def _right_to_left(Js, Bs, count, dense_rule):
    """T_L = dA{L}/dtheta, built as T_l = [J_l T_{l-1}, B_l]: J_l times the dense blocks of
    the layers below l-1, J_l times the sparse B_{l-1}; returns (dense part, B_L)."""
    dense = None                     # J_{l-1} ... B_k for k < l-1, one dense block
    for l in range(1, len(Js)):      # 0-based: Js[l] is J_{l+1}, Bs[l - 1] is B_l
        new = count.times_sparse(Js[l], *Bs[l - 1], dense_rule)
        dense = new if dense is None else np.hstack([count.matmul(Js[l], dense), new])
    return dense, Bs[-1]


def chain_gradient(net, x, y, order, rule="sparse"):
    """(gradient as a flat vector in the order of net.params, multiply-adds counted) for
    one example x (n_0, 1), the chain of Jacobians evaluated in `order`, B_l counted by
    `rule`.

    Needs a loss whose dL/dA{L} is finite at this example (not bce once sigma(z) rounds to
    1); the chapter uses it on its own network, far from saturation.
    """
    x, y, order, rule = _check(net, x, y, order, rule)
    Js, Bs, u = _jacobians(net, x, y)
    count, dense_rule = _Counter(), rule == "dense"
    if order == "reverse":
        pieces = [None] * net.L
        for l in range(net.L, 0, -1):        # u_l is dL/dA{l}, a row
            pieces[l - 1] = count.times_sparse(u, *Bs[l - 1], dense_rule)[0]   # u_l B_l
            if l > 1:
                u = count.matmul(u, Js[l - 1])    # u_{l-1} = u_l J_l, vector times matrix
        return np.concatenate(pieces), count.multiply_adds
    dense, (rows, values) = _right_to_left(Js, Bs, count, dense_rule)
    last = count.times_sparse(u, rows, values, dense_rule)[0]                 # u_L B_L
    if dense is None:
        return last, count.multiply_adds
    return np.concatenate([count.matmul(u, dense)[0], last]), count.multiply_adds


def parameter_jacobian(net, x):
    """T_L = dA{L}/dtheta (n_L x P) for one example x (n_0, 1), multiplied right to left,
    its columns in the order of net.params."""
    x, _, _, _ = _check(net, x, np.zeros((net.layer_sizes[-1], 1)), "forward", "sparse")
    Js, Bs, _ = _jacobians(net, x, np.zeros((net.layer_sizes[-1], 1)))
    dense, (rows, values) = _right_to_left(Js, Bs, _Counter(), False)
    last = np.zeros((net.layer_sizes[-1], rows.size))
    last[rows, np.arange(rows.size)] = values
    return last if dense is None else np.hstack([dense, last])


def uniform_sizes(width, depth, n_in=2, n_out=1):
    """[n_in, width x depth, n_out]: `depth` hidden layers of equal `width`."""
    width, depth = check_int(width, "width", low=1), check_int(depth, "depth", low=1)
    return [n_in] + [width] * depth + [n_out]


def cost_table(widths, depths, rule="sparse"):
    """One row per (depth, width): the layer sizes, P, both orders' multiply-adds by
    `rule`, and the ratio right to left / left to right, also per parameter (ratio / P)."""
    rows = []
    for depth in depths:
        for width in widths:
            sizes = uniform_sizes(width, depth)
            rev, fwd = (chain_cost(sizes, order, rule) for order in ORDERS)
            P = sum(layer_params(sizes))
            rows.append({"depth": depth, "width": width, "sizes": sizes, "P": P,
                         "reverse": rev, "forward": fwd, "ratio": fwd / rev,
                         "ratio_per_P": fwd / rev / P})
    return rows
