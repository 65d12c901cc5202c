"""File uploads (photos, videos, voice notes, documents, other files): the intake.

An upload is refused as early as it can be, and costs nothing once refused:
1. before its body is read (the caller is authenticated first, by the API): a declared size
   over the largest limit, a full storage quota, the account's upload rate;
2. while its body arrives (`Intake.feed`, into a temporary file, never held in memory): as soon
   as it passes its kind's limit or what is left of the quota;
3. once it is complete (`Intake.finish`): an empty file, a type we do not take, an image whose
   header claims too many pixels.
The kind and MIME type come from the bytes alone (the first `HEAD_BYTES`), never from the
name or the client's Content-Type. A refused upload leaves no row and no file behind.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import puremagic
import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from sqlmodel import Session, select

from socialhub.config import get_settings
from socialhub.db import on_commit
from socialhub.domain import media, ratelimit
from socialhub.domain.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMedia
from socialhub.models import User
from socialhub.models.base import new_id
from socialhub.models.uploads import (
    RenditionView,
    Upload,
    UploadKind,
    UploadStatus,
    UploadView,
)

# How much of the start of a file decides its type (and so its size limit).
HEAD_BYTES = 64 * 1024
NAME_MAX = 255
# What a client may send as a name: a whole path is fine, we keep its last part.
NAME_INPUT_MAX = 1024
FIELD = "file"

# The types we take, by sniffed MIME type. Anything else, and active content above all (HTML,
# SVG, XML, which a browser could run if it were ever shown inline), is `unsupported_media`.
_KINDS: dict[str, UploadKind] = {
    **dict.fromkeys(("image/jpeg", "image/png", "image/webp", "image/gif"), UploadKind.image),
    **dict.fromkeys(
        ("video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/ogg"),
        UploadKind.video,
    ),
    **dict.fromkeys(
        (
            "audio/mp4",
            "audio/mpeg",
            "audio/ogg",
            "audio/webm",
            "audio/x-matroska",
            "audio/wav",
            "audio/flac",
            "audio/aac",
        ),
        UploadKind.audio,
    ),
    "application/pdf": UploadKind.document,
    **dict.fromkeys(
        (
            "text/plain",
            "application/json",
            "application/zip",
            "application/gzip",
            "application/x-7z-compressed",
            "application/x-tar",
            "application/vnd.rar",
            "application/x-bzip2",
            "application/x-xz",
            "application/rtf",
            "application/epub+zip",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.oasis.opendocument.presentation",
            # Pictures our image pipeline does not decode: kept and offered as downloads.
            "image/tiff",
            "image/bmp",
            "image/heic",
            "image/heif",
            "image/avif",
        ),
        UploadKind.file,
    ),
}
# puremagic's names for the same types, and the types it knows only by extension.
_ALIASES = {
    "image/x-png": "image/png",
    "image/x-ms-bmp": "image/bmp",
    "application/x-gzip": "application/gzip",
    "application/x-rar-compressed": "application/vnd.rar",
    "application/x-rar": "application/vnd.rar",
    "audio/wave": "audio/wav",
    "audio/x-wav": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-flac": "audio/flac",
    "audio/x-m4a": "audio/mp4",
    "audio/x-aac": "audio/aac",
    "application/x-matroska": "video/x-matroska",
    "application/ogg": "video/ogg",
    "audio/x-ogg": "video/ogg",
    "text/rtf": "application/rtf",
}
_BY_EXTENSION = {
    ".m4a": "audio/mp4",
    ".mkv": "video/x-matroska",
    ".oga": "video/ogg",
    ".ogg": "video/ogg",
    ".ogv": "video/ogg",
    ".opus": "video/ogg",
    ".heic": "image/heic",
}
# Never taken, whatever else the bytes could also be.
_ACTIVE = {"text/html", "image/svg+xml", "application/xhtml+xml", "application/xml", "text/xml"}
_MP4_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B ")


def kind_limit(kind: UploadKind) -> int:
    settings = get_settings()
    return {
        UploadKind.image: settings.upload_max_image_bytes,
        UploadKind.video: settings.upload_max_video_bytes,
        UploadKind.audio: settings.upload_max_audio_bytes,
        UploadKind.document: settings.upload_max_document_bytes,
        UploadKind.file: settings.upload_max_file_bytes,
    }[kind]


def largest_limit() -> int:
    return max(kind_limit(kind) for kind in UploadKind)


def _too_large(limit: int, kind: UploadKind | None) -> PayloadTooLarge:
    what = f"{kind.value} " if kind else ""
    return PayloadTooLarge(
        f"the {what}file is larger than {limit // (1024 * 1024)} MB",
        details={"field": FIELD, "max_bytes": limit, **({"kind": kind.value} if kind else {})},
    )


def _quota_exceeded(quota: int, used: int) -> PayloadTooLarge:
    left = max(0, quota - used) // (1024 * 1024)
    return PayloadTooLarge(
        f"this file does not fit in your storage ({left} MB left of {quota // (1024 * 1024)} MB)",
        code="quota_exceeded",
        details={"quota_bytes": quota, "used_bytes": used},
    )


# --- sniffing ---


@dataclass(frozen=True)
class Sniffed:
    kind: UploadKind
    mime: str


def _classify(mime: str, head: bytes) -> Sniffed:
    """The kind of a type we take. Containers that hold audio or video (a voice note recorded
    by a browser is WebM/Opus or MP4/AAC, like a video) are told apart by the tracks the start
    of the file declares; the processing job probes the whole file later."""
    if mime in ("video/mp4", "video/quicktime"):
        video = re.search(rb"hdlr.{8}vide", head, re.DOTALL) is not None
        sound = re.search(rb"hdlr.{8}soun", head, re.DOTALL) is not None
        if not video and (sound or head[8:12] in _MP4_AUDIO_BRANDS):
            return Sniffed(UploadKind.audio, "audio/mp4")
        return Sniffed(UploadKind.video, mime)
    if mime in ("video/webm", "video/x-matroska"):
        # A track's CodecID element (0x86, a one-byte size, then `V_VP9`, `A_OPUS`, ...).
        video = re.search(rb"\x86[\x81-\xfe]V_", head) is not None
        sound = re.search(rb"\x86[\x81-\xfe]A_", head) is not None
        if sound and not video:
            return Sniffed(UploadKind.audio, mime.replace("video/", "audio/"))
        return Sniffed(UploadKind.video, mime)
    if mime == "video/ogg":
        if b"\x80theora" in head:
            return Sniffed(UploadKind.video, mime)
        return Sniffed(UploadKind.audio, "audio/ogg")
    return Sniffed(_KINDS[mime], mime)


def _is_text(head: bytes, *, complete: bool) -> bool:
    """UTF-8 text without control characters (tabs and line breaks aside)."""
    # Unless it is the whole file, the head may end inside a character.
    for cut in (0,) if complete else (0, 1, 2, 3):
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text)
    return False


def _iso_media(head: bytes) -> str | None:
    """The type of an ISO base media file (`ftyp` first: MP4, QuickTime, 3GP, HEIC, AVIF), by its
    major brand; puremagic knows only some brands."""
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
        return "image/heic"
    if brand in (b"avif", b"avis"):
        return "image/avif"
    if brand == b"qt  ":
        return "video/quicktime"
    return "video/mp4"


_ZIP_FLAVOURS = (
    (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)


def _zip_flavour(head: bytes) -> str | None:
    """What a zip is (an office document, an e-book, or just a zip), from its first entries."""
    if not head.startswith(b"PK\x03\x04"):
        return None
    if head[30:38] == b"mimetype":
        declared = re.match(rb"application/[a-z0-9.+-]{1,80}", head[38:])
        if declared and declared.group().decode() in _KINDS:
            return declared.group().decode()
    if b"[Content_Types].xml" in head:
        for folder, mime in _ZIP_FLAVOURS:
            if folder in head:
                return mime
    return "application/zip"


def sniff(head: bytes, *, complete: bool) -> Sniffed:
    """What the first bytes of a file are (`complete`: they are the whole file).

    Decided by puremagic's best match, or as plain text when nothing matches; refused
    (`unsupported_media`) when the best match is a type we do not take, or when any match is
    active content: a file that is both an SVG and something else is an SVG.
    """
    if not head:
        raise InvalidInput("the file is empty", field=FIELD, code="empty_file")
    container = _iso_media(head) or _zip_flavour(head)
    if container is not None:
        if container not in _KINDS:
            raise _unsupported(container)
        return _classify(container, head)
    try:
        matches = list(puremagic.magic_string(head))
    except (puremagic.PureError, ValueError):
        matches = []
    names = [_ALIASES.get(m.mime_type, m.mime_type) for m in matches]
    if _ACTIVE & set(names):
        raise _unsupported(next(n for n in names if n in _ACTIVE))
    if not matches:
        if _is_text(head, complete=complete):
            return Sniffed(UploadKind.file, "text/plain")
        raise _unsupported(None)
    best = names[0] or _BY_EXTENSION.get(matches[0].extension.lower(), "")
    if best not in _KINDS:
        raise _unsupported(best or matches[0].extension or None)
    return _classify(best, head)


def _unsupported(detected: str | None) -> UnsupportedMedia:
    return UnsupportedMedia(
        "this type of file is not accepted",
        details={"field": FIELD, "detected": detected},
    )


def _check_image_header(path: Path) -> None:
    """Refuse a pixel flood, or an image that is not one, from its header alone."""
    try:
        with Image.open(path) as probe:
            if probe.format not in media.IMAGE_FORMATS:
                raise _unsupported(probe.format)
            media.refuse_pixel_flood(probe.size, field=FIELD)
    except Image.DecompressionBombError as exc:
        raise UnsupportedMedia(
            "the image has too many pixels",
            code="image_too_large",
            details={"field": FIELD, "max_pixels": media.MAX_IMAGE_PIXELS},
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnsupportedMedia(
            "the image could not be read", code="corrupt_image", details={"field": FIELD}
        ) from exc


# --- names ---

# Control and format characters (bidi overrides among them), and line or paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_name(raw: str | None) -> str:
    """A file name fit to show and to offer as a download name: the last part of a path, without
    control or bidi characters, at most NAME_MAX characters (its extension kept)."""
    text = unicodedata.normalize("NFC", raw or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    text = text.strip(" .")
    if len(text) > NAME_MAX:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            text = f"{stem[: NAME_MAX - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            text = text[:NAME_MAX]
    return text or "file"


# --- the intake ---


@dataclass(frozen=True)
class UploadPlan:
    """What the account may still send: decided before a byte of the body is read."""

    owner_id: int
    # Bytes left of the quota.
    allowance: int
    quota: int
    used: int
    # The Content-Length, when the client sent one.
    declared_size: int | None


def stored_bytes(session: Session, owner_id: int) -> int:
    total = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Upload.size), 0)).where(Upload.owner_id == owner_id)  # type: ignore[arg-type]
    ).scalar_one()
    return int(total)


def check_start_upload(session: Session, actor: User, declared_size: int | None) -> UploadPlan:
    """Refuse what can be refused before the body is read (a declared size over every limit, a
    full quota, the upload rate); the plan bounds what `Intake` then accepts."""
    owner_id = actor.id or 0
    if declared_size is not None and declared_size > largest_limit():
        raise _too_large(largest_limit(), None)
    quota = get_settings().upload_quota_bytes
    used = stored_bytes(session, owner_id)
    allowance = quota - used
    if allowance <= 0 or (declared_size is not None and declared_size > allowance):
        raise _quota_exceeded(quota, used)
    ratelimit.hit("upload", f"user:{owner_id}")
    return UploadPlan(
        owner_id=owner_id,
        allowance=allowance,
        quota=quota,
        used=used,
        declared_size=declared_size,
    )


def incoming_dir() -> Path:
    """Where bodies arrive: inside the media directory, so storing one is a rename; a name that
    starts with a dot is never a media key, so nothing here can be served."""
    path = get_settings().media_dir / ".incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Received:
    path: Path
    size: int
    kind: UploadKind
    mime: str


class Intake:
    """One upload's body as it arrives, written to a temporary file chunk by chunk (the memory it
    holds does not grow with the file) and refused as soon as it passes a limit.

    A context manager: leaving it removes the temporary file unless the upload was stored.
    """

    def __init__(self, plan: UploadPlan) -> None:
        self.plan = plan
        self.size = 0
        self.sniffed: Sniffed | None = None
        self._head = bytearray()
        fd, name = tempfile.mkstemp(dir=incoming_dir(), prefix="upload-")
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")

    def __enter__(self) -> Intake:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.discard()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def _limit(self) -> int:
        return kind_limit(self.sniffed.kind) if self.sniffed else largest_limit()

    def _check_size(self, size: int) -> None:
        limit = self._limit()
        if size > limit:
            raise _too_large(limit, self.sniffed.kind if self.sniffed else None)
        if size > self.plan.allowance:
            raise _quota_exceeded(self.plan.quota, self.plan.used)

    def _sniff(self, *, complete: bool) -> None:
        self.sniffed = sniff(bytes(self._head), complete=complete)
        self._head.clear()
        if self.plan.declared_size is not None:
            # The client said how big the whole file is: no need to read on to refuse it.
            self._check_size(self.plan.declared_size)

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        size = self.size + len(chunk)
        if self.sniffed is None:
            self._head += chunk[: HEAD_BYTES - len(self._head)]
            if len(self._head) >= HEAD_BYTES:
                self._sniff(complete=False)
        self._check_size(size)
        self._file.write(chunk)
        self.size = size

    def finish(self) -> Received:
        """The whole body has arrived: what it is, once an image's header is checked too."""
        self._file.close()
        if self.sniffed is None:
            self._sniff(complete=True)
            self._check_size(self.size)
        assert self.sniffed is not None
        if self.sniffed.kind is UploadKind.image:
            _check_image_header(self.path)
        return Received(self.path, self.size, self.sniffed.kind, self.sniffed.mime)


def upload_key(upload_id: str) -> str:
    return f"uploads/{upload_id}/original"


def _store_original(key: str, source: Path) -> None:
    """Move the received file into storage, never read into memory: a rename on local disk, a
    multipart upload to S3."""
    media.get_storage().put_file(key, source)


# The processing jobs, by kind (`backend_jobs/media.py` registers them): each is enqueued with
# the upload's id once its row commits.
_processors: dict[UploadKind, Callable[[str], None]] = {}


def register_processor(kind: UploadKind, process: Callable[[str], None]) -> None:
    _processors[kind] = process


def check_create_upload(
    session: Session,
    actor: User,
    received: Received,
    name: str | None,
    *,
    keep_original: bool = False,
) -> Upload:
    """Keep a received file, if the quota still has room for it (another upload of the same
    account may have finished in the meantime)."""
    owner_id = actor.id or 0
    # One account's uploads finish one at a time, so two at once cannot both take the last room.
    session.execute(select(User.id).where(User.id == owner_id).with_for_update())
    quota = get_settings().upload_quota_bytes
    used = stored_bytes(session, owner_id)
    if used + received.size > quota:
        raise _quota_exceeded(quota, used)
    return do_create_upload(
        session,
        owner_id=owner_id,
        received=received,
        name=clean_name(name),
        keep_original=keep_original,
    )


def do_create_upload(
    session: Session, *, owner_id: int, received: Received, name: str, keep_original: bool = False
) -> Upload:
    upload_id = new_id()
    upload = Upload(
        id=upload_id,
        owner_id=owner_id,
        kind=received.kind.value,
        mime=received.mime,
        size=received.size,
        name=name,
        status=UploadStatus.received.value,
        storage_key=upload_key(upload_id),
        keep_original=keep_original,
    )
    session.add(upload)
    session.flush()
    _store_original(upload.storage_key, received.path)
    process = _processors.get(received.kind)
    if process is not None:
        on_commit(session, lambda: process(upload_id))
    return upload


def access_upload(session: Session, actor: User, upload_id: str) -> Upload:
    """The caller's own upload; anyone else's is as missing as one that never was."""
    upload = session.get(Upload, upload_id)
    if upload is None or upload.owner_id != actor.id:
        raise NotFound("no such upload", code="upload_not_found")
    return upload


def upload_view(upload: Upload) -> UploadView:
    return UploadView(
        id=upload.id,
        kind=UploadKind(upload.kind),
        mime=upload.mime,
        size=upload.size,
        name=upload.name,
        status=UploadStatus(upload.status),
        failure_reason=upload.failure_reason,
        created_at=upload.created_at,
        keep_original=upload.keep_original,
        width=upload.width,
        height=upload.height,
        placeholder_color=upload.placeholder_color,
        blurhash=upload.blurhash,
        # Signed afresh on every read (and every push).
        renditions={
            name: RenditionView(
                url=media.signed_url(r["key"]),
                width=r["width"],
                height=r["height"],
                animated=r["animated"],
            )
            for name, r in (upload.renditions or {}).items()
        }
        if upload.status == UploadStatus.ready.value
        else {},
    )
