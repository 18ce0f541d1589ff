"""kamlab — an open, Jupyter-based academy for Key Account managers in consumer goods.

The library under the curriculum, the assessments and the apps:

- :mod:`kamlab.metrics`    the formula library (gross-to-net, promotion ROI, fill rates, ...)
- :mod:`kamlab.data`       table schemas, the :class:`~kamlab.data.World` container, validation, import
- :mod:`kamlab.sim`        the seeded account-world simulator
- :mod:`kamlab.capability` the KA competency framework and capability scoring
- :mod:`kamlab.analysis`   pure what-if models behind the curriculum's scenario panels
- :mod:`kamlab.ui`         ipywidgets views of those models
- :mod:`kamlab.assess`     nbgrader integration: build, sandboxed grading, feedback, export
- :mod:`kamlab.apps`       Voila app builders

Start with ``world = kamlab.load_world()`` for the shipped default world.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["__version__", "load_world"]

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from kamlab.data.world import World


def load_world(path: str | Path | None = None) -> World:
    """Load a saved world: no argument gives the shipped default world, a path gives that world.

    >>> import kamlab
    >>> world = kamlab.load_world()          # doctest: +SKIP
    >>> world.sell_in.head()                 # doctest: +SKIP
    """
    from kamlab.data.world import load_world as _load

    return _load(path)
