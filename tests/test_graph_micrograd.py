"""micrograd's engine tests (karpathy/micrograd, test/test_engine.py) on backprop_lib.graph.

Chapter "The chain rule" says its scalar graph is micrograd's engine; here micrograd's two
tests run on it, each expression written once and evaluated three ways: by our backward
pass, and by a reference that shares no code with it. References: PyTorch when it is
installed (micrograd's own), autograd (in the project's environment), and exact rational
arithmetic with forward-mode dual numbers (no rounding at all: the relus' inputs are never 0).
"""

from fractions import Fraction

import pytest

from backprop_lib.graph import Value

TOL = 1e-6  # micrograd's tolerance in test_more_ops


def sanity_check(x, relu):
    z = 2 * x + 2 + x
    q = relu(z) + z * x
    h = relu(z * z)
    y = h + q + q * x
    return y


def more_ops(a, b, relu):
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + relu(b + a)
    d += 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def _relu(v):
    return v.relu()


def _ours():
    x = Value(-4.0)
    y = sanity_check(x, _relu)
    y.backward()
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b, _relu)
    g.backward()
    return (y.data, x.grad), (g.data, a.grad, b.grad)


class Dual:
    """v + d eps with eps^2 = 0, over exact fractions: d carries the derivative."""

    def __init__(self, v, d=0):
        self.v, self.d = Fraction(v), Fraction(d)

    @staticmethod
    def of(x):
        return x if isinstance(x, Dual) else Dual(x)

    def __add__(self, o):
        o = Dual.of(o)
        return Dual(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.v, -self.d)

    def __sub__(self, o):
        return self + (-Dual.of(o))

    def __mul__(self, o):
        o = Dual.of(o)
        return Dual(self.v * o.v, self.d * o.v + self.v * o.d)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = Dual.of(o)
        return Dual(self.v / o.v, (self.d * o.v - self.v * o.d) / (o.v * o.v))

    def __rtruediv__(self, o):
        return Dual.of(o) / self

    def __pow__(self, n):
        assert isinstance(n, int)
        return Dual(self.v**n, n * self.v ** (n - 1) * self.d)

    def relu(self):
        assert self.v != 0  # a kink would make the derivative a convention
        return self if self.v > 0 else Dual(0, 0)


def test_sanity_check_exact():
    (y, xgrad), _ = _ours()
    exact = sanity_check(Dual(-4, 1), _relu)
    assert y == float(exact.v) == -20.0
    assert xgrad == float(exact.d) == 46.0


def test_more_ops_exact():
    _, (g, agrad, bgrad) = _ours()
    ga = more_ops(Dual(-4, 1), Dual(2, 0), _relu)
    gb = more_ops(Dual(-4, 0), Dual(2, 1), _relu)
    assert ga.v == gb.v
    for ours, exact in ((g, ga.v), (agrad, ga.d), (bgrad, gb.d)):
        assert abs(ours - float(exact)) < TOL
        assert ours == pytest.approx(float(exact), rel=1e-13)  # much closer than micrograd asks
    # the numbers of micrograd's README
    assert f"{g:.4f} {agrad:.4f} {bgrad:.4f}" == "24.7041 138.8338 645.5773"


def test_both_against_autograd():
    anp = pytest.importorskip("autograd.numpy")
    autograd = pytest.importorskip("autograd")
    relu = lambda v: anp.maximum(v, 0.0)  # noqa: E731
    (y, xgrad), (g, agrad, bgrad) = _ours()
    assert y == sanity_check(-4.0, relu)
    assert xgrad == autograd.grad(lambda x: sanity_check(x, relu))(-4.0)
    ga, gb = autograd.grad(lambda a, b: more_ops(a, b, relu), argnum=(0, 1))(-4.0, 2.0)
    assert abs(g - more_ops(-4.0, 2.0, relu)) < TOL
    assert abs(agrad - ga) < TOL and abs(bgrad - gb) < TOL


def test_both_against_pytorch():
    torch = pytest.importorskip("torch")

    def leaf(v):
        t = torch.Tensor([v]).double()
        t.requires_grad = True
        return t

    (y, xgrad), (g, agrad, bgrad) = _ours()
    x = leaf(-4.0)
    ypt = sanity_check(x, _relu)
    ypt.backward()
    assert y == ypt.data.item()  # micrograd asks these two to be equal, digit for digit
    assert xgrad == x.grad.item()
    a, b = leaf(-4.0), leaf(2.0)
    gpt = more_ops(a, b, _relu)
    gpt.backward()
    assert abs(g - gpt.data.item()) < TOL
    assert abs(agrad - a.grad.item()) < TOL
    assert abs(bgrad - b.grad.item()) < TOL
