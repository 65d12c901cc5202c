"""Files of every kind an upload can be, made in the test: real ones where Python can write them
(images, a PDF, a WAV, a zip), and the first bytes of the media containers a browser records
(MP4, WebM, Ogg), which is all the intake reads of them."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
import zlib

from PIL import Image


def image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 300), (255, 255, 255)).save(buffer, format="PDF")
    return buffer.getvalue()


def wav(seconds: float = 0.2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * int(8000 * seconds))
    return buffer.getvalue()


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes/readme.txt", "hello")
    return buffer.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(handler: bytes = b"vide", brand: bytes = b"isom") -> bytes:
    """An MP4's ftyp and a moov whose one track has the given handler (`vide` or `soun`)."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    hdlr = _box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12 + b"track\x00")
    moov = _box(b"moov", _box(b"trak", _box(b"mdia", hdlr)))
    return ftyp + moov + b"\x00" * 512


def webm(codec: bytes) -> bytes:
    """A WebM's EBML header and one track with the given CodecID (`V_VP9`, `A_OPUS`)."""
    ebml = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d4287810442858102")
    entry = b"\xd7\x81\x01" + b"\x83\x81" + (b"\x01" if codec.startswith(b"V_") else b"\x02")
    entry += b"\x86" + bytes([0x80 | len(codec)]) + codec
    tracks = b"\x16\x54\xae\x6b" + bytes([0x80 | (len(entry) + 2)]) + b"\xae"
    tracks += bytes([0x80 | len(entry)]) + entry
    return ebml + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + tracks + b"\x00" * 512


def ogg_opus() -> bytes:
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    page = b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 8
    return page + b"\x01" + bytes([len(head)]) + head + b"\x00" * 256


def mp3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 413


def pixel_flood(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG of a few dozen bytes whose header claims `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
# A Windows executable's first bytes.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240
# A Linux executable's first bytes.
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 240
TEXT = "Shopping list: milk, bread, café\n".encode()
# Bytes no sniffer recognises and that are not text.
NOISE = bytes(range(256)) * 8
