"""Checkers for the exercises of chapter "Practical tips".

1. `check_standardized`: standardize a new example by hand with the training statistics.
2. `check_bn_param_grads`: write the backward pass of batch normalization for gamma and beta.
3. `check_bn_input_grad`: write the backward pass of batch normalization for its input Z.
4. `check_one_scalar_prediction`: predict what one-scalar normalization does, then verify.
5. `check_relu_init_std`: the standard deviation of the initial weights of a ReLU layer.
6. `check_torch_momentum`: PyTorch's BatchNorm momentum that equals Keras's 0.99.
7. `check_initial_loss`: the loss at initialization of a softmax network with C classes.
8. `check_ratio_factor`: how the update/weight ratio of a layer before batch normalization
   changes when its weights are scaled.

Expected values are computed here with backprop_lib, never typed in, and never printed.
"""

from __future__ import annotations

import numpy as np

from ..batch_statistics import running_update
from ..batchnorm import batchnorm_backward, batchnorm_forward
from ..initializers import weight_std
from ..preprocessing import Standardizer
from ..run_cache import memo
from .checking import Feedback, as_choices, check_array, check_function, check_scalar

__all__ = ["X_TRAIN", "X_NEW", "bn_param_grads_reference", "bn_input_grad_reference",
           "check_bn_input_grad", "check_bn_param_grads", "check_one_scalar_prediction",
           "check_relu_init_std", "check_standardized", "RELU_N_IN", "RELU_N_OUT",
           "KERAS_MOMENTUM", "N_CLASSES", "W_FACTOR", "check_initial_loss",
           "check_ratio_factor", "check_torch_momentum"]

#: Exercise 1: four training examples (columns) of two features with very different scales,
#: and one new example to standardize with the training statistics.
X_TRAIN = np.array([[1.0, 2.0, 3.0, 6.0], [200.0, 400.0, 600.0, 800.0]])
X_NEW = np.array([[4.0], [700.0]])


def check_standardized(answer):
    """Exercise 1: X_NEW standardized per feature with the mean and std of X_TRAIN."""
    expected = Standardizer().fit(X_TRAIN).transform(X_NEW)
    mean = X_TRAIN.mean(axis=1, keepdims=True)
    both = np.concatenate([X_TRAIN, X_NEW], axis=1)
    diagnoses = [
        ((X_NEW - mean) / X_TRAIN.std(axis=1, ddof=1, keepdims=True),
         "you used the sample standard deviation (dividing by m - 1); this book, like "
         "numpy.std and scikit-learn's StandardScaler, divides by m."),
        ((X_NEW - X_TRAIN.mean()) / X_TRAIN.std(),
         "you used one mean and one standard deviation for all features together: "
         "compute them per feature (per row)."),
        ((X_NEW - both.mean(axis=1, keepdims=True)) / both.std(axis=1, keepdims=True),
         "you included the new example in the statistics: they come from the training "
         "set only, so the new example must not change them."),
        (X_NEW / X_TRAIN.std(axis=1, keepdims=True),
         "the mean is not subtracted: first centre, then divide."),
        ((X_NEW - mean) / X_TRAIN.var(axis=1, keepdims=True),
         "you divided by the variance; divide by the standard deviation, its square root."),
        (-expected, "the sign is flipped: subtract the training mean from the example, "
                    "(x - mean) / std, not the other way round."),
    ]
    return check_array(answer, expected, name="the standardized example", rtol=1e-3,
                       diagnoses=diagnoses)


def bn_param_grads_reference(dZtilde, Zhat):
    """The reference of exercise 2: (dgamma, dbeta), each of shape (n, 1)."""
    return ((dZtilde * Zhat).sum(axis=1, keepdims=True),
            dZtilde.sum(axis=1, keepdims=True))


def _param_inputs():
    rng = np.random.default_rng(10)
    out = []
    for n, m in ((3, 5), (4, 7), (1, 6)):
        Z = rng.normal(size=(n, m))
        _, cache = batchnorm_forward(Z, np.ones((n, 1)), np.zeros((n, 1)))
        out.append((rng.normal(size=(n, m)), cache[0]))
    return out


def check_bn_param_grads(fn):
    """Exercise 2: a function bn_param_grads(dZtilde, Zhat) -> (dgamma, dbeta)."""
    diagnoses = [
        (lambda d, Zh: ((d * Zh).sum(axis=0, keepdims=True), d.sum(axis=0, keepdims=True)),
         "you summed over the features (axis 0); gamma and beta have one entry per feature, "
         "so sum over the examples: axis=1, keepdims=True."),
        (lambda d, Zh: ((d * Zh).mean(axis=1, keepdims=True), d.mean(axis=1, keepdims=True)),
         "you took the mean over the examples; take the sum: the 1/m of the mean loss is "
         "already inside dZtilde."),
        (lambda d, Zh: (d.sum(axis=1, keepdims=True), d.sum(axis=1, keepdims=True)),
         "dgamma is missing its factor Zhat: Ztilde = gamma * Zhat + beta, so "
         "dL/dgamma sums dZtilde * Zhat."),
        (lambda d, Zh: (d.sum(axis=1, keepdims=True), (d * Zh).sum(axis=1, keepdims=True)),
         "dgamma and dbeta are swapped: return (dgamma, dbeta) in that order."),
        (lambda d, Zh: (-(d * Zh).sum(axis=1, keepdims=True), d.sum(axis=1, keepdims=True)),
         "dgamma has the wrong sign: Ztilde = gamma * Zhat + beta grows with gamma where "
         "Zhat > 0, so dL/dgamma = +sum of dZtilde * Zhat."),
        (lambda d, Zh: ((d * Zh).sum(axis=1, keepdims=True), -d.sum(axis=1, keepdims=True)),
         "dbeta has the wrong sign: dZtilde/dbeta = +1, so dbeta = +sum of dZtilde."),
    ]
    return check_function(fn, bn_param_grads_reference, _param_inputs(), name="bn_param_grads",
                          diagnoses=diagnoses, returns=("dgamma", "dbeta"))


def bn_input_grad_reference(dZtilde, Z, gamma, eps=1e-5):
    """The reference of exercise 3: dZ of batch normalization (batch statistics)."""
    beta = np.zeros_like(gamma)
    _, cache = batchnorm_forward(Z, gamma, beta, eps)
    return batchnorm_backward(dZtilde, cache)[0]


def _input_inputs():
    rng = np.random.default_rng(11)
    inputs = [(rng.normal(size=(n, m)), rng.normal(loc=2.0, scale=3.0, size=(n, m)),
               rng.uniform(0.5, 2.0, size=(n, 1))) for n, m in ((2, 5), (3, 8), (1, 4))]
    # a batch whose variance (~1e-6) is below eps: here eps = 1e-5, 1e-8 and 0 differ
    inputs.append((rng.normal(size=(2, 6)), rng.normal(loc=2.0, scale=1e-3, size=(2, 6)),
                   rng.uniform(0.5, 2.0, size=(2, 1))))
    return inputs


def check_bn_input_grad(fn):
    """Exercise 3: a function bn_input_grad(dZtilde, Z, gamma) -> dZ (eps = 1e-5)."""
    def frozen_stats(d, Z, g):
        return g * d / np.sqrt(Z.var(axis=1, keepdims=True) + 1e-5)

    def mean_only(d, Z, g):
        dZhat = g * d
        return (dZhat - dZhat.mean(axis=1, keepdims=True)) / np.sqrt(
            Z.var(axis=1, keepdims=True) + 1e-5)

    def no_gamma(d, Z, g):
        return bn_input_grad_reference(d, Z, np.ones_like(g))

    def sums(d, Z, g):  # sum instead of mean over the examples in the two extra terms
        dZhat, Zhat = g * d, (Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(
            Z.var(axis=1, keepdims=True) + 1e-5)
        return (dZhat - dZhat.sum(axis=1, keepdims=True)
                - Zhat * (dZhat * Zhat).sum(axis=1, keepdims=True)) / np.sqrt(
            Z.var(axis=1, keepdims=True) + 1e-5)

    def unbiased(d, Z, g):  # the variance divided by m - 1
        v = Z.var(axis=1, ddof=1, keepdims=True) + 1e-5
        dZhat, Zhat = g * d, (Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(v)
        return (dZhat - dZhat.mean(axis=1, keepdims=True)
                - Zhat * (dZhat * Zhat).mean(axis=1, keepdims=True)) / np.sqrt(v)

    def no_eps(d, Z, g):
        return bn_input_grad_reference(d, Z, g, eps=1e-300)

    def small_eps(d, Z, g):  # another library's or paper's epsilon
        return bn_input_grad_reference(d, Z, g, eps=1e-8)

    def axis0(d, Z, g):  # the statistics over the units of an example (layer norm's axis)
        mu, v = Z.mean(axis=0, keepdims=True), Z.var(axis=0, keepdims=True) + 1e-5
        dZhat, Zhat = g * d, (Z - mu) / np.sqrt(v)
        return (dZhat - dZhat.mean(axis=0, keepdims=True)
                - Zhat * (dZhat * Zhat).mean(axis=0, keepdims=True)) / np.sqrt(v)

    def variance_sign(d, Z, g):  # the term through the variance added instead of subtracted
        v = Z.var(axis=1, keepdims=True) + 1e-5
        dZhat, Zhat = g * d, (Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(v)
        return (dZhat - dZhat.mean(axis=1, keepdims=True)
                + Zhat * (dZhat * Zhat).mean(axis=1, keepdims=True)) / np.sqrt(v)

    diagnoses = [
        (frozen_stats, "you treated the batch mean and variance as constants; they depend on "
                       "every Z in the batch, which adds the two mean terms over the examples."),
        (mean_only, "the mean of dZhat is subtracted, but the term through the variance, "
                    "Zhat * mean(dZhat * Zhat), is missing."),
        (no_gamma, "the factor gamma is missing: dZhat = gamma * dZtilde."),
        (sums, "the two extra terms take the sum over the examples; they are means: the "
               "paths through mu and sigma^2 each carry a factor 1/m."),
        (unbiased, "you used the unbiased variance (dividing by m - 1); batch normalization "
                   "normalizes with the biased one, the mean of D^2 over the m examples."),
        (axis0, "you took the mean and variance over axis 0, the units of one example (layer "
                "normalization's axis); batch normalization averages each unit over the "
                "examples, axis 1."),
        (variance_sign, "the term through the variance has the wrong sign: it is "
                        "- Zhat * mean(dZhat * Zhat), subtracted like the mean term."),
        (small_eps, "you used eps = 1e-8; the chapter's forward pass divides by "
                    "sqrt(sigma^2 + eps) with eps = 1e-5, so use eps = 1e-5 in the backward "
                    "pass too (the two differ where a batch's variance is near eps)."),
        (no_eps, "epsilon is missing: the forward pass divides by sqrt(sigma^2 + eps) with "
                 "eps = 1e-5, so the backward pass must too."),
    ]
    return check_function(fn, bn_input_grad_reference, _input_inputs(), name="bn_input_grad",
                          rtol=1e-6, diagnoses=diagnoses)


SQUEEZED_CHOICES = ("feature 1", "feature 2")
ACCURACY_CHOICES = ("lower", "about the same", "higher")
SYNONYMS = {"feature1": "feature 1", "feature2": "feature 2", "the same": "about the same",
            "same": "about the same"}


@memo(maxsize=1)
def _normalization_runs():
    from ..figures.practical import normalization_runs  # trains three small networks

    return normalization_runs()


def check_one_scalar_prediction(squeezed, accuracy):
    """Exercise 4: predict, for the millimetre moons normalized with one scalar,

    squeezed: which feature ends up with a tiny spread ("feature 1" or "feature 2");
    accuracy: the test accuracy compared with per-feature normalization ("lower",
    "about the same" or "higher", where "about the same" means within 0.02).
    The checker runs the computation and compares.
    """
    given = as_choices({"squeezed": squeezed}, SQUEEZED_CHOICES, synonyms=SYNONYMS)
    if isinstance(given, Feedback):
        return given
    squeezed = given["squeezed"]
    given = as_choices({"accuracy": accuracy}, ACCURACY_CHOICES, synonyms=SYNONYMS)
    if isinstance(given, Feedback):
        return given
    accuracy = given["accuracy"]
    runs = _normalization_runs()
    spread = runs["one_scalar"].X_train.std(axis=1)
    true_squeezed = SQUEEZED_CHOICES[int(np.argmin(spread))]
    diff = runs["one_scalar"].test_accuracy - runs["per_feature"].test_accuracy
    true_accuracy = ("about the same" if abs(diff) <= 0.02
                     else "higher" if diff > 0 else "lower")
    if squeezed != true_squeezed:
        return Feedback(False, "look again at which feature has the small scale: one scalar "
                               "divides both by a standard deviation dominated by the large "
                               "one.")
    if accuracy != true_accuracy:
        return Feedback(False, f"the squeezed feature is right, but the test accuracy is "
                               f"not {accuracy}: compare the test accuracies in the chapter's "
                               "normalization table, and think of what the network can still "
                               "see of the squeezed feature.")
    return Feedback(True, f"{squeezed} is squeezed (spread {spread.min():.2g}), and the "
                          f"test accuracy is {accuracy} "
                          f"({runs['one_scalar'].test_accuracy:.2f} against "
                          f"{runs['per_feature'].test_accuracy:.2f}).")


#: Exercise 5: a hidden ReLU layer with this many inputs and units.
RELU_N_IN, RELU_N_OUT = 50, 10


def check_relu_init_std(answer):
    """Exercise 5: the standard deviation of the initial weights of the ReLU layer
    (RELU_N_IN -> RELU_N_OUT): He's, sqrt(2 / n_in), to 3 significant digits."""
    n_in, n_out = RELU_N_IN, RELU_N_OUT
    diagnoses = [
        (weight_std("lecun", n_in, n_out),
         "that is LeCun's scale, sqrt(1/n_in), which suits tanh; a ReLU sets about half of "
         "its inputs to zero, so He doubles the variance to make up for it."),
        (weight_std("xavier", n_in, n_out),
         "that is Glorot's (Xavier) scale, sqrt(2/(n_in + n_out)), meant for tanh and "
         "sigmoid layers; a ReLU layer wants He's."),
        (2.0 / n_in, "that is the variance; the standard deviation is its square root."),
        (1.0 / n_in, "that is LeCun's variance: a ReLU layer needs twice that, and the "
                     "standard deviation is its square root."),
        (np.sqrt(0.5 / n_in),
         "you halved LeCun's variance; He doubles it: a ReLU zeroes about half of its "
         "inputs, which halves the variance of the next sum, and larger weights make up for "
         "it."),
        (weight_std("he", n_out, n_in),
         "that is He's backward variant, sqrt(2/n_out) (fan_out in "
         "torch.nn.init.kaiming_normal_), which keeps the gradients' variance; it works "
         "too, but the exercise asks for the forward one, sqrt(2/n_in): each unit sums "
         "over its n_in inputs."),
        (weight_std("small", n_in, n_out),
         "0.01 (the \"small\" initialization) ignores the layer's width altogether; the scale "
         "depends on n_in."),
    ]
    return check_scalar(answer, weight_std("he", n_in, n_out), name="the standard deviation",
                        rtol=5e-3, diagnoses=diagnoses,
                        praise="He's scale, sqrt(2/n_in): the variance 2/n_in makes up for "
                               "the half of its inputs a ReLU sets to zero.")


#: Exercise 6: the momentum of a Keras BatchNormalization layer (its default).
KERAS_MOMENTUM = 0.99


def _torch_equivalent(keras_momentum):
    """The PyTorch momentum whose running average equals Keras's: solved from
    running_update on a running value 0 and a batch value 1 (the weight of the new value)."""
    return float(running_update(0.0, 1.0, keras_momentum, "keras"))


def check_torch_momentum(answer):
    """Exercise 6: the momentum of PyTorch's BatchNorm1d that keeps the same running
    averages as Keras's BatchNormalization(momentum=KERAS_MOMENTUM)."""
    k = KERAS_MOMENTUM
    diagnoses = [
        (k, "that is Keras's number copied: in Keras momentum is the weight of the old "
            "running value, in PyTorch the weight of the new batch statistic."),
        (0.1, "0.1 is PyTorch's default, which averages over about 10 batches; Keras's 0.99 "
              "averages over about 100."),
        (0.9, "0.9 would be 1 - 0.1, PyTorch's default turned around; start from Keras's "
              "0.99 instead."),
        (1 / k, "the two conventions are related by 1 - momentum, not by its inverse."),
    ]
    return check_scalar(answer, _torch_equivalent(k), name="the PyTorch momentum", rtol=1e-6,
                        atol=1e-9, diagnoses=diagnoses,
                        praise="1 - 0.99: Keras weights the old value by its momentum, "
                               "PyTorch the new one.")


#: Exercise 7: a softmax output with this many classes.
N_CLASSES = 10


@memo(maxsize=1)
def _measured_initial_loss():
    """The loss the exercise's solution measures: a fresh 5-32-N_CLASSES network (tanh,
    softmax, Xavier, seed 0) on 500 standard-normal examples with random labels."""
    from ..data import one_hot
    from ..network import Network

    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 500))
    Y = one_hot(rng.integers(0, N_CLASSES, 500), N_CLASSES)
    net = Network([5, 32, N_CLASSES], ["tanh", "identity"], "softmax_ce", init="xavier")
    return float(net.loss(X, Y))


def check_initial_loss(answer):
    """Exercise 7: the cross-entropy at initialization of a softmax network with N_CLASSES
    balanced classes whose outputs all start near 1 / N_CLASSES (natural logarithm)."""
    from ..recipe import expected_initial_loss

    C = N_CLASSES
    diagnoses = [
        (np.log10(C), "that is the base-10 logarithm; cross-entropy uses the natural one, "
                      "ln C."),
        (np.log(2), "ln 2 is the loss of one sigmoid output near 1/2; with C classes each "
                    "gets about 1/C."),
        (1 / C, "that is the probability each class gets, not the loss -ln(1/C)."),
        (C * np.log(C), "only the true class's term enters the cross-entropy of an example "
                        "(its target is one-hot), not one term per class."),
        (np.log(C - 1), "every class starts at 1/C, the true one included: ln C, not "
                        "ln(C - 1)."),
        (_measured_initial_loss(), "that is a measured loss, the solution's network's; the "
                                   "expected one is ln C exactly (every class at 1/C), and a "
                                   "real network sits within about a tenth of it."),
        (-expected_initial_loss("softmax_ce", C),
         "a cross-entropy is never negative: it is -ln of the true class's probability, "
         "-ln(1/C) = ln C."),
    ]
    return check_scalar(answer, expected_initial_loss("softmax_ce", C), name="the loss",
                        rtol=5e-3, diagnoses=diagnoses,
                        praise="ln C: a network that knows nothing gives every class 1/C.")


#: Exercise 8: the weights before a batch-normalization layer are multiplied by this.
W_FACTOR = 2.0


def check_ratio_factor(answer):
    """Exercise 8: by what factor the update/weight ratio lr ||dW|| / ||W|| of SGD changes
    when W (before batch normalization) is multiplied by W_FACTOR."""
    c = W_FACTOR
    diagnoses = [
        (1 / c, "that is the factor of the gradient ||dW||; the ratio divides it by ||W||, "
                "which grew by the same factor."),
        (1.0, "the loss does not change, but its gradient does: L(cW) = L(W) gives "
              "dW at cW = dW / c."),
        (c, "larger weights get a smaller gradient, not a larger one: dW at cW = dW / c."),
        (c * c, "the ratio shrinks: the gradient falls by c and the norm grows by c."),
        (1 / c ** 3, "one power of c too many: the gradient falls by c and the norm grows by "
                     "c, so the ratio falls by c^2."),
        (-1 / c ** 2, "a ratio of two norms is positive: the factor is 1/c^2, a fall, not a "
                      "change of sign."),
    ]
    return check_scalar(answer, 1 / c ** 2, name="the factor", rtol=1e-3, diagnoses=diagnoses,
                        praise="1/c^2: the gradient shrinks by c and the weights grow by c, "
                               "so the effective learning rate falls like 1/||W||^2.")
