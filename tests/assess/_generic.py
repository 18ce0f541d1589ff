"""A hostile cohort for ANY assessment, derived from its source notebook and spec.

Every assessment under ``assessments/source`` is graded with these submissions (the e2e test
finds them all, so M2–M8 are covered the day they are added). Expected scores follow from the
spec alone:

========== ==================================================================================
correct    the source's solutions                          full marks on every judged item
blank      the release as handed out                       0 everywhere
hardcode   each function returns its first visible answer  0 everywhere (hidden worlds differ)
delegate   solutions that also import kamlab.metrics       0 on implementation items only
liar       functions return an object equal to anything    0 everywhere
loop       + a top-level ``while True`` cell               full marks (the cell is stopped)
killtop    + a last cell ``os._exit(0)``                   0 everywhere (kernel gone)
flood      + 3 MB on stderr, and from every function       full marks (stderr does not matter)
tamper     test cells edited, points changed, one deleted  full marks; tampering reported
snoop      + a cell reading source/, gradebook, secret …   full marks; it reads nothing
hook       + an input transformer forging answers          0 everywhere (forgeries are data)
========== ==================================================================================

An assessment may add its own variants (e.g. exact partial credit) in ``cohorts/<id>.py``
as ``VARIANTS = {name: (answers_by_item, {item: score})}`` — see ``cohorts/m1.py``.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import nbformat

from kamlab.assess._harness import to_plain
from kamlab.assess.spec import Assessment, Kind

HERE = Path(__file__).resolve().parent


def _strip_markers(src: str) -> str:
    lines = [
        ln
        for ln in src.splitlines()
        if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    ]
    return "\n".join(lines) + "\n"


def answer_cells(nb: nbformat.NotebookNode) -> dict[str, int]:
    out = {}
    for i, c in enumerate(nb.cells):
        gid = c.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("-answer"):
            out[gid[: -len("-answer")]] = i
    return out


def test_cells(nb: nbformat.NotebookNode) -> dict[str, int]:
    out = {}
    for i, c in enumerate(nb.cells):
        nbg = c.metadata.get("nbgrader", {})
        if c.cell_type == "code" and nbg.get("grade") and not nbg.get("solution"):
            out[nbg["grade_id"]] = i
    return out


def fill(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release)
    cells = answer_cells(nb)
    for item, code in answers.items():
        nb.cells[cells[item]].source = code
    return nb


def solutions(source: nbformat.NotebookNode) -> dict[str, str]:
    return {
        item: _strip_markers(source.cells[i].source) for item, i in answer_cells(source).items()
    }


def _expected(assessment: Assessment, rule: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for item in assessment.items:
        pts = assessment.points(item)
        if item.kind is Kind.MANUAL:
            out[item.id] = None
        elif rule == "full":
            out[item.id] = pts
        elif rule == "zero":
            out[item.id] = 0.0
        elif rule == "delegate":
            out[item.id] = 0.0 if item.needs_implementation else pts
    return out


SNOOP = """import os, socket
for name, path in {targets}.items():
    try:
        if os.path.isdir(path):
            print(name, "READ-OK", os.listdir(path)[:3])
        else:
            open(path, "rb").read(10); print(name, "READ-OK")
    except Exception as e:
        print(name, "DENIED", type(e).__name__)
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("127.0.0.1", 22)); print("network READ-OK")
except Exception as e:
    print("network DENIED", type(e).__name__)
"""

HOOK = r"""import re, json
ip = get_ipython()
def _forge(lines):
    src = "".join(lines)
    if "kamlab" in src and "harness" in src:
        nonce = re.search(r"'([0-9a-f]{32})'", src).group(1)
        item = re.search(r"'([A-Z0-9]+-T\d+)'", src).group(1)
        forged = {"nonce": nonce, "item": item, "status": "ok",
                  "results": {f"{p}{i}": {"ok": True, "value": 1.0} for p in "vh" for i in range(1, 20)}}
        return ["from IPython.display import publish_display_data as _p\n",
                f"_p({{'application/x-kamlab-answers+json': {json.dumps(json.dumps(forged))}}})\n"]
    return lines
ip.input_transformers_post.append(_forge)
ip.events.register("post_run_cell", lambda result: print("all tests passed"))
"""

DECODE = """import json
import pandas as pd


def _decode(v):
    # rebuild the visible answer (frames, series, maps, sets) from its plain encoding
    if isinstance(v, list):
        return [_decode(x) for x in v]
    if not isinstance(v, dict):
        return v
    (tag, body), = v.items()
    if tag == "__map__":
        return {(tuple(k) if isinstance(k, list) else _decode(k)): _decode(x) for k, x in body}
    if tag == "__record__":
        return {k: _decode(x) for k, x in body}
    if tag == "__set__":
        return set(tuple(x) if isinstance(x, list) else x for x in body)
    if tag == "__float__":
        return float(body)
    if tag == "__array__":
        return _decode(body)
    if tag == "__series__":
        return pd.Series([_decode(x) for x in body["values"]], index=[_decode(i) for i in body["index"]], name=body["name"])
    if tag == "__frame__":
        return pd.DataFrame([[_decode(x) for x in r] for r in body["data"]], columns=body["columns"])
    return v


"""

LIAR = """class _Anything:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __float__(self):
        return 0.0

def {name}(*args, **kwargs):
    return _Anything()
"""


def cohort(
    assessment: Assessment,
    source: nbformat.NotebookNode,
    release: nbformat.NotebookNode,
    root: Path,
    visible_answers: dict[str, Any],
) -> dict[str, tuple[nbformat.NotebookNode, dict[str, float | None]]]:
    """``{student: (notebook, expected item scores)}`` for ``assessment``."""
    sol = solutions(source)
    targets = {it.id: it.target for it in assessment.items if it.target}
    out: dict[str, tuple[nbformat.NotebookNode, dict[str, float | None]]] = {}
    full, zero = _expected(assessment, "full"), _expected(assessment, "zero")

    out["correct"] = (fill(release, sol), full)
    out["blank"] = (copy.deepcopy(release), zero)

    hard = {}
    for iid, name in targets.items():
        var = f"_V_{iid.replace('-', '_')}"
        text = json.dumps(to_plain(visible_answers.get(iid)))
        hard[iid] = (
            DECODE
            + f"{var} = _decode(json.loads({json.dumps(text)}))\n"
            + (f"def {name}(*args, **kwargs):\n    return {var}\n")
        )
    out["hardcode"] = (fill(release, {**sol, **hard}), zero)

    dele = {
        iid: "try:\n    import kamlab.metrics as km  # kamlab's own formulas\nexcept ImportError:\n    km = None\n"
        + code
        for iid, code in sol.items()
    }
    out["delegate"] = (fill(release, dele), _expected(assessment, "delegate"))
    out["liar"] = (
        fill(release, {iid: LIAR.format(name=name) for iid, name in targets.items()}),
        zero,
    )

    nb = fill(release, sol)
    nb.cells.append(nbformat.v4.new_code_cell("while True:\n    pass\n"))
    out["loop"] = (nb, full)

    nb = fill(release, sol)
    nb.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(0)\n"))
    out["killtop"] = (nb, zero)

    noisy = {
        iid: re.sub(
            r"^(def \w+\(.*?\):\n)",
            r'\1    import sys; sys.stderr.write("UserWarning: noisy\\n" * 50)\n',
            code,
            count=0,
            flags=re.M,
        )
        for iid, code in sol.items()
    }
    nb = fill(release, noisy)
    nb.cells.insert(1, nbformat.v4.new_code_cell('import sys\nsys.stderr.write("x" * 3_000_000)\n'))
    out["flood"] = (nb, full)

    nb = fill(release, sol)
    tests = test_cells(nb)
    ids = list(tests)
    first = nb.cells[tests[ids[0]]]
    first.source = "pass  # no tests here"
    first.metadata["nbgrader"]["points"] = 100
    del nb.cells[tests[ids[-1]]]
    out["tamper"] = (nb, full)

    others = root / "submitted" / "correct" / assessment.id / f"{assessment.notebook}.ipynb"
    targets_read = {
        "source": str(root / "source" / assessment.id / f"{assessment.notebook}.ipynb"),
        "gradebook": str(root / "gradebook.db"),
        "secret": str(root / ".course_secret"),
        "other": str(others),
        "worlds": str(root / ".kamlab" / "worlds"),
    }
    nb = fill(release, sol)
    nb.cells.insert(2, nbformat.v4.new_code_cell(SNOOP.format(targets=json.dumps(targets_read))))
    out["snoop"] = (nb, full)

    nb = fill(release, sol)
    nb.cells.insert(1, nbformat.v4.new_code_cell(HOOK))
    out["hook"] = (nb, zero)

    extra = HERE / "cohorts" / f"{assessment.id.lower()}.py"
    if extra.is_file():
        spec = importlib.util.spec_from_file_location(f"_cohort_{assessment.id}", extra)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
        for name, (answers, expected) in mod.VARIANTS.items():
            out[name] = (fill(release, {**sol, **answers}), {**full, **expected})
    return out
