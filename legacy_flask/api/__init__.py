"""The JSON API's blueprints, one per resource."""

from flask import Blueprint

from legacy_flask.api import (
    account,
    artists,
    auth,
    downloads,
    health,
    integrations,
    media,
    playlists,
    settings,
    users,
    videos,
)

API_BLUEPRINTS: tuple[Blueprint, ...] = (
    videos.bp,
    media.bp,
    artists.bp,
    playlists.bp,
    settings.bp,
    downloads.bp,
    integrations.bp,
    users.bp,
    health.bp,
    auth.bp,
    account.bp,
)
