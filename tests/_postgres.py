"""A real, throw-away PostgreSQL server for tests (initdb + pg_ctl on a free port).

    with PostgresServer() as pg:
        url = pg.create_database("gradebook")   # postgresql+psycopg://postgres@127.0.0.1:PORT/gradebook

PostgreSQL refuses to run as root: as root the data folder is given to the ``postgres``
system user (created with ``useradd`` if missing) and the server runs through ``runuser``.
The server listens on 127.0.0.1 only, trusts local connections and is stopped (``immediate``)
and deleted on exit. :func:`find_pg_bin` returns ``None`` when no server binaries exist, so a
fixture can skip with a clear reason.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostgresServer", "find_pg_bin", "free_port"]


def find_pg_bin() -> Path | None:
    """The ``bin/`` folder holding ``initdb`` and ``pg_ctl`` (newest version), or ``None``."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """Start a private PostgreSQL server in a fresh temp folder; stop and delete it on exit."""

    def __init__(self, base: str | Path | None = None, *, user: str = "postgres") -> None:
        self.bin = find_pg_bin()
        if self.bin is None:
            raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) found")
        # a folder the server's user can reach (pytest's tmp folders are 0700 root)
        self.dir = Path(tempfile.mkdtemp(prefix="kamlab-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.os_user = user if os.geteuid() == 0 else None
        self.db_user = "postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.os_user:
            cmd = ["runuser", "-u", self.os_user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)

    def __enter__(self) -> PostgresServer:
        if self.os_user:
            try:
                pw = pwd.getpwnam(self.os_user)
            except KeyError:
                subprocess.run(
                    ["useradd", "--system", "--no-create-home", self.os_user], check=True
                )
                pw = pwd.getpwnam(self.os_user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.db_user,
            "--auth=trust",
            "-E",
            "UTF8",
        )
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.db_user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database ``name``; return its SQLAlchemy URL (psycopg 3)."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.db_user} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
