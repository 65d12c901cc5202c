"""The upload intake: kinds and types sniffed from the bytes alone, the limits by kind enforced
while the bytes arrive, the quota, the rate, pixel floods refused from the header, names
cleaned; every refusal with its code and nothing left behind."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from socialhub.config import get_settings
from socialhub.db import read_session, transaction
from socialhub.domain import media, uploads
from socialhub.domain.errors import DomainError
from socialhub.models.uploads import Upload, UploadView
from tests.support import files, images
from tests.support.chat import load_user

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
CHUNK = 64 * 1024


def chunks(data: bytes, size: int = CHUNK) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def send(
    actor: int,
    body: Iterable[bytes],
    *,
    name: str | None = "file.bin",
    declared: int | None = None,
) -> UploadView:
    """An upload through the domain, as the API makes it: plan, stream, keep."""
    with transaction() as s:
        plan = uploads.check_start_upload(s, load_user(s, actor), declared)
    with uploads.Intake(plan) as intake:
        for chunk in body:
            intake.feed(chunk)
        received = intake.finish()
        with transaction() as s:
            return uploads.upload_view(
                uploads.check_create_upload(s, load_user(s, actor), received, name)
            )


def stored_files() -> list[Path]:
    root = get_settings().media_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload_rows() -> int:
    with read_session() as s:
        return int(s.exec(select(func.count()).select_from(Upload)).one())


@contextmanager
def refused(code: str) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The upload is refused with `code`, leaving no row and no file (not even a temporary one)."""
    rows, kept = upload_rows(), sorted(stored_files())
    with pytest.raises(DomainError) as caught:
        yield caught
    assert caught.value.code == code, caught.value
    assert upload_rows() == rows
    assert sorted(stored_files()) == kept


@pytest.mark.parametrize(
    ("data", "kind", "mime"),
    [
        (files.image("PNG"), "image", "image/png"),
        (files.image("JPEG"), "image", "image/jpeg"),
        (files.image("WEBP"), "image", "image/webp"),
        (files.image("GIF"), "image", "image/gif"),
        (files.mp4(), "video", "video/mp4"),
        (files.mp4(brand=b"qt  "), "video", "video/quicktime"),
        (files.webm(b"V_VP9"), "video", "video/webm"),
        (files.webm(b"A_OPUS"), "audio", "audio/webm"),
        (files.mp4(b"soun", b"iso5"), "audio", "audio/mp4"),
        (files.mp4(b"soun", b"M4A "), "audio", "audio/mp4"),
        (files.ogg_opus(), "audio", "audio/ogg"),
        (files.mp3(), "audio", "audio/mpeg"),
        (files.wav(), "audio", "audio/wav"),
        (files.pdf(), "document", "application/pdf"),
        (files.zip_file(), "file", "application/zip"),
        (files.TEXT, "file", "text/plain"),
        (files.image("TIFF"), "file", "image/tiff"),
        (files.mp4(brand=b"heic"), "file", "image/heic"),
    ],
    ids=[
        "png",
        "jpeg",
        "webp",
        "gif",
        "mp4",
        "mov",
        "webm-video",
        "webm-voice",
        "mp4-voice",
        "m4a",
        "ogg-opus",
        "mp3",
        "wav",
        "pdf",
        "zip",
        "text",
        "tiff",
        "heic",
    ],
)
def test_the_kind_and_type_come_from_the_bytes(data: bytes, kind: str, mime: str) -> None:
    sniffed = uploads.sniff(data, complete=True)
    assert (sniffed.kind, sniffed.mime) == (kind, mime)


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (files.SVG_WITH_SCRIPT, "image/svg+xml"),
        (files.HTML, "text/html"),
        (files.EXE, None),
        (files.ELF, None),
        (files.NOISE, None),
    ],
    ids=["svg-with-script", "html", "exe", "elf", "unknown-binary"],
)
def test_types_we_do_not_take_are_refused(
    database_url: str, make_user: Callable[..., int], data: bytes, detected: str | None
) -> None:
    alice = make_user("alice")
    with refused("unsupported_media") as caught:
        send(alice, chunks(data), name="holiday.jpg")
    if detected:
        assert caught.value.details["detected"] == detected


def test_an_upload_is_stored_whole_under_its_id(
    database_url: str, make_user: Callable[..., int], session: Session
) -> None:
    alice = make_user("alice")
    data = files.pdf() + b"%" * (3 * CHUNK)
    view = send(alice, chunks(data), name="Report 2026.pdf")
    assert (view.kind, view.mime, view.size, view.name) == (
        "document",
        "application/pdf",
        len(data),
        "Report 2026.pdf",
    )
    assert (view.status, view.failure_reason) == ("received", "")
    row = session.get(Upload, view.id)
    assert row is not None
    assert (row.owner_id, row.storage_key) == (alice, f"uploads/{view.id}/original")
    assert media.get_storage().path(row.storage_key).read_bytes() == data
    # Nothing else: the temporary file became the stored one.
    assert stored_files() == [media.get_storage().path(row.storage_key)]


def test_the_name_and_nothing_else_is_what_the_client_says(
    database_url: str, make_user: Callable[..., int]
) -> None:
    alice = make_user("alice")
    photo = send(alice, chunks(files.image("PNG")), name="invoice.pdf.exe")
    assert (photo.kind, photo.mime, photo.name) == ("image", "image/png", "invoice.pdf.exe")
    # A script named like a picture is the text it is, never an image.
    script = send(alice, chunks(images.SCRIPT_AS_PNG), name="cat.png")
    assert (script.kind, script.mime) == ("file", "text/plain")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\me\\Desktop\\photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("line\nbreak\x00.txt", "linebreak.txt"),
        ("  .hidden. ", "hidden"),
        ("", "file"),
        (None, "file"),
        ("/", "file"),
        ("a" * 300 + ".jpeg", "a" * 250 + ".jpeg"),
        ("b" * 300, "b" * 255),
        ("Cafe\u0301.txt", "Café.txt"),
    ],
)
def test_names_are_cleaned_and_bounded(raw: str | None, clean: str) -> None:
    assert uploads.clean_name(raw) == clean
    assert len(uploads.clean_name(raw)) <= uploads.NAME_MAX


def test_an_empty_file_is_refused(database_url: str, make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    with refused("empty_file"):
        send(alice, [])


def test_the_limit_of_the_kind_stops_the_reading(
    database_url: str, make_user: Callable[..., int], lower_limits: Callable[..., None]
) -> None:
    """The kind is known from the first 64 KB; the bytes past its limit are never read."""
    lower_limits(UPLOAD_MAX_IMAGE_BYTES=str(5 * CHUNK))
    alice = make_user("alice")
    pulled: list[int] = []

    def body() -> Iterator[bytes]:
        yield files.image("PNG").ljust(CHUNK, b"\x00")
        for _ in range(1000):  # 64 MB, if it were all read
            pulled.append(CHUNK)
            yield b"\x00" * CHUNK

    with refused("too_large") as caught:
        send(alice, body())
    assert caught.value.status == 413
    assert caught.value.details["max_bytes"] == 5 * CHUNK
    assert caught.value.details["kind"] == "image"
    assert sum(pulled) == 5 * CHUNK
    # A video of the same size is within the video limit.
    video = send(alice, chunks(files.mp4().ljust(6 * CHUNK, b"\x00")))
    assert (video.kind, video.size) == ("video", 6 * CHUNK)


def test_a_declared_size_over_the_limit_is_refused_before_reading(
    database_url: str, make_user: Callable[..., int], lower_limits: Callable[..., None]
) -> None:
    alice = make_user("alice")
    largest = uploads.largest_limit()
    with refused("too_large"):
        send(alice, [], declared=largest + 1)
    # Within the largest limit but over its kind's: refused once the head says it is an image.
    lower_limits(UPLOAD_MAX_IMAGE_BYTES=str(2 * CHUNK))
    pulled: list[int] = []

    def body() -> Iterator[bytes]:
        for chunk in chunks(files.image("PNG").ljust(10 * CHUNK, b"\x00")):
            pulled.append(len(chunk))
            yield chunk

    with refused("too_large"):
        send(alice, body(), declared=10 * CHUNK)
    assert sum(pulled) == CHUNK


def test_the_storage_quota_counts_every_upload_of_the_account(
    database_url: str, make_user: Callable[..., int], lower_limits: Callable[..., None]
) -> None:
    lower_limits(UPLOAD_QUOTA_BYTES=str(4 * CHUNK))
    alice, bob = make_user("alice"), make_user("bob")
    first = send(alice, chunks(files.zip_file().ljust(3 * CHUNK, b"\x00")))
    # Announced too big for what is left: refused before reading.
    with refused("quota_exceeded") as caught:
        send(alice, [], declared=2 * CHUNK)
    assert caught.value.status == 413
    assert caught.value.details == {"quota_bytes": 4 * CHUNK, "used_bytes": first.size}
    # Not announced: refused as soon as it passes what is left.
    with refused("quota_exceeded"):
        send(alice, chunks(files.TEXT.ljust(2 * CHUNK, b" ")))
    # What is left is still there, and the quota is the account's own.
    send(alice, chunks(files.TEXT))
    send(bob, chunks(files.zip_file().ljust(4 * CHUNK, b"\x00")))
    with refused("quota_exceeded"):
        send(bob, chunks(files.TEXT))


def test_two_uploads_racing_for_the_last_room_are_not_both_kept(
    database_url: str, make_user: Callable[..., int], lower_limits: Callable[..., None]
) -> None:
    lower_limits(UPLOAD_QUOTA_BYTES=str(3 * CHUNK))
    alice = make_user("alice")
    data = files.TEXT.ljust(2 * CHUNK, b" ")
    with transaction() as s:
        plans = [uploads.check_start_upload(s, load_user(s, alice), None) for _ in range(2)]
    with uploads.Intake(plans[0]) as one, uploads.Intake(plans[1]) as other:
        for intake in (one, other):
            for chunk in chunks(data):
                intake.feed(chunk)
        received = [one.finish(), other.finish()]
        with transaction() as s:
            uploads.check_create_upload(s, load_user(s, alice), received[0], "one.txt")
        with refused("quota_exceeded"), transaction() as s:
            uploads.check_create_upload(s, load_user(s, alice), received[1], "two.txt")
    assert upload_rows() == 1
    assert len(stored_files()) == 1


@SQLITE
def test_uploads_are_rate_limited_per_account(
    database_url: str, make_user: Callable[..., int], lower_limits: Callable[..., None]
) -> None:
    lower_limits(RATE_LIMIT_UPLOAD="2/minute")
    alice, bob = make_user("alice"), make_user("bob")
    send(alice, chunks(files.TEXT))
    send(alice, chunks(files.TEXT))
    with refused("rate_limited") as caught:
        send(alice, chunks(files.TEXT))
    assert caught.value.status == 429
    send(bob, chunks(files.TEXT))


@pytest.mark.parametrize(
    "size", [(30_000, 30_000), (8_000, 8_000)], ids=["beyond-pillow", "beyond-ours"]
)
def test_a_pixel_flood_is_refused_from_its_header(
    database_url: str, make_user: Callable[..., int], size: tuple[int, int]
) -> None:
    """A PNG of about 80 bytes claiming 900 (or 64) million pixels: decoding it would take
    gigabytes and seconds; refused from its header in far less."""
    alice = make_user("alice")
    flood = files.pixel_flood(*size)
    assert len(flood) < 100
    started = time.perf_counter()
    with refused("image_too_large") as caught:
        send(alice, [flood], name="small.png")
    assert time.perf_counter() - started < 1.0
    assert caught.value.status == 415
    assert caught.value.details["max_pixels"] == media.MAX_IMAGE_PIXELS


def test_a_broken_image_is_refused(database_url: str, make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    png = files.image("PNG")
    with refused("corrupt_image"):
        send(alice, [png[:8] + b"\x00" * 40])


def test_only_the_owner_sees_an_upload(database_url: str, make_user: Callable[..., int]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    view = send(alice, chunks(files.TEXT))
    with transaction() as s:
        assert uploads.upload_view(uploads.access_upload(s, load_user(s, alice), view.id)) == view
    for actor, upload_id in ((bob, view.id), (alice, "0" * 32)):
        with pytest.raises(DomainError) as caught, transaction() as s:
            uploads.access_upload(s, load_user(s, actor), upload_id)
        assert (caught.value.status, caught.value.code) == (404, "upload_not_found")


def test_long_text_is_text_even_when_its_head_ends_inside_a_character(
    database_url: str, make_user: Callable[..., int]
) -> None:
    alice = make_user("alice")
    euros = ("€" * 30_000).encode()  # 3 bytes each: the first 64 KB end inside one
    assert len(euros) > uploads.HEAD_BYTES
    assert uploads.HEAD_BYTES % 3
    view = send(alice, chunks(euros, 1000), name="prices.txt")
    assert (view.kind, view.mime, view.size) == ("file", "text/plain", len(euros))
