"""The image uploads' job on real images made here: WebP renditions sized right (never upscaled,
upright), with no metadata left (read back from the output), a placeholder, animations kept
animated, bad images failed with their reason, the original gone unless kept, the owner told
live, and a second run (or a run after a crash half-way) changing nothing."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from datetime import timedelta

import pytest
from PIL import Image, ImageCms
from sqlmodel import Session

from backend_jobs import media as media_jobs
from backend_jobs import tasks
from backend_jobs.queue import huey
from socialhub.config import get_settings
from socialhub.db import read_session, transaction
from socialhub.domain import media, upload_images, uploads
from socialhub.models.base import utcnow
from socialhub.models.uploads import Upload
from socialhub.realtime.hub import Event
from tests.support.chat import load_user

BLURHASH_CHARS = set(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
)


def upload(owner: int, data: bytes, *, keep_original: bool = False) -> str:
    """An upload through the domain, as the API makes it; its job is left on the queue."""
    with transaction() as s:
        plan = uploads.check_start_upload(s, load_user(s, owner), len(data))
    with uploads.Intake(plan) as intake:
        intake.feed(data)
        received = intake.finish()
        with transaction() as s:
            row = uploads.check_create_upload(
                s, load_user(s, owner), received, "picture", keep_original=keep_original
            )
            return row.id


def row(upload_id: str) -> Upload:
    with read_session() as s:
        found = s.get(Upload, upload_id)
        assert found is not None
        return found


def stored(upload_id: str) -> set[str]:
    folder = get_settings().media_dir / "uploads" / upload_id
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def webp_chunks(data: bytes) -> list[bytes]:
    """The RIFF chunk names of a WebP file (EXIF, XMP and ICCP are where metadata would be)."""
    assert (data[:4], data[8:12]) == (b"RIFF", b"WEBP")
    names, at = [], 12
    while at + 8 <= len(data):
        name, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        names.append(name)
        at += 8 + size + (size & 1)
    return names


def pixel(image: Image.Image, at: tuple[int, int]) -> tuple[int, int, int]:
    value = image.convert("RGB").getpixel(at)
    assert isinstance(value, tuple)
    return (int(value[0]), int(value[1]), int(value[2]))


def files_of(upload_id: str) -> dict[str, bytes]:
    folder = get_settings().media_dir / "uploads" / upload_id
    return {name: (folder / name).read_bytes() for name in stored(upload_id)}


def read_back(key: str) -> Image.Image:
    return Image.open(io.BytesIO(media.get_storage().get(key)))


def phone_photo(size: tuple[int, int]) -> bytes:
    """A JPEG as a phone writes it: stored sideways with EXIF orientation 6 (turn 90 degrees
    clockwise to view), camera make, GPS position and an ICC profile. Its stored left half is
    red, its right half blue: upright, red is on top."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPS IFD
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, icc_profile=icc, quality=90)
    return buffer.getvalue()


def animated_gif(size: tuple[int, int] = (400, 300)) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", size, colour) for colour in colours]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300]
    )
    return buffer.getvalue()


def test_the_consumer_registers_the_image_jobs() -> None:
    periodic = {task.name for task in tasks.huey.read_periodic(utcnow().replace(minute=0))}
    assert "sweep_image_uploads" in periodic


def test_a_phone_photo_gets_upright_renditions_without_metadata_and_its_original_goes(
    make_user: Callable[..., int], events: list[tuple[str, Event]]
) -> None:
    huey.flush()
    alice, bob = make_user("alice"), make_user("bob")
    data = phone_photo((2600, 1600))
    assert b"SpyCam" in data
    upload_id = upload(alice, data)
    # Enqueued once the row committed.
    [job] = huey.pending()
    assert job.args == (upload_id,)
    huey.flush()
    assert row(upload_id).status == "received"

    assert huey.execute(job) == "ready"

    done = row(upload_id)
    assert done.status == "ready"
    assert done.failure_reason == ""
    assert (done.width, done.height) == (1600, 2600)  # upright: portrait
    # Sizes by longest side, the aspect kept.
    expected = {"thumb": (197, 320), "medium": (788, 1280), "large": (1260, 2048)}
    assert {n: (r["width"], r["height"]) for n, r in done.renditions.items()} == expected
    assert stored(upload_id) == {"thumb.webp", "medium.webp", "large.webp"}  # original gone
    assert not media.get_storage().exists(uploads.upload_key(upload_id))
    for name, (width, height) in expected.items():
        key = done.renditions[name]["key"]
        assert key == f"uploads/{upload_id}/{name}.webp"
        blob = media.get_storage().get(key)
        assert b"SpyCam" not in blob
        assert not {b"EXIF", b"XMP ", b"ICCP"} & set(webp_chunks(blob))
        with read_back(key) as image:
            assert image.format == "WEBP"
            assert image.size == (width, height)
            assert not {"exif", "xmp", "icc_profile"} & set(image.info)
            assert len(image.getexif()) == 0
            top = pixel(image, (width // 2, height // 8))
            bottom = pixel(image, (width // 2, height * 7 // 8))
            assert (top[0] > 150, top[2] < 100) == (True, True)  # red on top
            assert (bottom[2] > 150, bottom[0] < 100) == (True, True)  # blue below
    # The placeholder: the dominant colour (half the picture is red, half blue: one of them),
    # and a blurhash of 3 x 4 components (portrait): 4 + 2 * 12 characters, the first saying
    # so ((3 - 1) + (4 - 1) * 9 = 29, "T" in base 83).
    red, green, blue = (int(done.placeholder_color[i : i + 2], 16) for i in (1, 3, 5))
    assert abs(red - blue) > 120
    assert green < 80
    assert len(done.blurhash) == 28
    assert set(done.blurhash) <= BLURHASH_CHARS
    assert done.blurhash[0] == "T"

    # The owner heard both changes, with the upload's view; nobody else did.
    mine = [e for key, e in events if key == f"user:{alice}" and e.get("type") == "upload"]
    assert [(e["op"], e["data"]["status"]) for e in mine] == [
        ("update", "processing"),
        ("update", "ready"),
    ]
    assert set(mine[-1]["data"]["renditions"]) == {"thumb", "medium", "large"}
    assert mine[-1]["data"]["renditions"]["thumb"]["url"].startswith(
        f"/api/v1/media/uploads/{upload_id}/thumb.webp?exp="
    )
    assert not [key for key, _e in events if key == f"user:{bob}"]


def test_a_small_png_is_never_upscaled_and_stored_once(make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    buffer = io.BytesIO()
    Image.new("RGBA", (100, 80), (0, 128, 0, 200)).save(buffer, format="PNG")
    upload_id = upload(alice, buffer.getvalue())
    assert media_jobs.run_image(upload_id) == "ready"
    done = row(upload_id)
    assert (done.width, done.height) == (100, 80)
    thumb_key = f"uploads/{upload_id}/thumb.webp"
    assert {
        n: (r["key"], r["width"], r["height"]) for n, r in done.renditions.items()
    } == dict.fromkeys(("thumb", "medium", "large"), (thumb_key, 100, 80))
    assert stored(upload_id) == {"thumb.webp"}
    with read_back(thumb_key) as image:
        assert image.size == (100, 80)
        assert image.mode == "RGBA"  # transparency kept


def test_an_animated_gif_stays_animated_and_its_thumbnail_is_a_still(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    upload_id = upload(alice, animated_gif())
    assert media_jobs.run_image(upload_id) == "ready"
    done = row(upload_id)
    assert {n: (r["width"], r["height"], r["animated"]) for n, r in done.renditions.items()} == {
        "thumb": (320, 240, False),
        "medium": (400, 300, True),
        "large": (400, 300, True),
    }
    assert done.renditions["large"]["key"] == done.renditions["medium"]["key"]
    assert stored(upload_id) == {"thumb.webp", "medium.webp"}
    with read_back(done.renditions["thumb"]["key"]) as still:
        assert getattr(still, "n_frames", 1) == 1
    with read_back(done.renditions["medium"]["key"]) as moving:
        assert moving.n_frames == 3
        seen = []
        for index in range(3):
            moving.seek(index)
            moving.load()
            seen.append((moving.info["duration"], pixel(moving, (200, 150))))
    assert [duration for duration, _ in seen] == [100, 200, 300]
    # Red, green, blue, each frame its own.
    assert [colour.index(max(colour)) for _, colour in seen] == [0, 1, 2]
    assert min(max(colour) for _, colour in seen) > 200


def test_a_corrupt_image_fails_with_its_reason_and_leaves_nothing(
    make_user: Callable[..., int], events: list[tuple[str, Event]]
) -> None:
    alice = make_user("alice")
    data = phone_photo((800, 600))
    # The header is whole (the intake takes it), the pixels are cut short.
    upload_id = upload(alice, data[: len(data) // 2])
    assert media_jobs.run_image(upload_id) == "failed"
    failed = row(upload_id)
    assert (failed.status, failed.failure_reason, failed.renditions) == (
        "failed",
        "corrupt_image",
        {},
    )
    assert stored(upload_id) == set()
    last = [e for key, e in events if key == f"user:{alice}"][-1]
    assert last["data"]["status"] == "failed"
    assert last["data"]["failure_reason"] == "corrupt_image"
    # Done: another run changes nothing.
    assert media_jobs.run_image(upload_id) == "skipped"
    assert row(upload_id).status == "failed"


def test_an_animation_over_the_bounds_fails_as_too_large(
    make_user: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_user("alice")
    upload_id = upload(alice, animated_gif())
    # Three frames, where at most two are taken (the bound lowered for the test).
    monkeypatch.setattr(upload_images, "MAX_FRAMES", 2)
    assert media_jobs.run_image(upload_id) == "failed"
    assert row(upload_id).failure_reason == "image_too_large"


def test_running_twice_or_after_a_crash_ends_the_same(
    make_user: Callable[..., int], session: Session
) -> None:
    alice = make_user("alice")
    kept = upload(alice, phone_photo((1000, 700)), keep_original=True)
    # A job took it and died half-way: its claim holds until the lease runs out.
    with transaction() as s:
        assert upload_images.do_claim(s, kept, now=utcnow()) is not None
    assert media_jobs.run_image(kept) == "skipped"
    assert row(kept).status == "processing"
    with transaction() as s:
        s.get(Upload, kept).claimed_at = utcnow() - upload_images.CLAIM_LEASE - timedelta(seconds=1)  # type: ignore[union-attr]
    # The sweep finds it (and would enqueue its job); the next run takes it over.
    with read_session() as s:
        assert kept in upload_images.stale_image_uploads(s, now=utcnow())
    assert media_jobs.run_image(kept) == "ready"
    first = row(kept)
    files = files_of(kept)
    # Sent as a file: the original stays beside the renditions (700 x 1000: `large` is
    # `medium`'s file).
    assert set(files) == {"original", "thumb.webp", "medium.webp"}

    assert media_jobs.run_image(kept) == "skipped"
    again = row(kept)
    assert again.model_dump() == first.model_dump()
    assert files_of(kept) == files
    with read_session() as s:
        assert kept not in upload_images.stale_image_uploads(s, now=utcnow())


def test_a_crash_after_the_last_commit_still_drops_the_original(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    upload_id = upload(alice, phone_photo((500, 400)))
    original = get_settings().media_dir / uploads.upload_key(upload_id)
    saved = original.read_bytes()
    assert media_jobs.run_image(upload_id) == "ready"
    assert not original.exists()
    # As if the worker died between the commit and the delete.
    original.write_bytes(saved)
    assert media_jobs.run_image(upload_id) == "skipped"
    assert not original.exists()


def test_a_new_setting_bounds_the_renders_at_once(lower_limits: Callable[..., None]) -> None:
    lower_limits(MEDIA_JOBS_MAX="1")
    slot = upload_images.heavy_job_slot()
    assert slot.acquire(blocking=False)
    try:
        assert not upload_images.heavy_job_slot().acquire(blocking=False)
    finally:
        slot.release()
    lower_limits(MEDIA_JOBS_MAX="3")
    assert upload_images.heavy_job_slot()._value == 3  # type: ignore[attr-defined]
