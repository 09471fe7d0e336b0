"""The engine lab of chapter "The chain rule": the checker accepts the reference engine,
catches planted bugs (a wrong local derivative, = instead of +=, a bad order), and runs
with the standard library alone (loaded by its path, NumPy blocked)."""

import json
import subprocess
import sys
from pathlib import Path

from backprop_lib import engine_lab as lab

LAB = Path(__file__).resolve().parents[1] / "backprop_lib" / "engine_lab.py"
REF = (lab.reference_local_grads, lab.reference_topological_order, lab.reference_backward)


def _with_rule(op, rule):
    def local(node):
        return rule(node) if node.op == op else lab.reference_local_grads(node)
    return local


def _backward_that(assigns=lambda node: False, strict=True):
    """The reference backward pass, except that it assigns (=) at the nodes where
    assigns(node) holds, and zips without strict=True if asked (extra numbers vanish)."""
    def backward(root, local_grads, topological_order):
        order = topological_order(root)
        for node in order:
            node.grad = 0.0
        root.grad = 1.0
        for node in reversed(order):
            for p, d in zip(node.inputs, local_grads(node), strict=strict):
                p.grad = node.grad * d + (0.0 if assigns(node) else p.grad)
    return backward


_assigning_backward = _backward_that(assigns=lambda node: True)  # the bug: = instead of +=


def test_reference_engine_passes():
    fb = lab.check_engine(*REF)
    assert fb.ok and "central differences" in fb.message


def test_planted_wrong_local_derivative_is_named_at_its_node():
    mul = _with_rule("*", lambda n: (n.inputs[0].data, n.inputs[1].data))
    msg = lab.check_engine(mul, *REF[1:]).message
    assert "node c = a * b: dc/da expected -3, got 2.5" in msg and "other factor, b" in msg
    tanh = _with_rule("tanh", lambda n: (1 - n.inputs[0].data ** 2,))
    assert "tanh' = 1 - tanh(z)^2" in lab.check_engine(tanh, *REF[1:]).message
    power = _with_rule("**", lambda n: (n.exponent * n.inputs[0].data ** n.exponent,))
    assert "n e^(n - 1)" in lab.check_engine(power, *REF[1:]).message
    relu = _with_rule("relu", lambda n: (1.0,))
    assert "relu passes no gradient" in lab.check_engine(relu, *REF[1:]).message
    add = _with_rule("+", lambda n: (n.inputs[0].data, n.inputs[1].data))
    assert "both local derivatives are 1" in lab.check_engine(add, *REF[1:]).message
    short = _with_rule("*", lambda n: (1.0,))
    assert "returned 1 numbers for its 2 input(s)" in lab.check_engine(short, *REF[1:]).message


def test_planted_assignment_is_caught_as_an_overwritten_fork():
    fb = lab.check_engine(REF[0], REF[1], _assigning_backward)
    assert not fb.ok
    assert "gradient of a overwritten at a fork: it is used 3 times" in fb.message
    assert "+=" in fb.message


def test_bad_orders_and_missing_zeroing_are_named():
    def no_visited(root):
        out = []

        def visit(n):
            for p in n.inputs:
                visit(p)
            out.append(n)
        visit(root)
        return out

    def preorder(root):
        out, seen = [], set()

        def visit(n):
            if id(n) not in seen:
                seen.add(id(n))
                out.append(n)
                for p in n.inputs:
                    visit(p)
        visit(root)
        return out

    assert "more than once" in lab.check_engine(REF[0], no_visited, REF[2]).message
    assert "before its input" in lab.check_engine(REF[0], preorder, REF[2]).message

    def no_zero(root, local_grads, topological_order):
        root.grad = 1.0
        for node in reversed(topological_order(root)):
            for p, d in zip(node.inputs, local_grads(node), strict=True):
                p.grad += node.grad * d

    assert "set every gradient to 0" in lab.check_engine(REF[0], REF[1], no_zero).message


def test_skeleton_and_broken_code_give_feedback_not_tracebacks():
    fb = lab.check_engine(lab.local_grads, lab.topological_order, lab.backward)
    assert not fb.ok and "NotImplementedError" in fb.message
    assert "raised ZeroDivisionError" in lab.check_engine(lambda n: 1 / 0, *REF[1:]).message
    assert "must be a function" in lab.check_engine(None, *REF[1:]).message
    assert "run" not in lab.check_engine(*REF).message.lower().split()


PROGRAM = r"""
import importlib.util, json, sys
sys.modules["numpy"] = None
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("engine_lab", sys.argv[1])
lab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lab)
fb = lab.check_engine(lab.reference_local_grads, lab.reference_topological_order,
                      lab.reference_backward)
new = sorted(m for m in set(sys.modules) - before if m not in ("engine_lab", "graph"))
print(json.dumps({"ok": fb.ok, "message": fb.message, "new": new,
                  "package": any(m.startswith("backprop_lib") for m in sys.modules)}))
"""


def test_lab_runs_alone_without_numpy_or_the_package():
    out = subprocess.run([sys.executable, "-I", "-S", "-c", PROGRAM, str(LAB)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["ok"], r["message"]
    assert not r["package"]
    assert [m for m in r["new"] if m.split(".")[0] not in sys.stdlib_module_names] == []


def test_pieces_can_be_checked_one_at_a_time():
    fb = lab.check_engine(lab.reference_local_grads)
    assert fb.ok and "now pass your topological_order and backward too" in fb.message
    fb = lab.check_engine(lab.reference_local_grads, lab.reference_topological_order)
    assert fb.ok and "now pass your backward too" in fb.message
    assert "overwritten at a fork" in lab.check_engine(lab.reference_local_grads,
                                                       backward=_assigning_backward).message


def _leaf_rule(value):
    def local(node):
        return value if node.op == "leaf" else lab.reference_local_grads(node)
    return local


_plain_zip_backward = _backward_that(strict=False)


def test_leaves_must_return_the_empty_tuple_and_local_grads_is_blamed():
    # a forgotten leaf branch (None) or a leaf's "derivative" (1.0,) is local_grads' fault,
    # even with the reference backward (zip strict) or the learner's own (plain zip)
    for wrong in (None, (1.0,), 1.0, [0.0]):
        for pieces in ((), (REF[1], REF[2]), (REF[1], _plain_zip_backward)):
            msg = lab.check_engine(_leaf_rule(wrong), *pieces).message
            assert "local_grads at the leaf a returned" in msg and "()" in msg, msg
            assert "backward" not in msg
    assert lab.check_engine(_leaf_rule([]), *REF[1:]).ok  # an empty list is as good as ()


def test_an_iterator_order_is_named_not_blamed_on_backward():
    msg = lab.check_engine(REF[0], lambda r: iter(lab.reference_topological_order(r)),
                           REF[2]).message
    assert "topological_order returned a list_iterator" in msg and "list" in msg


def test_a_bool_is_a_number_for_relu():
    relu = _with_rule("relu", lambda n: (n.inputs[0].data > 0,))
    assert lab.check_engine(relu, *REF[1:]).ok


def test_the_unwritten_function_is_named():
    def order_todo(root):
        raise NotImplementedError

    def backward_todo(root, local_grads, topological_order):
        raise NotImplementedError

    assert lab.check_engine(lab.local_grads).message.startswith(
        "local_grads still raises NotImplementedError")
    assert "topological_order still raises" in lab.check_engine(REF[0], order_todo).message
    assert "backward still raises" in lab.check_engine(REF[0], REF[1], backward_todo).message


def test_assignment_at_one_kind_of_node_is_caught():
    # = at one op only is wrong wherever that op's input is a fork whose share does not
    # arrive first; each op that consumes a fork in EXPRESSIONS is caught
    for op in ("+", "*", "**", "relu"):
        partial = _backward_that(assigns=lambda node, op=op: node.op == op)
        fb = lab.check_engine(REF[0], REF[1], partial)
        assert not fb.ok and "overwritten at a fork" in fb.message, op


def test_every_expression_has_a_fork_and_the_tanh_unit_feeds_w_twice():
    for label, expression, leaves in lab.EXPRESSIONS:
        root, made = lab.build(expression, leaves)
        uses = {}
        for node in lab._order(root):
            for p in node.inputs:
                uses[id(p)] = uses.get(id(p), 0) + 1
        assert max(uses.values()) >= 2, label
    root, made = lab.build(lab.EXPRESSIONS[1][1], lab.EXPRESSIONS[1][2])
    assert sum(p is made["w"] for n in lab._order(root) for p in n.inputs) == 2
    root, made = lab.build(lab.EXPRESSIONS[2][1], lab.EXPRESSIONS[2][2])
    for k in ("u", "v"):  # "u and v are each used three times"
        assert sum(p is made[k] for n in lab._order(root) for p in n.inputs) == 3


def test_printed_value_and_gradient_of_the_fork_differ():
    # the page prints L's value beside the checker's verdict on dL/da: they must not coincide
    root, made = lab.build(*lab.EXPRESSIONS[0][1:])
    lab.reference_backward(root, lab.reference_local_grads, lab.reference_topological_order)
    assert root.data != made["a"].grad and root.data != made["b"].grad


def test_reflected_subtraction_and_division():
    x = lab.Value(4.0, name="x")
    for expr, value, grad in ((lambda v: 1 - v, -3.0, -1.0), (lambda v: 2 / v, 0.5, -0.125)):
        out = expr(x)
        lab.reference_backward(out, lab.reference_local_grads, lab.reference_topological_order)
        assert out.data == value and x.grad == grad
