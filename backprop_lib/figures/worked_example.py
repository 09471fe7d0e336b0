"""The worked 2-2-1 example and its step-through figure.

Chapter "The worked 2-2-1 example" uses this module. It holds

- the example's setup (`SETUP`: inputs, target, weights set by hand, learning rate);
- `worked_network(init)`: the 2-2-1 sigmoid network with those hand-set weights
  (init="hand"), or with weights drawn by one of the library's initializers, for the
  figure's init control;
- `one_update(net, X, Y, lr)`: the forward pass, backward pass, one SGD step and the
  forward pass after it, all from `Network.trace`;
- `rounded_chain(digits)`: the output error computed from a rounded prediction (the
  chapter's "rounding that compounds");
- the step-through figure: `steps(...)` lists the computation node by node (forward,
  backward, update, forward again), `compute_step(step, lr, init)` is the figure's pure
  compute function and `draw_step(fig, result, artists)` draws the network with every value
  computed so far, the newest one highlighted.

The compute functions need NumPy only; `draw_step` imports matplotlib when called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..initializers import INITIALIZERS
from ..network import Network
from .stepper_svg import (  # noqa: F401  (re-exported: the layout of both drawings)
    AFTER,
    ARROW_AT,
    BACKWARD,
    BIASES,
    EDGES,
    FIG_PX,
    FONT_PX,
    FORWARD,
    LABEL_AT,
    LINE_PX,
    LOSS_BOX,
    NODE_R,
    NODE_XY,
    UPDATE,
    node_lines,
    phase_line,
    svg,
)

#: The chapter's example: one example with two features, target 1, weights and biases set by
#: hand, sigmoid in both layers, the loss 1/2 (y_hat - y)^2 ("half_mse"), learning rate 0.5.
SETUP = {
    "X": ((0.5,), (0.8,)),
    "Y": ((1.0,),),
    "W1": ((0.15, 0.25), (0.20, 0.30)),
    "b1": ((0.35,), (0.35,)),
    "W2": ((0.40, 0.50),),
    "b2": ((0.60,),),
    "lr": 0.5,
}

#: The figure's init control: the hand-set weights, or one of the library's initializers.
INITS = ("hand", "small", "xavier", "he")


def worked_network(init="hand", seed=0, loss="half_mse"):
    """(net, X, Y): the 2-2-1 sigmoid network of chapter "The worked 2-2-1 example".

    init="hand" sets the weights of SETUP (chosen by hand); any initializer name of the
    library ("small", "xavier", "he", ...) draws them instead, with the given seed.
    """
    if not isinstance(init, str):
        raise TypeError(f"init must be 'hand' or an initializer name; got {type(init).__name__}")
    known = ("hand", *sorted(INITIALIZERS))
    if init not in known:
        raise ValueError(f"init must be one of {list(known)}; got {init!r}")
    net = Network([2, 2, 1], activations="sigmoid", loss=loss,
                  init="xavier" if init == "hand" else init, seed=seed)
    if init == "hand":
        net.set_params({k: np.array(SETUP[k]) for k in ("W1", "b1", "W2", "b2")})
    return net, np.array(SETUP["X"]), np.array(SETUP["Y"])


@dataclass
class Update:
    """One SGD step on the example: the traces before and after, old and new parameters."""

    lr: float
    before: dict
    params: dict
    grads: dict
    new_params: dict
    after: dict = field(default_factory=dict)

    @property
    def loss_before(self) -> float:
        return float(self.before["loss"])

    @property
    def loss_after(self) -> float:
        return float(self.after["loss"])

    @property
    def prediction_before(self) -> float:
        return float(self.before[f"A{len(self.params) // 2}"][0, 0])

    @property
    def prediction_after(self) -> float:
        return float(self.after[f"A{len(self.params) // 2}"][0, 0])


def one_update(net, X, Y, lr):
    """Trace, one gradient-descent step w <- w - lr dw, trace again. `net` is not changed."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)):
        raise TypeError(f"lr must be a positive number; got {type(lr).__name__}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number; got {lr!r}")
    work = net.copy()
    before = dict(work.trace(X, Y))
    params = {k: v.copy() for k, v in work.params.items()}
    grads = {"d" + k: before["d" + k] for k in params}
    new = {k: params[k] - lr * grads["d" + k] for k in params}
    work.set_params(new)
    with np.errstate(over="ignore"):
        after = dict(work.trace(X, Y))
    return Update(float(lr), before, params, grads, new, after)


def rounded_chain(digits=3):
    """dZ2 computed from y_hat rounded to `digits` decimals (the chapter's rounding mistake).

    Returns (y_hat_rounded, dZ2_from_rounded, dZ2_true). With y = 1, the difference
    y - y_hat enters twice (once from the loss, once from sigmoid's derivative
    a (1 - a)), so a rounding error in y_hat is counted twice.
    """
    net, X, Y = worked_network()
    t = net.trace(X, Y)
    a = round(float(t["A2"][0, 0]), digits)
    y = float(Y[0, 0])
    return a, (a - y) * a * (1 - a), float(t["dZ2"][0, 0])


# ----------------------------------------------------------------------------- step-through

# The drawing's layout (CSS pixels of the frame as displayed, y upwards) is shared with the
# standard-library SVG drawing of the same frames (figures/stepper_svg.py, the book's player).
FONT_PT = 11.8  # the matplotlib drawing's one type size: >= 10 CSS px at 342 px wide

@dataclass(frozen=True)
class Step:
    """One step of the walk: its phase, what it computes (in words, with numbers), and the
    values it makes appear: node lines {node: [text, ...]} and parameter labels
    {weight or bias entry: text} (each parameter shows only its latest value: itself, then
    its gradient, then its new value); `flow` names the edges along which the values travel
    (forward or backward, by phase)."""

    phase: str
    text: str
    nodes: dict
    edges: dict
    flow: tuple = ()  # the edges the step's values travel along (drawn as arrows)


def _f(x, digits=4):
    return f"{float(x):.{digits}f}"


def _g(x):
    """Gradients are small: 4 significant digits (an exponent only below 1e-4)."""
    x = float(x)
    return f"{x:.4g}" if abs(x) >= 1e-4 or x == 0 else f"{x:.3e}"


def _gd(x):
    """A gradient in the drawing: 4 significant digits, 3 with an exponent below 1e-3 (the
    labels must fit on their edges; the caption gives the value as _g does)."""
    x = float(x)
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def _vec(v, digits=4):
    return "(" + ", ".join(_f(x, digits) for x in np.ravel(v)) + ")"


def steps(lr=0.5, init="hand"):
    """The walk through one training step of the example, node by node, as a list of Step."""
    net, X, Y = worked_network(init)
    u = one_update(net, X, Y, lr)
    t, a = u.before, u.after
    P, G, N = u.params, u.grads, u.new_params
    x = X[:, 0]
    w1 = "; ".join(_vec(row, 2) for row in P["W1"])
    walk = [Step(FORWARD, f"The inputs enter: x = ({_f(x[0], 1)}, {_f(x[1], 1)}); "
                          f"the target is y = {_f(Y[0, 0], 0)}. Each edge carries its weight w "
                          f"(W1 = ({w1}), W2 = {_vec(P['W2'], 2)}), each unit its bias b "
                          f"(b1 = {_vec(P['b1'], 2)}, b2 = {_f(P['b2'][0, 0], 2)}).",
                 {"x1": [f"x1 = {_f(x[0], 2)}"], "x2": [f"x2 = {_f(x[1], 2)}"]},
                 {b: f"b = {_f(P[b[0]][b[1], 0], 2)}" for b in BIASES})]
    for i, h in enumerate(("h1", "h2")):
        z, act = t["Z1"][i, 0], t["A1"][i, 0]
        w = P["W1"][i]
        walk.append(Step(
            FORWARD,
            f"Hidden unit {i + 1}: z = {_f(w[0], 2)}·{_f(x[0], 1)} + {_f(w[1], 2)}·{_f(x[1], 1)} + "
            f"{_f(P['b1'][i, 0], 2)} = {_f(z)}, then a = σ(z) = {_f(act)}.",
            {h: [f"z = {_f(z)}", f"a = {_f(act)}"]}, {}, (("W1", i, 0), ("W1", i, 1))))
    z2, yhat = t["Z2"][0, 0], t["A2"][0, 0]
    walk.append(Step(
        FORWARD,
        f"Output: z = {_f(P['W2'][0, 0], 2)}·{_f(t['A1'][0, 0])} + {_f(P['W2'][0, 1], 2)}·"
        f"{_f(t['A1'][1, 0])} + {_f(P['b2'][0, 0], 2)} = {_f(z2)}, then ŷ = σ(z) = {_f(yhat)}.",
        {"o": [f"z = {_f(z2)}", f"ŷ = {_f(yhat)}"]}, {}, (("W2", 0, 0), ("W2", 0, 1))))
    walk.append(Step(FORWARD, f"Loss: ℒ = ½(ŷ − y)² = ½({_f(yhat)} − {_f(Y[0, 0], 0)})² = "
                              f"{_f(t['loss'], 5)}.",
                     {"L": [f"ℒ = {_f(t['loss'], 5)}"]}, {}, ("loss",)))
    walk.append(Step(BACKWARD, "Backward starts at the loss: dA2 = ∂L/∂ŷ = ŷ − y = "
                               f"{_f(yhat)} − {_f(Y[0, 0], 0)} = {_g(t['dA2'][0, 0])}.",
                     {"o": [f"dA = {_gd(t['dA2'][0, 0])}"]}, {}, ("loss",)))
    walk.append(Step(
        BACKWARD,
        f"Through the output sigmoid: dZ2 = dA2·ŷ(1 − ŷ) = ({_g(t['dA2'][0, 0])})·{_f(yhat)}·"
        f"{_f(1 - yhat)} = {_g(t['dZ2'][0, 0])}. This is the output's error signal.",
        {"o": [f"dZ = {_gd(t['dZ2'][0, 0])}"]}, {}))
    walk.append(Step(
        BACKWARD,
        "Output weights: dW2 = dZ2·A1ᵀ, each edge's gradient is the error at its end times "
        "the activation at its start: "
        + "; ".join(f"dW2[1,{j + 1}] = ({_g(t['dZ2'][0, 0])})·{_f(t['A1'][j, 0])} = "
                    f"{_g(G['dW2'][0, j])}" for j in range(2))
        + f". db2 = dZ2 = {_g(G['db2'][0, 0])}.",
        {}, {("W2", 0, j): f"dW = {_gd(G['dW2'][0, j])}" for j in range(2)}
        | {("b2", 0, 0): f"db = {_gd(G['db2'][0, 0])}"}))
    for i, h in enumerate(("h1", "h2")):
        walk.append(Step(
            BACKWARD,
            f"The error flows back to hidden unit {i + 1} along its weight: dA1 = "
            f"{_f(P['W2'][0, i], 2)}·({_g(t['dZ2'][0, 0])}) = {_g(t['dA1'][i, 0])}; then "
            f"dZ1 = dA1·a(1 − a) = ({_g(t['dA1'][i, 0])})·{_f(t['A1'][i, 0])}·"
            f"{_f(1 - t['A1'][i, 0])} = ({_g(t['dA1'][i, 0])})·"
            f"{_f(t['A1'][i, 0] * (1 - t['A1'][i, 0]))} = {_g(t['dZ1'][i, 0])}.",
            {h: [f"dA = {_gd(t['dA1'][i, 0])}", f"dZ = {_gd(t['dZ1'][i, 0])}"]}, {},
            (("W2", 0, i),)))
    walk.append(Step(
        BACKWARD,
        "Input weights: dW1 = dZ1·xᵀ, each edge's gradient is the error at its end times "
        "the input at its start: "
        + "; ".join(f"dW1[{i + 1},{j + 1}] = ({_g(t['dZ1'][i, 0])})·{_f(x[j], 1)} = "
                    f"{_g(G['dW1'][i, j])}" for i in range(2) for j in range(2))
        + f". db1 = dZ1 = ({_g(G['db1'][0, 0])}, {_g(G['db1'][1, 0])}).",
        {},
        {("W1", i, j): f"dW = {_gd(G['dW1'][i, j])}" for i in range(2) for j in range(2)}
        | {("b1", i, 0): f"db = {_gd(G['db1'][i, 0])}" for i in range(2)}))
    nw1 = "; ".join(_vec(row) for row in N["W1"])
    walk.append(Step(
        UPDATE,
        f"Update every weight and bias: w ← w − {lr:g}·dw. For example W2[1,1] = "
        f"{_f(P['W2'][0, 0], 2)} − {lr:g}·({_g(G['dW2'][0, 0])}) = {_f(N['W2'][0, 0])}. "
        f"New W1 = ({nw1}), b1 = {_vec(N['b1'])}, W2 = {_vec(N['W2'])}, "
        f"b2 = {_f(N['b2'][0, 0])}.",
        {},
        {e: f"w → {_f(N[e[0]][e[1], e[2]])}" for e in EDGES}
        | {b: f"b → {_f(N[b[0]][b[1], 0])}" for b in BIASES}))
    status = "lower" if a["loss"] < t["loss"] else "higher"
    if not np.isfinite(a["loss"]):
        status = "not finite"
    walk.append(Step(
        AFTER,
        f"Forward again with the new weights: a = ({_f(a['A1'][0, 0])}, {_f(a['A1'][1, 0])}), "
        f"z = {_f(a['Z2'][0, 0])}, ŷ = σ(z) = {_f(a['A2'][0, 0])} and ℒ = "
        f"{_f(a['loss'], 5)} ({status} than {_f(t['loss'], 5)} before).",
        {"o": [f"ŷ → {_f(a['A2'][0, 0])}"], "L": [f"ℒ → {_f(a['loss'], 5)}"]}, {},
        tuple(EDGES) + ("loss",)))
    return walk


N_STEPS = len(steps())  # the figure's step control runs over 1, ..., N_STEPS


@lru_cache(maxsize=64)
def _steps_cached(lr, init):
    return tuple(steps(lr, init))


def compute_step(step=1, lr=0.5, init="hand"):
    """What the figure shows after steps 1, ..., `step`: the text of every node and edge so far.

    Returns a dict: "step", "n_steps", "phase", "text" (the step's computation in words),
    "nodes" {node: [lines]}, "edges" {weight entry: [labels so far]} and "biases" {bias
    entry: [labels so far]} (the drawing shows the last of each), "new" (the keys that the
    last step filled in, highlighted in the drawing), "flow", "weights" (the initial ones).
    """
    walk = _steps_cached(float(lr), init)
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        if isinstance(step, (float, np.floating)) and float(step).is_integer():
            step = int(step)
        else:
            raise TypeError(f"step must be an integer from 1 to {len(walk)}; got {step!r}")
    if not 1 <= step <= len(walk):
        raise ValueError(f"step must be from 1 to {len(walk)}; got {step}")
    nodes = {k: [] for k in NODE_XY}
    edges = {e: [] for e in EDGES}
    biases = {b: [] for b in BIASES}
    for s in walk[:step]:
        for k, lines in s.nodes.items():
            nodes[k].extend(lines)
        for e, line in s.edges.items():
            (edges if e in EDGES else biases)[e].append(line)
    cur = walk[step - 1]
    return {"step": int(step), "n_steps": len(walk), "phase": cur.phase, "text": cur.text,
            "lr": float(lr),
            "nodes": nodes, "edges": edges, "biases": biases,
            "new": set(cur.nodes) | set(cur.edges),
            "new_lines": {k: len(v) for k, v in cur.nodes.items()},
            "flow": tuple(cur.flow),
            "weights": {e: float(v) for e, v in _initial_weights(init).items()}}


def _initial_weights(init):
    net, _, _ = worked_network(init)
    return {e: net.params[e[0]][e[1], e[2]] for e in EDGES}


def step_alt(params, result):
    """The alt text of a frame, also its caption: where the walk is and the step's arithmetic
    (the drawing itself shows only the values)."""
    # the learning rate is named in every frame: until the update it changes nothing drawn,
    # and a control that seems to do nothing looks broken
    return (f"Step {result['step']} of {result['n_steps']} ({result['phase']}, "
            f"learning rate {result['lr']:g}): {result['text']}")


def draw_step(fig, result, artists):
    """Draw the network with the values computed so far; update in place on later calls.

    Values already computed are dark; the ones the current step computed, the edges they
    travel along and an arrow showing which way they travel take the phase's colour
    (forward blue, backward vermillion, update green). Each edge's label shows the weight's
    latest value (w, then dW, then the new w); the step's arithmetic is in the caption.
    """
    from .. import plots

    colours = {FORWARD: plots.BLUE, BACKWARD: plots.VERMILLION, UPDATE: plots.GREEN,
               AFTER: plots.BLUE}
    if artists is None:
        artists = _make_artists(fig)
    colour = colours[result["phase"]]
    flow, new = set(result["flow"]), result["new"]
    for e, text in artists["edge_text"].items():
        shown = result["edges"][e]
        text.set_text(shown[-1] if shown else f"w = {result['weights'][e]:.3g}")
        text.set_color(colour if e in new else "#222222")
    for e, line in artists["edge"].items():
        lit = e in flow or e in new
        line.set_color(colour if lit else "#AAAAAA")
        line.set_linewidth(2.6 if lit else 1.2)
        if e in artists["edge_text"]:
            artists["edge_text"][e].get_bbox_patch().set_edgecolor(colour if lit else "#AAAAAA")
    backward = result["phase"] == BACKWARD
    for e, (fwd, bwd) in artists["arrows"].items():
        fwd.set_visible(e in flow and not backward)
        bwd.set_visible(e in flow and backward)
        for arrow in (fwd, bwd):
            arrow.arrow_patch.set_color(colour)
    n_new = result["new_lines"]
    new_bias = {k for b, k in BIASES.items() if b in new}
    for k, lines in node_lines(result).items():
        slots, (x, y0, step_y) = artists["node_text"][k], artists["node_place"][k]
        n = len(lines)
        fresh = set(range(n - n_new.get(k, 0), n)) | ({0} if k in new_bias else set())
        for i, text in enumerate(slots):
            if i >= n:
                text.set_text("")
                continue
            # blocks above a node grow upwards, the newest line next to the node
            row = (n - 1 - i) if step_y > 0 else i
            text.set_position((x, y0 + step_y * row))
            text.set_text(lines[i])
            text.set_color(colour if i in fresh else "#222222")
    artists["phase"].set_text(phase_line(result))
    artists["phase"].set_color(colour)
    return artists


def edge_ends(e):
    """The two ends of an edge's line, in figure pixels: from circle to circle (or box)."""
    s, d = ("o", "L") if e == "loss" else EDGES[e]
    p, q = np.array(NODE_XY[s]), np.array(NODE_XY[d])
    u = (q - p) / np.linalg.norm(q - p)
    return p + NODE_R * u, q - (LOSS_BOX[0] / 2 if d == "L" else NODE_R) * u


def _make_artists(fig):
    from matplotlib.patches import Circle, Rectangle

    fig.set_layout_engine("none")  # one axes over the whole figure, in CSS pixels
    ax = fig.add_axes([0.0, 0.0, 1.0, 1.0])
    ax.set_axis_off()
    ax.set_xlim(0, FIG_PX[0])
    ax.set_ylim(0, FIG_PX[1])
    artists = {"ax": ax, "edge": {}, "edge_text": {}, "node_text": {}, "node_place": {},
               "arrows": {}}
    font = dict(fontsize=FONT_PT)
    for e in (*EDGES, "loss"):
        p, q = edge_ends(e)
        (artists["edge"][e],) = ax.plot([p[0], q[0]], [p[1], q[1]], color="#AAAAAA", lw=1.2,
                                        zorder=1, solid_capstyle="butt", gid=f"edge {e}")
        if e in ARROW_AT:
            f0, f1 = ARROW_AT[e]
            a, b = p + f0 * (q - p), p + f1 * (q - p)
            style = dict(arrowstyle="-|>,head_length=0.6,head_width=0.35", lw=2.2)
            artists["arrows"][e] = tuple(
                ax.annotate("", xy=b, xytext=a, arrowprops=dict(style), zorder=5)
                for a, b in ((a, b), (b, a)))
        if e != "loss":
            # the label lies along its edge, on it, with a white box that the edge's colour
            # outlines
            c = p + LABEL_AT[e] * (q - p)
            angle = np.degrees(np.arctan2(q[1] - p[1], q[0] - p[0]))
            artists["edge_text"][e] = ax.text(
                c[0], c[1], "", zorder=4, color="#222222", ha="center", va="center",
                rotation=angle, rotation_mode="anchor", gid=f"label {e}", **font,
                bbox=dict(boxstyle="round,pad=0.08", fc="white", ec="#AAAAAA", lw=1.0))
    names = {"x1": "x₁", "x2": "x₂", "h1": "h₁", "h2": "h₂", "o": "ŷ", "L": "ℒ"}
    # where each node's lines go: (x, y of the line next to the node, step to the next)
    gap = {"x1": 12.0, "x2": 12.0}  # the inputs' lines clear the arrows leaving them
    place = {"x1": (4.0, 1), "x2": (4.0, -1), "h1": (None, 1), "h2": (None, -1),
             "o": (None, 1), "L": (None, -1)}
    n_slots = {"x1": 1, "x2": 1, "h1": 5, "h2": 5, "o": 6, "L": 2}
    for k, (x, y) in NODE_XY.items():
        if k == "L":
            w, h = LOSS_BOX
            ax.add_patch(Rectangle((x - w / 2, y - h / 2), w, h, fc="#F2F2F2", ec="#333333",
                                   lw=1.0, zorder=2))
        else:
            ax.add_patch(Circle((x, y), NODE_R, fc="white", ec="#333333", lw=1.0, zorder=2))
        ax.text(x, y, names[k], ha="center", va="center", zorder=3, gid=f"name {k}", **font)
        x_text, up = place[k]
        if k == "L":
            x_text, ha = FIG_PX[0] - 4.0, "right"
        else:
            x_text, ha = (x - NODE_R + 2 if x_text is None else x_text), "left"
        if k == "o":
            x_text = x - 6.0
        half = LOSS_BOX[1] / 2 if k == "L" else NODE_R
        y_text = y + up * (half + gap.get(k, 3.0))
        artists["node_place"][k] = (x_text, y_text, up * LINE_PX)
        artists["node_text"][k] = tuple(
            ax.text(x_text, y_text, "", zorder=4, ha=ha, va="bottom" if up > 0 else "top",
                    color="#222222", gid=f"lines {k}", **font)
            for _ in range(n_slots[k]))
    artists["phase"] = ax.text(6.0, FIG_PX[1] - 6.0, "", va="top", ha="left",
                               fontweight="bold", gid="header", **font)
    return artists


# ----------------------------------------------------------------------------- the controls

#: Learning rates of the step-through's control (the update and the forward pass after it).
STEP_DPI = 80  # CSS pixels per inch of the player (which renders at twice that)
STEP_FIGSIZE = (FIG_PX[0] / STEP_DPI, FIG_PX[1] / STEP_DPI)  # inches: FIG_PX as displayed

STEP_LRS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def step_controls():
    """The step-through's controls: step (walked through jointly), learning rate, init."""
    from .. import interactive as ia

    return [ia.Slider("step", list(range(1, N_STEPS + 1)), default=1, label="step"),
            ia.LogSlider("lr", STEP_LRS, default=SETUP["lr"], label="learning rate"),
            ia.Choice("init", INITS, default="hand", label="initialization")]


def _svg_player_class():
    """An Interactive whose book player shows the SVG frames (the live view keeps PNGs).

    backprop_lib.interactive renders every frame of a player as a PNG of its matplotlib
    figure; this subclass gives the static player `svg(...)` frames instead, so the book's
    Figure 1 is a vector drawing with sharp text at any zoom.
    """
    from .. import interactive as ia

    class SvgStepper(ia.Interactive):
        # its one type size reaches 10 px at this width: on a phone it shrinks that far
        phone_min_width = math.ceil(FIG_PX[0] * ia.Interactive.MIN_TEXT_PX / FONT_PX)

        def static_frame(self, params, colors=48):
            return svg(self.result(**params)).encode("utf-8"), "svg", "image/svg+xml"

    return SvgStepper


def steps_interactive(**kwargs):
    """The step-through as an Interactive object (not displayed): for tests and timing."""
    kwargs.setdefault("figsize", STEP_FIGSIZE)
    kwargs.setdefault("dpi", STEP_DPI)
    return _svg_player_class()(compute_step, draw_step, step_controls(), joint=("step",),
                               alt=step_alt, **kwargs)


def show_steps(**kwargs):
    """Show the step-through: live controls in a kernel, a static player of SVG frames in
    the book."""
    return steps_interactive(**kwargs).show()


# ----------------------------------------------------------------------------- printing

def fmt_array(a, digits=4):
    """A small array as text, rounded: a number, (a, b) for a column or row, rows by ';'."""
    a = np.asarray(a, dtype=float)
    if a.size == 1:
        return f"{a.reshape(-1)[0]:.{digits}f}"
    if a.ndim == 1 or 1 in a.shape:
        return "(" + ", ".join(f"{v:.{digits}f}" for v in a.reshape(-1)) + ")"
    return "; ".join("(" + ", ".join(f"{v:.{digits}f}" for v in row) + ")" for row in a)


def table(header, rows):
    """A plain-text table with aligned columns (what the chapter's cells print)."""
    cols = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(r[i]) for r in cols) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cols]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def html_table(header, rows):
    """The same table as HTML: a real table in JupyterLab and in the book.

    (The book renders Markdown outputs as CommonMark, which has no tables.)
    """
    from html import escape

    from IPython.display import HTML

    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in rows)
    return HTML(f'<table class="table"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")
