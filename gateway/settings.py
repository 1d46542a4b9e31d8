"""The gateway's own settings, from `MVGATE_*` environment variables.

The gateway does not read the application's settings (it imports nothing of the app);
these are the variables the operator contract names for the gateway.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MVGATE_", env_file=".env", extra="ignore", populate_by_name=True
    )

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
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MVGATE_REDIS_URL", "REDIS_URL"),
        description="REDIS_URL: share rollbacks, window counters, diffs and rate-limit buckets "
        "between gateway processes; unset: each process keeps its own.",
    )
    redis_prefix: str = Field(
        default="mvgate", description="MVGATE_REDIS_PREFIX: prefix of the gateway's Redis keys."
    )
    state_interval: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="MVGATE_STATE_INTERVAL: seconds between two rounds of the cutover controls "
        "(flush counters, read shared rollbacks, evaluate rollback rules).",
    )
