"""Media intake and storage: content sniffing, size limits, metadata stripping, signed URLs."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG
from typing import Any, BinaryIO, Protocol

import puremagic
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from socialhub.config import get_settings
from socialhub.domain.errors import InvalidInput, PayloadTooLarge, UnsupportedMedia
from socialhub.keys import KeyPurpose, derive_key
from socialhub.models.base import new_id

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_SNIFFED_IMAGE_MIMES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/x-png"}
# Far above any real photo, far below what a decompression bomb claims.
MAX_IMAGE_PIXELS = 50_000_000
AVATAR_SIZES = (400, 64)
# Post and story images: full view and feed/thumbnail, by longest side.
PICTURE_SIZES = (1600, 640)
# Keys are ours (`avatars/<id>/<version>-400.webp`): ASCII path segments, never `..` or a NUL.
MEDIA_KEY_PATTERN = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$"
MEDIA_KEY = re.compile(MEDIA_KEY_PATTERN)
SIGNATURE_PATTERN = r"^[0-9a-f]{32}$"


@dataclass(frozen=True)
class StoredObject:
    size: int
    # A strong validator, quoted as in an ETag header.
    etag: str
    modified: float


class Storage(Protocol):
    """Where media files live. Keys are ours (`MEDIA_KEY`); `end` in `read` is exclusive."""

    def put(self, key: str, data: bytes) -> None: ...
    def put_file(self, key: str, source: Path) -> None: ...
    def stat(self, key: str) -> StoredObject | None: ...
    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str, keep: set[str]) -> None: ...


def _check_key(key: str) -> str:
    if not MEDIA_KEY.fullmatch(key):
        raise InvalidInput("bad media key", field="key")
    return key


# What one read hands the response at a time: the file is never held whole in memory.
READ_CHUNK = 64 * 1024


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        _check_key(key)
        candidate = (self.root / key).resolve()
        if not candidate.is_relative_to(self.root.resolve()):
            raise InvalidInput("bad media key", field="key")
        return candidate

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)

    def put_file(self, key: str, source: Path) -> None:
        """Take the file `source` (it is moved: a rename on the same disk, never read whole)."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)

    def stat(self, key: str) -> StoredObject | None:
        try:
            result = self.path(key).stat()
        except FileNotFoundError:
            return None
        if not S_ISREG(result.st_mode):
            return None
        # The validator Starlette's FileResponse gives, so caches made before stay valid.
        base = f"{result.st_mtime}-{result.st_size}".encode()
        etag = f'"{hashlib.md5(base, usedforsecurity=False).hexdigest()}"'
        return StoredObject(size=result.st_size, etag=etag, modified=result.st_mtime)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes [start, end) in chunks; FileNotFoundError (raised now, not while
        iterating) when there is no such file."""
        file = self.path(key).open("rb")
        file.seek(start)
        return _file_chunks(file, None if end is None else end - start)

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str, keep: set[str]) -> None:
        folder = self.path(prefix)
        if not folder.is_dir():
            return
        for child in folder.iterdir():
            key = f"{prefix}/{child.name}"
            if key not in keep and not child.is_dir():
                child.unlink(missing_ok=True)


def _file_chunks(file: BinaryIO, remaining: int | None) -> Iterator[bytes]:
    with file:
        while remaining is None or remaining > 0:
            chunk = file.read(READ_CHUNK if remaining is None else min(READ_CHUNK, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


class S3Storage:
    """An S3-compatible bucket (AWS, SeaweedFS, MinIO, ...) through boto3.

    Objects stay private: the media route streams them to whoever holds our signed URL, so what a
    viewer may see is decided by us, never by a presigned bucket URL.
    """

    def __init__(self, client: Any, bucket: str) -> None:
        from botocore.exceptions import ClientError

        self.client = client
        self.bucket = bucket
        self._client_error: type[Exception] = ClientError

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=_check_key(key),
            Body=data,
            ContentType="image/webp" if key.endswith(".webp") else "application/octet-stream",
        )

    def put_file(self, key: str, source: Path) -> None:
        """Upload the file `source` in parts (boto3 streams it), then remove it."""
        self.client.upload_file(
            str(source),
            self.bucket,
            _check_key(key),
            ExtraArgs={"ContentType": "application/octet-stream"},
        )
        source.unlink(missing_ok=True)

    def stat(self, key: str) -> StoredObject | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=_check_key(key))
        except self._client_error as exc:
            if _s3_missing(exc):
                return None
            raise
        return StoredObject(
            size=int(head["ContentLength"]),
            etag=str(head["ETag"]),
            modified=head["LastModified"].timestamp(),
        )

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes [start, end) in chunks, fetched with one ranged GET; FileNotFoundError
        (raised now, not while iterating) when there is no such object."""
        _check_key(key)
        if end is not None and end <= start:
            return iter(())
        extra: dict[str, str] = {}
        if start or end is not None:
            extra["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key, **extra)
        except self._client_error as exc:
            if _s3_missing(exc):
                raise FileNotFoundError(key) from exc
            raise
        return _body_chunks(response["Body"])

    def get(self, key: str) -> bytes:
        return b"".join(self.read(key))

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_check_key(key))

    def delete_prefix(self, prefix: str, keep: set[str]) -> None:
        """Delete the objects directly under `prefix/` (not deeper, as on disk) but `keep`."""
        _check_key(prefix)
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{prefix}/", Delimiter="/"
        )
        doomed = [
            item["Key"]
            for page in pages
            for item in page.get("Contents", [])
            if item["Key"] not in keep
        ]
        # DeleteObjects takes at most 1,000 keys.
        for first in range(0, len(doomed), 1000):
            batch = [{"Key": key} for key in doomed[first : first + 1000]]
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
            if answer.get("Errors"):
                raise OSError(f"S3 refused to delete {answer['Errors'][0]}")


def _s3_missing(exc: Any) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def _body_chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(READ_CHUNK)
    finally:
        body.close()


@lru_cache(maxsize=4)
def _s3_storage(endpoint_url: str, bucket: str, access: str, secret: str, region: str) -> S3Storage:
    # Imported here: boto3 takes a while to import and a local-disk install never needs it.
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        aws_access_key_id=access or None,
        aws_secret_access_key=secret or None,
        region_name=region,
        config=Config(
            # Path-style addressing works on every S3-compatible server (no bucket subdomains).
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Checksums only where the S3 API demands them: not every compatible server
            # understands the newer ones boto3 sends by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    return S3Storage(client, bucket)


def get_storage() -> Storage:
    settings = get_settings()
    if settings.storage_backend == "s3":
        return _s3_storage(
            settings.s3_endpoint_url,
            settings.s3_bucket,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_region,
        )
    return LocalStorage(settings.media_dir)


def sniff_mime(data: bytes) -> str | None:
    """The MIME type the bytes really are, ignoring any name or client-sent type."""
    try:
        return str(puremagic.from_string(data, mime=True)) or None
    except puremagic.PureError:
        return None


def image_read_limit() -> int:
    """How many bytes of an upload to read: one past the limit, so a bigger file is refused
    (by `process_square_image`) without being read whole."""
    return get_settings().avatar_max_bytes + 1


def refuse_pixel_flood(size: tuple[int, int], *, field: str) -> None:
    """Refuse an image whose header claims more pixels than we ever decode.

    `Image.open` reads only the header, so this runs before a single pixel is decoded: a tiny
    PNG claiming 30000 x 30000 would otherwise cost gigabytes and seconds to load.
    """
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        raise UnsupportedMedia(
            "the image has too many pixels",
            code="image_too_large",
            details={"field": field, "max_pixels": MAX_IMAGE_PIXELS},
        )


@dataclass(frozen=True)
class ProcessedImage:
    sizes: dict[int, bytes]


def _decode_image(data: bytes, *, max_bytes: int, field: str) -> Image.Image:
    """Check an upload is a real, reasonably sized image and decode it, upright.

    Re-encoding from the decoded pixels (as every caller does) drops EXIF, GPS, ICC and comments;
    orientation is applied first so a phone photo does not come out sideways.
    """
    if not data:
        raise InvalidInput("the file is empty", field=field, code="empty_file")
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"the file is larger than {max_bytes // (1024 * 1024)} MB",
            details={"field": field, "max_bytes": max_bytes},
        )
    mime = sniff_mime(data)
    if mime not in _SNIFFED_IMAGE_MIMES:
        raise UnsupportedMedia(
            "only JPEG, PNG, WebP or GIF images are accepted",
            details={"field": field, "detected": mime},
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in IMAGE_FORMATS:
                raise UnsupportedMedia(
                    "only JPEG, PNG, WebP or GIF images are accepted",
                    details={"field": field, "detected": probe.format},
                )
            refuse_pixel_flood(probe.size, field=field)
            probe.seek(0)
            image = ImageOps.exif_transpose(probe.copy())
    except Image.DecompressionBombError as exc:
        raise UnsupportedMedia(
            "the image has too many pixels",
            code="image_too_large",
            details={"field": field, "max_pixels": MAX_IMAGE_PIXELS},
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnsupportedMedia(
            "the image could not be read", code="corrupt_image", details={"field": field}
        ) from exc
    return image.convert("RGBA") if image.mode in ("RGBA", "LA", "P") else image.convert("RGB")


def _webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=85, method=4)
    return buffer.getvalue()


def process_square_image(
    data: bytes, *, max_bytes: int, sizes: tuple[int, ...] = AVATAR_SIZES, field: str = "file"
) -> ProcessedImage:
    """An avatar or group picture: centre-cropped square WebPs with no metadata."""
    image = _decode_image(data, max_bytes=max_bytes, field=field)
    side = min(image.size)
    left = (image.width - side) // 2
    top = (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    return ProcessedImage(
        sizes={size: _webp(square.resize((size, size), Image.Resampling.LANCZOS)) for size in sizes}
    )


@dataclass(frozen=True)
class ProcessedPicture:
    width: int
    height: int
    # Longest side -> WebP bytes, never larger than the original.
    sizes: dict[int, bytes]


def process_picture(
    data: bytes, *, max_bytes: int, sizes: tuple[int, ...] = PICTURE_SIZES, field: str = "file"
) -> ProcessedPicture:
    """A post or story image: WebPs fitted within each size, aspect kept, no metadata."""
    image = _decode_image(data, max_bytes=max_bytes, field=field)
    out: dict[int, bytes] = {}
    for size in sizes:
        fitted = image.copy()
        fitted.thumbnail((size, size), Image.Resampling.LANCZOS)
        out[size] = _webp(fitted)
    return ProcessedPicture(width=image.width, height=image.height, sizes=out)


# An animation longer than this is refused: re-encoding costs CPU per frame.
MAX_FRAMES = 200


@dataclass(frozen=True)
class ProcessedEmoji:
    blob: bytes
    animated: bool
    # An animation's first frame (b"" when still), shown under prefers-reduced-motion.
    still: bytes = b""


def process_emoji(data: bytes, *, max_bytes: int, side: int, field: str = "file") -> ProcessedEmoji:
    """A custom emoji or sticker: fitted within `side` x `side`, re-encoded to WebP with no
    metadata; an animated GIF or WebP stays animated (every frame re-encoded, timings kept)."""
    still = _decode_image(data, max_bytes=max_bytes, field=field)
    still.thumbnail((side, side), Image.Resampling.LANCZOS)
    images: list[Image.Image] = []
    durations: list[int] = []
    try:
        with Image.open(io.BytesIO(data)) as source:
            frames = getattr(source, "n_frames", 1)
            if frames > MAX_FRAMES:
                raise UnsupportedMedia(
                    f"the animation has more than {MAX_FRAMES} frames",
                    code="too_many_frames",
                    details={"field": field, "max_frames": MAX_FRAMES},
                )
            if frames == 1:
                return ProcessedEmoji(_webp(still), animated=False)
            for frame in ImageSequence.Iterator(source):
                durations.append(int(frame.info.get("duration", 100)) or 100)
                fitted = frame.convert("RGBA")
                fitted.thumbnail((side, side), Image.Resampling.LANCZOS)
                images.append(fitted)
    except (OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedMedia(
            "the image could not be read", code="corrupt_image", details={"field": field}
        ) from exc
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="WEBP",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        quality=80,
        method=4,
    )
    return ProcessedEmoji(buffer.getvalue(), animated=True, still=_webp(still))


def store_picture(prefix: str, processed: ProcessedPicture) -> dict[str, Any]:
    """Store every size; the returned record (JSON-safe) is what a post or story keeps."""
    picture_id = new_id()
    storage = get_storage()
    for size, blob in processed.sizes.items():
        storage.put(f"{prefix}/{picture_id}-{size}.webp", blob)
    return {
        "prefix": prefix,
        "id": picture_id,
        "width": processed.width,
        "height": processed.height,
        "sizes": sorted(processed.sizes),
    }


def picture_url(record: dict[str, Any], size: int) -> str:
    """A signed URL of the stored size closest to `size` (from above when there is one)."""
    sizes: list[int] = record["sizes"]
    chosen = min((s for s in sizes if s >= size), default=max(sizes))
    return signed_url(f"{record['prefix']}/{record['id']}-{chosen}.webp")


def delete_picture(record: dict[str, Any]) -> None:
    storage = get_storage()
    for size in record["sizes"]:
        storage.delete(f"{record['prefix']}/{record['id']}-{size}.webp")


def square_image_key(prefix: str, version: str, size: int) -> str:
    return f"{prefix}/{version}-{size}.webp"


def store_square_image(prefix: str, processed: ProcessedImage) -> str:
    """Store every size of a processed picture under `prefix`; returns its new version."""
    version = new_id()[:16]
    storage = get_storage()
    for size, blob in processed.sizes.items():
        storage.put(square_image_key(prefix, version, size), blob)
    return version


def square_image_url(prefix: str, version: str | None, size: int) -> str | None:
    return signed_url(square_image_key(prefix, version, size)) if version else None


def _signature(key: str, expires: int) -> str:
    secret = derive_key(KeyPurpose.media_url)
    return hmac.new(secret, f"{key}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def signed_url(key: str, *, lifetime_seconds: int = 86_400) -> str:
    """A URL for a stored file that works until a day boundary at least `lifetime` away.

    Rounding the expiry keeps the URL stable for a while, so browsers can cache the file.
    """
    expires = (int(time.time()) // 86_400 + 1) * 86_400 + lifetime_seconds
    return f"/api/v1/media/{key}?exp={expires}&sig={_signature(key, expires)}"


def verify_signature(key: str, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    # As bytes: comparing str refuses anything outside ASCII with a TypeError.
    return hmac.compare_digest(_signature(key, expires).encode(), signature.encode())
