"""Real servers and a real browser for tests: JupyterLab / Voila processes and Chromium.

Browser tests drive Debian's Chromium (``/usr/bin/chromium``) through Playwright. Every request
that is not to localhost is aborted and recorded, so a test can assert that nothing left the
machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_LOCAL = (
    "http://127.0.0.1",
    "ws://127.0.0.1",
    "http://localhost",
    "ws://localhost",
    "data:",
    "blob:",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Debian's Chromium is not installed (apt-get install chromium; ./scripts/test does it)"
        )
    pytest.importorskip("playwright.sync_api")


@dataclass
class Server:
    """A server process started by a test, with its base URL and log file."""

    proc: subprocess.Popen
    url: str
    log: Path
    token: str = ""

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited early ({proc.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"server at {url} did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


@contextmanager
def run_server(
    cmd: list[str],
    ready_url: str,
    log: Path,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Iterator[subprocess.Popen]:
    """Start ``cmd``; wait until ``ready_url`` answers; stop the whole process group after."""
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ, **(env or {}))
    full_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full_env.get('PATH', '')}"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=full_env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_http(ready_url, proc, log, timeout)
            yield proc
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


def root_flags() -> list[str]:
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@contextmanager
def jupyterlab(root_dir: Path, log: Path, token: str = "kamlab-test") -> Iterator[Server]:
    """A real JupyterLab server on a free port serving ``root_dir``."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        *root_flags(),
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    url = f"http://127.0.0.1:{port}"
    with run_server(cmd, f"{url}/api/status?token={token}", log, cwd=root_dir) as proc:
        yield Server(proc, url, log, token)


def _wait_log(log: Path, text: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in (log.read_text(errors="replace") if log.exists() else ""):
            return
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited early ({proc.returncode}):\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.2)
    raise TimeoutError(
        f"{text!r} did not appear in {log} in {timeout}s:\n{log.read_text()[-3000:]}"
    )


@contextmanager
def voila(
    args: list[str],
    log: Path,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    wait_pool: bool = True,
) -> Iterator[Server]:
    """A real Voila server started the way a user starts it: ``kamlab dashboard <args>`` on a
    free port. Ready when Voila serves its static files and (``wait_pool``) its pre-heated
    kernel pool is filled, so the first page view measures the pre-heated path."""
    port = free_port()
    cmd = [sys.executable, "-m", "kamlab", "dashboard", *args, "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    token = ""
    if "--token" in args:
        token = args[args.index("--token") + 1]
    with run_server(
        cmd, f"{url}/voila/static/voila.js", log, cwd=cwd, env=env, timeout=timeout
    ) as proc:
        if wait_pool and "--no-preheat" not in args:
            _wait_log(log, "is filled with", proc, timeout)
        yield Server(proc, url, log, token)


@dataclass
class Browser:
    """A Playwright page in Chromium that only reaches localhost."""

    page: object
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@contextmanager
def browser(viewport: tuple[int, int] = (1400, 900)) -> Iterator[Browser]:
    """Chromium (headless) with every non-localhost request aborted and recorded."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = b.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True
        )
        state = Browser(page=None)

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            if url.startswith(_LOCAL):
                r.continue_()  # type: ignore[attr-defined]
            else:
                state.blocked.append(url)
                r.abort()  # type: ignore[attr-defined]

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on(
            "console", lambda m: state.console_errors.append(m.text) if m.type == "error" else None
        )
        state.page = page
        try:
            yield state
        finally:
            ctx.close()
            b.close()


def which(name: str) -> str | None:
    return shutil.which(
        name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    )
