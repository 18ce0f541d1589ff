"""What an app serves: score source, roster, manager, language — read from a config file or env.

``kamlab dashboard`` writes a JSON file (mode 0600: it may hold a database URL with a password)
and points ``KAMLAB_APP_CONFIG`` at it before it starts Voila. Voila's pre-heated kernels run
the notebook *before* any request arrives, so an app cannot take its parameters from the URL
(query strings reach a pre-heated kernel only after it has rendered); it takes them from the
environment the kernels inherit from the Voila server. Without a config file the variables
``KAMLAB_APP_DB``, ``KAMLAB_APP_SCORES``, ``KAMLAB_APP_ROSTER``, ``KAMLAB_APP_FRAMEWORK``,
``KAMLAB_APP_WORLD``, ``KAMLAB_APP_MANAGER`` and ``KAMLAB_LANG`` are read; with none of them
the demo team is served.

>>> cfg = AppConfig(app="team-gaps", roster="team.csv", manager="KAM18")
>>> AppConfig.from_dict(cfg.to_dict()) == cfg
True
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["ENV_CONFIG", "AppConfig", "load_config", "write_config"]

#: Environment variable naming the JSON config file written by ``kamlab dashboard``.
ENV_CONFIG = "KAMLAB_APP_CONFIG"

_ENV = {
    "db": "KAMLAB_APP_DB",
    "scores": "KAMLAB_APP_SCORES",
    "roster": "KAMLAB_APP_ROSTER",
    "framework": "KAMLAB_APP_FRAMEWORK",
    "world": "KAMLAB_APP_WORLD",
    "course_root": "KAMLAB_APP_COURSE_ROOT",
    "manager": "KAMLAB_APP_MANAGER",
    "lang": "KAMLAB_LANG",
}


@dataclass(frozen=True)
class AppConfig:
    """Parameters of one served app (all optional; the demo team by default)."""

    app: str = "team-gaps"
    db: str | None = None
    scores: str | None = None
    roster: str | None = None
    framework: str | None = None
    world: str | None = None
    course_root: str | None = None
    manager: str | None = None
    lang: str | None = None
    threshold: float = 0.6

    @property
    def demo(self) -> bool:
        """True when no real score source is named."""
        return self.db is None and self.scores is None and self.course_root is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def open_source(self, *, need_roster: bool = False) -> Any:
        """The :class:`~kamlab.capability.sources.ScoreSource` this config names."""
        from kamlab.capability.sources import open_source

        return open_source(
            db=self.db,
            scores=self.scores,
            demo=self.demo,
            roster=self.roster,
            framework=self.framework,
            world_dir=self.world,
            course_root=self.course_root,
            manager_id=self.manager,
            need_roster=need_roster and not self.demo,
        )


def load_config(path: str | Path | None = None) -> AppConfig:
    """The config of this kernel: ``path``, else the file in ``KAMLAB_APP_CONFIG``, else env."""
    file = path or os.environ.get(ENV_CONFIG)
    if file:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        return AppConfig.from_dict(data)
    values: dict[str, Any] = {k: os.environ[v] for k, v in _ENV.items() if os.environ.get(v)}
    return AppConfig(**values)


def write_config(config: AppConfig, path: str | Path) -> Path:
    """Write ``config`` as JSON, readable by the owner only (it may hold a database password)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(config.to_dict(), fh, indent=2)
    return p
