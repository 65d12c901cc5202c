"""The generated secret key: private from its creation, and one key however many processes start."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from socialhub.config import load_settings

STARTERS = 6


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _start(barrier: Barrier, data_dir: str, results: multiprocessing.Queue[str]) -> None:
    """What one starting worker does: wait for the others, then load its settings."""
    os.environ.pop("SECRET_KEY", None)
    os.environ["DATA_DIR"] = data_dir
    barrier.wait()
    results.put(load_settings().secret_key)


def test_the_generated_key_is_private_and_kept(data_dir: Path) -> None:
    key = load_settings().secret_key
    path = data_dir / "secret_key"
    assert len(key) >= 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == key
    assert load_settings().secret_key == key
    # No temporary file is left behind.
    assert [p.name for p in data_dir.iterdir()] == ["secret_key"]


def test_an_explicit_secret_key_wins(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "explicit-key-of-some-length-0123456789")
    assert load_settings().secret_key == "explicit-key-of-some-length-0123456789"
    assert not (data_dir / "secret_key").exists()


def test_an_empty_key_file_is_an_error_not_an_empty_key(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        load_settings()


def test_threads_starting_together_share_one_key(data_dir: Path) -> None:
    barrier = threading.Barrier(STARTERS)
    keys: list[str] = []

    def start() -> None:
        barrier.wait()
        keys.append(load_settings().secret_key)

    threads = [threading.Thread(target=start) for _ in range(STARTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == STARTERS
    assert set(keys) == {(data_dir / "secret_key").read_text()}


def test_processes_starting_together_share_one_key(data_dir: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(STARTERS)
    results: multiprocessing.Queue[str] = context.Queue()
    workers = [
        context.Process(target=_start, args=(barrier, str(data_dir), results))
        for _ in range(STARTERS)
    ]
    for worker in workers:
        worker.start()
    keys = {results.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert keys == {(data_dir / "secret_key").read_text()}
    assert [p.name for p in data_dir.iterdir()] == ["secret_key"]


def test_media_storage_is_local_disk_by_default(data_dir: Path) -> None:
    settings = load_settings()
    assert settings.storage_backend == "local"
    assert settings.media_dir == data_dir / "media"


def test_the_s3_storage_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "STORAGE_BACKEND": "S3",
        "S3_ENDPOINT_URL": "http://127.0.0.1:8333",
        "S3_BUCKET": "media",
        "S3_ACCESS_KEY": "key",
        "S3_SECRET_KEY": "s3-secret-value",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.storage_backend, settings.s3_endpoint_url) == ("s3", "http://127.0.0.1:8333")
    assert (settings.s3_bucket, settings.s3_access_key) == ("media", "key")
    assert (settings.s3_secret_key, settings.s3_region) == ("s3-secret-value", "us-east-1")
    assert "s3-secret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [({"STORAGE_BACKEND": "ftp"}, "one of local, s3"), ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET")],
    ids=["unknown-backend", "s3-without-bucket"],
)
def test_a_storage_misconfiguration_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    monkeypatch.delenv("S3_BUCKET", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=message):
        load_settings()
