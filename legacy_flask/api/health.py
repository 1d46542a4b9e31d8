"""/api/health: liveness with a real database query, the version, and a system report.
Never behind a login (the access hook leaves /api/health open)."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from legacy_flask.runtime import current_runtime
from legacy_flask.services.system_info import database_ok, system_report

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__, url_prefix="/api/health")

APP_NAME = "MVidarr"
API_VERSION = 1
DISTRIBUTION = "mvidarr-cutover"


def app_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0.0.0"


@bp.get("")
def health() -> ResponseReturnValue:
    if not database_ok(current_runtime().engine):
        logger.error("health check: database unavailable")
        body = {"status": "unhealthy", "database": "unavailable", "error": "Database unavailable"}
        return jsonify(body), 503
    return jsonify({"status": "healthy", "database": "ok"})


@bp.get("/version")
def health_version() -> ResponseReturnValue:
    return jsonify({"name": APP_NAME, "version": app_version(), "api_version": API_VERSION})


@bp.get("/system")
def health_system() -> ResponseReturnValue:
    runtime = current_runtime()
    return jsonify(system_report(runtime.settings, runtime.engine))
