"""JSON error bodies and query-parameter parsing shared by the simulated APIs."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from benchmarks.upstreams.state import SimulatorState


def simulator(request: Request) -> SimulatorState:
    return request.app.state.simulator


def error(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status_code)


def int_param(
    request: Request, name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    """An integer query parameter; out-of-range values are clamped, as the real APIs do,
    and non-integers are a 400."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be an integer") from None
    value = max(value, minimum)
    return min(value, maximum) if maximum is not None else value


def base_url(request: Request) -> str:
    """This simulator's own root as the client reached it (images link back to it)."""
    return str(request.base_url).rstrip("/")
