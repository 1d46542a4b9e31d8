"""The shared renderer refuses an image that would cost too much to decode, before decoding
it, and still renders a large JPEG cheaply (draft mode decodes it at 1/8 scale)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from shared_models.images import MAX_DECODE_PIXELS, ImageTooLarge, render_jpeg
from tests.security.bombs import BOMB_SIDE, write_png_bomb


def test_a_small_png_announcing_90_megapixels_is_refused(tmp_path: Path) -> None:
    bomb = write_png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 300_000
    assert BOMB_SIDE * BOMB_SIDE > MAX_DECODE_PIXELS
    with pytest.raises(ImageTooLarge, match="pixels"):
        render_jpeg(bomb, tmp_path / "out.jpg", (320, 180))
    assert not list(tmp_path.glob("*.jpg")) and not list(tmp_path.glob(".*.tmp"))


def test_a_jpeg_beyond_the_pixel_limit_renders_through_draft_mode(tmp_path: Path) -> None:
    side = 6400  # 41 megapixels: over the limit at full scale, 800x800 at 1/8
    assert side * side > MAX_DECODE_PIXELS
    source = tmp_path / "large.jpg"
    Image.new("L", (side, side), 128).save(source, "JPEG", quality=50)
    render_jpeg(source, tmp_path / "out.jpg", (320, 180))
    with Image.open(tmp_path / "out.jpg") as thumbnail:
        assert thumbnail.size == (180, 180)


def test_the_same_pixels_as_png_are_refused(tmp_path: Path) -> None:
    source = write_png_bomb(tmp_path / "large.png", side=6400)
    with pytest.raises(ImageTooLarge):
        render_jpeg(source, tmp_path / "out.jpg", (320, 180))
