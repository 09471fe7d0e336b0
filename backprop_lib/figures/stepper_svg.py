"""The worked example's step-through drawn as SVG, with the Python standard library only.

Chapter "The worked 2-2-1 example" shows the network of its example step by step (Figure 1).
`worked_example.compute_step` says what a frame holds (plain dicts, strings and numbers);
`svg(result)` draws it as a self-contained SVG document: vector text stays sharp at any zoom,
and since nothing here needs NumPy or matplotlib, the same code can redraw the figure in the
page (Python in the browser) later. The layout constants live here and `worked_example`
reuses them for its matplotlib drawing, so both drawings put every node in the same place.

Coordinates are CSS pixels of the frame as displayed, y upwards as in a plot (the SVG
flips them). FONT_PX is chosen so that text stays >= 10 px when the 440 px frame is shown
342 px wide (a 390 px phone's column).
"""

from __future__ import annotations

import math
from html import escape

FIG_PX = (440, 400)
NODE_XY = {"x1": (22.0, 222.0), "x2": (22.0, 158.0), "h1": (236.0, 285.0),
           "h2": (236.0, 95.0), "o": (346.0, 190.0), "L": (420.0, 190.0)}
NODE_R = 14.0  # radius of a unit's circle
LOSS_BOX = (28.0, 26.0)  # width and height of the loss box
LINE_PX = 15.5  # distance between the lines of a node's text
FONT_PX = 13.0  # the one type size: 13 * 342 / 440 = 10.1 px on a phone
EDGES = {  # parameter entry -> (source node, destination node)
    ("W1", 0, 0): ("x1", "h1"), ("W1", 0, 1): ("x2", "h1"),
    ("W1", 1, 0): ("x1", "h2"), ("W1", 1, 1): ("x2", "h2"),
    ("W2", 0, 0): ("h1", "o"), ("W2", 0, 1): ("h2", "o"),
}
BIASES = {("b1", 0, 0): "h1", ("b1", 1, 0): "h2", ("b2", 0, 0): "o"}  # bias entry -> unit
# Where each edge's label sits, as a fraction of the way along the edge: the crossing
# edges' labels past the crossing, the others where the edges meeting at a node have parted.
LABEL_AT = {("W1", 0, 0): 0.43, ("W1", 1, 1): 0.43, ("W1", 0, 1): 0.56, ("W1", 1, 0): 0.56,
            ("W2", 0, 0): 0.5, ("W2", 0, 1): 0.5}
# Where the arrows showing the flow sit (from, to, as fractions along the edge).
ARROW_AT = {e: (0.03, 0.14) for e in EDGES if e[0] == "W1"} | {"loss": (0.25, 0.75)}
FORWARD, BACKWARD, UPDATE, AFTER = "forward", "backward", "update", "after the update"
# Okabe-Ito colours, as backprop_lib.plots names them (not imported: plots needs matplotlib)
COLOURS = {FORWARD: "#0072B2", BACKWARD: "#D55E00", UPDATE: "#009E73", AFTER: "#0072B2"}
INK, GREY = "#222222", "#AAAAAA"
# the loss is ℒ, as in the text (L is the number of layers in the notation table)
NAMES = {"x1": "x₁", "x2": "x₂", "h1": "h₁", "h2": "h₂", "o": "ŷ", "L": "ℒ"}
# Where each node's lines start (x, the side: 1 above the node, -1 below) and how they align.
TEXT_SIDE = {"x1": 1, "x2": -1, "h1": 1, "h2": -1, "o": 1, "L": -1}
TEXT_GAP = {"x1": 12.0, "x2": 12.0}  # the inputs' lines clear the arrows leaving them


def edge_ends(e):
    """The two ends of an edge's line, in frame pixels: from circle to circle (or box)."""
    s, d = ("o", "L") if e == "loss" else EDGES[e]
    (px, py), (qx, qy) = NODE_XY[s], NODE_XY[d]
    n = math.hypot(qx - px, qy - py)
    ux, uy = (qx - px) / n, (qy - py) / n
    r_end = LOSS_BOX[0] / 2 if d == "L" else NODE_R
    return (px + NODE_R * ux, py + NODE_R * uy), (qx - r_end * ux, qy - r_end * uy)


def text_anchor(k):
    """(x, y of the line next to node k, step to the next line, SVG text-anchor)."""
    x, y = NODE_XY[k]
    up = TEXT_SIDE[k]
    if k == "L":
        x_text, anchor = FIG_PX[0] - 4.0, "end"
    elif k in ("x1", "x2"):
        x_text, anchor = 4.0, "start"
    elif k == "o":
        x_text, anchor = x - 6.0, "start"
    else:
        x_text, anchor = x - NODE_R + 2, "start"
    half = LOSS_BOX[1] / 2 if k == "L" else NODE_R
    return x_text, y + up * (half + TEXT_GAP.get(k, 3.0)), up * LINE_PX, anchor


def node_lines(result):
    """{node: [lines]} as drawn: a unit's bias (its latest value) first, then its values."""
    out = {k: list(v) for k, v in result["nodes"].items()}
    for b, k in BIASES.items():
        if result["biases"][b]:
            out[k].insert(0, result["biases"][b][-1])
    return out


def _y(y):
    return FIG_PX[1] - y  # plot coordinates (y up) to SVG (y down)


def _num(v):
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _text(x, y, s, *, colour=INK, anchor="start", baseline="middle", bold=False, rotate=None,
          halo=False):
    attrs = [f'x="{_num(x)}" y="{_num(_y(y))}"', f'fill="{colour}"',
             f'text-anchor="{anchor}"', f'dominant-baseline="{baseline}"']
    if bold:
        attrs.append('font-weight="bold"')
    if rotate:
        attrs.append(f'transform="rotate({_num(-rotate)} {_num(x)} {_num(_y(y))})"')
    if halo:  # a white outline under the glyphs hides the edge the label sits on
        attrs.append('stroke="white" stroke-width="4" stroke-linejoin="round" '
                     'paint-order="stroke"')
    return f"<text {' '.join(attrs)}>{escape(s)}</text>"


def _arrow(a, b, colour):
    """A line from a to b with a filled head at b."""
    (ax, ay), (bx, by) = a, b
    n = math.hypot(bx - ax, by - ay)
    ux, uy = (bx - ax) / n, (by - ay) / n
    length, width = 8.0, 4.5
    base = (bx - length * ux, by - length * uy)
    left = (base[0] - width * uy, base[1] + width * ux)
    right = (base[0] + width * uy, base[1] - width * ux)
    pts = " ".join(f"{_num(x)},{_num(_y(y))}" for x, y in (b, left, right))
    return (f'<line x1="{_num(ax)}" y1="{_num(_y(ay))}" x2="{_num(base[0])}" '
            f'y2="{_num(_y(base[1]))}" stroke="{colour}" stroke-width="2.2"/>'
            f'<polygon points="{pts}" fill="{colour}"/>')


def phase_line(result):
    """The frame's footer: where the walk is, and the learning rate its update will use."""
    return (f"Step {result['step']} of {result['n_steps']} · {result['phase']} · "
            f"α = {result['lr']:g}")


def svg(result):
    """The frame of `result` (from worked_example.compute_step) as an SVG document (str).

    Values already computed are dark; the ones the current step computed, the edges they
    travel along and an arrow showing which way take the phase's colour. Each edge's label
    shows the weight's latest value (w, then dW, then the new w).
    """
    for key in ("step", "n_steps", "phase", "lr", "nodes", "edges", "biases", "new", "new_lines",
                "flow", "weights"):
        if key not in result:
            raise ValueError(f"result must be a compute_step result; it has no {key!r}")
    colour = COLOURS[result["phase"]]
    flow, new = set(result["flow"]), set(result["new"])
    w, h = FIG_PX
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Verdana, sans-serif" '
           f'font-size="{_num(FONT_PX)}">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    for e in (*EDGES, "loss"):  # edges first, so that nodes and labels sit on top
        (px, py), (qx, qy) = edge_ends(e)
        lit = e in flow or e in new
        out.append(f'<line x1="{_num(px)}" y1="{_num(_y(py))}" x2="{_num(qx)}" '
                   f'y2="{_num(_y(qy))}" stroke="{colour if lit else GREY}" '
                   f'stroke-width="{2.6 if lit else 1.2}"/>')
    for e in (*EDGES, "loss"):
        if e in flow and e in ARROW_AT:
            (px, py), (qx, qy) = edge_ends(e)
            f0, f1 = ARROW_AT[e]
            a = (px + f0 * (qx - px), py + f0 * (qy - py))
            b = (px + f1 * (qx - px), py + f1 * (qy - py))
            out.append(_arrow(b, a, colour) if result["phase"] == BACKWARD
                       else _arrow(a, b, colour))
    for k, (x, y) in NODE_XY.items():
        if k == "L":
            bw, bh = LOSS_BOX
            out.append(f'<rect x="{_num(x - bw / 2)}" y="{_num(_y(y + bh / 2))}" '
                       f'width="{_num(bw)}" height="{_num(bh)}" fill="#F2F2F2" '
                       f'stroke="#333333"/>')
        else:
            out.append(f'<circle cx="{_num(x)}" cy="{_num(_y(y))}" r="{_num(NODE_R)}" '
                       f'fill="white" stroke="#333333"/>')
        out.append(_text(x, y, NAMES[k], anchor="middle"))
    for e in EDGES:
        (px, py), (qx, qy) = edge_ends(e)
        t = LABEL_AT[e]
        cx, cy = px + t * (qx - px), py + t * (qy - py)
        angle = math.degrees(math.atan2(qy - py, qx - px))
        shown = result["edges"][e]
        label = shown[-1] if shown else f"w = {result['weights'][e]:.3g}"
        # a white box outlined in the edge's colour hides the edge under the label; its width
        # is estimated from the characters (DejaVu Sans digits are 0.64 em wide)
        bw, bh = 0.64 * FONT_PX * len(label) + 4.0, FONT_PX + 3.0
        lit = e in flow or e in new
        out.append(f'<rect x="{_num(cx - bw / 2)}" y="{_num(_y(cy) - bh / 2)}" '
                   f'width="{_num(bw)}" height="{_num(bh)}" rx="2" fill="white" '
                   f'stroke="{colour if lit else GREY}" '
                   f'transform="rotate({_num(-angle)} {_num(cx)} {_num(_y(cy))})"/>')
        out.append(_text(cx, cy, label, colour=colour if e in new else INK, anchor="middle",
                         rotate=angle))
    n_new = result["new_lines"]
    new_bias = {k for b, k in BIASES.items() if b in new}
    for k, lines in node_lines(result).items():
        x, y0, step_y, anchor = text_anchor(k)
        n = len(lines)
        fresh = set(range(n - n_new.get(k, 0), n)) | ({0} if k in new_bias else set())
        for i, line in enumerate(lines):
            row = (n - 1 - i) if step_y > 0 else i  # the newest line next to the node
            y = y0 + step_y * row + (0.5 if step_y > 0 else -0.5) * LINE_PX
            out.append(_text(x, y, line, colour=colour if i in fresh else INK,
                             anchor=anchor, halo=True))
    out.append(_text(6.0, h - 6.0 - FONT_PX / 2,
                     phase_line(result),
                     colour=colour, bold=True))
    out.append("</svg>")
    return "\n".join(out)
