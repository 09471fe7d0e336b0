"""A tiny computational graph of scalars, to see the chain rule at work.

Chapter "The chain rule" builds on it. Each Node holds a value, the nodes it was computed
from (its parents), and its local derivatives: d(self)/d(parent), one number per parent,
computed by the operation that makes the node. Each operation owns its local derivative,
as in micrograd: a + b gives 1 and 1, a * b gives b and a, a ** n gives n a^(n-1), a / b
gives 1/b and -a/b^2, relu, tanh, sigmoid, exp and log give their derivatives at the input.
Nothing else is needed to differentiate:

- `backward(root)` (or `root.backward()`) visits the nodes from the root down (reverse
  topological order) and, for every edge, adds (gradient of the node) x (local derivative)
  to the parent's gradient: one multiplication per edge. Products already made are shared
  by every path that passes through a node. This is backpropagation (reverse-mode
  differentiation).
- `naive_gradient(root, leaf)` instead writes the chain rule out as a sum over every path
  from the leaf up to the root of the product of the local derivatives on the path: the
  same number, but nothing is shared, and the paths multiply with depth.

Both count their multiplications by a local derivative (starting from dL/dL = 1, so a path
of k edges costs k of them), which `chain_rule_costs` compares without enumerating paths.
`network_graph` builds the graph of a dense network for one example, one node per unit:
z = sum_j w_j a_j + b, a = f(z), and the loss 1/2 sum_i (a_i - y_i)^2, the "half_mse" loss of
backprop_lib for m = 1, so its gradients equal `Network.gradients` on the same weights.

micrograd's engine names work here too: `Value` is another name for `Node`, `.data` for
`.value`, and `z.relu()`, `z.tanh()`, `z.exp()`, `z.log()` and `z.backward()` are methods:

    a = Value(-4.0); b = Value(2.0); c = a + b; d = a * b + b**3; g = (c - d) ** 2 / 2.0
    g.backward(); a.grad, b.grad          # dg/da, dg/db

A leaf you make (`Node(x)`, `Value(x)`, `parameter(x)`) gets its gradient; `constant(x)`
and the plain numbers mixed into an expression (the 2 of `2 * x`) are data: no gradient
flows to them and their `.grad` is None. The file needs only the Python standard library,
so it also runs in a web page's Python (Pyodide), where NumPy is absent; there
`NetworkGraph.gradients` and `depth_costs` return lists instead of NumPy arrays.
"""

from __future__ import annotations

import math
import numbers
import random
import sys


def _is_real(x) -> bool:
    # numbers.Real covers int, float and NumPy's real scalars, without importing NumPy
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _describe(value) -> str:
    """A short description of a value for error messages."""
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # a NumPy array or the like
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"{value!r} ({type(value).__name__})"


class Node:
    """A scalar value in a computation, with its parents and local derivatives.

    value (also `.data`): the number. parents: the Nodes it was computed from. local:
    d(value)/d(parent) for each parent, in the same order. requires_grad: whether a
    gradient flows to it: by default True for a leaf (a node without parents) and, for a
    computed node, True when any parent requires one; `constant` makes data (x, y) with
    False. grad: dL/d(value), filled by `backward`; None on a node that requires no gradient.
    `Value` is the same class under micrograd's name.
    """

    __slots__ = ("value", "parents", "local", "op", "name", "requires_grad", "grad")

    def __init__(self, value, parents=(), local=(), op="", name="", requires_grad=None):
        if not _is_real(value):
            raise TypeError(f"value must be a real number; got {_describe(value)}")
        if not isinstance(parents, (list, tuple)) or not isinstance(local, (list, tuple)):
            raise TypeError(f"parents and local must be tuples; got {_describe(parents)} "
                            f"and {_describe(local)}")
        if len(parents) != len(local):
            raise ValueError(f"local must hold one derivative per parent ({len(parents)}); "
                             f"got {len(local)}")
        for p in parents:
            if not isinstance(p, Node):
                raise TypeError(f"parents must be Nodes; got {_describe(p)}")
        for d in local:
            if not _is_real(d):
                raise TypeError(f"local must hold real numbers (derivatives); got {_describe(d)}")
        self.value = float(value)
        self.parents = tuple(parents)
        self.local = tuple(float(d) for d in local)
        self.op = op
        self.name = name
        if requires_grad is None:  # a leaf made by hand is something we differentiate by
            requires_grad = any(p.requires_grad for p in self.parents) if parents else True
        self.requires_grad = bool(requires_grad)
        self.grad = 0.0 if self.requires_grad else None

    @property
    def data(self) -> float:
        """The value, under micrograd's name. Setting it does not recompute the nodes
        already made from this one: build the expression again, as micrograd does."""
        return self.value

    @data.setter
    def data(self, value):
        if not _is_real(value):
            raise TypeError(f"data must be a real number; got {_describe(value)}")
        self.value = float(value)

    def __repr__(self) -> str:
        label = self.name or self.op or "node"
        grad = "None" if self.grad is None else f"{self.grad:.6g}"
        return f"Node({label} = {self.value:.6g}, grad = {grad})"

    def backward(self) -> int:
        """Backpropagate from this node: see the function `backward`."""
        return backward(self)

    # Arithmetic, each with its local derivatives.
    def __add__(self, other):
        other = _operand(other, "+")
        return Node(self.value + other.value, (self, other), (1.0, 1.0), "+")

    def __radd__(self, other):
        return _operand(other, "+") + self

    def __mul__(self, other):
        other = _operand(other, "*")
        return Node(self.value * other.value, (self, other), (other.value, self.value), "*")

    def __rmul__(self, other):
        return _operand(other, "*") * self

    def __neg__(self):
        return Node(-self.value, (self,), (-1.0,), "neg")

    def __sub__(self, other):
        return self + (-_operand(other, "-"))

    def __rsub__(self, other):
        return _operand(other, "-") + (-self)

    def __truediv__(self, other):
        """a / b, with d/da = 1/b and d/db = -a/b^2 = -(a/b)/b."""
        other = _operand(other, "/")
        if other.value == 0.0:
            raise ValueError(f"division by zero: {self.value} / 0")
        q = self.value / other.value
        return Node(q, (self, other), (1.0 / other.value, -q / other.value), "/")

    def __rtruediv__(self, other):
        return _operand(other, "/") / self

    def __pow__(self, n):
        """a ** n for a number n, with d/da = n a^(n-1)."""
        if isinstance(n, Node):
            raise TypeError("the exponent of ** must be a number, not a Node: for a ** b with "
                            "both nodes write exp(b * log(a))")
        if not _is_real(n):
            raise TypeError(f"the exponent of ** must be a real number; got {_describe(n)}")
        a = self.value
        try:
            n = float(n)
            value = a ** n
            d = 0.0 if n == 0.0 else n * a ** (n - 1.0)
        except ZeroDivisionError:
            raise ValueError(f"{a} ** {n} or its derivative is infinite (0 to a negative "
                             f"power)") from None
        except OverflowError:
            raise ValueError(f"x ** n overflows a float (x = {a})") from None
        if isinstance(value, complex) or isinstance(d, complex):
            raise ValueError(f"{a} ** {n} is not a real number (a negative base needs a "
                             f"whole exponent)")
        return Node(value, (self,), (d,), "**")

    def __rpow__(self, base):
        raise TypeError("a number ** a Node is not supported: write exp(x * log(base))")

    # Functions, as methods (micrograd writes z.relu()).
    def relu(self):
        return relu(self)

    def leaky_relu(self):
        return leaky_relu(self)

    def tanh(self):
        return tanh(self)

    def sigmoid(self):
        return sigmoid(self)

    def exp(self):
        return exp(self)

    def log(self):
        return log(self)


Value = Node  # micrograd's name for the same thing


def _operand(x, op) -> Node:
    """The other operand of an arithmetic operation: a Node, or a number made a constant."""
    if isinstance(x, Node):
        return x
    if not _is_real(x):
        raise TypeError(f"the inputs of {op} must be Nodes or real numbers; got {_describe(x)}")
    return Node(x, op="const", requires_grad=False)


def _as_node(x) -> Node:
    """An input of a function (sigmoid, linear, ...): a Node, or a number made a constant."""
    return _operand(x, "a graph function")


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


def relu(z: Node, name="") -> Node:
    """a = max(z, 0), with local derivative 1 for z > 0, else 0 (0 at the kink, as PyTorch)."""
    z = _as_node(z)
    positive = z.value > 0.0
    return Node(z.value if positive else 0.0, (z,), (1.0 if positive else 0.0,), "relu", name)


LEAKY_SLOPE = 0.01  # as backprop_lib.activations (PyTorch's default negative_slope)


def leaky_relu(z: Node, name="") -> Node:
    """a = z for z > 0, else 0.01 z, with local derivative 1 or 0.01."""
    z = _as_node(z)
    positive = z.value > 0.0
    return Node(z.value if positive else LEAKY_SLOPE * z.value, (z,),
                (1.0 if positive else LEAKY_SLOPE,), "leaky_relu", name)


def identity(z: Node, name="") -> Node:
    """a = z, with local derivative 1."""
    z = _as_node(z)
    return Node(z.value, (z,), (1.0,), "identity", name)


def exp(z: Node, name="") -> Node:
    """a = e^z, with local derivative da/dz = e^z = a."""
    z = _as_node(z)
    try:
        a = math.exp(z.value)
    except OverflowError:
        raise ValueError(f"exp({z.value}) overflows a float: z must be at most "
                         f"{math.log(sys.float_info.max):.2f}") from None
    return Node(a, (z,), (a,), "exp", name)


def log(z: Node, name="") -> Node:
    """a = ln z for z > 0, with local derivative da/dz = 1/z."""
    z = _as_node(z)
    if not z.value > 0.0:
        raise ValueError(f"log needs a positive input; got {z.value}")
    return Node(math.log(z.value), (z,), (1.0 / z.value,), "log", name)


def maximum(a: Node, b: Node, name="") -> Node:
    """max(a, b), with local derivatives (1, 0) when a >= b, else (0, 1): the gradient is
    routed to the larger input only (to a on a tie). Chapter "The chain rule" (gate patterns).
    """
    a, b = _as_node(a), _as_node(b)
    first = a.value >= b.value
    return Node(a.value if first else b.value, (a, b), (1.0, 0.0) if first else (0.0, 1.0),
                "max", name)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu,
               "identity": identity}


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
        raise TypeError(f"root must be a Node; got {_describe(root)}")
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
    times the edge's local derivative, added (+=) to the parent's gradient. Adding is the
    chain rule's sum over paths: a node used twice (x * x, or one a feeding two units)
    has two edges out, and receives one contribution along each.

    First it sets to 0 the gradient of every node the root depends on (those it will add
    into), so calling it twice gives the same numbers, not twice them. (micrograd instead
    keeps adding until you zero the gradients yourself.) Gradients of nodes the root does
    not depend on are left alone: after backward(L2), a leaf shared with another root L1
    holds dL2/dleaf only.
    """
    order = topological_order(root)
    for node in order:
        node.grad = 0.0 if node.requires_grad else None
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


def _numpy_or_lists(table: dict) -> dict:
    """The lists of `table` as NumPy arrays when NumPy is installed (the chapters compute
    with them), else the lists themselves (Python in a web page has no NumPy)."""
    try:
        import numpy as np
    except ImportError:
        return table
    return {k: np.array(v) for k, v in table.items()}


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
        """The parameters' gradients "dW1" (n_1 x n_0), "db1" (n_1 x 1), ... (call backward
        first): NumPy arrays, or nested lists where NumPy is not installed."""
        out = {}
        for l in range(1, len(self.layer_sizes)):
            rows, cols = self.layer_sizes[l], self.layer_sizes[l - 1]
            out[f"dW{l}"] = [[self.nodes[f"W{l}_{i}{j}"].grad for j in range(1, cols + 1)]
                             for i in range(1, rows + 1)]
            out[f"db{l}"] = [[self.nodes[f"b{l}_{i}"].grad] for i in range(1, rows + 1)]
        return _numpy_or_lists(out)

    def costs(self) -> dict:
        """chain_rule_costs for all the parameters, plus "forward": the w * a products of one
        forward pass."""
        costs = chain_rule_costs(self.loss, self.parameters)
        sizes = self.layer_sizes
        costs["forward"] = sum(a * b for a, b in zip(sizes[1:], sizes[:-1], strict=True))
        return costs


def network_graph(params, x, y, activations="sigmoid") -> NetworkGraph:
    """Build the graph of a dense network for one example x (n_0 numbers) and target y.

    params: {"W1": (n_1, n_0), "b1": (n_1, 1) or (n_1,), ...} as in backprop_lib.Network
    (NumPy arrays or nested lists). activations: one name for every layer, or one per layer,
    among those of Network: "sigmoid", "tanh", "relu", "leaky_relu" (slope 0.01), "identity".
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays W1, b1, ...; got {_describe(params)}")
    L = sum(1 for k in params if isinstance(k, str) and k.startswith("W"))
    if L == 0 or set(params) != {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}:
        raise ValueError(f"params must hold W1, b1, ..., WL, bL; got keys "
                         f"{sorted(map(str, params))}")
    if isinstance(activations, str):
        activations = [activations] * L
    if not isinstance(activations, (list, tuple)):
        raise TypeError(f"activations must be a name or a list of {L} names; "
                        f"got {_describe(activations)}")
    activations = list(activations)
    if len(activations) != L:
        raise ValueError(f"activations must have one name per layer ({L}); got {len(activations)}")
    for i, a in enumerate(activations):
        name = f"activations[{i}] (layer {i + 1})"
        if not isinstance(a, str):
            raise TypeError(f"{name} must be a string, one of {sorted(ACTIVATIONS)}; "
                            f"got {_describe(a)}")
        if a not in ACTIVATIONS:
            raise ValueError(f"unknown {name} {a!r}; expected one of {sorted(ACTIVATIONS)}")
    Ws, sizes = [], None
    for l in range(1, L + 1):
        flat, shape = _numbers(params[f"W{l}"], f"params['W{l}']")
        if len(shape) != 2 or 0 in shape:
            raise ValueError(f"params['W{l}'] (layer {l}) must be a 2-D array of numbers; "
                             f"got shape {shape}")
        if sizes is None:
            sizes = [shape[1]]
        if shape != (shape[0], sizes[l - 1]):
            raise ValueError(f"params['W{l}'] (layer {l}) must have shape "
                             f"{(shape[0], sizes[l - 1])}; got {shape}")
        sizes.append(shape[0])
        Ws.append([flat[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])])
    bs = []
    for l in range(1, L + 1):
        b, shape = _numbers(params[f"b{l}"], f"params['b{l}']")
        if len(b) != sizes[l]:
            raise ValueError(f"params['b{l}'] (layer {l}) must hold {sizes[l]} numbers; "
                             f"got shape {shape}")
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
                w = parameter(Ws[l - 1][i - 1][j - 1], f"W{l}_{i}{j}")
                nodes[w.name] = w
                ws.append(w)
            b = parameter(bs[l - 1][i - 1], f"b{l}_{i}")
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
    random weights (seeded; the counts depend only on the sizes). Returns "depth", "params",
    "forward", "backprop", "naive" and "paths" (see NetworkGraph.costs): NumPy arrays, or
    lists where NumPy is not installed.
    """
    rng = random.Random(seed)
    rows = {k: [] for k in ("depth", "params", "forward", "backprop", "naive", "paths")}
    for L in depths:
        if not isinstance(L, numbers.Integral) or isinstance(L, bool) or L < 1:
            raise ValueError(f"depths must hold positive integers; got {L!r}")
        sizes = [n_in] + [width] * (L - 1) + [1]
        params = {}
        for l in range(1, L + 1):
            params[f"W{l}"] = [[rng.gauss(0.0, 1.0) for _ in range(sizes[l - 1])]
                               for _ in range(sizes[l])]
            params[f"b{l}"] = [0.0] * sizes[l]
        g = network_graph(params, [rng.gauss(0.0, 1.0) for _ in range(n_in)], [0.5])
        c = g.costs()
        rows["depth"].append(int(L))
        rows["params"].append(len(g.parameters))
        for k in ("forward", "backprop", "naive", "paths"):
            rows[k].append(c[k])
    return _numpy_or_lists(rows)


def _numbers(value, name) -> tuple[list, tuple]:
    """(the finite real numbers of an array or nested lists, flattened row by row; its shape)."""
    if hasattr(value, "tolist"):  # a NumPy array (or a tensor): its numbers as Python floats
        value = value.tolist()
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise TypeError(f"{name} must be an array of numbers; got {_describe(value)}")
    shape, level = (), [value]
    while True:  # one nesting level at a time, checking that it is rectangular
        if all(_is_real(v) for v in level):
            break
        if not all(isinstance(v, (list, tuple)) for v in level):
            raise TypeError(f"{name} must hold only real numbers; got {_describe(value)}")
        lengths = {len(v) for v in level}
        if len(lengths) != 1:
            raise ValueError(f"{name} must be a rectangular array of numbers (rows of one length)")
        shape += (lengths.pop(),)
        level = [u for v in level for u in v]
    flat = [float(v) for v in level]
    if not all(math.isfinite(v) for v in flat):
        bad = sum(1 for v in flat if not math.isfinite(v))
        raise ValueError(f"{name} must be finite; it holds {bad} NaN or infinite value(s)")
    return flat, shape


def _vector(v, name, n):
    flat, shape = _numbers(v, name)
    if len(flat) != n:
        raise ValueError(f"{name} must hold {n} numbers (one example); got shape {shape}")
    return flat


__all__ = [
    "ACTIVATIONS",
    "LEAKY_SLOPE",
    "Node",
    "NetworkGraph",
    "Value",
    "backward",
    "chain_rule_costs",
    "constant",
    "depth_costs",
    "exp",
    "half_squared_error",
    "identity",
    "leaky_relu",
    "linear",
    "log",
    "naive_gradient",
    "network_graph",
    "parameter",
    "path_counts",
    "relu",
    "sigmoid",
    "tanh",
    "topological_order",
]
