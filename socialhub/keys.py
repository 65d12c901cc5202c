"""One key per purpose, derived from SECRET_KEY, so nothing signed for one use verifies for another.

A leaked or misused key of one purpose (a media URL signature, say) then tells nothing about the
others, and a value signed for one purpose is never accepted where another is expected.
Derivation is HKDF-SHA256 (RFC 5869), written out here on `hmac` because the `cryptography`
package is not among our dependencies and the construction is a few lines of HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum
from functools import lru_cache

from socialhub.config import get_settings

KEY_BYTES = 32
# A fixed, public salt: it separates our derivations from any other use of the same secret.
_SALT = b"socialhub key derivation v1"


class KeyPurpose(StrEnum):
    access_token = "access-token"  # noqa: S105 (a purpose name) JWTs of API clients
    media_url = "media-url"  # signatures of expiring media URLs
    # Reserved for features to come, so their keys are separate from the first day.
    webhook = "webhook"
    unsubscribe = "unsubscribe"
    push = "push"


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    """RFC 5869: extract a pseudorandom key from `ikm`, then expand it for `info`."""
    if not 0 < length <= 255 * hashlib.sha256().digest_size:
        raise ValueError("HKDF-SHA256 gives 1 to 8160 bytes")
    prk = hmac.new(salt or bytes(hashlib.sha256().digest_size), ikm, hashlib.sha256).digest()
    okm = b""
    block = b""
    counter = 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


@lru_cache(maxsize=32)
def _derive(secret: str, purpose: KeyPurpose) -> bytes:
    return hkdf_sha256(secret.encode(), salt=_SALT, info=f"socialhub/{purpose.value}".encode())


def derive_key(purpose: KeyPurpose) -> bytes:
    """The key for `purpose` under the configured SECRET_KEY (stable while the secret is)."""
    return _derive(get_settings().secret_key, KeyPurpose(purpose))
