"""The trainee's own workspace: a copy of the curriculum that kamlab never overwrites.

On first run :func:`ensure_workspace` copies every shipped notebook into the workspace and
records which version it copied (``.kamlab-workspace.json``). On later runs a notebook the
trainee already has is never touched: when kamlab ships a newer version of it, the new version
is written to ``updates/`` and reported, so the trainee can open it side by side (offered, not
forced). Modules that are new in this kamlab version are copied in.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from kamlab import __version__
from kamlab.resources import curriculum_dir

__all__ = ["MANIFEST", "WorkspaceReport", "default_workspace", "ensure_workspace"]

MANIFEST = ".kamlab-workspace.json"
_SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}


def default_workspace() -> Path:
    """``$KAMLAB_WORKSPACE`` if set, else ``~/kamlab-workspace``."""
    env = os.environ.get("KAMLAB_WORKSPACE")
    return Path(env).expanduser() if env else Path.home() / "kamlab-workspace"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class WorkspaceReport:
    """What :func:`ensure_workspace` did."""

    path: Path
    created: bool = False
    copied: list[str] = field(default_factory=list)
    offered: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _shipped_files(src: Path) -> list[Path]:
    return sorted(
        p
        for p in src.rglob("*")
        if p.is_file() and not (_SKIP_DIRS & set(p.relative_to(src).parts))
    )


def ensure_workspace(
    path: str | Path | None = None, *, source: str | Path | None = None
) -> WorkspaceReport:
    """Create or refresh the trainee's workspace at ``path`` from the shipped curriculum.

    Never overwrites a file the trainee has; newer shipped versions go to ``updates/``.
    """
    ws = Path(path).expanduser() if path is not None else default_workspace()
    src = Path(source) if source is not None else curriculum_dir()
    if not src.is_dir():
        raise FileNotFoundError(f"the shipped curriculum is missing at {src}")
    report = WorkspaceReport(path=ws, created=not ws.exists())
    ws.mkdir(parents=True, exist_ok=True)
    manifest_path = ws / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    copied_versions: dict[str, str] = manifest.get("files", {})

    for file in _shipped_files(src):
        rel = file.relative_to(src).as_posix()
        target = ws / rel
        shipped = _digest(file)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
            copied_versions[rel] = shipped
            report.copied.append(rel)
        elif copied_versions.get(rel) not in (None, shipped) or (
            rel not in copied_versions and _digest(target) != shipped
        ):
            offer = ws / "updates" / rel
            if not offer.exists() or _digest(offer) != shipped:
                offer.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, offer)
            report.offered.append(rel)
        else:
            copied_versions.setdefault(rel, shipped)
            report.kept.append(rel)

    manifest = {"kamlab_version": __version__, "files": copied_versions}
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(manifest_path)
    return report
