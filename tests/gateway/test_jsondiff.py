"""The structural JSON diff, JSON paths, `ignore:` patterns and noise classification."""

from __future__ import annotations

import gzip
import json

import pytest

from gateway.comparison import Captured, compare, is_noise
from gateway.jsondiff import MISSING, diff_json, same_scalar
from gateway.jsonpaths import ANY_INDEX, IgnoreRules, parse_path, render


def places(primary: object, shadow: object) -> list[str]:
    return [render(d.path) for d in diff_json(primary, shadow)]


def test_objects_lists_and_scalars_are_compared_structurally() -> None:
    assert places({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}) == []  # key order: irrelevant
    assert places({"a": {"b": [1, {"c": "x"}]}}, {"a": {"b": [1, {"c": "y"}]}}) == ["$.a.b[1].c"]
    assert places({"a": 1}, {"a": 1, "extra": None}) == ["$.extra"]
    assert places([1, 2, 3], [1, 2]) == ["$[2]"]
    assert places({"a": [1]}, {"a": {"0": 1}}) == ["$.a"]  # a list is not an object
    assert places({"odd key": 1, "x.y": 2}, {"odd key": 2, "x.y": 3}) == [
        '$["odd key"]',
        '$["x.y"]',
    ]
    [missing] = diff_json({"a": 1}, {})
    assert missing.primary == 1 and missing.shadow is MISSING


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (1, 1.0, True),  # no JSON client tells them apart
        (True, 1, False),
        (False, 0, False),
        ("1", 1, False),
        (None, 0, False),
        (None, None, True),
        (0.1 + 0.2, 0.30000000000000004, True),
    ],
)
def test_scalars(a: object, b: object, same: bool) -> None:
    assert same_scalar(a, b) is same


def test_the_number_of_differences_is_bounded() -> None:
    assert len(diff_json(list(range(1000)), list(range(1, 1001)))) == 100


def test_paths_parse_and_render() -> None:
    assert parse_path("$.items[*].title") == ("items", ANY_INDEX, "title")
    assert parse_path('$["odd key"][3]') == ("odd key", 3)
    assert render(parse_path("$.a[2].b")) == "$.a[2].b"
    for bad in ("items.title", "$.", "$[x]", "$..a"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_ignore_rules_take_field_names_anywhere_and_paths_with_wildcards() -> None:
    rules = IgnoreRules(("query_time", "$.items[*].updated_at", "$.stats.*", "$.meta"))
    assert rules.matches(("query_time",))
    assert rules.matches(("page", "query_time", "ms"))  # under an ignored field
    assert rules.matches(("items", 4, "updated_at"))
    assert not rules.matches(("items", 4, "title"))
    assert not rules.matches(("other", 4, "updated_at"))
    assert rules.matches(("stats", "anything"))
    assert rules.matches(("meta", "generated", 0))  # everything under a path
    assert not rules.matches(("metadata",))


def response(body: object, status: int = 200, content_type: str = "application/json") -> Captured:
    captured = Captured("b", status, content_type, bytearray(json.dumps(body).encode()))
    captured.complete = True
    return captured


def test_noise_found_by_a_second_primary_call_is_set_apart() -> None:
    primary = response({"nonce": "a1", "items": [{"t": "x", "at": 1}, {"t": "y", "at": 2}]})
    second = response({"nonce": "b2", "items": [{"t": "x", "at": 3}, {"t": "y", "at": 4}]})
    shadow = response({"nonce": "c3", "items": [{"t": "X", "at": 5}, {"t": "y", "at": 6}]})
    result = compare(primary, shadow, second, IgnoreRules(), frozenset())
    assert result.outcome == "diff"
    assert result.learnt == {"$.nonce", "$.items[*].at"}
    assert [f.place for f in result.real] == ["$.items[0].t"]
    assert sorted(f.place for f in result.noisy) == ["$.items[0].at", "$.items[1].at", "$.nonce"]
    # Learnt noise is used later, without a second call.
    later = compare(primary, shadow, None, IgnoreRules(), frozenset(result.learnt))
    assert [f.place for f in later.real] == ["$.items[0].t"]
    assert is_noise("$.meta.x", frozenset({"$.meta"})) and not is_noise("$.metadata", {"$.meta"})


def test_status_media_type_and_non_json_bodies_are_compared() -> None:
    html = Captured("b", 404, "text/html", bytearray(b"<p>Not Found</p>"), complete=True)
    result = compare(response({"a": 1}), html, None, IgnoreRules(), frozenset())
    assert [f.place for f in result.real] == ["status", "content-type", "body"]
    text = Captured("b", 200, "text/plain", bytearray(b"same"), complete=True)
    assert compare(text, text, None, IgnoreRules(), frozenset()).outcome == "match"
    charset = response({"a": 1}, content_type="application/json; charset=utf-8")
    assert compare(response({"a": 1}), charset, None, IgnoreRules(), frozenset()).outcome == (
        "match"
    )
    head = compare(response({"a": 1}), response({"a": 2}), None, IgnoreRules(), frozenset(), False)
    assert head.outcome == "match"  # HEAD: bodies are not compared


def test_a_body_compressed_by_one_backend_only_is_compared_decompressed() -> None:
    document = {"videos": [{"id": 1, "title": "Army of Me"}]}
    plain = response(document)
    gzipped = response(document)
    gzipped.body = bytearray(gzip.compress(bytes(plain.body)))
    gzipped.content_encoding = "gzip"
    assert compare(gzipped, plain, None, IgnoreRules(), frozenset()).outcome == "match"
    changed = response({"videos": [{"id": 1, "title": "Hyperballad"}]})
    result = compare(gzipped, changed, None, IgnoreRules(), frozenset())
    assert [f.place for f in result.real] == ["$.videos[0].title"]
    assert json.loads(gzipped.summary()["body"]) == document
