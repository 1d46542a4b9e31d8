"""App factories the parity suite's routing tables name by import string.

The gateway calls a backend's factory with no arguments, but the parity suite needs both
apps built from *its* settings (its database, media root, secret and simulator). So each
configuration is registered here under a name, and the table names its factories:

    backends:
      legacy: {wsgi: "tests.parity.backends:configurations.sqlite_default.legacy"}
      new:    {asgi: "tests.parity.backends:configurations.sqlite_default.new"}

The apps built are kept, so the suite can wait for the legacy app's download threads and
close its database pool when it is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from flask import Flask

import legacy_flask
from legacy_flask.runtime import EXTENSION_KEY, Runtime
from shared_models.settings import Settings

# name -> Configuration, reached by attribute from an import string.
configurations = SimpleNamespace()


@dataclass
class Configuration:
    name: str
    settings: Settings
    legacy_apps: list[Flask] = field(default_factory=list)

    def legacy(self) -> Flask:
        app = legacy_flask.create_app(self.settings)
        self.legacy_apps.append(app)
        return app

    def new(self) -> Any:
        # Imported here: the legacy-only self-check must work before new_app exists.
        from new_app import create_app

        return create_app(self.settings)

    def import_string(self, backend: str) -> str:
        return f"{__name__}:configurations.{self.name}.{backend}"

    def spec(self, backend: str, threads: int = 8) -> str:
        """The backend's line of a routing table: `legacy` as WSGI, `new` as ASGI."""
        target = self.import_string(backend)
        if backend == "legacy":
            return f'{{wsgi: "{target}", threads: {threads}}}'
        return f'{{asgi: "{target}"}}'

    def legacy_runtimes(self) -> list[Runtime]:
        return [app.extensions[EXTENSION_KEY] for app in self.legacy_apps]

    def wait_for_downloads(self, timeout: float = 60.0) -> None:
        """Until every download thread the legacy apps started has finished."""
        for runtime in self.legacy_runtimes():
            if not runtime.downloads.wait(timeout):
                raise AssertionError(f"legacy download threads still running after {timeout} s")

    def close(self) -> None:
        for runtime in self.legacy_runtimes():
            runtime.close(timeout=10)


def register(name: str, settings: Settings) -> Configuration:
    configuration = Configuration(name, settings)
    setattr(configurations, name, configuration)
    return configuration


def unregister(name: str) -> None:
    configuration = getattr(configurations, name, None)
    if configuration is not None:
        configuration.close()
        delattr(configurations, name)
