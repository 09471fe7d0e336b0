"""Figures of chapter "The chain rule".

- `graph_figure(g)`: the 2-2-1 network of the worked example as a computational graph, one
  box per unit quantity (x, z, a, loss) with its value and its gradient dL/d(node), and on
  every edge the local derivative the node owns. The parameters are leaves of the graph
  too; to keep the drawing readable they are not drawn (their local derivatives are the
  inputs of their unit: dz/dw_j = a_j, dz/db = 1).
- `depth_figure(costs)`: multiplications of the chain rule against depth: the naive
  per-path products, backpropagation's shared products, and central differences
  (2P forward passes), on a log axis.
- `local_derivative(node, parent)`: the number on an edge.

The graphs and counts come from `backprop_lib.graph`; this module only draws them.
"""

from __future__ import annotations

import numpy as np

from .. import graph
from ..gradcheck import relative_error
from ..graph import Node
from ..plots import BLACK, BLUE, GREEN, ORANGE, VERMILLION, figure


def local_derivative(node: Node, parent: Node) -> float:
    """d(node)/d(parent), as stored on the edge parent -> node."""
    for p, d in zip(node.parents, node.local, strict=True):
        if p is parent:
            return d
    raise ValueError(f"{parent.name or parent.op} is not a parent of {node.name or node.op}")


def _layout(g):
    """Positions (column, row) of the drawn nodes of a NetworkGraph."""
    sizes = g.layer_sizes
    columns = [[f"x{j}" for j in range(1, sizes[0] + 1)]]
    for l in range(1, len(sizes)):
        columns.append([f"z{l}_{i}" for i in range(1, sizes[l] + 1)])
        columns.append([f"a{l}_{i}" for i in range(1, sizes[l] + 1)])
    columns.append(["loss"])
    pos = {}
    for c, names in enumerate(columns):
        for r, name in enumerate(names):
            pos[name] = (c, (len(names) - 1) / 2 - r)
    return pos


def node_label(name) -> str:
    """The book's notation for a node of `graph.network_graph`, as mathtext:
    "z1_2" -> $z^{[1]}_2$, "x1" -> $x_1$, "loss" -> $\\mathcal{L}$."""
    if name == "loss":
        return r"$\mathcal{L}$"
    if name[0] == "x" and name[1:].isdigit():
        return f"$x_{name[1:]}$"
    head, _, unit = name.partition("_")
    if head[:1] in "zaWb" and head[1:].isdigit() and unit:
        return f"${head[0]}^{{[{head[1:]}]}}_{{{unit}}}$"
    raise ValueError(f"name must be a node name of network_graph (x1, z1_1, a2_1, loss, "
                     f"W1_11, b1_1); got {name!r}")


def graph_figure(g, figsize=(8, 3.6)):
    """Draw a NetworkGraph after its backward pass: values, gradients, local derivatives."""
    pos = _layout(g)
    fig = figure(figsize)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.grid(False)
    ncol = max(c for c, _ in pos.values()) + 1
    ax.set_xlim(-0.6, ncol - 0.4)
    rows = [r for _, r in pos.values()]
    ax.set_ylim(min(rows) - 0.75, max(rows) + 0.75)
    for name, (c, r) in pos.items():
        node = g[name]
        for parent in node.parents:
            if parent.name not in pos:
                continue
            pc, pr = pos[parent.name]
            ax.annotate("", xy=(c - 0.33, r), xytext=(pc + 0.33, pr),
                        arrowprops=dict(arrowstyle="->", color="#888888", lw=1))
            t = 0.78 if pr != r and node.op == "linear" else 0.5  # crossing edges: near the end
            lx, ly = pc + 0.33 + t * (c - pc - 0.66), pr + t * (r - pr)
            ax.text(lx, ly + 0.06, f"{local_derivative(node, parent):.3f}", ha="center",
                    va="bottom", fontsize=8, color=GREEN)
    for name, (c, r) in pos.items():
        node = g[name]
        colour = BLACK if node.op == "const" or name == "loss" else BLUE
        ax.text(c, r, f"{node_label(name)}\n{node.value:.4f}", ha="center", va="center", fontsize=9,
                color=colour, bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=colour))
        if node.requires_grad:
            ax.text(c, r - 0.3, f"{node.grad:.4f}", ha="center", va="top", fontsize=8,
                    color=VERMILLION)
    return fig


def depth_figure(costs_by_width):
    """Multiplications against depth, one colour per method, one line style per width.

    costs_by_width: {width: graph.depth_costs(...)} with matching depths.
    """
    fig = figure((7, 4.2))
    ax = fig.subplots()
    styles = ["-", "--", ":"]
    if len(costs_by_width) > len(styles):
        raise ValueError(f"costs_by_width holds at most {len(styles)} widths; "
                         f"got {len(costs_by_width)}")
    for (width, c), style in zip(costs_by_width.items(), styles[:len(costs_by_width)],
                                 strict=True):
        d = c["depth"]
        ax.plot(d, c["naive"], style, marker="o", color=VERMILLION, markersize=3,
                label=f"path by path, width {width}")
        ax.plot(d, 2 * c["params"] * c["forward"], style, marker="^", color=ORANGE,
                markersize=3, label=rf"central differences ($w\,a$ products), width {width}")
        ax.plot(d, c["backprop"], style, marker="s", color=BLUE, markersize=3,
                label=f"backpropagation's backward pass, width {width}")
    ax.set_yscale("log")
    ax.set_xlabel("number of layers")
    # what each curve counts is said in the caption: local-derivative products for the
    # chain rule, the w a products of 2P forward passes for central differences
    ax.set_ylabel("multiplications")
    ax.xaxis.set_major_locator(_integer_locator())
    # the legend sits under the axes, clear of every curve: one column per width
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2,
               fontsize=8, frameon=False)
    return fig


def _integer_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _shape(value) -> str:
    return "×".join(str(n) for n in np.shape(value)) or "scalar"


def _math(name) -> str:
    """"dW2" -> $dW^{[2]}$, "A0" -> $A^{[0]}$ (the book's notation for a trace's names)."""
    head = name.rstrip("0123456789")
    return f"${head}^{{[{name[len(head):]}]}}$"


def shapes_table(trace, params) -> list:
    """Rows (quantity, shape, its gradient, shape) of a Network trace, each quantity beside
    its gradient, in the order of the forward pass: A^[l-1], W^[l], b^[l], Z^[l], ..., A^[L].
    For the vector form's table of shapes in chapter "The chain rule"."""
    n_layers = sum(1 for k in params if k.startswith("W"))
    names = []
    for l in range(1, n_layers + 1):
        names += [f"A{l - 1}", f"W{l}", f"b{l}", f"Z{l}"]
    names.append(f"A{n_layers}")
    rows = []
    for name in names:
        value = params[name] if name in params else trace[name]
        rows.append((_math(name), _shape(value), _math("d" + name), _shape(trace["d" + name])))
    return rows


def graphs_vs_batch(net, X, Y, activations="sigmoid") -> float:
    """Largest relative error, over the parameters, between the mean of the per-example
    gradients of `graph.network_graph` (one graph per column of X) and `net.gradients(X, Y)`
    on the whole batch. `net` must use the half squared error, the loss of the graphs."""
    per_example = []
    for i in range(X.shape[1]):
        g = graph.network_graph(net.params, X[:, i], Y[:, i], activations=activations)
        g.backward()
        per_example.append(g.gradients())
    batch = net.gradients(X, Y)
    return max(relative_error(np.mean([g[k] for g in per_example], axis=0), batch[k])
               for k in batch)
