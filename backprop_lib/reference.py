"""The L-layer algorithm written plainly, and the experiments of its chapter.

Chapter "The algorithm for L layers" shows `forward` and `backward` below beside the
library's tuned `Network.forward` / `Network._backward`: the same equations, without the
in-place updates, the checks and the fused output layer. A test keeps the two equal.

The rest computes what the chapter measures:

- `bp_equations`: the four equations of backpropagation (BP1-BP4), each side computed
  independently (the right side from the equation, the left by central differences);
- `saturated_output`: one sigmoid output unit started saturated and wrong, trained under
  half MSE and under binary cross-entropy (the sigma' factor that the cross-entropy cancels);
- `cache_bytes`: what the backward pass keeps from the forward pass, counted in bytes;
- `minibatch_runs`: full-batch gradient descent against mini-batch SGD on two moons;
- `regression_divergence`: a learning rate at which the true loss really grows without bound.

    from backprop_lib import reference as ref
    A, cache = ref.forward(params, X, ["tanh", "sigmoid"])
    grads = ref.backward(params, cache, dZ_L)
"""

from __future__ import annotations

import numpy as np

from . import activations as _activations
from . import optimizers as _optimizers
from ._checks import check_int, check_positive
from .gradcheck import numerical_gradient
from .network import Network
from .run_cache import memo
from .train import train as _train


def forward(params, X, activations):
    """A{L} and the cache (every Z{l} and A{l}) for the columns of X: chapter 4's forward."""
    A, cache = X, {"A0": X}
    for l, name in enumerate(activations, start=1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = _activations.get(name)(Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def backward(params, cache, dZ_L, activations):
    """Every dW{l}, db{l} from the output error dZ_L = dL/dZ{L}: chapter 4's BP1-BP4."""
    grads, dZ, L = {}, dZ_L, len(activations)
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ cache[f"A{l - 1}"].T          # BP4
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)     # BP3
        if l > 1:
            f = _activations.get(activations[l - 2])
            dA = params[f"W{l}"].T @ dZ
            dZ = dA * f.derivative(cache[f"Z{l - 1}"], cache[f"A{l - 1}"])  # BP2
    return grads


def output_error(net, A_L, Z_L, Y):
    """dZ{L} = dL/dZ{L} (BP1) for the library's losses, written out per loss (chapter 4)."""
    m = Y.shape[1]
    if net.loss_name in ("bce", "softmax_ce"):
        # the derivative of the loss and of the output activation cancel (chapter 4)
        return (A_L - Y) / (Y.size if net.loss_name == "bce" else m)
    dA = (A_L - Y) / (m if net.loss_name == "half_mse" else Y.size / 2)
    f = _activations.get(net.activation_names[-1])
    return dA * f.derivative(Z_L, A_L)


def reference_gradients(net, X, Y):
    """net's gradients by `forward`, `output_error` and `backward` alone (for the test)."""
    acts = net.activation_names
    A, cache = forward(net.params, np.asarray(X, float), acts)
    if net.loss_name == "softmax_ce":
        E = np.exp(A - A.max(axis=0, keepdims=True))
        A = E / E.sum(axis=0, keepdims=True)
    dZ = output_error(net, A, cache[f"Z{net.L}"], np.asarray(Y, float))
    return backward(net.params, cache, dZ, acts)


# ----------------------------------------------------------------------------- BP1-BP4


def bp_equations(net, X, Y, eps=1e-6):
    """Each of BP1-BP4 on net and the batch (X, Y): both sides and their relative error.

    Left sides by central differences of the mean loss: dL/dZ{L} (BP1), dL/dZ{l} for every
    hidden l (BP2), dL/db{l} and dL/dW{l} (BP3, BP4). Right sides from the equations with
    delta{l} = dZ{l} taken from the library's trace. Returns a list of
    (equation, layer, relative error).
    """
    from .figures.l_layers import dZ_true_partial  # the derivative w.r.t. Z{l} alone

    t = net.trace(X, Y)
    rows = []
    num_dZ = {l: dZ_true_partial(net, X, Y, l=l, eps=eps) for l in range(1, net.L + 1)}
    acts = net.activation_names
    L = net.L
    # BP1: delta_L = dL/dA_L * f'(Z_L) for half MSE; checked against the numerical dL/dZ_L
    bp1 = output_error(net, t[f"A{L}"], t[f"Z{L}"], Y)
    rows.append(("BP1", L, _rel(bp1, num_dZ[L])))
    for l in range(L - 1, 0, -1):  # BP2: delta_l = (W_{l+1}^T delta_{l+1}) * f'(Z_l)
        f = _activations.get(acts[l - 1])
        bp2 = (net.params[f"W{l + 1}"].T @ num_dZ[l + 1]) * f.derivative(t[f"Z{l}"],
                                                                           t[f"A{l}"])
        rows.append(("BP2", l, _rel(bp2, num_dZ[l])))
    grads = numerical_param_gradients(net, X, Y, eps)
    for l in range(L, 0, -1):
        bp3 = num_dZ[l].sum(axis=1, keepdims=True)
        bp4 = num_dZ[l] @ t[f"A{l - 1}"].T
        rows.append(("BP3", l, _rel(bp3, grads[f"db{l}"])))
        rows.append(("BP4", l, _rel(bp4, grads[f"dW{l}"])))
    return rows


def numerical_param_gradients(net, X, Y, eps=1e-6):
    """Central differences of net.loss for every parameter (a dict dW{l}, db{l})."""
    out = {}
    for name, p in net.params.items():
        out["d" + name] = numerical_gradient(lambda: net.loss(X, Y), p, eps)
    return out


def _rel(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


# ----------------------------------------------------------------------------- saturation

SAT_STEPS = 300
SAT_LR = 0.5
SAT_START = -6.0  # the starting logit: sigma(-6) = 0.0025, far from the target 1


@memo(maxsize=None)
def saturated_output(steps=SAT_STEPS, lr=SAT_LR, z0=SAT_START):
    """One sigmoid unit a = sigma(w x + b) with x = 1, target 1, started at w = b = z0/2.

    Returns {"half_mse": outputs, "bce": outputs}: the output a before each of `steps`
    gradient steps. Under half MSE, dL/dz = (a - 1) a (1 - a) is tiny when a is near 0; under
    cross-entropy it is a - 1 (chapter 4). Shared by both: the same start, rate and steps.
    """
    steps = check_int(steps, "steps", low=1)
    lr = check_positive(lr, "lr")
    out = {}
    for loss in ("half_mse", "bce"):
        w = b = z0 / 2
        a_hist = np.empty(steps + 1)
        for k in range(steps + 1):
            a = 1 / (1 + np.exp(-(w + b)))
            a_hist[k] = a
            dz = (a - 1) * a * (1 - a) if loss == "half_mse" else a - 1
            w, b = w - lr * dz, b - lr * dz
        out[loss] = a_hist
    return out


def steps_to_reach(outputs, level=0.5):
    """The first step at which the output reaches `level` (None if it never does)."""
    hit = np.nonzero(np.asarray(outputs) >= level)[0]
    return int(hit[0]) if hit.size else None


# ----------------------------------------------------------------------------- memory


def cache_bytes(layer_sizes, m, dtype=np.float64):
    """Bytes the backward pass keeps from the forward pass of one batch of m examples.

    Counted from the arrays the library's Network really caches (every Z{l} and A{l},
    A{0} = X included), after a forward pass on zeros of shape (n_0, m): an exact count,
    not a timing.
    """
    m = check_int(m, "m", low=1)
    sizes = list(layer_sizes)
    net = Network(sizes, activations=["tanh"] * (len(sizes) - 1), seed=0, dtype=dtype)
    net.forward(np.zeros((sizes[0], m), dtype=dtype))
    arrays = [a for a in net.cache["A"]] + [z for z in net.cache["Z"] if z is not None]
    return sum(a.nbytes for a in arrays)


def minimal_cache_bytes(layer_sizes, m, dtype=np.float64):
    """Bytes a backward pass needs to keep when f' is computed from A alone (chapter 4).

    For tanh (1 - a^2), sigmoid (a(1 - a)) and ReLU (a > 0) the derivative needs only the
    activation, so X and every A{l} suffice: m (n_0 + n_1 + ... + n_L) numbers, about half
    of what the library keeps (cache_bytes, which stores every Z{l} as well).
    """
    m = check_int(m, "m", low=1)
    sizes = [check_int(n, "layer_sizes entry", low=1) for n in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {sizes}")
    return m * sum(sizes) * np.dtype(dtype).itemsize


def param_bytes(layer_sizes, dtype=np.float64):
    """Bytes of the weights and biases themselves (the same for every batch size)."""
    sizes = list(layer_sizes)
    n = sum(a * b + a for a, b in zip(sizes[1:], sizes[:-1], strict=True))
    return n * np.dtype(dtype).itemsize


# ----------------------------------------------------------------------------- mini-batches

MB_EPOCHS = 100
MB_LR = 0.3
MB_BATCH = 20
MB_SEEDS = (0, 1, 2, 3, 4)
MB_RATES = (0.1, 0.3, 1.0, 3.0, 10.0)  # the grid on which each method's best rate is found


@memo(maxsize=None)
def minibatch_runs(seeds=MB_SEEDS, epochs=MB_EPOCHS, lr=MB_LR, batch=MB_BATCH):
    """Final two-moons losses after `epochs` epochs: full batch against mini-batches.

    Same network as Figure 1 (2-16-1, tanh then sigmoid, BCE, Xavier weights), the same
    learning rate and number of epochs: one step per epoch against m / batch steps.
    Returns {"full": [...], "mini": [...]} over the weight seeds (shuffling uses the same seed).
    """
    from .figures import training

    X, Y = training.dataset()
    out = {"full": [], "mini": []}
    for seed in seeds:
        for key, size in (("full", None), ("mini", batch)):
            net = Network(training.LAYERS, activations=training.ACTIVATIONS, loss="bce",
                          init="xavier", seed=seed)
            _train(net, X, Y, optimizer=_optimizers.SGD(lr=lr), epochs=epochs,
                   batch_size=size, seed=seed, on_divergence="ignore")
            out[key].append(net.loss(X, Y))
    return {k: np.array(v) for k, v in out.items()}


def minibatch_grid(rates=MB_RATES, seeds=MB_SEEDS):
    """{lr: minibatch_runs(lr=lr)} over a grid of rates, so that each method can be judged
    at its own best rate (by the mean final loss over the seeds)."""
    return {lr: minibatch_runs(seeds=tuple(seeds), lr=check_positive(lr, "lr"))
            for lr in rates}


def best_rate(grid, key):
    """The rate of `grid` (minibatch_grid) with the lowest mean final loss for key."""
    return min(grid, key=lambda lr: grid[lr][key].mean())


# ----------------------------------------------------------------------------- divergence

DIV_EPOCHS = 50
DIV_RATES = (0.1, 0.3, 1.0, 3.0)
DIV_SEEDS = (0, 1, 2, 3, 4)


def regression_divergence(rates=DIV_RATES, seeds=DIV_SEEDS, epochs=DIV_EPOCHS):
    """A regression where a large learning rate truly diverges (chapter 4).

    A 2-16-1 tanh network with a linear output and half MSE fits a smooth function of two
    moons' inputs by full-batch gradient descent. Returns {lr: list of (diverged, last
    finite loss, epochs run)} over the seeds. The loss is a polynomial of the output, so
    there is no rounding artefact to fear: a loss above 1e4 times its start is real growth.
    """
    from .figures import training

    X, _ = training.dataset()
    Y = (np.sin(2 * X[0]) + X[1])[None, :] * 3.0
    out = {}
    for lr in rates:
        lr = check_positive(lr, "lr")
        rows = []
        for seed in seeds:
            net = Network([2, 16, 1], activations=["tanh", "identity"], loss="half_mse",
                          init="xavier", seed=seed)
            h = _train(net, X, Y, optimizer=_optimizers.SGD(lr=lr), epochs=epochs,
                       on_divergence="ignore")
            finite = np.asarray(h.loss)[np.isfinite(h.loss)]
            rows.append((bool(h.diverged), float(finite[-1]), len(h.loss)))
        out[lr] = rows
    return out


@memo(maxsize=None)
def regression_sharpness(seeds=DIV_SEEDS, h=1e-5):
    """2 / (largest Hessian eigenvalue) of regression_divergence's loss at each seed's start.

    On a quadratic bowl gradient descent overshoots for good once the learning rate exceeds
    2 over the largest curvature (chapter 4). The Hessian is the central difference of the
    library's exact gradients, symmetrized; 65 parameters, so it is cheap.
    """
    from .figures import training

    X, _ = training.dataset()
    Y = (np.sin(2 * X[0]) + X[1])[None, :] * 3.0  # as in regression_divergence
    out = []
    for seed in seeds:
        net = Network([2, 16, 1], activations=["tanh", "identity"], loss="half_mse",
                      init="xavier", seed=seed)
        keys = sorted(net.params)
        theta = np.concatenate([net.params[k].ravel() for k in keys])

        def grad(t, net=net, keys=keys):
            i = 0
            for k in keys:
                n = net.params[k].size
                net.params[k][...] = t[i:i + n].reshape(net.params[k].shape)
                i += n
            g = net.gradients(X, Y)
            return np.concatenate([g["d" + k].ravel() for k in keys])

        H = np.empty((theta.size, theta.size))
        for j in range(theta.size):
            e = np.zeros_like(theta)
            e[j] = h
            H[:, j] = (grad(theta + e) - grad(theta - e)) / (2 * h)
        grad(theta)  # restore the parameters
        out.append(2.0 / np.linalg.eigvalsh((H + H.T) / 2).max())
    return np.array(out)


# ----------------------------------------------------------------------------- learning rate 10

SWEEP_SEEDS = (0, 1, 2, 3, 4, 5)


@memo(maxsize=None)
def two_moons_seed_sweep(seeds=SWEEP_SEEDS, inits=("xavier", "small"), rates=(1.0, 10.0)):
    """Figure 2's network over weight seeds: {(init, lr): (peak losses, final losses)}.

    Full-batch SGD for training.EPOCHS epochs, BCE from the logits (chapter 4: at a learning
    rate of 10 the loss spikes and recovers; this shows it is not one lucky draw).
    """
    from .figures import training

    X, Y = training.dataset()
    out = {}
    for init in inits:
        for lr in rates:
            peaks, finals = [], []
            for seed in seeds:
                net = Network(training.LAYERS, activations=training.ACTIVATIONS, loss="bce",
                              init=init, seed=seed)
                h = _train(net, X, Y, optimizer=_optimizers.SGD(lr=lr),
                           epochs=training.EPOCHS, on_divergence="ignore")
                peaks.append(float(np.max(h.loss)))
                finals.append(float(h.loss[-1]))
            out[(init, lr)] = (np.array(peaks), np.array(finals))
    return out


def logits_after(steps, lr=10.0, init="xavier", seed=0):
    """(Z, Y): Figure 2's output logits after `steps` full-batch steps (chapter 4)."""
    from .figures import training

    steps = check_int(steps, "steps", low=1)
    X, Y = training.dataset()
    net = Network(training.LAYERS, activations=training.ACTIVATIONS, loss="bce", init=init,
                  seed=seed)
    _train(net, X, Y, optimizer=_optimizers.SGD(lr=lr), epochs=steps, on_divergence="ignore")
    net.forward(X)
    return net.cache["Z"][net.L], Y
