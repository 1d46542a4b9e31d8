"""`mvgate db ...` and `mvgate seed`: commands of the application's data layer, plugged into
the gateway CLI through the `mvgate.commands` entry points."""

from __future__ import annotations

import typer

from shared_models.demo.defaults import DEMO_API_KEY, DEMO_USERS
from shared_models.demo.seed import SeedError, seed_library
from shared_models.demo.upstream_urls import simulator_root, upstream_urls
from shared_models.migrate import current_revision, head_revision, upgrade
from shared_models.settings import Settings, get_settings

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


def demo_url_templates(settings: Settings, upstreams_url: str | None) -> tuple[str, str | None]:
    """Download and thumbnail URL templates for the seeded rows.

    The demo's YouTube ids exist only on the simulator, so by default the rows point at the
    simulator that IMVDB_BASE_URL names (when it names one); an explicit --upstreams-url or
    VIDEO_URL_TEMPLATE wins.
    """
    if upstreams_url:
        urls = upstream_urls(upstreams_url)
        return urls.video_url_template, urls.image_url_template
    root = simulator_root(settings.imvdb_base_url)
    simulator = upstream_urls(root) if root else None
    if "video_url_template" in settings.model_fields_set or simulator is None:
        video_url_template = settings.video_url_template
    else:
        video_url_template = simulator.video_url_template
    return video_url_template, simulator.image_url_template if simulator else None


def seed_command(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when the database already holds a library."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Delete the existing artists, videos, playlists and downloads."
    ),
    artists: int = typer.Option(200, min=0, help="Artists in the library."),
    videos: int = typer.Option(5000, min=0, help="Videos, spread over the artists."),
    playlists: int = typer.Option(20, min=0, help="Playlists, with 5-25 entries each."),
    no_media: bool = typer.Option(
        False, "--no-media", help="Write the rows only: no clips made or copied."
    ),
    upstreams_url: str | None = typer.Option(
        None,
        help="Root of the simulated upstreams: download and thumbnail URLs point at it. "
        "Default: the simulator IMVDB_BASE_URL points at (VIDEO_URL_TEMPLATE, if set, wins).",
    ),
) -> None:
    """Write the deterministic demo library (and demo accounts) into DATABASE_URL."""
    settings = get_settings()
    video_url_template, image_url_template = demo_url_templates(settings, upstreams_url)
    try:
        report = seed_library(
            settings.resolved_database_url,
            settings.resolved_media_root,
            artists=artists,
            videos=videos,
            playlists=playlists,
            with_media=not no_media,
            video_url_template=video_url_template,
            image_url_template=image_url_template,
            if_empty=if_empty,
            replace=replace,
            settings=settings,
        )
    except SeedError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if report.skipped:
        typer.echo("the database already holds a library: nothing seeded (--if-empty)")
        return
    typer.echo(
        f"seeded {report.artists} artists, {report.videos} videos, {report.playlists} playlists "
        f"({report.playlist_entries} entries), {report.downloads} downloads and "
        f"{report.media_files} media files in {report.seconds:.1f} s"
    )
    if report.users_created:
        accounts = ", ".join(f"{user.username} / {user.password}" for user in DEMO_USERS)
        typer.echo(f"demo accounts (user / password): {accounts}")
    if report.api_keys_created:
        typer.echo(f"demo API key: {DEMO_API_KEY}")
