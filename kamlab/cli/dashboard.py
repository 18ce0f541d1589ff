"""``kamlab dashboard team-gaps|cohort|workshop``: the Voila apps.

``team-gaps`` and ``cohort`` check their inputs first (score source, roster, framework, manager)
and stop with one readable paragraph and exit code 1 when something is wrong; then they write
the app's config (mode 0600) and run Voila 0.5.13 on the app notebook:

* bound to ``127.0.0.1`` unless ``--ip`` says otherwise (passed as ``--Voila.ip``: Voila ignores
  a plain ``--ip``), port ``--port`` (no silent fallback to another port);
* kamlab's ``kamlab`` template (Voila's lab template without its CDN stylesheet), so the page
  requests nothing from the internet;
* idle kernels culled (``MappingKernelManager.cull_idle_timeout`` / ``cull_interval``), an
  execution timeout (``VoilaExecutor.timeout``), a pre-heated kernel pool
  (``preheat_kernel`` + ``pool_size``; the app reads its parameters from the config file the
  kernels inherit through ``KAMLAB_APP_CONFIG``), and an optional ``--token``.

``--check`` validates the inputs and exits without serving.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer

from kamlab.cli._common import fail, not_yet
from kamlab.i18n import t

app = typer.Typer(help="Serve the managers' and trainers' Voila apps.", no_args_is_help=True)

_JUPYTER_DATA = Path(__file__).resolve().parent.parent / "apps" / "jupyter_data"


def _opt_lang(value: str | None) -> str | None:
    if value is not None and value not in ("en", "zh"):
        raise typer.BadParameter("use en or zh")
    return value


def voila_command(
    notebook: Path,
    *,
    ip: str,
    port: int,
    token: str | None,
    cull_idle: int,
    cull_interval: int,
    timeout: int,
    pool_size: int,
    preheat: bool,
    extra: list[str] | None = None,
) -> list[str]:
    """The Voila command line the dashboard runs (exposed for tests and documentation)."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--Voila.ip={ip}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--template=kamlab",
        "--theme=light",
        "--show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaExecutor.timeout={timeout}",
        # the apps need the widget managers only: other lab extensions (nbgrader, notebook…)
        # fail in Voila and slow the page down
        "--VoilaConfiguration.extension_allowlist=@voila-dashboards/widgets-manager8",
        "--VoilaConfiguration.extension_allowlist=@jupyter-widgets/jupyterlab-manager",
        f"--preheat_kernel={preheat}",
        f"--pool_size={pool_size if preheat else 0}",
    ]
    if token:
        cmd.append(f"--token={token}")
    return cmd + list(extra or [])


def _port_free(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as s:
        try:
            s.bind((ip, port))
        except OSError:
            return False
    return True


def _serve(name: str, *, lang: str | None, **kw: Any) -> None:
    """Check the inputs, then run Voila on the app notebook (module docstring)."""
    from kamlab import i18n

    before = i18n._state.get("lang")
    if lang:
        i18n.set_language(lang, persist=False)
    try:
        _serve_in(name, lang=lang, **kw)
    finally:  # a CLI call in-process (tests) must not change the caller's language
        if before is None:
            i18n._state.pop("lang", None)
        else:
            i18n._state["lang"] = before


def _serve_in(
    name: str,
    *,
    demo: bool,
    db: str | None,
    scores: Path | None,
    roster: Path | None,
    framework: Path | None,
    world: Path | None,
    course_root: Path | None,
    manager: str | None,
    lang: str | None,
    port: int,
    ip: str,
    token: str | None,
    cull_idle: int,
    cull_interval: int,
    timeout: int,
    pool_size: int,
    no_preheat: bool,
    check: bool,
    threshold: float = 0.6,
) -> None:
    from kamlab.apps.config import AppConfig, write_config
    from kamlab.resources import apps_dir

    def absolute(p: Path | None) -> str | None:
        return None if p is None else str(Path(p).expanduser().resolve())

    if demo and (db or scores or course_root):
        fail(t("apps.err_one_source"))
    cfg = AppConfig(
        app=name,
        db=db,
        scores=absolute(scores),
        roster=absolute(roster),
        framework=absolute(framework),
        world=absolute(world),
        course_root=absolute(course_root),
        manager=manager,
        lang=lang,
        threshold=threshold,
    )
    # the same code the app runs: bad input stops here, in one paragraph
    try:
        src = cfg.open_source(need_roster=name == "team-gaps")
    except ValueError as exc:
        fail(str(exc))
    except Exception as exc:  # never a traceback for a user
        fail(t("apps.err_unexpected", kind=type(exc).__name__, reason=str(exc)))
    for m in src.messages:
        typer.echo(t("apps.cli_warning", message=m), err=True)
    if check:
        typer.echo(
            t(
                "apps.cli_check_ok",
                app=name,
                n=len(src.roster) if src.roster is not None else src.people.shape[0],
                runs=int(src.scores["attempt"].nunique()),
                source=src.describe(),
            )
        )
        return
    nb = apps_dir() / f"{name.replace('-', '_')}.ipynb"
    if not nb.is_file():
        fail(t("apps.cli_no_notebook", path=nb))
    if not _port_free(ip, port):
        fail(t("apps.cli_port_busy", port=port, ip=ip))
    if ip not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(t("apps.cli_exposed", ip=ip), err=True)

    run_dir = Path(tempfile.mkdtemp(prefix="kamlab-dashboard-"))
    os.chmod(run_dir, 0o700)
    conf = write_config(cfg, run_dir / "app.json")
    env = dict(os.environ)
    env["KAMLAB_APP_CONFIG"] = str(conf)
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(_JUPYTER_DATA), *[p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]]
    )
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if lang:
        env["KAMLAB_LANG"] = lang
    cmd = voila_command(
        nb,
        ip=ip,
        port=port,
        token=token,
        cull_idle=cull_idle,
        cull_interval=cull_interval,
        timeout=timeout,
        pool_size=pool_size,
        preheat=not no_preheat,
    )
    host = f"[{ip}]" if ":" in ip else ip
    url = f"http://{host}:{port}/"
    typer.echo(t("apps.cli_serving", app=name, url=url))
    if token:
        typer.echo(t("apps.cli_token", url=url, token=token))
    proc: subprocess.Popen[Any] | None = None

    def stop(signum: int, _frame: object) -> None:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    code = 0
    try:
        # Voila prints a traceback on Ctrl+C: let it ignore SIGINT and stop it with SIGTERM,
        # which it handles cleanly (kernels shut down, no traceback)
        extra: dict[str, Any] = {}
        if os.name == "posix":
            extra["preexec_fn"] = lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)
        proc = subprocess.Popen(cmd, env=env, cwd=str(nb.parent), **extra)
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
            if proc.poll() is None:
                proc.kill()
            code = 0
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        shutil.rmtree(run_dir, ignore_errors=True)
    if code not in (0, -signal.SIGTERM, -signal.SIGINT, 130, 143):
        fail(t("apps.cli_voila_failed", code=code), code=code if code > 0 else 1)


_DEMO = typer.Option(False, "--demo", help="The simulated KA team of the default world (default).")
_DB = typer.Option(
    None,
    "--db",
    help="nbgrader gradebook: sqlite:///…/gradebook.db, a gradebook file, or a "
    "postgresql+psycopg://user@host:port/db URL.",
)
_SCORES = typer.Option(None, "--scores", help="An exported item_scores.csv.")
_ROSTER = typer.Option(
    None, "--roster", help="Roster CSV/Excel: person_id, name, role_level, team, … (docs/APPS.md)."
)
_FRAMEWORK = typer.Option(
    None, "--framework", help="A company's edited framework folder (default: the shipped one)."
)
_WORLD = typer.Option(
    None, "--world", help="A world folder whose accounts give 9-box performance (owned_accounts)."
)
_COURSE = typer.Option(
    None, "--course-root", help="The nbgrader course root (attempt numbers of re-grades)."
)
_MANAGER = typer.Option(
    None, "--manager", help="Serve only this manager and the people reporting to them."
)
_LANG = typer.Option(None, "--lang", callback=_opt_lang, help="en or zh (default: en).")
_PORT = typer.Option(8866, "--port", help="Port to serve on.")
_IP = typer.Option("127.0.0.1", "--ip", help="Address to bind (default: this machine only).")
_TOKEN = typer.Option(None, "--token", help="Require this token (open URL?token=…).")
_CULL = typer.Option(900, "--cull-idle", help="Seconds before an idle kernel is shut down.")
_CULL_INT = typer.Option(60, "--cull-interval", help="Seconds between idle-kernel checks.")
_TIMEOUT = typer.Option(120, "--timeout", help="Seconds a notebook cell may run.")
_POOL = typer.Option(1, "--pool-size", help="Pre-heated kernels kept ready.")
_NO_PREHEAT = typer.Option(False, "--no-preheat", help="Start a kernel per visit instead.")
_CHECK = typer.Option(False, "--check", help="Check the inputs and exit without serving.")


@app.command("team-gaps", help="The team capability-gaps app for KA managers and directors.")
def team_gaps(
    demo: bool = _DEMO,
    db: str | None = _DB,
    scores: Path | None = _SCORES,
    roster: Path | None = _ROSTER,
    framework: Path | None = _FRAMEWORK,
    world: Path | None = _WORLD,
    course_root: Path | None = _COURSE,
    manager: str | None = _MANAGER,
    lang: str | None = _LANG,
    port: int = _PORT,
    ip: str = _IP,
    token: str | None = _TOKEN,
    cull_idle: int = _CULL,
    cull_interval: int = _CULL_INT,
    timeout: int = _TIMEOUT,
    pool_size: int = _POOL,
    no_preheat: bool = _NO_PREHEAT,
    check: bool = _CHECK,
) -> None:
    """The team capability-gaps app for KA managers and directors."""
    _serve("team-gaps", **locals())


@app.command("cohort", help="The cohort-progress app for trainers.")
def cohort(
    demo: bool = _DEMO,
    db: str | None = _DB,
    scores: Path | None = _SCORES,
    roster: Path | None = _ROSTER,
    framework: Path | None = _FRAMEWORK,
    world: Path | None = _WORLD,
    course_root: Path | None = _COURSE,
    manager: str | None = _MANAGER,
    lang: str | None = _LANG,
    port: int = _PORT,
    ip: str = _IP,
    token: str | None = _TOKEN,
    cull_idle: int = _CULL,
    cull_interval: int = _CULL_INT,
    timeout: int = _TIMEOUT,
    pool_size: int = _POOL,
    no_preheat: bool = _NO_PREHEAT,
    check: bool = _CHECK,
    threshold: float = typer.Option(0.6, "--threshold", help="Help threshold (score fraction)."),
) -> None:
    """The cohort-progress app for trainers."""
    if not 0 <= threshold <= 1:
        fail(f"--threshold must be a score fraction between 0 and 1; got {threshold}.")
    _serve("cohort", **locals())


@app.command("workshop")
def workshop(port: int = typer.Option(8866, help="Port to serve on.")) -> None:
    """The workshop-game app for trainers."""
    not_yet("kamlab dashboard workshop", "the multi-round workshop game")
