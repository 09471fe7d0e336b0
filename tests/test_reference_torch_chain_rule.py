"""Chapter "The chain rule" against PyTorch autograd (when installed): the max gate of
backprop_lib.graph and every leaf gradient of the engine lab's expressions."""

import pytest

from backprop_lib import engine_lab as lab
from backprop_lib import graph

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def test_maximum_matches_torch_away_from_ties():
    for av, bv in ((2.0, -1.0), (-3.0, 0.5), (0.25, 0.2)):
        a, b = graph.parameter(av), graph.parameter(bv)
        graph.backward(graph.maximum(a, b) * 3.0)
        ta = torch.tensor(av, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(bv, dtype=torch.float64, requires_grad=True)
        (torch.maximum(ta, tb) * 3.0).backward()
        assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())


def test_lab_expressions_match_torch_autograd():
    # the expressions only use +, *, ** (numbers), tanh, exp, relu: torch tensors support them
    for _, expression, leaves in lab.EXPRESSIONS:
        root, made = lab.build(expression, leaves)
        lab.reference_backward(root, lab.reference_local_grads, lab.reference_topological_order)
        t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
             for k, v in leaves.items()}
        out = expression(*[_TorchValue(x) for x in t.values()]).x
        out.backward()
        assert abs(out.item() - root.data) < 1e-12
        for k in leaves:
            assert abs(t[k].grad.item() - made[k].grad) < 1e-12 * max(1.0, abs(made[k].grad)), k


class _TorchValue:
    """Wraps a torch scalar with the lab Value's interface (named, tanh, exp, relu)."""

    def __init__(self, x):
        self.x = x

    def named(self, _):
        return self

    @staticmethod
    def _x(o):
        return o.x if isinstance(o, _TorchValue) else o

    def __add__(self, o):
        return _TorchValue(self.x + self._x(o))

    __radd__ = __add__

    def __mul__(self, o):
        return _TorchValue(self.x * self._x(o))

    __rmul__ = __mul__

    def __sub__(self, o):
        return _TorchValue(self.x - self._x(o))

    def __truediv__(self, o):
        return _TorchValue(self.x / self._x(o))

    def __pow__(self, n):
        return _TorchValue(self.x ** n)

    def tanh(self):
        return _TorchValue(torch.tanh(self.x))

    def exp(self):
        return _TorchValue(torch.exp(self.x))

    def relu(self):
        return _TorchValue(torch.relu(self.x))


def test_at_a_tie_graph_gives_the_first_input_everything_and_torch_splits():
    # the text: "graph.maximum gives the whole gradient to its first input, PyTorch's
    # torch.maximum half to each" (tools/autograd/derivatives.yaml, maximum:
    # at::where(self == other, grad / 2, grad))
    a, b = graph.parameter(1.0), graph.parameter(1.0)
    graph.backward(graph.maximum(a, b) * 3.0)
    ta = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    (torch.maximum(ta, tb) * 3.0).backward()
    assert (a.grad, b.grad) == (3.0, 0.0)
    assert (ta.grad.item(), tb.grad.item()) == (1.5, 1.5)
