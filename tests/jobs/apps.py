"""App factories the job tests' routing tables name by import string: the gateway calls a
factory with no arguments, these build both apps from the test's settings.

    backends:
      legacy: {wsgi: "tests.jobs.apps:configurations.<name>.legacy", threads: 8}
      new:    {asgi: "tests.jobs.apps:configurations.<name>.new"}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from flask import Flask

import legacy_flask
from legacy_flask.runtime import EXTENSION_KEY
from shared_models.settings import Settings

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
        from new_app import create_app

        return create_app(self.settings)

    def spec(self, backend: str) -> str:
        target = f"{__name__}:configurations.{self.name}.{backend}"
        return (
            f'{{wsgi: "{target}", threads: 8}}' if backend == "legacy" else f'{{asgi: "{target}"}}'
        )

    def close(self) -> None:
        for app in self.legacy_apps:
            app.extensions[EXTENSION_KEY].close(timeout=10)


def register(name: str, settings: Settings) -> Configuration:
    configuration = Configuration(name, settings)
    setattr(configurations, name, configuration)
    return configuration


def unregister(name: str) -> None:
    configuration = getattr(configurations, name, None)
    if configuration is not None:
        configuration.close()
        delattr(configurations, name)
