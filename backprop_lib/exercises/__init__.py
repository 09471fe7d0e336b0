"""Checkers for the book's exercises, one module per chapter.

Each chapter's exercises call `check_...` functions from the module named after the chapter
(for example `backprop_lib.exercises.worked_example`). A checker accepts any correct answer
within a stated tolerance, names the likely mistake when the answer is wrong (a wrong sign,
a missing factor of 2 or 1/m, a transposed shape, a sum over the wrong axis), and never
prints the solution. The shared machinery is in `checking`.
"""

from .checking import Feedback, check_array, check_function, check_scalar

__all__ = ["Feedback", "check_array", "check_function", "check_scalar"]
