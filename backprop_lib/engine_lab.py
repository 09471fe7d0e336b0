"""Build your own engine: the lab of chapter "The chain rule".

The learner writes the three pieces of a micrograd-style scalar engine:

- `local_grads(node)`: the local derivatives d(node)/d(input), one number per input in
  `node.inputs`, from the values already stored (the backward rule of each operation);
- `topological_order(root)`: every node the root depends on, each after all its inputs;
- `backward(root, local_grads, topological_order)`: set every gradient to 0, the root's to 1,
  and walk the order backwards adding gradient x local derivative into each input (+=).

`check_engine(local_grads, topological_order, backward)` runs them on a few small
expressions that fan out (a node used two or three times) and compares node by node with
`backprop_lib.graph` (the book's engine) and with central differences. It names the first
node that is wrong and what is wrong there.

`Value` is the lab's node: it records the operation and its inputs only; its local
derivatives are what the learner's `local_grads` computes. The module needs the Python
standard library alone, as `graph.py` does, so it runs in a web page's Python (Pyodide):
loaded by its path it finds `graph.py` beside it, without importing the package (whose
`__init__` imports NumPy).
"""

from __future__ import annotations

import math
import numbers
import os

if __package__:
    from . import graph
else:  # loaded by its path (the page's Python): graph.py sits beside this file
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "graph", os.path.join(os.path.dirname(os.path.abspath(__file__)), "graph.py"))
    graph = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(graph)

OPS = ("+", "*", "**", "tanh", "exp", "relu")


def _real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


class Value:
    """A scalar of the lab's engine: data, grad, the inputs it was made from and the op.

    op is "leaf" for a number you make, or one of OPS; `exponent` is the n of a ** n.
    Numbers mixed into an expression (the 2 of 2 * x) become leaves too.
    """

    __slots__ = ("data", "grad", "inputs", "op", "exponent", "name")

    def __init__(self, data, inputs=(), op="leaf", name="", exponent=None):
        if not _real(data):
            raise TypeError(f"data must be a real number; got {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.inputs = tuple(inputs)
        self.op = op
        self.exponent = exponent
        self.name = name

    def __repr__(self) -> str:
        return f"Value({self.name or self.op} = {self.data:.6g}, grad = {self.grad:.6g})"

    def named(self, name):
        """Give the node a name (used in the checker's messages); returns the node."""
        self.name = name
        return self

    def __add__(self, other):
        other = _value(other)
        return Value(self.data + other.data, (self, other), "+")

    __radd__ = __add__

    def __mul__(self, other):
        other = _value(other)
        return Value(self.data * other.data, (self, other), "*")

    __rmul__ = __mul__

    def __pow__(self, n):
        if not _real(n):
            raise TypeError(f"the exponent of ** must be a number; got {n!r}")
        return Value(self.data ** n, (self,), "**", exponent=float(n))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-_value(other))

    def __rsub__(self, other):  # 1 - x
        return _value(other) + (-self)

    def __truediv__(self, other):
        return self * _value(other) ** -1

    def __rtruediv__(self, other):  # 2 / x
        return _value(other) * self ** -1

    def tanh(self):
        return Value(math.tanh(self.data), (self,), "tanh")

    def exp(self):
        return Value(math.exp(self.data), (self,), "exp")

    def relu(self):
        return Value(max(self.data, 0.0), (self,), "relu")


def _value(x) -> Value:
    if isinstance(x, Value):
        return x
    if not _real(x):
        raise TypeError(f"the inputs of an operation must be Values or numbers; got {x!r}")
    return Value(x, name=f"{x:g}")


# ------------------------------------------------------------ the learner's three pieces

def local_grads(node):
    """d(node)/d(input) for each input in node.inputs (a tuple), from stored values.

    node.op is one of "leaf" (no inputs: return ()), "+", "*", "**" (the exponent n is
    node.exponent), "tanh", "exp", "relu"; node.data is the node's own value and
    node.inputs[k].data the value of its k-th input.
    """
    raise NotImplementedError  # your code here


def topological_order(root):
    """Every node root depends on, each after all of its inputs, root last (a list)."""
    raise NotImplementedError  # your code here


def backward(root, local_grads, topological_order):
    """Fill .grad = d(root)/d(node) on every node root depends on."""
    raise NotImplementedError  # your code here


# ------------------------------------------------------------------ the test expressions

def _fork(a, b):
    """a is used three times: in c = a * b, in d = c + a and in L = d * a."""
    c = (a * b).named("c")
    d = (c + a).named("d")
    return (d * a).named("L")


def _unit(x, w, b):
    """One tanh unit, its squared error and a weight penalty: z = w x + b, h = tanh z,
    e = h - 0.5, L = 0.1 w^2 + e^2; w is used twice (in the penalty and in z). The penalty
    comes first, so a reverse topological order reaches w ** 2 after w * x: a backward pass
    that assigns (=) at ** nodes loses w * x's share here."""
    s = (0.1 * (w ** 2).named("q")).named("s")
    z = (w * x + b).named("z")
    h = z.tanh().named("h")
    e = (h - 0.5).named("e")
    return (s + e ** 2).named("L")


def _gates(u, v):
    """relu of a negative and a positive input, exp, a power and a division; u and v are
    each used three times (relu, u * v, and v ** 3 / u)."""
    p = (u.relu() + v.relu()).named("p")
    q = (u * v).exp().named("q")
    r = (v ** 3 / u).named("r")
    return (p * q + r).named("L")


#: (name, expression, {leaf: value}) for each expression the checker runs.
EXPRESSIONS = (
    ("the fork", _fork, {"a": 2.5, "b": -3.0}),
    ("the tanh unit", _unit, {"x": 0.5, "w": -1.2, "b": 0.3}),
    ("the gates", _gates, {"u": -0.7, "v": 1.3}),
)


def build(expression, leaves):
    """(root, {name: leaf}) of an expression built from fresh leaves."""
    made = {k: Value(v, name=k) for k, v in leaves.items()}
    return expression(*made.values()), made


# -------------------------------------------------------------------- the reference

def _order(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.inputs if id(p) not in seen)
    return order


def _mirror(root):
    """The same expression in backprop_lib.graph: (root, {id(lab node): graph node})."""
    made = {}
    for node in _order(root):
        ins = [made[id(p)] for p in node.inputs]
        if node.op == "leaf":
            g = graph.Node(node.data, name=node.name)
        elif node.op == "+":
            g = ins[0] + ins[1]
        elif node.op == "*":
            g = ins[0] * ins[1]
        elif node.op == "**":
            g = ins[0] ** node.exponent
        elif node.op in ("tanh", "exp", "relu"):
            g = getattr(graph, node.op)(ins[0])
        else:
            raise ValueError(f"unknown op {node.op!r}; expected one of {OPS}")
        made[id(node)] = g
    return made[id(root)], made


def _names(root):
    """A readable name for every node: its own, or one made from its op (t1, t2, ...)."""
    names, k = {}, 0
    for node in _order(root):
        if node.name:
            names[id(node)] = node.name
        else:
            k += 1
            names[id(node)] = f"t{k}"
    return names


def describe(node, names) -> str:
    """'c = a * b' for the checker's messages."""
    ins = [names[id(p)] for p in node.inputs]
    me = names[id(node)]
    if node.op == "+":
        return f"{me} = {ins[0]} + {ins[1]}"
    if node.op == "*":
        return f"{me} = {ins[0]} * {ins[1]}"
    if node.op == "**":
        return f"{me} = {ins[0]} ** {node.exponent:g}"
    if node.op == "leaf":
        return f"the leaf {me}"
    return f"{me} = {node.op}({ins[0]})"


def _close(a, b) -> bool:
    # a bool is accepted as a number (True * g is g), so relu may return (x > 0,)
    return (isinstance(a, numbers.Real) and math.isfinite(a)
            and abs(a - b) <= 1e-7 * max(1.0, abs(b)))


# ---------------------------------------------------------------------------- feedback

class Feedback:
    """The verdict: ok, and a message (shaped like backprop_lib.exercises.checking's; a
    plain class, since a dataclass needs its module registered, which a file loaded by its
    path in the page's Python is not)."""

    __slots__ = ("ok", "message")

    def __init__(self, ok: bool, message: str):
        self.ok, self.message = bool(ok), str(message)

    def __str__(self) -> str:
        return ("Correct: " if self.ok else "Not yet: ") + self.message

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.ok

    def _repr_html_(self) -> str:
        colour = "#009E73" if self.ok else "#D55E00"
        mark = "&#10004;" if self.ok else "&#10008;"
        text = str(self).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<p style="color:{colour};font-weight:600">{mark} {text}</p>'


def _local_hint(node, names, k, got, expected) -> str:
    """Why a local derivative is wrong, for the likely slips."""
    ins = [p.data for p in node.inputs]
    me = names[id(node)]
    wrt = names[id(node.inputs[k])]
    if node.op == "*":
        other = names[id(node.inputs[1 - k])]
        if _close(got, ins[k]) and not _close(ins[k], expected):
            return (f"d{me}/d{wrt} used {wrt} itself; the derivative of a product with "
                    f"respect to one factor is the other factor, {other}")
    if node.op == "+" and not _close(got, 1.0):
        return "a sum passes the gradient on unchanged: both local derivatives are 1"
    if node.op == "**":
        n, a = node.exponent, ins[0]
        if _close(got, n * a ** n):
            return f"that is n {wrt}^n; the power rule gives n {wrt}^(n - 1)"
        if _close(got, a ** (n - 1)):
            return f"the factor n = {n:g} of the power rule is missing"
    if node.op == "tanh":
        if _close(got, 1 - ins[0] ** 2):
            return (f"1 - {wrt}^2 used the input; tanh' = 1 - tanh({wrt})^2, the output "
                    f"{me} is already stored")
    if node.op == "relu" and ins[0] <= 0 and not _close(got, 0.0):
        return f"relu passes no gradient where its input is negative ({wrt} = {ins[0]:g})"
    if node.op == "exp" and _close(got, ins[0]):
        return f"d/d{wrt} e^{wrt} is e^{wrt} (the output {me}), not {wrt}"
    return ""


def _check_local(local_grads_fn, root, names, mirror, label):
    for node in _order(root):
        ref = () if node.op == "leaf" else mirror[id(node)].local
        try:
            got = local_grads_fn(node)
        except NotImplementedError:
            raise
        except Exception as e:  # the learner's code: report, do not crash
            return (f"in {label}, local_grads at {describe(node, names)} raised "
                    f"{type(e).__name__}: {e}")
        if node.op == "leaf":
            # a leaf has no inputs, so no local derivatives: () (None, (1.0,) and the like
            # would otherwise surface later as an error blamed on backward)
            try:
                empty = len(tuple(got)) == 0
            except TypeError:
                empty = False
            if not empty:
                return (f"in {label}, local_grads at {describe(node, names)} returned "
                        f"{_fmt(got)}; a leaf has no inputs, so it has no local derivatives: "
                        f"return the empty tuple ()")
            continue
        try:
            got = tuple(got)
        except TypeError:
            return (f"in {label}, local_grads at node {describe(node, names)} returned "
                    f"{got!r}; expected a tuple, one number per input")
        if len(got) != len(ref):
            return (f"in {label}, local_grads at node {describe(node, names)} returned "
                    f"{len(got)} numbers for its {len(ref)} input(s)")
        for k, (g, r) in enumerate(zip(got, ref, strict=True)):
            if not _close(g, r):
                me, wrt = names[id(node)], names[id(node.inputs[k])]
                hint = _local_hint(node, names, k, g, r)
                return (f"in {label}, node {describe(node, names)}: d{me}/d{wrt} expected "
                        f"{r:.6g}, got {_fmt(g)}" + (f" ({hint})" if hint else ""))
    return None


def _check_order(order_fn, root, names, label):
    try:
        order = order_fn(root)
    except NotImplementedError:
        raise
    except Exception as e:
        return f"in {label}, topological_order raised {type(e).__name__}: {e}"
    if not isinstance(order, (list, tuple)):
        # an iterator would pass once and then fail in backward, which walks it in reverse
        return (f"in {label}, topological_order returned a {type(order).__name__}; expected "
                f"a list of nodes (backward walks it in reverse, twice if it runs twice)")
    order = list(order)
    every = _order(root)
    ids = [id(n) for n in order]
    if len(set(ids)) != len(ids):
        twice = next(n for n in order if ids.count(id(n)) > 1)
        return (f"in {label}, topological_order lists node {names.get(id(twice), '?')} more "
                f"than once; a node used twice must still appear once (keep a set of visited "
                f"nodes)")
    missing = [n for n in every if id(n) not in set(ids)]
    if missing:
        return (f"in {label}, topological_order leaves out {describe(missing[0], names)}; it "
                f"must hold every node the root depends on")
    extra = [n for n in order if id(n) not in names]
    if extra:
        return f"in {label}, topological_order holds {extra[0]!r}, which L does not depend on"
    where = {i: k for k, i in enumerate(ids)}
    for node in order:
        for p in node.inputs:
            if where[id(p)] > where[id(node)]:
                return (f"in {label}, topological_order puts {describe(node, names)} before its "
                        f"input {names[id(p)]}; every node must come after all of its inputs")
    if order[-1] is not root:
        return f"in {label}, topological_order must end with the root L"
    return None


def _fmt(x) -> str:
    return f"{x:.6g}" if isinstance(x, numbers.Real) and not isinstance(x, bool) else repr(x)[:40]


def _contributions(root, node, mirror):
    """The gradient each consumer of node sends it, [(consumer, amount)], from the
    reference graph `mirror` after its backward pass."""
    out = []
    for c in _order(root):
        for p, d in zip(c.inputs, mirror[id(c)].local, strict=True):
            if p is node:
                out.append((c, mirror[id(c)].grad * d))
    return out


def _check_backward(backward_fn, local_fn, order_fn, expression, leaves, label):
    root, made = build(expression, leaves)
    names = _names(root)
    g_root, mirror = _mirror(root)
    graph.backward(g_root)
    try:
        backward_fn(root, local_fn, order_fn)
    except NotImplementedError:
        raise
    except Exception as e:
        return f"in {label}, backward raised {type(e).__name__}: {e}"
    if not _close(root.grad, 1.0):
        return (f"in {label}, L.grad is {_fmt(root.grad)} after backward; it must start at "
                f"dL/dL = 1")
    for node in reversed(_order(root)):  # from the root down: the first wrong one is the cause
        ref = mirror[id(node)].grad
        if _close(node.grad, ref):
            continue
        me = names[id(node)]
        used = _contributions(root, node, mirror)
        hint = ""
        if len(used) > 1:
            if any(_close(node.grad, amount) for _, amount in used):
                hint = (f"gradient of {me} overwritten at a fork: it is used {len(used)} times "
                        f"(by {', '.join(names[id(c)] for c, _ in used)}), so its gradient must "
                        f"be the sum of what comes back along each use; add with +=, do not "
                        f"assign with =")
        return (f"in {label}, {describe(node, names)}: d L/d{me} expected {ref:.6g}, got "
                f"{_fmt(node.grad)}" + (f" ({hint})" if hint else ""))
    # the same gradients again when backward runs a second time: gradients start from 0
    backward_fn(root, local_fn, order_fn)
    for node in _order(root):
        if not _close(node.grad, mirror[id(node)].grad):
            return (f"in {label}, a second backward(L) changed d L/d{names[id(node)]} to "
                    f"{_fmt(node.grad)}: set every gradient to 0 before adding into them")
    # and the leaves against central differences, an independent check of the reference
    for k in leaves:
        h = 1e-6
        up = dict(leaves, **{k: leaves[k] + h})
        down = dict(leaves, **{k: leaves[k] - h})
        fd = (build(expression, up)[0].data - build(expression, down)[0].data) / (2 * h)
        if abs(fd - made[k].grad) > 1e-5 * max(1.0, abs(fd)):
            return (f"in {label}, d L/d{k} = {_fmt(made[k].grad)} but central differences give "
                    f"{fd:.6g}")
    return None


def check_engine(local_grads, topological_order=None, backward=None) -> Feedback:
    """Judge the learner's engine on EXPRESSIONS: local rules, order, then gradients.

    A piece left as None is replaced by the reference one, so the pieces can be checked one
    at a time: check_engine(local_grads) first, then with topological_order, then all three.
    """
    mine = [name for name, fn in (("topological_order", topological_order),
                                  ("backward", backward)) if fn is not None]
    topological_order = topological_order or reference_topological_order
    backward = backward or reference_backward
    for fn, what in ((local_grads, "local_grads"), (topological_order, "topological_order"),
                     (backward, "backward")):
        if not callable(fn):
            return Feedback(False, f"{what} must be a function; got {type(fn).__name__}")
    stage = "local_grads"  # which piece is being judged, to name it if it is unwritten
    try:
        for label, expression, leaves in EXPRESSIONS:
            root, _ = build(expression, leaves)
            names = _names(root)
            problem = _check_local(local_grads, root, names, _mirror(root)[1], label)
            if problem:
                return Feedback(False, problem)
        stage = "topological_order"
        for label, expression, leaves in EXPRESSIONS:
            root, _ = build(expression, leaves)
            problem = _check_order(topological_order, root, _names(root), label)
            if problem:
                return Feedback(False, problem)
        stage = "backward"  # local_grads and topological_order passed: backward raised it
        for label, expression, leaves in EXPRESSIONS:
            problem = _check_backward(backward, local_grads, topological_order, expression,
                                      leaves, label)
            if problem:
                return Feedback(False, problem)
    except NotImplementedError as e:
        detail = f" ({e})" if str(e) else ""
        return Feedback(False, f"{stage} still raises NotImplementedError{detail}; write its "
                               f"body")
    n = sum(len(_order(build(e, v)[0])) for _, e, v in EXPRESSIONS)
    if len(mine) < 2:
        missing = [w for w in ("topological_order", "backward") if w not in mine]
        return Feedback(True, f"local_grads{''.join(', ' + w for w in mine)} right: with the "
                              f"reference {' and '.join(missing)} all {n} gradients agree with "
                              f"backprop_lib.graph and with central differences; now pass your "
                              f"{' and '.join(missing)} too.")
    return Feedback(True, f"every local derivative, the order and all {n} gradients agree with "
                          f"backprop_lib.graph and with central differences.")


# ------------------------------------------------------- reference answers (the solution)

def reference_local_grads(node):
    """The backward rule of each operation."""
    ins = [p.data for p in node.inputs]
    if node.op == "leaf":
        return ()                               # a leaf has no inputs
    if node.op == "+":
        return (1.0, 1.0)
    if node.op == "*":
        return (ins[1], ins[0])                 # multiply swaps
    if node.op == "**":
        n = node.exponent
        return (n * ins[0] ** (n - 1),)
    if node.op == "tanh":
        return (1.0 - node.data ** 2,)
    if node.op == "exp":
        return (node.data,)
    if node.op == "relu":
        return (1.0 if ins[0] > 0 else 0.0,)
    raise ValueError(f"unknown op {node.op!r}")


def reference_topological_order(root):
    """Depth first: a node goes in after all of its inputs."""
    order, visited = [], set()

    def visit(node):
        if id(node) not in visited:
            visited.add(id(node))
            for p in node.inputs:
                visit(p)
            order.append(node)

    visit(root)
    return order


def reference_backward(root, local_grads, topological_order):
    """Zero, seed with 1, and add each edge's product into the input (+=)."""
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for p, d in zip(node.inputs, local_grads(node), strict=True):
            p.grad += node.grad * d
