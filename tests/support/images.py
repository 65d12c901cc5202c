"""Real image files made on the fly for upload tests."""

from __future__ import annotations

import io

from PIL import Image


def photo_with_exif(fmt: str = "JPEG", size: tuple[int, int] = (800, 600)) -> bytes:
    """A picture carrying EXIF with a camera make and GPS position."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif)
    return buffer.getvalue()


def png(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (0, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (32, 32), 3).save(buffer, format="GIF")
    return buffer.getvalue()


def decompression_bomb() -> bytes:
    """A small PNG that claims 400 megapixels once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000), 0).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


SCRIPT_AS_PNG = b"#!/bin/sh\necho pwned\n<script>alert(1)</script>\n"
