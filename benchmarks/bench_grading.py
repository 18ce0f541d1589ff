"""Grading speed: ``kamlab course grade`` against plain sequential ``nbgrader autograde``.

Run: ``python benchmarks/bench_grading.py [--n 30] [--runs 3] [--assessment M1]``

Builds two course roots from ``assessments/`` in a temp folder with the same 30 submissions of
one assessment (a realistic mix: 20 correct, 5 partly wrong, 5 handed in blank):

- **nbgrader**: plain ``nbgrader autograde <A> --force`` (one CLI process grading every student
  one after the other, nbgrader's own ``Execute``: the notebook and its practice tests run in an
  ordinary kernel as the grading user — no sandbox, no secret worlds);
- **kamlab**: ``kamlab course grade <A>`` (worker processes, sandboxed kernels started ahead,
  the outside judge on secret-seeded worlds).

Both are timed as whole CLI invocations (start-up included), alternating, ``--runs`` times.
The first kamlab run simulates every trainee's world (cold cache); later runs re-grade with the
cached worlds. Prints every time, the medians, and the speed-up ratios (nbgrader ÷ kamlab).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "assess"))
from _common import machine, median  # noqa: E402

BASELINE_CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "kamlab"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.Execute.timeout = 30
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?s).*(Warning|warn\\().*"
"""


def _submissions(n: int, assessment_id: str, root: Path) -> dict[str, object]:
    import _generic
    import nbformat

    from kamlab.assess.registry import get_assessment

    a = get_assessment(assessment_id)
    src = nbformat.read(root / "source" / assessment_id / f"{a.notebook}.ipynb", as_version=4)
    rel = nbformat.read(root / "release" / assessment_id / f"{a.notebook}.ipynb", as_version=4)
    sol = _generic.solutions(src)
    partial = {}
    extra = ROOT / "tests" / "assess" / "cohorts" / f"{assessment_id.lower()}.py"
    if extra.is_file():
        ns: dict[str, object] = {}
        exec(compile(extra.read_text(), str(extra), "exec"), ns)
        variants = ns["VARIANTS"]
        partial = next(iter(variants.values()))[0] if variants else {}
    out = {}
    for i in range(n):
        if i % 6 == 4:
            nb = _generic.fill(rel, {**sol, **partial})
        elif i % 6 == 5:
            nb = rel
        else:
            nb = _generic.fill(rel, sol)
        out[f"trainee{i + 1:02d}"] = nb
    return out


def _write(root: Path, assessment_id: str, notebook: str, subs: dict[str, object]) -> None:
    import nbformat

    for student, nb in subs.items():
        d = root / "submitted" / student / assessment_id
        d.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, d / f"{notebook}.ipynb")
        (d / "timestamp.txt").write_text("2026-01-05 09:00:00.000000 UTC")


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return dt


def _scores(db: Path, assessment_id: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment(assessment_id).submissions}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--assessment", default="M1")
    ap.add_argument("--keep", type=Path, default=None, help="Build the courses here and keep them.")
    ap.add_argument("--workers", type=int, default=None, help="kamlab workers (default: cores).")
    args = ap.parse_args()

    from kamlab.assess.build import build_course
    from kamlab.assess.course import Course
    from kamlab.assess.registry import get_assessment

    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.setdefault("KAMLAB_COURSE_SECRET", "benchmark-course-secret-0001")
    os.environ.update(env)
    aid = args.assessment
    a = get_assessment(aid)
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="kamlab-bench-"))
    if args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    try:
        # kamlab course (the repo's config, exchange out of the way)
        kroot = tmp / "kamlab" / "assessments"
        kroot.mkdir(parents=True)
        shutil.copytree(ROOT / "assessments" / "source" / aid, kroot / "source" / aid)
        cfg = (ROOT / "assessments" / "nbgrader_config.py").read_text()
        cfg += f"\nc.Exchange.root = {str(tmp / 'exchange')!r}\n"
        (kroot / "nbgrader_config.py").write_text(cfg)
        kcourse = Course(kroot)
        build_course(kcourse, [aid], check=False)
        # plain nbgrader course: same source, nbgrader's default pipeline
        broot = tmp / "nbgrader"
        broot.mkdir()
        shutil.copytree(ROOT / "assessments" / "source" / aid, broot / "source" / aid)
        (broot / "nbgrader_config.py").write_text(BASELINE_CONFIG.format(root=str(broot)))
        subprocess.run(
            [f"{venv_bin}/nbgrader", "generate_assignment", aid, "--force"],
            cwd=broot, env=env, check=True, capture_output=True,
        )  # fmt: skip
        subs = _submissions(args.n, aid, kroot)
        _write(kroot, aid, a.notebook, subs)
        _write(broot, aid, a.notebook, subs)

        plain_cmd = [f"{venv_bin}/nbgrader", "autograde", aid, "--force"]
        kamlab_cmd = [
            f"{venv_bin}/kamlab",
            "course",
            "grade",
            aid,
            "--root",
            str(kroot),
            "--no-progress",
        ]
        if args.workers:
            kamlab_cmd += ["--workers", str(args.workers)]
        plain, kam = [], []
        for run in range(args.runs):
            plain.append(_timed(plain_cmd, broot, env))
            kam.append(_timed(kamlab_cmd, kroot, env))
            print(f"run {run + 1}: nbgrader autograde {plain[-1]:6.1f} s   kamlab course grade {kam[-1]:6.1f} s"
                  + ("   (cold world cache)" if run == 0 else ""), flush=True)  # fmt: skip
        sp, sk = _scores(broot / "gradebook.db", aid), _scores(kroot / "gradebook.db", aid)
        same = sum(1 for s in sp if abs(sp[s] - sk.get(s, -1)) < 1e-9)
        print()
        print(f"machine: {machine()}")
        print(f"{args.n} submissions of {aid}; {args.runs} runs each, alternating")
        print(
            f"plain sequential nbgrader autograde: median {median(plain):6.1f} s  ({median(plain) / args.n:.2f} s/submission)"
        )
        print(
            f"kamlab course grade:                 median {median(kam):6.1f} s  ({median(kam) / args.n:.2f} s/submission)"
        )
        print(f"speed-up (median):                   {median(plain) / median(kam):.2f}x")
        if args.runs > 1:
            print(f"speed-up, cold world cache (run 1):  {plain[0] / kam[0]:.2f}x")
            print(
                f"speed-up, warm cache (runs 2+):      {median(plain[1:]) / median(kam[1:]):.2f}x"
            )
        print(f"total scores equal on {same} of {len(sp)} submissions "
              "(plain nbgrader scores the visible practice tests only; kamlab the hidden checks)")  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
