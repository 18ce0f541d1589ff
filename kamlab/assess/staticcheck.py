"""Static check for delegation: does the trainee's code use kamlab beyond what is allowed?

Items are open-book — a trainee may read kamlab's code — but an item that asks for an
implementation must not be passed by calling kamlab's own. This check reads the trainee's
code cells (IPython syntax included) without running them and lists every use of a kamlab
name outside the assessment's allow-list (by default ``kamlab.load_world`` and
``kamlab.assess.student``): imports, attribute access, ``getattr`` on a kamlab module,
``__import__``/``importlib.import_module`` with a kamlab name or a computed name, and
strings naming kamlab modules or files (``exec(open(".../kamlab/metrics/pnl.py").read())``).
The sandbox enforces the same rule at run time (only a stub of kamlab is importable).

>>> [f.name for f in find_delegation("from kamlab.metrics import account_pnl\\n")]
['kamlab.metrics.account_pnl']
>>> find_delegation("import kamlab\\nw = kamlab.load_world()\\n")
[]
>>> [f.name for f in find_delegation("import kamlab as k\\nk.metrics.account_pnl(1, 0, 0, 0, 0)\\n")]
['kamlab.metrics.account_pnl']
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Finding", "find_delegation"]

DEFAULT_ALLOW = ("kamlab.load_world", "kamlab.assess.student")
_STRING_RE = re.compile(r"kamlab\s*[./\\]\s*([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Finding:
    """One use of kamlab outside the allow-list: the dotted ``name`` and the source ``line``."""

    name: str
    line: int
    how: str


def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _allowed(name: str, allow: Iterable[str]) -> bool:
    if name == "kamlab":
        return True
    for a in allow:
        if name == a or name.startswith(a + "."):
            return True
    # an intermediate package on the way to an allowed name (kamlab.assess -> .student)
    return any(a.startswith(name + ".") for a in allow)


def _dotted(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def find_delegation(source: str, allow: Iterable[str] = DEFAULT_ALLOW) -> list[Finding]:
    """Every use of kamlab in ``source`` that the allow-list does not permit."""
    allow = tuple(allow)
    code = _to_python(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # code that does not parse cannot run either
    bound: dict[str, str] = {}  # local name -> kamlab dotted name
    out: list[Finding] = []

    def flag(name: str, node: ast.AST, how: str) -> None:
        if not _allowed(name, allow):
            out.append(Finding(name, getattr(node, "lineno", 0), how))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "kamlab" or a.name.startswith("kamlab."):
                    if a.asname:
                        bound[a.asname] = a.name
                        flag(a.name, node, "import")
                    else:
                        bound["kamlab"] = "kamlab"
                        flag(a.name, node, "import")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0 and (mod == "kamlab" or mod.startswith("kamlab.")):
                for a in node.names:
                    full = f"{mod}.{a.name}" if a.name != "*" else f"{mod}.*"
                    bound[a.asname or a.name] = full
                    flag(full, node, "import")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            parts = _dotted(node)
            if parts and parts[0] in bound:
                flag(".".join([bound[parts[0]], *parts[1:]]), node, "attribute")
        elif isinstance(node, ast.Call):
            fn = _dotted(node.func) or []
            fname = ".".join(fn)
            if fname in ("getattr", "builtins.getattr") and node.args:
                target = _dotted(node.args[0])
                if target and target[0] in bound:
                    flag(".".join([bound[target[0]], *target[1:], "<getattr>"]), node, "getattr")
            if fname in (
                "__import__",
                "importlib.import_module",
                "import_module",
                "builtins.__import__",
            ):
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if arg.value.startswith("kamlab"):
                        flag(
                            arg.value if arg.value != "kamlab" else "kamlab", node, "dynamic import"
                        )
                else:
                    out.append(
                        Finding("<computed import>", getattr(node, "lineno", 0), "dynamic import")
                    )
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    for m in _STRING_RE.finditer(arg.value):
                        flag(f"kamlab.{m.group(1)}", node, "string")
    seen: set[tuple[str, int]] = set()
    uniq = []
    for f in out:
        if (f.name, f.line) not in seen:
            seen.add((f.name, f.line))
            uniq.append(f)
    # report the longest name per line (kamlab.metrics.x rather than kamlab.metrics too)
    best: dict[int, Finding] = {}
    for f in uniq:
        if f.line not in best or len(f.name) > len(best[f.line].name):
            best[f.line] = f
    return sorted(best.values(), key=lambda f: f.line)
