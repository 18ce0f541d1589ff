"""``kamlab data generate|validate|import``: the simulated world and bring-your-own-data.

The verbs themselves live in :mod:`kamlab.cli.data_generate` and :mod:`kamlab.cli.data_import`.
"""

from __future__ import annotations

import typer

from kamlab.cli import data_generate, data_import

app = typer.Typer(help="Generate, validate and import account worlds.", no_args_is_help=True)
app.command("generate")(data_generate.generate)
app.command("validate")(data_import.validate)
app.command("import")(data_import.import_)
