"""Optimizers: how a gradient becomes a step.

Chapter "Optimizers" explains each. They share one interface, stated once here:

    opt.step(params, grads)

`params` is a dict of arrays by name ("W1", "b1", ...) updated in place; `grads` holds
"dW1", "db1", ... of the same shapes. State (velocities, moment estimates, the step count)
is kept per parameter name inside the optimizer, so one optimizer serves one network.
`opt.reset()` forgets it (the step count too), which lets the optimizer start afresh on
another network; `step` refuses to go on with state of another shape than a parameter.
Parameters must be writable float32 or float64 arrays: in float16, Adam's eps (1e-8) and
the squared gradients underflow or overflow, and an integer array cannot take a step.

The default formulas are the original ones, which PyTorch's torch.optim also uses:

SGD        w -= lr g
Momentum   v = beta v + g;                      w -= lr v          (Polyak; torch SGD momentum)
RMSprop    s = beta s + (1 - beta) g^2;         w -= lr g / (sqrt(s) + eps)
           (Tieleman and Hinton 2012, with PyTorch's eps)
Adam       m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
           m_hat = m / (1 - b1^t); v_hat = v / (1 - b2^t)
           w -= lr m_hat / (sqrt(v_hat) + eps)                       (Kingma and Ba 2015)

Common variants are options, so the book can run both:
Momentum(average=True) uses v = beta v + (1 - beta) g (the moving average of Andrew Ng's
course; it equals the default with lr * (1 - beta)); Adam(bias_correction=False) drops
the bias correction; RMSprop and Adam take eps_inside=True for sqrt(s + eps).
"""

from __future__ import annotations

import numpy as np

from ._checks import FLOAT_DTYPES, check_positive, check_real, describe


class Optimizer:
    """Base class: validates the step's arguments and keeps per-name state."""

    STATE_SUFFIXES = ("",)  # the state of parameter `name` is state[name + suffix]

    def __init__(self, lr):
        self.lr = check_positive(lr, "lr")
        self.state = {}
        self.t = 0  # steps taken

    def reset(self) -> None:
        """Forget the state and the step count, as if the optimizer were new."""
        self.state = {}
        self.t = 0

    def step(self, params, grads) -> None:
        """Update every array in `params` in place from the matching entry of `grads`."""
        _check_step(params, grads)
        self._check_state(params)
        self._step(params, grads)

    def _check_state(self, params) -> None:
        """State kept for a parameter of another shape: this optimizer served another network."""
        if not self.state or not self.STATE_SUFFIXES:
            return
        suffix = self.STATE_SUFFIXES[0]  # a parameter's state arrays are made together
        state = self.state
        for name, w in params.items():
            kept = state.get(name + suffix)
            if kept is not None and kept.shape != w.shape:
                raise ValueError(
                    f"params[{name!r}] has shape {w.shape}, but this optimizer keeps state "
                    f"of shape {kept.shape} for {name!r} from the arrays it stepped before: "
                    "one optimizer serves one network. Create a new optimizer for this "
                    "network, or call reset() on this one first"
                )

    def _step(self, params, grads) -> None:
        """`step` without validating its arguments, for a loop that checked them once."""
        self.t += 1
        for name, w in params.items():
            self.update(name, w, grads["d" + name])

    def update(self, name, w, g) -> None:  # pragma: no cover - each optimizer defines it
        raise NotImplementedError

    def _zeros(self, key, w):
        if key not in self.state:
            self.state[key] = np.zeros_like(w)
        return self.state[key]


class SGD(Optimizer):
    """w -= lr g."""

    STATE_SUFFIXES = ()  # SGD keeps no state

    def update(self, name, w, g):
        subtract_scaled(w, g, self.lr)


SMALL = 32768  # entries: an update this small is done by the plain expression
BLOCK_BYTES = 256 * 1024  # one block of lr * g: it stays in the core's cache


def subtract_scaled(w, g, lr):
    """w -= lr * g in place.

    For a large weight matrix the plain expression makes two passes over memory (write
    lr * g to a temporary, then read it back); doing it a block at a time keeps each
    scaled block in cache, one pass instead of two: about twice as fast for a 784 x 256
    float64 layer, where the update is limited by memory, not arithmetic. The block is
    a size in bytes, not in entries, so a float32 layer takes half as many blocks (each
    costs a few Python-level calls, about a microsecond).
    """
    if w.size <= SMALL or not (w.flags.c_contiguous and g.flags.c_contiguous):
        w -= lr * g
        return
    block = BLOCK_BYTES // w.itemsize
    w_flat, g_flat = w.reshape(-1), g.reshape(-1)  # views: both are contiguous
    scaled = np.empty(block, dtype=w.dtype)
    for start in range(0, w.size, block):
        g_block = g_flat[start : start + block]
        s_block = scaled[: g_block.size]
        np.multiply(g_block, lr, out=s_block)
        w_block = w_flat[start : start + block]
        w_block -= s_block


class Momentum(Optimizer):
    """v = beta v + g, w -= lr v; or, with average=True, v = beta v + (1 - beta) g."""

    def __init__(self, lr, beta=0.9, average=False):
        super().__init__(lr)
        self.beta = check_real(beta, "beta", low=0.0, high=1.0, high_open=True)
        self.average = bool(average)

    def update(self, name, w, g):
        v = self._zeros(name, w)
        v *= self.beta
        v += (1 - self.beta) * g if self.average else g
        w -= self.lr * v


class RMSprop(Optimizer):
    """s = beta s + (1 - beta) g^2, w -= lr g / (sqrt(s) + eps)."""

    def __init__(self, lr, beta=0.9, eps=1e-8, eps_inside=False):
        super().__init__(lr)
        self.beta = check_real(beta, "beta", low=0.0, high=1.0, high_open=True)
        self.eps = check_positive(eps, "eps")
        self.eps_inside = bool(eps_inside)

    def update(self, name, w, g):
        s = self._zeros(name, w)
        s *= self.beta
        s += (1 - self.beta) * g * g
        denom = np.sqrt(s + self.eps) if self.eps_inside else np.sqrt(s) + self.eps
        w -= self.lr * g / denom


class Adam(Optimizer):
    """Adam with bias correction and eps outside the root (Kingma and Ba 2015)."""

    def __init__(
        self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True, eps_inside=False
    ):
        super().__init__(lr)
        self.beta1 = check_real(beta1, "beta1", low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real(beta2, "beta2", low=0.0, high=1.0, high_open=True)
        self.eps = check_positive(eps, "eps")
        self.bias_correction = bool(bias_correction)
        self.eps_inside = bool(eps_inside)

    STATE_SUFFIXES = (".m", ".v")

    def update(self, name, w, g):
        m = self._zeros(name + ".m", w)
        v = self._zeros(name + ".v", w)
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        if self.bias_correction:
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
        else:
            m_hat, v_hat = m, v
        denom = np.sqrt(v_hat + self.eps) if self.eps_inside else np.sqrt(v_hat) + self.eps
        w -= self.lr * m_hat / denom


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSprop, "adam": Adam}


def _check_step(params, grads):
    """Names, types, shapes, dtypes and flags: one cheap comparison each, no pass over the data."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays by name; got {describe(params)}")
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of arrays by name; got {describe(grads)}")
    for name, w in params.items():
        g = grads.get("d" + name) if type(name) is str else None
        if (type(w) is np.ndarray and type(g) is np.ndarray and g.shape == w.shape
                and w.dtype.char in "fd" and g.dtype.kind in "fiub" and w.flags.writeable):
            continue  # the common case, decided without building a message
        _explain_step(name, w, g, grads)


def _explain_step(name, w, g, grads):
    """The error for a parameter that failed the quick test of `_check_step`."""
    if not isinstance(name, str):
        raise TypeError(f"params must be keyed by parameter names such as 'W1'; "
                        f"got key {describe(name)}")
    key = "d" + name
    if key not in grads:
        raise ValueError(f"grads must hold {key!r} for parameter {name!r}; "
                         f"got keys {sorted(map(str, grads))}")
    if not isinstance(w, np.ndarray) or isinstance(w, np.ma.MaskedArray):
        raise TypeError(f"params[{name!r}] must be a numpy array; got {describe(w)}")
    if w.dtype.type not in FLOAT_DTYPES:
        why = ("in float16 Adam's eps (1e-8) and the squared gradients underflow or "
               "overflow" if w.dtype == np.float16 else "an integer array cannot hold w - lr g")
        raise TypeError(
            f"params[{name!r}] must be a float32 or float64 array ({why}); got dtype "
            f"{w.dtype}: convert it first, e.g. params[{name!r}] = w.astype(np.float64)"
        )
    if not w.flags.writeable:
        raise ValueError(
            f"params[{name!r}] is read-only, and the optimizer updates it in place; "
            f"pass a writable array, e.g. params[{name!r}] = w.copy()"
        )
    if (not isinstance(g, np.ndarray) or isinstance(g, np.ma.MaskedArray)
            or g.dtype.kind not in "fiub"):
        raise TypeError(
            f"grads[{key!r}] must be a numpy array of real numbers; got {describe(g)}"
        )
    if g.shape != w.shape:
        raise ValueError(
            f"grads[{key!r}] must have the shape of params[{name!r}], {w.shape}; "
            f"got {g.shape}"
        )
    # a subclass of ndarray that passes every test above (np.matrix, a memmap): accepted


class Nesterov(Momentum):
    """Nesterov momentum in PyTorch's form (chapter "Optimizers"): v = beta v + g,
    w -= lr (g + beta v), the gradient taken at w itself. torch.optim.SGD(nesterov=True),
    Keras's SGD(nesterov=True) and optax.sgd(nesterov=True) take the same steps."""

    def __init__(self, lr, beta=0.9):
        super().__init__(lr, beta=beta)

    def update(self, name, w, g):
        v = self._zeros(name, w)
        v *= self.beta
        v += g
        w -= self.lr * (g + self.beta * v)


class Adagrad(Optimizer):
    """s = s + g^2, w -= lr g / (sqrt(s) + eps) (Duchi et al. 2011; chapter "Optimizers"):
    RMSprop's parent, which never forgets, so a steady gradient's steps shrink like
    1 / sqrt(t). torch.optim.Adagrad with its defaults (eps 1e-10, lr_decay 0, a zero start)
    takes the same steps."""

    def __init__(self, lr, eps=1e-10):
        super().__init__(lr)
        self.eps = check_positive(eps, "eps")

    def update(self, name, w, g):
        s = self._zeros(name, w)
        s += g * g
        w -= self.lr * g / (np.sqrt(s) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter 2019; chapter "Optimizers"):
    w -= lr weight_decay w, then Adam's step from the loss gradient alone. Adding
    weight_decay * w to the gradient instead (L2) lets Adam divide the decay by sqrt(v_hat),
    so weights with large gradients are decayed less. The decay is scaled by lr as in
    torch.optim.AdamW (param.mul_(1 - lr * weight_decay)), whose default weight_decay 0.01
    is this one's; with the same arguments both take the same steps."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
        super().__init__(lr, beta1=beta1, beta2=beta2, eps=eps)
        self.weight_decay = check_real(weight_decay, "weight_decay", low=0.0)

    def update(self, name, w, g):
        if self.weight_decay:
            w *= 1 - self.lr * self.weight_decay
        super().update(name, w, g)
