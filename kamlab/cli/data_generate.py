"""``kamlab data generate``: simulate an account world and save it."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from kamlab.cli._common import fail
from kamlab.i18n import t


def _scenarios(value: str) -> str | list:
    """``default`` | ``none`` | a comma-separated list of knob names → SimConfig scenarios."""
    from kamlab.data.schemas import SCENARIOS
    from kamlab.sim import ScenarioSpec

    v = value.strip()
    if v.lower() in ("default", "none"):
        return v.lower()
    kinds = [k.strip().upper() for k in v.split(",") if k.strip()]
    bad = [k for k in kinds if k not in SCENARIOS]
    if not kinds or bad:
        fail(t("sim.bad_scenarios", value=value, choices=", ".join(SCENARIOS)), code=2)
    return [ScenarioSpec(k, {}) for k in kinds]


def generate(
    preset: str = typer.Option("default", help="small, default or large."),
    seed: int = typer.Option(20240601, help="Random seed: the same seed gives the same world."),
    scenarios: str = typer.Option(
        "default",
        help="default, none, or a comma-separated list of knobs (e.g. STUFFING,DIVERSION).",
    ),
    out: Path = typer.Option(..., help="Folder to write the world into."),
    overwrite: bool = typer.Option(False, help="Replace OUT if it already exists."),
) -> None:
    """Simulate an account world and save it (parquet) to OUT."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kamlab.sim import SimConfig, simulate
    from kamlab.sim.config import PRESETS

    if preset not in PRESETS:
        fail(t("sim.bad_preset", value=preset, choices=", ".join(PRESETS)), code=2)
    if seed < 0:
        fail(t("sim.bad_seed", value=seed), code=2)
    scen = _scenarios(scenarios)
    if out.exists() and not overwrite:
        fail(t("sim.out_exists", out=out), code=2)
    cfg = SimConfig.preset(preset, seed=seed, scenarios=scen)
    typer.echo(t("sim.generating", preset=preset, seed=seed, scenarios=scenarios))
    start = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(t("sim.stage", stage="…"), total=1.0)

        def report(stage: str, fraction: float) -> None:
            bar.update(task, completed=fraction, description=t("sim.stage", stage=stage))

        try:
            world = simulate(cfg, progress=report)
        except (ValueError, RuntimeError) as exc:
            fail(t("sim.failed", error=exc), code=1)
        bar.update(task, description=t("sim.saving", out=out))
        world.save(out, overwrite=overwrite)
    rows = sum(len(df) for df in (*world.public.values(), *world.truth.values()))
    typer.echo(
        t(
            "sim.done",
            preset=preset,
            out=out,
            tables=len(world.public) + len(world.truth),
            rows=f"{rows:,}",
            seconds=time.perf_counter() - start,
        )
    )
