"""Generate pendulum_zoo/physics/engine_fast.py: the readable engine traced into straight-line numpy.

    python tools/generate_engine.py            # rewrite engine_fast.py
    python tools/generate_engine.py --check    # exit 1 if engine_fast.py is not what this would write

The readable kernels (``engine.free_velocities``, ``engine.slider_response``) are run once on symbols
instead of arrays. Every operation between constants is done right away in Python floats (the same IEEE
double arithmetic, no fused operations), operations whose result is exactly known are folded (``x * 1``,
``x + 0``, ``x - 0``, ``x * 0`` and ``0 - x``; they change at most the sign of a zero), negations are
moved into the additions and products that use them (exact: IEEE arithmetic is symmetric in sign), repeated
expressions are computed once, and what the outputs need is written out as one numpy expression a line,
in the order the readable form computes it. ``tests/test_engine.py`` checks that both forms agree bit for bit
and that the file is up to date.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys

from pendulum_zoo.physics import engine

TARGET = pathlib.Path(__file__).resolve().parent.parent / "pendulum_zoo" / "physics" / "engine_fast.py"
_COMMUTATIVE = {"+", "*"}


class Sym:
    """A traced float64 array: a node of the tracer's expression list."""

    __slots__ = ("tracer", "index")

    def __init__(self, tracer: Tracer, index: int) -> None:
        self.tracer, self.index = tracer, index

    def _bin(self, op, other, reflected=False):
        a, b = (other, self) if reflected else (self, other)
        return self.tracer.binary(op, a, b)

    __add__ = lambda self, o: self._bin("+", o)  # noqa: E731
    __radd__ = lambda self, o: self._bin("+", o, True)  # noqa: E731
    __sub__ = lambda self, o: self._bin("-", o)  # noqa: E731
    __rsub__ = lambda self, o: self._bin("-", o, True)  # noqa: E731
    __mul__ = lambda self, o: self._bin("*", o)  # noqa: E731
    __rmul__ = lambda self, o: self._bin("*", o, True)  # noqa: E731
    __truediv__ = lambda self, o: self._bin("/", o)  # noqa: E731
    __rtruediv__ = lambda self, o: self._bin("/", o, True)  # noqa: E731
    __gt__ = lambda self, o: self._bin(">", o)  # noqa: E731
    __ge__ = lambda self, o: self._bin(">=", o)  # noqa: E731
    __lt__ = lambda self, o: self._bin("<", o)  # noqa: E731
    __le__ = lambda self, o: self._bin("<=", o)  # noqa: E731

    def __neg__(self):
        return self.tracer.unary("neg", self)


_PYTHON = {"+": float.__add__, "-": float.__sub__, "*": float.__mul__, "/": float.__truediv__,
           ">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}


class Tracer:
    """Records operations on symbols; folds constants and exact identities; shares repeated expressions."""

    def __init__(self) -> None:
        self.nodes: list[tuple] = []  # (op, operands...) ; operands are Sym or float
        self.names: dict[int, str] = {}
        self._seen: dict[tuple, Sym] = {}

    def input(self, name: str) -> Sym:
        sym = self._add(("input", name))
        self.names[sym.index] = name
        return sym

    def _add(self, node: tuple) -> Sym:
        key = tuple(x.index if isinstance(x, Sym) else ("c", repr(x)) for x in node[1:])
        key = (node[0],) + key
        if node[0] in _COMMUTATIVE:
            key = (node[0],) + tuple(sorted(key[1:], key=repr))
        if key not in self._seen:
            self.nodes.append(node)
            self._seen[key] = Sym(self, len(self.nodes) - 1)
        return self._seen[key]

    def binary(self, op, a, b):
        ca, cb = not isinstance(a, Sym), not isinstance(b, Sym)
        if ca and cb:
            return _PYTHON[op](float(a), float(b))
        if op == "+" and (ca and a == 0.0 or cb and b == 0.0):
            return b if ca else a
        if op == "-" and cb and b == 0.0:
            return a
        if op == "-" and ca and a == 0.0:
            return self.unary("neg", b)
        if op == "*":
            const, other = (a, b) if ca else (b, a) if cb else (None, None)
            if const is not None and const in (0.0, 1.0, -1.0):
                return 0.0 if const == 0.0 else other if const == 1.0 else self.unary("neg", other)
        if op == "/" and cb and b in (1.0, -1.0):
            return a if b == 1.0 else self.unary("neg", a)
        # negations moved into the operation (IEEE arithmetic is symmetric in sign): a + (-b) = a - b,
        # a - (-b) = a + b, (-a) * c = a * (-c), (-a) * (-b) = a * b
        neg_a, neg_b = self._negated(a), self._negated(b)
        if op == "+" and (neg_a is not None or neg_b is not None):
            return self.binary("-", b, neg_a) if neg_a is not None else self.binary("-", a, neg_b)
        if op == "-" and neg_b is not None:
            return self.binary("+", a, neg_b)
        if op == "*" and neg_a is not None and (cb or neg_b is not None):
            return self.binary("*", neg_a, -b if cb else neg_b)
        if op == "*" and neg_b is not None and ca:
            return self.binary("*", -a, neg_b)
        return self._add((op, a, b))

    def _negated(self, x):
        """The operand of ``x`` if ``x`` is a negation node, else None."""
        if isinstance(x, Sym) and self.nodes[x.index][0] == "neg":
            return self.nodes[x.index][1]
        return None

    def unary(self, op, a):
        if not isinstance(a, Sym):
            return {"neg": float.__neg__, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos}[op](float(a))
        if op == "neg" and self.nodes[a.index][0] == "neg":
            return self.nodes[a.index][1]
        return self._add((op, a))

    def where(self, condition, a, b):
        if not isinstance(condition, Sym):
            return a if condition else b
        if not isinstance(a, Sym) and not isinstance(b, Sym) and repr(a) == repr(b):
            return a
        return self._add(("where", condition, a, b))


class TraceOps:
    """``engine.ArrayOps`` for symbols."""

    def __init__(self, tracer: Tracer) -> None:
        self.t = tracer

    def where(self, condition, a, b):
        return self.t.where(condition, a, b)

    def sqrt(self, value):
        return self.t.unary("sqrt", value)

    def sin(self, value):
        return self.t.unary("sin", value)

    def cos(self, value):
        return self.t.unary("cos", value)

    def clamp(self, value, low, high):
        return self.t._add(("min", self.t._add(("max", value, low)), high))


_FORMAT = {"neg": "-{0}", "sqrt": "np.sqrt({0})", "sin": "sin({0})", "cos": "cos({0})",
           "where": "np.where({0}, {1}, {2})", "min": "np.minimum({0}, {1})", "max": "np.maximum({0}, {1})"}


def emit_function(name: str, inputs: list[str], kernel, doc: str) -> tuple[str, int]:
    """Trace ``kernel(*symbols, ops)`` and write it as a Python function; returns (source, op count)."""
    tracer = Tracer()
    symbols = [tracer.input(n) for n in inputs]
    outputs = kernel(*symbols, TraceOps(tracer))
    needed: set[int] = set()
    stack = [o.index for o in outputs if isinstance(o, Sym)]
    while stack:
        index = stack.pop()
        if index not in needed:
            needed.add(index)
            stack.extend(x.index for x in tracer.nodes[index][1:] if isinstance(x, Sym))

    def ref(x):
        if isinstance(x, Sym):
            return tracer.names.get(x.index, f"t{x.index}")
        return repr(float(x)) if x >= 0 or math.isnan(x) else f"({float(x)!r})"

    lines = [f"def {name}({', '.join(inputs)}, sin, cos):", f'    """{doc}"""']
    count = 0
    for index in sorted(needed):
        op, *args = tracer.nodes[index]
        if op == "input":
            continue
        text = _FORMAT[op].format(*map(ref, args)) if op in _FORMAT else f"{ref(args[0])} {op} {ref(args[1])}"
        lines.append(f"    t{index} = {text}")
        count += 1
    results = [ref(o) if isinstance(o, Sym) else f"np.full_like({inputs[0]}, {ref(o)})" for o in outputs]
    lines.append(f"    return {', '.join(results)}")
    return "\n".join(lines) + "\n", count


HEADER = '''"""GENERATED by tools/generate_engine.py from pendulum_zoo/physics/engine.py; do not edit by hand.

The readable engine's two kernels traced into straight-line numpy ({free} array operations for the free
step of every pendulum, {limit} for the slider-limit response of those at an end stop), for the model below.
"""

import numpy as np

MODEL_KEY = (
{key}
)


class Kernels:
    """``engine.Kernels`` with the traced functions: same results, bit for bit."""

    def __init__(self, sin, cos):
        self.sin, self.cos = sin, cos

    def free_velocities(self, x, theta, x_dot, theta_dot, force):
        return free_velocities(x, theta, x_dot, theta_dot, force, self.sin, self.cos)

    def slider_response(self, x, theta, direction):
        return slider_response(x, theta, direction, self.sin, self.cos)

'''


def generate() -> str:
    model = engine.model_for(1.0)
    free, n_free = emit_function(
        "free_velocities", ["x", "theta", "x_dot", "theta_dot", "force"],
        lambda x, th, xd, thd, f, ops: engine.free_velocities(model, x, th, xd, thd, f, ops),
        "engine.free_velocities, traced.")
    limit, n_limit = emit_function(
        "slider_response", ["x", "theta", "direction"],
        lambda x, th, s, ops: engine.slider_response(model, x, th, s, ops),
        "engine.slider_response, traced.")
    key = engine.model_key(model)
    key_lines = "\n".join(f"    {key[i:i + 100]!r}" for i in range(0, len(key), 100))
    header = HEADER.format(free=n_free, limit=n_limit, key=key_lines)
    return header + "\n" + free + "\n\n" + limit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that engine_fast.py is up to date")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date; run python tools/generate_engine.py")
            return 1
        print(f"{TARGET} is up to date")
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
