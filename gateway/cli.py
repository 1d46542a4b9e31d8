"""`mvgate`: the operator's command line.

The gateway's own commands live here. Commands that belong to the application being
migrated (database migrations, seeding, job workers) are plugged in through the
`mvgate.commands` entry-point group, so the gateway stays application-agnostic.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

app = typer.Typer(help="MVidarr cutover gateway.", no_args_is_help=True)

PLUGIN_GROUP = "mvgate.commands"


def _load_plugins(cli: typer.Typer) -> None:
    """Each entry point is a Typer app (added as a command group) or a plain function."""
    for entry_point in entry_points(group=PLUGIN_GROUP):
        command = entry_point.load()
        if isinstance(command, typer.Typer):
            cli.add_typer(command, name=entry_point.name)
        else:
            cli.command(name=entry_point.name)(command)


def main() -> None:
    _load_plugins(app)
    app()
