"""Checkers for the book's exercises, one module per chapter.

Each chapter's exercises call `check_...` functions from the module named after the chapter
(for example `backprop_lib.exercises.worked_example`). A checker accepts any correct answer
within a stated tolerance, names the likely mistake when the answer is wrong (a wrong sign,
a missing factor of 2 or 1/m, a transposed shape, a sum over the wrong axis), and never
prints the solution. The shared machinery is in `checking`: every chapter reads numbers,
counts, shapes and text choices through the same functions there, so every chapter
accepts the same forms of an answer.
"""

from .checking import (
    Feedback,
    as_choice,
    as_shape,
    check_array,
    check_choice,
    check_count,
    check_function,
    check_scalar,
    to_array,
)

__all__ = ["Feedback", "as_choice", "as_shape", "check_array", "check_choice", "check_count",
           "check_function", "check_scalar", "to_array"]
