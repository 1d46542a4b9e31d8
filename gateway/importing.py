"""Turn a backend's import string into an app: `package.module:attribute`.

The attribute is either the app itself or a factory that returns it. Unless the table says
`factory: true|false`, a class, or a function whose parameters all have defaults, is taken
for a factory and called with no arguments (`create_app(settings=None)`); a WSGI app needs
two arguments and an ASGI app three, so neither is mistaken for one.
"""

from __future__ import annotations

import importlib
import inspect
import re
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from typing import Any


class ImportStringError(Exception):
    """The import string names nothing usable; the message says why."""


def import_object(spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and module_name.startswith(error.name):
            raise ImportStringError(f"{spec!r}: no module named {error.name!r}") from None
        hint = extra_hint(module_name, error.name)
        if hint is not None:
            raise ImportStringError(f"{spec!r}: {hint}") from None
        raise ImportStringError(f"{spec!r}: importing {module_name!r} failed: {error}") from error
    except Exception as error:
        raise ImportStringError(
            f"{spec!r}: importing {module_name!r} failed: {type(error).__name__}: {error}"
        ) from error
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ImportStringError(
                f"{spec!r}: {module_name!r} has no attribute {attribute!r}"
            ) from None
    return target


# A requirement line of the metadata: `flask>=3.0; extra == "legacy"`.
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def extra_hint(module_name: str, missing: str | None) -> str | None:
    """When the distribution that installed `module_name` lists the missing module under one
    of its extras (not installed), the sentence that says which extra to install."""
    if missing is None:
        return None
    top_level = module_name.partition(".")[0]
    wanted = _canonical(missing.partition(".")[0])
    for dist_name in packages_distributions().get(top_level, []):
        try:
            requirements = distribution(dist_name).requires or []
        except PackageNotFoundError:
            continue
        for line in requirements:
            name = _REQUIREMENT_NAME.match(line)
            extra = _EXTRA_MARKER.search(line)
            if name and extra and _canonical(name[0]) == wanted:
                return (
                    f"needs the {extra[1]!r} extra (pip install '{dist_name}[{extra[1]}]'): "
                    f"no module named {missing!r}"
                )
    return None


def looks_like_factory(target: Any) -> bool:
    if inspect.isclass(target):
        return True
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        return False
    if inspect.iscoroutinefunction(target):
        return False
    parameters = inspect.signature(target).parameters.values()
    return all(
        parameter.default is not inspect.Parameter.empty
        or parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        for parameter in parameters
    )


def is_async_callable(target: Any) -> bool:
    if inspect.iscoroutinefunction(target):
        return True
    call = getattr(target, "__call__", None)  # noqa: B004 - we need the method itself
    return call is not None and inspect.iscoroutinefunction(call)


def load_app(spec: str, kind: str, factory: bool | None) -> Any:
    """The app named by `spec`; `kind` ("wsgi" or "asgi") is checked against what it is."""
    target = import_object(spec)
    if factory is None:
        factory = looks_like_factory(target)
    if factory:
        try:
            target = target()
        except Exception as error:
            raise ImportStringError(
                f"{spec!r}: calling the factory failed: {type(error).__name__}: {error}"
            ) from error
    if not callable(target):
        raise ImportStringError(f"{spec!r} is a {type(target).__name__}, not an app")
    if kind == "wsgi" and is_async_callable(target):
        raise ImportStringError(f"{spec!r} is an ASGI app: declare it with 'asgi:'")
    if kind == "asgi" and not is_async_callable(target):
        raise ImportStringError(
            f"{spec!r} is not an ASGI app (calling it is not async); a WSGI app is "
            "declared with 'wsgi:'"
        )
    return target
