"""Checkers for the exercises of chapter "Optimizers".

- check_uncorrected_first_step: w after one step of Adam without bias correction (eps inside)
  on f(w) = w^2.
- check_adam_step: a learner's function for one bias-corrected Adam step, called with the
  default hyperparameters and with others, by position and by keyword.
- check_equivalent_lr: the PyTorch-convention learning rate that reproduces a moving-average
  momentum run step for step.
- check_beta_prediction: predict, then verify, what a larger momentum beta does to the
  swing past the minimum of the ill-conditioned quadratic.
- check_largest_sgd_rate, check_rosenbrock_pair: what Figures 1 and 2 show (exercise 5).
- check_optimal_beta: the fastest heavy-ball beta for curvatures in [1, 100].

The expected values are computed with backprop_lib's optimizers and surfaces, never typed.
"""

from __future__ import annotations

import numpy as np

from .. import surfaces
from ..optimizers import Adam, Momentum
from ..run_cache import memo
from .checking import Feedback, as_choice, as_choices, check_function, check_scalar, to_array

# ---------------------------------------------------------------- 1. the uncorrected first step

#: w0 = 0.001: the gradient 2 w0 is near sqrt(eps / (1 - beta2)), where the uncorrected,
#: eps-inside step depends on g and on where eps goes (from w = 1 it hardly depends on
#: either, and a slip in the derivative would go unseen).
FIRST_STEP = dict(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, w0=0.001)


def _first_w(**options):
    p = FIRST_STEP
    opt = Adam(p["lr"], beta1=p["beta1"], beta2=p["beta2"], eps=p["eps"], **options)
    return float(surfaces.trajectory(opt, surfaces.square(), w0=[p["w0"]], steps=1).path[1, 0])


def _by_hand(g, eps_inside=True, eps=None):
    p = FIRST_STEP
    eps = p["eps"] if eps is None else eps
    m1, v1 = (1 - p["beta1"]) * g, (1 - p["beta2"]) * g * g
    root = np.sqrt(v1 + eps) if eps_inside else np.sqrt(v1) + eps
    return p["w0"] - p["lr"] * m1 / root


def check_uncorrected_first_step(answer) -> Feedback:
    """w after one step of Adam without bias correction (eps inside) from w = FIRST_STEP's w0."""
    p = FIRST_STEP
    expected = _first_w(bias_correction=False, eps_inside=True)
    g = 2 * p["w0"]
    m1, v1 = (1 - p["beta1"]) * g, (1 - p["beta2"]) * g * g
    diagnoses = [
        (_by_hand(p["w0"]), "check the gradient: the derivative of w^2 is 2 w, so g = "
                            f"{g:g} at w = {p['w0']:g}."),
        (_by_hand(g, eps=0.0),
         "that is the step without eps: did you leave it out? Without eps the first step is "
         "lr (1 - beta1) / sqrt(1 - beta2) whatever g, but here v = (1 - beta2) g^2 = "
         f"{v1:.0e} is below eps = {p['eps']:g}, so eps inside the root shortens the step. "
         f"(A gradient of 1 or 2 gives the same w: the gradient is 2 w at the current w, "
         f"{g:g}, not 1 or 2.)"),
        (_by_hand(g, eps_inside=False), "that is eps outside the root, sqrt(v) + eps; this "
                                        "exercise puts it inside, sqrt(v + eps), and for a "
                                        "gradient this small the two differ."),
        (_first_w(), "that is where bias-corrected Adam (or m = g, v = g^2) lands; the "
                     "uncorrected m and v start at zero and keep only (1 - beta) of the first "
                     "gradient, and nothing divides that back out."),
        (2 * p["w0"] - expected, "you moved uphill: a step goes against the gradient, "
                                 "w - lr m / sqrt(v + eps)."),
        (p["w0"] - p["lr"] * m1 / (v1 + p["eps"]),
         "the denominator is the square root of v + eps, not v + eps itself."),
        (p["w0"] - p["lr"] * g / np.sqrt(v1 + p["eps"]),
         "check m: it starts at zero, so after one step it is (1 - beta1) g, not g."),
        (p["w0"] - p["lr"] * m1 / np.sqrt(g * g + p["eps"]),
         "check v: it starts at zero, so after one step it is (1 - beta2) g^2, not g^2."),
        (p["w0"] - p["lr"] * g / np.sqrt(g * g + p["eps"]),
         "that is m = g and v = g^2, the values bias correction would restore; the "
         "uncorrected m and v keep only (1 - beta) of the first gradient."),
        (expected - p["w0"], "that is the change of w, the step itself; the question asks for w "
                             "after the step, w0 plus that change."),
        (float(f"{expected:.4g}"), "close, but rounded to four significant digits: give five "
                                   "(the checker accepts a relative error of 1e-4)."),
    ]
    return check_scalar(answer, expected, name="w after one step", rtol=1e-4,
                        diagnoses=diagnoses,
                        praise="with a gradient this small, eps inside the root is comparable "
                               "to v and shortens the step; from w = 1 the uncorrected first "
                               "step would be about "
                               f"{(1 - p['beta1']) / np.sqrt(1 - p['beta2']):.2f} times the "
                               "learning rate whatever the gradient's size.")


# ---------------------------------------------------------------- 2. one Adam step


def reference_adam_step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """One bias-corrected Adam step (Kingma and Ba), via backprop_lib.optimizers.Adam.

    m and v are the moment estimates after step t - 1; returns (w, m, v) after step t.
    """
    return _library_step(w, g, m, v, t, lr, beta1, beta2, eps)


def _library_step(w, g, m, v, t, lr, beta1, beta2, eps, **options):
    opt = Adam(lr, beta1=beta1, beta2=beta2, eps=eps, **options)
    w = np.array(w, dtype=np.float64)
    opt.state = {"w.m": np.array(m, dtype=np.float64), "w.v": np.array(v, dtype=np.float64)}
    opt.t = int(t) - 1
    opt.step({"w": w}, {"dw": np.asarray(g, dtype=np.float64)})
    return w, opt.state["w.m"], opt.state["w.v"]


#: The hyperparameters of adam_step's signature, their defaults, and the other values the
#: checker passes (each far enough from its default to change every output it enters).
HYPER_DEFAULTS = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
HYPER_OTHER = {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-3}


def _adam_inputs():
    """A first step, a second, a late one, and a first step with tiny gradients (where the
    place of eps matters), all with the hyperparameters left at their defaults."""
    rng = np.random.default_rng(7)
    cases = []
    for shape, t, scale in [((3,), 1, 1.0), ((2, 2), 2, 1.0), ((4,), 25, 1.0), ((3,), 1, 1e-5)]:
        w = rng.standard_normal(shape)
        g = scale * rng.standard_normal(shape)
        if t == 1:
            m, v = np.zeros(shape), np.zeros(shape)
        else:
            m = 0.1 * rng.standard_normal(shape)
            v = 0.01 * rng.uniform(0.5, 2.0, shape)
        cases.append((w, g, m, v, t))
    return cases


def _positional_inputs():
    """The default cases, then the second and the late step with every hyperparameter of
    HYPER_OTHER passed by position, (w, g, m, v, t, lr, beta1, beta2, eps)."""
    base = _adam_inputs()
    return base + [base[i] + tuple(HYPER_OTHER.values()) for i in (1, 2)]


_POSITIONAL_NOTES = ["a first step", "a second step", "step 25",
                     "a first step with tiny gradients"] + [
    f"{step}, called with lr, beta1, beta2, eps = "
    f"{', '.join(f'{x:g}' for x in HYPER_OTHER.values())} by position"
    for step in ("a second step", "step 25")]


def _keyword_inputs():
    """(w, g, m, v, t, {name: value}): the late step with one hyperparameter of HYPER_OTHER
    passed by keyword at a time, then the second step with all four, in another order."""
    late, second = _adam_inputs()[2], _adam_inputs()[1]
    every = {k: HYPER_OTHER[k] for k in ("eps", "beta2", "lr", "beta1")}
    return [late + ({name: value},) for name, value in HYPER_OTHER.items()] + [second + (every,)]


_KEYWORD_NOTES = [f"step 25, called with {k}={v:g}" for k, v in HYPER_OTHER.items()] + [
    "a second step, called with " + ", ".join(f"{k}={HYPER_OTHER[k]:g}"
                                             for k in ("eps", "beta2", "lr", "beta1"))]


def _by_keyword(fn):
    """fn called as fn(w, g, m, v, t, **keywords) on an input of _keyword_inputs."""
    def call(*args):
        return fn(*args[:-1], **args[-1])
    return call


def _wrong(**options):
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        return _library_step(w, g, m, v, t, lr, beta1, beta2, eps, **options)

    return step


def _uphill(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    w_new, m_new, v_new = reference_adam_step(w, g, m, v, t, lr, beta1, beta2, eps)
    return 2 * np.asarray(w) - w_new, m_new, v_new


def _moments(g, m, v, beta1, beta2, square=np.square):
    return (beta1 * np.asarray(m) + (1 - beta1) * np.asarray(g),
            beta2 * np.asarray(v) + (1 - beta2) * square(np.asarray(g)))


def _t_plus_one(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    w_new, _, _ = reference_adam_step(w, g, m, v, t + 1, lr, beta1, beta2, eps)
    return (w_new, *_moments(g, m, v, beta1, beta2))


def _t_minus_one(held=False):
    """Adam with its bias correction one step behind, 1 - beta**(t - 1): at a first step that
    divides by zero (w turns NaN), or, held=True, the power is held at 1 there."""
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        m_new, v_new = _moments(g, m, v, beta1, beta2)
        power = max(t - 1, 1) if held else t - 1
        with np.errstate(all="ignore"):
            root = np.sqrt(v_new / (1 - beta2**power)) + eps
            return np.asarray(w) - lr * (m_new / (1 - beta1**power)) / root, m_new, v_new

    return step


def _swapped_betas(averages=True, corrections=True):
    """Adam with beta1 and beta2 trading places in the moving averages, in the bias
    corrections, or in both (the same as calling the right step with the two swapped)."""
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        b_m, b_v = (beta2, beta1) if averages else (beta1, beta2)
        c_m, c_v = (beta2, beta1) if corrections else (beta1, beta2)
        m_new, v_new = _moments(g, m, v, b_m, b_v)
        root = np.sqrt(v_new / (1 - c_v**t)) + eps
        return np.asarray(w) - lr * (m_new / (1 - c_m**t)) / root, m_new, v_new

    return step


def _swapped_moments(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    w_new, m_new, v_new = reference_adam_step(w, g, m, v, t, lr, beta1, beta2, eps)
    return w_new, v_new, m_new


def _returns_hats(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    w_new, m_new, v_new = reference_adam_step(w, g, m, v, t, lr, beta1, beta2, eps)
    return w_new, m_new / (1 - beta1**t), v_new / (1 - beta2**t)


def _epsilon_hat(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    _, m_new, v_new = reference_adam_step(w, g, m, v, t, lr, beta1, beta2, eps)
    rate = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return np.asarray(w) - rate * m_new / (np.sqrt(v_new) + eps), m_new, v_new


def _variant(correct_m=True, correct_v=True, square=np.square, no_eps=False):
    """Adam written out with one typical change: a moment left uncorrected, |g| in place of
    g**2, or eps left out."""
    def step(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        m_new, v_new = _moments(g, m, v, beta1, beta2, square)
        m_hat = m_new / (1 - beta1**t) if correct_m else m_new
        v_hat = v_new / (1 - beta2**t) if correct_v else v_new
        root = np.sqrt(v_hat) + (0.0 if no_eps else eps)
        return np.asarray(w) - lr * m_hat / root, m_new, v_new

    return step


def _modifies_inputs(fn):
    """The names of the inputs that fn changed in place on a later-step case, or None if it
    raised (check_function then reports the error)."""
    args = _adam_inputs()[2]
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            fn(*copies)
    except Exception:  # noqa: BLE001 - the learner's error is reported by check_function
        return None
    return [name for name, a, b in zip("wgmv", args[:4], copies[:4], strict=True)
            if not np.array_equal(a, b, equal_nan=True)]


def _agrees(fn, inputs, keywords=False):
    """Whether fn matches the reference on every one of `inputs` (never raises); keywords:
    the inputs end in a dict of keyword arguments (_keyword_inputs)."""
    wrap = _by_keyword if keywords else (lambda f: f)
    return check_function(wrap(fn), wrap(reference_adam_step), inputs, rtol=1e-7).ok


_IGNORED = {
    "lr": "the step must be lr * m_hat / (sqrt(v_hat) + eps) with the lr it is given, not "
          "a number typed in its place",
    "beta1": "use it in both places, m = beta1 * m + (1 - beta1) * g and the correction "
             "1 - beta1**t (a 0.9 typed into the correction is the usual slip)",
    "beta2": "use it in both places, v = beta2 * v + (1 - beta2) * g**2 and the correction "
             "1 - beta2**t (a 0.999 typed into the correction is the usual slip)",
    "eps": "add the eps it is given, sqrt(v_hat) + eps, not a number typed in its place",
}


def _listing(words, last="and"):
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _hyperparameter_slip(fn):
    """What fn does wrong with its hyperparameters, or None: fn is right at the defaults
    (else the slip is elsewhere) and wrong when one of them, or their order, changes."""
    if not callable(fn) or not _agrees(fn, _adam_inputs()):
        return None
    steps = [_adam_inputs()[i] for i in (1, 2)]
    defaults = tuple(HYPER_DEFAULTS.values())
    ignored = []
    for i, (name, value) in enumerate(HYPER_OTHER.items()):
        by_keyword = _agrees(fn, [s + ({name: value},) for s in steps], keywords=True)
        by_position = _agrees(fn, [s + defaults[:i] + (value,) + defaults[i + 1:]
                                   for s in steps])
        if not by_keyword and not by_position:
            ignored.append(name)
    if ignored:
        first, many = ignored[0], len(ignored) > 1
        return (f"your step is Adam's at the default hyperparameters, but not when "
                f"{_listing([f'{n}={HYPER_OTHER[n]:g}' for n in ignored], 'or')} is passed: "
                f"your adam_step ignores its {_listing(ignored)} argument{'s' * many} "
                f"somewhere{' (a default typed in where the argument belongs)' * many}. "
                f"For {first}: {_IGNORED[first]}.")
    if _agrees(fn, _keyword_inputs(), keywords=True):
        return ("your step is right when the hyperparameters are passed by keyword, but not "
                "by position: the exercise's signature takes them in the order "
                "adam_step(w, g, m, v, t, lr, beta1, beta2, eps), by position or by keyword.")
    if _agrees(fn, _positional_inputs()):
        return ("your step is right when the hyperparameters are passed by position, but not "
                "by keyword: name them as the exercise does, lr, beta1, beta2 and eps.")
    return None


def check_adam_step(fn) -> Feedback:
    """fn(w, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8) -> (w, m, v) after step t,
    called with the default hyperparameters, with others by position and by keyword."""
    if callable(fn):
        changed = _modifies_inputs(fn)
        if changed:
            return Feedback(False, f"your adam_step changes its input{'s' * (len(changed) > 1)} "
                                   f"{', '.join(changed)} in place (m *= beta1, w -= ...): "
                                   "the caller's arrays must stay as they were; compute new "
                                   "ones, m = beta1 * m + (1 - beta1) * g, and return them.")
    diagnoses = [
        (_returns_hats, "your w is right, but you return m_hat and v_hat: return the "
                        "uncorrected m and v, which the next step updates; the correction "
                        "is recomputed from them at every step."),
        (_epsilon_hat, "that is the 'epsilon hat' form (Keras, TensorFlow 1): the correction "
                       "folded into the learning rate and eps added to the uncorrected "
                       "sqrt(v). Kingma and Ba's algorithm adds eps to sqrt(v_hat)."),
        (_wrong(bias_correction=False),
         "your step has no bias correction: divide m by 1 - beta1**t and v by 1 - beta2**t "
         "before the update."),
        (_variant(correct_v=False),
         "you correct m but not v: divide v by 1 - beta2**t too, v_hat = v / (1 - beta2**t), "
         "before its square root."),
        (_variant(correct_m=False),
         "you correct v but not m: divide m by 1 - beta1**t too, m_hat = m / (1 - beta1**t)."),
        (_variant(square=np.abs),
         "v is a running average of the squared gradient, g**2, not of |g|: "
         "v = beta2 * v + (1 - beta2) * g**2 (its square root is then an RMS)."),
        (_wrong(eps_inside=True),
         "eps is inside the square root; Kingma and Ba add it outside: sqrt(v_hat) + eps."),
        (_variant(no_eps=True),
         "eps is missing: add it to the root, sqrt(v_hat) + eps. It matters where the "
         "gradients are tiny (the fourth test input, |g| about 1e-5)."),
        (_uphill, "your step goes uphill: subtract lr * m_hat / (sqrt(v_hat) + eps)."),
        (_t_plus_one, "the bias correction uses the wrong power: at step t it is "
                      "1 - beta**t, with t counted from 1."),
        (_t_minus_one(), "your bias correction uses t - 1: at step t divide by 1 - beta1**t "
                         "and 1 - beta2**t with the t you are given (the m and v just updated "
                         "already hold step t's gradient). With t - 1 the first step divides "
                         "by 1 - beta**0 = 0, and w turns NaN."),
        (_t_minus_one(held=True),
         "your bias correction uses t - 1 after the first step: at step t divide by "
         "1 - beta1**t and 1 - beta2**t with the t you are given (the m and v just updated "
         "already hold step t's gradient)."),
        (_swapped_betas(),
         "beta1 and beta2 have traded places: m, the average of g, uses beta1 (0.9 by "
         "default), m = beta1 * m + (1 - beta1) * g, corrected by 1 - beta1**t; v, the "
         "average of g**2, uses beta2 (0.999), v = beta2 * v + (1 - beta2) * g**2, corrected "
         "by 1 - beta2**t."),
        (_swapped_betas(corrections=False),
         "beta1 and beta2 have traded places in the moving averages: m = beta1 * m + "
         "(1 - beta1) * g and v = beta2 * v + (1 - beta2) * g**2 (beta1 goes with g, beta2 "
         "with g**2)."),
        (_swapped_betas(averages=False),
         "beta1 and beta2 have traded places in the bias correction: m_hat = m / "
         "(1 - beta1**t) and v_hat = v / (1 - beta2**t), each moment corrected with its own "
         "beta."),
        (_swapped_moments, "your step is right, but it returns (w, v, m): return the new "
                           "w, m and v in that order, (w, m, v)."),
    ]
    verdict = check_function(fn, reference_adam_step, _positional_inputs(),
                             name="your adam_step", rtol=1e-7, diagnoses=diagnoses,
                             notes=_POSITIONAL_NOTES, returns=("w", "m", "v"))
    if verdict.ok:
        verdict = check_function(_by_keyword(fn), _by_keyword(reference_adam_step),
                                 _keyword_inputs(), name="your adam_step", rtol=1e-7,
                                 notes=_KEYWORD_NOTES, returns=("w", "m", "v"))
    if verdict.ok:
        return Feedback(True, "your step matches backprop_lib's Adam on every test input: a "
                              "first step, later ones, tiny gradients, and other lr, beta1, "
                              "beta2 and eps passed by position and by keyword.")
    slip = _hyperparameter_slip(fn)
    return Feedback(False, slip) if slip else verdict


# ---------------------------------------------------------------- 3. the equivalent lr

EQUIVALENT = dict(lr=0.05, beta=0.9)


def check_equivalent_lr(answer) -> Feedback:
    """The lr for Momentum(lr, beta) (PyTorch's form) matching Momentum(0.05, 0.9, average=True)."""
    lr, beta = EQUIVALENT["lr"], EQUIVALENT["beta"]
    expected = lr * (1 - beta)
    diagnoses = [
        (lr / (1 - beta), "that goes the wrong way: the moving average keeps only (1 - beta) "
                          "of each gradient, so its velocity is the smaller one, and PyTorch's "
                          "form needs the smaller learning rate."),
        (lr * beta, "the factor between the two velocities is (1 - beta), not beta."),
        (lr, "with the same learning rate PyTorch's velocity is 1 / (1 - beta) times larger, "
             "so its steps are too."),
    ]
    verdict = check_scalar(answer, expected, name="the learning rate", rtol=1e-9,
                           diagnoses=diagnoses)
    if not verdict.ok:
        return verdict
    gap = _momentum_gap(float(to_array(answer)[0].reshape(-1)[0]))
    same = "agree to within 1e-12 (rounding only)" if gap < 1e-12 else f"differ by {gap:.1e}"
    return Feedback(True, f"over 100 steps on the quadratic the two paths {same}.")


def _momentum_gap(lr_torch, steps=100):
    lr, beta = EQUIVALENT["lr"], EQUIVALENT["beta"]
    s = surfaces.quadratic(20.0)
    a = surfaces.trajectory(Momentum(lr, beta=beta, average=True), s, steps=steps).path
    b = surfaces.trajectory(Momentum(lr_torch, beta=beta), s, steps=steps).path
    return float(np.abs(a - b).max())


# ---------------------------------------------------------------- 4. predict: a larger beta

BETA_PREDICTION = dict(lr=0.01, betas=(0.5, 0.95), condition=20.0, steps=100)
CHOICES = ("increases", "decreases")
SYNONYMS = {"increase": "increases", "grows": "increases", "larger": "increases",
            "decrease": "decreases", "shrinks": "decreases", "smaller": "decreases"}


@memo(maxsize=1)
def beta_overshoots():
    """Overshoot of Momentum(lr, beta) on the quadratic for the two betas of exercise 4."""
    p = BETA_PREDICTION
    s = surfaces.quadratic(p["condition"])
    return tuple(surfaces.trajectory(Momentum(p["lr"], beta=b), s, steps=p["steps"]).overshoot()
                 for b in p["betas"])


def check_beta_prediction(answer) -> Feedback:
    """Does the swing past the minimum increase or decrease when beta goes from 0.5 to 0.95?"""
    answer = as_choice(answer, CHOICES, synonyms=SYNONYMS)
    if isinstance(answer, Feedback):
        return answer
    low, high = beta_overshoots()
    truth = "increases" if high > low else "decreases"
    if answer == truth:
        return Feedback(True, f"the path swings {low:.3f} past the minimum with beta "
                              f"{BETA_PREDICTION['betas'][0]:g} and {high:.3f} with beta "
                              f"{BETA_PREDICTION['betas'][1]:g}.")
    return Feedback(False, "look at the momentum figure at learning rate "
                           f"{BETA_PREDICTION['lr']:g} and move beta from "
                           f"{BETA_PREDICTION['betas'][0]:g} to {BETA_PREDICTION['betas'][1]:g}; "
                           "watch how far the blue path swings past the star. A velocity "
                           "that remembers more gradients takes longer to turn round.")


# ---------------------------------------------------------------- 5. explore Figures 1 and 2


def _figures():
    """The chapter's figure module, for Figure 1's learning rates, steps and surfaces
    (imported late: the figures need matplotlib, the checkers do not)."""
    from ..figures import optimizers as fo

    return fo


def largest_converging_sgd_rate():
    """The largest learning rate of Figure 1 at which SGD converges on the quadratic valley:
    the largest at which |1 - lr lambda| < 1 for both curvatures, 1 and the condition number."""
    from ..heavy_ball import gd_rate

    fo = _figures()
    return max(lr for lr in fo.ZIGZAG_GRID if gd_rate(lr, [1.0, fo.CONDITION]) < 1)


def check_largest_sgd_rate(answer) -> Feedback:
    """Exercise 5: the largest learning rate of Figure 1 at which SGD converges on the
    quadratic valley."""
    fo = _figures()
    grid, kappa = fo.ZIGZAG_GRID, fo.CONDITION
    expected = largest_converging_sgd_rate()
    limit = 2 / kappa
    diagnoses = [
        (limit, f"at {limit:g} = 2/kappa SGD's factor across the valley is 1 - lr kappa = "
                f"{1 - limit * kappa:g}: w2 flips between +1 and -1 for ever, and the run "
                "neither converges nor diverges (its curve in Figure 1's right panel stays "
                "flat). Look for the largest rate whose curve keeps falling."),
        (1 / kappa, f"{1 / kappa:g} = 1/kappa is where SGD starts to zigzag, and it is not a "
                    "rate of Figure 1; SGD converges above it too."),
    ] + [(lr, f"at {lr:g} SGD diverges (Figure 1 says at which step).") for lr in grid
         if lr > expected and lr != limit] + [
        (lr, f"SGD converges at {lr:g}, but it also converges at larger rates of the grid.")
        for lr in grid if lr < expected]
    return check_scalar(answer, expected, name="the learning rate", rtol=1e-3,
                        diagnoses=diagnoses,
                        praise=f"{expected:g} is below 2/kappa = {limit:g} and above "
                               f"1/kappa = {1 / kappa:g}, inside the window where SGD "
                               f"zigzags: each step multiplies w2 by 1 - lr kappa = "
                               f"{1 - expected * kappa:.1f}, across the valley's floor and "
                               "back, and still shrinks it.")


OPTIMIZER_CHOICES = ("sgd", "momentum", "rmsprop", "adam")
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "Momentum", "rmsprop": "RMSprop", "adam": "Adam"}
OPTIMIZER_SYNONYMS = {"gradient descent": "sgd", "gd": "sgd", "heavy ball": "momentum",
                      "sgd with momentum": "momentum"}


@memo(maxsize=1)
def rosenbrock_bests():
    """{choice: (best lr, f - f* after the last step)} for each optimizer on Rosenbrock's
    valley, over Figure 1's learning rates (what the figure shows, one rate at a time)."""
    fo = _figures()
    s, steps = fo.race_surface("rosenbrock"), fo.RACE_STEPS["rosenbrock"]
    ends = {c: [] for c in OPTIMIZER_NAMES}
    for lr in fo.ZIGZAG_GRID:
        opts = fo.four_optimizers(lr)
        for choice, name in OPTIMIZER_NAMES.items():
            run = surfaces.trajectory(opts[name], s, steps=steps)
            ends[choice].append(np.inf if run.diverged else float(run.gaps[-1]))
    return {c: (float(fo.ZIGZAG_GRID[int(np.argmin(e))]), float(np.min(e)))
            for c, e in ends.items()}


def check_rosenbrock_pair(first, second) -> Feedback:
    """Exercise 5: the two optimizers that end far closer to Rosenbrock's minimum than the
    other two, each at its best learning rate of Figure 1 (in either order)."""
    given = as_choices({"one optimizer": first, "the other optimizer": second},
                       OPTIMIZER_CHOICES, synonyms=OPTIMIZER_SYNONYMS)
    if isinstance(given, Feedback):
        return given
    bests = rosenbrock_bests()
    ranked = sorted(bests, key=lambda c: bests[c][1])

    def ends(choices):
        return " and ".join(f"{OPTIMIZER_NAMES[c]} {bests[c][1]:.1e} (at {bests[c][0]:g})"
                            for c in choices)

    chosen = list(given.values())
    if chosen[0] == chosen[1]:
        return Feedback(False, "name two different optimizers.")
    wrong = [c for c in chosen if c not in ranked[:2]]
    if not wrong:
        return Feedback(True, f"at their best rates of Figure 1 they end {ends(ranked[:2])} "
                              f"above the minimum, against {ends(ranked[2:])}. Which of the "
                              "two is better neither figure can say: Figure 1 has "
                              f"{len(_figures().ZIGZAG_GRID)} rates and shows where a run stands "
                              "at its last step, and in Figure 2 "
                              "each one's best sits in a narrow dip of its curve, where a "
                              "finer grid through the dips changes which ends lower.")
    names = _listing([OPTIMIZER_NAMES[c] for c in wrong])
    return Feedback(False, f"{names} {'is not one of' if len(wrong) == 1 else 'are not'} the "
                           "two: " + "; ".join(f"at its best rate of Figure 1, {bests[c][0]:g}, "
                                               f"{OPTIMIZER_NAMES[c]} ends {bests[c][1]:.1e} "
                                               "above the minimum" for c in wrong)
                    + ". Move the slider for each optimizer and compare where the curves end.")


# ---------------------------------------------------------------- 6. the best momentum beta

OPTIMAL_BETA = dict(mu=1.0, L=100.0)


def check_optimal_beta(answer) -> Feedback:
    """The beta of the fastest heavy ball for curvatures in [mu, L] (chapter "Optimizers")."""
    from ..heavy_ball import optimal_gd, optimal_heavy_ball

    mu, L = OPTIMAL_BETA["mu"], OPTIMAL_BETA["L"]
    lr, beta, rate = optimal_heavy_ball(mu, L)
    kappa = L / mu
    diagnoses = [
        (rate, "that is sqrt(beta), the rate per step; beta is its square."),
        (optimal_gd(mu, L)[1], "that is tuned gradient descent's rate (kappa - 1)/(kappa + 1); "
                               "momentum's uses the square root of kappa."),
        (((kappa - 1) / (kappa + 1)) ** 2, "that uses kappa where the root of kappa belongs."),
        (0.9, "0.9 is the common default, not the best beta for this valley."),
        (lr, "that is the best learning rate, 4 / (sqrt(L) + sqrt(mu))^2, not beta."),
        (1 - rate, "that is 1 - sqrt(beta); beta = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2."),
    ]
    return check_scalar(answer, beta, name="beta", rtol=1e-3, diagnoses=diagnoses,
                        praise=f"every direction then shrinks by sqrt(beta) = {rate:.3f} "
                               "per step.")
