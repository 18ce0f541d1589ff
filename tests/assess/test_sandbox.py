"""The sandbox itself: a real kernel with its own user, no network, nothing to read, limits."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kamlab.assess.sandbox import Limits, SandboxKernel, SandboxSpec, detect_isolation
from kamlab.assess.stub import build_shared

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    import kamlab
    from kamlab.resources import repo_root

    secret_dir = tmp_path_factory.mktemp("course")
    (secret_dir / "secret.txt").write_text("top secret")
    base = SandboxSpec.default_base_dir()
    spec = SandboxSpec(
        base_dir=base,
        stub_dir=base,
        limits=Limits(cell_timeout=4, memory_mb=1500, max_processes=48),
    )
    spec.prepare_base()
    spec.stub_dir, spec.shipped_world = build_shared(base, None)
    spec.hide = [str(secret_dir), "/root", str(repo_root() or "/nonexistent")]
    spec.real_kamlab = Path(kamlab.__file__).resolve().parent
    k = SandboxKernel(spec)
    k.start()
    k.wait_ready()
    k.secret_dir = secret_dir
    yield k
    k.close()


def _out(run) -> str:
    return "".join(o.get("text", "") for o in run.outputs) + " ".join(
        f"{o.get('ename')}: {o.get('evalue')}"
        for o in run.outputs
        if o.get("output_type") == "error"
    )


def test_isolation_is_complete_as_root() -> None:
    iso = detect_isolation()
    if os.geteuid() != 0:
        pytest.skip("the full sandbox needs root; the degraded mode is tested elsewhere")
    assert iso.mode == "full" and iso.missing() == []
    assert len(detect_isolation("limits").missing()) == 4


def test_own_user_no_network_nothing_to_read(kernel) -> None:
    run = kernel.execute(
        "import os, socket, pwd\n"
        "print('uid', os.getuid(), pwd.getpwuid(os.getuid()).pw_name)\n"
        "s = socket.socket(); s.settimeout(2)\n"
        "try:\n    s.connect(('127.0.0.1', 22)); print('NET-OK')\nexcept OSError as e:\n    print('net', e.errno)\n"
        f"print('secret', os.path.exists({str(kernel.secret_dir / 'secret.txt')!r}))\n"
        "print('root', os.listdir('/root'))\n"
    )
    text = _out(run)
    if os.geteuid() == 0:
        assert "uid 0" not in text and "kamlab-sbx" in text
    assert "NET-OK" not in text and "net 101" in text  # ENETUNREACH: no interface in the namespace
    assert "secret False" in text


def test_only_the_kamlab_stub_is_importable(kernel) -> None:
    run = kernel.execute("import kamlab\nprint(sorted(kamlab.__all__))\nimport kamlab.metrics")
    text = _out(run)
    assert "['load_world']" in text
    assert "ImportError" in text and "not available inside an assessment" in text


def test_memory_and_process_limits(kernel) -> None:
    run = kernel.execute(
        "import numpy as np\ntry:\n    x = np.ones(400_000_000)\nexcept MemoryError:\n    print('MEM-LIMIT')"
    )
    assert "MEM-LIMIT" in _out(run)
    run = kernel.execute(
        "import os, time\nn = 0\ntry:\n    for _ in range(500):\n        if os.fork() == 0:\n            time.sleep(60); os._exit(0)\n        n += 1\n"
        "except OSError:\n    pass\nprint('forked', n)"
    )
    forked = int(_out(run).split("forked")[1].split()[0])
    assert forked < 48


def test_timeout_interrupts_and_the_kernel_lives_on(kernel) -> None:
    t0 = time.monotonic()
    run = kernel.execute("while True:\n    pass", timeout=2)
    assert run.status == "timeout" and time.monotonic() - t0 < 8
    assert "CellTimeoutError" in _out(run)
    assert _out(kernel.execute("print('alive')")).strip() == "alive"


def test_close_kills_everything(kernel) -> None:
    kernel.execute("import subprocess\nsubprocess.Popen(['sleep', '300'])")
    uid = kernel.uid
    kernel.close()
    assert not kernel.alive()
    if uid is not None:
        time.sleep(0.5)
        left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _uid(p) == uid]
        assert left == []


def _uid(p: Path) -> int | None:
    try:
        for line in (p / "status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def test_kept_paths_under_tmp_stay_visible_behind_the_private_tmp(tmp_path: Path) -> None:
    """A clone (and its virtual environment) under /tmp: the kernel's private /tmp must not
    hide the Python install or the shipped world, and must hide everything else there."""
    import json
    import shutil
    import subprocess
    import sys

    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("mount namespaces need root and unshare")
    kept = tmp_path / "clone" / ".venv"
    (kept / "lib").mkdir(parents=True)
    (kept / "lib" / "lazy.py").write_text("X = 1\n")
    (tmp_path / "secret.txt").write_text("top secret")
    hidden = tmp_path / "clone" / "repo"
    hidden.mkdir()
    (hidden / "answers.txt").write_text("42")
    cfg = {
        "hide": [str(hidden)],
        "tmpfs": [["/tmp", 8 * 1024 * 1024, "1777"]],
        "expose": [str(kept)],
    }
    launcher = Path(__file__).resolve().parents[2] / "kamlab/assess/_launcher.py"
    probe = (
        f"import sys, json, os; sys.path.insert(0, {str(launcher.parent)!r}); import _launcher\n"
        f"_launcher._setup_mounts(json.loads({json.dumps(cfg)!r}))\n"
        f"print(json.dumps([os.path.exists({str(kept / 'lib' / 'lazy.py')!r}),\n"
        f"  os.path.exists({str(tmp_path / 'secret.txt')!r}),\n"
        f"  os.path.exists({str(hidden / 'answers.txt')!r})]))\n"
    )
    out = subprocess.run(
        ["unshare", "--mount", "--", sys.executable, "-I", "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, False, False]
