"""An uploaded image's processing: WebP renditions without metadata, and a placeholder.

The job (`backend_jobs/media.py`) takes the row with a conditional status change
(`received` -> `processing`, or a `processing` claim older than `CLAIM_LEASE`, left by a crash),
renders outside any transaction, stores the renditions under keys of their own
(`uploads/<id>/thumb.webp`, `medium.webp`, `large.webp`: writing them again writes the same
files), and records the result with a second conditional change (`processing` -> `ready` or
`failed`). Each change is pushed to the owner as a user event ("upload", "update"). So a job run
twice, or again after a crash half-way, ends in the same state.

Rendering decodes at most `media.MAX_IMAGE_PIXELS` (checked from the header, before a pixel is
decoded), applies the EXIF orientation, and fits each size's longest side, never upscaling, the
aspect kept. Re-encoding from the pixels (with `info` emptied) leaves no EXIF, GPS, XMP, ICC or
comment behind. An animated GIF or WebP stays animated at `medium` and `large` (every frame,
timings kept; scaled further so that all its frames together stay within the pixel bound); its
`thumb` is a still of the first frame. At most `get_settings().media_jobs_max` renders run at
once in a process.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import blurhash  # type: ignore[import-untyped]
import sqlalchemy as sa
from PIL import Image, ImageSequence, UnidentifiedImageError
from sqlmodel import Session, col

from socialhub.config import get_settings
from socialhub.domain import media
from socialhub.domain.errors import UnsupportedMedia
from socialhub.domain.uploads import upload_view
from socialhub.models.uploads import Upload, UploadKind, UploadStatus
from socialhub.realtime.events import publish_on_commit

# Name -> longest side, smallest first.
RENDITIONS: tuple[tuple[str, int], ...] = (("thumb", 320), ("medium", 1280), ("large", 2048))
# A `processing` claim older than this belongs to a job that died: another may take it over.
CLAIM_LEASE = timedelta(minutes=10)
# An animation with more frames, or whose frames together hold more pixels than this (decoded
# one at a time), is refused as `image_too_large`.
MAX_FRAMES = 500
MAX_ANIMATION_SOURCE_PIXELS = 4 * media.MAX_IMAGE_PIXELS
# What all the frames of one animated rendition may hold together (they are kept in memory to
# be encoded): a longer animation is scaled down further.
MAX_ANIMATION_PIXELS = media.MAX_IMAGE_PIXELS
WEBP_QUALITY = 82
# EXIF orientation -> the transpose that makes the picture upright (as `ImageOps.exif_transpose`).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageRefused(Exception):
    """The image cannot be processed; `code` is the upload's failure reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    animated: bool
    data: bytes


@dataclass(frozen=True)
class RenderedImage:
    width: int
    height: int
    # `#rrggbb`
    color: str
    blurhash: str
    # One per name of `RENDITIONS`; a size no bigger than the one before shares its file
    # (`file_of` says whose), so a small picture is stored once.
    renditions: list[Rendition]
    file_of: dict[str, str] = field(default_factory=dict)


# --- rendering ---

_semaphore: threading.BoundedSemaphore | None = None
_semaphore_size = 0
_semaphore_lock = threading.Lock()


def heavy_job_slot() -> threading.BoundedSemaphore:
    """The process-wide bound on renders running at once (`MEDIA_JOBS_MAX`)."""
    global _semaphore, _semaphore_size
    wanted = get_settings().media_jobs_max
    with _semaphore_lock:
        if _semaphore is None or _semaphore_size != wanted:
            _semaphore, _semaphore_size = threading.BoundedSemaphore(wanted), wanted
        return _semaphore


def _fit(size: tuple[int, int], side: int, extra: float = 1.0) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, side / max(width, height), extra)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _clean(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels, and nothing else: no EXIF, XMP, ICC profile or comment."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    clean = image.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}
    return clean


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    transpose = _UPRIGHT.get(orientation)
    return image.transpose(transpose) if transpose is not None else image


def _webp(image: Image.Image, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4, **options)
    return buffer.getvalue()


def _placeholder(still: Image.Image) -> tuple[str, str]:
    """The dominant colour (`#rrggbb`) and a blurhash, from a small copy (on white where clear)."""
    small = still.copy()
    small.thumbnail((64, 64), Image.Resampling.BILINEAR)
    if small.mode == "RGBA":
        backdrop = Image.new("RGB", small.size, (255, 255, 255))
        backdrop.paste(small, mask=small.getchannel("A"))
        small = backdrop
    palette = small.quantize(colors=5, method=Image.Quantize.MEDIANCUT)
    counts: list[tuple[int, Any]] = list(palette.getcolors() or [(1, 0)])
    index = int(max(counts)[1])
    rgb = (palette.getpalette() or [0, 0, 0])[index * 3 : index * 3 + 3]
    color = "#" + "".join(f"{value:02x}" for value in rgb)
    x, y = (4, 3) if small.width >= small.height else (3, 4)
    return color, str(blurhash.encode(small, x, y))


def render_image(data: bytes) -> RenderedImage:
    """Renditions and placeholder of an image upload; `ImageRefused` when it cannot be."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.format not in media.IMAGE_FORMATS:
                raise ImageRefused("corrupt_image")
            media.refuse_pixel_flood(source.size, field="file")
            frames = int(getattr(source, "n_frames", 1))
            if frames > 1 and (
                frames > MAX_FRAMES
                or frames * source.width * source.height > MAX_ANIMATION_SOURCE_PIXELS
            ):
                raise ImageRefused("image_too_large")
            raw_orientation = source.getexif().get(0x0112, 1)
            orientation = raw_orientation if isinstance(raw_orientation, int) else 1
            source.seek(0)
            still = _clean(_upright(source.copy(), orientation))
            animation = _animation(source, orientation) if frames > 1 else None
    except UnsupportedMedia as refused:
        raise ImageRefused(refused.code) from refused
    except Image.DecompressionBombError as exc:
        raise ImageRefused("image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused("corrupt_image") from exc
    color, hashed = _placeholder(still)
    renditions: list[Rendition] = []
    file_of: dict[str, str] = {}
    for name, side in RENDITIONS:
        moving = animation is not None and name != "thumb"
        if moving and animation is not None:
            images, durations, loop = animation
            budget = math.sqrt(MAX_ANIMATION_PIXELS / (len(images) * still.width * still.height))
            size = _fit(still.size, side, budget)
        else:
            size = _fit(still.size, side)
        shared = next(
            (r for r in renditions if ((r.width, r.height), r.animated) == (size, moving)), None
        )
        if shared is not None:
            file_of[name] = file_of[shared.name]
            renditions.append(Rendition(name, size[0], size[1], moving, b""))
            continue
        if moving and animation is not None:
            frames_out = [frame.resize(size, Image.Resampling.LANCZOS) for frame in images]
            blob = _webp(
                frames_out[0],
                save_all=True,
                append_images=frames_out[1:],
                duration=durations,
                loop=loop,
            )
        else:
            blob = _webp(
                still.resize(size, Image.Resampling.LANCZOS) if size != still.size else still
            )
        file_of[name] = name
        renditions.append(Rendition(name, size[0], size[1], moving, blob))
    return RenderedImage(
        width=still.width,
        height=still.height,
        color=color,
        blurhash=hashed,
        renditions=renditions,
        file_of=file_of,
    )


def _animation(source: Image.Image, orientation: int) -> tuple[list[Image.Image], list[int], int]:
    """Every frame (composited, upright, RGBA, no metadata), its duration (ms), the loop count."""
    images: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(source):
        durations.append(int(frame.info.get("duration", 100)) or 100)
        image = _upright(frame.convert("RGBA"), orientation)
        image.info = {}
        images.append(image)
    return images, durations, int(source.info.get("loop", 0))


def render_bounded(data: bytes) -> RenderedImage:
    """`render_image` within the process-wide bound on heavy jobs."""
    with heavy_job_slot():
        return render_image(data)


# --- the row ---


def rendition_key(upload_id: str, name: str) -> str:
    return f"uploads/{upload_id}/{name}.webp"


def _publish(session: Session, upload: Upload) -> None:
    publish_on_commit(
        session,
        type="upload",
        op="update",
        data=upload_view(upload).model_dump(mode="json"),
        users=[upload.owner_id],
    )


def _reload(session: Session, upload_id: str) -> Upload:
    upload = session.get(Upload, upload_id, populate_existing=True)
    assert upload is not None
    return upload


def do_claim(session: Session, upload_id: str, *, now: datetime) -> Upload | None:
    """Take an image upload for processing: `received`, or `processing` by a job whose claim
    expired. None when it is not there to take (done, taken, missing, not an image)."""
    taken = session.execute(
        sa.update(Upload)
        .where(
            col(Upload.id) == upload_id,
            col(Upload.kind) == UploadKind.image.value,
            sa.or_(
                col(Upload.status) == UploadStatus.received.value,
                sa.and_(
                    col(Upload.status) == UploadStatus.processing.value,
                    sa.or_(
                        col(Upload.claimed_at).is_(None),
                        col(Upload.claimed_at) < now - CLAIM_LEASE,
                    ),
                ),
            ),
        )
        .values(status=UploadStatus.processing.value, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    upload = _reload(session, upload_id)
    _publish(session, upload)
    return upload


def do_release(session: Session, upload_id: str) -> None:
    """Give a claim back (the job failed for a reason of ours, e.g. storage): received again."""
    session.execute(
        sa.update(Upload)
        .where(col(Upload.id) == upload_id, col(Upload.status) == UploadStatus.processing.value)
        .values(status=UploadStatus.received.value, claimed_at=None)
        .execution_options(synchronize_session=False)
    )


def _finish(session: Session, upload_id: str, values: dict[str, Any]) -> Upload | None:
    done = session.execute(
        sa.update(Upload)
        .where(col(Upload.id) == upload_id, col(Upload.status) == UploadStatus.processing.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return None
    upload = _reload(session, upload_id)
    _publish(session, upload)
    return upload


def do_record_ready(session: Session, upload_id: str, rendered: RenderedImage) -> Upload | None:
    """The renditions are stored: the upload is ready (None if no longer ours to finish)."""
    renditions = {
        r.name: {
            "key": rendition_key(upload_id, rendered.file_of[r.name]),
            "width": r.width,
            "height": r.height,
            "animated": r.animated,
        }
        for r in rendered.renditions
    }
    return _finish(
        session,
        upload_id,
        {
            "status": UploadStatus.ready.value,
            "failure_reason": "",
            "width": rendered.width,
            "height": rendered.height,
            "placeholder_color": rendered.color,
            "blurhash": rendered.blurhash,
            "renditions": renditions,
        },
    )


def do_record_failed(session: Session, upload_id: str, code: str) -> Upload | None:
    return _finish(
        session, upload_id, {"status": UploadStatus.failed.value, "failure_reason": code}
    )


def store_renditions(upload_id: str, rendered: RenderedImage) -> None:
    storage = media.get_storage()
    for rendition in rendered.renditions:
        if rendered.file_of[rendition.name] == rendition.name:
            storage.put(rendition_key(upload_id, rendition.name), rendition.data)


def drop_original(upload: Upload) -> None:
    """Once processed, the original goes unless the user sent it "as file"."""
    if upload.status in (UploadStatus.ready.value, UploadStatus.failed.value) and not (
        upload.keep_original
    ):
        media.get_storage().delete(upload.storage_key)


def stale_image_uploads(session: Session, *, now: datetime, limit: int = 100) -> list[str]:
    """Image uploads whose job was lost: received a while ago, or claimed by a job long gone."""
    rows = session.execute(
        sa.select(Upload.id)  # type: ignore[call-overload]
        .where(
            col(Upload.kind) == UploadKind.image.value,
            sa.or_(
                sa.and_(
                    col(Upload.status) == UploadStatus.received.value,
                    col(Upload.created_at) < now - timedelta(minutes=1),
                ),
                sa.and_(
                    col(Upload.status) == UploadStatus.processing.value,
                    col(Upload.claimed_at) < now - CLAIM_LEASE,
                ),
            ),
        )
        .order_by(col(Upload.created_at))
        .limit(limit)
    )
    return [str(upload_id) for (upload_id,) in rows]
