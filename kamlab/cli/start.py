"""``kamlab start``: the trainee's main job — a workspace, the default world, JupyterLab."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import typer

from kamlab.i18n import t

HELP = "Copy the curriculum into your workspace (first run) and open JupyterLab on it."


def _free_port(host: str, start: int) -> int:
    for port in range(start, start + 50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex((host, port)) != 0:
                return port
    raise RuntimeError(f"no free port between {start} and {start + 49}")


def start(
    workspace: Path = typer.Option(
        None, help="Your workspace folder (default ~/kamlab-workspace)."
    ),
    port: int = typer.Option(8888, help="First port to try."),
    ip: str = typer.Option("127.0.0.1", help="Address to listen on."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not try to open a browser."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Prepare the workspace, print the command, stop."
    ),
) -> None:
    """Prepare the workspace and run JupyterLab on its ``00_start_here.ipynb``."""
    from kamlab.learn.workspace import ensure_workspace

    report = ensure_workspace(workspace)
    ws = report.path
    if report.created:
        typer.echo(t("cli.ws_created", path=ws))
    for rel in report.copied:
        typer.echo(t("cli.ws_copied", name=rel))
    if report.offered:
        typer.echo(t("cli.ws_offered", n=len(report.offered), path=ws / "updates"))
    _ensure_world()

    port = _free_port(ip, port)
    token = secrets.token_hex(24)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={ws}",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.default_url=/lab/tree/00_start_here.ipynb",
        # nothing is fetched from the internet: no news feed, no update check
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if no_browser or (not os.environ.get("DISPLAY") and sys.platform.startswith("linux")):
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    url = f"http://{ip}:{port}/lab/tree/00_start_here.ipynb?token={token}"
    typer.echo(t("cli.lab_url", url=url))
    if dry_run:
        typer.echo(" ".join(cmd))
        return
    env = dict(os.environ, KAMLAB_WORKSPACE=str(ws))
    try:
        raise typer.Exit(subprocess.call(cmd, cwd=ws, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


def _ensure_world() -> None:
    """Make sure the default world is loadable; generate it if the shipped copy is missing."""
    from kamlab.resources import default_world_dir, generated_world_dir
    from kamlab.sim import SimConfig, simulate

    if (default_world_dir() / "public").is_dir() or (generated_world_dir() / "public").is_dir():
        return
    typer.echo(t("cli.generating_world"))
    world = simulate(SimConfig.preset("default", seed=20240601, scenarios="default"))
    world.save(generated_world_dir(), overwrite=True)
