"""`mvgate db ...` and `mvgate seed`: commands of the application's data layer, plugged into
the gateway CLI through the `mvgate.commands` entry points."""

from __future__ import annotations

import typer

from shared_models.migrate import current_revision, head_revision, upgrade
from shared_models.settings import get_settings

db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate DATABASE_URL to the given revision (default: the newest)."""
    url = get_settings().resolved_database_url
    upgrade(url, revision)
    typer.echo(f"database at revision {current_revision(url)}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one available."""
    url = get_settings().resolved_database_url
    typer.echo(f"current: {current_revision(url)}  head: {head_revision()}")
