"""Secret seeds: each trainee's hidden worlds come from ``HMAC-SHA256(course secret, …)``.

The course secret lives in ``<course root>/.course_secret`` (created on first use with mode
0600, root-only) or in ``KAMLAB_COURSE_SECRET``. A trainee's seed for an assessment is

    seed = int.from_bytes(HMAC-SHA256(secret, f"{assessment}\\x1f{trainee}\\x1f{k}")[:8]) mod 2**31

so re-grading gives the same worlds, two trainees never share one, and nobody without the
secret can predict them. :data:`DEV_SEEDS` (11, 23, 97) serve only during development
(``kamlab course build`` checks and authoring), never for a real trainee.

>>> trainee_seed(b"s3cret", "M1", "alice") == trainee_seed(b"s3cret", "M1", "alice")
True
>>> trainee_seed(b"s3cret", "M1", "alice") != trainee_seed(b"s3cret", "M1", "bob")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["DEV_SEEDS", "SECRET_ENV", "course_secret", "trainee_seed", "trainee_seeds"]

DEV_SEEDS: tuple[int, ...] = (11, 23, 97)
SECRET_ENV = "KAMLAB_COURSE_SECRET"
SECRET_FILE = ".course_secret"


def course_secret(root: str | Path) -> bytes:
    """The course secret: ``KAMLAB_COURSE_SECRET``, else ``root/.course_secret`` (made if missing)."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode("utf-8")
    path = Path(root) / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text(encoding="utf-8").strip()
        if len(text) < 16:
            raise ValueError(
                f"the course secret in {path} is shorter than 16 characters; delete the file to "
                "create a new one (hidden worlds will change) or put a longer secret in it"
            ) from None
        return text.encode("utf-8")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def trainee_seed(secret: bytes, assessment: str, trainee: str, k: int = 0) -> int:
    """The ``k``-th secret seed of ``trainee`` for ``assessment`` (a non-negative int < 2**31)."""
    if not secret:
        raise ValueError(
            "secret must not be empty; set KAMLAB_COURSE_SECRET or create .course_secret"
        )
    msg = f"{assessment}\x1f{trainee}\x1f{k}".encode()
    digest = hmac.new(secret, msg, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % (2**31)


def trainee_seeds(secret: bytes, assessment: str, trainee: str, n: int) -> list[int]:
    """``n`` secret seeds of ``trainee`` for ``assessment``."""
    return [trainee_seed(secret, assessment, trainee, k) for k in range(n)]
