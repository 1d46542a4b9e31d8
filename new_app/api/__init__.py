"""The JSON API's routers, one per resource."""

from fastapi import APIRouter

from new_app.api import (
    account,
    api_keys,
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

API_ROUTERS: tuple[APIRouter, ...] = (
    videos.router,
    media.router,
    artists.router,
    playlists.router,
    settings.router,
    downloads.router,
    integrations.router,
    users.router,
    api_keys.router,
    health.router,
    auth.router,
    account.router,
)
