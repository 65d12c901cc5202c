"""POST /api/v1/uploads and GET /api/v1/uploads/{id}: the caller is known before a byte of the
body is read, the body is read no further than its limit, and each refusal has its code and
leaves nothing behind."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import func, select

from socialhub.api.app import create_api
from socialhub.config import get_settings
from socialhub.db import read_session
from socialhub.domain import media
from socialhub.models.uploads import Upload
from tests.api.conftest import Signup, bearer
from tests.support import files, images

URL = "/api/v1/uploads"
CHUNK = 64 * 1024
OCTETS = {"Content-Type": "application/octet-stream"}


class Body:
    """A request body that counts how much of it the server pulled."""

    def __init__(self, head: bytes, *, total: int) -> None:
        self.head = head
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        data = self.head.ljust(CHUNK, b"\x00")
        self.pulled += len(data)
        yield data
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b"\x00" * CHUNK


def leftovers() -> tuple[int, list[Path]]:
    """Rows in `uploads`, and files anywhere under the media directory (temporary ones too)."""
    with read_session() as s:
        rows = int(s.exec(select(func.count()).select_from(Upload)).one())
    root = get_settings().media_dir
    return rows, [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def test_an_upload_is_received_and_shown_to_its_owner_only(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice, bob = await signup("alice"), await signup("bob")
    data = files.pdf()
    made = await client.post(
        URL, params={"name": "Minutes.pdf"}, content=data, headers={**bearer(alice), **OCTETS}
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert {k: view[k] for k in ("kind", "mime", "size", "name", "status", "failure_reason")} == {
        "kind": "document",
        "mime": "application/pdf",
        "size": len(data),
        "name": "Minutes.pdf",
        "status": "received",
        "failure_reason": "",
    }
    mine = await client.get(f"{URL}/{view['id']}", headers=bearer(alice))
    assert mine.status_code == 200
    assert mine.json() == view
    for headers, upload_id in ((bearer(bob), view["id"]), (bearer(alice), "f" * 32)):
        missing = await client.get(f"{URL}/{upload_id}", headers=headers)
        assert error(missing) == (404, "upload_not_found")
    assert (await client.get(f"{URL}/{view['id']}")).status_code == 401


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, "not_authenticated"), ({"Authorization": "Bearer not-a-token"}, "invalid_token")],
    ids=["no-token", "bad-token"],
)
async def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(
    client: httpx.AsyncClient, headers: dict[str, str], code: str
) -> None:
    body = Body(files.image("PNG"), total=60 * 1024 * 1024)
    response = await client.post(URL, content=body, headers={**headers, **OCTETS})
    assert error(response) == (401, code)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert body.pulled == 0
    assert leftovers() == (0, [])


async def test_the_server_stops_reading_at_the_limit(
    client: httpx.AsyncClient, signup: Signup, lower_limits: Callable[..., None]
) -> None:
    """No Content-Length (a chunked body): read until the image limit is passed, no further."""
    lower_limits(UPLOAD_MAX_IMAGE_BYTES=str(1024 * 1024))
    alice = await signup("alice")
    body = Body(files.image("PNG"), total=50 * 1024 * 1024)
    response = await client.post(URL, content=body, headers={**bearer(alice), **OCTETS})
    assert error(response) == (413, "too_large")
    assert response.json()["error"]["details"]["max_bytes"] == 1024 * 1024
    assert body.pulled <= 1024 * 1024 + CHUNK
    assert leftovers() == (0, [])


async def test_a_content_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient, signup: Signup, lower_limits: Callable[..., None]
) -> None:
    alice = await signup("alice")
    over_all = Body(files.mp4(), total=200 * 1024 * 1024)
    headers = {**bearer(alice), **OCTETS, "Content-Length": str(over_all.total)}
    response = await client.post(URL, content=over_all, headers=headers)
    assert error(response) == (413, "too_large")
    assert over_all.pulled == 0
    # Under the largest limit, over the image limit: refused once the first bytes say "image".
    lower_limits(UPLOAD_MAX_IMAGE_BYTES=str(1024 * 1024))
    image = Body(files.image("PNG"), total=10 * 1024 * 1024)
    headers["Content-Length"] = str(image.total)
    response = await client.post(URL, content=image, headers=headers)
    assert error(response) == (413, "too_large")
    assert image.pulled == CHUNK
    assert leftovers() == (0, [])


async def test_sniffing_ignores_the_name_and_the_content_type(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice = await signup("alice")
    photo = await client.post(
        URL,
        params={"name": "setup.exe"},
        content=files.image("JPEG"),
        headers={**bearer(alice), "Content-Type": "text/html"},
    )
    assert photo.status_code == 201, photo.text
    assert (photo.json()["kind"], photo.json()["mime"]) == ("image", "image/jpeg")
    disguised = await client.post(
        URL,
        params={"name": "kitten.png"},
        content=files.SVG_WITH_SCRIPT,
        headers={**bearer(alice), "Content-Type": "image/png"},
    )
    assert error(disguised) == (415, "unsupported_media")
    assert leftovers()[0] == 1


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "empty_file"),
        (files.HTML, 415, "unsupported_media"),
        (files.NOISE, 415, "unsupported_media"),
        (files.pixel_flood(), 415, "image_too_large"),
    ],
    ids=["empty", "html", "unknown-binary", "pixel-flood"],
)
async def test_each_refusal_has_its_code_and_leaves_nothing(
    client: httpx.AsyncClient, signup: Signup, data: bytes, status: int, code: str
) -> None:
    alice = await signup("alice")
    response = await client.post(URL, content=data, headers={**bearer(alice), **OCTETS})
    assert error(response) == (status, code)
    assert leftovers() == (0, [])


async def test_the_quota_refuses_what_does_not_fit(
    client: httpx.AsyncClient, signup: Signup, lower_limits: Callable[..., None]
) -> None:
    lower_limits(UPLOAD_QUOTA_BYTES=str(3 * CHUNK))
    alice = await signup("alice")
    auth = {**bearer(alice), **OCTETS}
    kept = await client.post(URL, content=files.zip_file().ljust(2 * CHUNK, b"\x00"), headers=auth)
    assert kept.status_code == 201
    # Streamed without a length: cut off once past what is left.
    body = Body(files.TEXT.ljust(CHUNK, b" "), total=10 * CHUNK)
    response = await client.post(URL, content=body, headers=auth)
    assert error(response) == (413, "quota_exceeded")
    details: dict[str, Any] = response.json()["error"]["details"]
    assert details == {"quota_bytes": 3 * CHUNK, "used_bytes": 2 * CHUNK}
    assert body.pulled == 2 * CHUNK
    assert leftovers()[0] == 1
    assert len(leftovers()[1]) == 1


async def test_uploads_are_rate_limited(
    client: httpx.AsyncClient, signup: Signup, lower_limits: Callable[..., None]
) -> None:
    lower_limits(RATE_LIMIT_UPLOAD="1/minute")
    alice = await signup("alice")
    auth = {**bearer(alice), **OCTETS}
    assert (await client.post(URL, content=files.TEXT, headers=auth)).status_code == 201
    body = Body(files.TEXT.ljust(CHUNK, b" "), total=10 * CHUNK)
    limited = await client.post(URL, content=body, headers=auth)
    assert error(limited) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert body.pulled == 0


async def test_a_long_path_as_name_is_cut_to_its_file_name(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice = await signup("alice")
    name = "C:\\fakepath\\" + "x" * 400 + ".txt"
    response = await client.post(
        URL, params={"name": name}, content=files.TEXT, headers={**bearer(alice), **OCTETS}
    )
    assert response.status_code == 201
    assert response.json()["name"] == "x" * 251 + ".txt"
    too_long = await client.post(
        URL, params={"name": "y" * 2000}, content=files.TEXT, headers={**bearer(alice), **OCTETS}
    )
    assert too_long.status_code == 422


async def test_a_cancelled_upload_leaves_nothing(signup: Signup) -> None:
    """The client goes away halfway (a cancel button, a lost connection): the part received is
    removed and no upload is made."""
    alice = await signup("alice")
    app = create_api()
    parts = [files.image("PNG").ljust(CHUNK, b"\x00"), b"\x00" * CHUNK]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if parts:
            return {"type": "http.request", "body": parts.pop(0), "more_body": True}
        assert leftovers()[1], "the part received is on disk while the upload goes on"
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"name=half.png",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", bearer(alice)["Authorization"].encode()),
            (b"content-type", b"application/octet-stream"),
        ],
        "client": ("203.0.113.7", 5555),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert leftovers() == (0, [])


@pytest.mark.s3
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_upload_lands_in_the_s3_bucket_when_media_lives_there(
    client: httpx.AsyncClient, signup: Signup, s3_media: Any
) -> None:
    alice = await signup("alice")
    data = files.pdf()
    made = await client.post(
        URL, params={"name": "Minutes.pdf"}, content=data, headers={**bearer(alice), **OCTETS}
    )
    assert made.status_code == 201, made.text
    storage = media.get_storage()
    assert isinstance(storage, media.S3Storage)
    assert storage.get(f"uploads/{made.json()['id']}/original") == data
    # Nothing stays behind on the local disk (the received file went to the bucket).
    assert leftovers()[1] == []


async def test_a_processed_image_shows_its_renditions_and_they_serve(
    client: httpx.AsyncClient, signup: Signup, media_backend: str
) -> None:
    from backend_jobs import media as media_jobs

    alice = await signup("alice")
    photo = images.photo_with_exif(size=(1600, 900))
    made = await client.post(
        URL, params={"keep_original": "true"}, content=photo, headers={**bearer(alice), **OCTETS}
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert (view["status"], view["keep_original"], view["renditions"]) == ("received", True, {})
    assert media_jobs.run_image(view["id"]) == "ready"

    shown = (await client.get(f"{URL}/{view['id']}", headers=bearer(alice))).json()
    assert shown["status"] == "ready"
    assert (shown["width"], shown["height"]) == (1600, 900)
    assert shown["placeholder_color"].startswith("#")
    assert shown["blurhash"]
    sizes = {name: (r["width"], r["height"]) for name, r in shown["renditions"].items()}
    assert sizes == {"thumb": (320, 180), "medium": (1280, 720), "large": (1600, 900)}
    for rendition in shown["renditions"].values():
        served = await client.get(rendition["url"])
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.size == (rendition["width"], rendition["height"])
            assert "exif" not in image.info
        assert b"SpyCam" not in served.content
    # Sent as a file: the original is kept.
    assert media.get_storage().exists(f"uploads/{view['id']}/original")

    # Without keep_original, it goes once processed.
    other = await client.post(URL, content=photo, headers={**bearer(alice), **OCTETS})
    assert media_jobs.run_image(other.json()["id"]) == "ready"
    assert not media.get_storage().exists(f"uploads/{other.json()['id']}/original")


async def test_keep_original_is_a_documented_boolean(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    [param] = [
        p
        for p in schema["paths"]["/api/v1/uploads"]["post"]["parameters"]
        if p["name"] == "keep_original"
    ]
    assert param["in"] == "query"
    assert param["schema"]["type"] == "boolean"
    assert param["schema"]["default"] is False
    assert "send as file" in param["description"]
