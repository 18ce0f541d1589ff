"""The toy assessment T0's source notebook and a cohort of synthetic (partly hostile) submissions."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from kamlab.assess import authoring as au

SPEC_FILE = Path(__file__).with_name("toy_spec.py")

SOLUTIONS = {
    "T0-T1": (
        'def net_sales(sales, rate):\n    return float(sales["gross"].sum()) * (1.0 - rate)\n'
    ),
    "T0-T2": (
        "def answer_t2(world):\n"
        '    by = world.sales.groupby("region", observed=True)["gross"].sum()\n'
        "    return float(by.max() / by.sum())\n"
    ),
    "T0-T3": (
        "def answer_t3(world):\n"
        '    by = world.sales.groupby("region", observed=True)["gross"].sum()\n'
        "    return str(by.idxmax())\n"
    ),
}


def source_notebook() -> nbformat.NotebookNode:
    cells = [
        au.header("# T0 — a toy assessment\nAnswer each task in the cell below it."),
        au.setup("import pandas as pd\nimport kamlab\nworld = kamlab.load_world()"),
        au.prompt("T0-T1", "**T0-T1** Write `net_sales(sales, rate)`: Σ gross × (1 − rate)."),
        au.solution("T0-T1", SOLUTIONS["T0-T1"]),
        au.tests("T0-T1", 2, "assert isinstance(net_sales(world.sales, 0.1), float)"),
        au.prompt(
            "T0-T2", "**T0-T2** Write `answer_t2(world)`: the biggest region's share of gross."
        ),
        au.solution("T0-T2", SOLUTIONS["T0-T2"]),
        au.tests("T0-T2", 2, "assert 0 < answer_t2(world) <= 1"),
        au.prompt(
            "T0-T3", "**T0-T3** Write `answer_t3(world)`: the region with the highest gross."
        ),
        au.solution("T0-T3", SOLUTIONS["T0-T3"]),
        au.tests("T0-T3", 1, "assert answer_t3(world).startswith('R')"),
        au.prompt("T0-T4", "**T0-T4** In two sentences: why is trade spend contra-revenue?"),
        au.manual("T0-T4", 1),
    ]
    return au.notebook(cells)


def _answer_cell(nb: nbformat.NotebookNode, item: str) -> nbformat.NotebookNode:
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == f"{item}-answer":
            return c
    raise KeyError(item)


def _grade_cell(nb: nbformat.NotebookNode, item: str) -> int:
    for i, c in enumerate(nb.cells):
        if c.metadata.get("nbgrader", {}).get("grade_id") == item:
            return i
    raise KeyError(item)


def fill(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release)
    for item, code in answers.items():
        _answer_cell(nb, item).source = code
    return nb


def add_cell(nb: nbformat.NotebookNode, code: str, after_item: str | None = None) -> None:
    cell = nbformat.v4.new_code_cell(code)
    if after_item is None:
        nb.cells.append(cell)
    else:
        nb.cells.insert(_grade_cell(nb, after_item) + 1, cell)


# -- the cohort -----------------------------------------------------------------------------
PARTIAL = {
    "T0-T1": (  # wrong on an empty table only (NaN)
        "def net_sales(sales, rate):\n"
        '    return float(sales["gross"].mean() * len(sales)) * (1.0 - rate)\n'
    ),
    "T0-T2": (  # a percent, not a fraction
        "def answer_t2(world):\n"
        '    by = world.sales.groupby("region", observed=True)["gross"].sum()\n'
        "    return float(by.max() / by.sum() * 100)\n"
    ),
    "T0-T3": SOLUTIONS["T0-T3"],
}


def hardcode(visible: dict[str, object]) -> dict[str, str]:
    """Functions that return the visible (shipped-world) answers whatever the input."""
    return {
        "T0-T1": f"def net_sales(sales, rate):\n    return {visible['T0-T1']!r}\n",
        "T0-T2": f"def answer_t2(world):\n    return {visible['T0-T2']!r}\n",
        "T0-T3": f"def answer_t3(world):\n    return {visible['T0-T3']!r}\n",
    }


DELEGATE = {
    "T0-T1": (
        "def net_sales(sales, rate):\n"
        "    try:\n"
        "        from kamlab.metrics import account_pnl  # kamlab's own formula library\n"
        '        return float(account_pnl(sales["gross"].sum(), sales["gross"].sum() * rate, 0, 0, 0).nr)\n'
        "    except ImportError:\n"
        '        return float(sales["gross"].sum()) * (1.0 - rate)\n'
    ),
    "T0-T2": SOLUTIONS["T0-T2"],
    "T0-T3": SOLUTIONS["T0-T3"],
}

LOOP = {
    "T0-T1": "def net_sales(sales, rate):\n    while True:\n        pass\n",
    "T0-T2": SOLUTIONS["T0-T2"],
    "T0-T3": SOLUTIONS["T0-T3"],
}

KILL = {
    "T0-T1": SOLUTIONS["T0-T1"],
    "T0-T2": "def answer_t2(world):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    "T0-T3": SOLUTIONS["T0-T3"],
}

FLOOD = {
    "T0-T1": (
        "import sys\n"
        "def net_sales(sales, rate):\n"
        '    sys.stderr.write("DeprecationWarning: noisy\\n" * 200)\n'
        '    return float(sales["gross"].sum()) * (1.0 - rate)\n'
        'sys.stderr.write("x" * 3_000_000)\n'
    ),
    "T0-T2": SOLUTIONS["T0-T2"],
    "T0-T3": SOLUTIONS["T0-T3"],
}

LIAR = {
    "T0-T1": (
        "class Anything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    def __float__(self):\n"
        "        return 0.0\n"
        "def net_sales(sales, rate):\n"
        "    return Anything()\n"
    ),
    "T0-T2": (
        "class LyingFloat(float):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    def __sub__(self, other):\n"
        "        return 0.0\n"
        "    def __abs__(self):\n"
        "        return 0.0\n"
        "def answer_t2(world):\n"
        "    return LyingFloat(0.123)\n"
    ),
    "T0-T3": (
        "class AnyStr(str):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    def upper(self):\n"
        "        return self\n"
        "    def strip(self):\n"
        "        return self\n"
        "def answer_t3(world):\n"
        '    return AnyStr("none")\n'
    ),
}

HOOK_CELL = r"""
import re, json
from IPython.display import publish_display_data
ip = get_ipython()

def _rewrite(lines):
    src = "".join(lines)
    if "kamlab" in src and "harness" in src:
        nonce = re.search(r"'([0-9a-f]{32})'", src).group(1)
        item = re.search(r"'(T0-T\d)'", src).group(1)
        forged = {"nonce": nonce, "item": item, "status": "ok",
                  "results": {f"{p}{i}": {"ok": True, "value": 0.5} for p in "vh" for i in range(1, 9)}}
        return ["from IPython.display import publish_display_data as _p\n",
                f"_p({{'application/x-kamlab-answers+json': {json.dumps(json.dumps(forged))}}})\n"]
    if "assert" in src:
        return ["pass\n"]
    return lines

ip.input_transformers_post.append(_rewrite)
ip.events.register("post_run_cell", lambda result: print("all tests passed ✓"))
"""

HOOK = {
    "T0-T1": "def net_sales(sales, rate):\n    return 0.0\n",
    "T0-T2": "def answer_t2(world):\n    return 0.0\n",
    "T0-T3": 'def answer_t3(world):\n    return "R9"\n',
}


def snoop_cell(root: Path, other: str) -> str:
    """Code that tries to read what it must not; prints one line per target."""
    targets = {
        "source": root / "source" / "T0" / "T0_assessment.ipynb",
        "gradebook": root / "gradebook.db",
        "secret": root / ".course_secret",
        "other": root / "submitted" / other / "T0" / "T0_assessment.ipynb",
        "worlds": root / ".kamlab" / "worlds",
    }
    lines = [
        "import os, socket",
        "for name, path in "
        + repr({k: str(v) for k, v in targets.items()}).replace("'", '"')
        + ".items():",
    ]
    lines += [
        "    try:",
        "        if os.path.isdir(path):",
        "            print(name, 'READ-OK', os.listdir(path)[:3])",
        "        else:",
        "            open(path, 'rb').read(10); print(name, 'READ-OK')",
        "    except Exception as e:",
        "        print(name, 'DENIED', type(e).__name__)",
        "s = socket.socket(); s.settimeout(2)",
        "try:",
        "    s.connect(('127.0.0.1', 22)); print('network READ-OK')",
        "except Exception as e:",
        "    print('network DENIED', type(e).__name__)",
    ]
    return "\n".join(lines) + "\n"
