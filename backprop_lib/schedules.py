"""Learning-rate schedules and linear warmup (chapter "Optimizers").

`lr_schedule(lr, ...)` returns a function of the step number t = 1, 2, ... giving the
learning rate of that step. Set `opt.lr = schedule(t)` before step t: every optimizer of
backprop_lib.optimizers reads `self.lr` afresh at each step.

- warmup: over the first `warmup` steps the rate grows linearly, lr t / warmup (Goyal et al.
  2017), so Adam's first steps, each about lr per parameter whatever the gradient's size,
  are shortened while its averages have seen few gradients;
- "constant": lr after the warmup;
- "step": lr factor^k, k the number of whole `every`-step periods since the warmup ended;
- "cosine": final + (lr - final) (1 + cos(pi s / (total - warmup))) / 2 at the step s + 1
  after the warmup (s = 0 at the first), so it would reach `final` just after step `total`
  and stays at its step-`total` value beyond it (torch.optim.lr_scheduler.CosineAnnealingLR's
  curve, with T_max = total - warmup and eta_min = final).
"""

from __future__ import annotations

import math

from ._checks import check_choice, check_int, check_positive, check_real

KINDS = ("constant", "step", "cosine")


def lr_schedule(lr, kind="constant", warmup=0, every=None, factor=0.1, total=None, final=0.0):
    """The learning rate of step t (counted from 1) as a function t -> float."""
    lr = check_positive(lr, "lr")
    check_choice(kind, "kind", KINDS)
    warmup = check_int(warmup, "warmup", low=0)
    if kind == "step":
        if every is None:
            raise ValueError("every must be given for kind='step': the steps between drops")
        every = check_int(every, "every", low=1)
        factor = check_real(factor, "factor", low=0.0, high=1.0, low_open=True)
    if kind == "cosine":
        if total is None:
            raise ValueError("total must be given for kind='cosine': the step where it ends")
        total = check_int(total, "total", low=warmup + 1)
        final = check_real(final, "final", low=0.0, high=lr)

    def rate(t):
        t = check_int(t, "t", low=1)
        if t <= warmup:
            return lr * t / warmup
        s = t - warmup - 1  # steps after the warmup's last, 0 at the first
        if kind == "step":
            return lr * factor ** (s // every)
        if kind == "cosine":
            s = min(s, total - warmup - 1)
            return final + (lr - final) * (1 + math.cos(math.pi * s / (total - warmup))) / 2
        return lr

    return rate
