"""The sandbox: one freshly started, locked-down Jupyter kernel per submission (Linux only).

Trainee code runs before any test does, so it is treated as hostile. Every submission gets a
kernel process of its own (started ahead of time in a :class:`KernelPool`, used once) with:

- **a user of its own** (when grading runs as root): ``kamlab-sbxNN``, one per concurrently
  running kernel, in group ``kamlab-sandbox`` (created with ``useradd`` on first use), so a
  fork bomb's ``RLIMIT_NPROC`` or a stray process never touches another submission;
- **no network**: a new network namespace with no interfaces up (``unshare --net``); the
  kernel talks to the grader over unix sockets (jupyter_client's ``ipc`` transport);
- **nothing to read**: a new mount namespace in which the course root (``source/``, the
  gradebook, the course secret, other submissions), the repository, ``/root``, ``/home``,
  ``/srv`` and ``/var/tmp`` are covered by empty ``tmpfs`` mounts; only the Python install,
  the run folder (this submission's inputs) and a restricted *stub* of kamlab (bound over
  the real package: ``kamlab.load_world`` and :mod:`kamlab.assess.student`, nothing else)
  stay visible. ``/tmp`` and ``/dev/shm`` are private and size-limited;
- **its own process tree**: a new PID namespace; killing the kernel kills everything it
  started (``--kill-child``);
- **resource limits**: ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_NPROC``,
  ``RLIMIT_FSIZE``, ``RLIMIT_NOFILE``, no core dumps; a per-cell wall-clock timeout and an
  overall wall-clock cap enforced by the grader, which interrupts and then kills.

When grading does not run as root, :func:`detect_isolation` reports plainly what is missing
(a separate user always; the namespaces unless unprivileged user namespaces are allowed) and
grading goes on with what is possible.

>>> Limits().cell_timeout
30.0
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import grp
import json
import os
import pwd
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ANSWER_MIME",
    "CellRun",
    "Isolation",
    "KernelPool",
    "Limits",
    "SandboxKernel",
    "SandboxSpec",
    "detect_isolation",
]

#: MIME type of the harness's answer payloads (plain JSON text).
ANSWER_MIME = "application/x-kamlab-answers+json"

SANDBOX_GROUP = "kamlab-sandbox"
SANDBOX_USER_PREFIX = "kamlab-sbx"
MAX_SLOTS = 32
_LAUNCHER = Path(__file__).with_name("_launcher.py")


# ------------------------------------------------------------------------------------------
# limits and isolation
@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed kernel (every field is documented where it is used).

    ``cell_timeout``: wall seconds one cell may run before it is interrupted (then killed).
    ``wall_timeout``: wall seconds for the whole submission (record run + answer harness).
    ``cpu_seconds``: ``RLIMIT_CPU`` of the kernel process. ``memory_mb``: ``RLIMIT_AS``.
    ``max_processes``: ``RLIMIT_NPROC`` (threads count). ``max_file_mb``: ``RLIMIT_FSIZE``.
    ``max_open_files``: ``RLIMIT_NOFILE``. ``disk_mb``: size of the run folder and ``/tmp``.
    ``max_output_kb``: output kept per cell (the rest is dropped with a note).
    ``start_timeout``: seconds a kernel may take to start.
    """

    cell_timeout: float = 30.0
    wall_timeout: float = 300.0
    cpu_seconds: int = 300
    memory_mb: int = 4096
    max_processes: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256
    disk_mb: int = 256
    max_output_kb: int = 256
    start_timeout: float = 60.0


@dataclass(frozen=True)
class Isolation:
    """Which isolation the sandbox has on this machine.

    ``mode`` is ``"full"`` (root: own user, network/mount/PID namespaces), ``"userns"``
    (unprivileged user namespaces: namespaces but the grader's own user), or ``"limits"``
    (resource limits and timeouts only).
    """

    mode: str
    separate_user: bool
    network: bool
    filesystem: bool
    pids: bool
    platform_ok: bool = True

    def missing(self) -> list[str]:
        """Plain sentences naming each isolation that is missing (empty when complete)."""
        from kamlab.i18n import t

        out = []
        if not self.platform_ok:
            return [t("assess.iso_platform", platform=sys.platform)]
        if not self.separate_user:
            out.append(t("assess.iso_user"))
        if not self.network:
            out.append(t("assess.iso_network"))
        if not self.filesystem:
            out.append(t("assess.iso_filesystem"))
        if not self.pids:
            out.append(t("assess.iso_pids"))
        return out


_UNSHARE_FLAGS = ["--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"]


@functools.cache
def detect_isolation(prefer: str = "auto") -> Isolation:
    """Probe what isolation this machine allows (cached).

    ``prefer="limits"`` forces the weakest mode (used by tests of the degraded path).
    """
    if not sys.platform.startswith("linux"):
        return Isolation("limits", False, False, False, False, platform_ok=False)
    if prefer == "limits":
        return Isolation("limits", False, False, False, False)
    unshare = shutil.which("unshare")
    if unshare:
        if os.geteuid() == 0:
            cmd = [unshare, *_UNSHARE_FLAGS, "true"]
            mode = "full"
        else:
            cmd = [unshare, "--user", "--map-root-user", *_UNSHARE_FLAGS, "true"]
            mode = "userns"
        try:
            ok = subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            return Isolation(mode, mode == "full", True, True, True)
    return Isolation("limits", False, False, False, False)


# ------------------------------------------------------------------------------------------
# users and slots (root only)
def _ensure_group() -> int:
    try:
        return grp.getgrnam(SANDBOX_GROUP).gr_gid
    except KeyError:
        subprocess.run(["groupadd", "--system", SANDBOX_GROUP], check=False, capture_output=True)
        return grp.getgrnam(SANDBOX_GROUP).gr_gid


def _ensure_user(slot: int, lock_dir: Path) -> tuple[int, int]:
    """The uid/gid of sandbox user ``kamlab-sbxNN``, created with ``useradd`` if missing."""
    name = f"{SANDBOX_USER_PREFIX}{slot:02d}"
    try:
        pw = pwd.getpwnam(name)
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        pass
    with _flock(lock_dir / "useradd.lock"):
        gid = _ensure_group()
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    "--gid",
                    str(gid),
                    "--comment",
                    "kamlab grading sandbox",
                    name,
                ],
                check=True,
                capture_output=True,
            )
            pw = pwd.getpwnam(name)
        return pw.pw_uid, pw.pw_gid


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (a slot user's leftovers) from a short-lived child."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


class _Slot:
    """An exclusive slot number (a lock file held for the kernel's lifetime)."""

    def __init__(self, lock_dir: Path) -> None:
        lock_dir.mkdir(parents=True, exist_ok=True)
        for n in range(MAX_SLOTS):
            fd = os.open(lock_dir / f"slot{n:02d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.number, self._fd = n, fd
            return
        raise RuntimeError(f"all {MAX_SLOTS} sandbox slots are busy")

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


# ------------------------------------------------------------------------------------------
# mounts in the grader's namespace (root only): a size-limited tmpfs per run folder
def _libc() -> Any:
    import ctypes
    import ctypes.util

    lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return lib


def _mount_tmpfs(path: Path, size_mb: int, mode: str = "0711") -> bool:
    lib = _libc()
    rc = lib.mount(
        b"tmpfs", str(path).encode(), b"tmpfs", 2 | 4, f"size={size_mb}m,mode={mode}".encode()
    )
    return rc == 0


def _umount(path: Path) -> None:
    lib = _libc()
    lib.umount2(str(path).encode(), 2)  # MNT_DETACH


# ------------------------------------------------------------------------------------------
_ZYGOTE = Path(__file__).with_name("_zygote.py")


class _Zygote:
    """A pre-imported kernel process that forks sandboxed kernels (see :mod:`._zygote`)."""

    def __init__(self, stub_dir: Path, cwd: Path, shipped_world: Path | None = None) -> None:
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": str(cwd),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if shipped_world is not None:
            env["KAMLAB_SANDBOX_WORLD"] = str(shipped_world)
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(_ZYGOTE), str(stub_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=str(cwd),
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        self.lock = threading.Lock()
        line = self._readline(120.0)
        if not line or not json.loads(line).get("ready"):
            self.close()
            raise RuntimeError("the kernel zygote did not start")

    def _readline(self, timeout: float) -> bytes:
        import select

        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline() if ready else b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, cfg_path: Path) -> int:
        with self.lock:
            if not self.alive():
                raise RuntimeError("the kernel zygote has exited")
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"cfg": str(cfg_path)}).encode() + b"\n")
            self.proc.stdin.flush()
            line = self._readline(30.0)
        if not line:
            raise RuntimeError("the kernel zygote did not answer")
        reply = json.loads(line)
        if "pid" not in reply:
            raise RuntimeError(f"the kernel zygote could not fork: {reply.get('error')}")
        return int(reply["pid"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.proc.kill()
            self.proc.wait(timeout=5)


# ------------------------------------------------------------------------------------------
@dataclass
class SandboxSpec:
    """Everything the kernels of one grading run share.

    ``base_dir``: root of run folders (``/var/tmp/kamlab-sandbox`` as root).
    ``stub_dir``: a folder holding the restricted ``kamlab`` stub package.
    ``shipped_world``: public copy of the shipped world the stub's ``load_world()`` reads.
    ``hide``: paths covered by empty tmpfs mounts inside the sandbox (course root …).
    ``real_kamlab``: the real package folder, covered by the stub.
    ``warmup``: code run in each kernel before it is handed out (imports only).
    """

    base_dir: Path
    stub_dir: Path
    shipped_world: Path | None = None
    hide: list[str] = field(default_factory=list)
    real_kamlab: Path | None = None
    limits: Limits = field(default_factory=Limits)
    isolation: Isolation = field(default_factory=detect_isolation)
    warmup: str = "import numpy, pandas, pyarrow.parquet\nimport kamlab\n"
    use_zygote: bool = True
    _zygote: _Zygote | None = field(default=None, repr=False)
    _zlock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def zygote(self) -> _Zygote | None:
        """The kernel zygote of this process (started on first use); ``None`` if unavailable."""
        if not self.use_zygote or self.isolation.mode == "userns" or not self.isolation.platform_ok:
            return None
        with self._zlock:
            if self._zygote is None or not self._zygote.alive():
                try:
                    self._zygote = _Zygote(self.stub_dir, self.base_dir, self.shipped_world)
                except (OSError, RuntimeError, ValueError):
                    self.use_zygote = False
                    return None
            return self._zygote

    def close(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None

    @staticmethod
    def default_base_dir() -> Path:
        env = os.environ.get("KAMLAB_SANDBOX_DIR")
        if env:
            return Path(env)
        if os.geteuid() == 0:
            return Path("/var/tmp/kamlab-sandbox")
        return Path(tempfile.gettempdir()) / f"kamlab-sandbox-{os.getuid()}"

    def prepare_base(self) -> None:
        """Create the base folders with root-only listing (0711)."""
        for sub in ("", "runs", "slots"):
            d = self.base_dir / sub
            d.mkdir(parents=True, exist_ok=True)
            os.chmod(d, 0o711 if sub != "slots" else 0o700)
        # a grader killed hard leaves run folders (and their tmpfs mounts) behind
        cutoff = time.time() - 6 * 3600
        for d in (self.base_dir / "runs").iterdir():
            try:
                if d.stat().st_mtime < cutoff:
                    if os.geteuid() == 0:
                        _umount(d)
                    shutil.rmtree(d, ignore_errors=True)
            except OSError:
                continue


@dataclass
class CellRun:
    """What one cell did: outputs (nbformat nodes), status and the harness payloads.

    ``status`` is ``"ok"``, ``"error"``, ``"timeout"`` (interrupted), ``"died"`` (the kernel
    process ended) or ``"killed"`` (the grader killed it after an ignored interrupt).
    """

    outputs: list[Any]
    status: str
    payloads: list[str] = field(default_factory=list)
    seconds: float = 0.0
    truncated: bool = False


class SandboxKernel:
    """One sandboxed kernel process; start it, hand it inputs, run cells, kill it. Used once."""

    def __init__(self, spec: SandboxSpec) -> None:
        self.spec = spec
        self.iso = spec.isolation
        self.token = secrets.token_hex(16)
        self.run_dir = spec.base_dir / "runs" / self.token
        self.inputs_dir = self.run_dir / "inputs"
        self.work_dir = self.run_dir / "work"
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None  # with the zygote: the kernel's process-group leader
        self.pidfd: int | None = None
        self.client: Any = None
        self._slot: _Slot | None = None
        self._mounted = False
        self.uid: int | None = None
        self.gid: int | None = None
        self.started_at = 0.0
        self.error: str | None = None
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Launch the kernel process (does not wait for it)."""
        spec, lim = self.spec, self.spec.limits
        self.run_dir.mkdir(mode=0o711)
        if self.iso.mode == "full":
            self._mounted = _mount_tmpfs(self.run_dir, lim.disk_mb + 64)
            self._slot = _Slot(spec.base_dir / "slots")
            self.uid, self.gid = _ensure_user(self._slot.number, spec.base_dir / "slots")
            _kill_uid(self.uid)
        os.chmod(self.run_dir, 0o711)
        for d, mode in (
            (self.inputs_dir, 0o755),
            (self.work_dir, 0o700),
            (self.run_dir / "ipc", 0o700),
        ):
            d.mkdir(exist_ok=True)
            os.chmod(d, mode)
        (self.run_dir / ".mnt").mkdir(mode=0o700, exist_ok=True)
        from jupyter_client.connect import write_connection_file

        conn = self.run_dir / "kernel.json"
        write_connection_file(
            str(conn),
            transport="ipc",
            ip=str(self.run_dir / "ipc" / "k"),
            key=secrets.token_hex(32).encode(),
        )
        if self.uid is not None:
            for p in (self.work_dir, self.run_dir / "ipc", conn):
                os.chown(p, self.uid, self.gid)
        self.connection_file = conn
        argv = [sys.executable]
        if self.iso.filesystem:
            argv.append("-I")
        else:
            argv.append("-s")
        argv += [
            "-m",
            "ipykernel_launcher",
            "-f",
            str(conn),
            "--HistoryManager.enabled=False",
            "--IPKernelApp.log_level=CRITICAL",
        ]
        env = self._kernel_env()
        cfg: dict[str, Any] = {
            "mounts": self.iso.filesystem,
            "staging": str(self.run_dir / ".mnt"),
            "hide": [p for p in spec.hide if p],
            "expose": [
                sys.base_prefix,
                sys.prefix,
                str(self.run_dir),
                str(spec.stub_dir),
                str(spec.shipped_world) if spec.shipped_world else "",
            ],
            "binds": [[str(spec.stub_dir / "kamlab"), str(spec.real_kamlab), True]]
            if spec.real_kamlab and self.iso.filesystem
            else [],
            "tmpfs": [
                ["/tmp", lim.disk_mb * 1024 * 1024, "1777"],
                ["/dev/shm", 64 * 1024 * 1024, "1777"],
            ]
            if self.iso.filesystem
            else [],
            "uid": self.uid,
            "gid": self.gid,
            "rlimits": {
                "AS": lim.memory_mb * 1024 * 1024,
                "CPU": lim.cpu_seconds,
                "NPROC": lim.max_processes if self.uid is not None else None,
                "FSIZE": lim.max_file_mb * 1024 * 1024,
                "NOFILE": lim.max_open_files,
                "CORE": 0,
            },
            "cwd": str(self.work_dir),
            "env": env,
            "argv": argv,
        }
        cfg["expose"] = [p for p in cfg["expose"] if p]
        cfg["kernel_args"] = argv[argv.index("-f") :]
        cfg["namespaces"] = self.iso.mode == "full"
        cfg["log"] = str(self.run_dir / ".kernel.log")
        launch_cfg = self.run_dir / ".launch.json"
        fd = os.open(launch_cfg, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        zygote = spec.zygote()
        if zygote is not None:
            try:
                self.pid = zygote.spawn(launch_cfg)
                self.pidfd = os.pidfd_open(self.pid)
                self.started_at = time.monotonic()
                return
            except (OSError, RuntimeError):
                self.pid, self.pidfd = None, None
                if not launch_cfg.exists():
                    with open(launch_cfg, "w", encoding="utf-8") as f:
                        json.dump(cfg, f)
        cmd = [sys.executable, "-I", "-S", str(_LAUNCHER), str(launch_cfg)]
        if self.iso.mode == "full":
            cmd = [shutil.which("unshare") or "unshare", *_UNSHARE_FLAGS, "--", *cmd]
        elif self.iso.mode == "userns":
            cmd = [
                shutil.which("unshare") or "unshare",
                "--user",
                "--map-root-user",
                *_UNSHARE_FLAGS,
                "--",
                *cmd,
            ]
        log = open(self.run_dir / ".kernel.log", "wb")  # noqa: SIM115 - kept open for the child
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
            )
        finally:
            log.close()
        self.started_at = time.monotonic()

    def _kernel_env(self) -> dict[str, str]:
        work = str(self.work_dir)
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": work,
            "TMPDIR": "/tmp" if self.iso.filesystem else work,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{work}/.mpl",
            "IPYTHONDIR": f"{work}/.ipython",
            "JUPYTER_RUNTIME_DIR": f"{work}/.jupyter",
            "JUPYTER_CONFIG_DIR": f"{work}/.jupyter",
            "JUPYTER_DATA_DIR": f"{work}/.jupyter",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMEXPR_MAX_THREADS": "1",
            "ARROW_DEFAULT_MEMORY_POOL": "system",
            "KAMLAB_SANDBOX": "1",
            "KAMLAB_SANDBOX_INPUTS": str(self.inputs_dir),
        }
        if self.spec.shipped_world:
            env["KAMLAB_SANDBOX_WORLD"] = str(self.spec.shipped_world)
        if not self.iso.filesystem:
            env["PYTHONPATH"] = str(self.spec.stub_dir)
        return env

    def alive(self) -> bool:
        if self.pidfd is not None:
            import select

            ready, _, _ = select.select([self.pidfd], [], [], 0)
            return not ready
        return self.proc is not None and self.proc.poll() is None

    def _group(self) -> int | None:
        if self.pid is not None:
            return self.pid
        return self.proc.pid if self.proc is not None else None

    def wait_ready(self, timeout: float | None = None) -> None:
        """Connect a client and wait for ``kernel_info_reply``; raises ``RuntimeError``."""
        from jupyter_client.blocking import BlockingKernelClient

        timeout = self.spec.limits.start_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        kc = BlockingKernelClient()
        kc.load_connection_file(str(self.connection_file))
        kc.start_channels(hb=False, stdin=False)
        self.client = kc
        try:
            import zmq

            kc.iopub_channel.socket.setsockopt(zmq.MAXMSGSIZE, 32 * 1024 * 1024)
        except Exception:
            pass
        while True:
            if not self.alive():
                raise RuntimeError(f"the sandboxed kernel did not start: {self.launch_log()}")
            msg_id = kc.kernel_info()
            got_reply = got_iopub = False
            wait_until = time.monotonic() + 1.0
            while time.monotonic() < wait_until and not (got_reply and got_iopub):
                if not got_reply:
                    with contextlib.suppress(queue.Empty):
                        r = kc.get_shell_msg(timeout=0.02)
                        got_reply = r["parent_header"].get("msg_id") == msg_id
                # the iopub socket connects asynchronously: a status message of this
                # request proves it delivers, so no output of the next cell is lost
                with contextlib.suppress(queue.Empty):
                    m = kc.get_iopub_msg(timeout=0.02)
                    got_iopub = got_iopub or m["parent_header"].get("msg_id") == msg_id
            if got_reply and got_iopub:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the sandboxed kernel did not answer in time")

    def launch_log(self) -> str:
        try:
            text = (self.run_dir / ".kernel.log").read_text(errors="replace")
        except OSError:
            return ""
        return text.strip().splitlines()[-1][:300] if text.strip() else ""

    def execute(self, code: str, timeout: float | None = None, *, keep: bool = True) -> CellRun:
        """Run ``code`` as one cell; never raises for anything the cell does."""
        lim = self.spec.limits
        timeout = lim.cell_timeout if timeout is None else timeout
        t0 = time.monotonic()
        if not self.alive() or self.client is None:
            return CellRun([], "died")
        import nbformat

        kc = self.client
        msg_id = kc.execute(
            code, silent=False, store_history=True, allow_stdin=False, stop_on_error=False
        )
        deadline = t0 + timeout
        outputs: list[Any] = []
        payloads: list[str] = []
        budget = lim.max_output_kb * 1024
        used = 0
        truncated = False
        reply: dict[str, Any] | None = None
        idle = False
        status = "ok"
        idle_grace: float | None = None
        while True:
            now = time.monotonic()
            if reply is not None and (idle or (idle_grace is not None and now > idle_grace)):
                break
            if now > deadline:
                status = self._on_timeout(msg_id)
                break
            if not self.alive():
                status = "died"
                break
            if reply is None:
                try:
                    r = kc.get_shell_msg(timeout=0)
                    if r["parent_header"].get("msg_id") == msg_id:
                        reply = r
                        idle_grace = time.monotonic() + 1.0
                except queue.Empty:
                    pass
            try:
                msg = kc.get_iopub_msg(timeout=0.02)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue  # left over from an earlier (interrupted) cell
            mtype, content = msg["msg_type"], msg["content"]
            if mtype == "status":
                idle = idle or content.get("execution_state") == "idle"
            elif mtype in ("display_data", "execute_result") and ANSWER_MIME in content.get(
                "data", {}
            ):
                data = content["data"][ANSWER_MIME]
                if isinstance(data, str) and len(payloads) < 64 and len(data) < 32 * 2**20:
                    payloads.append(data)
            elif mtype in ("stream", "display_data", "execute_result", "error") and keep:
                size = len(json.dumps(content, default=str))
                if used + size > budget:
                    truncated = True
                    continue
                used += size
                with contextlib.suppress(ValueError, KeyError):
                    outputs.append(nbformat.v4.output_from_msg(msg))
            elif mtype == "clear_output" and keep:
                outputs.clear()
        if status == "ok" and reply is not None and reply["content"].get("status") == "error":
            status = "error"
            if not any(o.get("output_type") == "error" for o in outputs):
                c = reply["content"]
                outputs.append(
                    nbformat.v4.new_output(
                        "error",
                        ename=str(c.get("ename", "Error")),
                        evalue=str(c.get("evalue", "")),
                        traceback=[str(x) for x in c.get("traceback", [])][:50],
                    )
                )
        if status in ("timeout", "killed"):
            outputs.append(
                nbformat.v4.new_output(
                    "error",
                    ename="CellTimeoutError",
                    evalue=f"the cell ran longer than {timeout:.0f} s and was stopped",
                    traceback=[f"CellTimeoutError: the cell ran longer than {timeout:.0f} s"],
                )
            )
        elif status == "died":
            outputs.append(
                nbformat.v4.new_output(
                    "error",
                    ename="DeadKernelError",
                    evalue="the kernel process ended during this cell",
                    traceback=["DeadKernelError: the kernel process ended during this cell"],
                )
            )
        if truncated:
            outputs.append(
                nbformat.v4.new_output(
                    "stream", name="stdout", text="\n… output truncated by the grader …\n"
                )
            )
        return CellRun(outputs, status, payloads, time.monotonic() - t0, truncated)

    def _on_timeout(self, msg_id: str) -> str:
        """Interrupt; if the kernel does not go idle within 3 s, kill it."""
        self.interrupt()
        deadline = time.monotonic() + 3.0
        kc = self.client
        while time.monotonic() < deadline and self.alive():
            try:
                r = kc.get_shell_msg(timeout=0.1)
                if r["parent_header"].get("msg_id") == msg_id:
                    return "timeout"
            except queue.Empty:
                continue
        self.kill()
        return "killed"

    def interrupt(self) -> None:
        group = self._group()
        if group is not None and self.alive():
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGINT)

    def kill(self) -> None:
        group = self._group()
        if group is None:
            return
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        elif self.pidfd is not None:
            import select

            select.select([self.pidfd], [], [], 5.0)

    def close(self) -> None:
        """Kill the kernel and everything it started; remove the run folder."""
        if self._closed:
            return
        self._closed = True
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
        self.kill()
        if self.uid is not None:
            with contextlib.suppress(OSError):
                _kill_uid(self.uid)
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None
        if self._mounted:
            _umount(self.run_dir)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if self._slot is not None:
            self._slot.release()

    def __enter__(self) -> SandboxKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class KernelPool:
    """Kernels started ahead of time (``size`` of them) in a background thread; each used once.

    >>> # pool = KernelPool(spec, size=1); k = pool.get(); ...; k.close(); pool.close()
    """

    def __init__(self, spec: SandboxSpec, size: int = 1) -> None:
        self.spec = spec
        self.size = max(1, size)
        self._ready: queue.Queue[SandboxKernel | BaseException] = queue.Queue()
        self._want = threading.Semaphore(0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kamlab-kernel-pool", daemon=True)
        for _ in range(self.size):
            self._want.release()
        self._thread.start()

    def _make(self) -> SandboxKernel:
        k = SandboxKernel(self.spec)
        try:
            k.start()
            k.wait_ready()
            if self.spec.warmup:
                run = k.execute(self.spec.warmup, timeout=self.spec.limits.start_timeout, keep=True)
                if run.status != "ok":
                    detail = " ".join(
                        str(o.get("ename", "")) + " " + str(o.get("evalue", ""))
                        for o in run.outputs
                    )
                    raise RuntimeError(f"warm-up failed ({run.status}): {detail} {k.launch_log()}")
            # the client belongs to this thread's sockets: drop it, the user reconnects
            k.client.stop_channels()
            k.client = None
        except BaseException:
            k.close()
            raise
        return k

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._want.acquire(timeout=0.2):
                continue
            if self._stop.is_set():
                break
            try:
                self._ready.put(self._make())
            except BaseException as exc:
                self._ready.put(exc)

    def get(self, timeout: float | None = None) -> SandboxKernel:
        """A started, warmed-up kernel, connected in the calling thread; starts its successor."""
        timeout = self.spec.limits.start_timeout * 2 if timeout is None else timeout
        item = self._ready.get(timeout=timeout)
        self._want.release()
        if isinstance(item, BaseException):
            raise RuntimeError(f"could not start a sandboxed kernel: {item}") from item
        item.wait_ready()
        return item

    def close(self) -> None:
        self._stop.set()
        self._want.release()
        self._thread.join(timeout=self.spec.limits.start_timeout)
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, SandboxKernel):
                item.close()
