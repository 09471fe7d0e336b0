"""Two small helpers for showing results in a chapter notebook, shared by every chapter.

- `as_image(fig)`: a Figure made with `backprop_lib.plots.figure` (no pyplot) as an IPython
  PNG Image, which myst-nb can glue (`glue("fig-name", as_image(fig), display=False)`) and
  a {glue:figure} directive can caption.
- `markdown_table(header, rows)`: a Markdown table from already formatted strings, shown
  with `IPython.display.Markdown` (deterministic text that strict nbval compares).

First used by chapters "Vanishing and exploding gradients" and "Dead neurons and slow
convergence"; other chapters may import them instead of keeping their own copies.
"""

from __future__ import annotations

import io


def as_image(fig, dpi=None):
    """The figure as an IPython.display.Image holding PNG bytes (white background).

    dpi: None keeps the figure's own resolution.
    """
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi, facecolor="white")
    return Image(data=buf.getvalue(), format="png")


def markdown_table(header, rows) -> str:
    """| header | ... | then one line per row; every cell is converted with str().

    A "|" inside a cell (a norm such as ||dW1||) is escaped, so it cannot split the cell.
    """
    header = [_cell(h) for h in header]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        row = [_cell(c) for c in row]
        if len(row) != len(header):
            raise ValueError(f"rows must have {len(header)} cells like the header; "
                             f"got {len(row)}: {row}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    return str(value).replace("|", "\\|")


def interactive(spec, **kwargs):
    """The Interactive figure of `spec` (not displayed), for tests and timing.

    spec: a dict with compute, draw, controls, joint, alt and figsize (the arguments of
    `backprop_lib.interactive.Interactive`); keyword arguments override them.
    """
    from .. import interactive as ia

    return ia.Interactive(**{**spec, **kwargs})


def show(spec, **kwargs):
    """Show the figure of `spec`: live controls in a kernel, a static player in the book."""
    from .. import interactive as ia

    return ia.show(**{**spec, **kwargs})
