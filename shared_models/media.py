"""Media paths: every file either app reads or writes stays under MEDIA_ROOT."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path


class UnsafePathError(ValueError):
    """A path that would leave the media root (`..`, an absolute path elsewhere, a symlink out)."""


def confine(media_root: Path, candidate: str | Path) -> Path:
    """Resolve `candidate` (relative to the root, or absolute inside it) and refuse escapes.

    A NUL (no file name holds one) or a backslash (a Windows separator, `..\\..` on another
    system) is refused outright; symlinks are followed before the check."""
    if "\x00" in str(candidate) or "\\" in str(candidate):
        raise UnsafePathError("path holds a NUL or a backslash")
    root = media_root.resolve()
    path = Path(candidate)
    resolved = (path if path.is_absolute() else root / path).resolve()
    if resolved != root and root not in resolved.parents:
        raise UnsafePathError(f"path {str(candidate)!r} is outside the media root")
    return resolved


_UNSAFE_CHARACTERS = re.compile(r"[^\w\s().,&'+-]")
_WHITESPACE = re.compile(r"\s+")


def safe_filename(name: str, fallback: str = "untitled", max_length: int = 120) -> str:
    """A file or folder name built from user/upstream text: no separators, no dot-files."""
    normalized = unicodedata.normalize("NFKC", name)
    cleaned = _UNSAFE_CHARACTERS.sub("_", normalized)
    cleaned = _WHITESPACE.sub(" ", cleaned).strip(" ._")
    return cleaned[:max_length].rstrip(" ._") or fallback
