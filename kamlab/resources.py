"""Where kamlab's shipped folders are, in a source checkout or in an installed wheel.

In a checkout (``pip install -e .``) the folders sit next to the package; an installed wheel
carries copies under ``kamlab/_shipped/``.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent

__all__ = [
    "apps_dir",
    "curriculum_dir",
    "datasets_dir",
    "default_world_dir",
    "generated_world_dir",
    "kamlab_home",
    "repo_root",
]


def repo_root() -> Path | None:
    """The source checkout that holds this package, or ``None`` for an installed wheel."""
    root = _PKG.parent
    return root if (root / "pyproject.toml").is_file() and (root / "curriculum").is_dir() else None


def _shipped(name: str) -> Path:
    root = repo_root()
    if root is not None:
        return root / name
    return _PKG / "_shipped" / name


def curriculum_dir() -> Path:
    """The shipped curriculum notebooks (read-only master copies)."""
    return _shipped("curriculum")


def datasets_dir() -> Path:
    """The shipped datasets folder."""
    return _shipped("datasets")


def default_world_dir() -> Path:
    """The shipped default world (``datasets/default``)."""
    return datasets_dir() / "default"


def kamlab_home() -> Path:
    """The trainee's own kamlab folder: ``$KAMLAB_HOME`` or ``~/.kamlab``."""
    import os

    home = os.environ.get("KAMLAB_HOME")
    return Path(home) if home else Path.home() / ".kamlab"


def generated_world_dir() -> Path:
    """Where ``kamlab start`` generates the default world when the shipped copy is missing."""
    return kamlab_home() / "worlds" / "default"


def apps_dir() -> Path:
    """The Voila app notebooks."""
    return _shipped("apps")
