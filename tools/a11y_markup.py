"""A Sphinx extension: the toggle of a hidden cell says what it hides, and a screen reader
names it by that same text.

myst-nb writes `<summary aria-label="Toggle hidden content">` around a visible "Show code
cell content": the accessible name does not contain the visible text (axe-core's
label-content-name-mismatch, WCAG 2.5.3). Here the summary has no aria-label, so its name
is its visible text, and an exercise's solution cell (tag "solution") reads "Show the
solution" / "Hide the solution" instead of the generic prompt.
"""

from html import escape

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode, HideInputCells, depart_HideCellInput
from sphinx.transforms.post_transforms import SphinxPostTransform

SOLUTION_PROMPTS = ("Show the solution", "Hide the solution")


class SolutionPrompts(SphinxPostTransform):
    """After myst-nb has wrapped hidden cells (its children lists are set directly, so a
    wrapper does not know its cell): a solution cell's wrappers get the solution prompts."""

    default_priority = HideInputCells.default_priority + 1
    formats = ("html",)

    def run(self, **kwargs):
        for cell in self.document.findall(nodes.container):
            if "tag_solution" in cell.get("classes", []):
                for child in cell.children:
                    if isinstance(child, HideCodeCellNode):
                        child["prompt_show"], child["prompt_hide"] = SOLUTION_PROMPTS


def visit_hide_cell(self, node):
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def setup(app):
    app.setup_extension("myst_nb")
    app.add_node(HideCodeCellNode, override=True, html=(visit_hide_cell, depart_HideCellInput))
    app.add_post_transform(SolutionPrompts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
