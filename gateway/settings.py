"""The gateway's own settings, from `MVGATE_*` environment variables.

The gateway does not read the application's settings (it imports nothing of the app);
these are the variables the operator contract names for the gateway.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MVGATE_", env_file=".env", extra="ignore")

    routes: Path = Field(
        default=Path("routing_table.yaml"), description="MVGATE_ROUTES: the routing table file."
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="MVGATE_ADMIN_TOKEN: Bearer token for /_gateway/* and /metrics; "
        "unset means those answer loopback clients only.",
    )
    watch: bool = Field(
        default=True, description="MVGATE_WATCH: reload the table when its file changes."
    )
    access_log: bool = Field(
        default=True, description="MVGATE_ACCESS_LOG: one JSON line per request on stderr."
    )
    supervisor_pid: int | None = Field(
        default=None,
        description="MVGATE_SUPERVISOR_PID: set by `mvgate serve --workers N` so that a reload "
        "asked of one worker reaches every worker.",
    )
