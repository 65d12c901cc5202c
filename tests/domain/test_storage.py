"""Media storage, the same on local disk and in an S3 bucket (a real SeaweedFS server)."""

from __future__ import annotations

import os

import pytest

from socialhub import config
from socialhub.domain import media
from socialhub.domain.errors import InvalidInput
from tests.support import images
from tests.support.seaweed import SeaweedS3

# Past one read chunk, so ranges cross chunk boundaries.
BLOB = bytes(range(256)) * 1000


def test_put_read_ranges_and_size(media_backend: str) -> None:
    storage = media.get_storage()
    assert type(storage) is (media.S3Storage if media_backend == "s3" else media.LocalStorage)
    storage.put("posts/7/abc-640.webp", BLOB)
    stored = storage.stat("posts/7/abc-640.webp")
    assert stored is not None
    assert stored.size == len(BLOB)
    assert stored.etag.startswith('"')
    assert storage.exists("posts/7/abc-640.webp")
    assert storage.get("posts/7/abc-640.webp") == BLOB
    assert b"".join(storage.read("posts/7/abc-640.webp")) == BLOB
    for start, end in ((0, 10), (65_530, 200_000), (255_990, 256_000), (100, None), (5, 5)):
        part = b"".join(storage.read("posts/7/abc-640.webp", start, end))
        assert part == BLOB[start:end]
    assert all(len(chunk) <= media.READ_CHUNK for chunk in storage.read("posts/7/abc-640.webp"))
    # Writing again replaces.
    storage.put("posts/7/abc-640.webp", b"new")
    assert storage.get("posts/7/abc-640.webp") == b"new"


def test_missing_objects(media_backend: str) -> None:
    storage = media.get_storage()
    assert storage.stat("posts/7/none.webp") is None
    assert not storage.exists("posts/7/none.webp")
    with pytest.raises(FileNotFoundError):
        storage.read("posts/7/none.webp")
    # Deleting what is not there is no error (a retried cleanup job).
    storage.delete("posts/7/none.webp")
    storage.delete_prefix("posts/nobody", keep=set())


def test_delete_and_delete_prefix_keeping_a_set(media_backend: str) -> None:
    storage = media.get_storage()
    for name in ("v1-400", "v1-64", "v2-400", "v2-64"):
        storage.put(f"avatars/9/{name}.webp", name.encode())
    storage.put("avatars/9/deeper/x.webp", b"x")
    storage.put("avatars/90/v1-400.webp", b"a neighbour sharing the prefix's first characters")
    storage.delete("avatars/9/v1-64.webp")
    assert not storage.exists("avatars/9/v1-64.webp")
    storage.delete_prefix("avatars/9", keep={"avatars/9/v2-400.webp", "avatars/9/v2-64.webp"})
    assert not storage.exists("avatars/9/v1-400.webp")
    assert storage.get("avatars/9/v2-400.webp") == b"v2-400"
    assert storage.get("avatars/9/v2-64.webp") == b"v2-64"
    # Only what lies directly under the prefix goes, as on disk.
    assert storage.exists("avatars/9/deeper/x.webp")
    assert storage.exists("avatars/90/v1-400.webp")
    storage.delete_prefix("avatars/9", keep=set())
    assert not storage.exists("avatars/9/v2-400.webp")


@pytest.mark.parametrize("key", ["../secret_key", "a/../../b", "/etc/passwd", "a//b", "a\x00b"])
def test_bad_keys_are_refused(media_backend: str, key: str) -> None:
    storage = media.get_storage()
    with pytest.raises(InvalidInput):
        storage.put(key, b"x")
    with pytest.raises(InvalidInput):
        storage.stat(key)
    with pytest.raises(InvalidInput):
        storage.read(key)
    with pytest.raises(InvalidInput):
        storage.delete(key)


@pytest.mark.s3
def test_s3_media_really_is_in_the_bucket(s3_media: SeaweedS3) -> None:
    processed = media.process_picture(
        images.photo_with_exif(size=(1000, 500)), max_bytes=10 * 1024 * 1024
    )
    record = media.store_picture("posts/3", processed)
    names = [f"posts/3/{record['id']}-{size}.webp" for size in record["sizes"]]
    assert s3_media.object_keys() == sorted(names)
    assert not config.get_settings().media_dir.exists()
    url = media.picture_url(record, 640)
    assert url.startswith("/api/v1/media/posts/3/")
    assert "amz" not in url.lower()
    media.delete_picture(record)
    assert s3_media.object_keys() == []


@pytest.mark.s3
def test_wrong_s3_credentials_fail_loudly(s3_media: SeaweedS3) -> None:
    os.environ["S3_SECRET_KEY"] = "not-the-secret"
    config.get_settings.cache_clear()
    storage = media.get_storage()
    with pytest.raises(Exception, match=r"SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId"):
        storage.put("posts/1/x.webp", b"x")
    with pytest.raises(Exception, match=r"403|Forbidden|SignatureDoesNotMatch|AccessDenied"):
        storage.stat("posts/1/x.webp")
