"""Post and story pictures: aspect kept, sizes fitted, metadata gone, bad files refused."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from socialhub.domain import media
from socialhub.domain.errors import UnsupportedMedia
from tests.support import files, images

LIMIT = 10 * 1024 * 1024


def test_a_picture_keeps_its_aspect_and_loses_its_metadata(media_backend: str) -> None:
    processed = media.process_picture(images.photo_with_exif(size=(2000, 1000)), max_bytes=LIMIT)
    assert (processed.width, processed.height) == (2000, 1000)
    record = media.store_picture("posts/test", processed)
    storage = media.get_storage()
    for size, expected in ((1600, (1600, 800)), (640, (640, 320))):
        stored = storage.get(f"posts/test/{record['id']}-{size}.webp")
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "WEBP"
            assert image.size == expected
            assert not image.getexif()
    assert media.picture_url(record, 500).startswith(f"/api/v1/media/posts/test/{record['id']}-640")
    assert "-1600.webp" in media.picture_url(record, 1000)
    media.delete_picture(record)
    assert not storage.exists(f"posts/test/{record['id']}-640.webp")


def test_a_small_picture_is_never_enlarged(database_url: str) -> None:
    processed = media.process_picture(images.png(size=(300, 500)), max_bytes=LIMIT)
    for blob in processed.sizes.values():
        with Image.open(io.BytesIO(blob)) as image:
            assert image.size == (300, 500)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (images.SCRIPT_AS_PNG, "unsupported_media"),
        (images.decompression_bomb(), "image_too_large"),
        (files.pixel_flood(30_000, 30_000), "image_too_large"),
        (files.pixel_flood(8_000, 8_000), "image_too_large"),
    ],
    ids=["script", "bomb", "pixel-flood", "pixel-flood-under-pillows-bound"],
)
def test_bad_pictures_are_refused(database_url: str, data: bytes, code: str) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        media.process_picture(data, max_bytes=LIMIT)
    assert caught.value.code == code


def test_a_pixel_flood_costs_no_decoding(database_url: str) -> None:
    """A PNG of about 80 bytes claiming 64 million pixels (under Pillow's own bomb bound, over
    ours): refused from its header, long before decoding would have finished."""
    started = time.perf_counter()
    for process in (media.process_picture, media.process_square_image):
        with pytest.raises(UnsupportedMedia) as caught:
            process(files.pixel_flood(8_000, 8_000), max_bytes=LIMIT)
        assert caught.value.code == "image_too_large"
    assert time.perf_counter() - started < 1.0
