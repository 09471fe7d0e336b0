"""Small helpers for showing results in a chapter notebook, shared by every chapter.

A chapter must read the same in JupyterLab and in the HTML book, and JupyterLab renders only
CommonMark, tables and $math$ in a Markdown cell (no MyST roles or directives). So whatever
the notebook computes reaches the page as a cell's output:

- `prose(text, numbers)`: a paragraph that quotes computed numbers, as Markdown output
  (`{{name}}` is replaced by `numbers["name"]`); the cell's input is hidden in both readers.
- `as_image(fig)`: a Figure made with `backprop_lib.plots.figure` (no pyplot) as an IPython
  PNG Image, displayed by the cell and followed by its caption, `prose("**Figure N.** ...")`.
- `listing(obj)`: the library's source of a function or method as a Python code block, so a
  listing in the book is always the library's current code.
- `markdown_table(header, rows)`: a Markdown table from already formatted strings, shown
  with `IPython.display.Markdown` (deterministic text that strict nbval compares).
- `attempt(check, *answers)`: an exercise's checker, or a reminder while an answer is None
  (in the book build, a field that judges the answer in the page instead).
- `folded()`: a solution's output (its prints and the checker's verdict) folded under one
  line, so that Run All in JupyterLab, which unhides every output it produces, shows
  nothing of a solution until the learner opens it.

First used by chapters "Vanishing and exploding gradients" and "Dead neurons and slow
convergence"; other chapters may import them instead of keeping their own copies.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import inspect
import io
import re
import textwrap

from .. import plots

_PLACEHOLDER = re.compile(r"\{\{\s*([\w.-]+)\s*\}\}")


class _Markdown:
    """Markdown that shows itself as a display, not as the cell's result: a result gets an
    "Out [n]:" prompt in JupyterLab, odd beside a paragraph whose input is hidden. Its
    text/plain is the Markdown itself (what strict nbval compares, and what a viewer without
    Markdown shows)."""

    def __init__(self, data):
        self.data = data

    def _repr_markdown_(self):
        return self.data

    def _ipython_display_(self):
        from IPython.display import display

        display({"text/markdown": self.data, "text/plain": self.data}, raw=True)


#: What an exercise cell shows before the learner has written an answer.
NO_ANSWER_YET = ("*No answer yet: write it above (in place of `None` or `raise "
                 "NotImplementedError`) and run this cell.*")


def prose(text, numbers=None):
    """Markdown output for a paragraph that quotes numbers the notebook computed.

    text: Markdown ($math$ allowed), dedented; each `{{name}}` is replaced by
    `str(numbers[name])`. Braces of LaTeX such as `\\frac{a}{b}` stay as they are.
    First used by chapter "The worked 2-2-1 example".
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str of Markdown; got {type(text).__name__}")
    numbers = {} if numbers is None else numbers
    missing = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text)} - set(numbers))
    if missing:
        raise ValueError(f"numbers has no value for {', '.join(missing)} (the text quotes "
                         f"{{{{name}}}} for each); it has {sorted(numbers)}")
    body = _PLACEHOLDER.sub(lambda m: str(numbers[m.group(1)]), textwrap.dedent(text))
    return _Markdown(body.strip() + "\n")


def listing(obj):
    """The source of a library function, class or method, as a Markdown Python code block.

    First used by chapter "L layers" (the listing of `Network.forward`).
    """
    try:
        source = inspect.getsource(obj)
    except TypeError as error:
        raise TypeError(f"obj must be a function, class or method defined in Python; got "
                        f"{type(obj).__name__}") from error
    return _Markdown("```python\n" + textwrap.dedent(source).rstrip() + "\n```\n")


def attempt(check, *answers, **options):
    """check(*answers, **options), or a short reminder while the learner has not answered yet.

    Not answered yet: an answer is still None, or a function to write still raises
    NotImplementedError. A checker says "Not yet" then; a reminder reads better above a
    solution. First used by chapter "The worked 2-2-1 example".

    In the book build (no kernel behind the page, see `interactive.is_static`) the reminder
    is replaced: an exercise with a number, count, shape, small array or choice as its
    answer gets a field that judges the reader's answer in the page
    (`exercise_page.form_html`), and one whose answer is code says it is done in the
    notebook version of the chapter.
    """
    if not callable(check):
        raise TypeError(f"check must be an exercise checker (a function); got "
                        f"{type(check).__name__}")
    if not answers:
        raise TypeError("attempt needs the answer (or answers) to check after check")
    if any(a is None for a in answers):
        return _unanswered(check, answers, options)
    unwritten = []
    feedback = check(*[_noting_stub(a, unwritten) if callable(a) else a for a in answers],
                     **options)
    return _unanswered(check, answers, options) if unwritten else feedback


def _unanswered(check, answers, options):
    """The reminder in a kernel; in the book, the in-page checker or the note on code."""
    from IPython.display import Markdown

    from ..interactive import is_static

    if not is_static():
        return Markdown(NO_ANSWER_YET)
    from ..exercises import in_page
    from . import exercise_page

    spec = None
    if not any(callable(a) for a in answers):
        spec = in_page.spec(check, len(answers), **options)
    if spec is None:
        name = f"{check.__module__}.{check.__qualname__}"
        return _Html(exercise_page.function_note(name), exercise_page.FUNCTION_NOTE)
    return _Html(exercise_page.form_html(spec),
                 "This exercise's checker runs in the HTML book's page.")


class _Html:
    """An output holding HTML (with a plain-text stand-in), shown as the cell's result."""

    def __init__(self, html_text, text):
        self.html, self.text = html_text, text

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        return self.text


def _noting_stub(function, unwritten):
    """function, noting in `unwritten` when a call raises NotImplementedError (a stub)."""
    @functools.wraps(function)
    def noted(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NotImplementedError:
            unwritten.append(function)
            raise
    return noted


#: What a folded solution output's <details> shows until it is opened.
FOLDED_SUMMARY = "click to open"
#: The folded output's first line, plain text: JupyterLab shows the first line of a hidden
#: output's HTML as its placeholder, tags and all.
FOLDED_HEADING = "Output of the solution:"


@contextlib.contextmanager
def folded(summary=FOLDED_SUMMARY):
    """Collect what the block prints and displays, then show it folded under `summary`.

    Use `display(...)` for a value inside the block (a `with` body shows no last value).
    In HTML (JupyterLab, the book) it is FOLDED_HEADING, then a <details> element; as text,
    FOLDED_HEADING then the output. First used by chapter "Why gradients" (every solution cell).
    """
    from IPython.display import display
    from IPython.utils.capture import capture_output

    if not isinstance(summary, str):
        raise TypeError(f"summary must be a str; got {type(summary).__name__}")
    with capture_output(display=True) as captured:
        yield
    display(_Folded(summary, captured.stdout + captured.stderr, captured.outputs))


class _Folded:
    """What `folded` collected, shown as <details> (HTML) or as plain text."""

    def __init__(self, summary, text, outputs):
        self.summary, self.text, self.outputs = summary, text, outputs

    def __repr__(self):
        parts = [FOLDED_HEADING, self.text.rstrip("\n")]  # as text there is nothing to click
        parts += [o.data.get("text/plain", "") for o in self.outputs]
        return "\n".join(p for p in parts if p)

    def _repr_html_(self):
        parts = [f"<pre>{html.escape(self.text)}</pre>"] if self.text else []
        for o in self.outputs:
            data = o.data
            if "text/html" in data:
                parts.append(data["text/html"])
            elif "image/png" in data:
                png = data["image/png"]
                if isinstance(png, bytes):
                    png = base64.b64encode(png).decode("ascii")
                parts.append(f'<img alt="" src="data:image/png;base64,{png}">')
            else:
                parts.append(f"<pre>{html.escape(data.get('text/plain', ''))}</pre>")
        return (f"{FOLDED_HEADING}\n<details><summary>{html.escape(self.summary)}</summary>\n"
                + "".join(parts) + "</details>")


#: Static figures carry twice the pixels they are shown with: sharp on a 2x screen.
IMAGE_SCALE = 2


def as_image(fig, dpi=None):
    """The figure as an IPython.display.Image holding PNG bytes (white background), drawn
    at IMAGE_SCALE times its resolution and shown at its own size (width metadata, which
    JupyterLab and the book both honour). Text smaller than plots.MIN_TEXT_PX as displayed
    is raised to it first.

    dpi: None keeps the figure's own resolution (as displayed).
    """
    from IPython.display import Image

    dpi = dpi or fig.dpi
    plots.raise_small_text(fig, dpi=dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi * IMAGE_SCALE, facecolor="white")
    return Image(data=buf.getvalue(), format="png", width=int(round(fig.get_figwidth() * dpi)))


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


def listed(values, fmt="{:.3g}") -> str:
    """Numbers as prose: '1.36', '1.36 and 1.39', '1.36, 1.39 and 1.4' (each through fmt)."""
    words = [fmt.format(v) for v in values]
    if not words:
        raise ValueError("values must hold at least one number")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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
