"""Field rules for JSON request bodies, shared by both apps: each checks and converts one
value, with the contract's 400 messages.

Errors come one at a time, in a fixed order clients can rely on: unknown fields first,
then missing required fields, then the first bad value in the order the rules are listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from shared_models.json_rules import BadInput, is_valid_id
from shared_models.url_safety import UnsafeUrlError, url_host

# A rule takes (field name, raw value) and returns the converted value or raises BadInput.
Rule = Callable[[str, Any], Any]


def validate(
    body: Mapping[str, Any], rules: Mapping[str, Rule], required: Iterable[str] = ()
) -> dict[str, Any]:
    """Check `body` against `rules`; the result holds only the fields the body gave."""
    for name in body:
        if name not in rules:
            raise BadInput(400, f"unknown field '{name}'")
    for name in required:
        if body.get(name) is None:
            raise BadInput(400, f"{name} is required")
    return {name: rule(name, body[name]) for name, rule in rules.items() if name in body}


def text(max_length: int = 255, *, nullable: bool = False) -> Rule:
    """A string (trimmed); empty means null where null is allowed."""

    def rule(name: str, value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise BadInput(400, f"{name} must be a string")
        value = value.strip()
        if not value:
            if nullable:
                return None
            raise BadInput(400, f"{name} must not be empty")
        if len(value) > max_length:
            raise BadInput(400, f"{name} must be at most {max_length} characters")
        return value

    return rule


def integer(minimum: int, maximum: int, *, nullable: bool = False) -> Rule:
    def rule(name: str, value: Any) -> int | None:
        if value is None and nullable:
            return None
        # bool is an int subclass in Python; `true` is not a year.
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadInput(400, f"{name} must be an integer")
        if not minimum <= value <= maximum:
            raise BadInput(400, f"{name} must be an integer between {minimum} and {maximum}")
        return value

    return rule


def boolean() -> Rule:
    def rule(name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise BadInput(400, f"{name} must be true or false")
        return value

    return rule


def string_list(max_items: int = 50, max_length: int = 100) -> Rule:
    """A list of non-empty strings, trimmed, duplicates dropped (order kept)."""

    def rule(name: str, value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > max_items:
            raise BadInput(400, f"{name} must be a list of at most {max_items} strings")
        items: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip() or len(item) > max_length:
                raise BadInput(400, f"{name} must be a list of at most {max_items} strings")
            if item.strip() not in items:
                items.append(item.strip())
        return items

    return rule


def id_list(max_items: int = 1000) -> Rule:
    """A non-empty list of positive integer ids, as given (duplicates kept)."""

    def rule(name: str, value: Any) -> list[int]:
        if (
            not isinstance(value, list)
            or not value
            or len(value) > max_items
            or not all(isinstance(item, int) and not isinstance(item, bool) for item in value)
            or not all(is_valid_id(item) for item in value)
        ):
            raise BadInput(400, f"{name} must be a non-empty list of integer ids")
        return list(value)

    return rule


def identifier(max_length: int = 64) -> Rule:
    """An upstream id (IMVDb, MusicBrainz): a string or an integer, stored as text."""

    def rule(name: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value.strip()) > max_length:
            raise BadInput(400, f"{name} must be a string or an integer")
        return value.strip() or None

    return rule


def http_url(max_length: int = 500) -> Rule:
    """An http(s) URL every URL parser reads alike (shared_models.url_safety.url_host)."""

    def rule(name: str, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise BadInput(400, f"{name} must be an http or https URL")
        try:
            url_host(value.strip())
        except UnsafeUrlError:
            raise BadInput(400, f"{name} must be an http or https URL") from None
        return value.strip()

    return rule


def passthrough() -> Rule:
    """Any JSON value, unchanged: for fields whose check depends on more than the value."""
    return lambda _name, value: value


def one_of(choices: Mapping[str, Any]) -> Rule:
    """A lower-case word from `choices` (given in any case), mapped to its value."""

    def rule(name: str, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in choices:
            return choices[value.strip().lower()]
        raise BadInput(400, f"invalid {name} '{value}'")

    return rule
