"""Keys derived per purpose: distinct, stable, and never accepted for another purpose."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt
import pytest

from socialhub.config import get_settings
from socialhub.db import read_session
from socialhub.domain import auth, media
from socialhub.domain.errors import NotAuthenticated
from socialhub.keys import KeyPurpose, derive_key, hkdf_sha256
from tests.conftest import reset_settings


def test_hkdf_matches_rfc_5869_test_case_1() -> None:
    okm = hkdf_sha256(
        bytes([0x0B] * 22), salt=bytes(range(13)), info=bytes(range(0xF0, 0xFA)), length=42
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_hkdf_matches_rfc_5869_test_case_3_without_salt_or_info() -> None:
    okm = hkdf_sha256(bytes([0x0B] * 22), salt=b"", info=b"", length=42)
    assert okm.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


def test_every_purpose_has_its_own_stable_key() -> None:
    keys = {purpose: derive_key(purpose) for purpose in KeyPurpose}
    assert {p.value for p in keys} == {
        "access-token",
        "media-url",
        "webhook",
        "unsubscribe",
        "push",
    }
    assert len(set(keys.values())) == len(KeyPurpose)
    assert all(len(k) == 32 for k in keys.values())
    assert {p: derive_key(p) for p in KeyPurpose} == keys
    assert derive_key(KeyPurpose("media-url")) == keys[KeyPurpose.media_url]


def test_keys_follow_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    before = derive_key(KeyPurpose.access_token)
    monkeypatch.setenv("SECRET_KEY", "another-secret-key-of-sufficient-length-000")
    reset_settings()
    try:
        assert derive_key(KeyPurpose.access_token) != before
    finally:
        monkeypatch.undo()
        reset_settings()
    assert derive_key(KeyPurpose.access_token) == before


def _access_claims() -> dict[str, object]:
    now = int(time.time())
    return {"sub": "1", "sid": "x", "typ": "access", "iat": now, "exp": now + 60}


@pytest.mark.parametrize("purpose", [p for p in KeyPurpose if p is not KeyPurpose.access_token])
def test_a_token_signed_with_another_purposes_key_is_refused(
    database_url: str, purpose: KeyPurpose
) -> None:
    token = jwt.encode(_access_claims(), derive_key(purpose), algorithm="HS256")
    with pytest.raises(NotAuthenticated) as err, read_session() as s:
        auth.authenticate_access_token(s, token)
    assert err.value.code == "invalid_token"


def test_a_token_signed_with_the_raw_secret_is_refused(database_url: str) -> None:
    token = jwt.encode(_access_claims(), get_settings().secret_key, algorithm="HS256")
    with pytest.raises(NotAuthenticated) as err, read_session() as s:
        auth.authenticate_access_token(s, token)
    assert err.value.code == "invalid_token"


def test_media_urls_are_signed_with_the_media_key(database_url: str) -> None:
    url = media.signed_url("avatars/x/1-64.webp")
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))
    expires = int(query["exp"])
    assert media.verify_signature("avatars/x/1-64.webp", expires, query["sig"])
    expected = hmac.new(
        derive_key(KeyPurpose.media_url), f"avatars/x/1-64.webp:{expires}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    assert query["sig"] == expected
    assert not media.verify_signature("avatars/x/other.webp", expires, query["sig"])
