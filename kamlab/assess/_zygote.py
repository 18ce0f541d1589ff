"""Kernel zygote: a process with the kernel's libraries already imported, forked per kernel.

Starting a Python kernel means importing IPython, ipykernel, zmq, numpy, pandas and pyarrow —
about two seconds of mostly file-system latency, for every submission. The zygote imports them
once; each sandboxed kernel is then a ``fork`` of it (copy-on-write), set up exactly as
:mod:`kamlab.assess._launcher` sets up an exec'd one:

    zygote ──fork──► A  setsid; unshare(mount | net | pid); mounts (hide, expose, stub, tmpfs)
                     └─fork──► B  PID 1 of the new PID namespace: mounts /proc, waits, reaps
                               └─fork──► C  limits; setgroups/setgid/setuid; clean env;
                                            IPKernelApp (the kernel)

``A`` leads a new process group: the grader interrupts with ``killpg(A, SIGINT)`` (A and B
ignore it, the kernel gets ``KeyboardInterrupt``) and kills with ``killpg(A, SIGKILL)``; when B
dies every process left in the namespace dies with it.

Protocol (stdin/stdout, one JSON object per line): the zygote prints ``{"ready": true}``; each
request ``{"cfg": "/path/launch.json"}`` is answered ``{"pid": A}`` or ``{"error": "…"}``.
Started as ``python -I -S? _zygote.py STUB_DIR`` by :mod:`kamlab.assess.sandbox` (root: with
namespaces; otherwise plain forks with limits). Standard library plus the imported kernel stack.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

_THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_MAX_THREADS": "1",
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    "PYTHONHASHSEED": "0",
}


def _preload(stub_dir: str) -> None:
    for k, v in _THREAD_ENV.items():
        os.environ[k] = v
    sys.path.insert(0, stub_dir)
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401
    import IPython  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import zmq  # noqa: F401

    import kamlab  # the stub (first on sys.path): trainee code gets it too

    world = os.environ.get("KAMLAB_SANDBOX_WORLD")
    if world and os.path.isdir(world):
        kamlab._preload(world)  # shared copy-on-write by every kernel forked from here


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare failed: {os.strerror(err)}")


def _redirect(log_path: str) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.closerange(3, 65536)


def _kernel(cfg: dict) -> None:
    """C: limits, drop privileges, clean environment, run the kernel (never returns)."""
    import _launcher

    uid, gid = cfg.get("uid"), cfg.get("gid")
    os.chdir(cfg["cwd"])
    _launcher._limits(cfg)
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise OSError("could not drop privileges to the sandbox user")
    os.umask(0o077)
    os.environ.clear()
    os.environ.update(cfg["env"])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    sys.argv = ["ipykernel_launcher", *cfg["kernel_args"]]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    app.start()


def _spawn_child(cfg_path: str) -> None:
    """A (never returns)."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.setsid()
        with open(cfg_path, encoding="utf-8") as f:
            cfg = json.load(f)
        os.unlink(cfg_path)
        _redirect(cfg["log"])
        import _launcher

        if cfg.get("namespaces"):
            _unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
        if cfg.get("mounts"):
            _launcher._setup_mounts(cfg)
        b = os.fork()
        if b == 0:  # B: init of the new PID namespace
            try:
                if cfg.get("namespaces"):
                    _launcher._mount("proc", "/proc", "proc", 2 | 4 | 8, None)
                c = os.fork()
                if c == 0:
                    try:
                        signal.signal(signal.SIGINT, signal.SIG_DFL)
                        _kernel(cfg)
                    except BaseException as exc:
                        sys.stderr.write(f"kamlab sandbox kernel: {exc}\n")
                        sys.stderr.flush()
                    os._exit(97)
                os._exit(_launcher._wait_for(c))
            except BaseException as exc:
                sys.stderr.write(f"kamlab sandbox init: {exc}\n")
                sys.stderr.flush()
                os._exit(97)
        os._exit(_launcher._wait_for(b))
    except BaseException as exc:
        try:
            sys.stderr.write(f"kamlab sandbox launcher: {exc}\n")
            sys.stderr.flush()
        finally:
            os._exit(97)


def main(argv: list[str]) -> int:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _launcher  # noqa: F401 - imported before any fork

    _preload(argv[1])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    out = sys.stdout.buffer
    out.write(b'{"ready": true}\n')
    out.flush()
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _spawn_child(str(req["cfg"]))
            reply = {"pid": pid}
        except Exception as exc:
            reply = {"error": str(exc)[:300]}
        out.write(json.dumps(reply).encode() + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
