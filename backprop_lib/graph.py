"""A tiny computational graph of scalars, to see the chain rule at work.

Chapter "The chain rule" builds on it. Each Node holds a value, the nodes it was computed
from (its parents), and its local derivatives: d(self)/d(parent), one number per parent,
computed when the node is made. Nothing else is needed to differentiate:

- `backward(root)` visits the nodes from the root down (reverse topological order) and,
  for every edge, adds (gradient of the node) x (local derivative) to the parent's
  gradient: one multiplication per edge. Products already made are shared by every
  path that passes through a node. This is backpropagation (reverse-mode differentiation).
- `naive_gradient(root, leaf)` instead writes the chain rule out as a sum over every path
  from the leaf up to the root of the product of the local derivatives on the path: the
  same number, but nothing is shared, and the paths multiply with depth.

Both count their multiplications by a local derivative (starting from dL/dL = 1, so a path
of k edges costs k of them), which `chain_rule_costs` compares without enumerating paths.
`network_graph` builds the graph of a dense network for one example, one node per unit:
z = sum_j w_j a_j + b, a = f(z), and the loss 1/2 sum_i (a_i - y_i)^2, the "half_mse" loss of
backprop_lib for m = 1, so its gradients equal `Network.gradients` on the same weights.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_matrix, check_choice, describe


class Node:
    """A scalar value in a computation, with its parents and local derivatives.

    value: the number. parents: the Nodes it was computed from. local: d(value)/d(parent)
    for each parent, in the same order. requires_grad: whether a gradient flows to it
    (True for parameters and everything computed from one; False for data such as x, y).
    grad: dL/d(value), filled by `backward`.
    """

    __slots__ = ("value", "parents", "local", "op", "name", "requires_grad", "grad")

    def __init__(self, value, parents=(), local=(), op="", name="", requires_grad=None):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"value must be a real number; got {describe(value)}")
        if len(parents) != len(local):
            raise ValueError(f"local must hold one derivative per parent ({len(parents)}); "
                             f"got {len(local)}")
        for p in parents:
            if not isinstance(p, Node):
                raise TypeError(f"parents must be Nodes; got {describe(p)}")
        self.value = float(value)
        self.parents = tuple(parents)
        self.local = tuple(float(d) for d in local)
        self.op = op
        self.name = name
        if requires_grad is None:
            requires_grad = any(p.requires_grad for p in self.parents)
        self.requires_grad = bool(requires_grad)
        self.grad = 0.0

    def __repr__(self) -> str:
        label = self.name or self.op or "node"
        return f"Node({label} = {self.value:.6g}, grad = {self.grad:.6g})"

    # Arithmetic, each with its local derivatives.
    def __add__(self, other):
        other = _as_node(other)
        return Node(self.value + other.value, (self, other), (1.0, 1.0), "+")

    __radd__ = __add__

    def __mul__(self, other):
        other = _as_node(other)
        return Node(self.value * other.value, (self, other), (other.value, self.value), "*")

    __rmul__ = __mul__

    def __neg__(self):
        return Node(-self.value, (self,), (-1.0,), "neg")

    def __sub__(self, other):
        return self + (-_as_node(other))

    def __rsub__(self, other):
        return _as_node(other) + (-self)


def _as_node(x) -> Node:
    return x if isinstance(x, Node) else Node(x, op="const", requires_grad=False)


def parameter(value, name="") -> Node:
    """A leaf we want the gradient of (a weight or a bias)."""
    return Node(value, op="param", name=name, requires_grad=True)


def constant(value, name="") -> Node:
    """A leaf that is data (an input x or a target y): no gradient flows to it."""
    return Node(value, op="const", name=name, requires_grad=False)


def sigmoid(z: Node, name="") -> Node:
    """a = 1 / (1 + e^-z), with local derivative da/dz = a (1 - a)."""
    z = _as_node(z)
    a = 0.5 * (1.0 + math.tanh(0.5 * z.value))  # stable for large |z|
    return Node(a, (z,), (a * (1.0 - a),), "sigmoid", name)


def tanh(z: Node, name="") -> Node:
    """a = tanh z, with local derivative da/dz = 1 - a^2."""
    z = _as_node(z)
    a = math.tanh(z.value)
    return Node(a, (z,), (1.0 - a * a,), "tanh", name)


def identity(z: Node, name="") -> Node:
    """a = z, with local derivative 1."""
    z = _as_node(z)
    return Node(z.value, (z,), (1.0,), "identity", name)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "identity": identity}


def linear(weights, inputs, bias, name="") -> Node:
    """A unit's pre-activation z = sum_j w_j a_j + b, one node with 2n + 1 parents.

    Local derivatives: dz/dw_j = a_j, dz/da_j = w_j, dz/db = 1.
    """
    weights, inputs = list(weights), list(inputs)
    if len(weights) != len(inputs) or not weights:
        raise ValueError(f"weights and inputs must be two equally long, non-empty lists; "
                         f"got {len(weights)} and {len(inputs)}")
    weights = [_as_node(w) for w in weights]
    inputs = [_as_node(a) for a in inputs]
    bias = _as_node(bias)
    value = sum(w.value * a.value for w, a in zip(weights, inputs, strict=True)) + bias.value
    parents = (*weights, *inputs, bias)
    local = (*(a.value for a in inputs), *(w.value for w in weights), 1.0)
    return Node(value, parents, local, "linear", name)


def half_squared_error(outputs, targets, name="loss") -> Node:
    """L = 1/2 sum_i (a_i - y_i)^2.

    Local derivatives: dL/da_i = a_i - y_i and dL/dy_i = y_i - a_i.
    """
    outputs = [_as_node(a) for a in outputs]
    targets = [_as_node(y) for y in targets]
    if len(outputs) != len(targets) or not outputs:
        raise ValueError(f"outputs and targets must be two equally long, non-empty lists; "
                         f"got {len(outputs)} and {len(targets)}")
    diffs = [a.value - y.value for a, y in zip(outputs, targets, strict=True)]
    value = 0.5 * sum(d * d for d in diffs)
    return Node(value, (*outputs, *targets), (*diffs, *(-d for d in diffs)), "half_sq_error", name)


# --------------------------------------------------------------------------- differentiation


def topological_order(root: Node) -> list:
    """Every node the root depends on, each after all of its parents (root last)."""
    if not isinstance(root, Node):
        raise TypeError(f"root must be a Node; got {describe(root)}")
    order, seen, stack = [], set(), [(root, False)]
    while stack:  # iterative depth-first search: deep graphs do not hit the recursion limit
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if id(p) not in seen)
    return order


def backward(root: Node) -> int:
    """Fill node.grad = d(root)/d(node) for every node; return the multiplications used.

    One multiplication per edge into a node that requires a gradient: the node's gradient
    times the edge's local derivative, added to the parent's gradient.
    """
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    mults = 0
    for node in reversed(order):
        for parent, d in zip(node.parents, node.local, strict=True):
            if parent.requires_grad:
                parent.grad += node.grad * d
                mults += 1
    return mults


def naive_gradient(root: Node, leaf: Node) -> tuple[float, int]:
    """(d root / d leaf, multiplications), by summing a product over every path leaf -> root.

    Written out literally, with no sharing: use it on small graphs only (the number of
    paths grows exponentially with depth).
    """
    consumers = _consumers(topological_order(root))
    if id(leaf) not in consumers and leaf is not root:
        raise ValueError("leaf must be a node the root depends on")
    total, mults = 0.0, 0
    stack = [(leaf, 1.0, 0)]  # (node reached, product so far, its number of factors)
    while stack:
        node, product, k = stack.pop()
        if node is root:
            total += product
            mults += k
            continue
        for consumer, d in consumers[id(node)]:
            stack.append((consumer, product * d, k + 1))
    return total, mults


def path_counts(root: Node) -> dict:
    """For every node v: (number of paths v -> root, total number of edges on them), by id(v).

    Counted by dynamic programming from the root down, without enumerating the paths.
    """
    order = topological_order(root)
    counts = {id(root): (1, 0)}
    consumers = _consumers(order)
    for node in reversed(order[:-1]):
        paths = edges = 0
        for consumer, _ in consumers[id(node)]:
            p, e = counts[id(consumer)]
            paths += p
            edges += e + p
        counts[id(node)] = (paths, edges)
    return counts


def chain_rule_costs(root: Node, leaves) -> dict:
    """Multiplications to get d root / d leaf for all the given leaves, two ways.

    "backprop": one backward pass (one multiplication per edge that carries a gradient).
    "naive": every path product formed separately (sum over leaves of the edges on all
    their paths). "paths": the number of paths summed over the leaves.
    """
    counts = path_counts(root)
    leaves = list(leaves)
    naive = sum(counts[id(v)][1] for v in leaves)
    paths = sum(counts[id(v)][0] for v in leaves)
    mults = sum(1 for node in topological_order(root)
                for p in node.parents if p.requires_grad)
    return {"backprop": mults, "naive": naive, "paths": paths}


def _consumers(order) -> dict:
    """For every node (by id): the (consumer, local derivative) pairs of the edges leaving it."""
    consumers = {id(node): [] for node in order}
    for node in order:
        for parent, d in zip(node.parents, node.local, strict=True):
            consumers[id(parent)].append((node, d))
    return consumers


# --------------------------------------------------------------------------- networks as graphs


class NetworkGraph:
    """The graph of a dense network on one example: named nodes and the loss at the root.

    Names follow the book: x1, x2, ... (inputs, A0), W{l}_{ij} and b{l}_{i} (parameters),
    z{l}_{i} and a{l}_{i} (unit i of layer l), y1, ... (targets) and loss.
    """

    def __init__(self, nodes: dict, layer_sizes: list, activations: list):
        self.nodes = nodes
        self.layer_sizes = layer_sizes
        self.activations = activations
        self.loss = nodes["loss"]

    def __getitem__(self, name) -> Node:
        return self.nodes[name]

    @property
    def parameters(self) -> list:
        return [n for n in self.nodes.values() if n.op == "param"]

    def backward(self) -> int:
        """Backpropagate from the loss; return the multiplications used."""
        return backward(self.loss)

    def gradients(self) -> dict:
        """The parameters' gradients as arrays "dW1", "db1", ... (call backward first)."""
        out = {}
        for l in range(1, len(self.layer_sizes)):
            rows, cols = self.layer_sizes[l], self.layer_sizes[l - 1]
            out[f"dW{l}"] = np.array([[self.nodes[f"W{l}_{i}{j}"].grad for j in range(1, cols + 1)]
                                      for i in range(1, rows + 1)])
            out[f"db{l}"] = np.array([[self.nodes[f"b{l}_{i}"].grad] for i in range(1, rows + 1)])
        return out

    def costs(self) -> dict:
        """chain_rule_costs for all the parameters, plus "forward": the w * a products of one
        forward pass."""
        costs = chain_rule_costs(self.loss, self.parameters)
        sizes = self.layer_sizes
        costs["forward"] = sum(a * b for a, b in zip(sizes[1:], sizes[:-1], strict=True))
        return costs


def network_graph(params, x, y, activations="sigmoid") -> NetworkGraph:
    """Build the graph of a dense network for one example x (n_0 numbers) and target y.

    params: {"W1": (n_1, n_0), "b1": (n_1, 1) or (n_1,), ...} as in backprop_lib.Network.
    activations: one name ("sigmoid", "tanh", "identity") for every layer, or one per layer.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays W1, b1, ...; got {describe(params)}")
    L = sum(1 for k in params if k.startswith("W"))
    if L == 0 or set(params) != {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}:
        raise ValueError(f"params must hold W1, b1, ..., WL, bL; got keys {sorted(params)}")
    if isinstance(activations, str):
        activations = [activations] * L
    activations = list(activations)
    if len(activations) != L:
        raise ValueError(f"activations must have one name per layer ({L}); got {len(activations)}")
    for i, a in enumerate(activations):
        check_choice(a, f"activations[{i}] (layer {i + 1})", ACTIVATIONS)
    Ws = [as_matrix(params[f"W{l}"], f"params['W{l}']", np.float64) for l in range(1, L + 1)]
    sizes = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
    for l, W in enumerate(Ws, start=1):
        if W.shape != (sizes[l], sizes[l - 1]):
            raise ValueError(f"params['W{l}'] (layer {l}) must have shape "
                             f"{(sizes[l], sizes[l - 1])}; got {W.shape}")
    bs = []
    for l in range(1, L + 1):
        b = np.asarray(params[f"b{l}"], dtype=np.float64).reshape(-1, 1) \
            if np.size(params[f"b{l}"]) == sizes[l] else None
        if b is None:
            raise ValueError(f"params['b{l}'] (layer {l}) must hold {sizes[l]} numbers; "
                             f"got shape {np.shape(params[f'b{l}'])}")
        bs.append(b)
    x = _vector(x, "x", sizes[0])
    y = _vector(y, "y", sizes[-1])

    nodes = {}
    prev = []
    for j in range(sizes[0]):
        prev.append(constant(x[j], f"x{j + 1}"))
        nodes[f"x{j + 1}"] = prev[-1]
    for l in range(1, L + 1):
        f = ACTIVATIONS[activations[l - 1]]
        layer = []
        for i in range(1, sizes[l] + 1):
            ws = []
            for j in range(1, sizes[l - 1] + 1):
                w = parameter(Ws[l - 1][i - 1, j - 1], f"W{l}_{i}{j}")
                nodes[w.name] = w
                ws.append(w)
            b = parameter(bs[l - 1][i - 1, 0], f"b{l}_{i}")
            nodes[b.name] = b
            z = linear(ws, prev, b, name=f"z{l}_{i}")
            a = f(z, name=f"a{l}_{i}")
            nodes[z.name], nodes[a.name] = z, a
            layer.append(a)
        prev = layer
    targets = []
    for i in range(sizes[-1]):
        targets.append(constant(y[i], f"y{i + 1}"))
        nodes[f"y{i + 1}"] = targets[-1]
    nodes["loss"] = half_squared_error(prev, targets, name="loss")
    return NetworkGraph(nodes, sizes, activations)


def depth_costs(depths, width=2, n_in=2, seed=0) -> dict:
    """Chain-rule multiplications for networks of growing depth, counted on their graphs.

    For each depth L: a sigmoid network [n_in, width, ..., width, 1] with L layers and
    random weights (seeded). Returns arrays "depth", "params", "forward", "backprop",
    "naive" and "paths" (see NetworkGraph.costs).
    """
    rng = np.random.default_rng(seed)
    rows = {k: [] for k in ("depth", "params", "forward", "backprop", "naive", "paths")}
    for L in depths:
        if isinstance(L, bool) or not isinstance(L, (int, np.integer)) or L < 1:
            raise ValueError(f"depths must hold positive integers; got {L!r}")
        sizes = [n_in] + [width] * (L - 1) + [1]
        params = {}
        for l in range(1, L + 1):
            params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1]))
            params[f"b{l}"] = np.zeros((sizes[l], 1))
        g = network_graph(params, rng.standard_normal(n_in), [0.5])
        c = g.costs()
        rows["depth"].append(L)
        rows["params"].append(len(g.parameters))
        for k in ("forward", "backprop", "naive", "paths"):
            rows[k].append(c[k])
    return {k: np.array(v) for k, v in rows.items()}


def _vector(v, name, n):
    arr = np.asarray(v, dtype=np.float64).ravel()
    if arr.size != n:
        raise ValueError(f"{name} must hold {n} numbers (one example); got shape {np.shape(v)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite")
    return arr


__all__ = [
    "ACTIVATIONS",
    "Node",
    "NetworkGraph",
    "backward",
    "chain_rule_costs",
    "constant",
    "depth_costs",
    "half_squared_error",
    "identity",
    "linear",
    "naive_gradient",
    "network_graph",
    "parameter",
    "path_counts",
    "sigmoid",
    "tanh",
    "topological_order",
]
