"""GET /api/v1/media/{key}: our own signed URLs, streamed from local disk or an S3 bucket, with
Range (206, Content-Range, 416)."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from PIL import Image

from socialhub import db
from socialhub.domain import media, users
from tests.api.conftest import Signup, bearer
from tests.support import images
from tests.support.seaweed import SeaweedS3

# Past a read chunk (64 KiB), so ranges and whole reads cross chunk boundaries.
BLOB = bytes(range(256)) * 1000


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


async def upload_avatar(client: httpx.AsyncClient, signup: Signup) -> tuple[dict[str, str], str]:
    tokens = await signup("alice")
    response = await client.put(
        "/api/v1/users/me/avatar",
        headers=bearer(tokens),
        files={"file": ("me.jpg", images.photo_with_exif(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    return tokens, str(response.json()["avatar_url"])


async def test_an_avatar_is_served_whole_and_by_range(
    client: httpx.AsyncClient, signup: Signup, media_backend: str
) -> None:
    _, url = await upload_avatar(client, signup)
    assert url.startswith("/api/v1/media/avatars/")
    whole = await client.get(url)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "image/webp"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert int(whole.headers["content-length"]) == len(whole.content)
    with Image.open(io.BytesIO(whole.content)) as image:
        assert image.size == (400, 400)
        assert not image.getexif()
    size = len(whole.content)
    for header, start, end in (
        ("bytes=0-9", 0, 10),
        (f"bytes=10-{size + 100}", 10, size),
        ("bytes=20-", 20, size),
        ("bytes=-16", size - 16, size),
    ):
        part = await client.get(url, headers={"Range": header})
        assert part.status_code == 206, header
        assert part.headers["content-range"] == f"bytes {start}-{end - 1}/{size}"
        assert part.content == whole.content[start:end]
    past = await client.get(url, headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{size}"
    assert error_code(past) == "range_not_satisfiable"


async def test_ranges_we_do_not_serve_get_the_whole_file(
    client: httpx.AsyncClient, signup: Signup, media_backend: str
) -> None:
    _, url = await upload_avatar(client, signup)
    whole = await client.get(url)
    for header in ("bytes=0-1,5-6", "items=0-9", "bytes=9-3", "bytes=x-", "bytes=-"):
        answer = await client.get(url, headers={"Range": header})
        assert (answer.status_code, answer.content) == (200, whole.content), header
    # A resumed download of a file that changed since gets it whole; of the same file, the part.
    stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert (stale.status_code, stale.content) == (200, whole.content)
    same = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": whole.headers["etag"]})
    assert (same.status_code, same.content) == (206, whole.content[:10])


async def test_a_large_file_streams_in_chunks(
    client: httpx.AsyncClient, media_backend: str
) -> None:
    media.get_storage().put("posts/1/big-1600.webp", BLOB)
    url = media.signed_url("posts/1/big-1600.webp")
    whole = await client.get(url)
    assert whole.status_code == 200
    assert whole.content == BLOB
    part = await client.get(url, headers={"Range": "bytes=65000-140000"})
    assert part.status_code == 206
    assert part.content == BLOB[65000:140001]


async def test_forged_expired_and_gone_urls_are_not_found(
    client: httpx.AsyncClient, signup: Signup, media_backend: str
) -> None:
    _, url = await upload_avatar(client, signup)
    key = url.split("?")[0].removeprefix("/api/v1/media/")
    other = url.replace("-400.webp", "-64.webp")
    expired = int(time.time()) - 1
    for bad in (
        other,
        f"/api/v1/media/{key}?exp={expired}&sig={media._signature(key, expired)}",
        "/api/v1/media/../../secret_key?exp=9999999999&sig=" + "0" * 32,
    ):
        answer = await client.get(bad)
        assert answer.status_code == 404, bad
    with db.transaction() as session:
        users.do_remove_avatar(session, users.access_user(session, "alice"))
    gone = await client.get(url)
    assert (gone.status_code, error_code(gone)) == (404, "media_not_found")
    assert not media.get_storage().exists(key)


@pytest.mark.s3
async def test_an_avatar_uploaded_with_s3_lives_in_the_bucket(
    client: httpx.AsyncClient, signup: Signup, s3_media: SeaweedS3
) -> None:
    _, url = await upload_avatar(client, signup)
    key = url.split("?")[0].removeprefix("/api/v1/media/")
    assert key in s3_media.object_keys()
    # Our URL, not the bucket's: no presigned S3 link ever reaches a client.
    assert "amz" not in url.lower()
    assert s3_media.endpoint_url not in url
    stored = s3_media.client.get_object(Bucket=s3_media.bucket, Key=key)["Body"].read()
    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == stored[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(stored)}"
