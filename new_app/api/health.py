"""/api/health: liveness with a real database query, the version, and a system report.
Never behind a login (the access middleware leaves /api/health open)."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter
from starlette.responses import JSONResponse

from new_app.deps import RuntimeDep
from new_app.schemas.health import Healthy, SystemReport, Unhealthy, VersionOut
from new_app.services.system_info import database_ok, system_report

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/health", tags=["health"])

APP_NAME = "MVidarr"
API_VERSION = 1
DISTRIBUTION = "mvidarr-cutover"


def app_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0.0.0"


@router.get(
    "",
    response_model=Healthy,
    summary="Is the app up and its database reachable?",
    responses={503: {"model": Unhealthy, "description": "The database is unavailable"}},
)
async def health(runtime: RuntimeDep) -> Healthy | JSONResponse:
    if not await database_ok(runtime.engine):
        logger.error("health check: database unavailable")
        body = Unhealthy(status="unhealthy", database="unavailable", error="Database unavailable")
        return JSONResponse(body.model_dump(), status_code=503)
    return Healthy(status="healthy", database="ok")


@router.get("/version", response_model=VersionOut, summary="The app's name and versions")
async def health_version() -> VersionOut:
    return VersionOut(name=APP_NAME, version=app_version(), api_version=API_VERSION)


@router.get("/system", response_model=SystemReport, summary="Tools, disk, database and Redis")
async def health_system(runtime: RuntimeDep) -> SystemReport:
    return SystemReport.model_validate(await system_report(runtime.settings, runtime.engine))
