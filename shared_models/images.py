"""Thumbnail rendering with bounded cost, shared by both apps and the thumbnail job.

Pillow reads only an image's header on open, so the size is known before any pixel is
decoded. A JPEG is then decoded at a reduced scale (`draft`, down to 1/8, close to the
box); whatever remains must fit MAX_DECODE_PIXELS and MAX_DECODED_BYTES, or the image is
refused (`ImageTooLarge`) without decoding. A small file that announces 9500x9500 pixels
(a "decompression bomb") costs a header read, not a gigabyte.
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps

# 40 megapixels: far above any poster or video frame, far below a bomb.
MAX_DECODE_PIXELS = 40_000_000
# RGBA at that size, plus the alpha: what one decoded image may hold in memory.
MAX_DECODED_BYTES = MAX_DECODE_PIXELS * 4
JPEG_QUALITY = 85


class UnusableImage(ValueError):
    """The file is not an image Pillow can read."""


class ImageTooLarge(UnusableImage):
    """The image would cost more to decode than the limits allow."""


def check_decode_cost(image: Image.Image) -> None:
    width, height = image.size
    pixels = width * height
    decoded = pixels * max(1, len(image.getbands()))
    if pixels > MAX_DECODE_PIXELS or decoded > MAX_DECODED_BYTES:
        raise ImageTooLarge(f"image of {width}x{height} pixels is too large to render")


def render_jpeg(original: Path, target: Path, box: tuple[int, int]) -> None:
    """Shrink `original` to fit `box` (aspect kept, never enlarged) as a progressive JPEG,
    written atomically. Raises ImageTooLarge or UnusableImage."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning becomes an error (its hard limit already is one).
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(original) as image:
                image.draft("RGB", box)  # JPEG: decode at a reduced scale (no-op otherwise)
                check_decode_cost(image)
                rgb = ImageOps.exif_transpose(image).convert("RGB")
        rgb.thumbnail(box, Image.Resampling.LANCZOS)
        rgb.save(temporary, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    except ImageTooLarge:
        temporary.unlink(missing_ok=True)
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        temporary.unlink(missing_ok=True)
        raise ImageTooLarge(str(error)) from None
    except (OSError, ValueError) as error:
        temporary.unlink(missing_ok=True)
        raise UnusableImage(str(error)) from None
    os.replace(temporary, target)
