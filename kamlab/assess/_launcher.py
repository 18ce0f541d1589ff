"""Sandbox launcher: the last step before a trainee's kernel starts (standard library only).

Run as ``python -I -S _launcher.py CONFIG.json`` — usually inside
``unshare --net --mount --pid --fork --kill-child --mount-proc`` — by
:mod:`kamlab.assess.sandbox`. It never imports kamlab (the real package is about to be
hidden) and does, in this order:

1. mount namespace (when it has one): bind the paths to keep visible (the Python install,
   the shipped world, the run folder) to a staging folder, mount an empty ``tmpfs`` over
   every hidden path (the course root, ``/root`` …), move the kept paths back, bind the
   restricted kamlab stub over the real package, and give the kernel private ``/tmp`` and
   ``/dev/shm``;
2. ``chown`` the kernel's connection file and work folders to the sandbox user;
3. ``fork``: the child sets resource limits (``RLIMIT_AS/CPU/NPROC/FSIZE/NOFILE/CORE``),
   drops to the sandbox user (``setgroups([])``, ``setgid``, ``setuid``) when it is root and
   ``execve``-s the kernel with a clean environment; the parent waits, reaps, and exits with
   the kernel (ending the PID namespace and everything in it).

Any failure exits with status 97 and one line on stderr: the kernel then never starts, and
the grader records the submission as not run (score 0, reason stated).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import resource
import signal
import sys

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_char_p,
]


def _mount(src: str | None, dst: str, fstype: str | None, flags: int, data: str | None) -> None:
    rc = _libc.mount(
        src.encode() if src else None,
        dst.encode(),
        fstype.encode() if fstype else None,
        flags,
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {src!r} on {dst!r} failed: {os.strerror(err)}")


def _bind(src: str, dst: str, readonly: bool = False) -> None:
    _mount(src, dst, None, MS_BIND | MS_REC, None)
    if readonly:
        _mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _setup_mounts(cfg: dict) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    hide = [os.path.realpath(p) for p in cfg.get("hide", []) if os.path.isdir(p)]
    private = [
        (os.path.realpath(p), int(size), mode)
        for p, size, mode in cfg.get("tmpfs", [])
        if os.path.isdir(p)
    ]
    covered = hide + [p for p, _, _ in private]
    expose = [os.path.realpath(p) for p in cfg.get("expose", []) if os.path.exists(p)]
    # keep a handle on every kept path that lives under a hidden or private folder (the
    # Python install or the shipped world may live under /tmp or the repository), then cover
    # those folders, then bind the kept paths back through /proc/self/fd (the handle still
    # names the real folder)
    kept: list[tuple[int, str]] = []
    for path in expose:
        if any(_under(path, c) for c in covered):
            kept.append((os.open(path, os.O_PATH | os.O_DIRECTORY), path))
    for h in sorted(set(hide), key=len):
        if any(_under(h, other) and h != other for other in hide):
            continue  # already covered by an outer hidden path
        _mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for path, size, mode in private:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode={mode}")
    for fd, path in sorted(kept, key=lambda k: len(k[1])):
        os.makedirs(path, mode=0o755, exist_ok=True)
        _bind(f"/proc/self/fd/{fd}", path)
        os.close(fd)
    for src, dst, readonly in cfg.get("binds", []):
        os.makedirs(dst, mode=0o755, exist_ok=True)
        _bind(src, dst, readonly=bool(readonly))


def _limits(cfg: dict) -> None:
    names = {
        "AS": resource.RLIMIT_AS,
        "CPU": resource.RLIMIT_CPU,
        "NPROC": resource.RLIMIT_NPROC,
        "FSIZE": resource.RLIMIT_FSIZE,
        "NOFILE": resource.RLIMIT_NOFILE,
        "CORE": resource.RLIMIT_CORE,
    }
    for key, value in cfg.get("rlimits", {}).items():
        if value is None:
            continue
        soft = int(value)
        hard = soft if key != "CPU" else soft + 5  # SIGXCPU first, SIGKILL 5 s later
        resource.setrlimit(names[key], (soft, hard))


def _child(cfg: dict) -> None:
    """In the forked child: limits, drop to the sandbox user, exec the kernel."""
    uid, gid = cfg.get("uid"), cfg.get("gid")
    os.chdir(cfg["cwd"])
    _limits(cfg)
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise OSError("could not drop privileges to the sandbox user")
    os.umask(0o077)
    argv_k = cfg["argv"]
    os.execve(argv_k[0], argv_k, cfg["env"])


def main(argv: list[str]) -> int:
    """Set up, then fork: the child becomes the kernel; this process waits and reaps.

    Staying the parent (PID 1 of the sandbox's PID namespace) means the kernel is an ordinary
    process: ``os.kill(os.getpid(), 9)`` really kills it, and when it ends this process ends
    too, which tears down every process left in the namespace.
    """
    with open(argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    try:
        if cfg.get("mounts"):
            _setup_mounts(cfg)
        uid, gid = cfg.get("uid"), cfg.get("gid")
        for path in cfg.get("chown", []):
            if uid is not None and os.path.exists(path):
                os.chown(path, uid, gid)
        # the launcher's config names hidden paths: remove it before the kernel runs
        with contextlib.suppress(OSError):
            os.unlink(argv[1])
    except Exception as exc:
        sys.stderr.write(f"kamlab sandbox launcher: {exc}\n")
        sys.stderr.flush()
        return 97
    # the grader interrupts a cell with SIGINT to the whole process group: only the kernel
    # must get it (this process would otherwise die of KeyboardInterrupt and take it along)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _child(cfg)
        except BaseException as exc:
            sys.stderr.write(f"kamlab sandbox launcher: {exc}\n")
            sys.stderr.flush()
        os._exit(97)
    return _wait_for(pid)


def _wait_for(pid: int) -> int:
    """Reap every child until ``pid`` ends; its exit code (0 when no child is left)."""
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue
        if done == pid:
            return os.waitstatus_to_exitcode(status) & 0xFF


if __name__ == "__main__":
    sys.exit(main(sys.argv))
