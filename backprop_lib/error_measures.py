"""Three ways to compare a backpropagation gradient g with a numerical one n.

Chapter "Gradient checking" compares them side by side:

* the norm relative error of whole arrays (the book's, `gradcheck.relative_error`),

      ||g - n|| / (||g|| + ||n||)          in [0, 1]: 1 when g, n point opposite ways

  one number per array; an entry with a tiny gradient weighs as little as it is large;
* the element-wise relative error (as in the CS231n notes), worst over the entries,

      max_i |g_i - n_i| / max(|g_i|, |n_i|, floor)

  which sees a bug in a single entry however small the others, but turns rounding noise in
  a tiny entry into an error of order 1 unless `floor` (an absolute tolerance) bounds the
  denominator from below;
* PyTorch's `torch.autograd.gradcheck` test, entry by entry (`torch.allclose`, with the
  analytical gradient first):

      |g_i - n_i| <= atol + rtol |n_i|     for every i

  with its defaults eps = 1e-6, atol = 1e-5, rtol = 1e-3 (TORCH_GRADCHECK_DEFAULTS, read
  in torch/autograd/gradcheck.py of torch 2.13; a test holds them equal to the installed
  torch's). An input that is not float64 (or complex128) gets a warning that the check
  will likely fail.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_real
from .gradcheck import _as_real, relative_error

__all__ = ["BOOK_PASS", "BOOK_BUG", "CS231N_THRESHOLDS", "TORCH_GRADCHECK_DEFAULTS",
           "elementwise_relative_error", "norm_relative_error", "torch_style_passes",
           "verdicts"]

#: The book's reading of the norm relative error in float64 at eps = 1e-6.
BOOK_PASS, BOOK_BUG = 1e-7, 1e-4

#: The CS231n notes' reading of the element-wise relative error (float64): above 1e-2 a
#: bug; 1e-2 to 1e-4 uncomfortable; below 1e-4 fine with kinks (ReLU), else still high;
#: below 1e-7 happy. Deeper networks accumulate larger errors, and the notes relax these.
CS231N_THRESHOLDS = {"bug": 1e-2, "uncomfortable": 1e-4, "happy": 1e-7}

#: torch.autograd.gradcheck's keyword defaults (torch 2.13).
TORCH_GRADCHECK_DEFAULTS = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3}


def norm_relative_error(g, n) -> float:
    """||g - n|| / (||g|| + ||n||) (the book's measure, chapter "Gradient checking")."""
    return relative_error(g, n)


def _pair(g, n):
    g, n = _as_real(g, "g"), _as_real(n, "n")
    if g.shape != n.shape:
        raise ValueError(f"g and n must have the same shape; got {g.shape} and {n.shape}")
    return g, n


def elementwise_relative_error(g, n, floor=0.0) -> float:
    """max_i |g_i - n_i| / max(|g_i|, |n_i|, floor), 0 where both entries are 0
    (chapter "Gradient checking"). floor >= 0 is an absolute tolerance: entries smaller
    than it are judged by their absolute difference divided by floor."""
    g, n = _pair(g, n)
    floor = check_real(floor, "floor", low=0.0)
    diff = np.abs(g - n)
    scale = np.maximum(np.maximum(np.abs(g), np.abs(n)), floor)
    ratio = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(ratio.max(initial=0.0))


def torch_style_passes(g, n, atol=TORCH_GRADCHECK_DEFAULTS["atol"],
                       rtol=TORCH_GRADCHECK_DEFAULTS["rtol"]) -> bool:
    """Whether |g_i - n_i| <= atol + rtol |n_i| for every entry, the test that
    torch.autograd.gradcheck applies (chapter "Gradient checking")."""
    g, n = _pair(g, n)
    atol = check_real(atol, "atol", low=0.0)
    rtol = check_real(rtol, "rtol", low=0.0)
    return bool(np.all(np.abs(g - n) <= atol + rtol * np.abs(n)))


def verdicts(g, n, floor=0.0):
    """The three measures of one pair and their verdicts, as a dict for a table row."""
    norm = norm_relative_error(g, n)
    elem = elementwise_relative_error(g, n, floor)
    return {"norm relative": norm, "book": "pass" if norm < BOOK_PASS else
            ("bug" if norm >= BOOK_BUG else "look closer"),
            "element-wise": elem,
            "CS231n": "pass" if elem < CS231N_THRESHOLDS["uncomfortable"] else
            ("bug" if elem > CS231N_THRESHOLDS["bug"] else "uncomfortable"),
            "torch": "pass" if torch_style_passes(g, n) else "fail"}
