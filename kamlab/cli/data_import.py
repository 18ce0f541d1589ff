"""``kamlab data validate`` and ``kamlab data import``: check any world; bring your own data."""

from __future__ import annotations

from pathlib import Path

import typer

from kamlab.cli._common import fail
from kamlab.i18n import t


def validate(path: Path = typer.Argument(..., help="A saved world folder.")) -> None:
    """Check a world against the schemas and invariants; print each problem; exit 1 if any."""
    from kamlab.data.validate import format_report, validate_world, verify_hashes
    from kamlab.data.world import World

    if not path.is_dir():
        fail(t("data.validate_not_a_world", path=path, reason=t("data.no_such_folder")), code=2)
    if not (path / "public").is_dir():
        fail(t("data.validate_not_a_world", path=path, reason=t("data.no_public_folder")), code=2)
    try:
        world = World.load(path, truth=True)
    except Exception as exc:  # a corrupt parquet file or meta.json: say which, no traceback
        fail(t("data.validate_not_a_world", path=path, reason=f"{type(exc).__name__}: {exc}"), 2)
    problems = validate_world(world) + verify_hashes(world)
    n_tables = len(world.public) + len(world.truth)
    n_rows = sum(len(df) for df in (*world.public.values(), *world.truth.values()))
    if not problems:
        typer.echo(t("data.validate_ok", path=path, tables=n_tables, rows=f"{n_rows:,}"))
        return
    typer.echo(format_report(problems))
    typer.echo(
        t(
            "data.validate_summary",
            path=path,
            n=len(problems),
            tables=len({p.table for p in problems}),
            checked=n_tables,
            rows=f"{n_rows:,}",
        )
    )
    raise typer.Exit(code=1)


def import_(
    src: Path = typer.Argument(..., help="Folder of CSV/Excel extracts plus a mapping file."),
    out: Path = typer.Option(..., help="Folder to write the imported world into."),
    mapping: Path | None = typer.Option(
        None, help="The mapping file (default: SRC/kamlab-mapping.toml)."
    ),
    overwrite: bool = typer.Option(False, help="Replace OUT if it already exists."),
) -> None:
    """Map and validate a company's own extracts into a kamlab world."""
    from kamlab.data.importer import import_world
    from kamlab.data.validate import format_report

    if not src.is_dir():
        fail(t("data.import_not_a_folder", src=src), code=2)
    result = import_world(src, out, mapping=mapping, overwrite=overwrite)
    if not result.ok:
        typer.echo(format_report(result.problems))
        typer.echo(t("data.import_failed", src=src, n=len(result.problems), out=out))
        raise typer.Exit(code=1)
    assert result.world is not None
    typer.echo(result.summary())
    n_rows = sum(len(df) for df in result.world.public.values())
    typer.echo(
        t("data.import_ok", src=src, out=out, tables=len(result.world.public), rows=f"{n_rows:,}")
    )
